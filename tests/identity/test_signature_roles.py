"""A signature keeps the role it was made under: a prescriber's decision at a gate still reads as
a prescriber's after an administrator takes the prescriber role away (the audit). The
`signatures` row names the account and the time; the roles come from the account's version in
force at that time."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from console.identity import (
    Account,
    Meaning,
    Role,
    SignatureRefused,
    Signatures,
    Staff,
    UnknownAccountError,
)
from console.records import EventRecord, SessionOpened
from console.review.queries import load_signatures
from console.store import EventLog

from .conftest import T0, t

PRESCRIBER_PIN = "66120498"


@pytest.fixture
def decision(log: EventLog) -> int:
    """A prescriber's decision at a gate, committed: the record the prescriber signs."""
    session = log.start_session(SessionOpened(
        patient_id="MRN-4711", protocol_id="iv-ketamine", protocol_version="2026.1",
        session_number=1, nurse="Ana Nurse", weight_kg=72.0, started_at=T0))
    [row_id] = log.write([EventRecord(session, t(30), "gate_decision", "Pat Prescriber",
                                      {"gate": "bp", "reason": "repeat in 5 min"})])
    return row_id


@pytest.fixture
def prescriber(staff: Staff, admin: Account) -> Account:
    return staff.add("Pat Prescriber", "prescriber,nurse", PRESCRIBER_PIN, "pin", admin, t(1))


def signature_rows(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM signatures ORDER BY id").fetchall()
    finally:
        conn.close()


def test_a_prescribers_signature_still_reads_as_a_prescribers_after_the_role_is_removed(
        db: Path, log: EventLog, staff: Staff, admin: Account, prescriber: Account,
        decision: int) -> None:
    signatures = Signatures(staff)
    # Pat signs the decision at the gate as a prescriber.
    signed = signatures.sign(prescriber, PRESCRIBER_PIN, Meaning.GATE_DECISION, "events",
                             decision, t(31))
    shown = load_signatures(log.conn, signed.session_id or 0).signatures
    stored = signature_rows(db)
    assert signatures.signer(signed).has(Role.PRESCRIBER)
    # An hour later the administrator takes the prescriber role away.
    staff.change_roles(prescriber, "nurse", admin, "no longer prescribes here", t(3600))
    assert not staff.get(prescriber).has(Role.PRESCRIBER)
    # The signature is the same row, shown the same, and its signer was a prescriber then.
    [again] = signatures.signatures_of("events", decision)
    assert again == signed and signature_rows(db) == stored
    assert load_signatures(log.conn, signed.session_id or 0).signatures == shown
    assert (again.printed_name, again.meaning) == ("Pat Prescriber",
                                                   "prescriber decision at gate")
    then = signatures.signer(again)
    assert (then.id, then.roles) == (prescriber.id, frozenset({Role.PRESCRIBER, Role.NURSE}))
    assert then.version == prescriber.version
    # Pat cannot sign a new decision now.
    with pytest.raises(SignatureRefused, match=r"it needs the prescriber role"):
        signatures.sign(prescriber, PRESCRIBER_PIN, Meaning.GATE_DECISION, "events", decision,
                        t(3601))
    assert log.verify().ok


def test_a_role_given_later_is_not_read_into_an_older_signature(
        log: EventLog, staff: Staff, admin: Account, prescriber: Account, decision: int) -> None:
    signatures = Signatures(staff)
    signed = signatures.sign(prescriber, PRESCRIBER_PIN, Meaning.DISCHARGE, "events", decision,
                             t(31))
    staff.change_roles(prescriber, "prescriber,nurse,reviewer", admin, "reviews too", t(40))
    staff.disable(prescriber, admin, "left", t(50))
    assert signatures.signer(signed).roles == frozenset({Role.PRESCRIBER, Role.NURSE})
    assert signatures.signer(signed).active


def test_a_signature_from_before_its_account_is_named_not_guessed(
        staff: Staff, prescriber: Account, decision: int) -> None:
    signatures = Signatures(staff)
    signed = signatures.sign(prescriber, PRESCRIBER_PIN, Meaning.DISCHARGE, "events", decision,
                             t(31))
    forged = replace(signed, at=T0)             # a time before the account existed
    with pytest.raises(UnknownAccountError, match=r"^signature 1 names account 2, which had no "
                                                  r"version at 2026-03-02T09:00:00.000Z in "):
        signatures.signer(forged)

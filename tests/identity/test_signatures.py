"""Signatures: printed name, account, time and meaning, bound to the row_hash of a committed
record; refused with a wrong PIN or a missing role; an edit of the signed record is named by
verify, even one that recomputed the table's chain."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from console.identity import (
    APPROVAL_VALID,
    Account,
    ApprovalError,
    IdentityError,
    Meaning,
    Outcome,
    SignatureRefused,
    Signatures,
    Staff,
    UnknownRecordError,
)
from console.records import EventRecord, SessionOpened
from console.review.queries import check_session_chain, load_signatures
from console.store import EventLog
from console.store.chain import CHAINED_COLUMNS, GENESIS, row_hash

from .conftest import NURSE_PIN, CountingHasher, T0, t

PRESCRIBER_PIN = "66120498"


@pytest.fixture
def session(log: EventLog) -> int:
    return log.start_session(SessionOpened(
        patient_id="MRN-4711", protocol_id="iv-ketamine", protocol_version="2026.1",
        session_number=1, nurse="Ana Nurse", weight_kg=72.0, started_at=T0))


@pytest.fixture
def override(log: EventLog, session: int) -> int:
    """An override event, committed: the record a nurse signs."""
    [row_id] = log.write([EventRecord(session, t(30), "override", "Ana Nurse",
                                      {"item": "consent", "reason": "signed on paper"})])
    return row_id


@pytest.fixture
def signatures(staff: Staff) -> Signatures:
    return Signatures(staff)


@pytest.fixture
def prescriber(staff: Staff, admin: Account) -> Account:
    return staff.add("Pat Prescriber", "prescriber", PRESCRIBER_PIN, "pin", admin, t(1))


def signature_rows(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT at, account, printed_name, meaning, session_id, signed_table, "
                            "signed_id, signed_hash FROM signatures ORDER BY id").fetchall()
    finally:
        conn.close()


def hash_of(db: Path, table: str, row_id: int) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute(f"SELECT row_hash FROM {table} WHERE id = ?",
                                [row_id]).fetchone()[0])
    finally:
        conn.close()


def test_a_signature_records_name_account_time_meaning_and_the_row_hash(
        db: Path, signatures: Signatures, nurse: Account, session: int, override: int) -> None:
    signed = signatures.sign(nurse, NURSE_PIN, Meaning.PHASE_OVERRIDE, "events", override,
                             t(31), where="chair 3")
    assert signature_rows(db) == [(
        "2026-03-02T09:00:31.000Z", nurse.id, "Ana Nurse",
        "phase ended against its checklist or rules", session, "events", override,
        hash_of(db, "events", override))]
    assert signatures.signatures_for(session) == [signed]
    assert signatures.signatures_of("events", override) == [signed]


def test_approve_then_sign_the_record_the_action_committed(
        db: Path, log: EventLog, signatures: Signatures, nurse: Account, session: int) -> None:
    approval = signatures.approve(nurse, NURSE_PIN, "discharge", t(40))   # before the action
    [row_id] = log.write([EventRecord(session, t(41), "discharged", "Ana Nurse", {})])
    signed = signatures.sign_approved(approval, "events", row_id, t(42))
    assert (signed.at, signed.meaning, signed.signed_id) == (t(40), "discharge", row_id)
    assert signed.signed_hash == hash_of(db, "events", row_id)
    with pytest.raises(ApprovalError, match="used already"):          # one use
        signatures.sign_approved(approval, "events", row_id, t(43))


def test_a_row_that_is_not_in_the_log_cannot_be_signed(
        db: Path, signatures: Signatures, hasher: CountingHasher, nurse: Account,
        session: int) -> None:
    checks = hasher.checks
    with pytest.raises(UnknownRecordError, match="events row 99 is not in the session log: only "
                                                 "a committed record can be signed"):
        signatures.sign(nurse, NURSE_PIN, Meaning.CORRECTION, "events", 99, t(31))
    assert hasher.checks == checks                     # refused before any secret check
    approval = signatures.approve(nurse, NURSE_PIN, Meaning.CORRECTION, t(32))
    with pytest.raises(UnknownRecordError):
        signatures.sign_approved(approval, "observations", 1, t(33))
    assert signature_rows(db) == []


@pytest.mark.parametrize("table", ["staff", "sign_ins", "access_log", "outbox", "nonsense"])
def test_only_session_records_are_signed(signatures: Signatures, nurse: Account,
                                         table: str) -> None:
    with pytest.raises(IdentityError, match="only records of sessions, observations, "
                                            "alarm_events, events are signed"):
        signatures.sign(nurse, NURSE_PIN, Meaning.CORRECTION, table, 1, t(31))


def test_a_wrong_pin_signs_nothing_and_counts_toward_the_lock(
        db: Path, signatures: Signatures, staff: Staff, nurse: Account, override: int) -> None:
    with pytest.raises(SignatureRefused) as refused:
        signatures.sign(nurse, "00000000", Meaning.PHASE_OVERRIDE, "events", override, t(31))
    assert refused.value.result is not None and refused.value.result.outcome is Outcome.WRONG
    assert str(refused.value).startswith("not signed: ")
    assert signature_rows(db) == []
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT outcome, purpose FROM sign_ins").fetchall() == [
        ("wrong", "signature")]
    conn.close()
    assert staff.lock_state(nurse, t(32)).wrong_in_a_row == 1


def test_a_nurse_is_refused_a_prescriber_decision(db: Path, signatures: Signatures,
                                                  hasher: CountingHasher, nurse: Account,
                                                  prescriber: Account, override: int) -> None:
    checks = hasher.checks
    with pytest.raises(SignatureRefused) as refused:
        signatures.sign(nurse, NURSE_PIN, Meaning.GATE_DECISION, "events", override, t(31))
    assert str(refused.value) == (
        "cannot sign the prescriber decision at gate: Ana Nurse (nurse) may not record a "
        "prescriber's decision at a gate: it needs the prescriber role")
    assert refused.value.result is None and hasher.checks == checks
    signed = signatures.sign(prescriber, PRESCRIBER_PIN, Meaning.GATE_DECISION, "events",
                             override, t(32))
    assert signed.printed_name == "Pat Prescriber"
    assert len(signature_rows(db)) == 1


def test_a_reviewer_signs_a_review_annotation_but_not_a_discharge(
        staff: Staff, signatures: Signatures, admin: Account, override: int) -> None:
    reviewer = staff.add("Rae Reviewer", "reviewer", "31415926", "pin", admin, t(1))
    signatures.sign(reviewer, "31415926", Meaning.REVIEW_ANNOTATION, "events", override, t(40))
    with pytest.raises(SignatureRefused, match="may not run a session"):
        signatures.sign(reviewer, "31415926", Meaning.DISCHARGE, "events", override, t(41))


def test_approvals_expire_and_cannot_be_forged(signatures: Signatures, nurse: Account,
                                               override: int) -> None:
    approval = signatures.approve(nurse, NURSE_PIN, Meaning.ALARM_LIMIT_CHANGE, t(40))
    with pytest.raises(ApprovalError, match="more than 2 minutes ago"):
        signatures.sign_approved(approval, "events", override,
                                 t(40) + APPROVAL_VALID + timedelta(seconds=1))
    forged = replace(signatures.approve(nurse, NURSE_PIN, Meaning.DISCHARGE, t(50)),
                     meaning=Meaning.GATE_DECISION)
    with pytest.raises(ApprovalError, match="was not issued"):
        signatures.sign_approved(forged, "events", override, t(51))


def test_an_approval_is_valid_until_it_lapses_or_is_used(signatures: Signatures, nurse: Account,
                                                         override: int) -> None:
    """What the chair asks before acting on approvals given in turn (review 37, staff 1)."""
    approval = signatures.approve(nurse, NURSE_PIN, Meaning.DISCHARGE, t(40))
    assert signatures.is_valid(approval, t(40) + APPROVAL_VALID)
    assert not signatures.is_valid(approval, t(40) + APPROVAL_VALID + timedelta(seconds=1))
    signatures.sign_approved(approval, "events", override, t(41))
    assert not signatures.is_valid(approval, t(41))


def test_an_unknown_meaning_is_refused(signatures: Signatures, nurse: Account,
                                       override: int) -> None:
    with pytest.raises(IdentityError, match="a signature's meaning is one of: phase ended "
                                            "against its checklist or rules; discharge against "
                                            "the discharge gate; prescriber decision at gate;"):
        signatures.sign(nurse, NURSE_PIN, "approval", "events", override, t(31))


def drop_triggers(conn: sqlite3.Connection, table: str) -> None:
    conn.execute(f"DROP TRIGGER {table}_no_update")
    conn.execute(f"DROP TRIGGER {table}_no_delete")


def test_editing_the_signed_record_is_named_by_verify_and_the_review(
        db: Path, log: EventLog, signatures: Signatures, nurse: Account, session: int,
        override: int) -> None:
    signatures.sign(nurse, NURSE_PIN, Meaning.PHASE_OVERRIDE, "events", override, t(31))
    assert log.verify().ok
    assert [e.intact for e in load_signatures(log.conn, session).signatures] == [True]
    conn = sqlite3.connect(db)
    drop_triggers(conn, "events")
    # The text changed, its row_hash column left as it was.
    conn.execute("UPDATE events SET detail = '{\"item\":\"consent\",\"reason\":\"none\"}' "
                 "WHERE id = ?", [override])
    conn.commit()
    conn.close()
    report = log.verify()
    assert (report.ok, report.first_bad) == (False, ("events", override))
    # The review and the PDF say "RECORD CHANGED", not "valid", beside the signature.
    assert [e.intact for e in load_signatures(log.conn, session).signatures] == [False]


def test_a_signers_name_edited_outside_the_console_is_named_by_the_review(
        db: Path, log: EventLog, signatures: Signatures, nurse: Account, session: int,
        override: int) -> None:
    """Verify named the signature row; the review read it "valid" and let exports go out (the
    data-path audit): its per-session check and the Signatures tab looked only at the record."""
    signed = signatures.sign(nurse, NURSE_PIN, Meaning.PHASE_OVERRIDE, "events", override,
                             t(31))
    conn = sqlite3.connect(db)
    drop_triggers(conn, "signatures")
    conn.execute("UPDATE signatures SET printed_name = 'Someone Else' WHERE id = ?", [signed.id])
    conn.commit()
    conn.close()
    assert log.verify().first_bad == ("signatures", signed.id)
    assert [e.intact for e in load_signatures(log.conn, session).signatures] == [False]
    check = check_session_chain(log.conn, session)
    assert (check.ok, check.first_bad) == (False, ("signatures", signed.id))
    assert check.record == "the signature of Someone Else (phase ended against its checklist or rules)"


def test_an_edit_hidden_by_a_recomputed_chain_is_named_by_the_signature(
        db: Path, log: EventLog, signatures: Signatures, nurse: Account, override: int) -> None:
    signed = signatures.sign(nurse, NURSE_PIN, Meaning.PHASE_OVERRIDE, "events", override,
                             t(31))
    conn = sqlite3.connect(db)
    drop_triggers(conn, "events")
    conn.execute("UPDATE events SET actor = 'Someone Else' WHERE id = ?", [override])
    # Recompute the whole events chain and its head, as someone who knows the rule would.
    columns = ", ".join(CHAINED_COLUMNS["events"])
    previous = GENESIS
    for values in conn.execute(f"SELECT {columns} FROM events ORDER BY id").fetchall():
        previous = row_hash(previous, "events", list(values))
        conn.execute("UPDATE events SET row_hash = ? WHERE id = ?", [previous, values[0]])
        last = values[0]
    conn.execute("UPDATE meta SET value = ? WHERE key = 'chain_head.events'",
                 [f"{last} {previous}"])
    conn.commit()
    conn.close()
    report = log.verify()
    assert (report.ok, report.first_bad) == (False, ("signatures", signed.id))
    assert report.message == (f"signatures row {signed.id}: the signed events row {override} "
                              "no longer has the row_hash that was signed: it was changed after "
                              "signing")


def test_signatures_are_append_only(db: Path, signatures: Signatures, nurse: Account,
                                    override: int) -> None:
    signatures.sign(nurse, NURSE_PIN, Meaning.PHASE_OVERRIDE, "events", override, t(31))
    conn = sqlite3.connect(db)
    try:
        for statement in ("UPDATE signatures SET printed_name = 'X'", "DELETE FROM signatures"):
            with pytest.raises(sqlite3.IntegrityError, match="signatures is append-only"):
                conn.execute(statement)
    finally:
        conn.close()

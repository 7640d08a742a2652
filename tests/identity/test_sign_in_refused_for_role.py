"""A sign-in whose secret is right, of an account the station refuses for its role (a prescriber
at the chair, a nurse at the administration or the review): refused, naming the role, and its
`sign_ins` row does not read as a sign-in.

The table's outcomes (a CHECK, and an append-only chained table) name the check of the secret:
`ok` says the secret matched, which is true, and keeps the lock-out honest (a right secret ends a
run of wrong ones). The refusal is in the row's `purpose`: "sign-in refused: may not run a
session", never "sign-in", so an auditor's "who signed in at chair 3" (`outcome = 'ok' AND
purpose = 'sign-in'`) does not find it."""

from __future__ import annotations

from pathlib import Path

from console.clock import ManualClock
from console.identity import LOCK_AFTER, Account, Action, Outcome, Purpose, SecretKind, Staff
from console.review.access import ReviewAccess
from console.session.chair_identity import ChairIdentity
from console.store import EventLog

from .conftest import NURSE, NURSE_PIN, T0, t

PRESCRIBER, PRESCRIBER_PIN = "Pat Prescriber", "90517362"
SIGNED_IN_AT_CHAIR = ("SELECT typed FROM sign_ins WHERE outcome = 'ok' AND purpose = 'sign-in' "
                      "AND station = 'chair 3'")


def add_prescriber(staff: Staff, admin: Account) -> Account:
    return staff.add(PRESCRIBER, "prescriber", PRESCRIBER_PIN, SecretKind.PIN, admin, t(2))


def last_row(log: EventLog) -> tuple[object, ...]:
    return log.conn.execute("SELECT typed, outcome, purpose, station FROM sign_ins "
                            "ORDER BY id DESC LIMIT 1").fetchone()


def test_a_prescriber_refused_at_the_chair_is_not_logged_as_signed_in(
        log: EventLog, staff: Staff, admin: Account, nurse: Account) -> None:
    add_prescriber(staff, admin)
    clock = ManualClock(t(10))
    chair = ChairIdentity(staff, clock.now().mono, 600.0, "chair 3")
    chair.lock.lock(clock.now())
    answer = chair.sign_in(PRESCRIBER, PRESCRIBER_PIN, clock.now(), in_charge=NURSE)
    assert not answer.ok and chair.lock.locked and chair.account is None
    assert answer.message == ("Pat Prescriber (prescriber) may not run a session: it needs the "
                              "nurse role.")
    assert last_row(log) == (PRESCRIBER, "ok", "sign-in refused: may not run a session",
                             "chair 3")
    assert chair.sign_in(NURSE, NURSE_PIN, clock.now(), in_charge=NURSE).ok
    assert log.conn.execute(SIGNED_IN_AT_CHAIR).fetchall() == [(NURSE,)]


def test_the_refusal_is_decided_before_the_row_is_written(
        log: EventLog, staff: Staff, admin: Account, nurse: Account) -> None:
    result = staff.sign_in(NURSE, NURSE_PIN, t(10), "administration", Purpose.ADMINISTRATION,
                           may=Action.MANAGE_STAFF)
    assert (result.ok, result.outcome, result.account) == (False, Outcome.OK, nurse)
    assert result.message == ("Ana Nurse (nurse) may not manage staff accounts: it needs the "
                              "administrator role")
    assert last_row(log) == (NURSE, "ok", "administration refused: may not manage staff "
                             "accounts", "administration")
    # The purpose it was asked for, when the account may.
    assert staff.sign_in(NURSE, NURSE_PIN, t(11), "chair 3", may=Action.RUN_SESSION).ok
    assert last_row(log) == (NURSE, "ok", "sign-in", "chair 3")


def test_a_right_secret_refused_for_its_role_still_ends_a_run_of_wrong_ones(
        staff: Staff, admin: Account, nurse: Account) -> None:
    for round_ in range(3):
        for i in range(LOCK_AFTER - 1):
            staff.sign_in(NURSE, "00000000", t(round_ * 10 + i), "administration")
        assert not staff.sign_in(NURSE, NURSE_PIN, t(round_ * 10 + 5), "administration",
                                 may=Action.MANAGE_STAFF).ok
    assert staff.sign_in(NURSE, NURSE_PIN, t(40), "chair 3").ok   # never locked


def test_a_nurse_refused_at_the_review_is_not_logged_as_signed_in(
        db: Path, log: EventLog, staff: Staff, admin: Account, nurse: Account,
        hasher: object) -> None:
    answer = ReviewAccess.sign_in(db, NURSE, NURSE_PIN, ManualClock(T0), "test",
                                  hasher=hasher)  # type: ignore[arg-type]
    assert answer == ("Ana Nurse (nurse) may not open the review or read a session's record: "
                      "it needs the prescriber, reviewer or administrator role.")
    assert last_row(log) == (NURSE, "ok",
                             "review refused: may not open the review or read a session's "
                             "record", "review")

"""Sign-in: good, wrong, unknown, disabled; five wrong in a row lock the account for five minutes
(time injected), the lock refuses without hashing and ends by itself or with a reset; every
attempt is a `sign_ins` row."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest

from console.identity import (
    LOCK_AFTER,
    LOCK_FOR,
    Account,
    Argon2Hasher,
    Lock,
    Outcome,
    Purpose,
    Staff,
)
from console.identity.staff import NO_MATCH, NOT_KEPT
from console.store import EventLog

from .conftest import NURSE, NURSE_BADGE, NURSE_PIN, CountingHasher, t

WRONG = "00000000"


def attempts(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT at, account, staff_version, typed, outcome, locked_until, "
                            "purpose, station FROM sign_ins ORDER BY id").fetchall()
    finally:
        conn.close()


def test_good_sign_in_by_badge_or_name(db: Path, staff: Staff, nurse: Account) -> None:
    by_badge = staff.sign_in(NURSE_BADGE, NURSE_PIN, t(10), where="chair 3")
    assert (by_badge.outcome, by_badge.account, by_badge.message) == (
        Outcome.OK, nurse, "signed in as Ana Nurse")
    assert by_badge.ok
    assert staff.sign_in("ana nurse", NURSE_PIN, t(11)).ok
    assert attempts(db) == [
        ("2026-03-02T09:00:10.000Z", 2, 2, NURSE_BADGE, "ok", None, "sign-in", "chair 3"),
        ("2026-03-02T09:00:11.000Z", 2, 2, "ana nurse", "ok", None, "sign-in", ""),
    ]


def test_a_wrong_secret_is_refused_and_logged(db: Path, staff: Staff, nurse: Account) -> None:
    result = staff.sign_in(NURSE, WRONG, t(10), where="chair 3")
    assert (result.outcome, result.account, result.tries_left, result.locked_until) == (
        Outcome.WRONG, nurse, LOCK_AFTER - 1, None)
    assert result.message == NO_MATCH
    assert attempts(db)[-1] == ("2026-03-02T09:00:10.000Z", 2, 2, NURSE, "wrong", None,
                                "sign-in", "chair 3")


def test_an_unknown_name_takes_one_dummy_check_and_reads_like_a_wrong_secret(
        db: Path, staff: Staff, hasher: CountingHasher, nurse: Account) -> None:
    before = hasher.checks
    result = staff.sign_in("Nobody Here", NURSE_PIN, t(10))
    assert (result.outcome, result.account, result.message) == (Outcome.UNKNOWN, None, NO_MATCH)
    assert (hasher.dummies, hasher.checks - before) == (1, 1)   # the same work as a wrong secret
    assert attempts(db)[-1][1:5] == (None, None, NOT_KEPT, "unknown")


@pytest.mark.parametrize("typed", [NURSE_PIN, "correct horse battery"])
def test_what_was_typed_as_an_unknown_name_is_not_kept(db: Path, staff: Staff, nurse: Account,
                                                       typed: str) -> None:
    # A PIN or a password typed into the name field (QA: a password was kept in clear; only
    # digits were held back).
    staff.sign_in(typed, NURSE_PIN, t(10))
    assert attempts(db)[-1][3:5] == (NOT_KEPT, "unknown")
    assert typed.encode() not in Path(db).read_bytes() + Path(f"{db}-wal").read_bytes()


def test_a_disabled_account_signs_in_nowhere(db: Path, staff: Staff, admin: Account,
                                             nurse: Account) -> None:
    staff.disable(nurse, admin, "left the clinic", t(5))
    for purpose in Purpose:
        result = staff.sign_in(NURSE, NURSE_PIN, t(10), purpose=purpose)
        assert (result.outcome, result.ok) == (Outcome.DISABLED, False)
    assert not staff.verify_secret(nurse, NURSE_PIN, t(11)).ok
    assert result.message == ("Ana Nurse's account is disabled: it signs in nowhere; ask an "
                              "administrator")
    assert {row[4] for row in attempts(db)} == {"disabled"}


def lock_out(staff: Staff, start: float = 10) -> None:
    """Five wrong secrets in a row, one a second from `start`."""
    for i in range(LOCK_AFTER):
        result = staff.sign_in(NURSE, WRONG, t(start + i))
        assert result.outcome is Outcome.WRONG
        assert result.tries_left == LOCK_AFTER - 1 - i


@pytest.fixture
def in_new_york(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_fifth_wrong_secret_in_a_row_locks_the_account_for_five_minutes(
        db: Path, staff: Staff, nurse: Account, in_new_york: None) -> None:
    lock_out(staff)
    # The fifth attempt (at 14 s) started the lock: its row says until when.
    assert attempts(db)[-1][4:6] == ("wrong", "2026-03-02T09:05:14.000Z")
    assert staff.lock_state(nurse, t(15)).state is Lock.LOCKED
    result = staff.sign_in(NURSE, NURSE_PIN, t(15))          # the right PIN, while locked
    assert (result.outcome, result.locked_until) == (Outcome.LOCKED, t(14) + LOCK_FOR)
    # When to try again in the station's local time (review 37, staff 7: it said the log's
    # UTC text, "09:05:14.000Z", five hours off to a nurse in New York).
    assert result.message == ("Ana Nurse is locked after 5 wrong PINs or passwords in a row: "
                              "try again in 4:59 min (at 2026-03-02T04:05:14-05:00), or ask an "
                              "administrator to reset it")
    assert attempts(db)[-1][4:6] == ("locked", "2026-03-02T09:05:14.000Z")


def test_a_locked_account_is_refused_without_checking_the_secret(
        staff: Staff, hasher: CountingHasher, nurse: Account) -> None:
    lock_out(staff)
    checks = hasher.checks
    for i in range(200):
        assert staff.sign_in(NURSE, NURSE_PIN if i % 2 else WRONG, t(20 + i)).outcome is (
            Outcome.LOCKED)
    assert hasher.checks == checks


def test_the_lock_ends_after_five_minutes_and_the_count_starts_again(
        staff: Staff, nurse: Account) -> None:
    lock_out(staff)                                          # locked at 14 s until 5:14
    end = 14 + LOCK_FOR.total_seconds()
    assert staff.sign_in(NURSE, NURSE_PIN, t(end - 0.001)).outcome is Outcome.LOCKED
    # At the end of the lock: open, and four wrong ones do not lock it again.
    for i in range(LOCK_AFTER - 1):
        assert staff.sign_in(NURSE, WRONG, t(end + i)).outcome is Outcome.WRONG
    assert staff.sign_in(NURSE, NURSE_PIN, t(end + 10)).ok


def test_the_lock_comes_back_after_five_more_wrong_secrets(staff: Staff, nurse: Account) -> None:
    lock_out(staff)
    lock_out(staff, start=14 + LOCK_FOR.total_seconds())
    assert staff.sign_in(NURSE, NURSE_PIN, t(14 + LOCK_FOR.total_seconds() + 5)).outcome is (
        Outcome.LOCKED)


def test_a_good_sign_in_resets_the_count(staff: Staff, nurse: Account) -> None:
    for round_ in range(3):
        for i in range(LOCK_AFTER - 1):
            assert staff.sign_in(NURSE, WRONG, t(round_ * 10 + i)).outcome is Outcome.WRONG
        assert staff.sign_in(NURSE, NURSE_PIN, t(round_ * 10 + 5)).ok


def test_an_administrators_reset_ends_the_lock(staff: Staff, admin: Account,
                                               nurse: Account) -> None:
    lock_out(staff)
    staff.reset(nurse, "13572468", admin, t(30))
    assert staff.sign_in(NURSE, "13572468", t(31)).ok


def test_signature_checks_and_sign_ins_share_one_count_and_lock(staff: Staff,
                                                               nurse: Account) -> None:
    for i in range(3):
        assert staff.sign_in(NURSE, WRONG, t(i)).outcome is Outcome.WRONG
    assert staff.verify_secret(nurse, WRONG, t(3)).tries_left == 1
    assert staff.verify_secret(nurse, WRONG, t(4)).locked_until == t(4) + LOCK_FOR
    assert staff.sign_in(NURSE_BADGE, NURSE_PIN, t(5)).outcome is Outcome.LOCKED
    assert staff.verify_secret(nurse, NURSE_PIN, t(6)).outcome is Outcome.LOCKED


def test_the_lock_holds_across_a_restart_and_another_process(db: Path, log: EventLog,
                                                             staff: Staff,
                                                             nurse: Account) -> None:
    lock_out(staff)
    log.close()
    with EventLog.open(db, "test") as again:
        other = Staff(again, CountingHasher())
        assert other.sign_in(NURSE, NURSE_PIN, t(60)).outcome is Outcome.LOCKED


def test_locks_are_per_account(staff: Staff, admin: Account, nurse: Account) -> None:
    lock_out(staff)
    assert staff.sign_in("Ada Admin", "58203914", t(20)).ok


def test_a_hash_made_with_older_parameters_is_replaced_at_the_next_good_sign_in(
        db: Path, log: EventLog, staff: Staff, nurse: Account) -> None:
    # Production parameters now: the account's fast hash "needs a rehash".
    current = Staff(log, Argon2Hasher())
    result = current.sign_in(NURSE, NURSE_PIN, t(10))
    assert result.ok and result.account is not None
    assert result.account.version == nurse.version + 1
    assert result.account.reason == "secret re-hashed with the current Argon2id parameters"
    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT secret_hash FROM staff WHERE id = ?",
                          [result.account.version]).fetchone()[0]
    conn.close()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert current.sign_in(NURSE, NURSE_PIN, t(11)).account == result.account   # once only


def test_sign_in_times_must_be_aware(staff: Staff, nurse: Account) -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        staff.sign_in(NURSE, NURSE_PIN, t(1).replace(tzinfo=None))


def test_sign_ins_are_append_only_and_chained(db: Path, staff: Staff, nurse: Account,
                                              log: EventLog) -> None:
    staff.sign_in(NURSE, WRONG, t(1))
    staff.sign_in(NURSE, NURSE_PIN, t(2))
    assert log.verify().ok
    conn = sqlite3.connect(db)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="sign_ins is append-only"):
            conn.execute("DELETE FROM sign_ins WHERE outcome = 'wrong'")
        conn.execute("DROP TRIGGER sign_ins_no_update")
        conn.execute("UPDATE sign_ins SET outcome = 'ok' WHERE outcome = 'wrong'")
        conn.commit()
    finally:
        conn.close()
    report = log.verify()
    assert (report.ok, report.first_bad) == (False, ("sign_ins", 1))


def test_the_lock_out_check_reads_only_the_counted_attempts(db: Path, staff: Staff,
                                                            nurse: Account) -> None:
    conn = sqlite3.connect(db)
    plan = " ".join(str(r[3]) for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT outcome FROM sign_ins INDEXED BY sign_ins_counted "
        "WHERE account = 2 AND outcome IN ('ok', 'wrong') AND staff_version = 2 "
        "ORDER BY id DESC LIMIT 5"))
    conn.close()
    assert "USING INDEX sign_ins_counted" in plan, plan


def test_a_lock_started_then_expired_long_ago_does_not_count(staff: Staff,
                                                             nurse: Account) -> None:
    lock_out(staff)
    later = 14 + LOCK_FOR.total_seconds() + timedelta(hours=3).total_seconds()
    result = staff.sign_in(NURSE, WRONG, t(later))
    assert (result.outcome, result.tries_left) == (Outcome.WRONG, LOCK_AFTER - 1)

"""No secret is ever written: after accounts are made, signed in with (right and wrong), reset,
used to sign and to export, neither the log file nor its WAL nor its shared-memory file holds any
PIN or password used, in any encoding a program would write it in."""

from __future__ import annotations

from pathlib import Path

from console.identity import AccessLog, Account, Meaning, Signatures, Staff
from console.records import EventRecord, SessionOpened
from console.store import EventLog

from .conftest import ADMIN_PIN, NURSE, NURSE_PIN, T0, t

PASSWORD = "Tr0ub4dor&3-horse"
RESET_PIN = "86420975"
WRONG = ["13579135", "24680246", "wrong password 1"]
TYPED_AS_NAME = "97531864"


def files_of(db: Path) -> list[Path]:
    return [p for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
            if p.exists()]


def assert_no_secret(db: Path, secrets: list[str]) -> None:
    files = files_of(db)
    assert files and any(p.name.endswith("-wal") for p in files)   # the WAL is scanned too
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            for encoded in (secret.encode("utf-8"), secret.encode("utf-16-le"),
                            secret.encode("utf-16-be")):
                assert encoded not in data, f"{path.name} holds a secret"


def test_the_log_and_its_wal_hold_no_secret(db: Path, log: EventLog, staff: Staff,
                                            admin: Account, nurse: Account) -> None:
    reviewer = staff.add("Rae Reviewer", "reviewer", PASSWORD, "password", admin, t(2))
    for secret in WRONG:
        staff.sign_in(NURSE, secret, t(3))
    staff.sign_in(TYPED_AS_NAME, NURSE_PIN, t(4))           # a PIN typed into the name field
    assert staff.sign_in("rae reviewer", PASSWORD, t(5)).ok
    session = log.start_session(SessionOpened(
        patient_id="MRN-4711", protocol_id="iv-ketamine", protocol_version="2026.1",
        session_number=1, nurse=NURSE, weight_kg=72.0, started_at=T0))
    [event] = log.write([EventRecord(session, t(6), "discharged", NURSE, {})])
    Signatures(staff).sign(nurse, NURSE_PIN, Meaning.DISCHARGE, "events", event, t(7))
    AccessLog(log).record_access(reviewer, "export", session, "pdf", True, t(8))
    staff.reset(nurse, RESET_PIN, admin, t(9))
    assert staff.sign_in(NURSE, RESET_PIN, t(10)).ok
    # Still in the WAL (no checkpoint yet) and then after the log is closed (checkpointed).
    secrets = [ADMIN_PIN, NURSE_PIN, PASSWORD, RESET_PIN, TYPED_AS_NAME, *WRONG]
    assert_no_secret(db, secrets)
    log.close()
    for path in files_of(db):
        data = path.read_bytes()
        assert all(s.encode() not in data for s in secrets), path.name

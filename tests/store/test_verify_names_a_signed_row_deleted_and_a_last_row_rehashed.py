"""`verify` names two edits made by someone who knows the chain's rule (the triggers dropped
and made again): a signed record deleted with the chain head set back ("the signed events
row N is missing"), and the last row of a table edited with its own hash made again (the
chain head the log recorded differs). No test had removed a signed row or rehashed a last
one (a review)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from console.identity import Meaning, Signatures
from console.records import EventRecord, SessionOpened
from console.store.chain import CHAINED_COLUMNS, row_hash
from tests.identity.conftest import (NURSE_PIN, T0, admin, db, hasher, log, nurse,  # noqa: F401
                                     staff, t)


def test_a_signed_record_deleted_with_the_head_set_back_fails_verify(db: Path, log, staff,
                                                                     nurse) -> None:
    session = log.start_session(SessionOpened(
        patient_id="MRN-4711", protocol_id="iv-ketamine", protocol_version="2026.1",
        session_number=1, nurse="Ana Nurse", weight_kg=72.0, started_at=T0))
    log.write([EventRecord(session, t(20), "phase_started", "Ana Nurse", {"phase": "pre"})])
    [override] = log.write([EventRecord(session, t(30), "override", "Ana Nurse",
                                        {"item": "consent", "reason": "signed on paper"})])
    signed = Signatures(staff).sign(nurse, NURSE_PIN, Meaning.PHASE_OVERRIDE, "events",
                                    override, t(31))
    conn = sqlite3.connect(db)
    last_id, = conn.execute("SELECT max(id) FROM events").fetchone()
    assert last_id == override   # the signed row ends the events chain
    # Dropped for the edit and made again after it, as someone who knows the rules would.
    trigger_sql, = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'events_no_delete'").fetchone()
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE id = ?", [override])
    before = conn.execute("SELECT id, row_hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    conn.execute("UPDATE meta SET value = ? WHERE key = 'chain_head.events'",
                 [f"{before[0]} {before[1]}"])
    conn.execute(trigger_sql)
    conn.commit()
    conn.close()
    report = log.verify()
    assert (report.ok, report.first_bad) == (False, ("signatures", signed.id)), report.message
    assert report.message == (f"signatures row {signed.id}: the signed events row {override} "
                              "is missing")


def test_the_last_row_edited_and_rehashed_is_named_by_the_head(db: Path, log) -> None:
    session = log.start_session(SessionOpened(
        patient_id="MRN-4711", protocol_id="iv-ketamine", protocol_version="2026.1",
        session_number=1, nurse="Ana Nurse", weight_kg=72.0, started_at=T0))
    log.write([EventRecord(session, t(20), "phase_started", "Ana Nurse", {"phase": "pre"})])
    [last] = log.write([EventRecord(session, t(30), "override", "Ana Nurse",
                                    {"item": "consent", "reason": "signed on paper"})])
    assert log.verify().ok
    conn = sqlite3.connect(db)
    # Dropped for the edit and made again after it, as someone who knows the rules would.
    trigger_sql, = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'events_no_update'").fetchone()
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET actor = 'Someone Else' WHERE id = ?", [last])
    columns = ", ".join(CHAINED_COLUMNS["events"])
    previous, = conn.execute("SELECT row_hash FROM events WHERE id = ?", [last - 1]).fetchone()
    values = conn.execute(f"SELECT {columns} FROM events WHERE id = ?", [last]).fetchone()
    conn.execute("UPDATE events SET row_hash = ? WHERE id = ?",
                 [row_hash(previous, "events", list(values)), last])
    conn.execute(trigger_sql)
    conn.commit()
    conn.close()
    report = log.verify()
    assert (report.ok, report.first_bad) == (False, ("events", last)), report.message
    assert "differs from the chain head the log recorded" in report.message

"""The course trend draws each session's limits as it ran (console/review/course_trend.py).

A clinic edits its protocol file between two sessions of a course and forgets to change
`version` (nothing enforces it). Each session logs its own text (`PROTOCOL_IN_FORCE`, with its
SHA-256); the course trend kept one protocol per "id version" and drew the first session's
limits for both (review 43).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.clock import ManualClock
from console.review.course_trend import load_course_trend
from console.review.queries import load_course, open_readonly
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol, protocol_from_text
from protocols.model import Protocol

PATIENT = "MRN-4343"
OLD_SPO2_HIGH = 'priority = "high"\ndirection = "low"\nat_or_below = 90\n'
NEW_SPO2_HIGH = 'priority = "high"\ndirection = "low"\nat_or_below = 88\n'


def _discharged_session(log: EventLog, protocol: Protocol, start: datetime, number: int) -> None:
    clock = ManualClock(start)
    engine = SessionEngine.open(protocol, log, Patient(PATIENT, 72.0), "nurse.ana", clock.now(),
                                session_number=number)
    clock.advance(600)
    assert engine.discharge("nurse.ana", clock.now(), override_reason="sent home").done


def _course_log(path: Path, *protocols: Protocol) -> None:
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        for number, protocol in enumerate(protocols, start=1):
            _discharged_session(log, protocol, datetime(2026, 3, 2 + 3 * number, 9, 0, tzinfo=UTC),
                                number)
    finally:
        log.close()


def _spo2_limits_drawn(path: Path, installed: Protocol) -> list[str]:
    conn = open_readonly(path)
    try:
        trend = load_course_trend(conn, load_course(conn, PATIENT, True),
                                  {installed.id: installed})
    finally:
        conn.close()
    return [x.text for x in trend.limits_of("spo2")]


def test_a_protocol_edited_without_a_new_version_draws_each_sessions_limits(
        tmp_path: Path) -> None:
    shipped = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    assert OLD_SPO2_HIGH in shipped.text
    edited = protocol_from_text(shipped.text.replace(OLD_SPO2_HIGH, NEW_SPO2_HIGH),
                                "iv-ketamine.toml as the clinic edited it")
    assert edited.version == shipped.version and edited.text != shipped.text
    path = tmp_path / "log.sqlite3"
    _course_log(path, shipped, edited)

    # Session 1 ran with SpO2 ≤90 high, session 2 with ≤88 (each PROTOCOL_IN_FORCE says so).
    drawn = _spo2_limits_drawn(path, shipped)
    assert "≤90" in drawn and "≤88" in drawn, drawn


def test_one_protocol_text_run_twice_draws_its_limits_once(tmp_path: Path) -> None:
    shipped = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    path = tmp_path / "log.sqlite3"
    _course_log(path, shipped, shipped)

    drawn = _spo2_limits_drawn(path, shipped)
    assert len(drawn) == len(set(drawn)) and "≤90" in drawn, drawn

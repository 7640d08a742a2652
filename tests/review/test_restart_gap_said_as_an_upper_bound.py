"""A restart's note claimed the console was not running for minutes it ran: "Not running from
09:06:00 (its last record) to 09:10:00: 4:00 min with nothing monitored or recorded" for a quiet
session whose console ran on until 09:10, its timers ticking, and was killed and restarted at
once (an IV walk through the real window). Nothing logs that the console runs between records:
the last record and the restart bound the stop, and the review says so, in its notes, the PDF,
the course and an alarm's time to acknowledge.

    09:00:00    session opened, BP typed
    09:01:20    T0
    09:06:00    vitals typed: the last record
    09:06-09:10 the console runs on, ticking every 10 s, nothing to record
    09:10:00    killed, restarted at once
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC
from pathlib import Path

import pytest

from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_course, load_session, open_readonly
from console.store import EventLog
from devices.reading import Reading
from tests.review.logged_session import logged_session
from tests.review.test_restart_in_record import resumed

NOTE = ("No record from 09:06:00 (the last) to the restart at 09:10:00: the console stopped at "
        "some moment in between; up to 4:00 min with nothing monitored or recorded; {}")


def _killed_after_running_on(tmp_path: Path, spo2: float | None = None) -> int:
    """The session above, written by the real engine (a monitor's SpO2 `spo2` at 09:06:00 too,
    when given); its id."""
    s = logged_session(tmp_path, patient="MRN-9", dose_mg=36.0, pump_rate_ml_h=150.0)
    engine, clock = s.engine, s.clock
    for name, value in (("bp_systolic", 120), ("bp_diastolic", 80)):
        engine.enter_manual(name, value, "ana", clock.advance(10))
    assert engine.advance_phase("ana", clock.advance(60), override_reason="walk").done   # T0
    now = clock.advance(280)                                           # 09:06:00
    for name, value in (("bp_systolic", 124), ("bp_diastolic", 82), ("resp_rate", 14)):
        engine.enter_manual(name, value, "ana", now)
    if spo2 is not None:
        engine.ingest_message([Reading("spo2", spo2, "%", now.wall, now.wall, "hl7:MON")], now)
    for _ in range(24):                                                # runs on to 09:10:00
        engine.tick(clock.advance(10))
    session = engine.session_id
    s.log.close()                                                      # killed at 09:10:00
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = resumed(log, session, clock, "ben")                       # restarted at once
    for alarm in engine.alarms():
        assert engine.acknowledge(alarm.id, "ben", clock.advance(30)).done
    log.close()
    return session


def _detail(tmp_path: Path, session: int) -> SessionDetail:
    conn = open_readonly(tmp_path / "log.sqlite3")
    try:
        return load_session(conn, session, with_observations=True)
    finally:
        conn.close()


def test_the_restart_note_says_the_console_stopped_between_its_last_record_and_the_restart(
        tmp_path: Path) -> None:
    session = _killed_after_running_on(tmp_path)
    detail = _detail(tmp_path, session)
    assert [n[1:] for n in rc.note_rows(detail, UTC) if n[1] == "Console restarted"] == [
        ("Console restarted", "ben", NOTE.format("no alarm was open"))]
    conn = open_readonly(tmp_path / "log.sqlite3")
    try:
        (row,) = load_course(conn, "MRN-9")
    finally:
        conn.close()
    assert rc.course_cells(row, UTC)["restarts"] == "⚠ 1 (up to 4:00 min unrecorded)"
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    from console.export.pdf import write_session_pdf

    pdf = tmp_path / "session.pdf"
    write_session_pdf(detail, pdf, tz=UTC)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "the console stopped at some moment in between; up to 4:00 min" in text, text
    assert "Not running from" not in text


def test_an_alarms_time_to_ack_says_up_to_how_long_the_console_was_stopped(
        tmp_path: Path) -> None:
    # SpO2 86 at 09:06:00, sounding while the console ran on; acknowledged 30 s after the
    # restart: 4:30 min, of which the console was stopped at most 4:00.
    session = _killed_after_running_on(tmp_path, spo2=86)
    detail = _detail(tmp_path, session)
    (row,) = [r for r in rc.alarm_rows(detail, UTC) if r.episode.condition == "spo2_low"]
    assert row.cells[4] == "4:30 min (up to 4:00 min of it with the console stopped)"

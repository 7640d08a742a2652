"""A console restart while alarm audio was paused: the restarted console logs "Audio pause ended:
the console restarted" at its own time just before `session_resumed`. That record is the
restart's, not the stopped console's last one (review 45: the outage read "0:00 min", and the
nurse was charged with the 2 minutes the console was down in the alarm's time to acknowledge).
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC

import pytest

from console.export.pdf import write_session_pdf
from console.review import content as rc
from console.review.queries import load_course, load_session, open_readonly
from console.store import EventLog
from devices.reading import Reading
from tests.review.logged_session import logged_session
from tests.review.test_restart_in_record import resumed


def test_a_restart_during_an_audio_pause_keeps_its_stop_in_the_notes_ack_and_course(tmp_path):
    s = logged_session(tmp_path, patient="MRN-9", dose_mg=36.0, pump_rate_ml_h=150.0)
    engine, clock = s.engine, s.clock
    for name, value in (("bp_systolic", 120), ("bp_diastolic", 80)):
        engine.enter_manual(name, value, "ana", clock.advance(10))
    assert engine.advance_phase("ana", clock.advance(60), override_reason="walk").done   # T0
    now = clock.advance(60)                                                 # 09:02:20
    engine.ingest_message([Reading("spo2", 86, "%", now.wall, now.wall, "hl7:MON")], now)
    assert engine.pause_audio("ana", clock.advance(5)).done                 # 09:02:25
    session = engine.session_id
    s.log.close()                                                           # the console dies
    clock.advance(120)                                                      # back at 09:04:25
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = resumed(log, session, clock, "ben")
    (alarm,) = engine.alarms()
    assert engine.acknowledge(alarm.id, "ben", clock.advance(30)).done      # 09:04:55
    log.close()

    conn = open_readonly(tmp_path / "log.sqlite3")
    try:
        detail = load_session(conn, session, with_observations=True)
        course = load_course(conn, "MRN-9")
    finally:
        conn.close()
    assert any(e.kind == "audio_resumed" and "restarted" in str(e.detail.get("message"))
               for e in detail.events), "the restart logged the end of the pause"
    (restart,) = detail.restarts
    assert restart.unrecorded_seconds == 120
    # Stopped after its last record, the pause at 09:02:25, before 09:04:25.
    assert ("Console restarted", "ben",
            "No record from 09:02:25 (the last) to the restart at 09:04:25: the console stopped"
            " at some moment in between; up to 2:00 min with nothing monitored or recorded;"
            " 1 alarm restored as it was") in [
        n[1:] for n in rc.note_rows(detail, UTC)]
    (row,) = [r for r in rc.alarm_rows(detail, UTC) if r.episode.condition == "spo2_low"]
    assert row.cells[4] == "2:35 min (up to 2:00 min of it with the console stopped)"
    assert rc.course_cells(course[0], UTC)["restarts"] == "⚠ 1 (up to 2:00 min unrecorded)"


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="poppler-utils (pdftotext) is not installed: scripts/bootstrap.sh")
def test_the_pdf_says_the_stop_under_an_audio_pause(tmp_path):
    s = logged_session(tmp_path, patient="MRN-9", dose_mg=36.0, pump_rate_ml_h=150.0)
    engine, clock = s.engine, s.clock
    assert engine.advance_phase("ana", clock.advance(60), override_reason="walk").done   # T0
    now = clock.advance(60)                                                 # 09:02:00
    engine.ingest_message([Reading("spo2", 86, "%", now.wall, now.wall, "hl7:MON")], now)
    assert engine.pause_audio("ana", clock.advance(5)).done                 # 09:02:05
    session = engine.session_id
    s.log.close()
    clock.advance(120)                                                      # back at 09:04:05
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    resumed(log, session, clock, "ben")
    log.close()
    conn = open_readonly(tmp_path / "log.sqlite3")
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    pdf = tmp_path / "r.pdf"
    write_session_pdf(detail, pdf, tz=UTC)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "No record from 09:02:05 (the last) to the restart at 09:04:05" in text
    assert "up to 2:00 min with nothing monitored" in text

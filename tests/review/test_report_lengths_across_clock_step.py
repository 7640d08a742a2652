"""The report's phase lengths, its session length and its scheduled checks across a wall-clock
step (NTP) the console logged, and a note naming the step (review 45: a 40-minute infusion read
"1:40 h", the step was nowhere, and rows of checks never due read "not recorded")."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from console.clock import Moment
from console.export.pdf import write_session_pdf
from console.export.protocol_file import find_protocol
from console.review import content as rc
from console.review.model import SessionFilter
from console.review.queries import list_sessions, load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver

CHECK_NOT_RECORDED = "not recorded (scheduled check)"


def _infusion_with_a_step(tmp_path, minutes: float, discharge: bool = False):
    """IV ketamine, T0 09:05; 15 min into the 40-min infusion the station's clock is set
    `minutes` (its timers run on the monotonic clock: the infusion ends after 40 real min)."""
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "iv-ketamine", "MRN-STEP", 72.0, "nurse.ana",
               datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                                        # T0
    r.at(20)
    now = r.clock.now()
    r.clock._now = Moment(now.mono, now.wall + timedelta(minutes=minutes))
    r.at(21)                                                    # logged: clock_stepped
    r.at(45)
    r.manual(bp_systolic=128, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             nausea=0, dissociation=0)
    r.tick_required(); r.advance()                              # observation after 40 min
    if discharge:
        r.at(50)
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="for the test").done
    session = r.id
    log.close()
    conn = open_readonly(tmp_path / "s.sqlite3")
    try:
        return load_session(conn, session, with_observations=True)
    finally:
        conn.close()


def test_a_phase_length_leaves_out_a_clock_step_within_it(tmp_path):
    detail = _infusion_with_a_step(tmp_path, 60, discharge=True)
    rows = {row[0]: row for row in rc.phase_rows(detail, UTC)}
    assert rows["Infusion"][1:4] == ("09:05", "10:45", "40:00 min")
    assert rows["Pre-session checks"][3] == "5:00 min"
    # The session ran 50 minutes, its wall times 1:50 h apart.
    (date,) = [value for label, value in rc.header_fields(detail, UTC) if label == "Date"]
    assert date.endswith("(50:00 min)"), date


@pytest.mark.parametrize("minutes", [60, -10])
def test_the_session_list_gives_the_length_the_session_page_gives(tmp_path, minutes):
    # Review 47: NTP an hour forward in a 50-minute session listed it as "1:50 h" while
    # its page said "50:00 min" (the list took the wall times as they were logged).
    detail = _infusion_with_a_step(tmp_path, minutes, discharge=True)
    conn = open_readonly(tmp_path / "s.sqlite3")
    try:
        (listed,) = list_sessions(conn, SessionFilter(patient="MRN-STEP"))
    finally:
        conn.close()
    assert rc.duration(listed.duration) == rc.session_length(detail) == "50:00 min"
    assert detail.summary.duration == listed.duration   # the session's own summary: the same


def test_the_notes_name_the_clock_step(tmp_path):
    detail = _infusion_with_a_step(tmp_path, 60)
    (note,) = [n for n in rc.note_rows(detail, UTC) if n[1] == "Station clock stepped"]
    assert note[3].startswith("Station clock set 1:00 h forward: it read 09:21:00, then "
                              "10:21:00; times from then on are on the new clock"), note


def test_a_clock_set_forward_makes_no_scheduled_check_never_due(tmp_path):
    stepped = _infusion_with_a_step(tmp_path / "a", 60)
    plain = _infusion_with_a_step(tmp_path / "b", 0)
    assert not any(e.kind == "clock_stepped" for e in plain.events)

    def missed(detail) -> int:
        protocol = find_protocol(detail.summary.protocol_id, detail.events, detail.summary.id)
        assert protocol is not None
        return sum(CHECK_NOT_RECORDED in row for row in rc.vital_rows(detail, UTC, protocol))

    # As many checks fell due as without the step: the console's timers ran on.
    assert missed(stepped) == missed(plain) > 0


def test_a_clock_set_back_leaves_the_infusion_its_40_minutes(tmp_path):
    detail = _infusion_with_a_step(tmp_path, -10)
    rows = {row[0]: row for row in rc.phase_rows(detail, UTC)}
    assert rows["Infusion"][3] == "40:00 min"


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="poppler-utils (pdftotext) is not installed: scripts/bootstrap.sh")
def test_the_pdf_prints_the_infusion_as_it_ran(tmp_path):
    detail = _infusion_with_a_step(tmp_path, 60)
    pdf = tmp_path / "r.pdf"
    write_session_pdf(detail, pdf, tz=UTC)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    (row,) = [line for line in text.splitlines() if re.match(r"\s*Infusion\s+\d\d:\d\d", line)]
    assert "40:00 min" in row, row
    assert "Station clock set 1:00 h forward" in " ".join(text.split())

"""A session still open (running at a chair, or left open and never ended) shows its vitals up
to its last reading: in the review's Vitals tab and in the PDF's vitals table.

Audit: the table of an open session stopped at the current phase's start, since the scheduled
checks of a phase with no end were counted up to its start (`content.scheduled_checks`): an IV
session open at T0 + 25 showed its baseline row alone, its 25 minutes of monitor readings
missing.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.export.pdf import write_session_pdf
from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from protocols.loader import default_protocol_dirs, load_protocols
from tests.review.scenarios import Driver
from tests.review.review_windows import open_review

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The rows a clinician reads, in the tab and on paper alike.
OPEN_ROWS = [
    ("09:00", "+0", "124/80", "70", "14", "98", "manual"),
    ("09:15", "+15", "—", "85", "14", "97", "device (scheduled check)"),
    ("09:20", "+20", "—", "90", "14", "97", "device (scheduled check)"),
    ("09:25", "+25", "—", "95", "14", "97", "device (scheduled check)"),
    ("09:30", "+30", "—", "100", "14", "97", "device (last reading: session not ended)"),
]


def open_iv_session(path: Path) -> int:
    """An IV session left open in its infusion at 09:30 (T0 09:05): the monitor's HR, SpO2 and
    RR each minute (HR 70 + the minute), nothing after 09:30."""
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        r = Driver(log, "iv-ketamine", "MRN-OPEN", 72.0, "nurse.ana", START, 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
        r.tick_required()
        r.at(5); r.advance()                                   # T0 09:05: the infusion
        for minute in range(6, 31):
            r.at(minute); r.device(heart_rate=70 + minute, spo2=97, resp_rate=14)
        return r.id                                            # never discharged, never ended
    finally:
        log.close()


@pytest.fixture
def open_log(tmp_path: Path) -> tuple[Path, int]:
    path = tmp_path / "log.sqlite3"
    return path, open_iv_session(path)


def test_an_open_sessions_vitals_run_to_its_last_reading(open_log):
    path, session = open_log
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    assert detail.summary.ended_at is None and detail.phases[-1].ended_at is None
    protocol = load_protocols(default_protocol_dirs()).protocols["iv-ketamine"]
    # The infusion's checks from 09:05 (every 10 min: BP, HR, SpO2; every 15: RR) up to the
    # last record, each answered by the monitor, and the last reading where the record stops.
    assert rc.vital_rows(detail, UTC, protocol) == OPEN_ROWS


def test_the_vitals_tab_of_an_open_session_shows_every_reading_to_the_last(qtbot, open_log):
    path, session = open_log
    window = open_review(qtbot, path, datetime(2026, 3, 2, 9, 31, tzinfo=UTC))
    try:
        window.open_session(session)
        assert window.detail_page.title.text().endswith(", still open")
        # The PDF's banner, on screen too: the title's "still open" alone said it.
        banner = window.detail_page.discharge_banner
        assert banner.isVisible() and banner.text().startswith("⚠ SESSION NOT ENDED: still open")
        assert window.detail_page.vitals_model.rows() == OPEN_ROWS
    finally:
        window.close_log()


def test_a_session_without_a_vital_sign_says_so_in_its_vitals_tab(qtbot, open_log):
    # Review 47: a session with no reading showed an empty table and nothing saying so
    # (its PDF says "No vital sign was recorded.").
    path, with_vitals = open_log
    log = EventLog.open(path, "test")
    try:
        empty = Driver(log, "iv-ketamine", "MRN-NONE", 72.0, "nurse.ana", START, 1).id
    finally:
        log.close()                                            # opened, nothing entered
    window = open_review(qtbot, path, datetime(2026, 3, 2, 9, 31, tzinfo=UTC))
    page = window.detail_page
    try:
        window.open_session(empty)
        page.tabs.setCurrentIndex(page.tabs.indexOf(page.vitals_page))
        assert page.vitals_model.rows() == []
        assert page.vitals_empty.isVisible()
        assert page.vitals_empty.text() == "No vital sign was recorded."
        window.open_session(with_vitals)
        assert page.vitals_model.rows() == OPEN_ROWS and not page.vitals_empty.isVisible()
    finally:
        window.close_log()


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="poppler-utils (pdftotext) is not installed: scripts/bootstrap.sh")
def test_the_pdf_of_an_open_session_prints_every_reading_to_the_last(open_log, tmp_path):
    path, session = open_log
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    pdf = tmp_path / "open.pdf"
    write_session_pdf(detail, pdf, tz=UTC)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    table = text[text.index("Vitals at each check"):text.index("Alarms")]
    lines = [" ".join(line.split()) for line in table.splitlines()]
    for time, minute, bp, hr, rr, spo2, _ in OPEN_ROWS[1:]:
        assert any(line.startswith(f"{time} {minute} {bp} {hr} {rr} {spo2} device")
                   for line in lines), (time, lines)
    assert "(last reading: session not ended)" in " ".join(lines)

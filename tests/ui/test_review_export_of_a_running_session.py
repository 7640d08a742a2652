"""A session opened in the review while it still ran at the chair, exported after the chair
discharged it: the file holds the log as it is when written, as `infusion-console export` does.

Review 47: the export wrote the session as it was when opened. The CSV of a session discharged
an hour before lacked its discharge and every reading since the open; the PDF said "SESSION NOT
ENDED … this report is incomplete" of a finished session. The session is read again just
before the file is written, its page refreshed when it changed, and that read logged as an
open's is (an access-log row) on a log with staff accounts.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.identity import SecretKind, Staff
from console.review import content as rc
from console.review.access import ReviewAccess
from console.store import EventLog
from console.ui.review_window import build_review_window
from tests.review.review_windows import open_review
from tests.review.scenarios import Driver
from tests.ui.test_review_identity import PRESCRIBER, PRESCRIBER_PIN, access_rows, fast
from tests.ui.test_review_window import Dialogs

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPENED = datetime(2026, 3, 2, 9, 11, tzinfo=UTC)   # the clinician opens it: T0 + 6 min


def running_at_the_chair(log: EventLog) -> Driver:
    """IV ketamine at a chair, T0 09:05, a check typed at 09:10: still running."""
    r = Driver(log, "iv-ketamine", "MRN-RUN", 72.0, "nurse.ana", START, 1)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                                   # T0
    r.at(10); r.manual(bp_systolic=130, bp_diastolic=82, heart_rate=72, spo2=97, resp_rate=14)
    return r


def the_chair_goes_on(r: Driver) -> None:
    """The rest of the infusion, the observation and the discharge at 10:17: nine systolics in
    all."""
    for minute, systolic in ((15, 132), (25, 138), (35, 141), (45, 136)):
        r.at(minute)
        r.manual(bp_systolic=systolic, bp_diastolic=84, heart_rate=76, spo2=97, resp_rate=13,
                 moaas=5)
    r.manual(nausea=0, dissociation=2)
    r.tick_required(); r.advance()
    for minute in (60, 75, 77):
        r.at(minute)
        r.manual(bp_systolic=128, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14, moaas=5)
    r.advance(); r.manual(aldrete=10); r.tick_required(); r.ack_all(); r.discharge()


def exported_csv(folder: Path) -> tuple[str, list[list[str]]]:
    """(the events file's text, the observations file's rows) of the one CSV export in
    `folder`."""
    (made,) = folder.iterdir()
    events = next(made.glob("*events.csv")).read_text(encoding="utf-8-sig")
    with next(made.glob("*observations.csv")).open(encoding="utf-8-sig") as f:
        return events, list(csv.reader(f))


def test_a_csv_export_holds_the_session_as_logged_when_written(qtbot, tmp_path):
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))   # the chair
    r = running_at_the_chair(log)
    dialogs = Dialogs(tmp_path)
    window = open_review(qtbot, path, OPENED, dialogs=dialogs)
    try:
        window.open_session(r.id)
        assert rc.not_ended_text(window.detail_page.detail, UTC)   # "SESSION NOT ENDED"
        the_chair_goes_on(r)
        log.close()
        window.export("csv")                               # later: the record, please
        assert dialogs.errors == []
        events, observations = exported_csv(tmp_path / "csv")
        assert "discharged" in events and "session_ended" in events, events[-600:]
        systolic = [row for row in observations if "bp_systolic" in row]
        assert len(systolic) == 9, [row[:8] for row in systolic]
        # The page shows what was written: discharged, no "SESSION NOT ENDED" banner.
        page = window.detail_page
        assert page.detail is not None and page.detail.summary.discharged_at is not None
        assert not page.discharge_banner.text().startswith("⚠ SESSION NOT ENDED")
        assert "discharged 10:17" in page.subtitle.text(), page.subtitle.text()
    finally:
        window.close_log()


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="poppler-utils (pdftotext) is not installed: scripts/bootstrap.sh")
def test_the_read_before_an_export_is_logged_and_the_pdf_is_of_the_ended_session(
        qtbot, tmp_path):
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))   # the chair
    staff = Staff(log, fast())
    admin = staff.add("Ada Admin", "administrator", "58203914", SecretKind.PIN, None, START)
    staff.add(PRESCRIBER, "prescriber", PRESCRIBER_PIN, SecretKind.PIN, admin, START)
    r = running_at_the_chair(log)
    access = ReviewAccess.sign_in(path, PRESCRIBER, PRESCRIBER_PIN, ManualClock(OPENED), "test",
                                  hasher=fast())
    assert isinstance(access, ReviewAccess), access
    dialogs = Dialogs(tmp_path)
    window = build_review_window(path, ManualClock(OPENED), {}, "test", dialogs=dialogs, tz=UTC,
                                 access=access)
    qtbot.addWidget(window)
    try:
        window.open_session(r.id)
        dialogs.file_name = "at-once"
        window.export("pdf")                               # nothing new since the open
        the_chair_goes_on(r)
        log.close()
        dialogs.file_name = "later"
        window.export("pdf")                               # read again: it changed
        window.export("pdf")                               # ended: as loaded, no read
        assert dialogs.errors == []

        def printed(name: str) -> str:
            return subprocess.run(["pdftotext", "-layout", str(tmp_path / name), "-"],
                                  capture_output=True, text=True, check=True).stdout

        assert "SESSION NOT ENDED" in printed("at-once.pdf")
        assert "SESSION NOT ENDED" not in printed("later.pdf")
        assert [row[1:4] + row[6:] for row in access_rows(path)] == [
            ("read", None, "list", "session list"),
            ("read", r.id, "review", ""),                  # the open
            ("export", r.id, "pdf", f"to {tmp_path / 'at-once.pdf'}"),
            ("read", r.id, "review", "read again for an export: running when opened"),
            ("export", r.id, "pdf", f"to {tmp_path / 'later.pdf'}"),
            ("export", r.id, "pdf", f"to {tmp_path / 'later.pdf'}"),
        ]
    finally:
        window.close_log()

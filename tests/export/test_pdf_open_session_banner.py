"""The PDF of a session left open (never discharged, never ended) says so on page 1, in the
review's words ("session not ended", "still open"); a finished session's PDF does not.

Audit: a session abandoned at T0 + 25 min printed a report whose only sign was "still open" in
the header's date and "session open" beside Discharged: a printed record read as complete.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.export.pdf import write_session_pdf
from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.export.test_pdf import needs_poppler, pages_of, squash
from tests.review.scenarios import Driver

START = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
BANNER = ("⚠ SESSION NOT ENDED: still open in the log (not discharged, no session end "
          "recorded). Its last record is at 09:30 (T0 + 25 min): this report is incomplete, not "
          "the record of a finished session.")


def session(path: Path, *, discharged: bool) -> int:
    """An IV session dosed at 09:05 with the monitor's HR and SpO2 each minute to 09:30; then
    left open (`discharged` False: nothing after 09:30, no end), or taken to its discharge."""
    with EventLog.open(path, "test", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-LEFT", 70.0, "nurse.ben", START, 1)
        r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()                                    # T0 09:05
        for minute in range(6, 31):
            r.at(minute); r.device(heart_rate=72, spo2=97)
        if discharged:
            r.at(45)
            r.manual(bp_systolic=130, bp_diastolic=82, heart_rate=70, spo2=98, resp_rate=14,
                     moaas=5)
            r.tick_required(); r.advance()                      # observation
            r.at(80)
            r.manual(bp_systolic=128, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                     moaas=5, aldrete=10, nausea=0, fatigue=0, dissociation=0, hallucinations=0)
            r.tick_required(); r.advance()
            r.tick_required(); r.ack_all(); r.discharge()
        return r.id


def printed(tmp_path: Path, *, discharged: bool) -> list[str]:
    path = tmp_path / "log.sqlite3"
    session_id = session(path, discharged=discharged)
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session_id, with_observations=True)
    finally:
        conn.close()
    pdf = tmp_path / "report.pdf"
    write_session_pdf(detail, pdf, tz=UTC)
    return [squash(page) for page in pages_of(pdf)]


@needs_poppler
def test_the_pdf_of_a_session_left_open_says_on_page_1_that_it_is_not_ended(tmp_path):
    pages = printed(tmp_path, discharged=False)
    first = pages[0]
    # Under the title, before the header a reader reads on.
    assert first.startswith(f"Infusion session report {BANNER} Patient MRN-LEFT")
    # In the review's words: the header's date and the vitals' last row say the same.
    assert "Date Fri 06 Mar 2026 09:00, still open" in first
    assert "Discharged session open" in first
    assert "device (last reading: session not ended)" in " ".join(pages)
    # Page 1 only: every later page carries its footer, not the box.
    assert all("SESSION NOT ENDED" not in page for page in pages[1:])


@needs_poppler
def test_the_pdf_of_a_discharged_session_has_no_such_banner(tmp_path):
    pages = printed(tmp_path, discharged=True)
    assert "SESSION NOT ENDED" not in " ".join(pages)
    assert "still open" not in " ".join(pages)


def test_the_words_of_a_session_never_dosed_have_no_t0(tmp_path):
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-LEFT", 70.0, "nurse.ben", START, 1)
        r.at(12); r.manual(bp_systolic=132, bp_diastolic=84)
        session_id = r.id
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session_id)
    finally:
        conn.close()
    assert rc.not_ended_text(detail, UTC) == (
        "⚠ SESSION NOT ENDED: still open in the log (not discharged, no session end "
        "recorded). Its last record is at 09:12: this report is incomplete, not the record of "
        "a finished session.")

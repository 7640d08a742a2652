"""A session whose end falls on a later local day than its start (one across midnight, one left
open and discharged the next morning): its header's end and its discharge say which day.

The review's header and the PDF's read "Mon 02 Mar 2026 09:00–09:50 (24:50 h)" and "Discharged
09:50 (T0 + …)" for a discharge on Tuesday, and the session list's Discharged column "09:50"
beside its date "Mon 02 Mar 2026 09:00". A last record past the start's day is dated already
(`content.not_ended_text`); so are these now, and a session within its day reads as before.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from console.ui.review_tables import SessionListModel
from tests.review.scenarios import Driver

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_0900 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)    # 09:00 CET
MONDAY_2300 = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)   # 23:00 CET


def _discharged(tmp_path, start: datetime, after_min: float) -> SessionDetail:
    """An infusion session from `start`, dosed at 5 min, discharged `after_min` minutes after
    its start, as loaded."""
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test", now=start) as log:
        r = Driver(log, "iv-ketamine", "MRN-1", 70.0, "nurse.ana", start, 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()
        for minute in (15, 25, 35, 45):
            r.at(minute)
            r.manual(bp_systolic=128, bp_diastolic=81, heart_rate=74, spo2=98, resp_rate=14,
                     moaas=5)
        r.manual(nausea=0, dissociation=1)
        r.tick_required(); r.advance()
        for minute in (60, 75, 85):
            r.at(minute)
            r.manual(bp_systolic=130, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14,
                     moaas=5)
        r.advance()
        r.at(after_min)
        r.manual(aldrete=10, bp_systolic=126, bp_diastolic=80, heart_rate=70, spo2=98,
                 resp_rate=14, moaas=5)
        r.tick_required()
        r.ack_all()
        r.discharge()
        sid = r.id
    conn = open_readonly(path)
    try:
        return load_session(conn, sid)
    finally:
        conn.close()


def _listed(detail: SessionDetail) -> str:
    model = SessionListModel(BERLIN)
    model.set_sessions([detail.summary])
    [discharged] = model.column("Discharged")
    return discharged


def test_a_session_discharged_the_next_morning_says_the_day_it_ended(tmp_path, qapp):
    detail = _discharged(tmp_path, MONDAY_0900, 24 * 60 + 50)   # Tue 03 Mar 09:50 CET
    header = dict(rc.header_fields(detail, BERLIN))
    assert header["Date"] == "Mon 02 Mar 2026 09:00–Tue 03 Mar 2026 09:50 (24:50 h)"
    assert header["Discharged"].startswith("Tue 03 Mar 2026 09:50 (T0 + "), header["Discharged"]
    assert _listed(detail) == "Tue 03 Mar 2026 09:50"


def test_a_session_across_midnight_says_the_day_it_ended(tmp_path, qapp):
    detail = _discharged(tmp_path, MONDAY_2300, 100)   # Tue 03 Mar 00:40 CET
    header = dict(rc.header_fields(detail, BERLIN))
    assert header["Date"] == "Mon 02 Mar 2026 23:00–Tue 03 Mar 2026 00:40 (1:40 h)"
    assert header["Discharged"].startswith("Tue 03 Mar 2026 00:40 (T0 + 95 min)")
    assert _listed(detail) == "Tue 03 Mar 2026 00:40"


def test_a_session_within_its_day_reads_its_end_as_a_time(tmp_path, qapp):
    detail = _discharged(tmp_path, MONDAY_0900, 100)   # Mon 10:40 CET
    header = dict(rc.header_fields(detail, BERLIN))
    assert header["Date"] == "Mon 02 Mar 2026 09:00–10:40 (1:40 h)"
    assert header["Discharged"].startswith("10:40 (T0 + 95 min)")
    assert _listed(detail) == "10:40"

"""A de-identified copy reads a logged clock time back by its zone's name even when the copy's
own zone has that name too (a diff review).

Two zones can share a name: "CST" is Chicago's and Shanghai's, "IST" India's and Ireland's
summer one. A Chicago session copied on a computer in Shanghai read "back inside its limits
since 09:10:01 CST" on Shanghai's clock: the copy said a time 14 hours off the alarm it ended.
Every zone with the name counts, the copy's own and tzdata's, and the record's own time says
which was meant: the reading nearest it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from console.export.csv_export import EVENT_COLUMNS, event_rows
from console.export.deidentify import deidentify
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.export.test_logged_clock_times_name_their_zone import spo2_dips_and_recovers
from tests.review.scenarios import Driver

YEAR = timedelta(weeks=-52)   # the same season a year back: no change of offset by the move


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch):
    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()
    yield set_zone
    monkeypatch.undo()
    time.tzset()


def _spo2_dip_at_a_chair_in(tmp_path, zone, chair_zone: str, start: datetime) -> SessionDetail:
    """An infusion session run at a chair in `chair_zone` from `start`, its SpO2 back inside
    its limits 10 min 1 s after dosing started (after its acknowledgement), as loaded."""
    zone(chair_zone)
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test", now=start) as log:
        r = Driver(log, "iv-ketamine", "MRN-1", 70.0, "nurse.ana", start, 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()
        spo2_dips_and_recovers(r)
        sid = r.id
    conn = open_readonly(path)
    try:
        return load_session(conn, sid)
    finally:
        conn.close()


def _back_inside(detail: SessionDetail) -> str:
    [text] = [t for t in (row[EVENT_COLUMNS.index("text")] for row in event_rows(detail))
              if "back inside" in t]
    return text


def test_a_chicago_time_copied_in_shanghai_keeps_its_instant(tmp_path, zone):
    start = datetime(2026, 1, 14, 15, 0, tzinfo=UTC)   # 09:00 CST in Chicago
    detail = _spo2_dip_at_a_chair_in(tmp_path, zone, "America/Chicago", start)
    assert _back_inside(detail).endswith("(back inside its limits since 09:10:01 CST)")
    copy = deidentify(detail, b"key", shift=YEAR, tz=ZoneInfo("Asia/Shanghai"))
    # 15:10:01 UTC is 23:10:01 on Shanghai's clock ("CST" too); read as Shanghai's 09:10:01 it
    # said 14 hours before the alarm it ended.
    said = _back_inside(copy)
    assert said.endswith("(back inside its limits since 23:10:01 CST)"), said


def test_an_indian_time_copied_in_dublin_in_summer_keeps_its_instant(tmp_path, zone):
    start = datetime(2026, 7, 1, 3, 30, tzinfo=UTC)   # 09:00 IST in Kolkata
    detail = _spo2_dip_at_a_chair_in(tmp_path, zone, "Asia/Kolkata", start)
    assert _back_inside(detail).endswith("(back inside its limits since 09:10:01 IST)")
    zone("Europe/Dublin")   # the reviewer's computer: Irish Summer Time, "IST" as well
    said = _back_inside(deidentify(detail, b"key", shift=YEAR))
    # 03:40:01 UTC on Dublin's summer clock.
    assert said.endswith("(back inside its limits since 04:40:01 IST)"), said

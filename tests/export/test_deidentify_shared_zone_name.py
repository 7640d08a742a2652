"""A de-identified copy reads a logged clock time back by its zone's name, which zones share:
"CST" is Chicago's, Havana's and Shanghai's, "IST" India's, Ireland's summer one and Israel's.
The log keeps names, not zone keys: a copy made in a zone that has the name reads it on its own
clock (the clinic's own copy; mixed with tzdata's, a Chicago clock step was read on Shanghai's
or Havana's clock), and a name it lacks is read on the clock of the zone whose reading is
nearest the record's own time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from console.export.csv_export import EVENT_COLUMNS, event_rows
from console.export.deidentify import _Mapper, deidentify
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


def test_a_chicago_clock_step_copied_in_chicago_keeps_its_times(tmp_path, zone):
    """The common case: the copy made where the chair stands reads its own names on its own
    clock. Mixed with every zone named "CST", a 6-hour step's "from 03:00:00" was read on
    Shanghai's clock (13:00 in Chicago) and a 1-hour step's "from 10:00:00" on Havana's."""
    logged_at = datetime(2026, 1, 14, 15, 0, tzinfo=UTC)   # 09:00 CST in Chicago
    chicago = ZoneInfo("America/Chicago")
    for text, kept in (
            ("Station clock set forward 6 h (from 03:00:00 CST to 09:00:00 CST)",
             "from 03:00:00 CST to 09:00:00 CST"),
            ("Station clock set back 1 h (from 10:00:00 CST to 09:00:00 CST)",
             "from 10:00:00 CST to 09:00:00 CST")):
        said = _Mapper(b"key", timedelta(0), chicago).rezoned(text, logged_at)
        assert kept in said, said


def test_an_indian_time_copied_in_berlin_is_read_on_indias_clock(tmp_path, zone):
    """A name the copy's zone lacks, that several zones share ("IST": India, Ireland's summer,
    Israel): the reading nearest the record's own time is India's."""
    start = datetime(2026, 7, 1, 3, 30, tzinfo=UTC)   # 09:00 IST in Kolkata
    detail = _spo2_dip_at_a_chair_in(tmp_path, zone, "Asia/Kolkata", start)
    assert _back_inside(detail).endswith("(back inside its limits since 09:10:01 IST)")
    said = _back_inside(deidentify(detail, b"key", shift=YEAR, tz=ZoneInfo("Europe/Berlin")))
    # 03:40:01 UTC is 05:40:01 on Berlin's summer clock.
    assert said.endswith("(back inside its limits since 05:40:01 CEST)"), said

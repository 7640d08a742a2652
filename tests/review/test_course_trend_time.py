"""The course view's peak minutes follow the trends' rule (console.session.trend_feed): an NIBP
peak at its measured time, unless its monitor's clock is more than a minute off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.records import ObservationRecord, SessionOpened
from console.review.queries import load_course
from console.store import EventLog

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def nibp(session_id, value, received, measured, source="hl7:MON"):
    return ObservationRecord(session_id, "bp_systolic", value, "mmHg", source, at(measured),
                             at(received), "engine")


def session_with(tmp_path, records):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    sid = log.start_session(SessionOpened("MRN-1", "iv-ketamine", "1", 1, "ana", 70.0, START))
    log.write([r(sid) for r in records])
    return log


def test_the_peak_minute_is_the_nibp_measured_time(tmp_path):
    log = session_with(tmp_path, [lambda s: nibp(s, 150, 10.5, 10.0),
                                  lambda s: nibp(s, 190, 30.75, 30.0)])
    (row,) = load_course(log.conn, "MRN-1")
    assert (row.peak_systolic, row.peak_systolic_minute) == (190, 30.0)   # not 30.8, its arrival
    log.close()


def test_a_monitor_clock_off_by_minutes_puts_the_peak_at_its_arrival(tmp_path):
    log = session_with(tmp_path, [lambda s: nibp(s, 150, 10.5, 18.5),   # clock 8 min ahead
                                  lambda s: nibp(s, 190, 30.75, 38.75)])
    (row,) = load_course(log.conn, "MRN-1")
    assert row.peak_systolic_minute == 30.8
    log.close()

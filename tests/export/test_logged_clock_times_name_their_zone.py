"""A clock time written into a logged text names its zone. The events CSV gives every time in
UTC ("…Z"); an alarm that ended after it was acknowledged said "(back inside its limits since
09:10:01)", the station's local time with no zone, which beside at = 13:10:11Z read as four hours
before the alarm was raised (review 43, a station in New York). A clock step's "(from … to …)"
said its times the same way."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from console.clock import Moment
from console.export.csv_export import EVENT_COLUMNS, event_rows
from console.export.deidentify import deidentify
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver

START = datetime(2026, 7, 1, 13, 0, tzinfo=UTC)   # 09:00 EDT


@pytest.fixture
def in_new_york(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _texts(tmp_path, in_session, moved: timedelta | None = None) -> list[str]:
    """The events CSV's texts of an infusion session in which `in_session(driver)` ran
    (`moved`: of its de-identified copy, every date moved by that many weeks)."""
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test", now=START) as log:
        r = Driver(log, "iv-ketamine", "MRN-NY", 70.0, "nurse.ana", START, 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()
        in_session(r)
        sid = r.id
    conn = open_readonly(path)
    try:
        detail = load_session(conn, sid)
    finally:
        conn.close()
    rows = event_rows(detail if moved is None else deidentify(detail, b"key", shift=moved))
    return [row[EVENT_COLUMNS.index("text")] for row in rows]


def spo2_dips_and_recovers(r: Driver) -> None:
    r.at(10); r.device(spo2=93)
    r.ack_all()
    for second in range(1, 13):
        r.at(10 + second / 60); r.device(spo2=97)


def ntp_sets_the_clock_forward(r: Driver) -> None:
    now = r.clock.now()
    r.clock._now = Moment(now.mono, now.wall + timedelta(minutes=10))   # the wall clock only
    r.at(12); r.device(spo2=97)


def test_an_alarm_ended_after_its_acknowledgement_says_since_when_with_its_zone(
        tmp_path, in_new_york):
    [ended] = [t for t in _texts(tmp_path, spo2_dips_and_recovers) if "back inside" in t]
    assert ended.endswith("(back inside its limits since 09:10:01 EDT)"), ended


def test_a_clock_step_says_from_and_to_with_their_zone(tmp_path, in_new_york):
    [stepped] = [t for t in _texts(tmp_path, ntp_sets_the_clock_forward) if "clock set" in t]
    assert "(from 09:1" in stepped and " EDT to 09:" in stepped and " EDT): " in stepped, stepped


def test_a_de_identified_copy_names_the_zone_of_its_moved_dates(tmp_path, in_new_york):
    # Moved 26 weeks back (July into January) with the local time of day kept: "09:10:01 EDT"
    # read as an hour before the alarm it ended, and told the real date was in summer.
    back = timedelta(weeks=-26)
    [ended] = [t for t in _texts(tmp_path / "a", spo2_dips_and_recovers, back)
               if "back inside" in t]
    assert ended.endswith("(back inside its limits since 09:10:01 EST)"), ended
    [stepped] = [t for t in _texts(tmp_path / "b", ntp_sets_the_clock_forward, back)
                 if "clock set" in t]
    assert "EDT" not in stepped and " EST to 09:" in stepped, stepped

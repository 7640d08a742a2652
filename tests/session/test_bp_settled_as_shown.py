"""Observation's exit and the discharge gate judge the systolic and its baseline as their tiles
show them (whole mmHg), as the alarm limits do: a monitor's 140.4 reads "140", exactly 20 from a
baseline of 120, and had been refused "Systolic BP 140 is more than 20 mmHg from baseline 120";
119.6 then 125.4 read 120 then 125 (5, the cuff's scatter) and had been refused "still rising:
120 → 125". A restart reads the same history back and says the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.store import EventLog
from tests.session.helpers import Session
from tests.session.test_resume_as_live import LoggedSession, restart

NURSE = "nurse.ana"
MIN = 60
OFF_BASELINE = "more than 20 mmHg from baseline"
RISING = "still rising"


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


def in_observation(s: Session, baseline: float = 120) -> float:
    """Infusion from a monitor baseline of `baseline`/80, then Observation at T+40; returns the
    session second of T0."""
    s.device("bp_systolic", baseline); s.device("bp_diastolic", 80)
    s.manual("heart_rate", 70)
    for item in ("consent", "baseline_bp"):
        assert s.engine.tick_item(item, NURSE, s.now(), gate_decision="Dr Lee: proceed").done
    assert s.engine.advance_phase(NURSE, s.now()).done   # T0
    start = s.now().mono - s.origin
    s.engine.device_state_changed("connected", s.now())
    s.t(start + 40 * MIN); s.bp(130, 84); s.manual("heart_rate", 72)
    assert s.engine.advance_phase(NURSE, s.now()).done
    return start


def systolics(s: Session, start: float, *values: float) -> None:
    for minute, value in enumerate(values, start=70):
        s.t(start + minute * MIN)
        s.device("bp_systolic", value); s.device("bp_diastolic", 80)
    s.manual("moaas", 5)


def refusals(s: Session, words: str) -> list[str]:
    return [r for r in s.engine.phase_blockers(s.now()) if words in r]


def test_a_systolic_shown_20_from_the_baseline_leaves_observation():
    s = Session()
    start = in_observation(s)
    systolics(s, start, 140.4)
    assert refusals(s, OFF_BASELINE) == []


def test_a_systolic_shown_21_from_the_baseline_is_refused_in_the_numbers_shown():
    s = Session()
    start = in_observation(s)
    systolics(s, start, 140.6)
    assert refusals(s, OFF_BASELINE) == [
        "Systolic BP 141 is more than 20 mmHg from baseline 120"]


def test_a_monitor_baseline_is_judged_as_its_tile_shows_it():
    # Baseline 119.6 reads "120": a systolic of 140 is the 20 the tile shows, not 20.4.
    s = Session()
    start = in_observation(s, baseline=119.6)
    systolics(s, start, 140)
    assert refusals(s, OFF_BASELINE) == []


def test_a_rise_shown_as_5_is_the_cuff_s_scatter():
    s = Session()
    start = in_observation(s)
    systolics(s, start, 119.6, 125.4)
    assert refusals(s, RISING) == []


def test_a_rise_shown_as_6_is_still_rising_in_the_numbers_shown():
    # 120.5 and 125.5 are 5 apart as received; their tiles read 120 and 126 (rounded half to
    # even, as every tile), 6: rising.
    s = Session()
    start = in_observation(s)
    systolics(s, start, 120.5, 125.5)
    assert refusals(s, RISING) == [
        "Systolic BP still rising: 120 → 126 mmHg at the last two readings"]


def test_the_discharge_judges_as_shown_too():
    s = Session()
    start = in_observation(s)
    systolics(s, start, 119.6, 125.4, 140.4)
    s.t(start + 80 * MIN)
    s.device("bp_systolic", 140.4); s.device("bp_diastolic", 80)
    blockers = s.engine.discharge_blockers(s.now())
    assert not [r for r in blockers if OFF_BASELINE in r or RISING in r], blockers


def test_a_restart_says_what_the_live_console_said(log):
    s = LoggedSession(log)
    start = in_observation(s)
    systolics(s, start, 119.6, 125.4)
    live = s.engine.phase_blockers(s.now())
    assert not [r for r in live if RISING in r], live
    restart(s, 30)
    assert s.engine.phase_blockers(s.now()) == live

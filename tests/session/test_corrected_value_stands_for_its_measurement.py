"""A corrected value stands for the measurement it corrects, live as after a restart (review 45).

BP 185/95 typed; 19 min later the nurse corrects the systolic to 150 (a typo). The measurement
is still the first one: the BP tile reads 150/95 of that time, is greyed 20 min after it, and
the vitals due are those the measurement left. The correction was remembered as a value taken
at the correction: the tile read "150/—" ("no diastolic with this reading"), "manual 09:19 ·
0 s ago", and still current 25 min after the measurement. Its alarms are judged when it is
known (the correction's time): only the times the tile and the due checks read are the
measurement's. The log keeps the correction's row as it is (made at the correction's time,
`corrects` naming the row): the review and the exports read the measurement's time through it.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.clock import Moment
from console.session.engine import SessionEngine
from console.session.tile_view import tile_view
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, restart

NURSE = "nurse.ana"
MIN = 60
BP_TILE = "bp_systolic"
REASON = "typed 185, cuff read 150"


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


def typed_bp(s: LoggedSession, systolic: float, diastolic: float) -> int:
    """A BP typed in the form (both halves at one moment); the systolic's row id."""
    _, row = s.engine.enter_manual_row("bp_systolic", systolic, NURSE, s.now())
    s.engine.enter_manual_row("bp_diastolic", diastolic, NURSE, s.now())
    assert row is not None
    return row


def recurring_due(engine: SessionEngine, now: Moment) -> list[tuple[str, float]]:
    """The timed checks (not a value's "Repeat") with when they are due, on the monotonic clock."""
    return [(d.name, d.due_at.mono) for d in engine.due(now) if not d.name.startswith("Repeat")]


def clock(at: Moment) -> str:
    return at.wall.astimezone().strftime("%H:%M")


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_corrected_systolic_is_shown_with_its_diastolic_and_ages_from_its_measurement(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60)
    systolic = typed_bp(s, 185, 95)
    measured = s.now()
    s.t(start + 60 + 19 * MIN)
    due_before = recurring_due(s.engine, s.now())
    assert s.engine.correct(systolic, "bp_systolic", 150, NURSE, s.now(), reason=REASON)
    # No new measurement: the vitals due are those the 09:00 BP left.
    assert recurring_due(s.engine, s.now()) == due_before
    if restarted:
        restart(s, 0)
    e = s.engine
    tile = tile_view(e, BP_TILE, s.now())
    assert tile.value == "150/95", tile.detail
    assert tile.detail_phrases[:2] == (f"manual {clock(measured)}", "19 min ago"), tile.detail
    assert not tile.stale
    assert recurring_due(e, s.now()) == due_before
    s.t(start + 60 + 20 * MIN + 1)   # a typed BP is current 20 min from its measurement
    assert tile_view(e, BP_TILE, s.now()).stale


def test_a_restart_shows_the_corrected_bp_as_the_live_console_did(log: EventLog) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60)
    systolic = typed_bp(s, 185, 95)
    s.t(start + 60 + 10 * MIN)
    assert s.engine.correct(systolic, "bp_systolic", 150, NURSE, s.now(), reason=REASON)
    s.t(start + 60 + 12 * MIN)
    live = s.engine
    shown = tile_view(live, BP_TILE, s.now())
    latest = {n: live.latest(n) for n in ("bp_systolic", "bp_diastolic")}
    resumed = restart(s, 0)
    assert tile_view(resumed, BP_TILE, s.now()) == shown
    for name, value in latest.items():
        again = resumed.latest(name)
        assert value is not None and again is not None
        assert again.reading == value.reading
        assert again.taken.wall == value.taken.wall


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_an_older_corrected_bp_standing_again_keeps_its_measurement_time(
        log: EventLog, restarted: bool) -> None:
    # 185/95 typed, then 130/80; the 185 corrected to 150 while the 130/80 stands; then the
    # 130/80 entered in error: the 150/95 stands again, as the measurement it was.
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60)
    first = typed_bp(s, 185, 95)
    measured = s.now()
    s.t(start + 60 + 5 * MIN)
    second = typed_bp(s, 130, 80)
    diastolic = log.observations(s.engine.session_id)[-1][0]
    s.t(start + 60 + 8 * MIN)
    assert s.engine.correct(first, "bp_systolic", 150, NURSE, s.now(), reason=REASON)
    s.t(start + 60 + 9 * MIN)
    for row, name in ((second, "bp_systolic"), (diastolic, "bp_diastolic")):
        assert s.engine.void(row, name, NURSE, s.now(), reason="another patient's").done
    if restarted:
        restart(s, 0)
    tile = tile_view(s.engine, BP_TILE, s.now())
    assert tile.value == "150/95", tile.detail
    assert tile.detail_phrases[:2] == (f"manual {clock(measured)}", "9 min ago"), tile.detail


def test_a_baseline_bp_corrected_over_the_gate_after_its_tick_still_asks_the_prescriber(
        log: EventLog) -> None:
    # The corrected value is of its measurement's time (before the tick), but the tick saw a
    # systolic under the gate: the prescriber is asked before dosing, as for a new value.
    s = LoggedSession(log)
    e = s.engine
    s.t(10)
    systolic = typed_bp(s, 130, 80)
    e.enter_manual("heart_rate", 70, NURSE, s.now())
    s.t(20)
    for item in ("consent", "baseline_bp"):
        assert e.tick_item(item, NURSE, s.now()).done
    s.t(30)
    assert e.correct(systolic, "bp_systolic", 185, NURSE, s.now(), reason="typed 130, cuff 185",
                     confirmed=True)
    refused = e.advance_phase(NURSE, s.now())
    assert not refused.done
    assert any("Systolic BP is now 185 mmHg" in r for r in refused.reasons), refused.reasons

"""A narrow tile's two detail lines at 1366x768 keep how old the value is and a monitor clock's
warning, whatever kind of value it shows: the cuff's pulse read "device / measured …" (its
time and age gone), a stale typed SpO2 "STALE / manual 09:0…", and the pulse of a monitor
whose clock is off "device / received 09:0…", its "1 s ago" and "clock 14 min ahead" lost.
The whole wording stays the tooltip."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from devices.reading import AGE_UNKNOWN, NIBP_PULSE, Reading
from tests.ui.conftest import shown_live_window
from tests.ui.test_tiles import MONITOR, Bedside, bedside, local, panel, show  # noqa: F401
from tests.ui.tile_geometry import tile_problems

CUFF = frozenset({NIBP_PULSE})


def cuff(bedside: Bedside, measured_after: float = 0.0, ahead_min: float = 0.0,
         flags: frozenset[str] = CUFF, measured: bool = True) -> None:
    """A monitor's cuff result: 128/80, pulse 92, measured `measured_after` s before it is
    sent by a monitor whose clock is `ahead_min` minutes ahead (`measured` False: no time)."""
    start = bedside.now().wall
    bedside.after(measured_after)
    now = bedside.now()
    at = start + timedelta(minutes=ahead_min) if measured else None
    source = "ansar-b" if AGE_UNKNOWN in flags else MONITOR
    assert bedside.engine.ingest_message([
        Reading("bp_systolic", 128, "mmHg", at, now.wall, source, flags=flags - CUFF),
        Reading("bp_diastolic", 80, "mmHg", at, now.wall, source, flags=flags - CUFF),
        Reading("pulse_rate", 92, "/min", at, now.wall, source, flags=flags)], now)


def continuous(bedside: Bedside) -> None:
    bedside.monitor(heart_rate=72)
    bedside.after(5)


def continuous_stale(bedside: Bedside) -> None:
    bedside.monitor(heart_rate=72)
    bedside.after(45)


def typed(bedside: Bedside) -> None:
    bedside.typed(spo2=97)
    bedside.after(45)


def typed_stale(bedside: Bedside) -> None:
    bedside.typed(spo2=97)
    bedside.after(21 * 60)


def cuff_pulse(bedside: Bedside) -> None:
    cuff(bedside, measured_after=40)   # the cuff took 40 s; the monitor sends its result now
    bedside.after(5)


def cuff_pulse_stale(bedside: Bedside) -> None:
    cuff(bedside, measured_after=40)
    bedside.after(21 * 60)


def clock_ahead(bedside: Bedside) -> None:
    cuff(bedside, ahead_min=14)
    bedside.after(1)


def clock_ahead_stale(bedside: Bedside) -> None:
    cuff(bedside, ahead_min=14)
    bedside.after(21 * 60)


def clock_behind(bedside: Bedside) -> None:
    # The monitor's HR shows its clock 14 min behind; its cuff, stamped by that clock, with it.
    now = bedside.now()
    behind = now.wall - timedelta(minutes=14)
    assert bedside.engine.ingest_message([
        Reading("heart_rate", 72, "/min", behind, now.wall, MONITOR),
        Reading("bp_systolic", 128, "mmHg", behind, now.wall, MONITOR),
        Reading("bp_diastolic", 80, "mmHg", behind, now.wall, MONITOR),
        Reading("pulse_rate", 92, "/min", behind, now.wall, MONITOR, flags=CUFF)], now)
    bedside.after(1)


def cuff_without_time(bedside: Bedside) -> None:
    cuff(bedside, measured=False)
    bedside.after(45)


def cuff_of_unknown_age(bedside: Bedside) -> None:
    cuff(bedside, flags=CUFF | {AGE_UNKNOWN}, measured=False)   # on the monitor at connect
    bedside.after(5)


# (tile, what happened, what its two lines must say): the age, stale or not, the clock's warning.
KINDS: dict[str, tuple[str, Callable[[Bedside], None], tuple[str, ...]]] = {
    "device": ("heart_rate", continuous, ("device", "5 s ago")),
    "device, stale": ("heart_rate", continuous_stale, ("STALE", "45 s")),
    "typed": ("spo2", typed, ("manual", "45 s ago")),
    "typed, stale": ("spo2", typed_stale, ("STALE", "21 min", "manual")),
    "cuff's pulse": ("pulse_rate", cuff_pulse, ("45 s ago",)),
    "cuff's pulse, stale": ("pulse_rate", cuff_pulse_stale, ("STALE", "21 min")),
    "monitor clock ahead": ("pulse_rate", clock_ahead, ("1 s ago", "clock", "14 min")),
    "monitor clock ahead, stale": ("pulse_rate", clock_ahead_stale, ("STALE", "21 min", "clock",
                                                                     "14 min")),
    "monitor clock behind": ("pulse_rate", clock_behind, ("1 s ago", "clock −14 min")),
    "cuff without a time": ("pulse_rate", cuff_without_time, ("45 s ago",)),
    "cuff of unknown age": ("pulse_rate", cuff_of_unknown_age, ("STALE", "time unknown")),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_narrow_tile_keeps_the_age_and_the_clock_warning_at_1366(qtbot, bedside, panel,
                                                                   kind: str) -> None:
    name, happened, said = KINDS[kind]
    happened(bedside)
    show(panel, bedside)
    tile = panel.tiles[name]
    shown = tile.detail.text()
    assert not tile.detail.cut, f"{shown!r}, whole: {tile.detail.full_text!r}"
    for words in said:
        assert words in shown, f"{words!r} not in {shown!r}"
    assert tile.detail.toolTip() == tile.view.detail   # the whole wording on hover
    problems = tile_problems(tile)
    assert problems == [], "\n".join(problems)


def test_the_cuffs_pulse_says_when_the_cuff_measured_it(qtbot, bedside, panel):
    measured = bedside.now().wall
    cuff_pulse(bedside)
    show(panel, bedside)
    assert panel.tiles["pulse_rate"].detail.text().split("\n") == [f"cuff {local(measured)}",
                                                                   "45 s ago"]


def test_in_the_live_window_at_1366_stale_typed_values_say_how_old(qtbot, live):
    controller, _journal, clock, _log = live
    for name, value in (("heart_rate", 76), ("resp_rate", 15), ("spo2", 98), ("pulse_rate", 76)):
        controller.enter_manual(name, value)
    clock.advance(21 * 60)
    window = shown_live_window(qtbot, live, (1366, 768))
    window.refresh()
    for name in ("heart_rate", "spo2", "resp_rate", "pulse_rate"):
        detail = window.tiles.tiles[name].detail
        assert not detail.cut and "STALE 21 min" in detail.text(), (name, detail.text())

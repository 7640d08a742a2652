"""Vital tiles (issue 11 items 2, 3 and 13), read through `tile_view` and the widget.

Each test drives a real engine on a real log with a hand-moved clock, then reads what the tile
model says and what the widget draws: which number is marked (and in which colour), the limits in
words, the NIBP measurement and its time, the reserved space.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6 import QtWidgets

from console.clock import ManualClock, Moment
from console.session.alarms import AlarmState
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal
from console.session.tile_view import tile_stale, tile_view
from console.session.trend_feed import CUFF_WAIT_S, VITAL_COLOURS
from console.store import EventLog
from console.ui.alarm_bar import COLOURS, OFF_PHASE_BACKGROUND, OFF_PHASE_TEXT
from console.ui.tiles import NORMAL, STALE, TilePanel, flow_phrases
from devices.reading import AGE_UNKNOWN, NIBP_PULSE, Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Priority
from protocols.vitals import metric
from tests.ui.tile_geometry import settled_geometry, tile_problems

HIGH, MEDIUM = Priority.HIGH, Priority.MEDIUM
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONITOR = "hl7:MONITOR-1"
NURSE = "ana"


class Bedside:
    """A session as the tiles see it: a monitor sending, a nurse typing, a clock moved by hand."""

    def __init__(self, engine: SessionEngine, clock: ManualClock) -> None:
        self.engine = engine
        self.clock = clock
        engine.device_state_changed("connected", clock.now())

    def now(self) -> Moment:
        return self.clock.now()

    def after(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def monitor(self, measured: datetime | None = None, **values: float) -> None:
        """One monitor message; `measured` is the NIBP's measured time (now when not given)."""
        now = self.now()
        readings = []
        for name, value in values.items():
            bp = name.startswith("bp_")
            readings.append(Reading(name, value, metric(name).unit,
                                    (measured or now.wall) if bp else now.wall, now.wall, MONITOR))
        assert self.engine.ingest_message(readings, now)

    def typed(self, **values: float) -> None:
        for name, value in values.items():
            self.engine.enter_manual(name, value, NURSE, self.now(), confirmed=True)

    def tile(self, name: str):
        return tile_view(self.engine, name, self.now())

    def occurrence(self, condition: str):
        return next(o for o in self.engine.alarms() if o.condition == condition)


@pytest.fixture
def bedside(tmp_path):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    clock = ManualClock(START)
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    engine = SessionEngine.open(protocol, Journal(log), Patient("MRN-7", 72), NURSE, clock.now())
    yield Bedside(engine, clock)
    log.close()


@pytest.fixture
def panel(qtbot):
    tiles = TilePanel()
    qtbot.addWidget(tiles)
    tiles.resize(480, 420)   # the tile column at 1366x768
    tiles.show()
    qtbot.waitExposed(tiles)
    return tiles


def local(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


def show(panel: TilePanel, bedside: Bedside) -> None:
    panel.update_from(bedside.engine, bedside.now())


# ---- only the number that crosses a limit is marked --------------------------------------------

def test_diastolic_112_with_systolic_140_marks_only_the_diastolic(qtbot, bedside, panel):
    # The cuff reads 140/112 (mean 121): diastolic ≥110 is a medium alarm, systolic is within limits.
    bedside.monitor(bp_systolic=140, bp_diastolic=112, bp_mean=121)
    view = bedside.tile("bp_systolic")
    assert view.value == "140/112 (121)"
    assert view.marked() == {"bp_diastolic": MEDIUM}
    # The widget: only "112" is on the medium colour; the tile itself stays dark.
    show(panel, bedside)
    tile = panel.tiles["bp_systolic"]
    assert tile.marks == {"bp_diastolic": COLOURS[MEDIUM]}
    assert f'background-color:{COLOURS[MEDIUM][0]};color:{COLOURS[MEDIUM][1]};">112</span>' in tile.value.text()
    assert tile.value.text().count("background-color") == 1
    assert f"background:{NORMAL[0]}" in tile.styleSheet()
    # The limits say which one: the diastolic line names its priority, the systolic's does not.
    # Before T0 the alarm's line lists only the limits that hold now (the baseline's applies
    # from T0): whole in the tile at 1366x768, where the baseline phrase had cut it.
    assert view.limits == ("sys alarm 180 or more · 40 above baseline (180 from T0)\n"
                           "dia medium alarm 110 or more")
    assert not tile.limits.cut and tile.limits.text() == view.limits
    # From T0 the baseline limit holds too, and the alarm's line names it.
    assert bedside.engine.advance_phase(NURSE, bedside.now(), override_reason="test: straight to dosing").done
    assert bedside.tile("bp_systolic").limits.splitlines()[1] == \
        "dia medium alarm 110 or more · 25 above baseline (137)"
    show(panel, bedside)
    assert not tile.limits.cut


def test_systolic_205_marks_only_the_systolic_in_red(qtbot, bedside, panel):
    bedside.monitor(bp_systolic=205, bp_diastolic=100, bp_mean=135)
    assert bedside.tile("bp_systolic").marked() == {"bp_systolic": HIGH}
    show(panel, bedside)
    tile = panel.tiles["bp_systolic"]
    assert tile.marks == {"bp_systolic": COLOURS[HIGH]}
    assert f"background:{NORMAL[0]}" in tile.styleSheet()   # never the whole tile
    assert bedside.tile("bp_systolic").limits.splitlines()[0] == \
        "sys high alarm 200 or more · medium limits for 5 min"


# ---- limits in words ---------------------------------------------------------------------------

def test_heart_rate_limits_in_words_follow_the_priority_that_holds(bedside):
    assert bedside.tile("heart_rate").limits == "alarm above 110 · below 50"   # what alarms first
    bedside.monitor(heart_rate=115)
    assert bedside.tile("heart_rate").limits == "medium alarm above 110 · below 50"
    assert bedside.tile("heart_rate").marked() == {"heart_rate": MEDIUM}
    bedside.after(1)
    bedside.monitor(heart_rate=135)
    assert bedside.tile("heart_rate").limits == "high alarm 131 or more · 40 or less · above 120 for 5 min"
    assert bedside.tile("heart_rate").marked() == {"heart_rate": HIGH}


def test_sustained_heart_rate_is_high_only_after_five_minutes(bedside):
    bedside.monitor(heart_rate=125)
    assert bedside.tile("heart_rate").marked() == {"heart_rate": MEDIUM}
    for _ in range(30):   # a value every 10 s: above 120 for 5 min (a value a minute is a
        bedside.after(10)  # silence the sustained count starts again after: conditions.py)
        bedside.monitor(heart_rate=125)
    assert bedside.tile("heart_rate").marked() == {"heart_rate": HIGH}
    assert bedside.tile("heart_rate").limits.endswith("· above 120 for 5 min")


def test_spo2_limits_in_words(bedside):
    # SpO2's first alarm: 93 or less, or none for 30 s while the monitor sends the rest.
    assert bedside.tile("spo2").limits == "alarm 93 or less · if no value for 30 s"
    bedside.monitor(spo2=89)
    assert bedside.tile("spo2").limits == "high alarm 90 or less"


def test_resp_rate_and_pulse_limits_in_words(bedside):
    assert bedside.tile("resp_rate").limits == "alarm 25 or more · 11 or less"
    bedside.monitor(resp_rate=7)
    assert bedside.tile("resp_rate").limits == "high alarm 8 or less · if no value for 20 s"
    # A pulse oximeter's pulse watches the heart only when no ECG heart rate comes in.
    assert bedside.tile("pulse_rate").limits == "alarm above 110 · below 50 · when no ECG heart rate"


def test_bp_limits_name_the_baseline_threshold_and_when_it_applies(bedside):
    assert bedside.tile("bp_systolic").limits == (
        "sys alarm 180 or more · 40 above baseline (from T0)\n"
        "dia alarm 110 or more · 25 above baseline (from T0)")
    bedside.typed(bp_systolic=128, bp_diastolic=84)
    # Before dosing the baseline limits do not apply yet: the tile says from when they will.
    assert bedside.tile("bp_systolic").limits == (
        "sys alarm 180 or more · 40 above baseline (168 from T0)\n"
        "dia alarm 110 or more · 25 above baseline (109 from T0)")
    assert bedside.engine.advance_phase(NURSE, bedside.now(), override_reason="test: straight to dosing").done
    assert bedside.engine.t0 is not None
    assert bedside.tile("bp_systolic").limits == (
        "sys alarm 180 or more · 40 above baseline (168)\n"
        "dia alarm 110 or more · 25 above baseline (109)")


# ---- NIBP: one measurement, its time -----------------------------------------------------------

def test_nibp_shows_systolic_diastolic_mean_with_its_measured_time(qtbot, bedside, panel):
    measured = bedside.now().wall
    bedside.after(40)   # the cuff took its time; the monitor sent the result 40 s later
    bedside.monitor(measured=measured, bp_systolic=185, bp_diastolic=118, bp_mean=140)
    bedside.after(200)
    view = bedside.tile("bp_systolic")
    assert view.value == "185/118 (140)"
    assert view.detail == f"device · measured {local(measured)} · 4 min ago"   # 240 s since measured
    assert [p.small for p in view.parts if p.metric] == [False, False, True]   # the mean drawn smaller
    # On screen (the tile column at 1366x768): all of it beside the value, nothing elided.
    show(panel, bedside)
    detail = panel.tiles["bp_systolic"].detail
    assert not detail.cut
    assert detail.text().replace("\n", " · ") == view.detail


def test_a_typed_bp_is_never_paired_with_the_monitors_mean(qtbot, bedside, panel):
    bedside.monitor(bp_systolic=185, bp_diastolic=118, bp_mean=134)
    device_time = local(bedside.now().wall)
    bedside.after(2)   # typed as the cuff's result came in: close in time, another source
    bedside.typed(bp_systolic=150, bp_diastolic=95)
    view = bedside.tile("bp_systolic")
    assert view.value == "150/95"
    assert view.detail == f"manual {local(bedside.now().wall)} · 0 s ago · no mean with this reading"
    assert view.explain == (f"Mean BP 134 (device {device_time}) is from another reading: "
                            "not shown with this one")
    show(panel, bedside)
    tile = panel.tiles["bp_systolic"]
    assert tile.value.text() == "150/95"
    assert not tile.detail.cut and "no mean with this reading" in tile.detail.text().replace("\n", " ")
    assert view.explain in tile.value.toolTip()


def test_values_of_different_measured_times_are_not_shown_together(bedside):
    first = bedside.now().wall
    bedside.monitor(measured=first, bp_systolic=150, bp_diastolic=92, bp_mean=111)
    bedside.after(300)
    # The next message carries a new cuff's systolic and diastolic only.
    bedside.monitor(measured=bedside.now().wall, bp_systolic=160, bp_diastolic=98)
    view = bedside.tile("bp_systolic")
    assert view.value == "160/98"
    assert view.detail.endswith("· no mean with this reading")


def test_a_monitor_clock_off_by_minutes_shows_the_receive_time_and_says_so(bedside):
    ahead = bedside.now().wall + timedelta(minutes=8)
    bedside.monitor(measured=ahead, bp_systolic=130, bp_diastolic=80, bp_mean=97)
    view = bedside.tile("bp_systolic")
    assert view.value == "130/80 (97)"
    assert view.detail == f"device · received {local(bedside.now().wall)} · 0 s ago · clock 8 min ahead"


def test_a_monitor_clock_hours_or_years_off_says_it_in_hours_or_days(bedside):
    # A nurse walk on X: a monitor clock reset to 2000 read "monitor clock 13666667 min behind",
    # and 119 min ahead lost "ahead" to the tile's edge at 1366x768.
    bedside.monitor(measured=bedside.now().wall + timedelta(minutes=119), bp_systolic=130,
                    bp_diastolic=80, bp_mean=97)
    assert bedside.tile("bp_systolic").detail.endswith("· clock 2 h ahead")
    bedside.after(60)
    bedside.monitor(measured=datetime(2000, 1, 1, tzinfo=UTC), bp_systolic=131,
                    bp_diastolic=80, bp_mean=97)
    # The monitor's clock found off already (trend_feed.DeviceClocks), the tile says how far
    # off it shows now: this cuff's own times (a cuff stamped before the session opened with no
    # clock found yet waits CUFF_WAIT_S for an HR of the monitor; it would not change that).
    bedside.after(CUFF_WAIT_S + 1)
    days = round((bedside.now().wall - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds() / 86400)
    assert bedside.tile("bp_systolic").detail.endswith(f"· clock {days} days behind")


def test_an_nibp_on_the_monitor_at_connect_is_stale_with_its_time_unknown(qtbot, bedside, panel):
    # ANSAR-B: the cuff result already on the monitor when it connected has no time at all; it
    # may be hours old or the previous patient's, so it never reads as current (devices.md).
    now = bedside.now()
    found = [Reading(name, value, "mmHg", None, now.wall, "ansar-b", "NIBP", frozenset({AGE_UNKNOWN}))
             for name, value in (("bp_systolic", 128), ("bp_diastolic", 82), ("bp_mean", 97))]
    assert bedside.engine.ingest_message(found, now)
    view = bedside.tile("bp_systolic")
    assert view.value == "128/82 (97)"
    assert view.stale
    assert view.detail == f"STALE · device · received {local(now.wall)} · time unknown"
    show(panel, bedside)
    tile = panel.tiles["bp_systolic"]
    assert f"background:{STALE[0]}" in tile.styleSheet()
    assert not tile.detail.cut
    # The next cuff measurement is seen as it comes: current, with its age.
    bedside.after(60)
    bedside.monitor(bp_systolic=131, bp_diastolic=84, bp_mean=99)
    assert not bedside.tile("bp_systolic").stale


def test_the_cuffs_pulse_is_as_old_as_its_cuff_measurement(bedside):
    # A monitor with no oximeter: the pulse tile shows the pulse the cuff measured with the BP.
    # Delivered 6 min after the cuff (taken while the link was down), it read "device · 0 s ago"
    # beside the BP tile's "6 min ago", and "STALE · 31 s ago" half a minute later.
    measured = bedside.now().wall
    bedside.after(6 * 60)
    now = bedside.now()
    cuff = [Reading("bp_systolic", 128, "mmHg", measured, now.wall, MONITOR),
            Reading("bp_diastolic", 80, "mmHg", measured, now.wall, MONITOR),
            Reading("pulse_rate", 92, "/min", measured, now.wall, MONITOR,
                    flags=frozenset({NIBP_PULSE}))]
    assert bedside.engine.ingest_message(cuff, now)
    assert bedside.tile("bp_systolic").detail == f"device · measured {local(measured)} · 6 min ago"
    assert bedside.tile("pulse_rate").detail == f"device · measured {local(measured)} · 6 min ago"
    bedside.after(60)   # a cuff's value stays current until the next check is due
    pulse = bedside.tile("pulse_rate")
    assert not pulse.stale and not tile_stale(bedside.engine, "pulse_rate", bedside.now())
    assert pulse.detail == f"device · measured {local(measured)} · 7 min ago"
    bedside.after(14 * 60)   # 21 min after the cuff: stale with its BP
    for name in ("bp_systolic", "pulse_rate"):
        assert bedside.tile(name).stale and tile_stale(bedside.engine, name, bedside.now()), name


# ---- a latched alarm does not paint a normal value ---------------------------------------------

def test_latched_spo2_alarm_with_spo2_back_at_97_leaves_the_tile_unmarked(qtbot, bedside, panel):
    bedside.monitor(spo2=88)
    assert bedside.tile("spo2").marked() == {"spo2": HIGH}
    bedside.after(2)
    bedside.monitor(spo2=97)
    # The alarm area keeps the excursion (latched, until the nurse resets it) ...
    assert bedside.occurrence("spo2_low").state is AlarmState.LATCHED
    # ... the tile shows 97 as it is: no mark, the quiet limits.
    view = bedside.tile("spo2")
    assert (view.value, view.marked(), view.limits) == ("97", {}, "alarm 93 or less · if no value for 30 s")
    show(panel, bedside)
    tile = panel.tiles["spo2"]
    assert tile.marks == {} and tile.value.text() == "97"
    assert "#c40000" not in tile.styleSheet()


def test_an_unacknowledged_high_alarm_whose_value_fell_to_a_medium_limit_marks_it_medium(bedside):
    bedside.monitor(spo2=88)
    bedside.after(2)
    bedside.monitor(spo2=92)
    occurrence = bedside.occurrence("spo2_low")
    assert (occurrence.priority, occurrence.current) == (HIGH, MEDIUM)   # the alarm area: still high
    assert bedside.tile("spo2").marked() == {"spo2": MEDIUM}
    assert bedside.tile("spo2").limits == "medium alarm 93 or less · if no value for 30 s"


# ---- flashing ----------------------------------------------------------------------------------

def test_the_marked_number_flashes_until_acknowledged(qtbot, bedside, panel):
    bedside.monitor(spo2=88)
    show(panel, bedside)
    tile = panel.tiles["spo2"]
    assert panel.flash_timer.isActive()
    assert tile.marks == {"spo2": COLOURS[HIGH]}
    panel.flash_timer.timeout.emit()   # 250 ms: high flashes at 2 Hz
    assert tile.marks == {"spo2": (OFF_PHASE_BACKGROUND, OFF_PHASE_TEXT[HIGH])}
    panel.flash_timer.timeout.emit()
    assert tile.marks == {"spo2": COLOURS[HIGH]}
    # Acknowledged: steady in its colour, the timer stops.
    bedside.engine.acknowledge(bedside.occurrence("spo2_low").id, NURSE, bedside.now())
    show(panel, bedside)
    assert not panel.flash_timer.isActive()
    panel.flash_timer.timeout.emit()
    assert tile.marks == {"spo2": COLOURS[HIGH]}


def test_a_medium_mark_flashes_at_half_a_hertz(qtbot, bedside, panel):
    bedside.monitor(heart_rate=115)
    show(panel, bedside)
    tile = panel.tiles["heart_rate"]
    seen = []
    for _ in range(8):
        seen.append(tile.marks["heart_rate"][0])
        panel.flash_timer.timeout.emit()
    on, off = COLOURS[MEDIUM][0], OFF_PHASE_BACKGROUND
    assert seen == [on, on, on, on, off, off, off, off]   # 1 s on, 1 s off


# ---- stale, colours, space ---------------------------------------------------------------------

def test_a_typed_value_goes_grey_and_unmarked_when_stale(qtbot, bedside, panel):
    bedside.typed(spo2=92)
    show(panel, bedside)
    assert panel.tiles["spo2"].marks == {"spo2": COLOURS[MEDIUM]}
    assert panel.tiles["spo2"].view.detail.startswith("manual ")
    bedside.after(21 * 60)
    show(panel, bedside)
    view = panel.tiles["spo2"].view
    assert view.stale and view.detail.startswith("STALE · manual")
    assert panel.tiles["spo2"].marks == {}
    assert f"background:{STALE[0]}" in panel.tiles["spo2"].styleSheet()
    assert panel.tiles["heart_rate"].view.value == "—"


def test_a_device_value_is_stale_when_the_device_is_gone(bedside):
    bedside.monitor(heart_rate=72)
    assert bedside.tile("heart_rate").detail == "device · 0 s ago"
    bedside.engine.device_state_changed("disconnected", bedside.now())
    assert bedside.tile("heart_rate").stale


def test_title_and_stripe_in_the_vitals_trend_colour(qtbot, bedside, panel):
    bedside.monitor(heart_rate=135, spo2=88)
    show(panel, bedside)
    for name in ("heart_rate", "spo2"):
        sheet = panel.tiles[name].styleSheet()
        assert f"border-left:5px solid {VITAL_COLOURS[name]}" in sheet
        assert f"QLabel#tile_title {{color:{VITAL_COLOURS[name]};}}" in sheet
        assert f"background:{NORMAL[0]}" in sheet


def test_tiles_keep_their_size_and_fit_whatever_they_show(qtbot, bedside, panel):
    show(panel, bedside)
    empty = settled_geometry(panel.tiles)
    # Everything at once: two alarms, a note about a mean left out, a long sustained limit.
    bedside.monitor(bp_systolic=205, bp_diastolic=123, bp_mean=150, heart_rate=135, spo2=88, resp_rate=7)
    bedside.after(60)
    bedside.typed(bp_systolic=150, bp_diastolic=95)
    show(panel, bedside)
    assert settled_geometry(panel.tiles) == empty
    for name, tile in panel.tiles.items():
        assert tile_problems(tile) == [], name
    # A text that cannot fit is elided and the whole text is the tooltip.
    limits = panel.tiles["heart_rate"].limits
    assert limits.toolTip() == "high alarm 131 or more · 40 or less · above 120 for 5 min"


def test_phrases_break_between_phrases_and_inside_one_only_when_it_is_wider_than_a_line():
    def fits(text: str) -> bool:
        return len(text) <= 24

    lines, cut = flow_phrases([["high alarm 131 or more", "40 or less", "above 120 for 5 min"]], fits, 3)
    assert (lines, cut) == (["high alarm 131 or more", "40 or less", "above 120 for 5 min"], False)
    lines, cut = flow_phrases([["sys alarm 180", "x"], ["dia alarm 110", "y"]], fits, 1)
    assert (lines, cut) == (["sys alarm 180 · x"], True)   # each group starts a line
    lines, cut = flow_phrases([["manual 09:00", "no mean with this reading from the cuff"]], fits, 3)
    assert (lines, cut) == (["manual 09:00", "no mean with this", "reading from the cuff"], False)


def test_after_discharge_the_tiles_show_the_last_values_as_ended_not_now(bedside):
    """After discharge the tiles stood frozen on "device · 0 s ago", an SpO2 86 in plain white
    (a nurse walk on X): the values are the record's last, greyed, "ENDED · last value"."""
    bedside.monitor(spo2=86, heart_rate=72, bp_systolic=128, bp_diastolic=80)
    while bedside.engine.phase.kind.value != "discharge":
        assert bedside.engine.advance_phase(NURSE, bedside.now(), override_reason="walk").done
    assert bedside.engine.discharge(NURSE, bedside.now(), override_reason="walk").done
    for name in ("spo2", "heart_rate", "bp_systolic"):
        tile = bedside.tile(name)
        assert tile.stale, name
        assert tile.detail_phrases == ("ENDED", "last value"), name
        assert all(part.priority is None for part in tile.parts), name   # no alarm colour

"""The trend feed: where each logged value sits on a trend, what replaces what, which device clock
is not trusted, which markers show; the same records give the same trend however they arrive.
No Qt: these read the feed's arrays."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.trend_feed import (
    CUFF_PULSE,
    CUFF_WAIT_S,
    SKEW_LIMIT_S,
    VITAL_COLOURS,
    TrendFeed,
    spread_labels,
    stack_labels,
)
from devices.reading import AGE_UNKNOWN, NIBP_PULSE
from protocols.vitals import VITALS

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MONITOR = "hl7:MONITOR"


def t(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def reading(metric, value, received, measured=None, source=MONITOR, corrects=None, flags=()):
    """An observation received at `received` minutes, measured at `measured` (default: then)."""
    return ObservationRecord(
        session_id=1, metric=metric, value=value, unit="", source=source,
        measured_at=t(received if measured is None else measured), received_at=t(received),
        entered_by="ana" if source == "manual" else "engine", flags=frozenset(flags),
        corrects=corrects)


def typed(metric, value, minutes, corrects=None):
    return reading(metric, value, minutes, source="manual", corrects=corrects)


def points(feed, metric, manual=False):
    x, y = feed.series(metric, manual)
    keep = np.isfinite(y)
    return list(zip(x[keep].round(6).tolist(), y[keep].tolist(), strict=True))


# ---- where a value sits ------------------------------------------------------------------------

def test_nibp_sits_at_its_measured_time_and_continuous_values_at_arrival():
    feed = TrendFeed(START)
    feed.add([
        reading("heart_rate", 72, 10.0, measured=9.99),
        # The cuff measured at minute 10; the monitor sent it 40 s later, then again each second.
        reading("bp_systolic", 150, 10 + 40 / 60, measured=10.0),
        reading("bp_diastolic", 95, 10 + 40 / 60, measured=10.0),
    ])
    assert points(feed, "bp_systolic") == [(10.0, 150)]
    assert points(feed, "bp_diastolic") == [(10.0, 95)]
    assert points(feed, "heart_rate") == [(10.0, 72)]   # receive time, not the device's 9.99
    assert feed.skews == ()   # 40 s is a cuff's delay, not a wrong clock


def test_a_device_clock_more_than_a_minute_off_puts_its_values_at_receive_time_once_noticed():
    feed = TrendFeed(START)
    # Two NIBP measurements from a monitor whose clock is right so far...
    feed.add([reading("bp_systolic", 130, 5.5, measured=5.0),
              reading("bp_systolic", 140, 10.5, measured=10.0)])
    assert points(feed, "bp_systolic") == [(5.0, 130), (10.0, 140)]
    assert feed.take_changes().skews == []
    # ...then its clock is seen 8 minutes ahead: every value of it, earlier ones included, moves
    # to the console's receive time, and the skew is reported once.
    feed.add([reading("heart_rate", 80, 12.0, measured=20.0),
              reading("bp_systolic", 150, 15.5, measured=23.0),
              reading("heart_rate", 81, 13.0, measured=21.0)])
    assert points(feed, "bp_systolic") == [(5.5, 130), (10.5, 140), (15.5, 150)]
    changes = feed.take_changes()
    assert [(s.source, s.offset_s) for s in changes.skews] == [(MONITOR, 480.0)]
    assert ("bp_systolic", False) in changes.series
    assert changes.skews[0].message().startswith("Monitor clock 8 min ahead of this console")
    feed.add([reading("heart_rate", 82, 14.0, measured=22.0)])
    assert feed.take_changes().skews == []   # once, not per value
    assert len(feed.skews) == 1


def test_a_skew_of_one_device_does_not_move_another():
    feed = TrendFeed(START)
    feed.add([
        reading("bp_systolic", 130, 5.5, measured=5.0, source="hl7:GOOD"),
        reading("spo2", 97, 6.0, measured=6.0 - (SKEW_LIMIT_S + 5) / 60, source="masimo:SKEWED"),
    ])
    assert points(feed, "bp_systolic") == [(5.0, 130)]
    assert [s.source for s in feed.skews] == ["masimo:SKEWED"]


def test_exactly_the_limit_is_not_a_skew():
    feed = TrendFeed(START)
    feed.add([reading("bp_systolic", 130, 6.0, measured=6.0 - SKEW_LIMIT_S / 60)])
    assert feed.skews == ()
    assert points(feed, "bp_systolic") == [(5.0, 130)]


def test_demo_and_test_values_are_never_patient_data_unless_the_session_is_a_demo():
    records = [reading("spo2", 96, 1.0, flags=("DEMO",)), reading("spo2", 95, 2.0, flags=("TEST",))]
    feed = TrendFeed(START)
    feed.add(records)
    assert points(feed, "spo2") == []
    demo = TrendFeed(START, demo=True)
    demo.add(records)
    assert [v for _, v in points(demo, "spo2")] == [96, 95]


def test_an_nibp_of_unknown_age_is_not_drawn_at_its_receive_time():
    # An ANSAR-B monitor's NIBP found on it at connect (minute 20, after a restart): the same
    # measurement drawn at minute 3 when it came, or an older one. The next cuff is drawn.
    feed = TrendFeed(START)
    feed.add([reading("bp_systolic", 150, 3.0),
              reading("bp_systolic", 150, 20.0, flags=(AGE_UNKNOWN,)),
              reading("bp_diastolic", 95, 20.0, flags=(AGE_UNKNOWN,)),
              reading("bp_systolic", 160, 25.0)])
    assert points(feed, "bp_systolic") == [(3.0, 150), (25.0, 160)]
    assert points(feed, "bp_diastolic") == []


def test_a_silent_device_breaks_its_line_but_nibp_is_never_broken():
    feed = TrendFeed(START, gap_minutes=2.0)
    feed.add([reading("heart_rate", 70, 1.0), reading("heart_rate", 71, 5.0),
              reading("bp_systolic", 120, 1.0), reading("bp_systolic", 125, 6.0)])
    assert np.isnan(feed.series("heart_rate", False)[1]).sum() == 1
    assert not np.isnan(feed.series("bp_systolic", False)[1]).any()


# ---- corrections -------------------------------------------------------------------------------

def test_a_correction_replaces_the_value_it_corrects_where_it_was_drawn():
    feed = TrendFeed(START)
    feed.load([
        (1, typed("bp_systolic", 188, 20.0)),                 # a typo...
        (2, typed("bp_systolic", 92, 20.0)),
        (3, typed("bp_systolic", 138, 24.0, corrects=1)),     # ...corrected four minutes later
    ])
    assert points(feed, "bp_systolic", manual=True) == [(20.0, 92), (20.0, 138)]


def test_a_correction_without_row_ids_finds_the_value_through_the_log():
    """The live journal has no row ids: the feed asks `resolve` for the corrected record."""
    logged = {41: typed("heart_rate", 180, 10.0)}
    feed = TrendFeed(START, resolve=logged.get)
    feed.add([logged[41], typed("heart_rate", 80, 11.0)])
    feed.add([typed("heart_rate", 81, 12.0, corrects=41)])
    assert points(feed, "heart_rate", manual=True) == [(10.0, 81), (11.0, 80)]


def test_a_corrected_correction_is_found_where_the_first_value_was_drawn():
    logged = {1: typed("spo2", 9, 5.0), 2: typed("spo2", 90, 6.0, corrects=1)}
    feed = TrendFeed(START, resolve=logged.get)
    feed.add([logged[1], logged[2], typed("spo2", 93, 7.0, corrects=2)])
    assert points(feed, "spo2", manual=True) == [(5.0, 93)]


def test_a_corrected_scale_replaces_its_marker():
    feed = TrendFeed(START)
    feed.load([(1, typed("moaas", 1, 30.0)), (2, typed("moaas", 4, 31.0, corrects=1))])
    assert [(m.minutes, m.text) for m in feed.markers()] == [(30.0, "MOAA/S 4")]


def test_a_value_entered_in_error_leaves_the_trend():
    feed = TrendFeed(START)
    feed.load([(1, typed("spo2", 96, 10.0)), (2, typed("spo2", 85, 11.0)),
               (3, typed("moaas", 1, 12.0))],
              [EventRecord(1, t(12.5), "entered_in_error", "ana",
                           {"observation": 2, "metric": "spo2", "value": 85, "reason": "typo"}),
               EventRecord(1, t(12.6), "entered_in_error", "ana",
                           {"observation": 3, "metric": "moaas", "value": 1, "reason": "mis-click"})])
    assert points(feed, "spo2", manual=True) == [(10.0, 96)]
    assert not any(m.text.startswith("MOAA/S") for m in feed.markers())


def test_a_correction_of_an_unknown_row_just_adds_its_value():
    feed = TrendFeed(START)
    feed.add([typed("resp_rate", 14, 3.0, corrects=999)])
    assert points(feed, "resp_rate", manual=True) == [(3.0, 14)]


# ---- markers and baselines ---------------------------------------------------------------------

def test_phases_t0_notes_scales_and_physiological_alarms_are_markers_and_t0_gives_baselines():
    feed = TrendFeed(START)
    feed.add([
        EventRecord(1, t(0), "phase_started", "ana", {"phase": "pre", "name": "Pre-session checks"}),
        EventRecord(1, t(10), "dosing_started", "ana", {"baseline": {"bp_systolic": 128}}),
        EventRecord(1, t(12), "checklist_ticked", "ana", {"item": "pump"}),   # not a marker
        EventRecord(1, t(14), "note", "ana", {"text": "patient anxious, reassured at length"}),
        typed("nausea", 2, 15.0),
        AlarmTransition(1, 1, "bp_systolic_high", "physiological", "medium", "raised", t(30),
                        "Systolic BP 185 mmHg, limit ≥180", value=185),
        AlarmTransition(1, 1, "bp_systolic_high", "physiological", "high", "escalated", t(35),
                        "Systolic BP 201 mmHg", value=201),
        AlarmTransition(1, 1, "bp_systolic_high", "physiological", "high", "acknowledged", t(36), ""),
        AlarmTransition(1, 2, "device_lost", "technical", "medium", "raised", t(40), "Device lost"),
        AlarmTransition(1, 3, "vitals_due:BP", "prompt", "info", "raised", t(41), "BP due"),
        # The nurse closed the console and it was started again: the gap is explained.
        EventRecord(1, t(42), "console_closed", "ana", {"phase": "infusion"}),
        EventRecord(1, t(45), "session_resumed", "ana", {"phase": "infusion"}),
    ])
    assert [(m.minutes, m.text, m.kind, m.priority) for m in feed.markers()] == [
        (0.0, "Pre-session checks", "phase", None),
        (10.0, "T0 dose", "dose", None),
        (14.0, "note: patient anxious, reas…", "observation", None),
        (15.0, "nausea moderate", "observation", None),
        (30.0, "Systolic 185", "alarm", "medium"),
        (35.0, "Systolic 201", "alarm", "high"),
        (42.0, "console closed", "phase", None),
        (45.0, "resumed", "phase", None),
    ]
    assert dict(feed.baselines) == {"bp_systolic": 128.0}
    assert feed.end_minutes == 45.0


# ---- one reading, however the records arrive ---------------------------------------------------

def session_rows():
    """A session with everything the rules touch, as (row id, record) in commit order."""
    rng = random.Random(4)
    rows = []
    next_id = iter(range(1, 10_000))
    for second in range(0, 40 * 60, 10):
        m = second / 60
        source = "hl7:SKEWED" if 20 <= m < 22 else MONITOR
        ahead = 5.0 if source == "hl7:SKEWED" else 0.0
        rows.append((next(next_id), reading("heart_rate", 70 + rng.randint(0, 9), m,
                                            measured=m + ahead, source=source)))
        if second % 180 == 0:
            for name, value in (("bp_systolic", 130), ("bp_diastolic", 85), ("bp_mean", 100)):
                rows.append((next(next_id), reading(name, value + rng.randint(0, 20), m + 0.5,
                                                    measured=m)))
    typo = next(next_id)
    rows.append((typo, typed("bp_systolic", 310, 25.0)))
    rows.append((next(next_id), typed("bp_systolic", 131, 27.0, corrects=typo)))
    rows.append((next(next_id), typed("moaas", 3, 28.0)))
    return rows


def snapshot(feed):
    series = {(m, manual): points(feed, m, manual) for m in VITALS for manual in (False, True)}
    return series, [(m.minutes, m.text) for m in feed.markers()], [s.source for s in feed.skews]


def test_the_same_records_give_the_same_trend_loaded_at_once_or_fed_in_any_batches():
    rows = session_rows()
    logged = dict(rows)
    loaded = TrendFeed(START)
    loaded.load(rows)
    expected = snapshot(loaded)
    assert expected[2] == ["hl7:SKEWED"]
    assert (25.0, 131) in expected[0][("bp_systolic", True)]
    assert all(v != 310 for _, v in expected[0][("bp_systolic", True)])
    rng = random.Random(11)
    for _ in range(5):
        live = TrendFeed(START, resolve=logged.get)
        records = [r for _, r in rows]
        while records:
            size = rng.randint(1, 60)
            live.add(records[:size])
            records = records[size:]
        assert snapshot(live) == expected


# ---- BP bars -----------------------------------------------------------------------------------

def test_systolic_and_diastolic_of_one_measurement_make_a_bar_with_its_mean():
    feed = TrendFeed(START)
    feed.add([
        reading("bp_systolic", 150, 10.5, measured=10.0), reading("bp_diastolic", 95, 10.5, measured=10.0),
        reading("bp_mean", 113, 10.5, measured=10.0),
        reading("bp_systolic", 160, 15.5, measured=15.0),     # no diastolic: no bar
        reading("bp_systolic", 140, 20.5, measured=20.0), reading("bp_diastolic", 90, 20.5, measured=20.0),
    ])
    bars = feed.bp_bars(manual=False)
    assert bars.minutes.tolist() == [10.0, 20.0]
    assert bars.systolic.tolist() == [150, 140] and bars.diastolic.tolist() == [95, 90]
    assert bars.mean[0] == 113 and np.isnan(bars.mean[1])
    assert not feed.bp_continuous()


# ---- label placement ---------------------------------------------------------------------------

@pytest.mark.parametrize("wanted", [
    [10.0, 11.0, 12.0, 80.0], [0.0, 0.0, 0.0], [99.0, 98.0, 50.0, 97.0], [40.0], [],
])
def test_spread_labels_never_overlap_and_stay_inside(wanted):
    centres = spread_labels(wanted, 14.0, 0.0, 100.0)
    assert centres is not None and len(centres) == len(wanted)
    ordered = sorted(centres)
    assert all(b - a >= 14.0 - 1e-9 for a, b in zip(ordered, ordered[1:]))
    assert all(7.0 - 1e-9 <= c <= 93.0 + 1e-9 for c in centres)
    # Order is kept: a higher line's label stays above a lower line's.
    assert sorted(range(len(wanted)), key=lambda i: centres[i]) == sorted(
        range(len(wanted)), key=lambda i: (wanted[i], i))


def test_spread_labels_leaves_labels_where_they_fit_and_refuses_what_cannot_fit():
    assert spread_labels([20.0, 60.0], 14.0, 0.0, 100.0) == [20.0, 60.0]
    assert spread_labels([10.0] * 8, 14.0, 0.0, 100.0) is None


def test_stack_labels_puts_crowded_labels_in_rows_and_counts_what_does_not_fit():
    slots = stack_labels([10, 20, 30, 40, 300], [80] * 5, 2, 0.0, 400.0, 4.0, lambda n: 20.0)
    assert [(s.row, s.left) for s in slots] == [(0, 10), (1, 20), (-1, 30), (-1, 40), (0, 300)]
    assert slots[1].extra == 2   # the label in the last row says "+2"
    right = stack_labels([390, 400], [80, 80], 2, 0.0, 400.0, 4.0, lambda n: 20.0)
    # Near the right edge a label sits left of its marker, never past the edge.
    assert [(s.row, s.left) for s in right] == [(0, 310), (1, 320)]
    # At the edge, the label that counts the others moves left to make room for its "+2".
    edge = stack_labels([390, 392, 394], [80] * 3, 1, 0.0, 400.0, 4.0, lambda n: 20.0)
    assert (edge[0].left, edge[0].extra) == (300, 2)


def test_the_colour_table_has_one_colour_per_vital_and_bp_shares_one():
    assert set(VITAL_COLOURS) == set(VITALS)
    assert len({VITAL_COLOURS[m] for m in ("bp_systolic", "bp_diastolic", "bp_mean")}) == 1
    others = [VITAL_COLOURS[m] for m in ("heart_rate", "pulse_rate", "resp_rate", "spo2")]
    assert len(set(others)) == 4 and VITAL_COLOURS["bp_systolic"] not in others


def test_the_feed_imports_no_qt():
    code = ("import sys, console.session.trend_feed; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph', 'shiboken6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_journals_row_ids_let_a_correction_find_its_value_without_the_log():
    feed = TrendFeed(START)   # no resolver
    feed.add_rows([(7, typed("resp_rate", 40, 2.0)), (None, EventRecord(1, t(2), "note", "ana", {}))])
    feed.add_rows([(9, typed("resp_rate", 14, 3.0, corrects=7))])
    assert points(feed, "resp_rate", manual=True) == [(2.0, 14)]


def test_a_rate_wavering_across_a_tier_is_marked_once_per_priority_it_reached():
    # RR 8/9 at the high limit escalates the same occurrence again and again: one marker per
    # priority reached, not one per crossing (the trend was strewn with "RR 8").
    feed = TrendFeed(START)
    steps = [AlarmTransition(1, 1, "resp_rate_low", "physiological", "medium", "raised", t(10),
                             "Respiratory rate 9 breaths/min, limit ≤11", value=9)]
    for k in range(5):
        steps += [
            AlarmTransition(1, 1, "resp_rate_low", "physiological", "high", "escalated",
                            t(11 + 2 * k), "Respiratory rate 8 breaths/min, limit ≤8", value=8),
            AlarmTransition(1, 1, "resp_rate_low", "physiological", "medium", "deescalated",
                            t(12 + 2 * k), "Respiratory rate 9 breaths/min, limit ≤11", value=9)]
    steps.append(AlarmTransition(1, 2, "resp_rate_low", "physiological", "high", "raised", t(30),
                                 "Respiratory rate 7 breaths/min, limit ≤8", value=7))
    feed.add(steps)
    assert [(m.minutes, m.priority) for m in feed.markers()] == [
        (10.0, "medium"), (11.0, "high"), (30.0, "high")]


def test_the_cuffs_pulse_is_drawn_with_its_measurement_not_in_the_pulse_line():
    # An oximeter's pulse at 125 every second; the cuff measured 80 at 10:00.5 and the monitor
    # sent it 40 s later. A line through both drew a dip to 80 nobody measured.
    cuff = {NIBP_PULSE}
    feed = TrendFeed(START)
    feed.add([reading("pulse_rate", 124, 10.0), reading("pulse_rate", 125, 10 + 1 / 60),
              reading("bp_systolic", 150, 10 + 40 / 60, measured=10 + 0.5 / 60),
              reading("pulse_rate", 80, 10 + 40 / 60, measured=10 + 0.5 / 60, flags=cuff),
              reading("pulse_rate", 126, 10 + 41 / 60)])
    assert [v for _, v in points(feed, "pulse_rate")] == [124, 125, 126]
    assert points(feed, CUFF_PULSE) == [(round(10 + 0.5 / 60, 6), 80)]   # the cuff's time
    assert points(feed, "bp_systolic") == [(round(10 + 0.5 / 60, 6), 150)]
    # A cuff every 5 minutes, nothing between: points, no line breaks between them.
    feed.add([reading("pulse_rate", 82, 15 + 40 / 60, measured=15.0, flags=cuff)])
    assert feed.count(CUFF_PULSE, False) == 2
    # A cuff's pulse delivered 3 minutes late (a link outage) is a delivery, not a wrong clock.
    feed.add([reading("pulse_rate", 84, 23.0, measured=20.0, flags=cuff)])
    assert feed.skews == ()
    assert points(feed, CUFF_PULSE)[-1] == (20.0, 84)


def test_a_cuff_from_before_the_session_is_no_clock_offset_when_the_same_message_shows_the_clock_right():
    # The nurse took a BP, then opened the session 5 minutes later; the monitor's first message
    # carries it with an HR stamped the second it was sent. Whichever order the message lists
    # them in, the monitor's clock is right: the cuff is drawn when it was measured.
    for hr_first in (True, False):
        cuff = [reading("bp_systolic", 132, 1 / 3, measured=-5.0),
                reading("bp_diastolic", 84, 1 / 3, measured=-5.0)]
        hr = [reading("heart_rate", 78, 1 / 3)]
        message = hr + cuff if hr_first else cuff + hr
        later = [reading("heart_rate", 80, 10.0), reading("bp_systolic", 128, 10.5, measured=10.0)]
        live = TrendFeed(START)
        live.add(message)
        live.add(later)
        loaded = TrendFeed(START)
        loaded.load(list(enumerate(message + later, start=1)))
        for feed in (live, loaded):
            assert feed.skews == ()
            assert points(feed, "bp_systolic") == [(-5.0, 132), (10.0, 128)]
    # With no continuous value of the monitor within 10 s, nothing tells an old cuff from a
    # clock behind: the clock is taken for 5 min behind, as before.
    alone = TrendFeed(START)
    alone.add([reading("bp_systolic", 132, 1 / 3, measured=-5.0)])
    alone.add([reading("heart_rate", 80, 10.0)])
    assert [(s.source, round(s.offset_s)) for s in alone.skews] == [(MONITOR, -320)]


def test_a_cuff_from_before_the_session_in_a_message_of_its_own_waits_for_the_next_hr():
    # A Mindray bedside monitor sends its NIBP in a 503 of its own and its HR in the 204s
    # (devices.md): the cuff taken before the session never shares a message with an HR. The HR
    # a second later shows the clock right: "Monitor clock 5 min behind" drew every later cuff
    # at its arrival, while the tile said the cuff was 5 min old.
    cuff = [reading("bp_systolic", 132, 1 / 3, measured=-5.0),
            reading("bp_diastolic", 84, 1 / 3, measured=-5.0)]
    later = [reading("heart_rate", 80, 10.0), reading("bp_systolic", 128, 10.5, measured=10.0)]
    for hr_after_s in (1, 9):
        hr = [reading("heart_rate", 78, 1 / 3 + hr_after_s / 60)]
        live = TrendFeed(START)
        for message in (cuff, hr, later):   # one commit each
            live.add(message)
        loaded = TrendFeed(START)
        loaded.load(list(enumerate(cuff + hr + later, start=1)))
        for feed in (live, loaded):
            assert feed.skews == (), hr_after_s
            assert points(feed, "bp_systolic") == [(-5.0, 132), (10.0, 128)]
    # No HR of the monitor within 10 s: the next thing the console commits, a typed value or an
    # event as much as a value of the monitor, says none came; the clock is off.
    for after in ([reading("heart_rate", 78, 1 / 3 + 11 / 60)], [typed("resp_rate", 14, 0.6)],
                  [EventRecord(1, t(0.6), "note", "ana", {"text": "cuff"})]):
        live = TrendFeed(START)
        live.add(cuff)
        live.add(after)
        loaded = TrendFeed(START)
        observations = [r for r in cuff + after if isinstance(r, ObservationRecord)]
        loaded.load(list(enumerate(observations, start=1)),
                    [r for r in after if isinstance(r, EventRecord)])
        for feed in (live, loaded):
            assert [(s.source, round(s.offset_s)) for s in feed.skews] == [(MONITOR, -320)]
            assert points(feed, "bp_systolic") == [(round(1 / 3, 6), 132)]   # at its arrival


def test_a_cuff_from_before_the_session_is_judged_when_the_windows_clock_passes_the_wait():
    # The nurse cuffed the patient, opened the session, then put the oximeter probe on: nothing
    # of the monitor is committed for half a minute after its cuff. The trend drew the cuff at
    # its measured time with no word of the clock until the HR came, while the tile said "clock
    # 5 min behind" from the end of the wait: the window tells the feed its clock at every
    # refresh, and the HR that comes after the wait changes nothing.
    feed = TrendFeed(START)
    feed.add([reading("bp_systolic", 132, 1 / 3, measured=-5.0)])
    feed.reached(t(1 / 3 + CUFF_WAIT_S / 60))   # still waiting
    assert feed.skews == ()
    assert points(feed, "bp_systolic") == [(-5.0, 132)]
    feed.reached(t(1 / 3 + (CUFF_WAIT_S + 1) / 60))
    assert [(s.source, round(s.offset_s)) for s in feed.skews] == [(MONITOR, -320)]
    assert points(feed, "bp_systolic") == [(round(1 / 3, 6), 132)]   # at its arrival
    feed.add([reading("heart_rate", 78, 1 / 3 + 0.5)])   # its clock right, after the wait
    assert len(feed.skews) == 1
    assert points(feed, "bp_systolic") == [(round(1 / 3, 6), 132)]


def lines(feed, metric, manual=False):
    """The values of each stretch of a series drawn as one line (NaN points break it)."""
    out, current = [], []
    for value in feed.series(metric, manual)[1].tolist():
        if np.isnan(value):
            out, current = out + [current] * bool(current), []
        else:
            current.append(value)
    return out + [current] * bool(current)


def test_a_disconnection_or_a_console_restart_breaks_the_device_lines_however_short():
    # HR 80 for 5 min, then 100 s without the monitor (unplugged, or the console closed and
    # started again), then HR 140: a line joining 80 to 140 drew values nobody measured, though
    # the gap was shorter than the feed's 2 minutes. Typed values and NIBP are not lines.
    def state(name, minutes):
        return EventRecord(1, t(minutes), "device_state", "engine", {"state": name, "detail": ""})

    outages = {
        "unplugged": [state("disconnected", 5.0), state("connecting", 5.5), state("connected", 6.6)],
        "no data": [state("stale", 5.0), state("connected", 6.6)],
        "console restart": [EventRecord(1, t(5.02), "console_closed", "ana", {}),
                            EventRecord(1, t(6.5), "session_resumed", "ana", {})],
    }
    for name, outage in outages.items():
        before = [reading("heart_rate", 80, s / 60) for s in range(1, 301)]
        before += [typed("heart_rate", 82, 4.0), reading("bp_systolic", 120, 4.5, measured=4.0)]
        after = [reading("heart_rate", 140, 6.67 + s / 60) for s in range(60)]
        after += [typed("heart_rate", 138, 7.0), reading("bp_systolic", 150, 7.5, measured=7.0)]
        records = [state("connecting", 0.0), state("connected", 0.0), *before, *outage, *after]
        live = TrendFeed(START)
        live.add(records)
        loaded = TrendFeed(START)   # the review: every observation first, then the events
        loaded.load(list(enumerate((r for r in records if isinstance(r, ObservationRecord)),
                                   start=1)),
                    [r for r in records if isinstance(r, EventRecord)])
        for feed in (live, loaded):
            assert lines(feed, "heart_rate") == [[80] * 300, [140] * 60], name
            assert lines(feed, "heart_rate", manual=True) == [[82, 138]], name
            assert lines(feed, "bp_systolic") == [[120, 150]], name

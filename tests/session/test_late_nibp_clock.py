"""A cuff measurement delivered late is not a monitor clock offset (the alarm audit).

After a console restart the monitor delivered the NIBP it took during the outage, its measured
time minutes before its arrival: the BP tile read "received 09:16 · 0 s ago · clock 4 min
behind" (an old reading shown as just measured) and the trend "Monitor clock 4 min behind this
console", although the monitor's clock was right. An NIBP is a spot measurement delivered after
it was taken; the clock is judged by the device's continuous values, by a time ahead of the
arrival, or by an NIBP from before the session opened. A real offset is still reported.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.network.chair_status import TrendPoints
from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import SessionEngine
from console.session.tile_view import tile_view
from console.session.trend_feed import CUFF_WAIT_S, TrendFeed
from devices.reading import NIBP_PULSE, Reading
from tests.session.helpers import Session, iv_protocol

MONITOR = "hl7:MON"
MIN = 60.0


def local(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


def restart(s: Session, after_seconds: float) -> SessionEngine:
    """The console killed and started again on its log; it reads the monitor again."""
    now = s.clock.advance(after_seconds)
    records = s.recorder.records
    s.engine = SessionEngine.resume(
        iv_protocol(), s.recorder, 1, s.recorder.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], now, reads_device=True)
    s.engine.device_state_changed("connected", s.now())
    return s.engine


def message(s: Session, hr: float, nibp: tuple[float, float] | None = None,
            nibp_measured: datetime | None = None, clock: timedelta = timedelta(0)) -> None:
    """One monitor message: HR measured now, and an NIBP measured at `nibp_measured` (now when
    None), every time stamped by a monitor clock `clock` off."""
    now = s.now()
    readings = [Reading("heart_rate", hr, "beats/min", now.wall + clock, now.wall, MONITOR)]
    if nibp is not None:
        at = (nibp_measured or now.wall) + clock
        readings += [Reading("bp_systolic", nibp[0], "mmHg", at, now.wall, MONITOR),
                     Reading("bp_diastolic", nibp[1], "mmHg", at, now.wall, MONITOR)]
    assert s.engine.ingest_message(readings, now)


def the_trend(s: Session) -> TrendFeed:
    """The trend as the restarted window loads it from the log."""
    feed = TrendFeed(s.recorder.opened[0].started_at)
    records = list(enumerate(s.recorder.records, start=1))
    feed.load([(i, r) for i, r in records if isinstance(r, ObservationRecord)],
              [r for _, r in records if isinstance(r, EventRecord)],
              [r for _, r in records if isinstance(r, AlarmTransition)])
    return feed


def monitored(clock: timedelta = timedelta(0)) -> Session:
    """A monitored infusion, ten minutes in: HR each second, a cuff at minute 10."""
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    start = s.now().mono - s.origin
    s.t(start + 10 * MIN)
    message(s, 72, (130, 80), clock=clock)
    s.t(start + 10 * MIN + 1)
    message(s, 73, clock=clock)
    return s


def test_an_nibp_taken_during_the_outage_is_no_clock_offset_after_a_restart():
    s = monitored()
    # The console is down for 6 minutes; the cuff measures 4 minutes into the outage.
    restart(s, 6 * MIN)
    during = s.now().wall - timedelta(minutes=2)
    # Back: the monitor's next message carries HR now and the cuff it took during the outage.
    message(s, 74, (142, 88), nibp_measured=during)
    tile = tile_view(s.engine, "bp_systolic", s.now())
    assert tile.value == "142/88"
    assert tile.detail == f"device · measured {local(during)} · 2 min ago"
    assert "clock" not in tile.detail and not tile.stale
    # The trend draws it when it was measured, and says nothing of the monitor's clock.
    feed = the_trend(s)
    assert feed.skews == ()
    minutes = (during - s.recorder.opened[0].started_at).total_seconds() / 60
    assert list(feed.series("bp_systolic", False)[0]) == [10.0, minutes]
    # Fed live in commit order, the same.
    live = TrendFeed(s.recorder.opened[0].started_at)
    live.add(s.recorder.records)
    assert live.skews == ()


def test_the_cuffs_pulse_delivered_late_with_its_pressures_is_no_clock_offset_either():
    # The cuff measures its pulse with the pressures (HL7 149546, IntelliVue 0xF0E5): delivered
    # with them after the outage, it too is a late delivery, not "Monitor clock 2 min behind".
    s = monitored()
    restart(s, 6 * MIN)
    now = s.now()
    during = now.wall - timedelta(minutes=2)
    assert s.engine.ingest_message([
        Reading("heart_rate", 74, "beats/min", now.wall, now.wall, MONITOR),
        Reading("pulse_rate", 77, "beats/min", during, now.wall, MONITOR,
                flags=frozenset({NIBP_PULSE})),
        Reading("bp_systolic", 142, "mmHg", during, now.wall, MONITOR),
        Reading("bp_diastolic", 88, "mmHg", during, now.wall, MONITOR)], now)
    assert "clock" not in tile_view(s.engine, "bp_systolic", s.now()).detail
    assert "clock" not in tile_view(s.engine, "pulse_rate", s.now()).detail
    assert the_trend(s).skews == ()
    live = TrendFeed(s.recorder.opened[0].started_at)
    live.add(s.recorder.records)
    assert live.skews == ()


def test_a_monitor_clock_ten_minutes_ahead_is_still_reported_after_a_restart():
    ahead = timedelta(minutes=10)
    s = monitored(clock=ahead)
    restart(s, 6 * MIN)
    message(s, 74, (142, 88), nibp_measured=s.now().wall - timedelta(minutes=2), clock=ahead)
    tile = tile_view(s.engine, "bp_systolic", s.now())
    assert tile.detail == f"device · received {local(s.now().wall)} · 0 s ago · clock 10 min ahead"
    skews = the_trend(s).skews
    assert [x.source for x in skews] == [MONITOR]
    assert skews[0].message().startswith("Monitor clock 10 min ahead of this console")


def test_a_monitor_clock_ten_minutes_behind_is_still_reported_by_its_continuous_values():
    behind = timedelta(minutes=-10)
    s = monitored(clock=behind)
    restart(s, 6 * MIN)
    message(s, 74, (142, 88), clock=behind)
    # The HR of the same monitor shows its clock: the BP tile says so, at receive time.
    tile = tile_view(s.engine, "bp_systolic", s.now())
    assert tile.detail == f"device · received {local(s.now().wall)} · 0 s ago · clock 10 min behind"
    skews = the_trend(s).skews
    assert [x.source for x in skews] == [MONITOR]
    assert skews[0].message().startswith("Monitor clock 10 min behind this console")


def test_an_nibp_stamped_before_the_session_opened_is_still_a_clock_offset():
    # A monitor clock reset to 2000 (a nurse walk on X): no delivery is that late.
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    now = s.now()
    reset = datetime(2000, 1, 1, tzinfo=UTC)
    assert s.engine.ingest_message([Reading("bp_systolic", 131, "mmHg", reset, now.wall, MONITOR),
                                    Reading("bp_diastolic", 80, "mmHg", reset, now.wall, MONITOR)],
                                   now)
    # No HR of the monitor in the next 10 s (`CUFF_WAIT_S`) to judge its clock by; the next
    # record the console commits tells the trend so.
    s.clock.advance(CUFF_WAIT_S + 1)
    assert tile_view(s.engine, "bp_systolic", s.now()).detail.endswith(" days behind")
    s.manual("resp_rate", 14)
    assert [x.source for x in the_trend(s).skews] == [MONITOR]


def test_a_cuff_taken_before_the_session_opened_is_an_old_measurement_when_the_hr_shows_the_clock_right():
    # The nurse took a BP on the monitor, then opened the session 5 minutes later: the first
    # message carries that cuff with the monitor's HR of the second it was sent (its clock right).
    # It read "received 09:00 · 0 s ago · clock 5 min behind", and the trend moved every NIBP of
    # the monitor to its arrival.
    s = Session()
    s.engine.device_state_changed("connected", s.now())
    opened = s.recorder.opened[0].started_at
    cuff = opened - timedelta(minutes=5)
    s.t(20)
    message(s, 78, (132, 84), nibp_measured=cuff)
    tile = tile_view(s.engine, "bp_systolic", s.now())
    assert tile.detail == f"device · measured {local(cuff)} · 5 min ago"
    assert not tile.stale
    # Its age counts from when it was measured: stale by the NIBP rule, 20 min after the cuff.
    s.t(15 * MIN - 5)
    message(s, 79)
    assert not tile_view(s.engine, "bp_systolic", s.now()).stale
    s.t(15 * MIN + 5)
    message(s, 80)
    tile = tile_view(s.engine, "bp_systolic", s.now())
    assert tile.stale and tile.detail == f"STALE · device · measured {local(cuff)} · 20 min ago"
    # The next cuff, measured in the session and sent 40 s later, is drawn when it was measured:
    # the monitor's clock was never taken for wrong.
    s.t(16 * MIN + 40)
    message(s, 81, (128, 80), nibp_measured=opened + timedelta(minutes=16))
    assert "clock" not in tile_view(s.engine, "bp_systolic", s.now()).detail
    feed = the_trend(s)
    assert feed.skews == ()
    assert list(feed.series("bp_systolic", False)[0]) == [-5.0, 16.0]
    live = TrendFeed(opened)
    live.add(s.recorder.records)
    assert live.skews == ()
    assert list(live.series("bp_systolic", False)[0]) == [-5.0, 16.0]


def test_a_cuff_from_before_the_session_with_no_continuous_value_to_judge_by_is_a_clock_offset():
    # A monitor sending only its NIBP: nothing tells an old cuff from a clock 5 min behind, so
    # the tile and the trend say the clock is off, as for a clock reset to 2000.
    s = Session()
    s.engine.device_state_changed("connected", s.now())
    opened = s.recorder.opened[0].started_at
    s.t(20)
    now = s.now()
    cuff = opened - timedelta(minutes=5)
    assert s.engine.ingest_message([Reading("bp_systolic", 132, "mmHg", cuff, now.wall, MONITOR),
                                    Reading("bp_diastolic", 84, "mmHg", cuff, now.wall, MONITOR)],
                                   now)
    # A Mindray sends its HR a second after its NIBP: for 10 s the cuff waits for one, drawn
    # and shown as measured.
    assert tile_view(s.engine, "bp_systolic", s.now()).detail == (
        f"device · measured {local(cuff)} · 5 min ago")
    assert the_trend(s).skews == ()
    s.t(20 + CUFF_WAIT_S + 1)
    assert tile_view(s.engine, "bp_systolic", s.now()).detail.endswith("· clock 5 min behind")
    s.manual("resp_rate", 14)   # the next record committed: the trend knows none came
    assert [x.source for x in the_trend(s).skews] == [MONITOR]
    live = TrendFeed(opened)
    live.add(s.recorder.records)
    assert [x.source for x in live.skews] == [MONITOR]


def test_a_cuff_from_before_the_session_in_a_message_of_its_own_is_judged_by_the_next_hr():
    # A Mindray bedside monitor sends its NIBP in a 503 message of its own and its HR in the
    # 204s a second later (devices.md). The tile judged the clock by that HR ("measured 08:55 ·
    # 5 min ago"); the trend settled the cuff at the next receive time, said "Monitor clock
    # 5 min behind this console" and drew every later cuff at its arrival.
    s = Session()
    s.engine.device_state_changed("connected", s.now())
    opened = s.recorder.opened[0].started_at
    cuff = opened - timedelta(minutes=5)
    s.t(20)
    now = s.now()
    assert s.engine.ingest_message([Reading("bp_systolic", 132, "mmHg", cuff, now.wall, MONITOR),
                                    Reading("bp_diastolic", 84, "mmHg", cuff, now.wall, MONITOR)],
                                   now)
    s.t(21)
    now = s.now()
    assert s.engine.ingest_message(
        [Reading("heart_rate", 78, "beats/min", now.wall, now.wall, MONITOR)], now)
    for seconds in (25, 40, 5 * MIN):   # before the wait is over and after it
        s.t(seconds)
        message(s, 78)
        assert tile_view(s.engine, "bp_systolic", s.now()).detail == (
            f"device · measured {local(cuff)} · {5 + seconds // MIN:g} min ago")
    restart(s, 30)   # the tile judges the replayed values as the trend loads them: the same
    assert tile_view(s.engine, "bp_systolic", s.now()).detail == (
        f"device · measured {local(cuff)} · 10 min ago")
    s.t(16 * MIN + 40)
    message(s, 80)
    later = opened + timedelta(minutes=16)
    now = s.now()
    assert s.engine.ingest_message([Reading("bp_systolic", 128, "mmHg", later, now.wall, MONITOR),
                                    Reading("bp_diastolic", 80, "mmHg", later, now.wall, MONITOR)],
                                   now)
    assert tile_view(s.engine, "bp_systolic", s.now()).detail == (
        f"device · measured {local(later)} · 40 s ago")
    # The trend says what the tile says: no clock note, both cuffs where they were measured,
    # loaded from the log or fed commit by commit.
    live = TrendFeed(opened)
    for write in s.recorder.writes:
        live.add(write)
    for feed in (the_trend(s), live):
        assert feed.skews == ()
        assert list(feed.series("bp_systolic", False)[0]) == [-5.0, 16.0]


def cuffed_before_opening(s: Session) -> tuple[datetime, datetime]:
    """At 20 s the monitor delivers, alone, a cuff measured 5 min before the session opened;
    return when the session opened and when the cuff came."""
    s.engine.device_state_changed("connected", s.now())
    opened = s.recorder.opened[0].started_at
    cuff = opened - timedelta(minutes=5)
    s.t(20)
    arrived = s.now().wall
    assert s.engine.ingest_message([Reading("bp_systolic", 132, "mmHg", cuff, arrived, MONITOR),
                                    Reading("bp_diastolic", 84, "mmHg", cuff, arrived, MONITOR)],
                                   s.now())
    return opened, arrived


def test_a_cuff_from_before_the_session_whose_hr_starts_after_the_wait_is_a_clock_offset_on_the_tile_and_the_trend():
    # The nurse cuffed the patient, opened the session 5 minutes later and only then put the
    # oximeter probe on: the monitor's HR starts 30 s after the cuff came, past the 10 s
    # (`CUFF_WAIT_S`) a cuff from before the session waits for one. Nothing within them tells
    # an old cuff from a clock 5 min behind. The trend said "Monitor clock 5 min behind" and
    # drew the monitor's cuffs at their arrival (so did the review, the export and the central),
    # while the BP tile, judging by the HR that came later, read "measured 08:55 · 6 min ago",
    # after reading "clock 5 min behind" until the HR came.
    s = Session()
    opened, arrived = cuffed_before_opening(s)
    live = TrendFeed(opened)
    fed = 0
    behind = "· clock 5 min behind"
    for second in range(int(20 + CUFF_WAIT_S) + 1, 120):   # after the wait, the HR from 50 s
        s.t(second)
        if second >= 50:
            message(s, 78)
            live.add(s.recorder.records[fed:])   # what the window's trend is given
            fed = len(s.recorder.records)
            assert [(x.source, round(x.offset_s)) for x in live.skews] == [(MONITOR, -320)]
        # One verdict, never changed: the HR that came after the wait does not make it an old cuff.
        assert tile_view(s.engine, "bp_systolic", s.now()).detail == (
            f"device · received {local(arrived)} · {second - 20} s ago {behind}"), second
    for feed in (the_trend(s), live):
        assert [(x.source, round(x.offset_s)) for x in feed.skews] == [(MONITOR, -320)]
        assert [round(x, 6) for x in feed.series("bp_systolic", False)[0]] == [round(20 / MIN, 6)]
    # The next cuff, measured in the session and sent 40 s later: at its arrival on both.
    s.t(16 * MIN + 40)
    message(s, 80, (128, 80), nibp_measured=opened + timedelta(minutes=16))
    assert tile_view(s.engine, "bp_systolic", s.now()).detail == (
        f"device · received {local(s.now().wall)} · 0 s ago {behind}")
    assert [round(x, 6) for x in the_trend(s).series("bp_systolic", False)[0]] == [
        round(20 / MIN, 6), round(16 + 40 / MIN, 6)]
    # After a restart the tile judges the replayed values as the trend loads them: the same.
    restart(s, 30)
    assert tile_view(s.engine, "bp_systolic", s.now()).detail == (
        f"device · received {local(s.now().wall - timedelta(seconds=30))} · 30 s ago {behind}")


def test_the_windows_trend_says_what_the_tile_says_of_the_clock_at_every_second():
    # The same cuff, the HR from 30 s after it: nothing is committed between the end of the
    # wait and the HR, and the trend, judging only at the next record, drew the cuff at its
    # measured time with no word of the clock while the tile said "clock 5 min behind". The
    # window gives its trend what was committed and its clock at every refresh.
    s = Session()
    opened, _ = cuffed_before_opening(s)
    live = TrendFeed(opened)
    fed = 0
    for second in range(21, 120):
        s.t(second)
        if second >= 50:
            message(s, 78)
        live.add(s.recorder.records[fed:])
        fed = len(s.recorder.records)
        live.reached(s.now().wall)
        tile_says_off = "clock" in tile_view(s.engine, "bp_systolic", s.now()).detail
        assert tile_says_off == bool(live.skews) == (second > 20 + CUFF_WAIT_S), second
        at_arrival = live.series("bp_systolic", False)[0].tolist() == [pytest.approx(20 / MIN)]
        assert at_arrival == tile_says_off, second


def test_the_chairs_trend_snapshot_judges_a_cuff_from_before_the_session_as_the_bedside_does():
    # The central's trend of the chair judged no cuff by the session's start: with the HR only
    # from 30 s after it, it drew the cuff 5 min before the session and said nothing of the
    # monitor's clock, where the bedside drew it at its arrival, "Monitor clock 5 min behind".
    for hr_at, off in ((21, False), (50, True)):   # within the wait, or after it
        s = Session()
        opened, arrived = cuffed_before_opening(s)
        s.t(hr_at)
        message(s, 78)
        rows = [(i, r) for i, r in enumerate(s.recorder.records, start=1)
                if isinstance(r, ObservationRecord)]
        snapshot = TrendPoints(s.engine.session_id, opened)
        placed = [at for name, at, _ in snapshot.add(rows, now=s.now().wall)
                  if name == "bp_systolic"]
        bedside = the_trend(s)
        assert snapshot.monitor_clock_off == bool(bedside.skews) == off, hr_at
        assert placed == [arrived if off else opened - timedelta(minutes=5)], hr_at
        assert ("clock" in tile_view(s.engine, "bp_systolic", s.now()).detail) == off, hr_at
    # Nothing after the cuff yet, the wait over: the chair's clock says so, as the tile does.
    s = Session()
    opened, arrived = cuffed_before_opening(s)
    s.t(20 + CUFF_WAIT_S + 1)
    rows = [(i, r) for i, r in enumerate(s.recorder.records, start=1)
            if isinstance(r, ObservationRecord)]
    snapshot = TrendPoints(s.engine.session_id, opened)
    assert [at for name, at, _ in snapshot.add(rows, now=s.now().wall)] == [arrived, arrived]
    assert snapshot.monitor_clock_off

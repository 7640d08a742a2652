"""The live trend after the station's clock is stepped (NTP correcting a clock that ran fast or
slow, logged as `clock_stepped`): the nurse watches an SpO2 fall on the follow view whatever the
wall clock did. Tiles, timers and alarms run on the monotonic clock; the trend places values as
they do, at the minutes the review's tables give them (`console.session.clock_steps`).

By wall time less the session's start, NTP setting a clock 60 min fast back 30 min into a session
drew every later reading an hour in the past, before the session's start, while the follow view
stayed on the 15 minutes before the correction: an SpO2 falling to 89 was not seen on the trend
for an hour (a review)."""

from __future__ import annotations

from datetime import UTC, timedelta

import numpy as np

from console.clock import Moment
from console.review import content as rc
from console.session.clock_steps import logged_seconds
from console.review.queries import load_session
from devices.reading import Reading
from protocols.vitals import metric
from tests.ui.conftest import live, shown_live_window  # noqa: F401  (fixture)


def feed(controller, clock, value):
    now = clock.now()
    controller._engine.ingest(Reading("spo2", value, metric("spo2").unit, now.wall, now.wall,
                                      "hl7:SIM"), now)
    controller.tick()


def _step_clock(controller, clock, minutes: float) -> None:
    """NTP steps the wall clock by `minutes`; the monotonic clock runs on."""
    now = clock.now()
    clock._now = Moment(now.mono + 1, now.wall + timedelta(minutes=minutes))
    controller.tick()


def _session_with_step(live, qtbot, step_minutes: float):
    """30 min of SpO2 98 (one a minute), the clock stepped, ten more minutes falling to 89."""
    controller, _journal, clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    for _ in range(30):
        clock.advance(60); feed(controller, clock, 98)
    window.refresh()
    _step_clock(controller, clock, step_minutes)
    for _ in range(10):
        clock.advance(60); feed(controller, clock, 89)
    window.refresh()
    stepped = log.conn.execute(
        "SELECT count(*) FROM events WHERE kind='clock_stepped'").fetchone()[0]
    assert stepped == 1
    return window


def _spo2(window) -> tuple[list[float], list[float]]:
    t, v = window.trend.feed.series("spo2", False)
    keep = ~np.isnan(v)
    return [float(x) for x in t[keep]], [float(y) for y in v[keep]]


def test_follow_view_shows_readings_after_the_clock_was_set_back(live, qtbot):
    window = _session_with_step(live, qtbot, -60)
    times, values = _spo2(window)
    low, high = window.trend.x_range()
    xs_89 = [x for x, y in zip(times, values) if y == 89]
    assert len(xs_89) == 10 and all(low <= x <= high for x in xs_89), (
        f"the SpO2 89 readings after the step are drawn at minutes {xs_89}, outside the "
        f"follow view {low:.1f}..{high:.1f}: the nurse sees no new value")
    # Where the timers put them: the 31st to the 40th minute, after the 98s, in order.
    assert [round(x) for x in xs_89] == list(range(31, 41))
    assert times == sorted(times)


def test_a_short_step_back_keeps_the_line_going_forward(live, qtbot):
    # 10 min back: the new points had been drawn among the older ones, the line going back.
    window = _session_with_step(live, qtbot, -10)
    times, values = _spo2(window)
    assert times == sorted(times), "the SpO2 line goes back and forth"
    assert values[-10:] == [89.0] * 10
    assert round(times[-1]) == 40


def test_a_clock_set_forward_leaves_no_hour_of_nothing(live, qtbot):
    # A clock 60 min slow put right: the trend went on an hour later, an hour of nothing drawn
    # between (the line broken), and the follow view an hour ahead of the session's timers.
    window = _session_with_step(live, qtbot, 60)
    times, values = _spo2(window)
    assert [round(x) for x in times] == list(range(1, 41))
    assert not np.isnan(window.trend.feed.series("spo2", False)[1]).any(), "the line breaks"
    low, high = window.trend.x_range()
    assert low <= times[-1] <= high and high < 45


def test_the_live_trend_and_the_review_give_a_reading_the_same_minute(live, qtbot):
    controller, _journal, _clock, log = live
    window = _session_with_step(live, qtbot, -60)
    detail = load_session(log.conn, controller.view.session_id, with_observations=True)
    readings = [o for o in detail.observations if o.metric == "spo2" and o.value == 89]
    # The review's tables: each reading placed among the steps by the log's order (its time
    # after a step back came twice), on the clock the session started on.
    rows, steps = rc.RowSteps(detail, True), detail.logged_steps()
    start = rc.session_start(detail)
    review = [logged_seconds(start.at, start.id, o.received_at, rows.reading(o.id), steps) / 60
              for o in readings]
    times, values = _spo2(window)
    live_minutes = [x for x, y in zip(times, values) if y == 89]
    assert np.allclose(live_minutes, review, atol=1e-3)


def test_a_restart_draws_the_session_where_the_live_trend_did(live, qtbot):
    # A long session's trend is read again from the log (`LiveWindow._feed_trend`), as after a
    # restart: the same minutes as the trend fed live.
    controller, _journal, _clock, log = live
    window = _session_with_step(live, qtbot, -60)
    before = _spo2(window)
    from console.session.trend_feed import TrendFeed
    session = controller.view.session_id
    fresh = TrendFeed(window.trend.feed.started_at)
    fresh.load(log.observations(session), log.events(session), log.alarm_events(session))
    t, v = fresh.series("spo2", False)
    keep = ~np.isnan(v)
    assert np.allclose(t[keep], before[0], atol=1e-6)
    assert list(v[keep]) == before[1]


def resumed_window(live, qtbot):
    """The `live` session's console stopped and started again on its log at the clock's now,
    as the main window resumes one (its history handed over in time order): (the resumed
    controller, its window shown at 1366x768, its engine)."""
    from console.records import SessionOpened
    from console.session.engine import SessionEngine
    from console.session.journal import Journal, when
    from console.ui.controller import SessionController
    from console.ui.live_window import LiveWindow
    from tests.ui.conftest import Answers

    controller, _journal, clock, log = live
    row = log.session(controller.view.session_id)
    logged = log.observations(row.id)
    events, alarm_events = log.events(row.id), log.alarm_events(row.id)
    journal = Journal(log)
    history = sorted([*logged, *((None, r) for _, r in events),
                      *((None, r) for _, r in alarm_events)], key=lambda pair: when(pair[1]))
    journal.preload([r for _, r in history], [i for i, _ in history])
    engine = SessionEngine.resume(
        controller._engine.protocol, journal, row.id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [r for _, r in logged], [r for _, r in events], [r for _, r in alarm_events],
        clock.now(), observation_ids=[i for i, _ in logged])
    resumed = SessionController(engine, clock)
    window = LiveWindow(resumed, journal, Answers(), Answers())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.refresh()
    return resumed, window, engine


def test_a_session_resumed_after_the_clock_was_set_back_draws_its_readings_in_order(
        live, qtbot, tmp_path):
    # The console restarts 30 min after NTP set the clock back an hour: the window opens on the
    # session's history (in time order, as the main window gives it) and reads on.
    controller, _journal, clock, log = live
    _session_with_step(live, qtbot, -60)
    controller.stop()
    clock.advance(30)
    resumed, window, _engine = resumed_window(live, qtbot)
    try:
        for _ in range(3):
            clock.advance(60); feed(resumed, clock, 88)
        window.refresh()
        times, values = _spo2(window)
        assert times == sorted(times), "the SpO2 line goes back and forth"
        assert values == [98.0] * 30 + [89.0] * 10 + [88.0] * 3
        assert [round(x) for x in times[-3:]] == [42, 43, 44]   # 30 s down, then a minute each
        low, high = window.trend.x_range()
        assert low <= times[-1] <= high
    finally:
        resumed.stop()


def test_the_reviews_trend_draws_the_session_as_the_live_trend_did(live, qtbot):
    # The session's review (and its PDF report) draws the log through the same feed.
    from console.ui.trend import TrendPlot

    controller, _journal, _clock, log = live
    window = _session_with_step(live, qtbot, -60)
    detail = load_session(log.conn, controller.view.session_id, with_observations=True)
    review = TrendPlot.for_session(controller.view.protocol, *rc.trend_inputs(detail),
                                   detail.summary.started_at)
    qtbot.addWidget(review)
    t, v = review.feed.series("spo2", False)
    keep = ~np.isnan(v)
    live_times, live_values = _spo2(window)
    assert np.allclose(t[keep], live_times, atol=1e-6)
    assert list(v[keep]) == live_values
    # The SpO2 89 alarm marked where it sounded, after the 30 minutes of 98, on both.
    assert (31.02, "SpO2 89") in [(round(m.minutes, 2), m.text) for m in review.feed.markers()]
    assert [(round(m.minutes, 4), m.text) for m in review.feed.markers()] == [
        (round(m.minutes, 4), m.text) for m in window.trend.feed.markers()]


def test_the_reviews_and_reports_whole_session_view_ends_where_the_session_ended(
        live, qtbot, monkeypatch):
    """After NTP set a slow clock forward an hour, the session's review and its PDF report end
    their whole-session view at the session's last minute as its timers ran (41), where the
    points are: by wall time it ran an hour past the last value, the session squeezed into
    the left third."""
    from console.export import pdf
    from console.review.queries import open_readonly
    from console.ui.review_window import ReviewWindow
    from console.ui.trend import TrendPlot

    controller, _journal, clock, log = live
    _session_with_step(live, qtbot, 60)
    clock.advance(60)
    assert controller.discharge(override_reason="test: ended").done
    session = controller.view.session_id
    path = log.path
    review = ReviewWindow(open_readonly(path), protocols={"iv-ketamine": controller.view.protocol},
                          clock=clock, tz=UTC)
    qtbot.addWidget(review)
    review.open_session(session)
    trend = review.detail_page.trend
    assert trend is not None
    low, high = trend.x_range()
    assert 40 <= high < 45, f"the review's view ends at minute {high:.0f}, the session at 41"
    ends: list[float] = []
    real_set_now = TrendPlot.set_now
    monkeypatch.setattr(TrendPlot, "set_now",
                        lambda plot, minutes: (ends.append(minutes), real_set_now(plot, minutes)))
    detail = load_session(log.conn, session, with_observations=True)
    pdf.render_trend(detail, controller.view.protocol)
    assert len(ends) == 1 and 40 <= ends[0] < 42, f"the report's view ends at minute {ends}"
    review.close_log()


def test_the_reviews_alarm_marks_sit_where_the_live_trend_put_them_across_a_step_back(
        live, qtbot):
    """Two desaturations, one before NTP set the clock back an hour and one after: the
    review's (and the report's) marks sit where the live trend put them, each placed among the
    steps by the log's order. Placed by time, the later alarm's rows, an hour earlier on the
    wall clock, were drawn before the session's start."""
    from console.ui.trend import TrendPlot

    controller, _journal, clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    for value in [98] * 10 + [86] * 3 + [98] * 10:
        clock.advance(60); feed(controller, clock, value)
    window.refresh()
    _step_clock(controller, clock, -60)
    for value in [98] * 5 + [85] * 3 + [98] * 5:
        clock.advance(60); feed(controller, clock, value)
    window.refresh()
    detail = load_session(log.conn, controller.view.session_id, with_observations=True)
    assert len([e for e in detail.alarms if e.condition.startswith("spo2")]) >= 2
    review = TrendPlot.for_session(controller.view.protocol, *rc.trend_inputs(detail),
                                   detail.summary.started_at)
    qtbot.addWidget(review)
    live_marks = [(round(m.minutes, 4), m.text) for m in window.trend.feed.markers()]
    assert [(round(m.minutes, 4), m.text) for m in review.feed.markers()] == live_marks
    assert all(minutes >= 0 for minutes, _ in live_marks), live_marks

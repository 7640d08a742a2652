"""One session, two trends: the live window's (fed from the journal as the session runs) and the
review's (loaded from the log afterwards) plot the same records the same way, through the one
trend feed. And a resumed window's trend holds the whole session, not just what came after the
restart. Real engine, real SQLite log, the clock moved by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from console.clock import ManualClock
from console.review.queries import load_session
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal
from console.store import EventLog
from console.review import content as rc
from console.ui.audio import RecordingAudioOut
from console.ui.controller import SessionController
from console.ui.live_window import LiveWindow
from console.ui.main_window import MainWindow
from console.ui.trend import TrendPlot
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, default_protocol_dirs, load_protocol, load_protocols
from protocols.vitals import VITALS, metric
from tests.session.helpers import type_attested
from tests.ui.conftest import Answers

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONITOR = "hl7:MONITOR"


@pytest.fixture
def protocol():
    return load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")


def device(name, value, now, measured_ago_s=0.0, source=MONITOR):
    """A monitor's value received now; NIBP measured `measured_ago_s` before it arrived."""
    return Reading(name, value, metric(name).unit, now.wall - timedelta(seconds=measured_ago_s),
                   now.wall, source)


def to_t0(engine, clock):
    """Score the baseline, tick the pre-session checklist and start dosing (T0) five minutes
    in."""
    clock.advance(10)   # after the phase's start: markers of one instant may stack either way
    for item in engine.phase.checklist:
        type_attested(engine, item, "ana", clock.now())   # baseline vitals and scores
        engine.tick_item(item.id, "ana", clock.now())
    clock.advance(290)   # T0 five minutes in, as before
    engine.advance_phase("ana", clock.now())


def trend_data(plot: TrendPlot):
    curves = {(m, manual): tuple(np.round(a, 6).tolist() for a in plot.curve_data(m, manual))
              for m in VITALS for manual in (False, True)}
    bars = {manual: tuple(np.round(a, 6).tolist() for a in plot.bar_data(manual))
            for manual in (False, True)}
    return curves, bars, [(round(m, 6), text, kind) for m, text, kind in plot.markers()]


def test_the_live_trend_and_the_review_plot_the_same_records_the_same_way(tmp_path, qtbot, protocol):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    journal = Journal(log)
    clock = ManualClock(START)
    engine = SessionEngine.open(protocol, journal, Patient("MRN-7", 72), "ana", clock.now())
    controller = SessionController(engine, clock)
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    try:
        # Pre-session: a typed BP, then T0; a typed BP with a typo (corrected later) at minute 5.
        engine.enter_manual("bp_systolic", 128, "ana", clock.now())
        engine.enter_manual("bp_diastolic", 84, "ana", clock.now())
        to_t0(engine, clock)
        engine.enter_manual("bp_systolic", 255, "ana", clock.now(), confirmed=True)
        engine.enter_manual("bp_diastolic", 86, "ana", clock.now())
        # Twenty minutes of a monitor: continuous values each 10 s, NIBP every 3 minutes whose
        # result arrives 40 s after the measurement, a hypertensive surge from minute 15.
        for second in range(0, 20 * 60, 10):
            clock.advance(10)
            now = clock.now()
            engine.ingest_message([device("heart_rate", 80 + second // 120, now),
                               device("spo2", 97, now), device("resp_rate", 15, now)], now)
            if second % 180 == 170:
                surge = second > 15 * 60
                engine.ingest_message([device("bp_systolic", 205 if surge else 135, now, 40),
                                   device("bp_diastolic", 122 if surge else 85, now, 40),
                                   device("bp_mean", 150 if surge else 102, now, 40)], now)
            window.refresh()
        engine.enter_manual("moaas", 4, "ana", clock.now())
        typo = next(i for i, r in log.observations(engine.session_id) if r.value == 255)
        clock.advance(30)
        engine.correct(typo, "bp_systolic", 131, "ana", clock.now(), "typed 255, cuff read 131")
        engine.tick(clock.now())
        window.refresh()
        live = trend_data(window.trend)
    finally:
        controller.stop()

    detail = load_session(log.conn, engine.session_id, with_observations=True)
    observations, events, alarms = rc.trend_inputs(detail)
    review = TrendPlot.for_session(protocol, observations, events, alarms, detail.summary.started_at)
    qtbot.addWidget(review)
    assert trend_data(review) == live

    curves, bars, markers = live
    # NIBP at its measured time (40 s before it arrived), as a bar with its mean.
    nibp_x = curves[("bp_systolic", False)][0]
    assert nibp_x[0] == pytest.approx(5 + 170 / 60 + 10 / 60 - 40 / 60)
    assert bars[False][1][:2] == [135, 85]
    # The corrected typo is gone; the correction sits where the typo was (minute 5).
    assert curves[("bp_systolic", True)] == ([0.0, 5.0], [128.0, 131.0])
    assert 255.0 not in curves[("bp_systolic", True)][1]
    texts = [text for _, text, _ in markers]
    assert "T0 dose" in texts and "MOAA/S 4" in texts
    assert "Systolic 205" in texts   # the surge's alarm, on both trends


def test_a_monitor_clock_minutes_off_puts_its_values_at_receive_time_with_a_notice(tmp_path, qtbot, protocol):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    journal = Journal(log)
    clock = ManualClock(START)
    engine = SessionEngine.open(protocol, journal, Patient("MRN-7", 72), "ana", clock.now())
    controller = SessionController(engine, clock)
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    try:
        clock.advance(600)
        now = clock.now()
        # The monitor's clock is 8 minutes ahead: its NIBP "measured" in the future.
        engine.ingest_message([device("bp_systolic", 140, now, -480), device("bp_diastolic", 90, now, -480)],
                          now)
        window.refresh()
        assert window.trend.curve_data("bp_systolic", False)[0].tolist() == [10.0]
        assert not window.trend.notice.isHidden()
        assert window.trend.notice.full_text().startswith("Monitor clock 8 min ahead of this console")
    finally:
        controller.stop()
    detail = load_session(log.conn, engine.session_id, with_observations=True)
    review = TrendPlot.for_session(protocol, *rc.trend_inputs(detail), detail.summary.started_at)
    qtbot.addWidget(review)
    assert review.curve_data("bp_systolic", False)[0].tolist() == [10.0]
    assert not review.notice.isHidden()


def test_a_resumed_window_shows_the_whole_session_from_the_log(tmp_path, qtbot, protocol):
    """Issue 11 item 6: the journal keeps its newest 5,000 records, so a resumed session's trend
    started ~14 minutes before the restart; pre-session, T0 and the peak were missing."""
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    clock = ManualClock(START)
    engine = SessionEngine.open(protocol, log, Patient("MRN-7", 72), "ana", clock.now())
    engine.enter_manual("bp_systolic", 132, "ana", clock.now())   # pre-session, minute 0
    engine.enter_manual("bp_diastolic", 84, "ana", clock.now())
    to_t0(engine, clock)
    # 25 minutes at 1 Hz, four vitals (~6,000 records), HR peaking at 150 at minute 10.
    for second in range(25 * 60):
        clock.advance(1)
        now = clock.now()
        hr = 150 if second == 5 * 60 else 80
        engine.ingest_message([device("heart_rate", hr, now), device("pulse_rate", 81, now),
                           device("spo2", 97, now), device("resp_rate", 15, now)], now)
    rows = log.observations(engine.session_id)
    assert len(rows) > 5000
    # The console dies; it starts again a minute later and the nurse resumes the session.
    clock.advance(60)
    cleanups = []
    window = MainWindow(log, load_protocols(default_protocol_dirs()), clock, RecordingAudioOut(),
                        cleanups, Answers(), Answers())
    qtbot.addWidget(window)
    try:
        live = window.resume(log.open_sessions()[0])
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        trend = live.trend
        x, y = trend.curve_data("heart_rate", False)
        assert x.size == 25 * 60 and x[0] == pytest.approx(5 + 1 / 60)   # from the first value
        assert 150 in y
        assert trend.curve_data("bp_systolic", True)[0].tolist() == [0.0]   # pre-session BP
        assert "T0 dose" in [text for _, text, _ in trend.markers()]
        # The panels follow the last 15 minutes; the strip above them shows the whole session,
        # peak included (getData: what is drawn after downsampling).
        assert trend.x_range()[0] > 15
        ox, oy = trend.overview_lines["heart_rate"].getData()
        assert ox.min() < 6 and 150 in oy
    finally:
        if window.controller is not None:
            window.controller.stop()
        for cleanup in reversed(cleanups):
            cleanup()

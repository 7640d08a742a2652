"""The course trend's data (console/review/course_trend.py): each session of a course in minutes
from its own T0, its values placed by the one rule of every trend, and the limits its protocol
draws. No Qt here; tests/review/test_course_trend_view.py reads the same from the window."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC
from pathlib import Path


from console.review import content as rc
from console.review import course_trend, queries
from console.review.course_trend import (
    CourseTrend,
    SessionTrace,
    course_limits,
    legend_text,
    load_course_trend,
    relative_limits_text,
)
from console.review.queries import load_course, open_readonly
from protocols.model import Priority
from tests.review.course_sessions import PATIENT


def read_trend(path: Path, installed, include_demo: bool = True) -> CourseTrend:
    conn = open_readonly(path)
    try:
        return load_course_trend(conn, load_course(conn, PATIENT, include_demo), installed)
    finally:
        conn.close()


def session(trend: CourseTrend, session_id: int) -> SessionTrace:
    return next(s for s in trend.sessions if s.row.session_id == session_id)


def points(trend: CourseTrend, session_id: int, metric: str) -> list[tuple[float, float]]:
    trace = session(trend, session_id).vitals[metric]
    return [(round(float(t), 2), float(v)) for t, v in zip(trace.minutes, trace.values,
                                                           strict=True)]


def test_each_session_is_drawn_in_minutes_from_its_own_t0(course_log, installed):
    path, ids = course_log
    trend = read_trend(path, installed)
    # T0 came 5 minutes after the start in one session and 12 in the other: the BP taken 30
    # minutes after each T0 stands at +30 in both, each baseline before 0.
    assert points(trend, ids["first"], "bp_systolic") == [(-5.0, 124.0), (10.0, 150.0),
                                                          (30.0, 170.0)]
    assert points(trend, ids["late_t0"], "bp_systolic") == [(-12.0, 124.0), (30.0, 226.0)]
    assert session(trend, ids["late_t0"]).from_t0
    assert legend_text(session(trend, ids["late_t0"]), "Session 2", UTC) == (
        "Session 2 · 05 Mar 2026")


def test_a_session_never_dosed_is_drawn_from_its_start_and_its_legend_says_so(course_log,
                                                                               installed):
    path, ids = course_log
    trend = read_trend(path, installed)
    undosed = session(trend, ids["undosed"])
    assert not undosed.from_t0
    assert points(trend, ids["undosed"], "bp_systolic") == [(0.0, 150.0), (10.0, 148.0)]
    assert legend_text(undosed, rc.course_header(undosed.row), UTC) == (
        "Session 4 · 09 Mar 2026 · no T0 (never dosed): from its start")


def test_a_corrected_value_is_drawn_at_its_corrected_value_where_it_was_measured(course_log,
                                                                                 installed):
    path, ids = course_log
    systolic = points(read_trend(path, installed), ids["first"], "bp_systolic")
    assert (10.0, 150.0) in systolic            # "150 (corrected from 250)", at T0 + 10
    assert all(value != 250 for _, value in systolic)


def test_a_value_entered_in_error_is_not_drawn(course_log, installed):
    path, ids = course_log
    assert points(read_trend(path, installed), ids["first"], "spo2") == [(-5.0, 98.0),
                                                                         (20.0, 97.0)]


def test_demo_and_test_readings_are_never_drawn(course_log, installed):
    path, ids = course_log
    trend = read_trend(path, installed)
    # A monitor in TEST mode beside its real HR 80: the 190 is not the patient's.
    assert points(trend, ids["first"], "heart_rate") == [(-5.0, 70.0), (20.0, 80.0)]
    # Nor, in a demo session, the monitor's DEMO value (its plain one still draws).
    assert points(trend, ids["demo"], "spo2") == [(10.0, 96.0)]


def test_readings_taken_one_at_a_time_are_marked_and_continuous_ones_are_not(course_log,
                                                                             installed):
    path, ids = course_log
    first = session(read_trend(path, installed), ids["first"])
    heart = first.vitals["heart_rate"]
    assert list(zip(heart.measured_minutes, heart.measured_values)) == [(-5.0, 70.0)]   # typed
    systolic = first.vitals["bp_systolic"]
    assert list(systolic.measured_values) == [124.0, 150.0, 170.0]


def test_mean_bp_and_pulse_have_a_panel_only_when_the_course_has_them(course_log, installed):
    path, _ = course_log
    assert read_trend(path, installed).metrics() == (
        "bp_systolic", "bp_diastolic", "heart_rate", "pulse_rate", "spo2", "resp_rate")


def test_the_limits_are_the_fixed_limits_of_the_protocol_the_sessions_ran(course_log,
                                                                         installed):
    path, _ = course_log
    trend = read_trend(path, installed)
    assert [(x.text, x.priority) for x in trend.limits_of("bp_systolic")] == [
        ("≥200", Priority.HIGH), ("≥180", Priority.MEDIUM)]
    assert [x.text for x in trend.limits_of("spo2")] == ["≤93", "≤90"]
    # A limit over each session's own baseline is not one line for the course: said, not drawn.
    assert relative_limits_text(trend) == (
        "Not drawn: limits relative to each session's baseline (Systolic BP ≥ baseline + 40, "
        "Diastolic BP ≥ baseline + 25); each session's own trend draws them.")


def test_a_limit_two_protocol_versions_draw_at_two_priorities_is_one_line_the_higher(
        installed):
    # A clinic raised the systolic ≥180 limit from medium to high between two sessions.
    before = installed["iv-ketamine"]
    after = replace(before, version="next", alarms=tuple(
        replace(rule, priority=Priority.HIGH) if rule.at_or_above == 180 else rule
        for rule in before.alarms))
    for protocols in ([before, after], [after, before]):
        limits, _ = course_limits(protocols)
        assert [(x.text, x.priority) for x in limits if x.metric == "bp_systolic"] == [
            ("≥200", Priority.HIGH), ("≥180", Priority.HIGH)]


def test_an_ended_session_is_read_once_and_a_session_still_open_each_time(
        course_log, installed, monkeypatch):
    path, ids = course_log
    read: list[int] = []
    real = queries.trend_records

    def counted(conn, session_id):
        read.append(session_id)
        return real(conn, session_id)

    monkeypatch.setattr(course_trend.queries, "trend_records", counted)
    conn = open_readonly(path)
    try:
        rows = load_course(conn, PATIENT)
        known: course_trend.KnownTraces = {}
        first = load_course_trend(conn, rows, installed, known)
        again = load_course_trend(conn, rows, installed, known)
    finally:
        conn.close()
    everyone = [ids[k] for k in ("first", "late_t0", "undosed", "open")]
    assert read == [*everyone, ids["open"]]
    assert points(again, ids["first"], "bp_systolic") == points(first, ids["first"],
                                                                "bp_systolic")


def test_the_course_trend_is_read_without_qt():
    """Its data path loads no Qt at run time (tests/test_layers.py does so for the others)."""
    code = ("import sys, console.review.course_trend; print(','.join(sorted(m for m in "
            "sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == ""


def test_the_cuffs_pulse_is_a_measured_point_and_joins_the_line_only_without_an_oximeter():
    # As on the session's trend (trend_feed.py): joined to the oximeter's pulse it drew a dip.
    from datetime import datetime, timedelta
    from types import SimpleNamespace

    from console.records import ObservationRecord
    from devices.reading import NIBP_PULSE

    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def pulse(row, value, minute, flags=frozenset()):
        at = start + timedelta(minutes=minute)
        return row, ObservationRecord(1, "pulse_rate", value, "/min", "hl7:MON", at, at,
                                      "engine", flags=flags)

    cuff = frozenset({NIBP_PULSE})
    row = SimpleNamespace(started_at=start, first_dose_at=None)   # never dosed: from its start
    with_oximeter = course_trend._trace(
        row, [pulse(1, 124, 1), pulse(2, 80, 1.5, cuff), pulse(3, 126, 2)], []).vitals[
        "pulse_rate"]
    assert list(with_oximeter.values) == [124, 126]
    assert list(zip(with_oximeter.measured_minutes, with_oximeter.measured_values)) == [(1.5, 80)]
    cuff_only = course_trend._trace(row, [pulse(1, 80, 5, cuff), pulse(2, 84, 10, cuff)],
                                    []).vitals["pulse_rate"]
    assert list(cuff_only.values) == [80, 84]
    assert list(cuff_only.measured_values) == [80, 84]


def test_a_monitor_disconnection_breaks_the_line_where_the_sessions_own_trend_breaks_it(tmp_path):
    """HR 80-88, the monitor unplugged for 48 s, then 140: the session's trend breaks its line
    at the disconnection (`trend_feed.breaks_lines`); the course joined 88 to 140 across it,
    a rise nobody measured."""
    from datetime import datetime

    import numpy as np

    from console.session.trend_feed import TrendFeed
    from console.store import EventLog
    from tests.review.course_sessions import _dosed

    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        r = _dosed(log, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1, 5)   # T0 at minute 5
        r.engine.device_state_changed("connected", r.clock.now())
        for k in range(9):                                              # HR every 30 s
            r.at(6 + k * 0.5); r.device(heart_rate=80 + k)
        r.at(10.2)                                                      # unplugged
        r.engine.device_state_changed("disconnected", r.clock.now(), "cable unplugged")
        r.at(11.0)
        r.engine.device_state_changed("connected", r.clock.now())
        r.at(11.1); r.device(heart_rate=140)
        r.at(11.6); r.device(heart_rate=141)
    finally:
        log.close()
    conn = open_readonly(path)
    try:
        course = read_trend(path, {})
        detail = queries.load_session(conn, r.id, with_observations=True)
    finally:
        conn.close()
    own = TrendFeed(detail.summary.started_at)
    own.load(*rc.trend_inputs(detail))
    t, v = own.series("heart_rate", False)
    assert np.isnan(v[(t >= 10.0) & (t < 11.1)]).any()   # the session's trend: broken
    trace = session(course, r.id).vitals["heart_rate"]
    across = (trace.minutes >= 10.0 - 5) & (trace.minutes < 11.1 - 5)   # minutes from T0
    assert np.isnan(trace.values[across]).any(), points(course, r.id, "heart_rate")

"""Esketamine, device 1 given 10 minutes after the T0 confirmation: the session's header, its
PDF, the REMS draft and the chair count from device 1 (`content.first_dose`, README
"Esketamine"), but the course counted the same session's discharge and peaks from the T0
confirmation ("145 (T0 + 135 min)", "150 at T0 + 50 min") and drew its T+40 BP at 50 min on the
course trend: two T0s for one session (a clinician's review)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from console.export import rems
from console.review import content as rc
from console.review.course_trend import load_course_trend
from console.review.queries import load_course, load_session, open_readonly
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.review.late_device_sessions import PATIENT, late_device

ESKETAMINE = load_protocol(builtin_protocols_dir() / "esketamine.toml")


def test_the_course_counts_discharge_and_peaks_from_the_first_device_as_the_header(
        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    sid = late_device(path, device_after_t0=10)          # T0 10:10, device 1 10:20
    conn = open_readonly(path)
    try:
        detail = load_session(conn, sid, with_observations=True)
        (row,) = load_course(conn, PATIENT)
    finally:
        conn.close()
    # The session's own record: first dose 10:20, discharged 125 min after it; its BP of 150/92
    # is the REMS draft's T+40.
    header = dict(rc.header_fields(detail, UTC))
    form = rems.rems_form(detail, UTC)
    assert (header["T0 (first dose)"], header["Discharged"]) == ("10:20", "12:25 (T0 + 125 min)")
    assert form.bp_t_plus_40 is not None and form.bp_t_plus_40.minutes_after_dose == 40
    assert form.total_monitoring_minutes == 125
    # The course's column of the same session says the same minutes.
    cells = rc.course_cells(row, UTC)
    assert (cells["discharge"], cells["peak_systolic"], cells["peak_heart_rate"]) == (
        "145 (T0 + 125 min)", "150 at T0 + 40 min", "76 at T0 + 40 min"), cells


def test_a_device_given_at_the_t0_confirmation_leaves_the_course_at_t0(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    late_device(path, device_after_t0=0)                 # T0 and device 1 at 10:10
    conn = open_readonly(path)
    try:
        (row,) = load_course(conn, PATIENT)
    finally:
        conn.close()
    cells = rc.course_cells(row, UTC)
    assert (row.t0_minute, cells["discharge"], cells["peak_systolic"]) == (
        10.0, "135 (T0 + 125 min)", "150 at T0 + 40 min"), cells


def test_the_course_trend_draws_the_t40_bp_at_40_min_from_the_first_device(
        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    late_device(path, device_after_t0=10)                # BP 150 at 11:00, 40 min after device 1
    conn = open_readonly(path)
    try:
        rows = load_course(conn, PATIENT)
        trend = load_course_trend(conn, rows, {"esketamine": ESKETAMINE})
    finally:
        conn.close()
    (session,) = trend.sessions
    trace = session.vitals["bp_systolic"]
    # The single-session trend marks "T0 dose" at device 1 (10:20): the course's minute 0.
    at = list(trace.measured_values).index(150.0)
    assert (session.from_t0, float(trace.measured_minutes[at])) == (True, 40.0)

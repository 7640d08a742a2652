"""The course's minutes across a wall-clock step (NTP) the console logged: counted as the
console's timers ran, as the session's own review counts them (review 45, `clock_steps`).

The course had counted them by wall time: NTP setting the clock an hour forward 15 minutes into
an IV infusion read a BP typed at T0 + 30 "172 at T0 + 90 min", and a clock set back 30 min
made an infusion run its whole 40 minutes "36 mg planned; ended at 10 of 40 min". A session
whose clock was set then compared wrongly with the others of its course.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from console.clock import Moment
from console.review import content as rc
from console.review.queries import load_course, load_session, open_readonly
from console.store import EventLog
from devices.reading import Reading
from tests.review.scenarios import CHANNELS, MONITOR, Driver

PATIENT = "MRN-STEP"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _session(path: Path, step_minutes: float, bp_at: float = 35, cuff_at: float | None = None,
             discharge_at: float | None = None) -> int:
    """IV ketamine, T0 at real 09:05; at real 09:20 (T0 + 15) the station's clock is set
    `step_minutes`; BP 172/96 typed at real `bp_at` minutes from the start; the infusion phase
    ends at real 09:45 (T0 + 40, its whole 40 minutes). `cuff_at`: a monitor's NIBP 181/99
    measured then, delivered 2 minutes later. `discharge_at`: discharged then (override)."""
    with EventLog.open(path, "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", PATIENT, 72.0, "nurse.ana", START, 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()                                    # T0
        r.at(20)
        now = r.clock.now()
        r.clock._now = Moment(now.mono, now.wall + timedelta(minutes=step_minutes))
        r.at(21)                                                # logged: clock_stepped
        r.at(bp_at); r.manual(bp_systolic=172, bp_diastolic=96)
        if cuff_at is not None:
            r.at(cuff_at)
            measured = r.clock.now().wall
            r.at(cuff_at + 2)
            now = r.clock.now()
            for name, value in (("bp_systolic", 181.0), ("bp_diastolic", 99.0)):
                r.engine.ingest(Reading(name, value, "mmHg", measured, now.wall, MONITOR,
                                        CHANNELS[name]), now)
        r.at(45); r.tick_required(); r.advance()                # the infusion's 40 min
        if discharge_at is not None:
            r.at(discharge_at)
            assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="home").done
        return r.id


def _cells(path: Path) -> dict[str, str]:
    conn = open_readonly(path)
    try:
        (row,) = load_course(conn, PATIENT)
    finally:
        conn.close()
    return rc.course_cells(row, UTC)


def test_a_clock_set_forward_leaves_the_peaks_minute_as_the_session_reads_it(
        tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    session = _session(path, 60)
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session)
    finally:
        conn.close()
    # The session's vitals table: typed at real 09:35, the clock reading 10:35, "+35".
    (typed,) = [r for r in rc.vital_rows(detail, UTC) if r[2] == "172/96"]
    assert typed[:2] == ("10:35", "+35")
    cells = _cells(path)
    assert cells["peak_systolic"] == "172 at T0 + 30 min"       # not "T0 + 90"
    assert cells["peak_diastolic"] == "96 at T0 + 30 min"
    assert cells["dose"] == "36 mg (0.5 mg/kg)"


def test_a_cuffs_peak_measured_after_a_clock_set_forward_counts_as_the_console_ran(
        tmp_path: Path) -> None:
    # The monitor measured 181/99 at real 09:40 (T0 + 35), delivered at 09:42: placed at its
    # measured time, as every trend places an NIBP.
    path = tmp_path / "s.sqlite3"
    _session(path, 60, cuff_at=40)
    assert _cells(path)["peak_systolic"] == "181 at T0 + 35 min"   # not "T0 + 95"


def test_minutes_to_discharge_leave_a_clock_set_forward_out(
        tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    _session(path, 60, discharge_at=50)
    assert _cells(path)["discharge"] == "50 (T0 + 45 min) ⚠ against the gate"   # not "110"


def test_an_infusion_run_whole_reads_whole_after_a_clock_set_back(
        tmp_path: Path) -> None:
    # Set back 30 min at T0 + 15: the infusion's end logged 10 wall minutes after T0.
    path = tmp_path / "s.sqlite3"
    _session(path, -30, bp_at=60)
    assert _cells(path)["dose"] == "36 mg (0.5 mg/kg)"   # not "…; ended at 10 of 40 min"


def test_a_peak_a_step_back_leaves_unplaced_reads_a_question_mark(
        tmp_path: Path) -> None:
    # Set back 30 min at real 09:20 (it read 08:50): the BP typed at real 09:35 reads 09:05, a
    # time the clock read before the step too: the session's "Min" column reads "?" for it.
    path = tmp_path / "s.sqlite3"
    _session(path, -30)
    assert _cells(path)["peak_systolic"] == f"172 at T0 + {rc.UNKNOWN_MINUTE} min"   # not "+ 0"

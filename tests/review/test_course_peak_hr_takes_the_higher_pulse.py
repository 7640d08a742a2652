"""A chair whose monitor has an oximeter and no ECG: the nurse types the baseline HR 70 (counted
by hand) before dosing; during the infusion the oximeter's pulse rises to 128 and raises the
pulse-rate alarm (the heart rate's limits, watched while no monitor heart rate comes). The
course's "Peak HR (or pulse)" took the pulse only when the session had no heart rate at all: the
typed baseline was one, and the course read "70 at T0 − 5 min" for a session whose pulse reached
128 and alarmed (a review of the course). The chair counts either as the HR
(`VitalsCheck`: ("heart_rate", "pulse_rate")): where no ECG sent a heart rate the peak is the
higher of the two (tests/review/test_pulse_as_heart_rate_without_ecg.py: an ECG's is the HR).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.review import content as rc
from console.review.queries import load_course, load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_course_peak_hr_is_the_alarming_oximeter_pulse_beside_a_typed_baseline_hr(
        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-PULSE", 72.0, "nurse.ana", START, 1)
        # The baseline, HR 70 counted by hand: no ECG on this monitor.
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()                                   # T0 at 09:05
        # The oximeter's pulse, 128 from T0 + 15 to T0 + 19 min.
        for minute in range(6, 40):
            r.at(minute)
            r.device(pulse_rate=128 if 20 <= minute < 25 else 84, spo2=97)
        session = r.id
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session)
        (row,) = load_course(conn, "MRN-PULSE")
    finally:
        conn.close()
    # The session's own record: the pulse alarm at 128.
    assert [a.condition for a in detail.alarms if a.category == "physiological"] == [
        "pulse_rate_high"]
    # The course: the pulse's peak and its minute, not the typed baseline's 70.
    assert rc.course_cells(row, UTC)["peak_heart_rate"] == "128 at T0 + 15 min"

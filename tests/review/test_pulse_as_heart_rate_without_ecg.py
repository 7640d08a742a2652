"""An SpO2 + NIBP monitor sends no ECG heart rate: the review shows its oximeter's pulse where
the heart rate goes, marked as the pulse, as the chair counted it.

The chair takes the pulse as the HR (README: a baseline HR, and the scheduled checks' "BP, HR
and SpO2", take `["heart_rate", "pulse_rate"]`; protocols/model.py `VitalsCheck`). The review's
vitals table, and the PDF from the same rows, read "—" under "HR /min" at every row, as if no HR
was taken all session; the course's "Peak heart rate" read "—" though the pulse rose to 118 and
raised its alarm.
"""

from __future__ import annotations

from datetime import UTC, datetime

from console.review import content as rc
from console.review.queries import load_course, load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _spo2_nibp_session(tmp_path, ecg: bool = False):
    """An SpO2 + NIBP monitor (with an ECG's heart rate too when `ecg`): its pulse every minute,
    118 at minute 12, a cuff every 5 min; RR and MOAA/S typed; T0 at 09:05. Returns (the
    session's detail, its protocol, the engine's alarms at the end, the patient's course)."""
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    r = Driver(log, "iv-ketamine", "MRN-31", 72.0, "nurse.ana", START, 1)
    r.device(pulse_rate=72, spo2=98, bp_systolic=124, bp_diastolic=80,
             **({"heart_rate": 71} if ecg else {}))
    r.manual(resp_rate=14)
    r.tick_required()
    r.at(5)
    r.advance()                                                       # T0 09:05
    for minute in range(6, 30):
        r.at(minute)
        r.device(pulse_rate=118 if minute == 12 else 76, spo2=97,
                 **({"heart_rate": 75} if ecg else {}))
        if minute % 5 == 0:
            r.device(bp_systolic=130, bp_diastolic=82)
        if minute in (19, 29):
            r.manual(resp_rate=14, moaas=5)
    alarms = list(r.engine.alarms())
    sid = r.id
    log.close()
    conn = open_readonly(tmp_path / "log.sqlite3")
    try:
        return (load_session(conn, sid, with_observations=True), r.protocol, alarms,
                load_course(conn, "MRN-31"))
    finally:
        conn.close()


def test_vitals_table_hr_column_of_an_spo2_and_nibp_monitor_shows_its_pulse(tmp_path):
    detail, protocol, alarms, _ = _spo2_nibp_session(tmp_path)
    # The chair counted "BP, HR and SpO2" met by the pulse: nothing of it is due or overdue.
    due = [o for o in alarms if o.condition.startswith("vitals_due:BP")]
    assert not due, [(o.condition, o.priority) for o in due]
    rows = rc.vital_rows(detail, UTC, protocol)
    assert rows, rows
    # Every row has the pulse under "HR /min", said to be the pulse; the baseline's too.
    assert [row[3] for row in rows] == [
        "72 (pulse)" if row[0] == "09:00" else "76 (pulse)" for row in rows], rows
    assert rows[0][0] == "09:00", rows[0]
    # The row says its HR came from the monitor, as a device HR's row does.
    assert all(row[6].startswith(("device", "manual + device")) for row in rows), rows


def test_vitals_table_hr_column_with_an_ecg_shows_the_heart_rate_unmarked(tmp_path):
    detail, protocol, _, _ = _spo2_nibp_session(tmp_path, ecg=True)
    rows = rc.vital_rows(detail, UTC, protocol)
    assert rows, rows
    assert [row[3] for row in rows] == ["71" if row[0] == "09:00" else "75" for row in rows], rows


def test_course_peak_heart_rate_of_an_spo2_and_nibp_monitor_is_its_pulse(tmp_path):
    detail, _, _, course = _spo2_nibp_session(tmp_path)
    # The pulse has the HR's limits: its medium ">110" alarm sounded at 118.
    assert [a.condition for a in detail.alarms if a.category == "physiological"] == [
        "pulse_rate_high"]
    (row,) = course
    assert row.peak_heart_rate == 118, row.peak_heart_rate
    assert row.peak_heart_rate_minute == 12.0, row.peak_heart_rate_minute


def test_course_peak_heart_rate_with_an_ecg_is_the_ecgs(tmp_path):
    _, _, _, course = _spo2_nibp_session(tmp_path, ecg=True)
    (row,) = course
    assert row.peak_heart_rate == 75, row.peak_heart_rate

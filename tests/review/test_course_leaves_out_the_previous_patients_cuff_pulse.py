"""The monitor's first message carries its last cuff (BP and the cuff's pulse, flagged NIBP),
measured 3 h before the session opened: the previous patient's. No ECG heart rate comes (an
oximeter and a cuff), so the oximeter's pulse, 72-78, is the session's heart rate. The session's
review leaves the whole cuff out (`rows_before_the_session`: its BP and its pulse go together);
the course left the BP out but placed the cuff's pulse at its arrival, its flags unread, and gave
131 as this session's peak heart rate (a review of the course).
"""

from __future__ import annotations

from datetime import UTC, timedelta

from console.review import content as rc
from console.review.queries import (
    load_course,
    load_session,
    open_readonly,
    rows_before_the_session,
)
from console.store import EventLog
from devices.reading import NIBP_PULSE
from tests.session.helpers import START
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401


def _session(log: EventLog) -> int:  # noqa: F811
    s = LoggedSession(log)
    s.engine.device_state_changed("connected", s.now())
    s.t(5)
    # The oximeter, and the cuff the monitor took of the previous patient 3 h ago.
    old = START - timedelta(hours=3)
    s.device("spo2", 97); s.device("pulse_rate", 72)
    s.device("bp_systolic", 196, measured_at=old)
    s.device("bp_diastolic", 104, measured_at=old)
    s.device("pulse_rate", 131, measured_at=old, flags=frozenset({NIBP_PULSE}))
    # This patient's BP typed; the oximeter's pulse to 78 at 10 min.
    s.t(60); s.manual("bp_systolic", 118, confirmed=True)
    s.manual("bp_diastolic", 76, confirmed=True)
    s.t(65); s.device("spo2", 97); s.device("pulse_rate", 74)
    s.t(600); s.device("spo2", 98); s.device("pulse_rate", 78)
    return s.engine.session_id


def test_the_previous_patients_cuff_pulse_is_not_this_sessions_peak_heart_rate(
        log: EventLog) -> None:  # noqa: F811
    session = _session(log)
    log.close()
    conn = open_readonly(log.path)
    try:
        pid = conn.execute("SELECT patient_id FROM sessions WHERE id = ?", [session]).fetchone()[0]
        (row,) = load_course(conn, pid)
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    # The session's own review: the old cuff, its pulse too, is none of this session's values.
    early = rows_before_the_session(detail)
    assert {(o.metric, o.value) for o in detail.observations if o.id in early} == {
        ("bp_systolic", 196), ("bp_diastolic", 104), ("pulse_rate", 131)}
    # The course alike: neither the cuff's BP nor its pulse; the oximeter's pulse is the peak.
    cells = rc.course_cells(row, UTC)
    assert cells["peak_systolic"] == "118 at 1 min", cells["peak_systolic"]
    assert cells["peak_heart_rate"] == "78 at 10 min", cells["peak_heart_rate"]

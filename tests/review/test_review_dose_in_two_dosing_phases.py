"""The review's dose of an infusion given in two dosing phases (a clinic's 40-min infusion as
10 + 30 min, tests/session/test_iv_infusion_in_two_phases.py) reads as the chair's dose line and
the course read it: the dosing runs from T0 to the end of the last dosing phase.

The review's header (and the PDF, the same fields) measured the first dosing phase only: a whole
infusion read "36 mg at 150 mL/h (planned; infusion ended after 10:00 of 40 min)", and a session
in its second dosing phase "ended after 10:00" while the pump ran (a review of the session's
diff).
"""

from __future__ import annotations

from datetime import UTC

from console.clock import ManualClock
from console.review.content import course_cells, header_fields
from console.review.queries import load_course, open_readonly
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from tests.review.logged_session import START, LoggedSession
from tests.session.test_iv_infusion_in_two_phases import split_infusion

MIN = 60
PATIENT = "MRN-7"


def split_session(tmp_path) -> LoggedSession:
    """The split protocol's session, 36 mg at 150 mL/h, in its pre-dose phase."""
    clock = ManualClock(START)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = SessionEngine.open(split_infusion(), log, Patient(PATIENT, 72.0), "ana", clock.now(),
                                details={"dose_mg": 36.0, "pump_rate_ml_h": 150.0})
    return LoggedSession(engine, clock, log)


def to_second_dosing_phase(s: LoggedSession) -> None:
    """T0 a minute in, then the first dosing phase's 10 min."""
    engine, clock = s.engine, s.clock
    assert engine.advance_phase("ana", clock.advance(MIN), override_reason="on paper").done
    assert engine.advance_phase("ana", clock.advance(10 * MIN), override_reason="on paper").done
    assert engine.phase.id == "infusion" and engine.phase.kind.value == "dosing"


def review_dose(s: LoggedSession) -> tuple[str, str]:
    """The session header's dose and the course's, as the review shows them."""
    detail = s.detail()
    conn = open_readonly(s.log.path)
    try:
        [row] = load_course(conn, PATIENT)
    finally:
        conn.close()
    return dict(header_fields(detail, UTC))["Dose"], course_cells(row, UTC)["dose"]


def test_a_whole_infusion_in_two_dosing_phases_reads_given(tmp_path):
    s = split_session(tmp_path)
    to_second_dosing_phase(s)
    # The second phase's 30 min: the whole 40-min infusion, then observation and discharge.
    assert s.engine.advance_phase("ana", s.clock.advance(30 * MIN), override_reason="x").done
    assert s.engine.phase.kind.value == "observation"
    assert s.engine.discharge("ana", s.clock.advance(60 * MIN), override_reason="well").done
    header, course = review_dose(s)
    assert header == "36 mg at 150 mL/h"   # read "(planned; infusion ended after 10:00 of 40 min)"
    assert course == "36 mg (0.5 mg/kg)"


def test_an_infusion_stopped_in_its_second_dosing_phase_reads_its_minutes(tmp_path):
    s = split_session(tmp_path)
    to_second_dosing_phase(s)
    # Stopped for nausea 25 min after T0, in the second phase.
    assert s.engine.advance_phase("ana", s.clock.advance(15 * MIN), override_reason="x").done
    header, course = review_dose(s)
    assert header == "36 mg at 150 mL/h (planned; infusion ended after 25:00 of 40 min)"
    assert "ended at 25:00 of 40 min" in course, course


def test_a_session_in_its_second_dosing_phase_is_still_infusing(tmp_path):
    s = split_session(tmp_path)
    to_second_dosing_phase(s)
    s.clock.advance(5 * MIN)
    s.engine.enter_manual("heart_rate", 72, "ana", s.clock.now())   # the record's last: T0 + 15
    header, course = review_dose(s)
    assert header == ("36 mg at 150 mL/h (planned; session not ended, infusion at 15:00 of "
                      "40 min)")                   # read "infusion ended after 10:00 of 40 min"
    assert "infusion at 15:00 of 40 min" in course, course

"""A correction entered in error takes the measurement it stands for with it (README: "a
correction taken back included"), and the "Repeat Systolic BP" only that measurement asked
goes with it, live as after a restart: a repeat asked since by a value that stands is timed
from that value. Put back with the trackers as they were before the correction, the 194's repeat
(withdrawn when it was corrected to 171) came back owed from the 194's time, and the late cuff
197 that asked its own repeat since was asked to repeat 5 min early (a review)."""

from __future__ import annotations

from datetime import timedelta

from devices.reading import Reading
from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)


def cuff(s: DosedSession, systolic: float, diastolic: float, late_s: float = 0) -> None:
    """The monitor's NIBP, measured `late_s` before it comes."""
    now = s.now()
    at = now.wall - timedelta(seconds=late_s)
    assert s.engine.ingest_message([
        Reading("bp_systolic", systolic, "mmHg", at, now.wall, "hl7:MON", "NIBP"),
        Reading("bp_diastolic", diastolic, "mmHg", at, now.wall, "hl7:MON", "NIBP")], now)


def test_the_late_cuffs_repeat_is_timed_from_it_once_the_corrected_cuff_is_taken_back() -> None:
    s = DosedSession(IV)
    s.engine.device_state_changed("connected", s.now())
    s.t(60)
    cuff(s, 194, 95)                                   # >= 180: repeat due at 6 min
    s.t(362)
    row = s.engine._state.rows["bp_systolic"][-1][0]
    assert s.engine.correct(row, "bp_systolic", 171, NURSE, s.now(),
                            reason="cuff misread").value == 171   # the 194's repeat withdrawn
    s.t(363)
    cuff(s, 197, 88, late_s=90)                        # asks its own repeat, due at 11:03
    s.t(364)
    row = s.engine._state.rows["bp_systolic"][-2][0]   # the correction to 171
    assert s.engine.void(row, "bp_systolic", NURSE, s.now(), reason="wrong chair").done
    due, prompts = s.as_after_a_restart()
    assert ("Repeat Systolic BP", 11.05, ("bp_systolic",), False) in due
    assert not any(p[0] == "vitals_due:Repeat Systolic BP" for p in prompts)

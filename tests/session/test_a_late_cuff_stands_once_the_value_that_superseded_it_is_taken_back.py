"""A cuff delivered late, measured before the BP that stood when it came, is history (`_accept`:
never judged). Once that standing value is entered in error, it counts nowhere, live as after a
restart (README: "A value entered in error counts nowhere, live as after a restart"): the
restart's replay, which skips it, finds the cuff the newest measurement when it came and judges
it. Live it stayed history: a cuff diastolic of 121 asked no "Repeat Diastolic BP" live, and one
was owed after a restart (a review)."""

from __future__ import annotations

from datetime import timedelta

from devices.reading import Reading
from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)


def late_cuff(s: DosedSession, systolic: float, diastolic: float, late_s: float) -> None:
    now = s.now()
    at = now.wall - timedelta(seconds=late_s)
    assert s.engine.ingest_message([
        Reading("bp_systolic", systolic, "mmHg", at, now.wall, "hl7:MON", "NIBP"),
        Reading("bp_diastolic", diastolic, "mmHg", at, now.wall, "hl7:MON", "NIBP")], now)


def test_a_late_cuff_diastolic_of_121_asks_its_repeat_once_the_typed_bp_is_taken_back() -> None:
    s = DosedSession(IV)
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.bp(120, 93)                 # typed: the next chair's, it turns out
    s.t(61); late_cuff(s, 184, 121, 20)    # measured at 0:41, before the typed BP: history
    s.t(62); s.bp(149, 83)
    assert not any(name.startswith("Repeat") for name, *_ in s.due())
    s.t(362)
    row = s.engine._state.rows["bp_diastolic"][1][0]   # the 93 (after the cuff it superseded)
    assert s.engine.void(row, "bp_diastolic", NURSE, s.now(), reason="next chair's").done
    due, prompts = s.as_after_a_restart()
    # The cuff's 121 (>= 110) asked its repeat 5 min after it came; the 83 came too soon to
    # meet it: owed, due now.
    assert ("Repeat Diastolic BP", 6.02, ("bp_diastolic",), False) in due
    assert ("vitals_due:Repeat Diastolic BP", "info",
            "Vitals due: Repeat Diastolic BP (Diastolic BP)") in prompts


def test_a_late_cuff_measured_before_t0_is_the_baseline_once_the_bp_after_t0_is_taken_back(
) -> None:
    # No BP before the dose: the first after T0 is the baseline (a typed 135). The monitor's
    # cuff measured before T0 (172) comes after it: history. The 135 was the next chair's:
    # entered in error, the cuff stands and is the baseline, live as after a restart (live the
    # 135 stayed the baseline: "+54 from baseline 135" for a 189).
    s = DosedSession(IV)
    s.t(300)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="ticked on paper").done   # T0
    s.engine.device_state_changed("connected", s.now())
    s.t(302); s.bp(135, 81)
    s.t(303); late_cuff(s, 172, 85, 90)
    s.t(304)
    row = s.engine._state.rows["bp_systolic"][-1][0]   # the typed 135, after the cuff's place
    assert s.engine.void(row, "bp_systolic", NURSE, s.now(), reason="next chair's").done
    assert s.engine.baseline["bp_systolic"] == 172
    s.t(305); late_cuff(s, 189, 91, 0)
    alarms = sorted((o.condition, o.priority.label, o.message) for o in s.engine.alarms()
                    if o.condition.startswith("bp_systolic"))
    assert alarms == [("bp_systolic_high", "medium", "Systolic BP 189 mmHg (+17 from baseline "
                                                     "172), limit ≥180 or ≥40 above baseline")]
    assert sorted((o.condition, o.priority.label, o.message) for o in s.restarted().alarms()
                  if o.condition.startswith("bp_systolic")) == alarms

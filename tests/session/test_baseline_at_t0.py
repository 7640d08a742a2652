"""The limits relative to the baseline start to apply at T0: the values standing then are judged
at once, live and after a restart (an alarm review, 4 Dec 2026: a BP already 40 above its
ticked baseline raised nothing until the next cuff measurement, 10 minutes into the infusion)."""

from __future__ import annotations

from tests.session.helpers import Session
from tests.session.test_correction_alarms import restart
from tests.session.test_resume import repeat_prompt, resume

MIN = 60


def bp_alarms(s: Session) -> dict[str, str]:
    return {c: p for c, p, _ in s.shown() if c.startswith("bp_")}


def ticked_at_100_60_then_140_88(minutes_before_t0: float = 2) -> Session:
    """Baseline ticked at 100/60; 140/88 (under the 141/91 dosing gate) `minutes_before_t0`
    before the infusion starts."""
    s = Session()
    s.bp(100, 60)
    s.manual("heart_rate", 70)
    for item in ("consent", "baseline_bp"):
        assert s.engine.tick_item(item, "nurse.ana", s.now()).done
    s.t(60)
    s.bp(140, 88)
    assert s.shown() == []   # no limit relative to a baseline before T0
    s.t(60 + minutes_before_t0 * MIN)
    assert s.engine.advance_phase("nurse.ana", s.now()).done   # T0
    return s


def test_a_bp_already_40_above_its_baseline_alarms_when_dosing_starts() -> None:
    s = ticked_at_100_60_then_140_88()
    assert bp_alarms(s) == {"bp_systolic_high": "medium", "bp_diastolic_high": "medium"}
    assert s.sounding() == "medium"


def test_the_alarm_raised_at_t0_asks_its_repeat_and_escalates_after_a_restart_as_live() -> None:
    for restart in (False, True):
        s = ticked_at_100_60_then_140_88()
        t0 = s.now().mono - s.origin
        if restart:
            s.engine = resume(s, 30)
        s.t(t0 + 5 * MIN + 1)
        assert sorted(repeat_prompt(s.engine)) == [
            ("vitals_due:Repeat Diastolic BP", "info", "active"),
            ("vitals_due:Repeat Systolic BP", "info", "active")], restart
        s.bp(142, 89)   # the repeat, 5 minutes on: still 40 and 25 above
        assert bp_alarms(s) == {"bp_systolic_high": "high", "bp_diastolic_high": "high"}, restart


def test_a_bp_older_than_its_tile_keeps_current_waits_for_the_next_measurement() -> None:
    s = ticked_at_100_60_then_140_88(minutes_before_t0=25)
    assert bp_alarms(s) == {}


NURSE = "nurse.ana"


# A review of the change (4 Dec 2026): a value before T0 taken back after it, live as after a
# restart.
def sys_alarms(s):
    return {c: p for c, p, _ in s.shown() if c.startswith("bp_systolic")}


def test_a_value_before_t0_taken_back_after_it_keeps_the_t0_alarm_of_the_bp_that_stands():
    s = Session()
    s.bp(100, 60)
    s.manual("heart_rate", 70)
    for item in ("consent", "baseline_bp"):
        assert s.engine.tick_item(item, NURSE, s.now()).done
    s.t(30)
    _, wrong = s.engine.enter_manual_row("bp_systolic", 135, NURSE, s.now())   # A: a typo
    s.manual("bp_diastolic", 70)
    s.t(60)
    s.bp(140, 88)                                                            # B: stands
    s.t(120)
    assert s.engine.advance_phase(NURSE, s.now()).done                       # T0
    assert sys_alarms(s) == {"bp_systolic_high": "medium"}                   # B judged at T0
    s.t(180)
    assert s.engine.void(wrong, "bp_systolic", NURSE, s.now(), "typed for another chair").done
    live = sys_alarms(s)
    restart(s, 30)
    after = sys_alarms(s)
    # B (140 = 40 above 100) stands in both: the alarm should be the same.
    assert live == after, (live, after)

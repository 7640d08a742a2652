"""A monitor's cuff on a 5-minute cycle: its next result comes a little before the 5 minutes are
up (the cycle times the start of a measurement, the result comes at its end). Received 1 s early,
the repeat confirmed nothing and met no "Repeat Systolic BP": "Vitals due: Repeat Systolic BP"
stood a second after it was measured and the escalation to high waited a whole cycle more (a
review). A repeat inside the cuff's jitter (`conditions.CUFF_CYCLE_JITTER_S`) is the repeat."""

from __future__ import annotations

from console.session.conditions import CUFF_CYCLE_JITTER_S
from tests.session.helpers import Session
from tests.session.test_resume import resume

MIN = 60
REPEAT = "vitals_due:Repeat Systolic BP"


def _high_then_repeat(early_s: float) -> Session:
    """Systolic 186 (medium, a repeat asked) at 10 min, the cuff's next 188 `early_s` before
    the 5 minutes are up; the clock 1 s past them."""
    s = Session()
    s.to_infusion()
    s.t(10 * MIN)
    s.device("bp_systolic", 186)
    assert [(c, p) for c, p, _ in s.shown() if c == "bp_systolic_high"] == [
        ("bp_systolic_high", "medium")]
    s.t(15 * MIN - early_s)
    s.device("bp_systolic", 188)
    s.t(15 * MIN + 1)
    return s


def test_a_cuff_repeat_one_second_early_confirms_the_high_bp() -> None:
    shown = {c: p for c, p, _ in _high_then_repeat(1).shown()}
    assert REPEAT not in shown, shown
    assert shown["bp_systolic_high"] == "high", shown


def test_a_restart_after_it_says_the_same() -> None:
    s = _high_then_repeat(1)
    engine = resume(s, 1)
    shown = {o.condition: o.priority.label for o in engine.alarms()}
    assert REPEAT not in shown, shown
    assert shown["bp_systolic_high"] == "high", shown


def test_a_reading_well_before_the_5_minutes_is_no_repeat() -> None:
    # Beyond the jitter a second reading is no confirmation (clinical-defaults.md: a repeat after
    # 5 minutes): the alarm stays medium, the repeat still asked.
    s = _high_then_repeat(CUFF_CYCLE_JITTER_S + 30)
    shown = {c: p for c, p, _ in s.shown()}
    assert shown["bp_systolic_high"] == "medium", shown
    assert REPEAT in shown, shown

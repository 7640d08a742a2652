"""A rise above baseline is judged against the baseline as the tile shows it: a monitor's
pre-dose systolic of 120.4 is shown as 120 and the tile states the limit "40 above baseline
(160)"; judged against 120.4, a systolic of 160 raised nothing (160 - 120.4 < 40)."""

from __future__ import annotations

import pytest

from console.session.tile_view import rule_phrases
from tests.session.helpers import Session


def rise_rule(s: Session):
    return next(r for r in s.engine.protocol.alarms
                if r.metric == "bp_systolic" and r.rise_above_baseline is not None)


def infusing_from_monitor_baseline(systolic: float) -> Session:
    s = Session()
    s.device("bp_systolic", systolic)    # the monitor's pre-dose NIBP: the baseline
    s.device("bp_diastolic", 80)
    s.manual("heart_rate", 70)
    for item in ("consent", "baseline_bp"):
        assert s.engine.tick_item(item, "nurse.ana", s.now(), gate_decision="Dr Lee: proceed").done
    assert s.engine.advance_phase("nurse.ana", s.now()).done   # T0
    return s


def test_a_systolic_at_the_limit_the_tile_states_alarms():
    s = infusing_from_monitor_baseline(120.4)
    phrases = rule_phrases(rise_rule(s), s.engine.baseline["bp_systolic"], True)
    assert "40 above baseline (160)" in phrases
    s.t(60); s.device("bp_systolic", 160)
    [alarm] = s.engine.alarms()
    assert (alarm.condition, alarm.priority.label) == ("bp_systolic_high", "medium")
    assert "(+40 from baseline 120)" in alarm.message


@pytest.mark.parametrize("baseline", [120.4, 120.5, 120.6, 121.5, 119.5])
def test_the_tile_s_limit_alarms_and_one_below_it_does_not(baseline):
    """Whatever the baseline's decimals, the number the tile names is where the alarm starts."""
    s = infusing_from_monitor_baseline(baseline)
    [phrase] = [p for p in rule_phrases(rise_rule(s), s.engine.baseline["bp_systolic"], True)
                if "above baseline" in p]
    limit = int(phrase.rsplit("(", 1)[1].rstrip(")"))
    s.t(60); s.device("bp_systolic", limit - 1)
    assert s.engine.alarms() == [], (phrase, limit - 1)
    s.t(120); s.device("bp_systolic", limit)
    assert [o.condition for o in s.engine.alarms()] == ["bp_systolic_high"], (phrase, limit)

"""Medium alarms hidden under two highs are counted ("+2 more: 2 medium") but never named
where the header names hidden highs, nor given the high marks; no test had hidden a medium
under two highs (a review)."""
from __future__ import annotations

from console.session.alarm_area import arrange
from tests.session.helpers import Session


def test_hidden_medium_alarms_are_counted_but_never_named_as_high():
    s = Session()
    s.to_infusion()
    s.t(62); s.manual("spo2", 86, confirmed=True)          # high
    s.t(64); s.manual("resp_rate", 5, confirmed=True)      # high
    s.t(66); s.manual("heart_rate", 125, confirmed=True)   # medium
    s.t(68); s.manual("bp_systolic", 165, confirmed=True); s.manual("bp_diastolic", 85)  # medium
    patient, _ = arrange(s.engine.alarms())
    assert {o.condition for o in patient.hidden} == {"heart_rate_high", "bp_systolic_high"}
    assert patient.more() == "+2 more: 2 medium"
    assert patient.hidden_high() == ""
    assert patient.hidden_high_brief() == ""
    assert patient.hidden_high_fewest() == ""

"""The alarm area's order (console/session/alarm_area.py): an alarm waiting for the nurse is never
kept out of sight by rows she has already acknowledged, so F2 ("acknowledge shown") reaches it."""

from __future__ import annotations

from console.session.alarm_area import arrange, shown_ids
from console.session.alarms import AlarmState
from tests.session.helpers import Session


def test_two_acknowledged_high_alarms_give_a_waiting_medium_the_last_row():
    # A nurse walk on X: MOAA/S 3 (medium), then RR 6 and SpO2 86 (high); F2 acknowledged the
    # two highs, and the sedation alarm stayed "+1 more: 1 medium" for 15 minutes, never shown,
    # never reached by F2.
    s = Session()
    s.to_infusion()
    s.t(60); s.manual("moaas", 3)
    s.t(70); s.device("resp_rate", 6); s.device("spo2", 86)
    patient, _ = arrange(s.engine.alarms())
    assert [o.condition for o in patient.shown] == ["spo2_low", "resp_rate_low"]
    assert s.engine.acknowledge_shown(shown_ids([patient]), "nurse.ana", s.now()).done
    patient, _ = arrange(s.engine.alarms())
    assert [o.condition for o in patient.shown] == ["spo2_low", "moaas_low"]
    assert patient.more() == "+1 more: 1 high"
    assert patient.hidden_high().startswith("*** RR 6/min, limit ≤8")   # named on the header
    assert s.engine.acknowledge_shown(shown_ids([patient]), "nurse.ana", s.now()).done
    assert all(o.state is AlarmState.ACKNOWLEDGED for o in s.engine.alarms())
    patient, _ = arrange(s.engine.alarms())   # all seen: the highs back on top
    assert [o.condition for o in patient.shown] == ["spo2_low", "resp_rate_low"]


def test_a_live_alarm_is_not_kept_out_of_sight_by_two_latched_high_alarms():
    # The alarm audit: BP 215/125 raised two highs, the pressure came back before anyone looked
    # (both latched), then MOAA/S 3: the live sedation alarm was "+1 more: 1 medium" under two
    # rows of a pressure long back to normal, until F2 reset them.
    s = Session()
    s.to_infusion()
    s.t(60); s.bp(215, 125)
    s.t(70); s.bp(130, 80)
    assert {state for _, _, state in s.shown()} == {"latched"}
    s.t(80); s.manual("moaas", 3)
    patient, _ = arrange(s.engine.alarms())
    assert [o.condition for o in patient.shown] == ["bp_diastolic_high", "moaas_low"]
    assert patient.more() == "+1 more: 1 high"
    assert patient.hidden_high().startswith("*** Systolic")   # the displaced latched high, named
    # F2 on what is shown acknowledges the sedation alarm and resets the latched row shown; the
    # other latched row then comes back into sight.
    assert s.engine.acknowledge_shown(shown_ids([patient]), "nurse.ana", s.now()).done
    patient, _ = arrange(s.engine.alarms())
    assert [o.condition for o in patient.shown] == ["bp_systolic_high", "moaas_low"]
    assert patient.more() == ""

"""An override signed for an alarm is signed for that occurrence (a diff review).

Keyed by its condition, a signature given for a latched high SpO2 (resolved, unseen) passed a
new desaturation raised while the nurse came to sign: a second `raised` row, sounding, and the
session ended over it ("session ended") though nobody signed for it. Now the alarm is the
occurrence on the board: a new one, or the latched one standing again (its condition back, active
and sounding), refuses the override naming it, with nothing recorded. The same occurrence with
another value (84 then 83), or latched since the signature, is what was signed."""

from __future__ import annotations

from tests.session.test_override_signed_for_what_blocked import SIGNED_AGAIN, at_the_gate


def test_a_new_high_alarm_after_a_latched_one_was_signed_for_refuses_the_override():
    s = at_the_gate()
    # SpO2 84 %: a high alarm; back to 97 % before anyone saw it: it latches.
    s.device("spo2", 84)
    s.t(s.now().mono - s.origin + 5)
    s.device("spo2", 97)
    assert ("spo2_low", "high", "latched") in s.shown()
    signed = s.engine.discharge_override_blockers(s.now())
    assert "Alarm not resolved: SpO2 84 %, limit ≤90" in [b.text for b in signed]
    # While the nurse comes to sign: a new desaturation, raised as a new alarm and sounding.
    s.t(s.now().mono - s.origin + 5)
    s.device("spo2", 83)
    assert [t for t in s.recorder.transitions("spo2_low") if t[1] == "raised"] == [
        ("spo2_low", "raised", "high"), ("spo2_low", "raised", "high")]
    assert s.sounding() == "high"
    written = len(s.recorder.records)
    outcome = s.engine.discharge("nurse.ana", s.now(), "prescriber reviewed", signed_for=signed)
    assert not outcome.done and outcome.reasons == (
        "New since the signatures: Alarm not resolved: SpO2 83 %, limit ≤90. " + SIGNED_AGAIN,)
    # Nothing recorded: the session goes on and the new alarm sounds on.
    assert len(s.recorder.records) == written and not s.engine.discharged
    assert ("spo2_low", "high", "active") in s.shown()


def test_a_latched_alarm_standing_again_since_the_signature_refuses_the_override():
    s = at_the_gate()
    s.device("spo2", 84)
    s.t(s.now().mono - s.origin + 5)
    s.device("spo2", 97)                 # latched: the excursion over, unseen
    signed = s.engine.discharge_override_blockers(s.now())
    # While the nurse comes: SpO2 92 %, the same occurrence active again, high and sounding.
    s.t(s.now().mono - s.origin + 5)
    s.device("spo2", 92)
    assert [t[1] for t in s.recorder.transitions("spo2_low")] == ["raised", "latched", "returned"]
    assert ("spo2_low", "high", "active") in s.shown() and s.sounding() == "high"
    outcome = s.engine.discharge("nurse.ana", s.now(), "prescriber reviewed", signed_for=signed)
    assert not outcome.done and outcome.reasons == (
        "New since the signatures: Alarm not resolved: SpO2 84 %, limit ≤90. " + SIGNED_AGAIN,)
    assert s.recorder.events("override") == [] and not s.engine.discharged


def test_an_alarm_latched_since_the_signature_is_the_alarm_signed_for():
    s = at_the_gate()
    s.device("spo2", 84)                 # high and sounding when the prescriber signs
    signed = s.engine.discharge_override_blockers(s.now())
    s.t(s.now().mono - s.origin + 5)
    s.device("spo2", 97)                 # its condition ends unseen while the nurse comes
    assert ("spo2_low", "high", "latched") in s.shown()
    outcome = s.engine.discharge("nurse.ana", s.now(), "prescriber reviewed", signed_for=signed)
    assert outcome.done and s.engine.discharged
    assert "Alarm not resolved: SpO2 84 %, limit ≤90" in (
        s.recorder.events("override")[-1].detail["blockers"])


def test_a_new_occurrence_after_an_acknowledged_one_signed_for_refuses_the_override():
    # Only the occurrence key tells this one: the alarm signed for was acknowledged (not
    # latched), ended, and a new desaturation raised a new high alarm of the same condition.
    s = at_the_gate()
    s.device("spo2", 84)                      # high, sounding
    [alarm] = [a for a in s.engine.alarms() if a.condition == "spo2_low"]
    assert s.engine.acknowledge(alarm.id, "nurse.ana", s.now()).done
    signed = s.engine.discharge_override_blockers(s.now())
    assert "Alarm not resolved: SpO2 84 %, limit ≤90" in [b.text for b in signed]
    s.t(s.now().mono - s.origin + 5)
    s.device("spo2", 97)                      # the acknowledged alarm ends
    for _ in range(6):
        s.t(s.now().mono - s.origin + 10)
        s.device("spo2", 97)
    assert s.recorder.transitions("spo2_low")[-1][1] == "cleared", \
        s.recorder.transitions("spo2_low")
    s.t(s.now().mono - s.origin + 5)
    s.device("spo2", 83)                      # a new desaturation: a new high alarm, sounding
    raised = [t for t in s.recorder.transitions("spo2_low") if t[1] == "raised"]
    assert len(raised) == 2, s.recorder.transitions("spo2_low")
    assert s.sounding() == "high"
    written = len(s.recorder.records)
    outcome = s.engine.discharge("nurse.ana", s.now(), "prescriber reviewed", signed_for=signed)
    assert not outcome.done and outcome.reasons == (
        "New since the signatures: Alarm not resolved: SpO2 83 %, limit ≤90. " + SIGNED_AGAIN,)
    assert len(s.recorder.records) == written and not s.engine.discharged

"""A bradycardia the nurse acknowledged, sounded again by its reminder, then F3 pressed; the rate
swings 45 -> 115. The bradycardia waits ACKNOWLEDGED_END_SECONDS to end (its values back inside),
and the tachycardia the same reading raises is held silent by nothing else: it sounds at once
(it had counted the ending bradycardia as held silent and stayed silent for the rest of the
pause: a review)."""

from __future__ import annotations

from tests.session.helpers import Session


def test_new_tachycardia_sounds_when_the_paused_reminded_bradycardia_ends():
    s = Session()
    s.to_infusion()
    s.t(10)
    s.device("heart_rate", 45)
    [brady] = s.engine.alarms()
    assert brady.priority.label == "medium"
    assert s.engine.acknowledge(brady.id, "nurse.ana", s.now()).done
    for sec in range(20, 200, 5):          # the brady persists; its reminder re-sounds it
        s.t(sec)
        s.device("heart_rate", 45)
    [brady] = s.engine.alarms()
    assert brady.state.value == "active", "reminder should have re-sounded it"
    assert s.engine.pause_audio("nurse.ana", s.now()).done     # F3
    s.t(205)
    s.device("heart_rate", 115)            # brady over, a new medium tachycardia
    for sec in range(206, 230):
        s.t(sec)
        s.device("heart_rate", 115)
    shown = s.shown()
    assert [c for c, _, _ in shown if "heart" in c], shown
    signal = s.engine.audio(s.now())
    assert signal.priority is not None, (
        f"board {shown}: new tachycardia silent, pause {signal.paused_seconds_left:.0f} s left")


def test_a_new_medium_alarm_waits_while_the_pause_holds_a_high_silent_then_sounds():
    # A reminded high SpO2 alarm under F3, back to 95 (waiting its 10 s to end) as a new medium
    # tachycardia comes: the high still counts as held silent (it sounds once the pause ends),
    # so the medium does not end the pause; once the high has ended, the medium sounds (a
    # review: the pause had ended for the medium and sounded the high again).
    s = Session()
    s.to_infusion()
    s.t(10)
    s.device("spo2", 88)
    [desat] = s.engine.alarms()
    assert desat.priority.label == "high"
    assert s.engine.acknowledge(desat.id, "nurse.ana", s.now()).done
    for sec in range(15, 200, 5):          # it persists; its reminder sounds it again
        s.t(sec)
        s.device("spo2", 88)
        s.device("heart_rate", 80)
    assert s.engine.pause_audio("nurse.ana", s.now()).done     # F3
    s.t(202)
    s.device("spo2", 95)                  # back inside: the high waits 10 s to end
    s.device("heart_rate", 115)           # a new medium tachycardia
    assert s.engine.audio(s.now()).paused_seconds_left is not None
    for sec in range(203, 215):
        s.t(sec)
        s.device("spo2", 95)
        s.device("heart_rate", 115)
    assert [a.condition for a in s.engine.alarms()] == ["heart_rate_high"]
    signal = s.engine.audio(s.now())
    assert signal.paused_seconds_left is None and signal.priority is not None
    assert signal.priority.label == "medium"

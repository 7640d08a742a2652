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

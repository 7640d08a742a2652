"""The alarm that breaks through when another ends under a pause is one raised since the pause
began (`AlarmBoard._raised_under_pause`). A tachycardia
sounding when the nurse presses F3 is held silent for the pause; when an acknowledged high
(SpO2 88, back to 95) ends 10 s later under the pause, nothing new was raised, and the pause
must go on: the nurse's 2 minutes of quiet are not cut short for the very alarm she paused.
Counted from before the pause's start, the tachycardia sounded again some 30 s into the
2-minute pause (a review)."""

from __future__ import annotations

from tests.session.helpers import Session


def test_an_alarm_paused_by_f3_does_not_end_the_pause_when_an_acknowledged_one_ends():
    s = Session()
    s.to_infusion()
    s.t(10)
    s.device("spo2", 88)                   # high
    s.device("heart_rate", 80)
    [desat] = s.engine.alarms()
    assert desat.priority.label == "high"
    assert s.engine.acknowledge(desat.id, "nurse.ana", s.now()).done
    s.t(20)
    s.device("spo2", 88)
    s.device("heart_rate", 115)            # a medium tachycardia, sounding
    for sec in range(21, 30):
        s.t(sec)
        s.device("spo2", 88)
        s.device("heart_rate", 115)
    assert s.engine.audio(s.now()).priority is not None
    assert s.engine.pause_audio("nurse.ana", s.now()).done     # F3: she silences it
    for sec in range(30, 60):               # SpO2 back inside: the acknowledged high ends
        s.t(sec)
        s.device("spo2", 95)
        s.device("heart_rate", 115)
    assert [a.priority.label for a in s.engine.alarms()] == ["medium"], s.shown()   # the high ended
    signal = s.engine.audio(s.now())
    assert signal.paused_seconds_left is not None and signal.priority is None, (
        f"pause ended at {s.now()} for the tachycardia the nurse had paused: {signal}; "
        f"board {s.shown()}")

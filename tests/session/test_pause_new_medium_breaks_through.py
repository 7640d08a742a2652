"""A new MEDIUM alarm breaks through an audio pause when nothing
else the pause silences is as high (console/session/alarms.py module docstring: "a new
occurrence ... of a priority higher than every other occurrence the pause silences at that moment
... breaks through at once"; clinical-defaults.md alarm behaviour 4).

`_break_through` returning [] for anything not HIGH (`priority <= Priority.MEDIUM` for `<= INFO`)
passes every existing test: the break-through tests raise only HIGH alarms, and the one medium
test is the case where the medium must stay silent. With the slip, a new tachycardia raised
after the nurse paused the audio and acknowledged what she paused it for stays silent for the
rest of the 2 minutes."""

from __future__ import annotations

from tests.session.test_alarms import infusing


def test_new_medium_alarm_sounds_through_a_pause_that_silences_nothing_else():
    s = infusing()
    s.t(60); s.device("resp_rate", 26)            # a medium alarm
    assert s.sounding() == "medium"
    s.engine.pause_audio("nurse.ana", s.now())    # F3
    s.engine.acknowledge(s.engine.alarms()[0].id, "nurse.ana", s.now())   # F2: seen
    assert s.sounding() is None
    s.t(80); s.device("heart_rate", 115)          # a new medium alarm, nothing else silenced
    assert ("heart_rate_high", "medium", "active") in s.shown()
    assert s.sounding() == "medium", "a new medium alarm stayed silent under the audio pause"
    assert s.engine.audio(s.now()).paused_seconds_left is None
    assert s.recorder.events("audio_resumed")[0].detail["message"] == (
        "Audio pause ended: new medium-priority alarm")

"""F3 pressed for a medium bradycardia (HR 45); the rate then swings to 115: the bradycardia
alarm ends and a new medium tachycardia alarm is raised by the same reading. Nothing else is held
silent by the pause, so the new alarm sounds (README: "With nothing left silent, any new alarm
sounds, even one of the priority F3 was pressed for"), in either direction: 45 -> 115 had stayed
silent for the rest of the pause, the board told of the raise while the ending bradycardia still
counted as held silent (a review)."""

from __future__ import annotations

import pytest

from console.ui.audio import AlarmSounder, RecordingAudioOut
from console.ui.controller import SessionController
from tests.session.helpers import Session


@pytest.mark.parametrize(("paused_for", "then"), [(115, 45), (45, 115)],
                         ids=["tachy paused, then brady", "brady paused, then tachy"])
def test_a_new_alarm_sounds_when_the_one_the_pause_silenced_ended_with_it(
        qtbot, paused_for, then):
    s = Session()
    s.to_infusion()
    controller = SessionController(s.engine, s.clock)
    out = RecordingAudioOut()
    sounder = AlarmSounder(out)
    sounder.bind(controller)
    s.t(10)
    s.device("heart_rate", paused_for)          # a medium alarm, sounding
    controller.changed.emit()
    assert sounder.pattern is not None and sounder.pattern.file_name == "medium.wav"
    assert controller.pause_audio().done        # F3
    assert sounder.pattern is None
    s.t(20)
    s.device("heart_rate", then)                # the first alarm ends, a new one is raised
    controller.changed.emit()
    [only] = s.engine.alarms()
    assert only.state.value == "active" and only.priority.label == "medium"
    signal = controller.audio(s.now())
    assert signal.priority is not None and signal.paused_seconds_left is None, (
        f"new alarm {only.message!r} silent, pause {signal.paused_seconds_left} s left")
    assert sounder.pattern is not None and sounder.pattern.file_name == "medium.wav"

"""Silence pressed on the station banner before a nurse name is entered: the station asks for the
name in the toolbar, and the silence given at Enter acts on the station alarm the nurse clicked
under, by its key as drawn at the click, never on one that took the banner while she typed (the
Acknowledge path keeps the alarm as drawn the same way). One that ended meanwhile is not
replaced: nothing is silenced, and the toolbar says so."""

from __future__ import annotations

from PySide6 import QtCore

from console.ui.audio import AlarmSounder, RecordingAudioOut
from protocols.model import Priority
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for


def _chair_with_high_alarm(central: Central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    central.deliver(chair.status())
    chair.device("spo2", 88)
    for m in chair.new_pcd04s():
        central.deliver(m)
    central.deliver(chair.status())
    return chair


def _type_name_and_enter(qtbot, window) -> None:
    window.nurse.setFocus()
    qtbot.keyClicks(window.nurse, "B. Central")
    qtbot.keyClick(window.nurse, QtCore.Qt.Key.Key_Return)


def test_silence_given_before_the_name_acts_on_the_banner_alarm_clicked(qtbot):
    central = Central(MemoryLog())
    window = window_for(qtbot, central, sounder=AlarmSounder(RecordingAudioOut()))
    chair = _chair_with_high_alarm(central)
    # The speaker fails: the station's own low alarm is on the banner (the chair's high is on
    # its card).
    central.board.set_audio(False, "no sound device")
    window.refresh()
    assert window.banner.line is not None and window.banner.line.key == "audio"
    # The nurse clicks Silence on the banner (no name yet: asked in the toolbar).
    qtbot.mouseClick(window.banner.silence, QtCore.Qt.MouseButton.LeftButton)
    assert "type your name" in window.message.full_text()
    # While she types, the chair's console dies: its loss with the high alarm takes the banner.
    central.deliver(chair.will())
    window.refresh()
    assert window.banner.line is not None and window.banner.line.key == "chair:chair-1"
    assert window.banner.line.priority is Priority.HIGH
    _type_name_and_enter(qtbot, window)
    # What she clicked Silence under was the audio alarm: it is silenced; the lost chair's high
    # alarm (which appeared after her click) still sounds.
    alarms = {a.key: a for a in central.board.station_alarms(central.now())}
    assert alarms["audio"].silenced, window.message.full_text()
    assert not alarms["chair:chair-1"].silenced, window.message.full_text()
    assert central.board.audio(central.now()) is Priority.HIGH
    assert window.message.full_text().startswith("Silenced: Audio unavailable")


def test_silence_of_an_alarm_that_ended_while_the_name_was_typed_silences_nothing(qtbot):
    central = Central(MemoryLog())
    window = window_for(qtbot, central, sounder=AlarmSounder(RecordingAudioOut()))
    chair = _chair_with_high_alarm(central)
    central.board.set_audio(False, "no sound device")
    window.refresh()
    qtbot.mouseClick(window.banner.silence, QtCore.Qt.MouseButton.LeftButton)
    # While she types: the speaker comes back (the audio alarm ends) and the chair is lost.
    central.board.set_audio(True, "")
    central.deliver(chair.will())
    window.refresh()
    _type_name_and_enter(qtbot, window)
    lost = [a for a in central.board.station_alarms(central.now()) if a.key == "chair:chair-1"]
    assert lost and not lost[0].silenced
    assert "nothing silenced" in window.message.full_text()
    assert central.board.audio(central.now()) is Priority.HIGH

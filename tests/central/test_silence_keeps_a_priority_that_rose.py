"""Silence asked the nurse's name first keeps the banner alarm she clicked under with its
priority (review 45). It kept only the key: the station's bus alarm she clicked at MEDIUM (the first chair gone unheard had
a medium alarm) rose to HIGH while she typed (the next chair, 1.5 s later, had a high alarm), and
Enter silenced the HIGH she never saw. Acknowledge keeps the alarm as drawn (priority too) and
acts on nothing that changed since; Silence by the key alone does not."""

from __future__ import annotations

from PySide6 import QtCore

from console.ui.audio import AlarmSounder, RecordingAudioOut
from protocols.model import Priority
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for


def _chair(central: Central, name: str, room: str, device: tuple[str, float]):
    chair = central.chair(name, room)
    chair.start_infusion()
    central.deliver(chair.status())
    chair.device(*device)
    for m in chair.new_pcd04s():
        central.deliver(m)
    central.deliver(chair.status())
    return chair


def test_silence_at_enter_does_not_silence_a_priority_raised_after_the_click(qtbot):
    central = Central(MemoryLog())
    window = window_for(qtbot, central, sounder=AlarmSounder(RecordingAudioOut()))
    central.t(58)
    a = _chair(central, "chair-1", "Room 1", ("heart_rate", 115))   # medium
    central.t(60)
    central.deliver(a.status())            # chair-1 last heard at 60 s
    b = _chair(central, "chair-2", "Room 2", ("spo2", 88))         # high
    central.t(61.5)
    central.deliver(b.status())            # chair-2 last heard at 61.5 s
    central.board.set_bus(False, "connection lost", central.now())
    central.t(70.5)                        # chair-1 unheard: the bus alarm, medium
    window.refresh()
    line = window.banner.line
    assert line is not None and line.key == "bus" and line.priority is Priority.MEDIUM, line
    qtbot.mouseClick(window.banner.silence, QtCore.Qt.MouseButton.LeftButton)
    assert "type your name" in window.message.full_text()
    central.t(72)                          # chair-2 unheard too: the bus alarm is now HIGH
    window.refresh()
    assert window.banner.line.priority is Priority.HIGH
    window.nurse.setFocus()
    qtbot.keyClicks(window.nurse, "B. Central")
    qtbot.keyClick(window.nurse, QtCore.Qt.Key.Key_Return)
    # She silenced a medium alarm; the high it became after her click still sounds.
    assert central.board.audio(central.now()) is Priority.HIGH, window.message.full_text()

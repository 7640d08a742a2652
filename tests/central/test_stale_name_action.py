"""An Acknowledge asked for the nurse's name stays pending after she acknowledged by clicking
again (the name typed, no Enter): a later Enter in the name field (the next shift's nurse
signing in) acknowledges again, with no Acknowledge pressed."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.ui.central_window import CentralWindow
from tests.central.helpers import Central, MemoryLog
from tests.ui.conftest import Answers


def test_enter_in_the_name_field_later_acknowledges_nothing(qtbot):
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(5)
    central.deliver(chair.status())
    chair.device("spo2", 86)
    for m in chair.new_pcd04s():
        central.deliver(m)
    central.deliver(chair.status())
    window = CentralWindow(central.board, central.clock, asker=Answers())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.refresh()
    card = window.cards["chair-1"]
    # Acknowledge with no name: asked in the toolbar.
    qtbot.mouseClick(card.ack_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.message.full_text().startswith("Acknowledge (")
    assert "type your name" in window.message.full_text()
    # She types her name and clicks Acknowledge again (no Enter): acknowledged.
    qtbot.keyClicks(window.nurse, "A. Day")
    qtbot.mouseClick(card.ack_button, QtCore.Qt.MouseButton.LeftButton)
    assert len(central.bus.on("/command")) == 1
    # The chair does not confirm in time: "ack not confirmed", sounding again here.
    for s in range(6, 30, 2):
        central.t(s)
        central.deliver(chair.status())
    window.refresh()
    assert card.view.alarm.note == "ack not confirmed"
    # Shift change: the next nurse types her name and presses Enter, nothing else.
    window.nurse.setFocus()
    window.nurse.selectAll()
    qtbot.keyClicks(window.nurse, "B. Night")
    qtbot.keyClick(window.nurse, QtCore.Qt.Key.Key_Return)
    commands = central.bus.on("/command")
    assert len(commands) == 1, (
        f"signing in sent an acknowledgement nobody pressed: {[c.json['by'] for c in commands]}; "
        f"toolbar: {window.message.full_text()!r}")


def test_a_silence_done_by_clicking_again_is_not_done_again_at_a_later_enter(qtbot):
    # Silence on the banner with no name: asked; her name typed, Silence clicked again: the bus
    # alarm silenced. The bus comes back, and drops again later: a new bus alarm, sounding.
    # The next nurse signing in with Enter silenced it with the click of an hour before.
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    window = CentralWindow(central.board, central.clock, asker=Answers())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    central.board.set_bus(False, "Reconnecting", central.now())
    central.t(11)
    window.refresh()
    assert window.banner.line is not None and window.banner.line.key == "bus"
    qtbot.mouseClick(window.banner.silence, QtCore.Qt.MouseButton.LeftButton)
    assert "type your name" in window.message.full_text()
    qtbot.keyClicks(window.nurse, "A. Day")
    qtbot.mouseClick(window.banner.silence, QtCore.Qt.MouseButton.LeftButton)
    assert window.message.full_text().startswith("Silenced: Central station not connected")
    central.board.set_bus(True, "Connected", central.now())
    central.deliver(chair.status())
    central.t(3600)
    central.deliver(chair.status())
    central.board.set_bus(False, "Reconnecting", central.now())
    central.t(3600 + 11)
    window.refresh()
    assert window.banner.line is not None and window.banner.line.sounding
    window.nurse.setFocus()
    window.nurse.selectAll()
    qtbot.keyClicks(window.nurse, "B. Night")
    qtbot.keyClick(window.nurse, QtCore.Qt.Key.Key_Return)
    assert [a[1] for a in central.log.actions if a[5] == "silence"] == ["A. Day"]
    assert window.banner.line.sounding


def test_an_acknowledge_asked_long_before_the_name_is_not_done_at_enter(qtbot):
    # Acknowledge with no name, then nothing for a minute (the nurse called away): Enter then
    # acknowledges nothing she did not just press; the toolbar says to press it again.
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(5)
    chair.device("spo2", 86)
    for m in chair.new_pcd04s():
        central.deliver(m)
    central.deliver(chair.status())
    window = CentralWindow(central.board, central.clock, asker=Answers())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.refresh()
    qtbot.mouseClick(window.cards["chair-1"].ack_button, QtCore.Qt.MouseButton.LeftButton)
    for s in range(7, 67, 2):
        central.t(s)
        central.deliver(chair.status())
    window.nurse.setFocus()
    qtbot.keyClicks(window.nurse, "A. Day")
    qtbot.keyClick(window.nurse, QtCore.Qt.Key.Key_Return)
    assert central.bus.on("/command") == []
    assert window.message.full_text() == (
        "Acknowledge not done: asked 60 s ago, before your name; press Acknowledge again if it "
        "is still needed")
    # Within the wait, as before: asked, the name typed, Enter: acknowledged.
    window.nurse.clear()
    window.refresh()
    qtbot.mouseClick(window.cards["chair-1"].ack_button, QtCore.Qt.MouseButton.LeftButton)
    central.t(75)
    central.deliver(chair.status())
    window.nurse.setFocus()
    qtbot.keyClicks(window.nurse, "A. Day")
    qtbot.keyClick(window.nurse, QtCore.Qt.Key.Key_Return)
    assert [c.json["by"] for c in central.bus.on("/command")] == ["A. Day"]


def test_an_acknowledge_waiting_for_the_name_is_dropped_when_the_keyboard_goes_elsewhere(qtbot):
    # Asked for her name, she types it and then goes to a card (its trend): the Acknowledge is
    # no longer what she is doing; an Enter in the field later does nothing.
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(5)
    chair.device("spo2", 86)
    for m in chair.new_pcd04s():
        central.deliver(m)
    central.deliver(chair.status())
    window = CentralWindow(central.board, central.clock, asker=Answers())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)
    window.refresh()
    card = window.cards["chair-1"]
    qtbot.mouseClick(card.ack_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.keyClicks(window.nurse, "A. Day")
    card.setFocus(QtCore.Qt.FocusReason.MouseFocusReason)
    assert window.message.full_text() == (
        "Acknowledge not done: press Acknowledge again if it is still needed")
    window.nurse.setFocus()
    qtbot.keyClick(window.nurse, QtCore.Qt.Key.Key_Return)
    assert central.bus.on("/command") == []

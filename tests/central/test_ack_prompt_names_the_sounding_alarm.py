"""The Acknowledge name prompt names the alarm Acknowledge acts on: a card keeping a high alarm
silenced here while a medium sounds under it acts on the medium (`CardView.sounding_other`), and the
prompt named the high one shown while Enter acknowledged the medium."""

from __future__ import annotations

from PySide6 import QtCore

from tests.central.helpers import Central, MemoryLog
from tests.central.test_board import spo2_alarm
from tests.central.test_window import window_for


def test_the_name_prompt_names_the_sounding_alarm_acknowledge_acts_on_not_the_line_shown(qtbot):
    central = Central(MemoryLog())
    chair = spo2_alarm(central, value=89)       # high, unseen
    central.t(62)
    chair.device("spo2", 97)                    # latched at the chair
    central.deliver(chair.status())
    assert central.acknowledge("chair-1", "B. Central") == (
        "Room 1: silenced here; a latched alarm is reset at the chair")
    central.t(64)
    chair.device("heart_rate", 125)             # medium, active: sounds here
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    window = window_for(qtbot, central)
    card = window.cards["chair-1"]
    assert card.view.alarm.text.startswith("SpO2 89")              # the line shown
    assert card.view.sounding_other == "** HR 125/min, limit >110"  # what Acknowledge acts on
    qtbot.mouseClick(card.ack_button, QtCore.Qt.MouseButton.LeftButton)
    prompt = window.message.full_text()
    assert "HR 125" in prompt and "SpO2" not in prompt, prompt
    # ... and Enter with the name acknowledges that one.
    qtbot.keyClicks(window.nurse, "B. Central")
    qtbot.keyClick(window.nurse, QtCore.Qt.Key.Key_Return)
    assert window.message.full_text().startswith(
        "Room 1: acknowledgement sent (Heart rate 125"), window.message.full_text()

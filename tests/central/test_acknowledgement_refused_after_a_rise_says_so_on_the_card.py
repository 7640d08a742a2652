"""The central nurse acknowledges a chair's medium alarm; before her command reaches the chair
the alarm rises to high, and the chair rightly does not apply it (engine
`acknowledge_from_central`: a higher priority is a new alarm condition, IEC 60601-1-8). The card
showed the high sounding with an empty note, the nurse's press gone without a word: it says the
acknowledgement of the medium was refused ("medium ack refused"), and Acknowledge acts on the
high (a review)."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from tests.central.clinic import busy_clinic
from tests.central.helpers import Central, Chair, MemoryLog
from tests.central.test_window import window_for


@pytest.fixture
def central() -> Central:
    return Central(MemoryLog())


def _medium_acknowledged_then_high(central: Central) -> tuple[Chair, dict[str, object]]:
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    central.deliver(chair.status())
    # RR 9 at the chair: a medium alarm, on the card.
    chair.device("resp_rate", 9)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    # The central nurse acknowledges it: sent, its tone silenced here.
    assert central.acknowledge("chair-1", "B. Central").startswith(
        "Room 1: acknowledgement sent")
    (command,) = central.bus.on("/command")
    assert central.card("chair-1").alarm.note == "ack sent…" and central.sounding() is None
    # RR 8 a second later, before her command reaches the chair: high.
    central.t(61)
    chair.device("resp_rate", 8)
    return chair, command.json


def test_an_acknowledgement_the_chair_refused_after_a_rise_is_said_on_the_card(central):
    chair, body = _medium_acknowledged_then_high(central)
    [rr] = chair.occurrences()
    # The command arrives: the chair does not apply it (the alarm rose above medium).
    assert not chair.s.engine.acknowledge_from_central(
        rr.id, str(body["by"]), str(body["station"]), str(body["id"]), central.now(),
        str(body["priority"])).done
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    # The card: the high, sounding here at once, its note saying the medium's
    # acknowledgement was refused; Acknowledge acts on the high.
    card = central.card("chair-1")
    assert card.alarm is not None and card.alarm.priority.label == "high"
    assert card.alarm.note == "medium ack refused"
    assert card.alarm.sounding and central.sounding() == "high"
    assert card.can_acknowledge and card.target is not None
    assert card.target.priority.label == "high"
    # Still so after the time an acknowledgement has to be confirmed.
    central.t(61 + 11)
    central.deliver(chair.status())
    assert central.card("chair-1").alarm.note == "medium ack refused"
    # Acknowledged again, at high: sent, and the note says so.
    assert central.acknowledge("chair-1", "B. Central").startswith(
        "Room 1: acknowledgement sent")
    assert central.card("chair-1").alarm.note == "ack sent…" and central.sounding() is None


def test_an_acknowledgement_applied_before_a_rise_leaves_no_such_note(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    chair.device("resp_rate", 9)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    assert central.acknowledge("chair-1", "B. Central").startswith(
        "Room 1: acknowledgement sent")
    (command,) = central.bus.on("/command")
    body = command.json
    [rr] = chair.occurrences()
    # Applied at the chair (medium still), its update heard here; then the alarm rises.
    assert chair.s.engine.acknowledge_from_central(
        rr.id, body["by"], body["station"], body["id"], central.now(), body["priority"]).done
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.t(61)
    chair.device("resp_rate", 8)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    card = central.card("chair-1")
    assert card.alarm is not None and card.alarm.priority.label == "high"
    assert card.alarm.note == "" and central.sounding() == "high"


def test_the_refused_note_is_read_whole_at_20_chairs(qtbot):
    central = Central(MemoryLog())
    chairs = busy_clinic(central)   # chair-15's SpO2 92 (medium) acknowledged here: ack sent…
    fifteen = chairs[15]
    central.t(9 * 60 + 1)
    fifteen.device("spo2", 89)      # high, before the command reached the chair
    for message in fifteen.new_pcd04s():
        central.deliver(message)
    for n, chair in chairs.items():
        if n not in (8, 13):
            central.deliver(chair.status())
    window = window_for(qtbot, central, (1366, 768))
    window.refresh()
    QtWidgets.QApplication.processEvents()
    card = window.cards["chair-15"]
    assert card.note.full_text() == "medium ack refused"
    assert not card.note.is_cut(), f"the note reads {card.note.text()!r} on screen"
    assert card.ack_button.isVisible()

"""One chair's status or alarm message carrying a text of megabytes (its patient label or room: a
chair's bug, a corrupted config, a misbehaving bridge on the bus) is cut on arrival to what a
card can show, and the rest of the message is taken: its alarms still show and sound.

A review: a status whose patient label or room was 4 MB, or a PCD-04 whose alarm text was 2 MB,
was taken as it came; each refresh of the central window measured and elided the megabytes on
its thread (6-10 s a refresh), and another chair's new high alarm, come in the same second, was
drawn and sounded only after it. Now each text a card shows is cut at intake (`TEXT_LIMIT`), the
cut counted under "Ignored messages" with its reason, and a message far larger than any a chair
sends (`MAX_PAYLOAD_BYTES`) is refused whole."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from PySide6 import QtWidgets

from console.central.board import MAX_PAYLOAD_BYTES, TEXT_LIMIT
from console.network import bus_topics
from console.network.chair_status import TREND_SERIES, build_trend
from tests.central.clinic import busy_clinic
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for

MB = 1024 * 1024
BIG = "Pseudonym " + "x" * (4 * MB)


def _room1_with_a_high_alarm(central: Central):
    """Room 1 in infusion, SpO2 84: a high alarm at the chair, in its status."""
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    chair.device("spo2", 84)
    return chair


@pytest.mark.parametrize("field", ["patient", "room", "protocol_name", "phase_name"])
def test_a_status_with_a_huge_text_is_taken_with_that_text_cut(field):
    central = Central(MemoryLog())
    chair = _room1_with_a_high_alarm(central)
    topic, payload = (chair.status(room=BIG) if field == "room"
                      else chair.status(session={field: BIG}))
    central.board.receive(topic, payload, central.now())

    card = central.card("chair-1")
    shown = {"patient": card.patient, "room": card.room, "protocol_name": card.protocol,
             "phase_name": card.phase}[field]
    # The card shows the text's start, cut where a card could never show more.
    assert len(shown) <= TEXT_LIMIT
    assert shown.startswith("Pseudonym xxx") and shown.endswith("…")
    # The rest of the status is taken: the chair is connected, its high alarm on its card,
    # sounding.
    assert card.connected
    assert card.alarm is not None and card.alarm.text.startswith("SpO2 84")
    assert central.sounding() == "high"
    # Counted, saying what was cut.
    assert central.board.ignored == 1
    assert f"{len(BIG):,}-character" in central.board.last_ignored
    assert f"cut to {TEXT_LIMIT}" in central.board.last_ignored


def test_a_status_alarm_text_of_megabytes_is_cut_and_the_alarm_sounds():
    central = Central(MemoryLog())
    chair = _room1_with_a_high_alarm(central)
    topic, payload = chair.status()
    obj = json.loads(payload)
    obj["alarms"][0]["text"] += " x" * MB
    central.board.receive(topic, json.dumps(obj).encode(), central.now())

    card = central.card("chair-1")
    assert card.alarm is not None
    assert card.alarm.text.startswith("SpO2 84") and len(card.alarm.text) <= TEXT_LIMIT
    assert central.sounding() == "high"
    assert central.board.ignored == 1 and "alarm text" in central.board.last_ignored


def test_a_pcd04_alarm_text_of_megabytes_is_cut_and_its_alarm_shows():
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    central.deliver(chair.status())
    chair.device("spo2", 86)
    (topic, payload), *_ = chair.new_pcd04s()
    words = "SpO2 86 %, limit ≤90"
    huge = payload.decode().replace(words, words + " x" * MB)
    central.board.receive(topic, huge.encode(), central.now())

    card = central.card("chair-1")
    assert card.alarm is not None
    assert card.alarm.text.startswith(words) and len(card.alarm.text) <= TEXT_LIMIT
    assert central.sounding() == card.alarm.priority.label
    assert central.board.ignored == 1 and "alarm text" in central.board.last_ignored
    # The trend's marker of that alarm carries the cut text too.
    marks = central.board.trend("chair-1").alarms
    assert marks and all(len(m.message) <= TEXT_LIMIT for m in marks)
    # Received whole into the central log: nothing handed to the station is lost.
    assert any(len(row[4]) > MB for row in central.log.received if row[2] == "pcd04")


def test_a_message_far_larger_than_any_chair_sends_is_refused_and_the_card_keeps_its_last():
    central = Central(MemoryLog())
    chair = _room1_with_a_high_alarm(central)
    central.deliver(chair.status())
    topic, payload = chair.status(room="x" * (MAX_PAYLOAD_BYTES + 1))
    central.board.receive(topic, payload, central.now())

    card = central.card("chair-1")
    assert card.room == "Room 1"
    assert card.alarm is not None and card.alarm.text.startswith("SpO2 84")
    assert central.board.ignored == 1
    assert f"{len(payload):,} bytes" in central.board.last_ignored
    assert f"{MAX_PAYLOAD_BYTES:,}" in central.board.last_ignored


def test_a_trend_as_large_as_a_chair_ever_sends_is_taken():
    """The largest snapshot a chair builds: every series at its 1,500 points, a break every
    ten seconds of an eight-hour session (chair_status.build_trend)."""
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    start = central.now().wall
    observations = [(name, start + timedelta(seconds=i), 123.4)
                    for name in TREND_SERIES for i in range(0, 8 * 3600, 4)]
    breaks = [start + timedelta(seconds=i + 0.5) for i in range(0, 8 * 3600, 10)]
    central.t(8 * 3600)
    central.deliver(chair.status())
    snapshot = build_trend("chair-1", chair.s.engine.session_id, central.now().wall,
                           observations, breaks=breaks)
    payload = bus_topics.encode(snapshot)
    assert len(payload) < MAX_PAYLOAD_BYTES / 8   # far below the limit
    central.board.receive(chair.topic("trend"), payload, central.now())
    assert central.board.ignored == 0, central.board.last_ignored
    assert len(central.board.trend("chair-1").series["spo2"]) == 1500


@pytest.mark.parametrize("field", ["patient", "room"])
def test_the_window_draws_a_huge_text_cut_and_another_chairs_new_high_alarm(qtbot, field):
    central = Central(MemoryLog())
    chairs = busy_clinic(central)
    window = window_for(qtbot, central, (1366, 768))
    topic, payload = (chairs[3].status(session={"patient": BIG}) if field == "patient"
                      else chairs[3].status(room=BIG))
    central.board.receive(topic, payload, central.now())
    # In the same second, chair-6's SpO2 84: a new high alarm.
    chairs[6].device("spo2", 84)
    for message in chairs[6].new_pcd04s():
        central.deliver(message)
    window.refresh()   # one tick of the window's timer
    QtWidgets.QApplication.processEvents()

    drawn = window.cards["chair-3"]
    whole = drawn.room.full_text() if field == "room" else drawn.info.full_text()
    assert "Pseudonym xxx" in whole and len(whole) <= 2 * TEXT_LIMIT
    assert len(drawn.room.toolTip()) <= 2 * TEXT_LIMIT
    assert len(drawn.info.toolTip()) <= 2 * TEXT_LIMIT
    assert window.cards["chair-6"].alarm.full_text().startswith("*** SpO2 84")
    assert central.sounding() == "high"

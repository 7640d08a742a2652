"""A chair whose console is newer than the central station (its statuses carry "v": 2: the clinic
updated the chairs first) is heard as a chair this station cannot read: a station alarm naming
the chair and both versions, high while a high alarm it sent (its PCD-04, HL7, read here) stands,
and its card says its statuses cannot be read.

A review: every status was refused as "not a status of this schema" (only counted), the chair's
high SpO2 alarm was read and logged from its PCD-04 but its card was a grey "No connection (no
status yet)", and nothing sounded."""

from __future__ import annotations

import json
from datetime import timedelta

from console.central.board import CLOSED_CARD_S, RESTORE_S, Board
from console.central.central_log import CentralLog
from protocols.model import Priority
from tests.central.helpers import Bus, Central, Chair, MemoryLog

NEWER = "chair-1 sends status version 2; this station reads 1: update the central station"


def _newer_status(central: Central, chair: Chair) -> None:
    """The chair's status now, as its newer console sends it."""
    topic, payload = chair.status()
    obj = json.loads(payload)
    obj["v"] = 2
    central.board.receive(topic, json.dumps(obj).encode(), central.now())


def _newer_chair_with_a_high_alarm(central: Central) -> Chair:
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    _newer_status(central, chair)
    # SpO2 84 at the chair: its PCD-04 is read here.
    chair.device("spo2", 84)
    for message in chair.new_pcd04s():
        central.deliver(message)
    return chair


def test_a_high_alarm_from_a_chair_of_a_newer_version_sounds_a_high_station_alarm():
    central = Central(MemoryLog())
    chair = _newer_chair_with_a_high_alarm(central)
    for second in (62, 64, 66, 68, 70, 72, 80):
        central.t(second)
        _newer_status(central, chair)

    # Every status refused, counted.
    assert central.board.ignored == 8
    assert "status version 2" in central.board.last_ignored
    # The station's own alarm says what is wrong and what to do, high for the high alarm the
    # chair sent, and names that alarm; it sounds.
    (alarm,) = central.board.station_alarms(central.now())
    assert alarm.text.startswith(NEWER), alarm.text
    assert "SpO2 84" in alarm.text
    assert alarm.priority is Priority.HIGH
    assert central.sounding() == "high"
    banner = central.board.banner(central.now())
    assert banner is not None and banner.text.startswith(NEWER)
    # The card says why it shows nothing, never "no status yet".
    card = central.card("chair-1")
    assert not card.connected
    assert "statuses cannot be read" in card.connection_text, card.connection_text
    assert "no status yet" not in card.connection_text


def test_a_chair_of_a_newer_version_without_an_alarm_is_a_medium_station_alarm():
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    _newer_status(central, chair)
    (alarm,) = central.board.station_alarms(central.now())
    assert alarm.text == NEWER
    assert alarm.priority is Priority.MEDIUM
    assert central.sounding() == "medium"
    # Silenced here, it stays silenced while the chair's statuses go on being refused.
    assert central.board.silence_station("B. Central", central.now()).startswith("Silenced")
    central.t(2)
    _newer_status(central, chair)
    assert central.sounding() is None
    # Its statuses stop (its console closed: its farewell is of its version too), no alarm of
    # it open here: over once a closed chair's card would have left the board.
    central.t(2 + CLOSED_CARD_S + 1)
    assert central.board.station_alarms(central.now()) == []


def test_a_chair_that_went_from_readable_to_newer_is_that_alarm_not_a_lost_chair():
    """Its console updated and restarted: its card had its high alarm; its statuses are no
    longer read. One alarm says why, at the high it had, not "no connection to the chair"."""
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    chair.device("spo2", 84)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    for second in range(62, 90, 2):
        central.t(second)
        _newer_status(central, chair)
    # Its room known from before, named with it.
    (alarm,) = central.board.station_alarms(central.now())
    assert alarm.text.startswith(NEWER.replace("chair-1", "chair-1 (Room 1)")), alarm.text
    assert "SpO2 84" in alarm.text and alarm.priority is Priority.HIGH
    assert central.sounding() == "high"
    assert "statuses cannot be read" in central.card("chair-1").connection_text


def test_after_a_restart_a_chair_gone_from_readable_to_newer_is_that_alarm(tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    try:
        central = Central(log)
        chair = central.chair("chair-1", "Room 1")
        chair.start_infusion()
        central.t(60)
        chair.device("spo2", 84)
        for message in chair.new_pcd04s():
            central.deliver(message)
        central.deliver(chair.status())
        for second in range(62, 90, 2):
            central.t(second)
            _newer_status(central, chair)
        board = Board("desk", log, Bus())
        now = central.now()
        board.restore({name: [(r.kind, r.received_at, r.payload) for r in rows]
                       for name, rows in log.last_words(now.wall - timedelta(
                           seconds=RESTORE_S)).items()}, now)
        board.set_bus(True, "Connected", now)
        board.tick(now)
        (alarm,) = board.station_alarms(now)
        assert "sends status version 2" in alarm.text and "SpO2 84" in alarm.text
        assert alarm.priority is Priority.HIGH
    finally:
        log.close()


def test_a_readable_status_ends_it():
    central = Central(MemoryLog())
    chair = _newer_chair_with_a_high_alarm(central)
    central.t(62)
    central.deliver(chair.status())   # the chair's console back to this station's version
    assert central.board.station_alarms(central.now()) == []
    card = central.card("chair-1")
    assert card.connected and card.alarm is not None and card.alarm.text.startswith("SpO2 84")
    assert central.sounding() == "high"


def test_after_a_restart_the_alarm_stands_as_it_was(tmp_path):
    """The central restarted (an update, a crash): from its log, before the chair's next
    status, the same high station alarm, naming the same alarm."""
    log = CentralLog.open(tmp_path / "central.sqlite3")
    try:
        central = Central(log)
        _newer_chair_with_a_high_alarm(central)
        central.t(62)
        board = Board("desk", log, Bus())
        now = central.now()
        since = now.wall - timedelta(seconds=RESTORE_S)
        board.restore({name: [(r.kind, r.received_at, r.payload) for r in rows]
                       for name, rows in log.last_words(since).items()}, now)
        board.set_bus(True, "Connected", now)
        board.tick(now)
        (alarm,) = board.station_alarms(now)
        assert alarm.text.startswith(NEWER) and "SpO2 84" in alarm.text
        assert alarm.priority is Priority.HIGH
        assert board.audio(now) is Priority.HIGH
        assert "statuses cannot be read" in board.card("chair-1", now).connection_text
    finally:
        log.close()


def test_after_a_restart_the_nurses_silence_of_it_stands(tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    try:
        central = Central(log)
        _newer_chair_with_a_high_alarm(central)
        assert central.board.silence_station("B. Central", central.now()).startswith("Silenced")
        central.t(62)
        board = Board("desk", log, Bus())
        now = central.now()
        board.restore({name: [(r.kind, r.received_at, r.payload) for r in rows]
                       for name, rows in log.last_words(now.wall - timedelta(
                           seconds=RESTORE_S)).items()}, now)
        board.set_bus(True, "Connected", now)
        board.tick(now)
        (alarm,) = board.station_alarms(now)
        assert alarm.silenced and alarm.priority is Priority.HIGH
        assert board.audio(now) is None
    finally:
        log.close()

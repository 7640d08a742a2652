"""Two consoles publish under one chair name (a settings kit copied), Room 2's with a high SpO2
84 open. Their statuses interleave; each replaced the card's alarms and dropped the other run's
PCD-04s, so on every other status the high was off the card and off what the station sounds,
and the station's "Two chairs use the name" alarm was a medium that named no alarm (a review).
Each run's open alarms are kept apart: the card keeps the high, the station alarm is as urgent
as the highest open alarm of either and names it (README: the alarm area never hides a high
alarm)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.central.board import TWIN_CHAIR_S
from console.network.pcd import Station
from console.session.alarm_area import NewAlarmWatch
from protocols.model import Priority
from tests.central.clinic import busy_clinic
from tests.central.helpers import Central, Chair, MemoryLog
from tests.central.test_window import window_for


@pytest.fixture
def central() -> Central:
    return Central(MemoryLog())


def _twins(central: Central) -> tuple[Chair, Chair]:
    sick = central.chair("chair-2", "Room 2", patient="K-0001")
    well = central.chair("chair-2", "Room 5", patient="K-0002")
    sick.start_infusion()
    well.start_infusion()
    return sick, well


def _status(central: Central, sick: Chair, well: Chair, second: int,
            **sick_status: object) -> Chair:
    """The status of the second `second`: the sick chair's on odd seconds, the well one's on
    even ones (each console every 2 s, interleaved)."""
    central.t(second)
    chair = sick if second % 2 else well
    override = sick_status if chair is sick else {}
    central.deliver(chair.status(instance="run-a" if chair is sick else "run-b", **override))
    return chair


def _twin_alarm(central: Central):
    [alarm] = [a for a in central.board.station_alarms(central.now())
               if a.key == "twin-chair:chair-2"]
    return alarm


def test_a_high_alarm_of_one_of_two_chairs_sharing_a_name_stays_on_the_card_and_sounding(central):
    sick, well = _twins(central)
    for second in range(1, 30):   # both publish, their statuses interleaved: the twin alarm
        _status(central, sick, well, second)
    assert _twin_alarm(central).priority.label == "medium"
    # SpO2 84 at Room 2: high; its alarm message comes before its next status.
    sick.device("spo2", 84)
    for message in sick.new_pcd04s():
        central.deliver(message)
    for second in range(30, 40):
        chair = _status(central, sick, well, second)
        # After either console's status: the card shows the high, the station sounds it, and
        # the twin alarm is high and names it, with its room.
        card = central.card("chair-2")
        assert card.alarm is not None and card.alarm.text.startswith("SpO2 84"), (
            second, chair.room, card.alarm)
        assert card.alarm.priority.label == "high" and central.sounding() == "high", second
        twin = _twin_alarm(central)
        assert twin.priority.label == "high", (second, twin)
        assert twin.text.startswith(
            "Two chairs use the name chair-2 (Room 2, Room 5); Room 2: *** SpO2 84"), twin.text


def test_one_consoles_alarm_ending_there_ends_here_while_the_other_runs_on(central):
    sick, well = _twins(central)
    for second in range(1, 30):
        _status(central, sick, well, second)
    sick.device("spo2", 92)   # medium at Room 2
    for message in sick.new_pcd04s():
        central.deliver(message)
    for second in range(30, 34):
        _status(central, sick, well, second)
    assert central.card("chair-2").alarm.text.startswith("SpO2 92")
    assert _twin_alarm(central).priority.label == "medium"
    # Back to 97: a medium ends at the chair; its end and its next status say so.
    sick.device("spo2", 97)
    for message in sick.new_pcd04s():
        central.deliver(message)
    for second in range(34, 38):
        _status(central, sick, well, second)
        assert central.card("chair-2").alarm is None
        assert central.sounding() == "medium"   # the twin alarm alone
    assert not _twin_alarm(central).text.startswith("Two chairs use the name chair-2 (Room 2, "
                                                    "Room 5); ")


def test_the_high_of_a_console_whose_clock_is_behind_is_not_dropped_as_old(central):
    # Two PCs keep their own time and count their own statuses: Room 2's is 5 s behind and
    # started later, so each of its statuses is stamped and counted before the other's latest.
    # Taken for older copies, they were dropped with their alarms.
    sick, well = _twins(central)

    def behind(second: int) -> dict[str, object]:
        return {"sent_at": (central.now().wall - timedelta(seconds=5)).isoformat(),
                "seq": second // 4}

    for second in range(1, 30):
        _status(central, sick, well, second, **behind(second))
    sick.device("spo2", 84)
    for message in sick.new_pcd04s():
        central.deliver(message)
    for second in range(30, 40):
        _status(central, sick, well, second, **behind(second))
        assert central.card("chair-2").alarm.text.startswith("SpO2 84"), second
        assert central.sounding() == "high", second
        assert _twin_alarm(central).priority.label == "high", second


def test_the_twin_alarm_and_the_other_consoles_alarms_go_once_it_is_gone(central):
    sick, well = _twins(central)
    for second in range(1, 30):
        _status(central, sick, well, second)
    sick.device("spo2", 92)
    for message in sick.new_pcd04s():
        central.deliver(message)
    for second in range(30, 34):
        _status(central, sick, well, second)
    # Room 2's console is switched off for good (a console closed from the start screen): only
    # Room 5's statuses from now on.
    for second in range(34, int(34 + TWIN_CHAIR_S) + 4, 2):
        central.t(second)
        central.deliver(well.status(instance="run-b"))
    assert [a.key for a in central.board.station_alarms(central.now())] == []
    assert central.card("chair-2").alarm is None and central.sounding() is None


def test_acknowledge_on_a_card_two_consoles_share_sends_nothing(central):
    # Both consoles receive the chair's commands, and their logs number sessions and alarms
    # alike: an acknowledgement of Room 2's alarm could acknowledge Room 5's. The nurse is sent
    # to the chair; nothing is sent, logged as given or silenced.
    sick, well = _twins(central)
    for second in range(1, 30):
        _status(central, sick, well, second)
    sick.device("spo2", 92)   # medium at Room 2
    for message in sick.new_pcd04s():
        central.deliver(message)
    for second in range(30, 34):
        _status(central, sick, well, second)
    acted = len(central.log.actions)
    result = central.acknowledge("chair-2")
    assert result.endswith("two chairs use the name chair-2 (Room 2, Room 5): nothing sent (it "
                           "could acknowledge the other chair's alarm); acknowledge at the chair"), result
    assert central.bus.on("chair-2/command") == []
    assert len(central.log.actions) == acted
    assert central.card("chair-2").alarm.text.startswith("SpO2 92")
    # Once Room 2's console alone is heard again, the card acknowledges as before.
    for second in range(34, int(34 + TWIN_CHAIR_S) + 4, 2):
        central.t(second)
        central.deliver(sick.status(instance="run-a"))
    assert "acknowledgement sent" in central.acknowledge("chair-2")
    assert len(central.bus.on("chair-2/command")) == 1


def _same_numbers(sick: Chair, well: Chair) -> None:
    """Both consoles number from their own log: each one's first alarm is session 1,
    occurrence 1, as the other's."""
    assert [o.id for o in sick.occurrences()] == [o.id for o in well.occurrences()] == [1]
    assert sick.s is not None and well.s is not None
    assert sick.s.engine.session_id == well.s.engine.session_id


def test_two_highs_of_two_chairs_sharing_a_name_and_a_number_are_both_on_screen(central):
    # Room 2's SpO2 84 and Room 5's SpO2 83, both high, both session 1 occurrence 1. Kept by
    # that number alone, one was thrown away: the card showed SpO2 83 alone under "Room 2",
    # the twin alarm named the same, and Room 2's 84 was nowhere on screen (a review).
    sick, well = _twins(central)
    for second in range(1, 30):
        _status(central, sick, well, second)
    sick.device("spo2", 84)
    for message in sick.new_pcd04s():
        central.deliver(message)
    central.t(29.5)
    well.device("spo2", 83)   # half a second later: the newer, first by the bedside's order
    for message in well.new_pcd04s():
        central.deliver(message)
    _same_numbers(sick, well)
    for second in range(30, 36):
        if second > 30:   # right after the alarm messages, then after each console's status
            _status(central, sick, well, second)
        card = central.card("chair-2")
        # The card: the newer high on its line, the other high counted ("+1 more").
        assert card.alarm is not None and card.alarm.priority is Priority.HIGH, second
        assert card.alarm.others == (Priority.HIGH,), (second, card.alarm)
        # Each line names its own room: the card's title is either console's.
        assert (card.alarm.room, card.alarm.text) == ("Room 5", "SpO2 83 %, limit ≤90"), second
        # The twin alarm names each room's high, in the bedside's order.
        twin = _twin_alarm(central)
        assert twin.priority is Priority.HIGH, (second, twin)
        assert twin.text.startswith(
            "Two chairs use the name chair-2 (Room 2, Room 5); Room 5: *** SpO2 83 %, limit "
            "≤90; Room 2: *** SpO2 84 %, limit ≤90; their alarms"), (second, twin.text)
        # Both sound, each its own: the second console's high called the window forward
        # (NewAlarmWatch), not taken for the first's.
        chair_keys = [key for key, _, _ in central.board.sounding(central.now())
                      if key[0] == "chair-2"]
        assert len(set(chair_keys)) == 2, (second, chair_keys)


def test_one_consoles_alarm_ending_leaves_the_others_of_the_same_number(central):
    # Room 2's SpO2 84 (high) and Room 5's SpO2 92 (medium), both occurrence 1 of session 1.
    # Room 5's ends: its end is Room 5's, and Room 2's high of the same number stays on the
    # card and sounding.
    sick, well = _twins(central)
    for second in range(1, 30):
        _status(central, sick, well, second)
    sick.device("spo2", 84)
    well.device("spo2", 92)
    for message in [*sick.new_pcd04s(), *well.new_pcd04s()]:
        central.deliver(message)
    _same_numbers(sick, well)
    for second in range(30, 34):
        _status(central, sick, well, second)
    well.device("spo2", 97)   # a medium ends at the chair as the value returns
    for message in well.new_pcd04s():
        central.deliver(message)
    for second in range(34, 40):
        if second > 34:
            _status(central, sick, well, second)
        card = central.card("chair-2")
        assert card.alarm is not None and card.alarm.text.startswith("SpO2 84"), (second,
                                                                                   card.alarm)
        assert card.alarm.room == "Room 2" and card.alarm.others == (), (second, card.alarm)
        assert central.sounding() == "high", second


def test_a_shared_cards_alarm_line_names_its_room_whole_at_20_chairs(qtbot):
    # 20 chairs at 1366x768, Room 2's SpO2 88 high; a second console copied from Room 2's kit
    # in "Room 21 · door side" raises RR 5 (the longest words), its own occurrence 1 of session
    # 1. The card's line says whose alarm it shows, the room before its words, and still reads
    # its value and limit whole, the other high counted.
    central = Central(MemoryLog())
    chairs = busy_clinic(central)
    copy = central.chair("chair-2", "Room 21 · door side", patient="K-2100")
    copy.start_infusion()
    copy.device("resp_rate", 5)
    for second, chair, run in ((541, chairs[2], "run-a"), (542, copy, "run-b"),
                               (543, chairs[2], "run-a")):
        central.t(second)
        central.deliver(chair.status(instance=run))
        for message in chair.new_pcd04s():
            central.deliver(message)
    assert _twin_alarm(central).priority is Priority.HIGH
    window = window_for(qtbot, central, (1366, 768))
    card = window.cards["chair-2"]
    shown = card.alarm.text.text().replace("\n", " ")
    assert shown == "*** Room 21 · door side: RR 5/min, limit ≤8 · +1 more", shown
    assert not card.alarm.text.cut, shown


def _copied_kit(central: Central) -> tuple[Chair, Chair]:
    """A whole kit copied: both consoles say "Room 2", each with its own log id (MSH-3.2), as
    console/ui/app.py makes it."""
    sick = central.chair("chair-2", "Room 2", patient="K-0001")
    well = central.chair("chair-2", "Room 2", patient="K-0002")
    sick.station = Station("0200000000000A0A", facility="Clinic", room="Room 2", bed="chair-2")
    well.station = Station("0200000000000B0B", facility="Clinic", room="Room 2", bed="chair-2")
    sick.start_infusion()
    well.start_infusion()
    return sick, well


def test_one_alarm_of_two_chairs_sharing_a_name_and_a_room_is_listed_once(central):
    # Its alarm message names a room both consoles name: kept apart by its sender, it was
    # listed twice once its console's status listed it too ("+1 more" counting the copy).
    sick, well = _copied_kit(central)
    for second in range(1, 30):
        _status(central, sick, well, second)
    sick.device("spo2", 84)   # one high, at one console only
    for message in sick.new_pcd04s():
        central.deliver(message)
    for second in range(30, 36):
        _status(central, sick, well, second)
        card = central.card("chair-2")
        assert card.alarm is not None and card.alarm.text.startswith("SpO2 84"), second
        assert card.alarm.others == (), (second, card.alarm)   # one open: nothing more
        assert central.sounding() == "high", second


def test_an_alarm_ended_at_one_of_two_chairs_sharing_a_name_and_a_room_leaves_at_its_end(
        central):
    # The end message went to its sender's alarms, never to its console's status's: the ended
    # medium stayed on the card, sounding, until that console's next status.
    sick, well = _copied_kit(central)
    for second in range(1, 30):
        _status(central, sick, well, second)
    sick.device("spo2", 92)   # medium at one console
    for message in sick.new_pcd04s():
        central.deliver(message)
    for second in range(30, 34):
        _status(central, sick, well, second)
    assert central.card("chair-2").alarm.text.startswith("SpO2 92")
    central.t(34.5)
    sick.device("spo2", 97)   # it ends there; its end message comes at once
    for message in sick.new_pcd04s():
        central.deliver(message)
    # As at a chair of its own (an end is final at its PCD-04): nothing open, nothing sounds
    # but the twin alarm.
    assert central.card("chair-2").alarm is None, central.card("chair-2").alarm
    assert central.sounding() == "medium"


def test_an_alarm_ended_before_its_consoles_status_named_it_leaves_at_its_end(central):
    # Its start and its end both come before that console's status lists it: nothing links
    # them to a status, kept by sender; the end ends it all the same.
    sick, well = _copied_kit(central)
    for second in range(1, 30):
        _status(central, sick, well, second)
    sick.device("spo2", 92)
    for message in sick.new_pcd04s():
        central.deliver(message)
    assert central.card("chair-2").alarm.text.startswith("SpO2 92")
    central.t(29.5)
    sick.device("spo2", 97)
    for message in sick.new_pcd04s():
        central.deliver(message)
    assert central.card("chair-2").alarm is None, central.card("chair-2").alarm


def test_the_end_of_twinning_does_not_call_the_window_forward_for_an_alarm_sounding_all_along(
        central):
    # Keyed with its room only while two consoles used the name, Room 2's SpO2 84 was a new
    # alarm to NewAlarmWatch once Room 5's console went quiet: the window came forward (and a
    # low burst again) for an alarm sounding all along.
    sick, well = _twins(central)
    watch = NewAlarmWatch()
    for second in range(1, 30):
        _status(central, sick, well, second)
        watch.update_entries(central.board.sounding(central.now()))
    sick.device("spo2", 84)
    for message in sick.new_pcd04s():
        central.deliver(message)
    for second in range(30, 40):
        _status(central, sick, well, second)
        watch.update_entries(central.board.sounding(central.now()))
    # Room 5's console is switched off; Room 2's goes on every 2 s, past the twinning's end.
    fronted = []
    for second in range(41, int(40 + TWIN_CHAIR_S) + 10, 2):
        central.t(second)
        central.deliver(sick.status(instance="run-a"))
        sounding = central.board.sounding(central.now())
        assert any(p is Priority.HIGH for _, p, _ in sounding), second
        if watch.update_entries(sounding):
            fronted.append((second, [k for k, _, _ in sounding]))
    assert fronted == []


def test_two_alarms_of_one_number_at_two_chairs_sharing_a_name_and_a_room_each_listed_once(
        central):
    # SpO2 84 (high) at one console, SpO2 92 (medium) at the other, both session 1 occurrence
    # 1, in one room: each console's alarm message is its status's, once each; the 92 ending
    # leaves the 84.
    sick, well = _copied_kit(central)
    for second in range(1, 30):
        _status(central, sick, well, second)
    sick.device("spo2", 84)
    well.device("spo2", 92)
    for message in [*sick.new_pcd04s(), *well.new_pcd04s()]:
        central.deliver(message)
    _same_numbers(sick, well)
    for second in range(30, 34):
        _status(central, sick, well, second)
        card = central.card("chair-2")
        assert card.alarm is not None and card.alarm.others == (Priority.MEDIUM,), (second,
                                                                                    card.alarm)
    well.device("spo2", 97)   # the 92 ends there: its end message comes at once
    for message in well.new_pcd04s():
        central.deliver(message)
    for second in range(34, 38):
        if second > 34:
            _status(central, sick, well, second)
        card = central.card("chair-2")
        assert card.alarm is not None and card.alarm.text.startswith("SpO2 84"), second
        assert card.alarm.others == (), (second, card.alarm)

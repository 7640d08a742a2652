"""The central station's model as scenarios: a real engine at each chair publishes status and
PCD-04 as the contract says; the board turns them into cards, tones and commands. Time moves by
arithmetic (`central.t(seconds)`); nothing sleeps."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from console.central.board import ACK_CONFIRM_S, BUS_ALARM_S, Board
from console.network import bus_topics
from console.network.composer import PcdComposer
from console.network.pcd import PatientShown
from devices.reading import AGE_UNKNOWN
from protocols.model import Priority
from tests.central.helpers import Central, MemoryLog, at


@pytest.fixture
def central() -> Central:
    return Central(MemoryLog())


def spo2_alarm(central: Central, name: str = "chair-1", room: str = "Room 1", value: float = 92):
    """A chair in infusion whose SpO2 drops to `value`; its status and PCD-04s delivered."""
    chair = central.chair(name, room)
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    central.deliver(chair.status())   # its status every 2 s: connected when the alarm comes
    chair.device("spo2", value)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    return chair


# ---- the card --------------------------------------------------------------------------------


def test_status_fills_the_card_and_elapsed_time_counts_on_between_statuses(central):
    chair = central.chair("chair-3", "Room 3", patient="K-0042")
    chair.start_infusion()
    central.t(100)
    chair.device("bp_systolic", 185)
    chair.device("bp_diastolic", 118)
    chair.device("bp_mean", 140)
    chair.device("heart_rate", 88)
    chair.device("resp_rate", 14)
    chair.device("spo2", 97)
    # The chair's status arrives.
    central.deliver(chair.status())

    card = central.card("chair-3")
    assert (card.room, card.patient, card.protocol, card.phase) == \
        ("Room 3", "K-0042", "Test IV ketamine", "Infusion")
    assert card.connected and card.has_session and card.connection_text == ""
    assert card.elapsed == "1:40 min"
    assert [(v.label, v.text) for v in card.vitals] == \
        [("BP", "185/118 (140)"), ("HR", "88"), ("RR", "14"), ("SpO2", "97")]
    # Systolic 185 is beyond the medium limit (≥180): BP is marked medium, the rest are not.
    assert [v.priority for v in card.vitals] == [Priority.MEDIUM, None, None, None]

    # 7 s later, no new status yet: the elapsed time has counted on locally.
    central.t(107)
    assert central.card("chair-3").elapsed == "1:47 min"


def test_a_value_of_unknown_age_is_shown_without_a_measured_time(central):
    # An ANSAR-B monitor's NIBP found on it when the chair connected: its status says no time,
    # and the card says the time is unknown rather than showing the receive time as measured.
    chair = central.chair("chair-3", "Room 3")
    chair.start_infusion()
    central.t(100)
    for name, value in (("bp_systolic", 150), ("bp_diastolic", 95)):
        chair.device(name, value, flags=frozenset({AGE_UNKNOWN}))
    chair.device("heart_rate", 88)
    central.deliver(chair.status())
    # Under the BP typed before the dose it is history, at the bedside and here (README).
    assert central.card("chair-3").vitals[0].text == "120/80"
    # That typed BP was another chair's: taken back, the monitor's BP of unknown age stands.
    engine = chair.s.engine
    for name in ("bp_systolic", "bp_diastolic"):
        row = next(r for r, kept in engine._state.rows[name] if kept.reading.source == "manual")
        assert engine.void(row, name, "nurse.ana", chair.clock.now(), "another chair's").done
    central.deliver(chair.status())
    bp, hr = central.card("chair-3").vitals[:2]
    # Grey, as the bedside's tile ("STALE · ... · time unknown").
    assert (bp.text, bp.stale) == ("150/95", True)
    assert bp.tooltip == "BP: time of measurement unknown · STALE: not a current value"
    assert hr.tooltip.startswith("HR measured ") and not hr.stale


def test_a_stale_value_is_grey_without_its_alarm_colour_and_the_alarm_line_stays(central):
    chair = central.chair("chair-3", "Room 3")
    chair.start_infusion()
    central.t(100)
    chair.monitor({"bp_systolic": 185, "bp_diastolic": 100, "heart_rate": 88})
    central.deliver(chair.status())
    bp, hr = central.card("chair-3").vitals[:2]
    assert (bp.priority, bp.stale, hr.stale) == (Priority.MEDIUM, False, False)

    # The chair's monitor is unplugged: the bedside greys its values, so does the card; the
    # monitor's state is on the card's line and the alarms stay on its alarm line.
    assert chair.s is not None
    chair.s.engine.device_state_changed("disconnected", central.now(), "cable")
    central.deliver(chair.status())
    card = central.card("chair-3")
    bp, hr = card.vitals[:2]
    assert (bp.text, bp.priority, bp.stale) == ("185/100", None, True)
    assert (hr.text, hr.stale) == ("88", True) and hr.tooltip.endswith("STALE: not a current value")
    assert card.device_note == "Monitor disconnected"
    assert card.alarm is not None and len(card.alarm.others) == 1   # systolic and the monitor

    # Plugged back, fresh values: current and coloured again.
    chair.s.engine.device_state_changed("connected", central.now())
    central.t(130)
    chair.monitor({"bp_systolic": 186, "bp_diastolic": 100, "heart_rate": 87})
    central.deliver(chair.status())
    bp, hr = central.card("chair-3").vitals[:2]
    assert (bp.priority, bp.stale, hr.stale) == (Priority.MEDIUM, False, False)


def test_a_quiet_room_on_soft_tones_says_so_on_its_card(central):
    # Its bedside plays soft tones while this station confirms its alarms: the central nurse is
    # who will hear them.
    chair = central.chair("chair-12", "Quiet room")
    chair.start_infusion()
    central.deliver(chair.status(audio="quiet"))
    assert central.card("chair-12").audio_note == "soft bedside tones"
    central.deliver(chair.status(audio="full"))
    assert central.card("chair-12").audio_note == ""


def test_a_chair_without_session_says_no_session(central):
    chair = central.chair("chair-9", "Room 9", session=False)
    central.deliver(chair.status())

    card = central.card("chair-9")
    assert card.connected and not card.has_session
    assert card.vitals == () and card.alarm is None


def test_last_will_shows_no_connection_since_the_last_status(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(4)
    # The broker publishes the chair's Last Will.
    central.deliver(chair.will())

    card = central.card("chair-1")
    assert not card.connected
    assert card.connection_text.startswith("No connection since ")
    assert card.connection_text.endswith("(connection lost)")
    assert card.alarm is None and card.vitals == ()
    # The chair had an open session: the station's own technical alarm, medium, sounding.
    assert [(a.key, a.priority) for a in central.board.station_alarms(central.now())] == \
        [("chair:chair-1", Priority.MEDIUM)]
    assert central.sounding() == "medium"


def test_a_chair_lost_while_a_high_alarm_was_open_is_a_high_station_alarm_naming_it(central):
    """A console killed while its SpO2 89 sounded: nobody hears that alarm any more (its bedside
    is gone). The station's loss alarm had been medium, "no connection to the chair", with no
    trace of the high; it is high and names the alarm, on the banner and on the card."""
    chair = spo2_alarm(central, "chair-1", "Room 1", value=89)   # high, sounding
    spo2_alarm(central, "chair-2", "Room 2", value=92)           # medium at another chair
    assert central.sounding() == "high"
    central.t(62)
    central.deliver(chair.will())
    now = central.now()
    (lost,) = [a for a in central.board.station_alarms(now) if a.key == "chair:chair-1"]
    assert lost.priority is Priority.HIGH
    assert lost.text == "Room 1: no connection to the chair; last heard with *** SpO2 89 %, " \
                        "limit ≤90"
    assert central.sounding() == "high"
    assert central.board.banner(now).text == lost.text
    card = central.card("chair-1")
    assert not card.connected and card.connection_text.endswith(
        "(connection lost); last heard with *** SpO2 89 %, limit ≤90")
    # Silenced here, it stays on the banner, steady: the medium of chair 2 is what sounds.
    central.board.silence_station("nurse.bo", now, "chair:chair-1")
    assert central.sounding() == "medium"
    # Back with its alarm over: the loss ends.
    chair.device("spo2", 97)
    central.deliver(chair.status())
    assert not [a for a in central.board.station_alarms(central.now()) if a.key.startswith("chair")]


def test_the_loss_and_an_acknowledgement_name_the_chair_when_two_share_a_room(central):
    # Two chairs in Room 1, their cards "Room 1 · chair-1" and "Room 1 · chair-2": the banner
    # said only "Room 1: no connection to the chair" and the toolbar "Room 1: acknowledgement
    # sent": which patient?
    spo2_alarm(central, "chair-1", "Room 1", value=92)
    lost = spo2_alarm(central, "chair-2", "Room 1", value=89)
    assert central.card("chair-2").title == "Room 1 · chair-2"
    said = central.acknowledge("chair-1", "B. Central")
    assert said == "Room 1 · chair-1: acknowledgement sent (SpO2 92 %, limit ≤93)"
    central.t(62)
    central.deliver(lost.will())
    assert central.board.banner(central.now()).text == (
        "Room 1 · chair-2: no connection to the chair; last heard with *** SpO2 89 %, limit ≤90")


def test_a_chair_lost_with_only_a_low_alarm_open_is_the_medium_loss_it_was(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    chair.s.engine.audio_status(False, central.now(), "paplay: connection refused")
    central.deliver(chair.status())
    central.t(4)
    central.deliver(chair.will())
    (lost,) = central.board.station_alarms(central.now())
    assert (lost.priority, lost.text) == (
        Priority.MEDIUM, "Room 1: no connection to the chair; last heard with * Audio "
                         "unavailable: visual only")


def test_while_the_stations_own_bus_is_down_a_card_does_not_blame_the_chair(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.board.set_bus(False, "Reconnecting (connection refused)", central.now())
    central.t(bus_topics.STATUS_STALE_S + 1)
    card = central.card("chair-1")
    assert not card.connected
    assert card.connection_text.endswith("(this station is not connected to the clinic bus)")
    # The loss is the station's own alarm, not the chair's.
    assert [a.key for a in central.board.station_alarms(central.now())] == ["bus"]


def test_a_chair_lost_before_the_station_started_is_lost_since_before_it_heard(central):
    """The broker keeps a dead chair's Last Will: a station started later hears of the loss late,
    and must not give its own start as the time the chair was lost."""
    chair = central.chair("chair-2", "Room 2")
    central.t(300)
    central.deliver(chair.will())
    card = central.card("chair-2")
    assert not card.connected
    assert card.connection_text.startswith("No connection since before ")
    # Once the chair is heard again and lost again, the time is the last status heard.
    central.deliver(chair.status())
    central.t(305)
    central.deliver(chair.will())
    text = central.card("chair-2").connection_text
    assert text.startswith("No connection since ") and "before" not in text, text


def test_no_status_for_10_s_is_no_connection(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    # 10 s without a status: still connected (the limit is 10 s).
    central.t(bus_topics.STATUS_STALE_S)
    assert central.card("chair-1").connected
    # 10.5 s: no connection, since the last status.
    central.t(bus_topics.STATUS_STALE_S + 0.5)
    card = central.card("chair-1")
    assert not card.connected
    assert "no status for 10 s" in card.connection_text
    # A status again: connected.
    central.deliver(chair.status())
    assert central.card("chair-1").connected


def test_an_older_retained_status_delivered_again_changes_nothing(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    old = chair.status()
    central.t(30)
    chair.device("heart_rate", 95)
    central.deliver(chair.status())
    central.deliver(old)
    assert [v.text for v in central.card("chair-1").vitals][1] == "95"


def test_a_retained_status_delivered_again_does_not_make_a_silent_chair_connected(central):
    # A hung console whose bus worker keeps the connection (no Last Will) sends no status. At
    # each reconnect of the station's client the broker hands it the chair's retained status
    # again, the very one it had: the card turned connected, its elapsed time jumping back and
    # its old values as current, and the chair's loss ended for another 10 s.
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    chair.monitor({"heart_rate": 80, "spo2": 97})
    retained = chair.status()
    central.deliver(retained)
    central.t(60 + 120)   # two minutes without a status
    assert not central.card("chair-1").connected
    assert [a.key for a in central.board.station_alarms(central.now())] == ["chair:chair-1"]
    # The station resubscribes: the same retained status again.
    central.deliver(retained)
    card = central.card("chair-1")
    assert not card.connected and card.vitals == ()
    assert [a.key for a in central.board.station_alarms(central.now())] == ["chair:chair-1"]
    # The chair's next status (its count on) is heard as ever.
    central.deliver(chair.status())
    assert central.card("chair-1").connected


def test_a_chair_whose_clock_was_stepped_back_stays_connected_by_its_status_count(central):
    """Statuses that read older by the chair's clock (NTP stepped it back 5 min) but count on
    were dropped: the chair went "no connection" while it talked (alarm-path audit)."""
    from datetime import timedelta

    from console.clock import iso

    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    for second in (5, 10, 15):
        central.t(second)
        central.deliver(chair.status(sent_at=iso(central.now().wall - timedelta(minutes=5))))
    assert central.card("chair-1").connected


def test_an_alarm_of_a_chair_shown_as_no_connection_is_not_confirmed(central):
    """The card of a chair without connection shows and sounds none of its alarms: confirming
    its PCD-04 told a quiet room's bedside that the central had the alarm."""
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(bus_topics.STATUS_STALE_S + 1)
    assert not central.card("chair-1").connected
    chair.device("spo2", 85)
    messages = list(chair.new_pcd04s())
    for message in messages:
        central.deliver(message)
    assert central.bus.on("/confirm") == []
    central.deliver(chair.status())   # heard again: what it now shows, it confirms
    assert central.card("chair-1").connected and central.card("chair-1").alarm is not None
    assert len(central.bus.on("/confirm")) == len(messages)


# ---- alarms ----------------------------------------------------------------------------------


def test_a_raised_alarm_shows_flashing_and_sounds(central):
    spo2_alarm(central)

    card = central.card("chair-1")
    assert card.alarm is not None
    assert (card.alarm.text, card.alarm.priority, card.alarm.flashing, card.alarm.note) == \
        ("SpO2 92 %, limit ≤93", Priority.MEDIUM, True, "")
    assert card.vitals[3].priority is Priority.MEDIUM
    assert central.sounding() == "medium"


def test_the_highest_alarm_across_chairs_sounds(central):
    spo2_alarm(central, "chair-1", "Room 1", value=92)            # medium
    chair2 = spo2_alarm(central, "chair-2", "Room 2", value=89)   # high
    assert central.sounding() == "high"
    assert central.board.highest_chair(central.now()) == "chair-2"
    # The nurse at chair 2 acknowledges at the bedside: the medium of chair 1 is what sounds.
    central.t(65)
    (occurrence,) = chair2.occurrences()
    chair2.acknowledge_at_bedside(occurrence.id)
    for message in chair2.new_pcd04s():
        central.deliver(message)
    assert central.sounding() == "medium"
    assert central.board.highest_chair(central.now()) == "chair-1"


def test_a_view_over_the_grid_keeps_the_highest_alarm_in_sight_whoever_raised_it(central):
    """A chair's trend covers the grid: what it must still show (`Board.in_sight`)."""
    spo2_alarm(central, "chair-1", "Room 1", value=92)   # medium, the chair being viewed
    lost = central.chair("chair-3", "Room 3")
    lost.start_infusion()
    central.deliver(lost.status())
    central.deliver(lost.will())                           # the station's own medium
    central.board.set_audio(False, "paplay failed")       # the station's own low
    now = central.now()
    # Medium against medium: the station's alarm before the chair whose trend is open...
    found = central.board.in_sight(now, viewing="chair-1")
    assert found is not None
    assert found.headline() == "Central station: Room 3: no connection to the chair"
    assert found.more() == "+2 more: 1 medium, 1 low"
    # ... and a chair's before the station's when no chair is being viewed.
    assert central.board.in_sight(now).headline() == "Room 1: SpO2 92 %, limit ≤93"
    # A high alarm at another chair outranks everything, the station's low audio alarm included
    # (it once took this place from a chair's high alarm).
    spo2_alarm(central, "chair-2", "Room 2", value=89)
    found = central.board.in_sight(central.now(), viewing="chair-1")
    assert found is not None and found.line.priority is Priority.HIGH
    assert found.headline() == "Room 2: SpO2 89 %, limit ≤90"
    assert found.more() == "+3 more: 2 medium, 1 low"
    # Viewing the chair with the high alarm: still the one shown, the others counted.
    assert central.board.in_sight(central.now(), viewing="chair-2").headline() == \
        "Room 2: SpO2 89 %, limit ≤90"


def test_a_pcd04_newer_than_the_status_shows_at_once_and_a_newer_status_ends_it(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    central.deliver(chair.status())
    # SpO2 92: the PCD-04 (start) arrives before the next status.
    chair.device("spo2", 92)
    for message in chair.new_pcd04s():
        central.deliver(message)
    assert central.card("chair-1").alarm.priority is Priority.MEDIUM
    central.t(62)
    # SpO2 97 at the chair: the medium alarm clears there; the next status no longer lists it
    # (its PCD-04 end is lost, say): the status, being newer, ends it here too.
    chair.device("spo2", 97)
    central.deliver(chair.status())
    assert central.card("chair-1").alarm is None
    assert central.sounding() is None


def test_duplicate_pcd04_is_neither_shown_nor_logged_twice(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    central.deliver(chair.status())
    chair.device("spo2", 92)
    (raised,) = chair.new_pcd04s()
    # The raise arrives, then the chair acknowledges at the bedside and the update arrives.
    central.deliver(raised)
    (occurrence,) = chair.occurrences()
    central.t(65)
    chair.acknowledge_at_bedside(occurrence.id)
    (acknowledged,) = chair.new_pcd04s()
    central.deliver(acknowledged)
    assert central.card("chair-1").alarm.note == "acknowledged"
    assert central.sounding() is None
    # QoS 1 delivers the raise again: nothing changes, nothing sounds, nothing is logged.
    logged = len(central.log.received)
    central.deliver(raised)
    assert central.card("chair-1").alarm.note == "acknowledged"
    assert central.sounding() is None
    assert len(central.log.received) == logged
    assert central.board.duplicates == 1
    # Each PCD-04 was confirmed, the duplicate too (the chair may have missed the first).
    confirms = [s.json["control_id"] for s in central.bus.on("/confirm")]
    raised_id = raised[1].split(b"|")[9].decode()
    assert confirms.count(raised_id) == 2


def test_every_pcd04_shown_is_confirmed_to_its_chair(central):
    spo2_alarm(central, "chair-4", "Room 4")

    (confirm,) = central.bus.on("/confirm")
    assert confirm.topic == "infusion/chair/chair-4/confirm"
    assert (confirm.qos, confirm.retain) == (1, False)
    assert set(confirm.json) == {"v", "control_id", "station", "at"}
    assert confirm.json["station"] == "desk"
    assert confirm.json["control_id"].startswith("ALM-")


# ---- acknowledge at the central --------------------------------------------------------------


def test_acknowledge_at_central_sends_the_command_silences_at_once_and_waits_for_the_chair(central):
    chair = spo2_alarm(central)
    (occurrence,) = chair.occurrences()
    assert central.sounding() == "medium"
    # The central nurse acknowledges on chair 1's card.
    said = central.acknowledge("chair-1", "B. Central")

    assert said.startswith("Room 1: acknowledgement sent")
    (command,) = central.bus.on("/command")
    assert command.topic == "infusion/chair/chair-1/command"
    body = command.json
    assert {k: body[k] for k in ("kind", "session", "occurrence", "by", "station",
                                 "priority")} == \
        {"kind": "acknowledge", "session": 1, "occurrence": occurrence.id, "by": "B. Central",
         "station": "desk", "priority": "medium"}
    assert body["id"] == "desk-mem-1"
    # The central tone stops at once; the card still flashes: the chair has not said so yet.
    assert central.sounding() is None
    card = central.card("chair-1")
    assert (card.alarm.note, card.alarm.flashing, card.can_acknowledge) == ("ack sent…", True, False)
    # The action is in the central log.
    (action,) = central.log.actions
    assert action[1:6] == ("B. Central", "chair-1", 1, occurrence.id, "acknowledge")

    # The chair applies the command and publishes the PCD-04 update: now acknowledged, steady.
    central.t(62)
    outcome = chair.s.engine.acknowledge_from_central(occurrence.id, body["by"], body["station"],
                                                      body["id"], central.now())
    assert outcome.done
    for message in chair.new_pcd04s():
        central.deliver(message)
    card = central.card("chair-1")
    assert (card.alarm.note, card.alarm.flashing) == ("acknowledged", False)
    assert central.sounding() is None


def test_an_acknowledgement_the_chair_never_confirms_sounds_again_after_10_s(central):
    chair = spo2_alarm(central)
    central.acknowledge("chair-1", "B. Central")
    # The command is lost: within ACK_CONFIRM_S the central stays silent and says it is waiting.
    central.t(60 + ACK_CONFIRM_S)
    central.deliver(chair.status())
    assert central.sounding() is None
    assert central.card("chair-1").alarm.note == "ack sent…"
    # After that, the alarm is still open at the chair: the central sounds again and says so.
    central.t(60 + ACK_CONFIRM_S + 1)
    assert central.sounding() == "medium"
    card = central.card("chair-1")
    assert card.alarm.note == "ack not confirmed" and card.can_acknowledge


def test_an_escalation_after_a_central_acknowledgement_sounds_again(central):
    chair = spo2_alarm(central)
    central.acknowledge("chair-1", "B. Central")
    assert central.sounding() is None
    central.t(63)
    # SpO2 89 at the chair: the alarm escalates to high before the chair applied the command,
    # which the chair then refuses: the note says so (it was empty: a review).
    chair.device("spo2", 89)
    for message in chair.new_pcd04s():
        central.deliver(message)
    assert central.card("chair-1").alarm.priority is Priority.HIGH
    assert central.sounding() == "high"
    assert central.card("chair-1").alarm.note == "medium ack refused"


def test_only_the_alarm_on_the_card_is_acknowledged(central):
    chair = spo2_alarm(central, value=89)   # high SpO2
    central.t(70)
    chair.device("resp_rate", 24)
    chair.device("resp_rate", 26)            # medium RR high
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    card = central.card("chair-1")
    assert card.alarm.priority is Priority.HIGH and card.alarm.more() == "+1 more: 1 medium"

    central.acknowledge("chair-1", "B. Central")
    (command,) = central.bus.on("/command")
    assert command.json["occurrence"] == card.alarm.occurrence
    # The medium one still sounds here.
    assert central.sounding() == "medium"


def test_an_active_high_alarm_shows_before_a_newer_latched_one_as_at_the_bedside(central):
    # A code review: the board ranked a latched alarm like one holding now, so an SpO2 84 over
    # before anyone saw it took the card and the RR 5 still holding was "+1 more"; Acknowledge
    # acted on the latched one. The bedside's order: holding now, then latched, then seen.
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    chair.monitor({"bp_systolic": 120, "bp_diastolic": 80, "bp_mean": 90, "heart_rate": 70,
                   "resp_rate": 14, "spo2": 97})
    central.deliver(chair.status())
    central.t(5)
    chair.device("resp_rate", 5)                  # high, holds
    central.t(20)
    chair.device("spo2", 84)                      # high, newer
    central.t(40)
    chair.monitor({"resp_rate": 5, "spo2": 97})   # SpO2 back before anyone saw it: latched
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    rr, spo2 = sorted(chair.occurrences(), key=lambda o: o.id)
    assert (rr.state.value, spo2.state.value) == ("active", "latched")
    # The card: the RR 5 holding now, the latched SpO2 counted; both sound here.
    card = central.card("chair-1")
    assert card.alarm.text.startswith("Respiratory rate 5")
    assert (card.alarm.occurrence, card.alarm.note, card.alarm.flashing) == (rr.id, "", True)
    assert card.alarm.more() == "+1 more: 1 high"
    assert central.sounding() == "high"
    # Acknowledge acts on the RR 5 shown: the command goes to the chair.
    assert central.acknowledge("chair-1").startswith(
        "Room 1: acknowledgement sent (Respiratory rate 5")
    (command,) = central.bus.on("/command")
    assert (command.json["occurrence"], command.json["priority"]) == (rr.id, "high")


def test_acknowledge_acts_only_on_the_alarm_the_card_showed_when_clicked(central):
    # A code review: Acknowledge worked out its alarm again at the click, so a high alarm taken
    # after the card's last draw (it redraws every 250 ms) was acknowledged, unseen.
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(5)
    chair.device("heart_rate", 118)              # medium, shown on the card
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    card = central.card("chair-1")
    assert card.alarm.text.startswith("Heart rate 118") and card.can_acknowledge
    seen = card.target
    assert seen is not None and (seen.occurrence, seen.priority) == \
        (card.alarm.occurrence, Priority.MEDIUM)
    # SpO2 84 (high) arrives before the next draw; the nurse clicks under the HR alarm.
    chair.device("spo2", 84)
    for message in chair.new_pcd04s():
        central.deliver(message)
    said = central.board.acknowledge("chair-1", "B. Central", central.now(), seen)
    # Nothing acknowledged, nothing sent; she is told what the card shows now; both sound.
    assert said == ("Room 1: nothing acknowledged; the alarm changed since it was shown, now "
                    "*** SpO2 84 %, limit ≤90: read the card and acknowledge again")
    assert central.bus.on("/command") == []
    assert central.sounding() == "high"
    assert central.log.actions == []
    # Redrawn, the card shows the SpO2 84; Acknowledge under it acts on it.
    card = central.card("chair-1")
    assert card.alarm.text.startswith("SpO2 84") and card.target is not None
    assert central.board.acknowledge("chair-1", "B. Central", central.now(), card.target) \
        .startswith("Room 1: acknowledgement sent (SpO2 84")
    (command,) = central.bus.on("/command")
    assert (command.json["occurrence"], command.json["priority"]) == \
        (card.alarm.occurrence, "high")


def test_an_alarm_that_escalated_since_it_was_shown_is_not_acknowledged(central):
    chair = spo2_alarm(central, value=92)        # SpO2 92: shown, and its Acknowledge drawn
    seen = central.card("chair-1").target
    assert seen is not None and seen.priority < Priority.HIGH
    central.t(62)
    chair.device("spo2", 89)                     # the same alarm, now high
    for message in chair.new_pcd04s():
        central.deliver(message)
    assert central.board.acknowledge("chair-1", "B. Central", central.now(), seen).startswith(
        "Room 1: nothing acknowledged; the alarm changed since it was shown, now *** SpO2 89")
    assert central.bus.on("/command") == []


def test_nothing_to_acknowledge_sends_nothing(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    assert central.acknowledge("chair-1", "B") == \
        "Room 1: no alarm to acknowledge"
    assert central.acknowledge("chair-7", "B").startswith("chair-7: no conn")
    assert central.bus.on("/command") == []


# ---- the station's own alarms ----------------------------------------------------------------


def test_an_empty_board_says_whether_chairs_can_be_heard(central):
    central.t(0)
    central.board.set_bus(True, "Connected to mqtt://broker", central.now())
    assert central.board.empty_text() == "No chair heard on the clinic bus yet."
    # Not connected: "no chair heard yet" read as a quiet clinic.
    central.board.set_bus(False, "Reconnecting", central.now())
    assert central.board.empty_text() == (
        "No chair can be heard: this station is not connected to the clinic bus (the line "
        "below says why).")


def test_bus_not_connected_for_10_s_raises_the_stations_own_alarm(central):
    central.t(0)
    central.board.set_bus(False, "Reconnecting to mqtt://broker: connection refused",
                          central.now())
    # 9 s without the bus: nothing yet.
    central.t(BUS_ALARM_S - 1)
    assert central.board.banner(central.now()) is None
    # 10 s: the banner and its tone (medium, as the bedside's own connection alarms).
    central.t(BUS_ALARM_S)
    banner = central.board.banner(central.now())
    # Why is the status line's (the bus client's words, whole there): in the banner they cut
    # off what came after them (a review).
    assert banner.text == "Central station not connected to the clinic bus"
    assert (banner.priority, banner.flashing) == (Priority.MEDIUM, True)
    assert central.sounding() == "medium"
    # Silenced here: steady, quiet, still shown.
    central.board.silence_station("B. Central", central.now())
    banner = central.board.banner(central.now())
    assert (banner.flashing, banner.note) == (False, "silenced here")
    assert central.sounding() is None
    assert central.log.actions[-1][5] == "silence"
    # The bus returns: gone.
    central.board.set_bus(True, "Connected to mqtt://broker", central.now())
    assert central.board.banner(central.now()) is None


def test_chairs_stale_during_a_bus_outage_are_not_each_an_alarm(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.board.set_bus(False, "Reconnecting", central.now())
    central.t(30)
    assert [a.key for a in central.board.station_alarms(central.now())] == ["bus"]
    # The bus is back: the chair has 10 s to be heard before it counts as lost.
    central.board.set_bus(True, "Connected", central.now())
    central.t(35)
    assert central.board.station_alarms(central.now()) == []


def test_a_lost_chairs_high_alarm_still_sounds_while_the_stations_bus_is_down(central):
    # A chair killed while its SpO2 89 sounded: the high "Room 1: no connection to the chair".
    # The station's own bus then drops (a broker restart): the loss had ended at once, nothing
    # sounding for 10 s, then only the medium bus alarm (a code review).
    chair = spo2_alarm(central, "chair-1", "Room 1", value=89)
    central.t(62)
    central.deliver(chair.will())
    assert central.sounding() == "high"
    central.board.set_bus(False, "Reconnecting to mqtt://broker: connection lost", central.now())
    for s in (62.5, 65, 71.9, 72.5, 80):
        central.t(s)
        banner = central.board.banner(central.now())
        assert central.sounding() == "high", s
        assert banner.text.startswith("Room 1: no connection to the chair; last heard with ***")
    # One bus alarm besides it, for the outage itself.
    assert [a.key for a in central.board.station_alarms(central.now())] == ["chair:chair-1", "bus"]


def test_a_chair_unheard_for_the_stations_own_outage_keeps_its_high_alarm_in_the_bus_alarm(central):
    # A chair connected with its SpO2 89 sounding; the station's bus drops. Once its last status
    # is 10 s old its alarms are unknown here: the bus alarm is as urgent as what it last heard,
    # names it, and comes at once (it was medium, 10 s after the drop).
    spo2_alarm(central, "chair-1", "Room 1", value=89)
    central.t(61)
    central.board.set_bus(False, "Reconnecting to mqtt://broker: connection lost", central.now())
    central.t(65)
    assert central.sounding() == "high"   # still connected: its own alarm
    central.t(70.5)   # its last status (60 s) is 10.5 s old; the bus down 9.5 s
    assert not central.card("chair-1").connected
    (bus,) = central.board.station_alarms(central.now())
    assert (bus.key, bus.priority) == ("bus", Priority.HIGH)
    assert bus.text == ("Central station not connected to the clinic bus; Room 1: last heard "
                        "with *** SpO2 89 %, limit ≤90")
    central.t(120)
    assert central.sounding() == "high"
    # Back: the bus alarm is over, not what it named: the chair still unheard with its high
    # alarm open is lost at once, high (it had 10 s to be heard, nothing sounding: a review).
    central.board.set_bus(True, "Connected", central.now())
    (lost,) = central.board.station_alarms(central.now())
    assert (lost.key, lost.priority) == ("chair:chair-1", Priority.HIGH)
    assert lost.text == ("Room 1: no connection to the chair; last heard with *** SpO2 89 %, "
                         "limit ≤90")
    assert central.sounding() == "high"


def test_a_bus_alarm_silenced_at_medium_sounds_again_when_it_rises_to_high(central):
    # The bus drops; the quiet chair goes unheard first (the bus alarm, medium, silenced here),
    # then the chair with SpO2 89 sounding: the bus alarm is high now and names it. Silenced by
    # its key, it had stayed silent: a high alarm nobody heard (IEC 60601-1-8: a new condition).
    quiet = central.chair("chair-1", "Room 1")
    quiet.start_infusion()
    central.deliver(quiet.status())
    central.t(52)
    central.deliver(quiet.status())
    spo2_alarm(central, "chair-2", "Room 2", value=89)   # its last status at 60 s
    central.t(61)
    central.board.set_bus(False, "Reconnecting to mqtt://broker: connection lost", central.now())
    central.t(62.5)   # Room 1 unheard: the bus alarm at once, medium
    (bus,) = central.board.station_alarms(central.now())
    assert (bus.key, bus.priority) == ("bus", Priority.MEDIUM)
    assert central.board.silence_station("B. Central", central.now(), "bus").startswith("Silenced")
    central.t(70.5)   # Room 2 unheard too, its high last heard
    (bus,) = central.board.station_alarms(central.now())
    assert (bus.priority, bus.silenced) == (Priority.HIGH, False)
    assert "Room 2: last heard with *** SpO2 89 %" in bus.text
    banner = central.board.banner(central.now())
    assert (banner.key, banner.priority, banner.flashing) == ("bus", Priority.HIGH, True)
    assert central.sounding() == "high"
    # Silenced again, at high: quiet until it ends
    central.board.silence_station("B. Central", central.now(), "bus")
    central.t(90)
    assert central.sounding() is None


def test_a_log_that_cannot_be_written_is_an_alarm_and_duplicates_are_still_caught(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.log.fail = OSError("disk full")
    central.t(2)
    central.deliver(chair.status())
    chair.device("spo2", 92)
    (raised,) = chair.new_pcd04s()
    central.deliver(raised)
    central.deliver(raised)
    assert central.card("chair-1").alarm.priority is Priority.MEDIUM
    assert central.board.duplicates == 1
    assert [a.key for a in central.board.station_alarms(central.now())] == ["log"]


# ---- what is logged --------------------------------------------------------------------------


def test_status_is_logged_only_when_connection_or_highest_alarm_changes(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    # Twenty statuses, 2 s apart, nothing changing: one row.
    for i in range(20):
        central.t(2 * i)
        central.deliver(chair.status())
    assert central.log.kinds("chair-1") == ["status"]
    # An alarm: its PCD-04 and one status row for the new highest alarm.
    central.t(41)
    chair.device("spo2", 92)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    central.t(43)
    central.deliver(chair.status())
    assert central.log.kinds("chair-1") == ["status", "pcd04", "status"]
    # The Last Will: one row.
    central.deliver(chair.will())
    central.deliver(chair.will())
    assert central.log.kinds("chair-1")[-1:] == ["will"]
    assert central.log.kinds("chair-1").count("will") == 1


def test_stale_is_logged_once(central):
    chair = central.chair("chair-1", "Room 1", session=False)
    central.deliver(chair.status())
    for second in range(11, 30):
        central.t(second)
    assert central.log.kinds("chair-1") == ["status", "stale"]
    assert json.loads(central.log.received[-1][4])["connected"] is False


# ---- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("topic, payload", [
    ("infusion/chair/chair-1/status", b"not json"),
    ("infusion/chair/chair-1/status", b'{"v": 2, "online": true}'),
    ("infusion/chair/chair-1/status", b'{"v": 1, "online": "yes"}'),
    ("infusion/chair/chair-1/status", b'{"v": 1, "online": true, "sent_at": "x"}'),
    ("infusion/chair/chair-1/status",
     b'{"v": 1, "online": true, "sent_at": "2026-03-02T09:00:00Z", "alarms": [7]}'),
    ("infusion/chair/chair-1/status",
     b'{"v": 1, "chair": "chair-2", "online": true, "sent_at": "2026-03-02T09:00:00Z"}'),
    ("infusion/chair/chair-1/pcd04", b"MSH|^~\\&|x\rOBR|1\r"),
    ("infusion/chair/chair-1/pcd04", b"\xff\xfe"),
    ("infusion/chair/chair-1/pcd01", b"hello"),
    ("infusion/chair/chair-1/trend", b'{"v": 1, "session": 1, "series": {"spo2": [["a"]]}}'),
    ("infusion/elsewhere", b"{}"),
])
def test_a_malformed_payload_is_counted_and_changes_nothing(central, topic, payload):
    central.board.receive(topic, payload, central.now())

    assert central.board.ignored == 1
    assert central.board.last_ignored.startswith(topic)
    assert central.bus.sent == []
    # The log keeps only that it was refused, and why (clinic IT reads it after a restart).
    (row,) = central.log.received
    assert row[2] == "refused" and json.loads(row[4])["topic"] == topic
    assert json.loads(row[4])["reason"] == central.board.last_ignored


def test_our_own_commands_coming_back_are_not_bad_input(central):
    central.board.receive("infusion/chair/chair-1/command", b"{}", central.now())
    central.board.receive("infusion/chair/chair-1/confirm", b"{}", central.now())
    assert central.board.ignored == 0


# ---- trend -----------------------------------------------------------------------------------


def test_trend_is_the_snapshot_merged_with_pcd01_since_once_per_time(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    start = chair.s.now().wall.timestamp()
    # The retained snapshot, sent at +30 s: HR at +0 s and +30 s (a point is never later than
    # the chair's clock: `Board._trend_window`).
    central.t(30)
    central.deliver(chair.status())
    snapshot = {"chair": "chair-1", "session": 1, "sent_at": "2026-03-02T09:00:30Z",
                "series": {"heart_rate": [[start, 70], [start + 30, 72]]}}
    central.deliver((chair.topic("trend"), bus_topics.encode(snapshot)))
    # PCD-01 since: HR at +30 s again (a duplicate by time) and at +31 s, typed.
    central.t(31)
    chair.device("heart_rate", 74)
    records = [r for r in chair.observations() if r.metric == "heart_rate"][-1:]
    again = replace(records[0], measured_at=at(30), value=72.0)
    central.deliver(chair.pcd01([again]))
    central.deliver(chair.pcd01(records))

    trend = central.board.trend("chair-1")
    assert [(round(t - start), v) for t, v, _ in trend.series["heart_rate"]] == \
        [(0, 70), (30, 72), (31, 74)]


def test_a_snapshot_of_another_session_is_not_drawn(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    snapshot = {"chair": "chair-1", "session": 99, "sent_at": "2026-03-02T09:00:30Z",
                "series": {"heart_rate": [[1.0, 70]]}}
    central.deliver((chair.topic("trend"), bus_topics.encode(snapshot)))
    assert central.board.trend("chair-1").series == {}


def test_board_refuses_a_station_name_that_cannot_be_a_topic_level():
    with pytest.raises(ValueError, match="central station name"):
        Board("desk/1", MemoryLog(), lambda *a: None)


# ---- the chair's own status builder ----------------------------------------------------------


def test_a_status_built_by_the_chairs_own_code_fills_the_card(central):
    """console/network/chair_status.build_status is what a chair really publishes: the board
    reads it (the test helper's status is the contract as written; this is the code)."""
    from console.network.chair_status import build_status

    chair = central.chair("chair-6", "Room 6")
    chair.start_infusion()
    central.t(120)
    chair.device("heart_rate", 131)   # high
    chair.device("spo2", 96)
    status = build_status(chair.s.engine, central.now(), chair="chair-6", room="Room 6",
                          patient_shown="id", audio="full", network="ok", seq=1)
    central.deliver((chair.topic("status"), bus_topics.encode(status)))

    card = central.card("chair-6")
    assert (card.room, card.patient, card.phase) == ("Room 6", "P-001", "Infusion")
    assert card.elapsed == "2:00 min"
    assert [(v.label, v.text, v.priority) for v in card.vitals][1:] == [
        ("HR", "131", Priority.HIGH), ("RR", "—", None), ("SpO2", "96", None)]
    assert card.alarm.priority is Priority.HIGH and card.alarm.flashing
    assert central.sounding() == "high"


def test_a_pause_at_the_chair_is_mirrored_here(central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    chair.device("spo2", 89)
    central.deliver(chair.status())
    assert central.sounding() == "high"
    # The nurse at the chair pauses the audio (F3): its alarms are "paused" in the status.
    central.t(61)
    assert chair.s.engine.pause_audio("nurse.ana", central.now()).done
    central.deliver(chair.status())
    assert central.sounding() is None
    card = central.card("chair-1")
    assert (card.alarm.note, card.alarm.flashing) == ("audio paused at the chair", True)


def test_a_latched_alarm_is_silenced_here_and_left_to_the_chair_to_reset(central):
    chair = spo2_alarm(central, value=89)   # high SpO2, physiological: it latches
    central.t(70)
    # SpO2 97 before anyone acknowledged: latched at the chair (latching logs no record; the
    # status says so).
    chair.device("spo2", 97)
    central.deliver(chair.status())
    card = central.card("chair-1")
    assert (card.alarm.priority, card.alarm.note, card.can_acknowledge) == \
        (Priority.HIGH, "latched", True)
    assert central.sounding() == "high"
    # Acknowledge at the central: silenced here, no command (the chair would refuse it).
    said = central.acknowledge("chair-1", "B. Central")
    assert said == "Room 1: silenced here; a latched alarm is reset at the chair"
    assert central.bus.on("/command") == []
    assert central.sounding() is None
    central.t(70 + ACK_CONFIRM_S + 5)
    central.deliver(chair.status())
    assert central.sounding() is None   # no confirmation is awaited: it stays silent here
    card = central.card("chair-1")
    assert (card.alarm.note, card.can_acknowledge) == \
        ("latched · silenced here", False)
    assert central.log.actions[-1][5] == "silence"


def test_an_audio_pause_at_the_chair_keeps_a_latched_alarm_silenced_here(central):
    # The chair's pause is sent as an update of each open alarm (PCD-04, "audio paused"); the
    # central read the latched alarm as no longer latched, forgot its silence, and the chair's
    # next status ("latched") sounded it here again (a code review).
    chair = spo2_alarm(central, value=89)
    central.t(70)
    chair.device("spo2", 97)   # latched at the chair
    central.deliver(chair.status())
    assert central.acknowledge("chair-1", "B. Central").startswith(
        "Room 1: silenced here")
    composer = PcdComposer(chair.station, lambda _s: PatientShown(chair.patient),
                           frozenset({"bus"}), chair.clock, history=lambda _s: chair.transitions())
    control_ids = iter(f"C{i}" for i in range(1000)).__next__
    composer.compose(chair.transitions(), control_ids)   # what the chair has sent so far
    central.t(75)
    before = len(chair.s.recorder.records)
    assert chair.s.engine.pause_audio("nurse.ana", chair.clock.now()).done
    sent = composer.compose(chair.s.recorder.records[before:], control_ids)
    assert sent   # the pause is an update of the open latched alarm
    for message in sent:
        central.deliver((chair.topic("pcd04"), message.message.encode()))
    central.t(77)
    central.deliver(chair.status())
    assert central.sounding() is None
    assert central.card("chair-1").alarm.note == "latched · silenced here"


def test_a_latched_alarm_silenced_here_sounds_again_when_its_condition_returns(central):
    # SpO2 89 unseen, 97 (latched), silenced at the central; then 92: the chair's alarm is
    # active again ("returned": high, sounding there, acknowledgeable). The central's silence
    # was for the latched alarm only: it must sound here and be acknowledgeable again.
    chair = spo2_alarm(central, value=89)
    central.t(70)
    chair.device("spo2", 97)
    central.deliver(chair.status())
    central.acknowledge("chair-1", "B. Central")
    assert central.sounding() is None
    central.t(72)
    chair.device("spo2", 92)
    central.deliver(chair.status())
    assert chair.s.sounding() == "high"
    card = central.card("chair-1")
    assert (card.alarm.priority, card.alarm.note, card.can_acknowledge) == \
        (Priority.HIGH, "", True)
    assert central.sounding() == "high"
    said = central.acknowledge("chair-1", "B. Central")
    assert said.startswith("Room 1: acknowledgement sent")
    assert len(central.bus.on("/command")) == 1


def test_an_alarm_that_sounds_here_can_be_acknowledged_under_the_higher_one_shown(central):
    # A charge nurse's walk: two latched highs silenced here kept the card while a third alarm
    # sounded on; the card had no Acknowledge button and F2 said "No chair alarm sounds". The
    # card keeps the highest in sight (a code review: a sounding medium or low took the card
    # and the high became an unnamed "+1 more"), names the one sounding, and Acknowledge and
    # F2 act on it.
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
    assert central.sounding() == "medium"
    card = central.card("chair-1")
    assert card.alarm.text.startswith("SpO2 89") and card.alarm.priority is Priority.HIGH
    assert card.sounding_other == "** HR 125/min, limit >110" and card.can_acknowledge
    assert card.alarm.more() == "+1 more: 1 medium"
    said = central.acknowledge_highest("B. Central")
    assert said == "Room 1: acknowledgement sent (Heart rate 125 beats/min, limit >110)"
    assert central.sounding() is None
    # A second press acknowledges nothing it has not seen (a code review: the next alarm had
    # taken the card at once, and a double click acknowledged it).
    assert central.acknowledge_highest("B. Central") == (
        "No chair alarm sounds")
    assert len(central.bus.on("/command")) == 1
    assert not central.card("chair-1").can_acknowledge


def test_a_high_acknowledged_at_the_chair_stays_in_sight_over_a_lower_alarm_that_sounds(central):
    chair = spo2_alarm(central, value=89)
    [spo2] = chair.occurrences()
    chair.acknowledge_at_bedside(spo2.id)
    other = central.chair("chair-2", "Room 2")
    other.start_infusion()
    central.deliver(other.status())
    central.t(62)
    central.deliver(other.status())
    other.device("heart_rate", 125)              # chair-2: medium, sounding
    chair.s.engine.audio_status(False, central.now(), "no sound card")   # chair-1: low, sounding
    for c in (chair, other):
        for message in c.new_pcd04s():
            central.deliver(message)
        central.deliver(c.status())
    card = central.card("chair-1")
    assert card.alarm.priority is Priority.HIGH and card.alarm.note == "acknowledged"
    assert card.sounding_other.startswith("* Audio unavailable") and card.can_acknowledge
    strip = central.board.in_sight(central.now())
    assert strip is not None and strip.line.priority is Priority.HIGH   # the highest, in sight
    assert strip.chair == "chair-1"
    assert central.sounding() == "medium"
    assert central.acknowledge_highest("B. Central").startswith(
        "Room 2: acknowledgement sent (Heart rate 125")


def test_a_monitor_clock_off_does_not_move_the_trend_here(central):
    # A charge nurse's walk: a chair whose monitor's clock was 30 min behind had live values
    # on its card and "No values received for this session yet" in its trend; one ahead drew
    # a 13-minute session over 67 minutes. Values are placed as the bedside's trend places them.
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    start = chair.s.now().wall
    for second in (10, 11, 12):
        central.t(second)
        chair.device("heart_rate", 70 + second, measured_at=central.now().wall - timedelta(
            minutes=30))
        central.deliver(chair.pcd01(chair.observations()[-1:]))
    central.t(20)
    chair.device("bp_systolic", 150, measured_at=central.now().wall + timedelta(minutes=25))
    central.deliver(chair.pcd01(chair.observations()[-1:]))
    trend = central.board.trend("chair-1")
    assert [(round(t - start.timestamp()), v) for t, v, _ in trend.series["heart_rate"]] == [
        (10, 80), (11, 81), (12, 82)]
    assert [round(t - start.timestamp()) for t, _, _ in trend.series["bp_systolic"]] == [20]


def test_two_chairs_under_one_name_are_a_station_alarm_and_a_restart_is_not(central):
    # A charge nurse's walk: a second console started with --chair chair-6 made Room 6's card
    # flip each second between two rooms and patients, their values mixed, and no alarm here.
    six = central.chair("chair-6", "Room 6")
    six.start_infusion()
    central.deliver(six.status(instance="run-a"))
    central.t(2)
    central.deliver(six.status(instance="run-b"))   # a restart: a new run's token
    central.t(4)
    central.deliver(six.status(instance="run-b"))
    assert [a.key for a in central.board.station_alarms(central.now())] == []
    central.t(6)
    central.deliver(six.status(instance="run-c", room="Room 21"))   # the second console
    central.t(8)
    central.deliver(six.status(instance="run-b"))
    [alarm] = central.board.station_alarms(central.now())
    assert (alarm.key, alarm.priority) == ("twin-chair:chair-6", Priority.MEDIUM)
    assert alarm.text.startswith("Two chairs use the name chair-6 (Room 21, Room 6): ")
    assert central.sounding() == "medium"
    for second in range(10, 42, 2):   # the second console closed: only run-b from now on
        central.t(second)
        central.deliver(six.status(instance="run-b"))
    assert central.board.station_alarms(central.now()) == []


def test_a_chair_closed_with_no_session_leaves_the_board_and_one_closed_in_session_stays(central):
    # A charge nurse's walk: a chair closed cleanly kept its "No connection (console closed)"
    # card for good, and a 21st card shrank every number on the board.
    from console.central.board import CLOSED_CARD_S

    idle = central.chair("chair-4", "Room 4", session=False)
    busy = central.chair("chair-5", "Room 5")
    busy.start_infusion()
    central.deliver(idle.status())
    central.deliver(busy.status())
    central.t(10)
    for chair in (idle, busy):
        central.deliver((chair.topic("status"), bus_topics.encode(
            {"chair": chair.name, "room": chair.room, "online": False,
             "reason": bus_topics.CLOSED_REASON})))
    central.t(10 + CLOSED_CARD_S - 1)
    assert set(central.board.chairs) == {"chair-4", "chair-5"}
    central.t(10 + CLOSED_CARD_S)
    assert set(central.board.chairs) == {"chair-5"}   # closed mid-session: still lost, alarmed
    assert [a.key for a in central.board.station_alarms(central.now())] == ["chair:chair-5"]
    assert central.log.actions[-1][5] == "card_removed"
    central.deliver(idle.status())                     # back again: a card again
    assert set(central.board.chairs) == {"chair-4", "chair-5"}


def test_a_central_acknowledgement_of_a_medium_does_not_silence_the_high_it_became(central):
    # A code review: the command named no priority; applied after RR 9 had become RR 8, it
    # acknowledged the high nobody at the central had seen, and with an acknowledgement covering
    # its priority every later return to high stayed silent.
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    central.deliver(chair.status())
    chair.device("resp_rate", 9)                        # medium
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    central.acknowledge("chair-1", "B. Central")
    (command,) = central.bus.on("/command")
    body = command.json
    central.t(61)
    chair.device("resp_rate", 8)                        # high, before the command arrives
    [rr] = chair.occurrences()
    outcome = chair.s.engine.acknowledge_from_central(rr.id, body["by"], body["station"],
                                                      body["id"], central.now(),
                                                      body["priority"])
    assert not outcome.done
    assert outcome.reasons == ("the alarm rose to high after the central nurse acknowledged "
                                "it at medium",)
    assert [(o.priority.label, o.state.value) for o in chair.occurrences()] == [
        ("high", "active")]
    assert chair.s.sounding() == "high"
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    assert central.sounding() == "high"                 # the central sounds it again at once


def test_a_station_started_after_a_chair_closed_keeps_its_card(central):
    # A code review: a chair closed mid-session, then the central restarted: the retained
    # clean-stop status carries no session, and the card left after 5 minutes with no alarm.
    from console.central.board import CLOSED_CARD_S

    central.deliver((bus_topics.chair_topic("chair-5", "status"), bus_topics.encode(
        {"chair": "chair-5", "room": "Room 5", "online": False,
         "reason": bus_topics.CLOSED_REASON})))
    central.t(CLOSED_CARD_S + 60)
    assert "chair-5" in central.board.chairs
    assert central.card("chair-5").connection_text.endswith("(console closed)")


def infusing_with_snapshot(central):
    """chair-1 infusing, its trend snapshot sent (the bedside has not found its monitor's clock
    off): the chair, its session's start, the snapshot."""
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    start = chair.s.now().wall
    snapshot = {"chair": "chair-1", "session": 1, "sent_at": start.isoformat(),
                "series": {"heart_rate": [[start.timestamp(), 70]]}, "monitor_clock_off": False}
    central.deliver((chair.topic("trend"), bus_topics.encode(snapshot)))
    return chair, start, snapshot


def test_the_monitor_clock_is_judged_by_the_bedside_not_by_a_late_commit(central):
    # A code review: a PCD-01 committed late (the log unwritable for minutes) looked like a
    # monitor clock 5 min off, and every later NIBP was drawn at its commit, and twice.
    chair, _, snapshot = infusing_with_snapshot(central)
    central.t(300)
    measured = central.now().wall - timedelta(seconds=260)   # held in memory, committed now
    chair.device("bp_systolic", 150, measured_at=measured)
    central.deliver(chair.pcd01(chair.observations()[-1:]))
    trend = central.board.trend("chair-1")
    assert [round(t - measured.timestamp()) for t, _, _ in trend.series["bp_systolic"]] == [0]
    # The bedside found the monitor's clock off: its NIBP goes where the bedside draws it.
    central.deliver((chair.topic("trend"), bus_topics.encode(
        snapshot | {"monitor_clock_off": True})))
    central.t(310)
    chair.device("bp_systolic", 152, measured_at=central.now().wall - timedelta(minutes=30))
    central.deliver(chair.pcd01(chair.observations()[-1:]))
    assert round(central.board.trend("chair-1").series["bp_systolic"][-1][0]
                 - central.now().wall.timestamp()) == 0


def test_the_cuffs_pulse_is_drawn_apart_from_the_pulse_line_at_the_cuffs_time(central):
    # As at the bedside (trend_feed.py): the cuff's 80 among the oximeter's 125s drew a dip.
    from console.session.trend_feed import CUFF_PULSE
    from devices.reading import NIBP_PULSE

    chair, _, _ = infusing_with_snapshot(central)
    central.t(300)
    chair.device("pulse_rate", 125)
    measured = central.now().wall - timedelta(seconds=40)   # the cuff measured 40 s before
    chair.device("pulse_rate", 80, measured_at=measured, flags=frozenset({NIBP_PULSE}))
    central.deliver(chair.pcd01(chair.observations()[-2:]))
    trend = central.board.trend("chair-1")
    assert [v for _, v, _ in trend.series["pulse_rate"]] == [125]
    assert [(round(t - measured.timestamp()), v) for t, v, _ in trend.series[CUFF_PULSE]] == [
        (0, 80)]


def test_a_value_in_the_snapshot_and_in_a_pcd01_is_drawn_once(central):
    # The snapshot places a monitor value at its receive time, the PCD-01 at its commit, a few
    # ms later: the same value, drawn once; the next second's value is new.
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    start = chair.s.now().wall.timestamp()
    central.t(10)
    received = central.now().wall.timestamp()
    snapshot = {"chair": "chair-1", "session": 1, "sent_at": central.now().wall.isoformat(),
                "series": {"heart_rate": [[start, 70], [received, 72]]}}
    central.deliver((chair.topic("trend"), bus_topics.encode(snapshot)))
    central.clock.advance(0.02)                  # the commit, 20 ms after the receive
    chair.device("heart_rate", 72)
    central.deliver(chair.pcd01(chair.observations()[-1:]))
    central.t(11)
    chair.device("heart_rate", 74)
    central.deliver(chair.pcd01(chair.observations()[-1:]))
    assert [(round(t - start, 2), v) for t, v, _ in central.board.trend("chair-1").series[
        "heart_rate"]] == [(0.0, 70), (10.0, 72), (11.0, 74)]


def test_silence_acts_on_the_station_alarm_shown_and_the_next_then_shows(central):
    # A walk on X: the banner showed "Room 9: no connection to the chair (+2 more)"; one
    # Silence silenced all three, "Two chairs use the name …" among them, never on screen.
    lost = central.chair("chair-9", "Room 9")
    lost.start_infusion()
    central.deliver(lost.status())
    six = central.chair("chair-6", "Room 6")
    central.deliver(six.status(instance="run-a"))
    central.t(2)
    central.deliver(six.status(instance="run-b", room="Room 6b"))
    central.t(4)
    central.deliver(six.status(instance="run-a"))
    central.deliver(lost.will())
    central.board.set_audio(False, "no sound card")
    shown = central.board.banner(central.now())
    assert shown is not None and shown.text == "Room 9: no connection to the chair"
    assert central.board.silence_station("B. Central", central.now()) == (
        "Silenced: Room 9: no connection to the chair (2 more still sounding)")
    shown = central.board.banner(central.now())
    assert shown is not None and shown.text.startswith("Two chairs use the name chair-6")
    assert not shown.note and central.sounding() == "medium"
    assert [a.silenced for a in central.board.station_alarms(central.now())] == [
        True, False, False]


def test_silence_acts_on_the_alarm_the_banner_showed_when_clicked(central):
    # A second walk on X: a chair flipping on and off between the banner's draw and the click
    # made Silence act on station alarms never shown.
    lost = central.chair("chair-9", "Room 9")
    lost.start_infusion()
    central.deliver(lost.status())
    central.board.set_audio(False, "no sound card")
    shown = central.board.banner(central.now())
    assert shown is not None and shown.key == "audio"
    central.deliver(lost.will())              # a medium comes first after the draw
    assert central.board.silence_station("B. Central", central.now(), shown.key) == (
        "Silenced: Audio unavailable: visual only (no sound card) (1 more still sounding)")
    assert [(a.key, a.silenced) for a in central.board.station_alarms(central.now())] == [
        ("chair:chair-9", False), ("audio", True)]
    assert central.board.silence_station("B. Central", central.now(), "audio") == (
        "That station alarm has ended or is silenced already: nothing silenced")


def test_a_cuff_ahead_of_its_commit_is_drawn_at_its_commit_before_the_bedside_says_so(central):
    # A walk on X: a monitor 5 min ahead; the NIBP sent in the seconds before the bedside's
    # snapshot said its clock was off was drawn 5 min in the future, and stayed there (later
    # snapshots cover only the times they hold). The bedside's own rule applies here meanwhile.
    chair, start, _ = infusing_with_snapshot(central)

    def nibp_placed(value: float, measured: datetime) -> int:
        chair.device("bp_systolic", value, measured_at=measured)
        central.deliver(chair.pcd01(chair.observations()[-1:]))
        (placed,) = [t for t, v, _ in central.board.trend("chair-1").series["bp_systolic"]
                     if v == value]
        return round(placed - central.now().wall.timestamp())

    central.t(60)
    assert nibp_placed(150, central.now().wall + timedelta(minutes=5)) == 0    # ahead: commit
    central.t(120)
    assert nibp_placed(151, start - timedelta(minutes=30)) == 0                # before the start
    central.t(180)
    assert nibp_placed(152, central.now().wall - timedelta(seconds=90)) == -90  # a late cuff


@pytest.mark.parametrize(("sent", "shown"), [({"bp_diastolic": 88}, "—/88"),
                                             ({"bp_systolic": 150}, "150/—"),
                                             ({"bp_systolic": 150, "bp_diastolic": 88}, "150/88")])
def test_a_bp_half_alone_holds_the_others_place_on_the_card(sent, shown):
    # "BP 88" for a lone diastolic read as a pressure of 88; the review writes "—/88" (review 47).
    central = Central(MemoryLog())
    chair = central.chair("chair-3", "Room 3")
    chair.start_infusion()
    central.t(100)
    for name, value in sent.items():
        chair.device(name, value)
    central.deliver(chair.status())
    bp = central.card("chair-3").vitals[0]
    assert (bp.label, bp.text) == ("BP", shown)

"""A restart of the central station keeps what it showed of a chair lost during a session.

A chair's console dies while its high SpO2 alarm sounds: the central shows the high station
alarm "Room 1: no connection to the chair; last heard with *** SpO2 89 %". The central is then
restarted (an update, a crash). The broker's retained status of the chair is its Last Will,
with no session, and the persistent session queues only what comes after: the new board had
started empty, read nothing back from its own log, showed a grey card and sounded nothing (a
code review). It now starts from the log (`CentralLog.last_words`, `Board.restore`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog
from console.network import bus_topics
from protocols.model import Priority
from tests.central.helpers import Bus, Central, at


def _restarted(log: CentralLog, central: Central) -> Board:
    """A new board on the same log, restored before connecting (as app.build does)."""
    now = central.now()
    board = Board("desk", log, Bus())
    since = now.wall - timedelta(seconds=RESTORE_S)
    board.restore({chair: [(r.kind, r.received_at, r.payload) for r in rows]
                   for chair, rows in log.last_words(since).items()}, now)
    board.set_bus(True, "Connected", now)
    return board


def _restarted_hearing(log: CentralLog, central: Central, retained: tuple[str, bytes]):
    """`_restarted`, then the broker's retained message of the chair (its Will, a farewell)
    and one second of the board's clock: (board, now)."""
    board = _restarted(log, central)
    board.receive(retained[0], retained[1], central.now(), retained=True)
    now = central.clock.advance(1)
    board.tick(now)
    return board, now


def _lost_with_a_high_alarm(tmp_path, first_medium: bool = False):
    """A chair whose console dies while its high SpO2 alarm is open (after a medium RR alarm:
    `first_medium`), its statuses and alarm messages heard by a central on a real log."""
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    central.deliver(chair.status())
    steps = [("resp_rate", 11), ("spo2", 89)] if first_medium else [("spo2", 89)]
    for vital, value in steps:   # each step: an alarm at the chair, then its status
        central.deliver(chair.status())
        chair.device(vital, value)
        for message in chair.new_pcd04s():
            central.deliver(message)
        central.deliver(chair.status())
        central.clock.advance(5)
    will = chair.will()
    central.deliver(will)   # the console dies: its Last Will
    return log, central, chair, will


def test_a_restart_of_the_central_keeps_the_high_alarm_of_a_chair_lost_in_session(tmp_path):
    log, central, _, will = _lost_with_a_high_alarm(tmp_path)
    before = [(a.key, a.priority) for a in central.board.station_alarms(central.now())]
    assert before == [("chair:chair-1", Priority.HIGH)]
    assert central.sounding() == "high"

    # The central restarts on the same log; the broker hands it the retained Last Will.
    central.t(120)
    board, now = _restarted_hearing(log, central, will)
    # The same high station alarm, naming the alarm the chair had open, and it sounds.
    assert [(a.key, a.priority) for a in board.station_alarms(now)] == before
    assert "SpO2" in board.station_alarms(now)[0].text
    assert board.audio(now) is Priority.HIGH
    card = board.card("chair-1", now)
    assert not card.connected and "SpO2" in card.connection_text
    log.close()


def test_a_chair_back_after_the_centrals_restart_shows_what_its_own_status_says(tmp_path):
    log, central, chair, will = _lost_with_a_high_alarm(tmp_path)
    central.t(120)
    board = _restarted(log, central)
    board.receive(will[0], will[1], central.now(), retained=True)
    # The chair comes back, its SpO2 fine: its status is the whole truth after its Will.
    chair.device("spo2", 98)
    central.t(121)
    topic, payload = chair.status()
    board.receive(topic, payload, central.now())
    board.tick(central.now())
    # Its loss ends; its card is connected and shows the chair's word: the high alarm that
    # ended unseen is latched at the chair until a nurse there resets it.
    assert board.station_alarms(central.now()) == []
    card = board.card("chair-1", central.now())
    assert card.connected
    assert card.alarm is not None and card.alarm.note == "latched"
    log.close()


def _alarming_until_100_s(tmp_path):
    """Room 1 with SpO2 89 open from 10 s, a status every 2 s to 100 s heard by a central on a
    real log (only changes are logged): (log, central, chair, the last status)."""
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(10)
    chair.device("spo2", 89)
    for message in chair.new_pcd04s():
        central.deliver(message)
    for second in range(10, 101, 2):
        central.t(second)
        last = chair.status()
        central.deliver(last)
    return log, central, chair, last


def test_a_hung_chairs_retained_status_is_no_sign_of_life_after_a_restart(tmp_path):
    # A code review: Room 1's console hung at 100 s with SpO2 89 open; its network process kept
    # the broker connection (no Last Will), so its last status stayed retained. A central
    # restarted at 400 s took that copy for a sign of life (its log kept only an earlier status:
    # statuses are logged on change): connected, 5-minute-old values shown as current, the old
    # alarm sounding, the "no connection" station alarm gone.
    log, central, chair, last = _alarming_until_100_s(tmp_path)
    # The chair hangs at 100 s. The station running all along: no connection, high alarm.
    central.t(400)
    assert not central.card("chair-1").connected
    lost = [(a.key, a.priority) for a in central.board.station_alarms(central.now())]
    assert lost == [("chair:chair-1", Priority.HIGH)]

    # The central restarts on the same log; the broker hands it the retained status.
    board, now = _restarted_hearing(log, central, last)
    card = board.card("chair-1", now)
    assert not card.connected and card.vitals == () and card.alarm is None
    assert card.connection_text.endswith(
        "(no status since this station started); last heard with *** SpO2 89 %, limit ≤90")
    # Its loss sounds at once, as at the station that ran all along (its log says so: `stale`),
    # never its old alarm as if current (the card above shows none).
    assert board.audio(now) is Priority.HIGH
    # Silent 10 s after the bus came up: lost, as at the station that ran all along.
    now = central.clock.advance(10)
    board.tick(now)
    assert [(a.key, a.priority) for a in board.station_alarms(now)] == lost
    assert board.audio(now) is Priority.HIGH
    # Nothing logged it as heard: a second restart still knows it silent since 100 s.
    heard = [r.received_at for r in log.received("chair-1") if r.kind == "status"]
    assert max(heard) <= at(100)
    log.close()


def test_a_hung_chairs_statuses_queued_for_the_central_are_no_sign_of_life(tmp_path):
    # Room 1's SpO2 89 alarm is open; the central stops at 100 s (an update) and the chair's
    # console hangs at 150 s (its network process alive: no Last Will). The broker queued the
    # statuses of 100-150 s for the central's persistent session; they come at its restart at
    # 400 s without the retain flag, and were taken as live: connected, 4-minute-old values
    # current, the old alarm sounding as now, the loss 10 s late. The broker's expiry says how
    # long it held each one (mqtt_bus.held_s).
    log, central, chair, _ = _alarming_until_100_s(tmp_path)
    queued = []
    for second in range(102, 151, 2):   # the central is away
        central.t(second)
        if second == 120:
            chair.device("resp_rate", 7)   # a second alarm, in the queued statuses only
        queued.append((chair.status(), 400 - second))
    central.t(400)
    board = _restarted(log, central)
    now = central.now()
    for (topic, payload), held in queued:
        board.receive(topic, payload, now, held_s=held)
    board.tick(now)
    card = board.card("chair-1", now)
    assert not card.connected and card.vitals == ()
    assert board.audio(now) is None   # its old alarm does not sound as if current
    # Silent more than 10 s after the bus came up: lost, naming the newest alarm it had open
    # (what the queued statuses said: the chair's last word).
    now = central.clock.advance(11)
    board.tick(now)
    assert [(a.key, a.priority) for a in board.station_alarms(now)] == [
        ("chair:chair-1", Priority.HIGH)]
    assert "RR 7/min" in board.station_alarms(now)[0].text
    # Nothing logged them as heard: a second restart still knows it silent since 100 s.
    heard = [r.received_at for r in log.received("chair-1") if r.kind == "status"]
    assert max(heard) <= at(100)
    log.close()


def test_a_status_the_broker_held_a_few_seconds_counts_from_when_it_was_sent(tmp_path):
    log, central, chair, _ = _lost_with_a_high_alarm(tmp_path)
    chair.device("spo2", 98)
    central.t(120)
    board = _restarted(log, central)
    now = central.now()
    board.receive(*chair.status(), now, held_s=4)   # sent 4 s before the central took it
    board.tick(now)
    assert board.card("chair-1", now).connected
    # Nothing after it: lost 10 s after it was sent, not 10 s after it arrived.
    now = central.clock.advance(7)
    board.tick(now)
    assert not board.card("chair-1", now).connected
    log.close()


def test_a_live_chair_is_connected_after_a_restart_once_its_next_status_comes(tmp_path):
    log, central, chair, _ = _lost_with_a_high_alarm(tmp_path)
    chair.device("spo2", 98)
    central.t(110)
    back = chair.status()
    central.deliver(back)   # the chair came back; the central then restarts
    central.t(120)
    board, now = _restarted_hearing(log, central, back)
    assert not board.card("chair-1", now).connected   # the broker's copy: not news
    # Its heartbeat: a status published now, within 2 s.
    now = central.clock.advance(1)
    board.receive(*chair.status(), now)
    board.tick(now)
    card = board.card("chair-1", now)
    assert card.connected and card.connection_text == ""
    assert board.station_alarms(now) == []
    log.close()


def test_a_restart_brings_back_no_alarm_for_a_chair_that_had_no_session(tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    idle = central.chair("chair-1", "Room 1", session=False)
    central.deliver(idle.status())
    central.t(5)
    central.deliver(idle.will())
    central.t(120)
    board = _restarted(log, central)
    now = central.clock.advance(30)
    board.tick(now)
    assert board.station_alarms(now) == []   # nothing was at risk there
    assert "chair-1" not in board.chairs
    log.close()


def test_a_restart_replays_every_alarm_logged_after_the_board_noted_a_change(tmp_path):
    # Walked on X: a chair with a medium RR alarm, then a high SpO2 alarm, was SIGKILLed and the
    # central restarted; the lost chair came back "last heard with ** RR 11/min" (medium). The
    # board's own notes of a change ("connected, highest ...") are logged as status rows too;
    # replayed as a chair's status each was refused, and the replay stopped at the first one.
    log, central, _, will = _lost_with_a_high_alarm(tmp_path, first_medium=True)
    before = [(a.key, a.priority, a.text) for a in central.board.station_alarms(central.now())]
    assert before[0][1] is Priority.HIGH and "SpO2" in before[0][2]

    central.t(120)
    board, now = _restarted_hearing(log, central, will)
    assert [(a.key, a.priority) for a in board.station_alarms(now)] == [
        ("chair:chair-1", Priority.HIGH)]
    assert "SpO2" in board.station_alarms(now)[0].text
    assert board.ignored == 0
    log.close()


def _idle(chair, central: Central) -> tuple[str, bytes]:
    """The chair's status with no session (its console on before its patient comes, or back on
    its start screen after the session), sent now."""
    topic, payload = chair.status()
    idle = bus_topics.decode(payload)
    idle.update(session=None, alarms=[], vitals={}, sent_at=central.now().wall.isoformat())
    idle.pop("v")
    return topic, bus_topics.encode(idle)


def test_a_restart_keeps_the_high_alarm_of_a_chair_first_heard_idle(tmp_path):
    # The clinic's ordinary day: the station hears the chair "No session" before its patient
    # comes. The log kept a status only when the connection or the highest alarm changed, so
    # the status opening the session was never logged: the restart replayed the idle one and
    # forgot the chair (a code review).
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    central.deliver(_idle(chair, central))   # the console is on: no session yet
    central.t(2)
    chair.start_infusion()
    central.deliver(chair.status())   # the session starts (statuses every 2 s: never stale)
    central.t(4)
    central.deliver(chair.status())
    chair.device("spo2", 89)
    for message in chair.new_pcd04s():   # the alarm message, then the chair's status
        central.deliver(message)
    central.deliver(chair.status())
    central.t(6)
    will = chair.will()
    central.deliver(will)
    assert central.sounding() == "high"

    # The central restarts on its log; the broker hands it the retained Last Will.
    central.t(420)
    board, now = _restarted_hearing(log, central, will)
    assert [(a.key, a.priority) for a in board.station_alarms(now)] == [
        ("chair:chair-1", Priority.HIGH)]
    assert board.audio(now) is Priority.HIGH
    log.close()


def test_a_restart_keeps_a_chair_lost_in_a_quiet_session_first_heard_idle(tmp_path):
    # The same with no alarm open: the medium loss comes back, not a grey card and silence.
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    central.deliver(_idle(chair, central))
    for s in range(2, 40, 2):   # the session starts; statuses every 2 s
        central.t(s)
        if s == 2:
            chair.start_infusion()
        central.deliver(chair.status())
    will = chair.will()
    central.deliver(will)
    assert central.sounding() == "medium"

    central.t(100)
    board, now = _restarted_hearing(log, central, will)
    assert [(a.key, a.priority) for a in board.station_alarms(now)] == [
        ("chair:chair-1", Priority.MEDIUM)]
    log.close()


def test_a_restart_raises_no_loss_for_a_chair_whose_session_ended_before_it_closed(tmp_path):
    # The other face: the status ending the session was never logged either, so the restart
    # replayed the one in session, then the clean farewell: "Room 1: no connection to the
    # chair" for a session that had ended normally.
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    for s in range(0, 20, 2):
        central.t(s)
        central.deliver(chair.status())
    for s in range(20, 40, 2):   # the session over: the start screen
        central.t(s)
        central.deliver(_idle(chair, central))
    closed = chair.topic("status"), bus_topics.encode(
        {"chair": "chair-1", "room": "Room 1", "online": False,
         "reason": bus_topics.CLOSED_REASON})
    central.deliver(closed)
    central.t(45)
    assert central.board.station_alarms(central.now()) == []

    central.t(100)
    board, now = _restarted_hearing(log, central, closed)   # the retained farewell
    assert board.station_alarms(now) == []
    log.close()


@pytest.mark.parametrize("session_open", [False, True])
def test_a_station_restarted_after_a_chair_switched_off_between_sessions_lets_its_card_go(
        tmp_path, session_open):
    # A chair closed with no session open leaves the board after CLOSED_CARD_S; a station
    # restarted after it closed had only the retained farewell, which said nothing of a session:
    # the grey "console closed" card stayed for good. One closed mid-session stays.
    from console.central.board import CLOSED_CARD_S

    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    central.deliver(_idle(chair, central))
    farewell = chair.topic("status"), bus_topics.encode(
        {"chair": "chair-1", "room": "Room 1", "online": False,
         "reason": bus_topics.CLOSED_REASON, "session_open": session_open})
    central.deliver(farewell)
    central.t(100)
    board, now = _restarted_hearing(log, central, farewell)
    assert "chair-1" in board.chairs
    board.tick(central.clock.advance(CLOSED_CARD_S))
    assert ("chair-1" in board.chairs) is session_open
    log.close()


def test_a_restart_with_the_broker_unreachable_still_sounds_the_lost_chairs_high_alarm(tmp_path):
    # The central restarts while a chair lost with *** SpO2 89 is its high alarm, and its
    # broker does not answer: the restored loss had waited for the bus (10 s of silence, then
    # only the medium bus alarm).
    log, central, _, _ = _lost_with_a_high_alarm(tmp_path)
    central.t(120)
    now = central.now()
    board = Board("desk", log, Bus())
    board.restore({chair: [(r.kind, r.received_at, r.payload) for r in rows]
                   for chair, rows in log.last_words(now.wall - timedelta(seconds=RESTORE_S))
                   .items()}, now)
    # As app.build: "Connecting to …", and the broker refuses the connection.
    board.set_bus(False, "Reconnecting · cannot connect to the broker: connection refused", now)
    for s in (1, 5, 11, 30):
        at = central.clock.advance(now.mono + s - central.now().mono)
        board.tick(at)
        assert board.audio(at) is Priority.HIGH, s
        assert board.station_alarms(at)[0].key == "chair:chair-1"
    log.close()


def test_a_restart_names_the_lost_chairs_alarm_with_the_value_last_heard(tmp_path):
    # SpO2 89 raised the alarm, then fell to 86 while it stayed open: the station said "last
    # heard with *** SpO2 86 %"; after a restart it said 89, the value of the status logged
    # when the alarm began (a chair's status was logged only when its alarm changed, not its
    # value: walked on X, session 37).
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    chair.device("spo2", 89)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    central.t(62)
    chair.device("spo2", 86)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    will = chair.will()
    central.deliver(will)
    central.t(63)
    heard = [a.text for a in central.board.station_alarms(central.now())]
    assert len(heard) == 1 and "SpO2 86 %" in heard[0], heard

    central.t(120)
    board, now = _restarted_hearing(log, central, will)
    assert [a.text for a in board.station_alarms(now)] == heard
    log.close()

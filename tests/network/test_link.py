"""The console's end of the clinic network against real peers: python-hl7's MLLP server and a real
Mosquitto. The engine writes to a real session log; the link sends what the log committed.

Time for the link's health (10 s / 60 s) is the engine's ManualClock, moved by the tests; every
wait for a real peer is on a condition with a deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.clock import ManualClock, iso
from console.network import bus_topics as topics
from console.network.config import NetworkConfig
from console.network.link import HAND_OFF_GAP_S, NetworkLink
from console.network.mllp_sender import SenderState, SenderStatus, control_id_of
from console.network.pcd import Station
from console.network.pcd_read import read_pcd04
from console.records import SessionOpened
from console.session.engine import NETWORK_UNCONFIRMED, Patient, SessionEngine
from console.store import EventLog
from devices.reading import Reading
from protocols.model import Priority
from protocols.vitals import metric
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient, reserve_port
from tests.network.mllp_peer import HOST, MllpPeer, Reply, always
from tests.session.helpers import START, iv_protocol

STATION = Station(equipment_id="console-test", equipment_id_type="UUID", room="Room 3",
                  bed="chair-3")


class Chair:
    """An engine on a real log with a link, driven on a manual clock."""

    def __init__(self, db: Path, config: NetworkConfig, clock: ManualClock | None = None) -> None:
        self.clock = clock or ManualClock(START)
        self.log = EventLog.open(db, "test")
        self.link = NetworkLink(config, self.log, self.clock, station=STATION)
        self.link.start()
        self.engine = SessionEngine.open(iv_protocol(), self.log, Patient("P-001", 70.0),
                                         "nurse.ana", self.clock.now())
        self.link.session_opened(self.engine.session_id, "P-001", False)

    def reading(self, name: str, value: float) -> None:
        now = self.clock.now()
        self.engine.ingest(Reading(name, value, metric(name).unit, now.wall, now.wall,
                                   "hl7:SIM"), now)

    def pump(self) -> None:
        report = self.link.pump()
        for command in report.commands:
            self.engine.acknowledge_from_central(command.occurrence, command.by, command.station,
                                                 command.id, self.clock.now())
        if report.judged:
            self.engine.network_status(report.problem, self.clock.now(), report.state)

    def network_alarm(self) -> tuple[str, str] | None:
        for o in self.engine.alarms():
            if o.condition == NETWORK_UNCONFIRMED:
                return o.priority.label, o.message
        return None

    def deliveries(self) -> list[tuple[str, str, str]]:
        return self.log.conn.execute(
            "SELECT o.control_id, d.destination, d.outcome FROM deliveries d "
            "JOIN outbox o ON o.id = d.outbox_id ORDER BY d.id").fetchall()

    def outbox_ids(self) -> list[str]:
        return [r[0] for r in self.log.conn.execute("SELECT control_id FROM outbox ORDER BY id")]

    def close(self) -> None:
        self.link.stop(timeout=1.0)
        self.log.close()


@pytest.fixture
def peer(reserved_port: int) -> Iterator[MllpPeer]:
    made = MllpPeer(reserved_port, always("AA"))
    yield made
    made.close()


@pytest.fixture
def chairs(tmp_path: Path) -> Iterator[Callable[..., Chair]]:
    made: list[Chair] = []

    def make(config: NetworkConfig, clock: ManualClock | None = None, name: str = "log") -> Chair:
        chair = Chair(tmp_path / f"{name}.sqlite3", config, clock)
        made.append(chair)
        return chair

    yield make
    for chair in made:
        if chair.log._conn is not None:
            chair.close()


def engine_config(port: int) -> NetworkConfig:
    return NetworkConfig(forward=f"mllp://{HOST}:{port}", chair="chair-3", room="Room 3")


def resumed(log: EventLog, session_id: int, clock: ManualClock) -> SessionEngine:
    """The session as a restarted console resumes it from `log`, its alarms restored."""
    (row,) = [r for r in log.open_sessions() if r.id == session_id]
    return SessionEngine.resume(
        iv_protocol(), log, session_id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version,
                      row.session_number, row.nurse, row.weight_kg, row.started_at,
                      row.demo, row.details),
        [r for _, r in log.observations(session_id)], [r for _, r in log.events(session_id)],
        [r for _, r in log.alarm_events(session_id)], clock.now())


def pump_resumed(link: NetworkLink, engine: SessionEngine,
                 clock: ManualClock) -> tuple[str, str] | None:
    """The app's pump for a resumed session; the network alarm it leaves (priority, message)."""
    report = link.pump()
    if report.judged:
        engine.network_status(report.problem, clock.now(), report.state)
    return next(((o.priority.label, o.message) for o in engine.alarms()
                 if o.condition == NETWORK_UNCONFIRMED), None)


# --- the interface engine over MLLP -------------------------------------------------------------


def test_every_committed_message_reaches_the_engine_once_and_its_delivery_is_logged(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int) -> None:
    peer.listen()
    chair = chairs(engine_config(reserved_port))
    chair.reading("heart_rate", 72)
    chair.reading("bp_systolic", 205)   # a high alarm: PCD-01 and a PCD-04 start
    sent = chair.outbox_ids()
    assert len(sent) == 3
    peer.wait_for(lambda: len(peer.received) >= 3, "three messages")
    assert peer.received == sent
    wait_until(lambda: (chair.link.pump(), len(chair.deliveries()) == 3)[1], "deliveries logged")
    assert chair.deliveries() == [(cid, "engine", "delivered") for cid in sent]
    assert chair.log.verify().ok


def test_a_burst_is_handed_on_together_and_a_message_after_a_quiet_spell_at_once(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int) -> None:
    """The transports are told of new rows at most every HAND_OFF_GAP_S: each telling wakes both
    workers, which cost the bedside more than the messages themselves (P12). The first row after
    a quiet spell goes on the owner's next turn with no wait, so an alarm reaches the central as
    soon as before; rows committed within the gap wait for one hand-off, at most the gap, and
    reach the engine all, once, in order."""
    peer.listen()
    chair = chairs(engine_config(reserved_port))
    turns: list[tuple[Callable[[], None], float]] = []   # the owner's loop: (run, delay)
    chair.link.later = lambda run, delay: turns.append((run, delay))
    chair.reading("heart_rate", 70)
    assert [delay for _, delay in turns] == [0.0]
    turns.pop()[0]()
    peer.wait_for(lambda: len(peer.received) >= 1, "the first message")
    for value in (71, 72):
        chair.clock.advance(0.001)
        chair.reading("heart_rate", value)
    assert [delay for _, delay in turns] == [pytest.approx(HAND_OFF_GAP_S - 0.001)]
    assert peer.received == chair.outbox_ids()[:1]   # the burst waits for its turn
    turns.pop()[0]()
    peer.wait_for(lambda: len(peer.received) >= 3, "the burst")
    assert peer.received == chair.outbox_ids()
    chair.clock.advance(1.0)
    chair.reading("heart_rate", 73)
    assert [delay for _, delay in turns] == [0.0]


def test_a_console_stopped_with_messages_pending_sends_them_after_its_restart_in_order(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int, tmp_path: Path) -> None:
    chair = chairs(engine_config(reserved_port))   # the engine is down: nothing is delivered
    for value in (70, 71, 72, 73):
        chair.reading("heart_rate", value)
    pending = chair.outbox_ids()
    chair.close()
    assert peer.received == []
    peer.listen()
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(engine_config(reserved_port), log, ManualClock(START), station=STATION)
    link.start()
    try:
        peer.wait_for(lambda: len(peer.received) >= 4, "the backlog after the restart")
        assert peer.received == pending   # same control ids, same order
    finally:
        link.stop(timeout=1.0)
        log.close()


def test_an_engine_refusal_is_logged_as_failed_and_raises_the_network_alarm(
        chairs: Callable[..., Chair], reserved_port: int) -> None:
    peer = MllpPeer(reserved_port, always("AR", "unknown patient"))
    try:
        peer.listen()
        chair = chairs(engine_config(reserved_port))
        chair.reading("heart_rate", 72)
        wait_until(lambda: (chair.pump(), bool(chair.deliveries()))[1], "the refusal")
        assert chair.deliveries()[0][1:] == ("engine", "failed")
        alarm = chair.network_alarm()
        assert alarm is not None and alarm[0] == "low"
        assert alarm[1] == "Interface engine refused a message"
        detail = next(o.detail for o in chair.engine.alarms() if o.condition == NETWORK_UNCONFIRMED)
        assert "unknown patient" in detail
        # Each sent once (AR is never resent); the network alarm's own PCD-04 follows.
        peer.wait_for(lambda: len(peer.received) == len(chair.outbox_ids()), "all sent")
        assert peer.received == chair.outbox_ids()

        # The status line says so (the clinic IT audit: every message refused, and the line
        # read "engine …: idle").
        def line() -> str:
            count = len(chair.outbox_ids())   # the network alarm's own PCD-04 is refused too
            return (f"engine {HOST}:{reserved_port}: {count} message{'s' if count > 1 else ''} "
                    "not taken since the start (last: AR (unknown patient))")

        wait_until(lambda: (chair.pump(), chair.link.state_text() == line())[1],
                   "the refusals on the status line")
    finally:
        peer.close()


def test_an_engine_refusal_stands_though_the_next_message_is_delivered_before_the_pump(
        chairs: Callable[..., Chair], reserved_port: int) -> None:
    """An AR is a standing condition: the EHR lacks that message until `network resend` delivers
    it, and another message's AA does not end it. Before, one value that the next delivery reset:
    with both answers in one pump (a backlog, a GUI thread busy for a moment) the AR raised no
    alarm at all, and in separate pumps the next delivery ended it."""
    refused: list[str] = []

    def script(cid: str, seen: int) -> Reply:
        if not refused:
            refused.append(cid)   # the first message: its patient is unknown to the EHR
        if cid == refused[0]:
            return Reply("AR", text="unknown patient")
        time.sleep(0.1)   # answered a moment later: the link hears the AR first, then the AA
        return Reply("AA")

    peer = MllpPeer(reserved_port, script)
    try:
        peer.listen()
        chair = chairs(engine_config(reserved_port))
        woken: list[None] = []
        chair.link.wake = lambda: woken.append(None)   # a failure wakes, and the first delivery
        chair.reading("heart_rate", 72)   # refused (AR)
        chair.reading("heart_rate", 73)   # taken (AA)
        wait_until(lambda: len(woken) == 2, "both answers handed to the link before its pump")
        chair.pump()
        assert [outcome for _, _, outcome in chair.deliveries()] == ["failed", "delivered"]
        assert chair.network_alarm() == ("low", "Interface engine refused a message")
        assert chair.log.conn.execute(
            "SELECT count(*) FROM alarm_events WHERE condition = ? AND transition = 'raised'",
            [NETWORK_UNCONFIRMED]).fetchone()[0] == 1   # in the log
        # Later messages (the alarm's own PCD-04, a reading) are delivered: it stands.
        chair.reading("heart_rate", 74)
        wait_until(lambda: (chair.pump(), len(chair.deliveries()) == len(chair.outbox_ids()))[1],
                   "every later message delivered")
        assert [outcome for _, _, outcome in chair.deliveries()][2:] == ["delivered"] * 2
        assert chair.network_alarm() == ("low", "Interface engine refused a message")
    finally:
        peer.close()


@pytest.mark.parametrize(("status", "words"), [
    (SenderStatus(SenderState.IDLE), "all sent"),
    (SenderStatus(SenderState.AWAITING_ACK, control_id="c-1"), "sent, waiting for its answer"),
    (SenderStatus(SenderState.BACKING_OFF, retry_at=1010.0, failures=7,
                  last_error="cannot connect to the MLLP peer e:6661: connection refused"),
     "no connection, retrying in 10 s (cannot connect to the MLLP peer e:6661: connection "
     "refused)"),
    (SenderStatus(SenderState.BACKING_OFF, failures=2), "no connection, retrying in 2 s"),
])
def test_the_status_line_says_what_the_engine_sender_does_in_words(
        tmp_path: Path, status: SenderStatus, words: str) -> None:
    # "awaiting-ack" and "backing-off" were the sender's internal names.
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    try:
        link = NetworkLink(NetworkConfig(forward=f"mllp://{HOST}:6661", chair="chair-3"), log,
                           ManualClock(START), station=STATION)
        link._on_mllp_status(status)   # as the engine's worker reports it
        link.pump()
        assert link.state_text() == f"engine {HOST}:6661: {words}"
        # Once a message was given up, the line keeps saying so, whatever the sender does next.
        link._on_engine_failed("c-0", f"the MLLP peer {HOST}:6661 answered AE to message 'c-0' "
                                      "3 times, the limit of 3 tries; given up: check the engine")
        link._on_mllp_status(SenderStatus(status.state, status.control_id, status.retry_at,
                                          status.failures, status.last_error, "AE 3 times"))
        link.pump()
        given_up = "1 message not taken since the start (last: AE 3 times)"
        said = given_up if status.state is SenderState.IDLE else f"{words}; {given_up}"
        assert link.state_text() == f"engine {HOST}:6661: {said}"
    finally:
        log.close()

@pytest.mark.parametrize("deferred", [False, True], ids=["at-once", "after-the-window-turn"])
def test_a_network_bug_at_the_hand_off_is_a_technical_alarm_and_the_bedside_alarm_stands(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int,
        monkeypatch: pytest.MonkeyPatch, deferred: bool) -> None:
    """A bug in the network layer after the commit (planted: the sender's submit raises) must not
    reach the bedside: the high alarm is raised and its records are committed once; the nurse
    sees the network's technical alarm with the cause (the row waits in the outbox: test_outbox).
    The same when the hand-off runs after the step, as the window runs it (network_bridge.py)."""
    peer.listen()
    chair = chairs(engine_config(reserved_port))
    assert chair.link.mllp is not None
    real_submit = chair.link.mllp.submit_many
    turn: list[Callable[[], None]] = []
    if deferred:
        chair.link.later = lambda run, _delay: turn.append(run)

    def next_turn() -> None:
        while turn:
            turn.pop(0)()
        chair.pump()

    def broken(messages: object) -> None:
        raise RuntimeError("planted hand-off bug")

    monkeypatch.setattr(chair.link.mllp, "submit_many", broken)
    chair.reading("bp_systolic", 205)
    assert [o.priority for o in chair.engine.alarms()] == [Priority.HIGH]
    assert chair.log.conn.execute("SELECT count(*) FROM observations").fetchone() == (1,)
    next_turn()
    assert chair.network_alarm() == ("low", "A network message could not be built or handed on")
    detail = next(o.detail for o in chair.engine.alarms() if o.condition == NETWORK_UNCONFIRMED)
    assert "planted hand-off bug" in detail
    monkeypatch.setattr(chair.link.mllp, "submit_many", real_submit)
    chair.reading("heart_rate", 72)   # the next hand-off works: the alarm ends
    next_turn()
    assert chair.network_alarm() is None
    assert [o.priority for o in chair.engine.alarms()] == [Priority.HIGH]


def test_ten_seconds_unconfirmed_is_a_low_alarm_a_minute_medium_and_delivery_ends_it(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int) -> None:
    clock = ManualClock(START)
    chair = chairs(engine_config(reserved_port), clock)
    chair.reading("heart_rate", 72)
    chair.pump()
    assert chair.network_alarm() is None
    clock.advance(9)
    chair.pump()
    assert chair.network_alarm() is None
    clock.advance(2)
    chair.pump()
    alarm = chair.network_alarm()
    assert alarm == ("low", "Interface engine not confirming delivery")
    clock.advance(50)
    chair.pump()
    assert chair.network_alarm()[0] == "medium"   # type: ignore[index]
    peer.listen()
    clock.advance(11)   # the sender (its worker, on real time) connects again after its back-off
    wait_until(lambda: (chair.pump(), chair.network_alarm() is None)[1], "the alarm to end")
    # One row per change: low, medium, then ended. A pump between the engine's confirmations
    # may see the backlog half drained, the oldest message still waiting handed over 11 s ago:
    # low again before the end (`_engine_wait`), never a rise.
    priorities = [r.detail["priority"] for _, r in chair.log.events(chair.engine.session_id)
                  if r.kind == "network_status"]
    assert priorities[:2] == ["low", "medium"] and priorities[-1] is None, priorities
    assert set(priorities[2:-1]) <= {"low"} and len(priorities) <= 4, priorities


def test_a_network_alarm_standing_at_a_restart_stands_again_at_once(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int, tmp_path: Path) -> None:
    """A restart restores every alarm as it was: the engine restores the network alarm from the
    log, and the link's first judgements after the start do not end it (its messages have
    waited since they were committed, not since the restart). The engine's return ends it."""
    clock = ManualClock(START)
    chair = chairs(engine_config(reserved_port), clock)   # nothing listens: never confirmed
    chair.reading("heart_rate", 72)
    clock.advance(61)
    chair.pump()
    assert chair.network_alarm() == ("medium", "Interface engine not confirming delivery")
    (standing,) = [o.id for o in chair.engine.alarms() if o.condition == NETWORK_UNCONFIRMED]
    session_id = chair.engine.session_id
    chair.close()   # the console ends; its log holds the message and the alarm

    clock.advance(5)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(engine_config(reserved_port), log, clock, station=STATION)
    try:
        engine = resumed(log, session_id, clock)
        link.start()

        def pump() -> tuple[str, str] | None:
            return pump_resumed(link, engine, clock)

        assert pump() == ("medium", "Interface engine not confirming delivery")
        clock.advance(11)   # the start's grace is over: still medium, the message waits 77 s
        assert pump() == ("medium", "Interface engine not confirming delivery")
        assert [o.id for o in engine.alarms() if o.condition == NETWORK_UNCONFIRMED] == [standing]
        assert [t.transition for _, t in log.alarm_events(session_id)
                if t.occurrence == standing] == ["raised"]   # never ended by the restart
        peer.listen()   # the engine is back: delivered, and the alarm ends
        wait_until(lambda: pump() is None, "the alarm to end once delivered")
    finally:
        link.stop(timeout=1.0)
        log.close()


def test_an_engine_refusal_alarm_stands_through_a_restart_with_nothing_delivered(
        chairs: Callable[..., Chair], reserved_port: int, tmp_path: Path) -> None:
    """A restart restores every alarm as it was: the refused message is still undelivered in the
    log, so the engine's alarm for it stands. Before, the refusal lived in memory only: once the
    start's grace was over (10 s) the link said "no problem" and the restored alarm ended."""
    peer = MllpPeer(reserved_port, always("AR", "unknown patient"))
    try:
        peer.listen()
        clock = ManualClock(START)
        chair = chairs(engine_config(reserved_port), clock)
        chair.reading("heart_rate", 72)
        wait_until(lambda: (chair.pump(), chair.network_alarm() is not None)[1], "the AR alarm")
        (standing,) = [o.id for o in chair.engine.alarms() if o.condition == NETWORK_UNCONFIRMED]
        session_id = chair.engine.session_id
        assert chair.link.mllp is not None
        wait_until(lambda: (chair.pump(), not chair.link.mllp.pending())[1], "all answered")
        chair.close()

        clock.advance(5)
        log = EventLog.open(tmp_path / "log.sqlite3", "test")
        link = NetworkLink(engine_config(reserved_port), log, clock, station=STATION)
        try:
            engine = resumed(log, session_id, clock)
            link.start()
            link.session_opened(session_id, "P-001", False)   # as the window's bridge does
            refused = ("low", "Interface engine refused a message")
            assert pump_resumed(link, engine, clock) == refused
            clock.advance(11)   # the start's grace is over; nothing was delivered since
            assert pump_resumed(link, engine, clock) == refused
            assert [t.transition for _, t in log.alarm_events(session_id)
                    if t.occurrence == standing] == ["raised"]   # never ended by the restart
        finally:
            link.stop(timeout=1.0)
            log.close()
    finally:
        peer.close()


def test_another_chairs_engine_refusal_on_a_shared_log_is_not_this_chairs_alarm(
        chairs: Callable[..., Chair], reserved_port: int) -> None:
    """Two chairs on one computer share a log (README): chair 4, started after the engine
    refused one of chair 3's messages, carried chair 3's refusal as its own alarm, in its own
    patient's record (a review of the change: the refusals were read back from the whole log)."""
    refuse = [True]
    peer = MllpPeer(reserved_port, lambda cid, seen: Reply("AR", text="unknown patient")
                    if refuse[0] else Reply("AA"))
    try:
        peer.listen()
        chair3 = chairs(engine_config(reserved_port))
        chair3.reading("heart_rate", 72)
        wait_until(lambda: (chair3.pump(), chair3.network_alarm() is not None)[1], "the AR")
        refuse[0] = False
        chair4 = chairs(NetworkConfig(forward=f"mllp://{HOST}:{reserved_port}", chair="chair-4",
                                      room="Room 4"))
        chair4.reading("heart_rate", 80)
        wait_until(lambda: (chair4.pump(), chair4.link.mllp is not None
                            and not chair4.link.mllp.pending())[1], "chair 4's messages taken")
        assert chair4.network_alarm() is None
        assert chair3.network_alarm() == ("low", "Interface engine refused a message")
    finally:
        peer.close()


def test_a_backlog_found_at_start_is_no_alarm_while_the_engine_takes_it(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int, tmp_path: Path) -> None:
    """Messages left undelivered last night are not a network problem at this morning's start
    before the engine has had its chance: it takes them, and no network alarm is raised."""
    clock = ManualClock(START)
    chair = chairs(engine_config(reserved_port), clock)
    chair.reading("heart_rate", 72)
    pending = chair.outbox_ids()
    chair.close()
    clock.advance(12 * 3600)
    peer.listen()
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(engine_config(reserved_port), log, clock, station=STATION)
    try:
        link.start()
        reports = []
        wait_until(lambda: (reports.append(link.pump()), peer.received == pending)[1],
                   "the backlog delivered")
        wait_until(lambda: (reports.append(link.pump()), "to send" not in link.state_text())[1],
                   "its delivery heard")
        assert [r.problem for r in reports if r.problem is not None] == []
    finally:
        link.stop(timeout=1.0)
        log.close()


# --- the clinic bus (a real Mosquitto) ----------------------------------------------------------


class Heard:
    """What a central-station-like subscriber received, by topic, in order."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.messages: list[tuple[str, bytes]] = []

    def __call__(self, topic: str, payload: bytes) -> None:
        with self.cond:
            self.messages.append((topic, payload))
            self.cond.notify_all()

    def control_ids(self, kind: str) -> list[str]:
        with self.cond:
            return [control_id_of(p.decode()) for t, p in self.messages
                    if t.endswith(f"/{kind}")]

    def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, 10.0), f"central: {what}"


def bus_config(url: str, **settings: object) -> NetworkConfig:
    return NetworkConfig(broker=url, chair="chair-3", room="Room 3", **settings)  # type: ignore[arg-type]


def test_messages_and_status_reach_the_bus_and_each_puback_is_logged(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    heard = Heard()
    bus_client(broker.url, "central-test", subscribe=[topics.all_chairs_filter()],
               on_message=heard)
    chair = chairs(bus_config(broker.url))
    chair.reading("heart_rate", 72)
    chair.reading("bp_systolic", 205)
    outbox = chair.outbox_ids()
    heard.wait_for(lambda: len(heard.control_ids("pcd01")) + len(heard.control_ids("pcd04"))
                   >= len(outbox), "every message")
    assert heard.control_ids("pcd01") + heard.control_ids("pcd04") == outbox
    alert = read_pcd04(next(p.decode() for t, p in heard.messages if t.endswith("/pcd04")))
    assert (alert.priority, alert.phase.value) == ("high", "start")
    wait_until(lambda: (chair.link.pump(), len(chair.deliveries()) == len(outbox))[1],
               "PUBACKs logged as deliveries")
    assert {d[1:] for d in chair.deliveries()} == {("bus", "delivered")}


@pytest.mark.parametrize("session, open_", [({"id": 1, "ended": False}, True),
                                             ({"id": 1, "ended": True}, False), (None, False)])
def test_a_clean_stops_farewell_says_whether_a_session_was_open(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient,
        session: dict[str, object] | None, open_: bool) -> None:
    # A central started after the chair closed reads only this: it keeps the card of a chair
    # closed mid-session and lets go of one switched off between sessions (it kept it for good).
    heard = Heard()
    bus_client(broker.url, "central-test", subscribe=[topics.all_chairs_filter()],
               on_message=heard)
    chair = chairs(bus_config(broker.url))
    chair.link.publish_status({"online": True, "session": session})

    def statuses() -> list[dict[str, object]]:   # from this chair's status on (none retained)
        found = [obj for t, p in list(heard.messages)
                 if t.endswith("/status") and (obj := topics.decode(p)) is not None]
        return found[next((n for n, obj in enumerate(found) if obj["online"]), len(found)):]

    heard.wait_for(lambda: len(statuses()) == 1, "the chair's status")
    chair.close()
    heard.wait_for(lambda: len(statuses()) == 2, "the farewell")
    farewell = statuses()[1]
    assert (farewell["online"], farewell["reason"]) == (False, topics.CLOSED_REASON)
    assert farewell["session_open"] is open_


def test_a_central_acknowledgement_is_applied_once_and_says_who_and_where(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    chair = chairs(bus_config(broker.url))
    # Commands are not retained: the chair hears those sent once it is connected (subscribed).
    wait_until(lambda: chair.link.bus.status().state.name == "CONNECTED", "connected")
    # CONNECTED is said before paho writes the SUBSCRIBEs: the chair's own status coming back on
    # its status topic (subscribed after its command topic) shows the subscriptions hold.
    chair.link.publish_status(status_now(chair, "P-001"))
    wait_until(lambda: (chair.link.pump(), chair.link.twins.caught_up())[1], "subscribed")
    chair.reading("bp_systolic", 205)
    occurrence = next(o for o in chair.engine.alarms() if o.condition == "bp_systolic_high")
    central = bus_client(broker.url, "central-test")
    command = topics.encode({"id": "central-1-7", "kind": "acknowledge",
                             "session": chair.engine.session_id, "occurrence": occurrence.id,
                             "by": "Nurse Kim", "station": "central-1", "at": "x"})
    for _ in range(2):   # QoS 1 may deliver it twice: applied once
        central.publish(topics.chair_topic("chair-3", "command"), command)
    wait_until(lambda: (chair.pump(), chair.engine.alarms()[0].state.value == "acknowledged")[1],
               "the acknowledgement from the central station")
    chair.pump()
    rows = chair.log.conn.execute(
        "SELECT actor FROM alarm_events WHERE transition = 'acknowledged'").fetchall()
    assert rows == [("Nurse Kim (at central central-1)",)]
    kinds = [r.kind for _, r in chair.log.events(chair.engine.session_id)]
    assert kinds.count("acknowledged_at_central") == 1


def test_a_central_acknowledgement_held_for_minutes_is_not_applied(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    """A command the bus held (a dropped connection, a broker's queue) reaches the chair minutes
    after the central nurse pressed Acknowledge: the central has said "ack not confirmed" and
    sounds again; applied now it silenced the bedside long after anyone chose to (review 45).
    A fresh one from the same central is applied."""
    from datetime import timedelta

    from console.clock import iso

    chair = chairs(bus_config(broker.url))
    wait_until(lambda: chair.link.bus.status().state.name == "CONNECTED", "connected")
    chair.link.publish_status(status_now(chair, "P-001"))
    wait_until(lambda: (chair.link.pump(), chair.link.twins.caught_up())[1], "subscribed")
    chair.reading("bp_systolic", 205)
    occurrence = next(o for o in chair.engine.alarms() if o.condition == "bp_systolic_high")
    central = bus_client(broker.url, "central-test")
    wall = chair.link._clock.now().wall   # the chair's clock: the central's, give or take

    def command(number: int, seconds_ago: float) -> bytes:
        return topics.encode({"id": f"central-1-{number}", "kind": "acknowledge",
                              "session": chair.engine.session_id, "occurrence": occurrence.id,
                              "by": "Nurse Kim", "station": "central-1",
                              "at": iso(wall - timedelta(seconds=seconds_ago))})

    central.publish(topics.chair_topic("chair-3", "command"), command(1, 5 * 60))
    central.publish(topics.chair_topic("chair-3", "command"), command(2, 2))
    wait_until(lambda: (chair.pump(), chair.engine.alarms()[0].state.value == "acknowledged")[1],
               "the fresh acknowledgement")
    chair.pump()
    kinds = [r for _, r in chair.log.events(chair.engine.session_id)
             if r.kind == "acknowledged_at_central"]
    assert [k.detail["command"] for k in kinds] == ["central-1-2"]


def test_a_broker_outage_raises_the_alarm_and_the_backlog_arrives_in_order_after(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    clock = ManualClock(START)
    heard = Heard()
    # The central keeps a persistent session, saved by the broker before it dies: the broker
    # queues for it whatever the chair sends before the central is back.
    central = bus_client(broker.url, "central-test", subscribe=[topics.all_chairs_filter()],
                         on_message=heard, persistent_session=True)
    chair = chairs(bus_config(broker.url), clock)
    wait_until(lambda: chair.link.bus.status().state.name == "CONNECTED"
               and central.status().state.name == "CONNECTED", "both connected")
    chair.reading("heart_rate", 59)
    heard.wait_for(lambda: len(heard.control_ids("pcd01")) == 1, "the central subscribed")
    broker.save()
    broker.kill()
    wait_until(lambda: chair.link.bus.status().state.name != "CONNECTED", "the loss noticed")
    for value in range(60, 90):
        chair.reading("heart_rate", value)
    clock.advance(11)
    chair.pump()
    assert chair.network_alarm() == ("low", "Clinic bus not confirming delivery")
    broker.restart()
    wait_until(lambda: (chair.pump(), not chair.log.undelivered("bus"))[1],
               "the backlog delivered", timeout=20)
    observations = [r[0] for r in chair.log.conn.execute(
        "SELECT control_id FROM outbox WHERE kind = 'pcd01' ORDER BY id")]
    assert len(observations) == 31
    heard.wait_for(lambda: len(set(heard.control_ids("pcd01"))) == 31, "backlog heard")
    received = list(dict.fromkeys(heard.control_ids("pcd01")))   # duplicates dropped by MSH-10
    assert received == observations
    chair.pump()
    assert chair.network_alarm() is None


def test_quiet_room_only_while_a_central_station_confirms_each_alarm(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    clock = ManualClock(START)
    chair = chairs(bus_config(broker.url, quiet_room=True), clock)
    wait_until(lambda: chair.link.bus.status().state.name == "CONNECTED", "connected")
    # No central's presence is known before the broker relayed what it holds: its own status
    # back tells (test_quiet_room_start.py).
    chair.link.publish_status(status_now(chair, "P-001"))
    wait_until(lambda: (chair.link.pump(), chair.link.twins.caught_up())[1], "caught up")
    report = chair.link.pump()
    assert not report.quiet_allowed and report.problem is not None
    assert report.problem.message.startswith("No central station online")
    assert report.state.endswith("; quiet room: full volume")
    central = bus_client(broker.url, "central-test")
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)
    wait_until(lambda: chair.link.pump().quiet_allowed, "quiet allowed with a central online")
    assert chair.link.pump().state.endswith("; quiet room: soft bedside tones")
    chair.reading("bp_systolic", 205)   # its PCD-04 now waits for the central's confirmation
    pcd04 = chair.outbox_ids()[-1]
    clock.advance(11)
    report = chair.link.pump()
    assert not report.quiet_allowed
    assert report.problem is not None and report.problem.priority is Priority.MEDIUM
    assert "entral station not confirming alarms" in report.problem.message
    central.publish(topics.chair_topic("chair-3", "confirm"),
                    topics.encode({"control_id": pcd04, "station": "central-1", "at": "x"}))
    wait_until(lambda: chair.link.pump().quiet_allowed, "quiet again once confirmed")
    # The session log cannot take writes: what the engine holds is in no outbox, so no central
    # confirms it (an alarm held so had played 12 dB softer for the whole outage: a review).
    report = chair.link.pump(held=True)
    assert not report.quiet_allowed and report.state.endswith("; quiet room: full volume")
    assert chair.link.pump().quiet_allowed   # the log writing again


def test_the_events_list_says_what_the_network_did_in_words() -> None:
    from console.records import EventRecord
    from console.session.journal import describe

    def said(kind: str, **detail: object) -> str:
        return describe(EventRecord(1, START, kind, "engine", dict(detail)))

    assert said("network_configured", network="bus mqtts://b:8883 as chair-3", quiet_room=True) \
        == "Clinic network: bus mqtts://b:8883 as chair-3 · quiet-room tones"
    assert said("network_status", problem="Clinic bus not confirming delivery", priority="low") \
        == "Clinic network: Clinic bus not confirming delivery"
    assert said("network_status", problem=None) == "Clinic network confirming again"
    assert said("acknowledged_at_central", occurrence=7, by="Nurse Kim", station="desk",
                command="c-1") == "Acknowledged at central station desk by Nurse Kim"


def test_the_engine_over_tls_takes_the_messages_and_a_wrong_ca_is_named(
        tmp_path: Path, chairs: Callable[..., Chair], reserved_port: int) -> None:
    import ssl

    from console.network.broker_setup import make_certificates

    good, other = tmp_path / "clinic-pki", tmp_path / "other-pki"
    for folder in (good, other):
        folder.mkdir()
    ca, cert, key = make_certificates(good, "localhost")
    other_ca, _, _ = make_certificates(other, "localhost")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    peer = MllpPeer(reserved_port, always("AA"), tls=server)
    try:
        peer.listen()
        config = NetworkConfig(forward=f"mllps://localhost:{reserved_port}", chair="chair-3",
                               ca_file=ca)
        chair = chairs(config)
        chair.reading("heart_rate", 72)
        peer.wait_for(lambda: len(peer.received) == 1, "the message over TLS")
        assert peer.received == chair.outbox_ids()
        # A console that trusts another CA sends nothing and says why.
        wrong = chairs(NetworkConfig(forward=f"mllps://localhost:{reserved_port}",
                                     chair="chair-4", ca_file=other_ca), name="wrong")
        wrong.reading("heart_rate", 70)
        assert wrong.link.mllp is not None
        wait_until(lambda: "certificate" in (wrong.link.mllp.status().last_error or ""),
                   "the TLS failure named")
        # The CA checked is named, and the setting for the engine's own CA (forward_ca_file).
        assert (wrong.link.mllp.status().last_error or "").endswith(
            f"check forward_ca_file (not set: ca_file {other_ca} was used; set it to the CA of "
            "the engine's certificate)")
        # Dialled by its address while its certificate names "localhost": the name is what to
        # fix, not the CA file (QA); the engine's certificate is not `network setup`'s.
        by_ip = chairs(NetworkConfig(forward=f"mllps://127.0.0.1:{reserved_port}",
                                     chair="chair-5", ca_file=ca), name="by-ip")
        by_ip.reading("heart_rate", 71)
        assert by_ip.link.mllp is not None
        wait_until(lambda: "certificate" in (by_ip.link.mllp.status().last_error or ""),
                   "the name mismatch named")
        assert (by_ip.link.mllp.status().last_error or "").endswith(
            "its certificate is not made for '127.0.0.1'; put the host name it was made for in "
            "forward, or have the engine's certificate made for '127.0.0.1' (by whoever runs the "
            "engine)")
        assert len(peer.received) == 1
        # The engine's CA given apart (forward_ca_file): the bus's CA, here another, is not
        # what the engine's certificate is checked against.
        apart = chairs(NetworkConfig(forward=f"mllps://localhost:{reserved_port}",
                                     chair="chair-6", ca_file=other_ca, forward_ca_file=ca),
                       name="apart")
        apart.reading("heart_rate", 69)
        peer.wait_for(lambda: len(peer.received) == 2, "the message over TLS, its own CA")
        assert peer.received[1:] == apart.outbox_ids()
    finally:
        peer.close()


def test_a_clean_stop_lets_the_engine_take_what_is_due_first(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int) -> None:
    # The engine listens from the start: the sender runs on real time in its own process, so
    # an engine that came only later would be met, or not, by a back-off of its own timing.
    peer.listen()
    chair = chairs(engine_config(reserved_port))
    for value in range(60, 100):
        chair.reading("heart_rate", value)
    sent = chair.outbox_ids()
    chair.close()   # what the console does on SIGTERM or when its window closes: at once
    assert peer.received == sent
    log = EventLog.open(chair.log.path, "test")
    try:
        assert log.undelivered("engine") == []
    finally:
        log.close()


def test_the_status_line_counts_each_message_once_though_it_waits_for_the_bus_and_the_engine(
        chairs: Callable[..., Chair], reserved_port: int) -> None:
    # Nobody listens on either port: every message waits for both destinations. IT reading
    # "4 to send" for two readings looked for two messages that do not exist.
    with reserve_port() as broker_port:
        chair = chairs(NetworkConfig(broker=f"mqtt://{HOST}:{broker_port}",
                                     forward=f"mllp://{HOST}:{reserved_port}",
                                     chair="chair-3", room="Room 3"))
        committed = len(chair.outbox_ids())
        chair.reading("heart_rate", 61)
        chair.reading("heart_rate", 62)
        chair.pump()
        messages = len(chair.outbox_ids())
        assert messages > committed
        assert f"{messages} to send" in chair.link.state_text()
        assert f"{messages} to send" in chair.link.line_text()


def test_a_pump_that_runs_after_stop_publishes_nothing_and_raises_nothing(
        chairs: Callable[..., Chair], broker: Broker) -> None:
    chair = chairs(bus_config(broker.url))
    wait_until(lambda: chair.link.bus.status().state.name == "CONNECTED", "connected")
    chair.link.stop(1.0)
    # The window's pump, woken by news that came during the stop, still runs once.
    chair.link.publish_status({"online": True})
    chair.link.pump()


@pytest.mark.parametrize(("forward", "says_it"), [
    ("mllp://192.0.2.10:6661", True),      # another machine, allowed: the line must say it
    ("mllp://127.0.0.1:6661", False),      # loopback never leaves this machine
    ("mllps://192.0.2.10:6661", False),    # TLS
])
def test_the_status_line_says_unencrypted_while_patient_data_crosses_the_network_in_clear(
        tmp_path: Path, forward: str, says_it: bool) -> None:
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    try:
        link = NetworkLink(NetworkConfig(forward=forward, chair="chair-3", allow_plaintext=True),
                           log, ManualClock(START), station=STATION)
        assert link.plaintext is says_it
        assert ("UNENCRYPTED (allow_plaintext is on)" in link.state_text()) is says_it
    finally:
        log.close()


def test_quiet_room_goes_to_full_volume_the_moment_the_bus_is_lost(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    # The broker dies: nothing has waited 10 s yet and the central was last heard online, but
    # a lost bus confirms nothing, so an alarm raised now must not play soft.
    clock = ManualClock(START)
    chair = chairs(bus_config(broker.url, quiet_room=True), clock)
    wait_until(lambda: chair.link.bus.status().state.name == "CONNECTED", "connected")
    central = bus_client(broker.url, "central-test")
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)
    wait_until(lambda: chair.link.pump().quiet_allowed, "quiet allowed with a central online")
    broker.kill()
    wait_until(lambda: (chair.link.pump(),
                        chair.link.bus.status().state.name != "CONNECTED")[1], "loss noticed")
    report = chair.link.pump()
    assert not report.quiet_allowed
    assert report.state.endswith("; quiet room: full volume")


def test_two_consoles_with_one_chairs_settings_raise_an_alarm_at_both(
        chairs: Callable[..., Chair], broker: Broker) -> None:
    # The same settings kit copied to two machines: one client id, each console takes the
    # connection from the other, and the central showed two patients in turn on one card with
    # no alarm anywhere (the clinic IT audit). Each now reads the other's status on its own
    # topic and says so; its own status, and its last run's retained one, are not the other.
    config = bus_config(broker.url)
    first = chairs(config, name="first")
    wait_until(lambda: first.link.bus.status().state.name == "CONNECTED", "connected")
    first.link.publish_status(status_now(first, "P-001"))
    first.clock.advance(5)
    assert first.link.pump().problem is None   # its own status is not another console's
    second = chairs(config, name="second")
    second.clock.advance(5)

    def said(chair: Chair) -> str:
        chair.link.publish_status(status_now(chair, "P-002" if chair is second else "P-001"))
        problem = chair.link.pump().problem
        return problem.message if problem is not None else ""

    told: set[str] = set()

    def both_told() -> bool:   # each publishes its status as the app does, then reads its news
        for name, chair in (("first", first), ("second", second)):
            if "chair name chair-3 used by another console too" in said(chair).lower():
                told.add(name)
        return told == {"first", "second"}

    wait_until(both_told, "both consoles told", timeout=30.0, interval=0.5)
    problem = first.link.pump().problem
    assert problem is not None and problem.priority is Priority.MEDIUM
    assert "another station as chair-3" in problem.detail


def test_the_last_runs_will_left_on_the_broker_is_not_another_console(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    # A console killed leaves its Last Will retained; the restarted one reads it once.
    leftover = bus_client(broker.url, "leftover")
    leftover.publish(topics.chair_topic("chair-3", "status"), topics.encode(
        {"chair": "chair-3", "online": False, "reason": "connection lost",
         "instance": "a-last-run"}), retain=True)
    chair = chairs(bus_config(broker.url))
    wait_until(lambda: chair.link.bus.status().state.name == "CONNECTED", "connected")
    chair.link.publish_status(status_now(chair, "P-001"))
    wait_until(lambda: chair.link.pump() is not None and chair.link.twins.wills_read() == 1,
               "the old will read")
    assert chair.link.pump().problem is None


def status_now(chair: Chair, patient: str) -> dict[str, object]:
    return {"chair": "chair-3", "online": True, "sent_at": iso(chair.clock.now().wall),
            "seq": chair.link.status_seq, "session": {"id": 1, "patient": patient}}

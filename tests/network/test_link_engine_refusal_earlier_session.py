"""An engine's refusal (AR) of a message of this chair's earlier session, through a restart.

Live, the link keeps the engine's refusals across sessions: the LOW "Interface engine refused a
message" stands in the next patient's session until the message is delivered (link.py's module
docstring). After a restart resuming that next session, the link read back only the resumed
session's refusals: the alarm the resume had restored ended at the first judged pump, the
message still undelivered (`network undelivered` lists it). A restart restores every alarm as it
was; what the link reads back is this chair's (as its backlog is), not another chair's on a log
two chairs share.
"""

from __future__ import annotations

from pathlib import Path

from console.clock import ManualClock
from console.network.config import NetworkConfig
from console.network.link import NetworkLink
from console.network.pcd import Station
from console.network.resend import given_up
from console.session.engine import NETWORK_UNCONFIRMED, Patient, SessionEngine
from console.store import EventLog
from devices.reading import Reading
from protocols.vitals import metric
from tests.mosquitto import wait_until
from tests.network.raw_mllp_peer import Handler, RawPeer, ack, msh10, read_frame
from tests.network.test_link import STATION, Chair, resumed
from tests.session.helpers import START, iv_protocol

REFUSED = ("low", "Interface engine refused a message")


def refuse_the_first_message() -> Handler:
    """An engine that refuses the first message it reads (AR, unknown patient), then takes all."""
    read: list[str] = []

    def handler(n, conn, peer):
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            peer.got(cid)
            code = "AA" if read else "AR"
            read.append(cid)
            conn.sendall(ack(code, cid, "unknown patient" if code == "AR" else ""))

    return handler


def settle(chair: Chair) -> None:
    """Every outbox row answered by the engine and its delivery row written."""
    wait_until(lambda: (chair.pump(), len(chair.deliveries()) >= len(chair.outbox_ids()))[1],
               "every message answered")


def restarted(db: Path, config: NetworkConfig, clock: ManualClock,
              session: int) -> tuple[EventLog, NetworkLink, SessionEngine]:
    """The console started again on `db`, `session` resumed (its alarms restored)."""
    log = EventLog.open(db, "test")
    link = NetworkLink(config, log, clock, station=STATION)
    link.start()
    engine = resumed(log, session, clock)
    link.session_opened(session, engine.patient.patient_id, False)
    return log, link, engine


def network_alarms_past_the_grace(link: NetworkLink, engine: SessionEngine,
                                  clock: ManualClock) -> list[tuple[str, str]]:
    """The app's pumps for 15 s (past the start's grace, UNCONFIRMED_LOW_S); then the session's
    network alarm (priority, message), if any."""
    for _ in range(15):
        report = link.pump()
        if report.judged:
            engine.network_status(report.problem, clock.now(), report.state)
        clock.advance(1)
    return [(o.priority.label, o.message) for o in engine.alarms()
            if o.condition == NETWORK_UNCONFIRMED]


def test_a_refusal_from_the_previous_patients_session_still_stands_after_a_restart(
        tmp_path: Path) -> None:
    peer = RawPeer(refuse_the_first_message())
    config = NetworkConfig(forward=peer.url, chair="chair-3", room="Room 3")
    db = tmp_path / "log.sqlite3"
    clock = ManualClock(START)
    chair = Chair(db, config, clock)
    log = link = None
    try:
        # Session 1's first message (a PCD-01) is refused: the engine's alarm, LOW.
        chair.reading("heart_rate", 72)
        settle(chair)
        assert chair.deliveries()[0][2] == "failed"
        assert chair.network_alarm() == REFUSED

        # Session 1 is discharged; the next patient's session opens in the same console.
        clock.advance(60)
        assert chair.engine.discharge("nurse.ana", clock.now(), override_reason="test").done
        settle(chair)
        second = SessionEngine.open(iv_protocol(), chair.log, Patient("P-002", 70.0),
                                    "nurse.ana", clock.now())
        chair.engine = second
        chair.link.session_opened(second.session_id, "P-002", False)
        settle(chair)
        clock.advance(1)
        chair.pump()
        # Live: the refusal, still undelivered, is this chair's alarm in session 2.
        assert chair.network_alarm() == REFUSED
        chair.close()

        # The console restarts and resumes session 2: the alarm stands as it was.
        clock.advance(5)
        log, link, engine = restarted(db, config, clock, second.session_id)
        after = network_alarms_past_the_grace(link, engine, clock)
        assert after == [REFUSED], f"live {REFUSED}, after the restart {after}"
    finally:
        if link is not None:
            link.stop(timeout=1.0)
        if log is not None:
            log.close()
        peer.close()


def test_another_chairs_refusal_on_a_shared_log_is_not_this_chairs_alarm(tmp_path: Path) -> None:
    peer = RawPeer(refuse_the_first_message())
    db = tmp_path / "log.sqlite3"
    clock = ManualClock(START)
    station_4 = Station(equipment_id="console-test-4", equipment_id_type="UUID", room="Room 4",
                        bed="chair-4")
    chair = None
    try:
        # Chair 4's console, on the log chair 3 shares: its first message is refused.
        log = EventLog.open(db, "test")
        link = NetworkLink(NetworkConfig(forward=peer.url, chair="chair-4", room="Room 4"), log,
                           clock, station=station_4)
        try:
            link.start()
            engine = SessionEngine.open(iv_protocol(), log, Patient("P-004", 70.0), "nurse.ana",
                                        clock.now())
            link.session_opened(engine.session_id, "P-004", False)
            now = clock.now()
            engine.ingest(Reading("heart_rate", 72, metric("heart_rate").unit, now.wall,
                                  now.wall, "hl7:SIM"), now)
            wait_until(lambda: (link.pump(), bool(given_up(log.conn)))[1],
                       "chair 4's message refused")
        finally:
            link.stop(timeout=1.0)
            log.close()

        # Chair 3's console starts on the shared log, its session opens: chair 4's refusal is
        # not its alarm (nor in its patient's record).
        clock.advance(5)
        chair = Chair(db, NetworkConfig(forward=peer.url, chair="chair-3", room="Room 3"), clock)
        chair.reading("heart_rate", 80)
        settle(chair)
        assert network_alarms_past_the_grace(chair.link, chair.engine, clock) == []
    finally:
        if chair is not None:
            chair.close()
        peer.close()

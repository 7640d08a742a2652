"""A chair's log restored from its last backup mid-session (README "Restoring a log from a
backup"): the resumed session numbers its alarms on from the restored log, so it hands out
occurrence ids it had already sent. The central station held an end as final per (session,
occurrence) for as long as the session lasted: the resumed session's next high alarm, under the
id of one the central had seen end, was dropped, its PCD-04 and its status listing, while it
sounded at the bedside. A new run of the chair's console (its status's run token, `instance`)
starts the ended occurrences afresh; an alarm that ended before a restart still does not come
back (a resent PCD-04 is a duplicate by its control id, a late one is older than the new run's
status, which lists only the open alarms)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from console.network import bus_topics
from console.records import AlarmTransition
from console.session.engine import SessionEngine
from console.store import EventLog
from protocols.model import Priority
from tests.central.helpers import Central, Chair, MemoryLog
from tests.session.test_resume_as_live import LoggedSession, restart

SENT = ("raised", "escalated", "deescalated", "acknowledged", "reminded", "cleared", "reset")


class _Console:
    """What the chair's console publishes from its log, as console/network/link.py does: each
    alarm transition once (a PCD-04), its status with its run's token, its clean stop."""

    def __init__(self, central: Central, chair: Chair, s: LoggedSession, run: str) -> None:
        self.central, self.chair, self.s, self.run = central, chair, s, run
        self.sent: list[tuple[str, bytes]] = []   # the PCD-04s, in order
        self.rows = 0

    def publish(self) -> None:
        log: EventLog = self.s.recorder   # type: ignore[assignment]
        rows = [t for _, t in log.alarm_events(self.s.engine.session_id)]
        for t in rows[self.rows:]:
            assert isinstance(t, AlarmTransition)
            if t.transition in SENT:
                self.sent.append(self.chair.pcd04(t))
                self.central.deliver(self.sent[-1])
        self.rows = len(rows)
        self.central.deliver(self.chair.status(instance=self.run))

    def close(self) -> None:
        """The console stopped cleanly, mid-session."""
        self.central.deliver((self.chair.topic("status"), bus_topics.encode(
            {"chair": self.chair.name, "room": self.chair.room, "online": False,
             "reason": bus_topics.CLOSED_REASON, "session_open": True, "instance": self.run})))

    def started_again(self, log: EventLog, run: str) -> SessionEngine:
        """Started again 30 s later on `log`, resuming the session: a new run, counting its
        statuses from 1; what the log holds was sent by the runs before."""
        self.s.recorder = log   # type: ignore[assignment]
        engine = restart(self.s, 30, reads_device=True)
        engine.device_state_changed("connected", self.central.clock.now())
        self.run, self.chair.seq = run, 0
        self.rows = len(log.alarm_events(engine.session_id))
        self.publish()
        return engine


def _an_spo2_alarm_that_ended(central: Central, console: _Console) -> int:
    """SpO2 85: raised, acknowledged at the bedside, over; the central saw each step. Its id."""
    central.t(60); console.chair.device("spo2", 85); console.publish()
    (first,) = [o for o in console.s.engine.alarms() if o.condition == "spo2_low"]
    assert central.card("chair-1").alarm is not None
    console.chair.acknowledge_at_bedside(first.id)
    for at in range(70, 200, 10):
        central.t(at); console.chair.device("spo2", 98); console.publish()
    assert [o for o in console.s.engine.alarms() if o.condition == "spo2_low"] == []
    assert central.card("chair-1").alarm is None
    return first.id


def _chair_on(central: Central, log: EventLog) -> _Console:
    chair = central.chair("chair-1", "Room 1", session=False)
    s = LoggedSession(log)
    s.clock, s.origin = central.clock, central.clock.now().mono
    chair.s = s
    s.engine.device_state_changed("connected", central.clock.now())
    s.to_infusion()
    console = _Console(central, chair, s, "run-1")
    console.publish()
    return console


def test_a_high_alarm_after_a_restore_from_backup_shows_and_sounds_at_the_central(
        tmp_path: Path) -> None:
    path, backup = tmp_path / "sessions.sqlite3", tmp_path / "backup.sqlite3"
    central = Central(MemoryLog())
    log = EventLog.open(path, "test")
    console = _chair_on(central, log)
    log.conn.execute(f"VACUUM INTO '{backup}'")   # the night's backup
    first = _an_spo2_alarm_that_ended(central, console)

    # The log's disk fails: the console stops; IT restores the backup (-wal, -shm moved aside).
    log.close()
    console.close()
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    shutil.copy(backup, path)
    os.chmod(path, 0o600)
    log = EventLog.open(path, "test")
    try:
        engine = console.started_again(log, "run-2")
        central.t(250); console.publish()

        # A new desaturation: high, sounding at the bedside, under the id of the one that ended.
        central.t(260); console.chair.device("spo2", 82); console.publish()
        (again,) = [o for o in engine.alarms() if o.condition == "spo2_low"]
        assert (again.id, again.priority) == (first, Priority.HIGH)
        card = central.card("chair-1")
        assert card.alarm is not None, "the bedside's high SpO2 alarm is not on the card"
        assert (card.alarm.priority, card.alarm.occurrence) == (Priority.HIGH, first)
        assert "SpO2" in card.alarm.text
        assert central.sounding() == "high"
        # Marked on the trend strip as the bedside's trend marks it: its own raise.
        marks = [(m.occurrence, m.priority, m.transition)
                 for m in central.board.trend("chair-1").alarms if m.at == again.raised_at.wall]
        assert marks == [(first, "high", "raised")], central.board.trend("chair-1").alarms
    finally:
        log.close()


def test_an_alarm_that_ended_before_a_restart_does_not_come_back(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    central = Central(MemoryLog())
    log = EventLog.open(path, "test")
    console = _chair_on(central, log)
    _an_spo2_alarm_that_ended(central, console)
    raised, *_ = console.sent
    old = [t for _, t in log.alarm_events(console.s.engine.session_id)]

    # The console stops and starts again on the same log (no restore).
    log.close()
    console.close()
    log = EventLog.open(path, "test")
    try:
        engine = console.started_again(log, "run-2")
        central.t(240); console.publish()
        assert central.card("chair-1").alarm is None

        # Its "raised" again (QoS 1 sends at least once): a duplicate by its control id.
        central.deliver(raised)
        # A step of it heard only now (held by the network), stamped before the restart.
        acknowledged = next(t for t in old if t.transition == "acknowledged")
        central.deliver(console.chair.pcd04(acknowledged, control_id="late-1"))
        card = central.card("chair-1")
        assert card.connected and card.alarm is None, card.alarm
        assert central.sounding() is None
        central.t(242); console.publish()
        assert central.card("chair-1").alarm is None and central.sounding() is None

        # A new alarm of the resumed session is shown: its next id, as the log knew them all.
        central.t(260); console.chair.device("spo2", 82); console.publish()
        (new,) = [o for o in engine.alarms() if o.condition == "spo2_low"]
        card = central.card("chair-1")
        assert card.alarm is not None and card.alarm.occurrence == new.id
        assert central.sounding() == "high"
    finally:
        log.close()

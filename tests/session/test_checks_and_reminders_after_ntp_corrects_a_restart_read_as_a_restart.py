"""A console restarted on a station clock an hour wrong against the session's log, then put
right live (NTP): at every later moment the nurse reads what a restart from the same log reads,
check by check (when due, how overdue, what it still asks for) and alarm by alarm (how long it
has stood, when an acknowledged one's reminder sounds again).

Three stories, each on a clock an hour ahead at the restart (the hour counted as downtime) and
one an hour behind (the restart counted as at once):

- a BP check half met before the restart (its heart rate) and an SpO2 alarm acknowledged just
  before it: the check's next time counts from that heart rate, the reminder from that
  acknowledgement, both moved by the correction as the replay places them;
- a BP check owed across the move to Observation, back to Observation's own slots once met:
  the slots count from the phase start, before the restart or after it;
- esketamine's checks timed from the first device, waiting for device 1 across the restart:
  "due in 40 min" while it is awaited, then 40 min after the device.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.clock import Moment
from console.records import SessionOpened
from console.session.engine import SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Protocol
from tests.session.helpers import iv_protocol
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, set_wall  # noqa: F401

HOUR = 3600.0
MIN = 60
ESKETAMINE = load_protocol(builtin_protocols_dir() / "esketamine.toml")


_set_wall = set_wall


def _restart(s: LoggedSession, protocol: Protocol, after_seconds: float) -> None:
    """The console killed and started again `after_seconds` later, reading its log back."""
    s.clock.advance(after_seconds)
    s.engine = _resumed(s.recorder, s.engine.session_id, protocol,  # type: ignore[arg-type]
                        s.now())


def _resumed(log: EventLog, session_id: int, protocol: Protocol, now: Moment) -> SessionEngine:
    row = log.session(session_id)
    logged = log.observations(row.id)
    return SessionEngine.resume(
        protocol, log, row.id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [r for _, r in logged], [r for _, r in log.events(row.id)],
        [r for _, r in log.alarm_events(row.id)], now, observation_ids=[i for i, _ in logged])


def _read_back_now(s: LoggedSession, protocol: Protocol, folder: Path) -> tuple[object, ...]:
    """What the nurse reads after a restart at this moment: the session read back from a copy
    of the log, so that the live console goes on with its own, untouched."""
    live: EventLog = s.recorder   # type: ignore[assignment]
    path = folder / f"read-back-{len(list(folder.glob('read-back-*.sqlite3')))}.sqlite3"
    with sqlite3.connect(path) as copy:
        live.conn.backup(copy)
    copy.close()
    read_back = EventLog.open(path, "test")
    try:
        engine = _resumed(read_back, s.engine.session_id, protocol, s.now())
        engine.tick(s.now())
        return _what_the_nurse_reads(engine, s.now())
    finally:
        read_back.close()


def _what_the_nurse_reads(engine: SessionEngine, now: Moment) -> tuple[object, ...]:
    """The due checks (how long until due or how overdue, what they still ask for), the alarms
    on the board (how long each has stood, how long since its acknowledgement) and what sounds."""
    checks = [(d.name, round(d.due_in_s), d.overdue, d.missing) for d in engine.due(now)]
    alarms = [(o.condition, o.state.value, o.priority.label, round(now.mono - o.raised_at.mono),
               None if o.silenced_at is None else round(now.mono - o.silenced_at))
              for o in engine.alarms()]
    sounds = engine.audio(now).priority
    return checks, alarms, None if sounds is None else sounds.label


Story = Callable[[LoggedSession, float], Iterator[str]]


def half_met_check_and_acknowledged_alarm(s: LoggedSession, wrong_s: float) -> Iterator[str]:
    s.to_infusion()                           # T0; BP and HR every 10 min
    start = s.now().mono - s.origin
    for second in range(60, 1140, 60):
        s.t(start + second); s.device("spo2", 97)
    s.manual("heart_rate", 72)                # T+19: the T+20 check's HR, its BP still to come
    s.t(start + 1150); s.device("spo2", 88)   # high, acknowledged at once
    low = next(o for o in s.engine.alarms() if o.condition.startswith("spo2"))
    assert s.engine.acknowledge(low.id, NURSE, s.now()).done
    _set_wall(s, wrong_s)                     # the station restarts with its clock wrong
    _restart(s, iv_protocol(), 20)
    s.t(start + 1180); s.device("spo2", 88)
    _set_wall(s, -wrong_s)                    # NTP puts it right
    for second in range(1200, 2400, 30):
        s.t(start + second); s.device("spo2", 88)
        if second == 1500:
            s.bp(118, 76)                     # T+25: the BP, the check met late
        yield f"T0 + {second} s"


def owed_check_back_to_its_slots(move_before_the_restart: bool) -> Story:
    def story(s: LoggedSession, wrong_s: float) -> Iterator[str]:
        s.to_infusion()                       # T0; BP and HR every 10 min, none taken
        start = s.now().mono - s.origin
        for second in range(60, 2460, 60):
            s.t(start + second); s.device("spo2", 97)
        if move_before_the_restart:           # T+40: Observation (every 15 min); BP owed
            assert s.engine.advance_phase(NURSE, s.now()).done
        _set_wall(s, wrong_s)
        _restart(s, iv_protocol(), 30)
        s.t(start + 2470); s.device("spo2", 97)
        if not move_before_the_restart:
            assert s.engine.advance_phase(NURSE, s.now()).done
            s.bp(118, 76); s.manual("heart_rate", 72)   # the owed check met after the move
        _set_wall(s, -wrong_s)                # NTP puts it right
        for second in range(2520, 4800, 60):
            s.t(start + second); s.device("spo2", 97)
            if move_before_the_restart and second == 2640:
                s.bp(118, 76); s.manual("heart_rate", 72)   # met after the correction
            yield f"T0 + {second} s"
    return story


def esketamine_waiting_for_device_1(s: LoggedSession, wrong_s: float) -> Iterator[str]:
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="test").done   # T0
    start = s.now().mono - s.origin
    for second in range(60, 600, 60):
        s.t(start + second); s.device("spo2", 97)
    _set_wall(s, wrong_s)
    _restart(s, ESKETAMINE, 30)
    s.t(start + 660); s.device("spo2", 97)
    _set_wall(s, -wrong_s)                    # NTP puts it right
    for second in range(720, 4200, 60):
        s.t(start + second); s.device("spo2", 97)
        if second == 1200:                    # T+20: device 1 given
            assert s.engine.tick_item("device-1", NURSE, s.now(), note="LOT-1").done
        yield f"T0 + {second} s"


@pytest.mark.parametrize("wrong_s", [HOUR, -HOUR], ids=["clock-ahead", "clock-behind"])
@pytest.mark.parametrize(("protocol", "story"), [
    (iv_protocol(), half_met_check_and_acknowledged_alarm),
    (iv_protocol(), owed_check_back_to_its_slots(move_before_the_restart=True)),
    (iv_protocol(), owed_check_back_to_its_slots(move_before_the_restart=False)),
    (ESKETAMINE, esketamine_waiting_for_device_1),
], ids=["half-met-check-and-acknowledged-alarm", "owed-check-phase-moved-before-the-restart",
        "owed-check-phase-moved-after-the-restart", "esketamine-waiting-for-device-1"])
def test_checks_and_reminders_after_ntp_corrects_a_restarts_clock_read_as_a_restart_reads_them(
        log: EventLog, tmp_path: Path, protocol: Protocol, story: Story,  # noqa: F811
        wrong_s: float) -> None:
    s = LoggedSession(log, protocol)
    for moment in story(s, wrong_s):
        s.engine.tick(s.now())                # the window's tick after what was entered
        live = _what_the_nurse_reads(s.engine, s.now())
        assert live == _read_back_now(s, protocol, tmp_path), moment

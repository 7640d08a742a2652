"""A write whose transaction rolls back after the composer built its messages (the disk full at
the commit) is held and written again (console/session/holding.py): the composer learns its steps
once, from the write that committed. Learnt at each attempt, a typo's escalation remembered "not
acknowledged" as the state to go back to, and taken back it went out sounding (`enabled`) while
the bedside showed the alarm acknowledged, silent: the central sounded it and its Acknowledge was
refused by the chair."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network.composer import PcdComposer
from console.network.pcd import PatientShown
from console.network.pcd_read import read_pcd04
from console.records import ACKNOWLEDGED, DEESCALATED, ESCALATED, RAISED, AlarmTransition
from console.store import EventLog, LogError
from console.store import log as store_log
from console.store.outbox import OutboxHooks
from tests.network.test_composer_state import STATION
from tests.session.helpers import START
from tests.store.test_outbox import _session

NURSE = "nurse.ana"
OCCURRENCE = 7


def full_at_the_next_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next write fails at its last statement before COMMIT, after the composer ran, as a
    full disk fails it; the writes after it succeed."""
    store = store_log._Chains.store
    failures = [sqlite3.OperationalError("database or disk is full")]

    def failing_once(chains: store_log._Chains) -> None:
        if failures:
            raise failures.pop()
        store(chains)

    monkeypatch.setattr(store_log._Chains, "store", failing_once)


def bp(session_id: int, transition: str, priority: str, seconds: float,
       actor: str = "engine") -> AlarmTransition:
    return AlarmTransition(session_id, OCCURRENCE, "bp_systolic_high", "physiological", priority,
                           transition, START + timedelta(seconds=seconds), "BP high", 185.0,
                           ">=180", actor)


def sent(log: EventLog) -> list[tuple[str, str]]:
    """(phase, inactivation) of the PCD-04s in the outbox, oldest first."""
    reports = (read_pcd04(m) for (m,) in log.conn.execute(
        "SELECT message FROM outbox WHERE kind = 'pcd04' ORDER BY id"))
    return [(r.phase.value, r.inactivation.value) for r in reports]


def test_a_typo_escalation_written_at_the_second_attempt_taken_back_is_sent_acknowledged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           ManualClock(START))

    def fail(exc: BaseException) -> None:
        raise AssertionError(f"the composer failed: {exc}")

    log.attach_outbox(OutboxHooks(composer, lambda _rows: None, fail))
    session = _session(log)
    log.write([bp(session, RAISED, "medium", 0)])
    log.write([bp(session, ACKNOWLEDGED, "medium", 5, NURSE)])
    escalated = [bp(session, ESCALATED, "high", 10)]   # a typed 250: sounding again
    full_at_the_next_commit(monkeypatch)
    with pytest.raises(LogError):
        log.write(escalated)
    log.write(escalated)   # the held write, retried
    log.write([bp(session, DEESCALATED, "medium", 15, NURSE)])   # the 250 taken back
    assert sent(log) == [("start", "enabled"), ("update", "alert-acknowledged"),
                         ("update", "enabled"), ("update", "alert-acknowledged")]
    log.close()

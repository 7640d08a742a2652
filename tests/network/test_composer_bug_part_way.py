"""A composer that fails part way through a commit (a bug in one step, a history it could not
read): the records commit, the messages do not (`log._compose` catches it, the network alarm says
it), and the transaction is not rolled back, so `rolled_back` is not called. The steps folded
before the failure stayed in the composer's memory: neither the log's (which a restarted composer
learns) nor the one before. An alarm acknowledged in that commit was then sent as only
"audio-paused" at the next pause: the central sounded an alarm the bedside held silent.

The composer is wired to a real log as console/network/link.py wires it (its history read from
the log); the failure is injected into one fold or one history read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network import composer as composer_module
from console.network.composer import PcdComposer
from console.network.pcd import PatientShown
from console.network.pcd_read import read_pcd04
from console.records import (
    ACKNOWLEDGED,
    AUDIO_PAUSED,
    RAISED,
    AlarmTransition,
    EventRecord,
    Record,
)
from console.store import EventLog
from console.store.outbox import OutboxHooks
from tests.network.test_composer_state import STATION
from tests.session.helpers import START
from tests.store.test_outbox import _session

NURSE = "nurse.ana"
SPO2 = 7
RR = 8


def alarm(session_id: int, occurrence: int, transition: str, seconds: float,
          actor: str = "engine") -> AlarmTransition:
    condition = {SPO2: "spo2_low", RR: "resp_rate_low"}.get(occurrence, "hr_high")
    return AlarmTransition(session_id, occurrence, condition, "physiological", "medium",
                           transition, START + timedelta(seconds=seconds), f"{condition} alarm",
                           1.0, "x", actor)


def pause(session_id: int, seconds: float) -> EventRecord:
    return EventRecord(session_id, START + timedelta(seconds=seconds), AUDIO_PAUSED, NURSE)


class Chair:
    """A log whose outbox the console's composer fills; its failures recorded, not raised."""

    def __init__(self, path: Path) -> None:
        self.log = EventLog.open(path, "test")
        self.failures: list[BaseException] = []
        self.session = _session(self.log)
        self.start_composer()

    def start_composer(self,
                       history: Callable[[int], Sequence[AlarmTransition]] | None = None) -> None:
        """The console's composer (again: a restart), its history read from the log."""
        composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                               ManualClock(START), history=history or self.history)
        self.log.attach_outbox(OutboxHooks(composer, lambda _rows: None, self.failures.append))

    def history(self, session_id: int) -> list[AlarmTransition]:
        return [t for _, t in self.log.alarm_events(session_id)]

    def write(self, records: Sequence[Record]) -> list[tuple[int, str]]:
        """Write `records`; (occurrence, inactivation) of each PCD-04 it put in the outbox."""
        before = self.log.conn.execute("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()[0]
        self.log.write(records)
        rows = self.log.conn.execute("SELECT message FROM outbox WHERE id > ? AND kind = 'pcd04' "
                                     "ORDER BY id", [before]).fetchall()
        return sorted((r.occurrence, r.inactivation.value) for r in (read_pcd04(m) for (m,) in rows))


def failing_at_acknowledgements(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Every fold of an acknowledgement raises (a bug in the composer) until the returned
    function is called."""
    fold = composer_module._AlarmMemory._fold

    def buggy(occurrences: dict[int, composer_module._Open], step: AlarmTransition) -> None:
        if step.transition == ACKNOWLEDGED:
            raise RuntimeError("a composer bug")
        fold(occurrences, step)

    monkeypatch.setattr(composer_module._AlarmMemory, "_fold", staticmethod(buggy))
    return lambda: monkeypatch.setattr(composer_module._AlarmMemory, "_fold",
                                       staticmethod(fold))


def acknowledged_in_a_failed_compose(chair: Chair, monkeypatch: pytest.MonkeyPatch,
                                     restart: bool) -> list[tuple[int, str]]:
    """SpO2 raised; one commit raises RR and acknowledges SpO2, its composer failing at the
    acknowledgement; (a restart, then) an audio pause: the updates it sends."""
    assert chair.write([alarm(chair.session, SPO2, RAISED, 0)]) == [(SPO2, "enabled")]
    fixed = failing_at_acknowledgements(monkeypatch)
    assert chair.write([alarm(chair.session, RR, RAISED, 5),
                        alarm(chair.session, SPO2, ACKNOWLEDGED, 5, NURSE)]) == []
    fixed()
    assert [str(exc) for exc in chair.failures] == ["a composer bug"]   # the network alarm
    if restart:
        chair.start_composer()
    return chair.write([pause(chair.session, 10)])


def test_audio_pause_after_a_composer_bug_leaves_the_alarm_acknowledged_in_it_silent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    after_restart = acknowledged_in_a_failed_compose(Chair(tmp_path / "restarted.sqlite3"),
                                                     monkeypatch, restart=True)
    # SpO2's acknowledged, as the log says: no update; RR's paused.
    assert after_restart == [(RR, "audio-paused")]
    assert acknowledged_in_a_failed_compose(Chair(tmp_path / "running.sqlite3"),
                                            monkeypatch, restart=False) == after_restart


def test_alarm_raised_after_a_composer_bug_in_a_pausing_commit_is_sent_audio_paused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chair = Chair(tmp_path / "log.sqlite3")
    chair.write([alarm(chair.session, SPO2, RAISED, 0)])
    fixed = failing_at_acknowledgements(monkeypatch)
    # The nurse acknowledges SpO2 and pauses the audio; the composer fails at the first step.
    chair.write([alarm(chair.session, SPO2, ACKNOWLEDGED, 5, NURSE), pause(chair.session, 5)])
    fixed()
    assert chair.failures
    # The bedside is paused: a new alarm's start says so.
    assert chair.write([alarm(chair.session, RR, RAISED, 10)]) == [(RR, "audio-paused")]


def test_alarms_learnt_after_a_history_read_failed_at_a_restart(tmp_path: Path) -> None:
    chair = Chair(tmp_path / "log.sqlite3")
    chair.write([alarm(chair.session, SPO2, RAISED, 0)])
    reads: list[int] = []

    def history_failing_once(session_id: int) -> list[AlarmTransition]:
        reads.append(session_id)
        if len(reads) == 1:
            raise RuntimeError("the history could not be read")
        return chair.history(session_id)

    chair.start_composer(history_failing_once)   # a restart
    assert chair.write([alarm(chair.session, RR, RAISED, 5)]) == []
    assert [str(exc) for exc in chair.failures] == ["the history could not be read"]
    # SpO2 raised before the restart, RR in the failed compose: both open, both paused.
    assert chair.write([pause(chair.session, 10)]) == [(SPO2, "audio-paused"),
                                                       (RR, "audio-paused")]

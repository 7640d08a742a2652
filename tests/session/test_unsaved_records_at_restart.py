"""Records held while the log refused writes, then a kill: they are in an `unsaved-records-*.jsonl`
file (`HeldFile`), not in the log, and the resumed session is rebuilt from the log alone. The
restart says so (engine `_unsaved_left`): a medium technical alarm, latched until a nurse resets
it, naming the file and what is missing, and an event naming the file. The log is never filled in
from the file (Support reads it)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from console.records import Record, SessionOpened
from console.session.alarms import UNSAVED_RECORDS
from console.session.engine import UNSAVED_FOUND, SessionEngine
from console.store import EventLog
from console.store.errors import LogError
from protocols.model import Priority
from tests.session.helpers import iv_protocol
from tests.session.test_resume_as_live import LoggedSession

NURSE = "nurse.ana"


class Locked:
    """The log locked by another program: every write refused, until it lets go."""

    def __init__(self, log: EventLog) -> None:
        self.log = log

    def write(self, records: Sequence[Record]) -> list[int]:
        raise LogError(self.log.path, "locked", "database is locked")


@pytest.fixture(autouse=True)
def spare_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The system's temporary folder (where `HeldFile` writes when the log's folder will not
    take it, and where a restart looks too) is the test's own."""
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spare))
    yield spare


def log_in(folder: Path, name: str = "sessions.sqlite3") -> EventLog:
    folder.mkdir(exist_ok=True)
    return EventLog.open(folder / name, "test")


def resumed(s: LoggedSession, after_seconds: float = 60) -> SessionEngine:
    """The console started again `after_seconds` later on the log (the other program let go),
    as the window resumes it (`tests.session.test_resume_as_live.restart`), with the log's path."""
    log: EventLog = s.recorder   # type: ignore[assignment]
    now = s.clock.advance(after_seconds)
    row = log.session(s.engine.session_id)
    logged = log.observations(row.id)
    s.engine = SessionEngine.resume(
        iv_protocol(), log, row.id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [r for _, r in logged], [r for _, r in log.events(row.id)],
        [r for _, r in log.alarm_events(row.id)], now,
        observation_ids=[i for i, _ in logged], log_path=log.path)
    return s.engine


def held_at_a_kill(s: LoggedSession) -> Path:
    """The log locks; SpO2 85 raises a high alarm the nurse acknowledges; she types BP 192: all
    held (and copied to the file). Then the console is killed (nothing closed)."""
    log: EventLog = s.recorder   # type: ignore[assignment]
    s.to_infusion()
    start = s.now().mono - s.origin
    s.engine.writes.recorder = Locked(log)
    s.t(start + 30); s.manual("spo2", 85)
    (alarm,) = [o for o in s.engine.alarms() if o.condition == "spo2_low"]
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    s.t(start + 40); s.manual("bp_systolic", 192)
    assert s.engine.unsaved > 0
    (held,) = log.path.parent.glob("unsaved-records-*.jsonl")
    return held


def unsaved_alarm(engine: SessionEngine) -> list[tuple[str, str, str]]:
    return [(o.priority.label, o.state.value, o.message) for o in engine.alarms()
            if o.condition == UNSAVED_RECORDS]


def found_events(log: EventLog, session_id: int) -> list[dict[str, object]]:
    return [e.detail for _, e in log.events(session_id) if e.kind == UNSAVED_FOUND]


def test_records_held_at_a_kill_are_said_at_the_restart_with_their_file(tmp_path: Path) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = held_at_a_kill(s)
        engine = resumed(s)
        # The session as the log has it: neither the SpO2 alarm nor the BP...
        assert not [o for o in engine.alarms() if o.condition == "spo2_low"]
        assert engine.latest("bp_systolic").reading.value != 192
        # ...and the alarm that says so, until a nurse resets it.
        [(priority, state, message)] = unsaved_alarm(engine)
        assert (priority, state) == ("medium", "latched")
        assert message == ("Records from before the restart are not in the log: 2 typed "
                           f"values, 3 alarm changes in {held.name}: re-enter what matters, tell "
                           "Support")
        assert engine.audio(s.now()).priority is Priority.MEDIUM
        assert found_events(log, engine.session_id) == [
            {"file": str(held), "readings": 2, "typed_values": 2, "monitor_readings": 0,
             "alarm_changes": 3, "other_entries": 0}]
        # The log is not filled in from the file; the file stays for Support.
        assert held.exists()
        assert 192 not in [o.value for _, o in log.observations(engine.session_id)]
    finally:
        log.close()


def test_the_alarm_comes_back_until_reset_and_is_raised_once_per_file(tmp_path: Path) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = held_at_a_kill(s)
        resumed(s)
        [said] = unsaved_alarm(s.engine)
        engine = resumed(s)   # killed again before anyone reset it: it stands, once
        assert unsaved_alarm(engine) == [said]
        (alarm,) = [o for o in engine.alarms() if o.condition == UNSAVED_RECORDS]
        assert engine.acknowledge(alarm.id, NURSE, s.now()).done   # reset at the bedside
        assert unsaved_alarm(engine) == []
        engine = resumed(s)   # the file is still there: already named, not raised again
        assert unsaved_alarm(engine) == []
        assert [e["file"] for e in found_events(log, engine.session_id)] == [str(held)]
    finally:
        log.close()


def test_a_file_of_another_log_in_the_same_folder_is_not_this_sessions(tmp_path: Path) -> None:
    # Two chairs' logs in one folder number their sessions alike: chair 2's session 1 held
    # records at a kill; chair 1's session 1 lacks none.
    folder = tmp_path / "data"
    chair1, chair2 = log_in(folder), log_in(folder, "sessions-chair2.sqlite3")
    try:
        other = LoggedSession(chair2)
        held_at_a_kill(other)
        s = LoggedSession(chair1)
        s.to_infusion()
        assert s.engine.session_id == other.engine.session_id
        engine = resumed(s)
        assert unsaved_alarm(engine) == []
        assert found_events(chair1, engine.session_id) == []
    finally:
        chair1.close()
        chair2.close()


def test_a_file_in_the_temporary_folder_is_found_too(tmp_path: Path, spare_folder: Path) -> None:
    # The log's folder would not take it (a full disk): the file went to the spare folder.
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = held_at_a_kill(s)
        moved = spare_folder / held.name
        held.rename(moved)
        engine = resumed(s)
        [(_, _, message)] = unsaved_alarm(engine)
        assert moved.name in message
        assert [e["file"] for e in found_events(log, engine.session_id)] == [str(moved)]
    finally:
        log.close()


def test_an_older_consoles_file_is_tied_to_no_log(tmp_path: Path) -> None:
    # Written before its lines named the log: it cannot be told from another log's with the
    # same session number and times (such files of test sessions lay in the temporary folder).
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = held_at_a_kill(s)
        lines = [json.loads(line) for line in held.read_text().splitlines()]
        for line in lines:
            del line["held_from_log"]
        held.write_text("".join(json.dumps(line) + "\n" for line in lines))
        engine = resumed(s)
        assert unsaved_alarm(engine) == []
        assert held.exists()   # left for Support, as it was
    finally:
        log.close()


def test_a_file_whose_records_reached_the_log_says_nothing(tmp_path: Path) -> None:
    # The log took the held records (`log_restored`); the console was killed before it
    # removed the file.
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = held_at_a_kill(s)
        kept = held.read_bytes()
        s.engine.writes.recorder = log   # the other program lets go
        s.t(s.now().mono - s.origin + 5)
        assert s.engine.unsaved == 0 and not held.exists()
        held.write_bytes(kept)
        engine = resumed(s)
        assert unsaved_alarm(engine) == []
        assert found_events(log, engine.session_id) == []
    finally:
        log.close()


def killed_again(s: LoggedSession) -> Path:
    """Later in the resumed session: the log locks again, a typed HR is held, and a kill.
    Returns the new unsaved-records file."""
    log: EventLog = s.recorder   # type: ignore[assignment]
    before = set(log.path.parent.glob("unsaved-records-*.jsonl"))
    s.t(s.now().mono - s.origin + 600)
    s.engine.writes.recorder = Locked(log)
    s.manual("heart_rate", 64)
    assert s.engine.unsaved > 0
    (new,) = set(log.path.parent.glob("unsaved-records-*.jsonl")) - before
    return new


def test_a_new_file_after_the_alarm_was_reset_is_said_alone(tmp_path: Path) -> None:
    # The first file was dealt with (re-entered, reset): the next restart's alarm had named it
    # and counted its records as missing again, the new file only "1 more file".
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        first = held_at_a_kill(s)
        engine = resumed(s)
        (alarm,) = [o for o in engine.alarms() if o.condition == UNSAVED_RECORDS]
        assert engine.acknowledge(alarm.id, NURSE, s.now()).done   # dealt with, reset
        second = killed_again(s)
        engine = resumed(s)
        [(_, _, message)] = unsaved_alarm(engine)
        assert message == ("Records from before the restart are not in the log: 1 typed value "
                           f"in {second.name}: re-enter what matters, tell Support")
        (alarm,) = [o for o in engine.alarms() if o.condition == UNSAVED_RECORDS]
        assert first.name not in alarm.detail and second.name in alarm.detail
    finally:
        log.close()


def test_a_new_file_while_the_alarm_is_latched_is_said_alone_the_first_kept_in_its_detail(
        tmp_path: Path) -> None:
    # Nobody has reset the first file's alarm yet: the new alarm replaces it, saying the new
    # file and its records; the first stays in the row's detail (its tooltip), not counted.
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        first = held_at_a_kill(s)
        resumed(s)
        second = killed_again(s)
        engine = resumed(s)
        [(_, state, message)] = unsaved_alarm(engine)
        assert state == "latched"
        assert message == ("Records from before the restart are not in the log: 1 typed value "
                           f"in {second.name}: re-enter what matters, tell Support")
        (alarm,) = [o for o in engine.alarms() if o.condition == UNSAVED_RECORDS]
        assert f"1 typed value in {second}" in alarm.detail
        assert f"2 typed values, 3 alarm changes in {first}" in alarm.detail
    finally:
        log.close()

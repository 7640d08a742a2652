"""The next hold's records reach a file even after a bug ended the step that wrote the last
hold's (engine `_retry_log`, `HeldFile.copy`).

A bug (not a `LogError`) raised after the held records' commit, still inside that step
(`_keep_rows`, a listener), skipped `HeldFile.written_to_log`: the copy kept its old file and
lines, and at the next hold `copy` appended only the records beyond the old line count, so a
typed SpO2 85 went into no file; a kill lost it and the restart said nothing (a review of
3e47d24). The file goes once its records are committed; and a held queue the file did not begin
with starts a file of its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.clock import Moment
from console.records import ObservationRecord
from console.session.engine import SessionEngine, _Step
from console.session.holding import HeldFile
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (  # noqa: F401 - fixture
    Locked, log_in, resumed, spare_folder, unsaved_alarm)


def test_a_bug_after_the_held_records_commit_leaves_the_next_holds_records_in_a_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        s.to_infusion()
        start = s.now().mono - s.origin
        # The log locks: HR, RR and SpO2 typed, held, and copied to a file.
        s.engine.writes.recorder = Locked(log)
        s.t(start + 10); s.manual("heart_rate", 72); s.manual("resp_rate", 14)
        s.t(start + 11); s.manual("spo2", 97)
        [first] = log.path.parent.glob("unsaved-records-*.jsonl")
        # The log takes writes again; the tick writes what is held, then a bug in the same step.
        s.engine.writes.recorder = log
        real = SessionEngine._keep_rows
        calls = {"n": 0}

        def buggy(self: SessionEngine, step: _Step, now: Moment) -> None:
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("a bug after the commit")
            real(self, step, now)

        with monkeypatch.context() as patched, pytest.raises(RuntimeError):
            patched.setattr(SessionEngine, "_keep_rows", buggy)
            s.t(start + 20)
        assert s.engine.unsaved == 0   # written, with the note naming the file
        # A later hold: the log locks again; SpO2 85 typed (a high alarm): held...
        s.engine.writes.recorder = Locked(log)
        s.t(start + 100); s.manual("spo2", 85)
        assert s.engine.unsaved > 0
        # ...and in a file, of its own; the written hold's file is gone.
        files = list(log.path.parent.glob("unsaved-records-*.jsonl"))
        assert [f.name for f in files if 85 in values_in(f)], (
            f"the held SpO2 85 is in no unsaved-records file ({[f.name for f in files]})")
        assert not first.exists()
        [held] = files
        # Killed: the restart says it.
        engine = resumed(s)
        [(_, _, message)] = unsaved_alarm(engine)
        assert held.name in message
    finally:
        log.close()


AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def typed(value: float, seconds: float) -> ObservationRecord:
    at = AT + timedelta(seconds=seconds)
    return ObservationRecord(1, "spo2", value, "%", "manual", at, at, "nurse.ana")


def test_a_held_queue_the_file_did_not_begin_with_starts_a_file_of_its_own(
        tmp_path: Path) -> None:
    log = tmp_path / "sessions.sqlite3"
    copy = HeldFile()
    # A first hold of two records, copied.
    first_queue = [typed(97, 0), typed(96, 1)]
    first = copy.copy(first_queue, [tmp_path], AT, mono=1.0, log=log)
    assert first is not None
    # Written to the log (the queue emptied), its file not removed (a bug came between);
    # another hold of three records, longer than the first.
    second_queue = [typed(85, 60), typed(84, 61), typed(83, 62)]
    second = copy.copy(second_queue, [tmp_path], AT, mono=2.0, log=log)
    # Every one of them is in a file of its own; the first keeps its own records only.
    assert second is not None and second != first
    assert values_in(second) == [85.0, 84.0, 83.0]
    assert values_in(first) == [97.0, 96.0]


def values_in(path: Path) -> list[float]:
    return [json.loads(line)["value"] for line in path.read_text().splitlines()]

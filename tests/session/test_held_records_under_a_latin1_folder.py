"""A log in a folder whose name is not UTF-8 (a Latin-1 "café" made by an older system or a USB
disk: b"caf\\xe9", which Python names 'caf\\udce9'). While the log cannot take writes its records
are held and copied to an unsaved-records file beside it; each line, the `log_restored` note that
writes them, and the restart's `unsaved_records_found` name that file or the log by a path holding
the undecodable byte. UTF-8 cannot hold it: the second held step had ended in a traceback, its
records in no file; the held records never reached the log (every retry refused, the batch held
for good); the session could not be resumed. The byte is written escaped (`\\udce9`), as a fault
naming such a path is (README, "Console fault")."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

import console.session.holding as holding
from console.records import ObservationRecord
from console.session.engine import UNSAVED_FOUND
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (  # noqa: F401 - fixture
    Locked, log_in, resumed, spare_folder, unsaved_alarm)

CAFE = os.fsdecode(b"caf\xe9")   # the folder's name as Linux gives it: 'caf\udce9'


def escaped(path: Path) -> str:
    """The path as the log names it: the byte that is not UTF-8 as the text `\\udce9`."""
    return str(path).replace("\udce9", "\\udce9")


def events(log: EventLog, s: LoggedSession, kind: str) -> list[dict[str, object]]:
    return [e.detail for _, e in log.events(s.engine.session_id) if e.kind == kind]


def test_a_second_held_step_under_a_latin1_folder_keeps_its_records_in_the_unsaved_file(
        tmp_path: Path) -> None:
    folder = tmp_path / CAFE
    log = log_in(folder)
    try:
        s = LoggedSession(log)
        s.to_infusion()
        start = s.now().mono - s.origin
        # Another program holds the log.
        s.engine.writes.recorder = Locked(log)   # type: ignore[assignment]
        s.t(start + 10); s.manual("heart_rate", 72)  # held: the file is made
        [held] = folder.glob("unsaved-records-*.jsonl")
        s.t(start + 20); s.manual("spo2", 85)        # held too: appended, no traceback
        assert '"spo2"' in held.read_text(encoding="utf-8")
        # Killed now; the other program lets go: the restart reads both typed values back
        # from the file (its lines name the log with the byte escaped, read as the log's path).
        engine = resumed(s)
        [(_, _, message)] = unsaved_alarm(engine)
        assert message.startswith("Records from before the restart are not in the log: "
                                  "2 typed values, "), message
    finally:
        log.close()


def test_records_held_under_a_latin1_folder_reach_the_log_when_it_lets_go(
        tmp_path: Path) -> None:
    folder = tmp_path / CAFE
    log = log_in(folder)
    try:
        s = LoggedSession(log)
        s.to_infusion()
        start = s.now().mono - s.origin
        # A backup tool holds the log a moment.
        s.engine.writes.recorder = Locked(log)   # type: ignore[assignment]
        s.t(start + 10); s.manual("heart_rate", 72)
        [held] = folder.glob("unsaved-records-*.jsonl")
        assert s.engine.unsaved
        s.engine.writes.recorder = log               # it lets go
        s.t(start + 20)                              # the retry writes them, no fault
        assert 72 in [o.value for _, o in log.observations(s.engine.session_id)]
        assert s.engine.unsaved == 0
        assert [e["file"] for e in events(log, s, "log_restored")] == [escaped(held)]
        assert not held.exists()
        assert log.verify().ok
    finally:
        log.close()


def test_a_session_killed_while_it_held_records_under_a_latin1_folder_resumes_saying_them(
        tmp_path: Path) -> None:
    folder = tmp_path / CAFE
    log = log_in(folder)
    try:
        s = LoggedSession(log)
        s.to_infusion()
        start = s.now().mono - s.origin
        s.engine.writes.recorder = Locked(log)   # type: ignore[assignment]
        s.t(start + 10); s.manual("spo2", 85)        # a high alarm, held: its file is written
        [held] = folder.glob("unsaved-records-*.jsonl")
        engine = resumed(s)                          # killed; the other program lets go
        [said] = unsaved_alarm(engine)
        assert "1 typed value, " in said[2] and held.name in said[2], said
        assert [e["file"] for e in events(log, s, UNSAVED_FOUND)] == [escaped(held)]
        engine = resumed(s)   # killed again before anyone reset it: the file is known, said once
        assert unsaved_alarm(engine) == [said]
        assert [e["file"] for e in events(log, s, UNSAVED_FOUND)] == [escaped(held)]
    finally:
        log.close()


def test_an_append_to_the_unsaved_file_that_cannot_be_encoded_is_tried_again_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A failure to encode a held record is a failed write, as `write_private_file` takes it:
    # the records stay held (the log alarm says so) and the next held step tries again. Out
    # of `HeldFile.copy` it had ended the engine's step while the log was unavailable.
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    held = [ObservationRecord(1, "spo2", 85, "%", "manual", None, at, "nurse.ana")]
    copy = holding.HeldFile(retry_seconds=2)
    path = copy.copy(held, [tmp_path], at, mono=0)
    assert path is not None
    held.append(ObservationRecord(1, "heart_rate", 72, "bpm", "manual", None, at, "nurse.ana"))

    def cannot_encode(path: Path, text: str) -> None:
        raise UnicodeEncodeError("utf-8", text, 0, 1, "surrogates not allowed")

    with monkeypatch.context() as patched:
        patched.setattr(holding, "append_private_file", cannot_encode)
        assert copy.copy(held, [tmp_path], at, mono=1) == path   # not written: held, said
    assert copy.copy(held, [tmp_path], at, mono=3) == path        # the next try writes it
    assert path.read_text(encoding="utf-8").count("\n") == 2

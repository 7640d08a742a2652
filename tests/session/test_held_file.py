"""The copy of the records held while the log cannot take writes (`HeldFile`): every record
once, in order, whole lines only, and no more work per held step than its own records."""

from __future__ import annotations

import json
import resource
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.records import ObservationRecord
from console.session.holding import HeldFile, left_held

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def record(i: int) -> ObservationRecord:
    at = T + timedelta(seconds=i)
    return ObservationRecord(1, "spo2", 90 + i % 5, "%", "hl7:MON", at, at, "engine")


def seconds_in(path: Path) -> list[int]:
    return [int(json.loads(line)["received_at"][17:19]) for line in path.read_text().splitlines()]


@pytest.fixture
def file_size_limit() -> Iterator[object]:
    """Lets a test cap the size a file may grow to (EFBIG after a short write, as a disk that
    fills part way through a write), and puts the limit back."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    def limit(size: int | None) -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft if size is None else size, hard))

    yield limit
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    signal.signal(signal.SIGXFSZ, old)


def test_an_append_that_fails_part_way_leaves_whole_lines_and_loses_nothing(tmp_path,
                                                                            file_size_limit):
    # The cut line and the next attempt merged into one unreadable line (code review).
    held = [record(0)]
    copy = HeldFile(retry_seconds=2)
    path = copy.copy(held, [tmp_path], T, mono=0)
    assert path is not None
    held += [record(1), record(2)]
    file_size_limit(path.stat().st_size + 120)   # room for about half a line
    assert copy.copy(held, [tmp_path], T, mono=1) == path
    assert seconds_in(path) == [0]                # cut back to whole lines
    file_size_limit(None)
    held.append(record(3))
    copy.copy(held, [tmp_path], T, mono=2)        # before the retry time: nothing tried
    assert seconds_in(path) == [0]
    copy.copy(held, [tmp_path], T, mono=3.5)
    assert seconds_in(path) == [0, 1, 2, 3]


def test_a_copy_removed_under_it_is_written_again_whole(tmp_path):
    held = [record(0)]
    copy = HeldFile()
    path = copy.copy(held, [tmp_path], T, mono=0)
    assert path is not None
    path.unlink()
    held.append(record(1))
    assert copy.copy(held, [tmp_path], T, mono=1) == path
    assert seconds_in(path) == [0, 1]


def test_with_no_folder_that_takes_it_each_record_is_encoded_once(tmp_path, monkeypatch):
    # A full disk for the log's folder and the temporary one: each held step had encoded every
    # record held (0.9 s a step after an hour at 1 message a second).
    import console.session.holding as holding

    encoded: list[int] = []
    real = holding._line
    monkeypatch.setattr(holding, "_line", lambda *line: (encoded.append(1), real(*line))[1])
    missing = tmp_path / "no such folder"
    copy = HeldFile(retry_seconds=2)
    held: list[ObservationRecord] = []
    for i in range(100):
        held.append(record(i % 60))
        assert copy.copy(held, [missing], T, mono=i * 0.5) is None
    assert sum(encoded) == 100


def test_each_line_names_the_log_where_it_really_is(tmp_path):
    # A restart finds the file of its own log by it (`left_held`): a log reached through a link,
    # or by a relative path from another folder, is named where it really is.
    data = tmp_path / "data"
    data.mkdir()
    link = tmp_path / "linked"
    link.symlink_to(data)
    copy = HeldFile()
    path = copy.copy([record(0), record(1)], [tmp_path], T, mono=0,
                     log=link / "sessions.sqlite3")
    assert path is not None
    named = {json.loads(line)["held_from_log"] for line in path.read_text().splitlines()}
    assert named == {str((data / "sessions.sqlite3").resolve())}
    [left] = left_held([tmp_path], data / "sessions.sqlite3", session_id=1)
    assert (left.path, left.readings, left.alarm_changes, left.other) == (path, 2, 0, 0)
    assert left_held([tmp_path], data / "other.sqlite3", session_id=1) == []
    assert left_held([tmp_path], data / "sessions.sqlite3", session_id=2) == []

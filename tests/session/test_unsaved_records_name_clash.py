"""Chairs sharing a log (README: "Several consoles may share a log") each copy the records the
log could not take to an unsaved-records file beside it. Named to the second only, the second
chair's file was refused there as if the folder took no file: it went to the temporary folder
(emptied by the power cut the file is kept for), and a third chair's records got no file at all,
though the log's folder was writable. Each file now names its console, and a name already taken
is followed by another in the same folder. A random part makes each hold's name its own (a later
hold in the same wall second after a clock step back had taken a written hold's name)."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from console.records import ObservationRecord
from console.session.holding import HeldFile, left_held

# The log stopped taking writes for every chair in the same second (a backup tool locked it).
STAMP = datetime(2026, 1, 5, 9, 0, 0, 800_000, tzinfo=UTC)


def held(session_id: int) -> list[ObservationRecord]:
    at = datetime(2026, 1, 5, 9, 0, 0, 300_000, tzinfo=UTC)
    return [ObservationRecord(session_id, "spo2", 85.0, "%", "hl7:MON", at, at, "engine")]


def test_each_chair_sharing_the_log_keeps_its_records_beside_it_and_finds_them_again(
        tmp_path: Path) -> None:
    folder, temp = tmp_path / "data", tmp_path / "tmp"
    folder.mkdir()
    temp.mkdir()
    log = folder / "sessions.sqlite3"
    paths = [HeldFile().copy(held(chair), [folder, temp], STAMP, mono=1.0, log=log)
             for chair in (1, 2, 3)]
    assert [p.parent if p is not None else None for p in paths] == [folder] * 3
    assert len(set(paths)) == 3
    # Each chair's restart of its session finds its own records, and no other chair's.
    for chair, path in zip((1, 2, 3), paths, strict=True):
        [left] = left_held([folder, temp], log, chair)
        assert (left.path, left.readings) == (path, 1)


def test_a_consoles_file_names_its_process_as_its_crash_file_does(tmp_path: Path) -> None:
    # Two consoles in the same second each take their own name, not the first's and a retry.
    path = HeldFile().copy(held(1), [tmp_path], STAMP, mono=1.0, log=tmp_path / "log.sqlite3")
    assert path is not None and path.parent == tmp_path
    assert re.fullmatch(rf"unsaved-records-20260105T090000Z-{os.getpid()}-[0-9a-f]{{8}}\.jsonl",
                        path.name), path.name

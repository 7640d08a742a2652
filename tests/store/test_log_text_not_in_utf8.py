"""Text UTF-8 cannot hold in a record: a path whose folder's name is not UTF-8 (a Latin-1 "café",
b"caf\\xe9") is 'caf\\udce9' in Python, and its surrogate escape has no UTF-8 form. The row's hash
and SQLite encode strictly: the write had raised UnicodeEncodeError inside its transaction, no
`LogError`, and a batch held while the log was unavailable was refused at every retry, held for
good. The log writes such a character escaped (`\\udce9`, as a console fault's text is)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.records import EventRecord
from console.store import EventLog

from . import alarm, new_log, obs, opened, t

HELD = "/data/caf\udce9/unsaved-records-20260105T090000Z-1-0a1b2c3d.jsonl"


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    with new_log(tmp_path) as log:
        yield log


def test_a_record_naming_a_path_not_in_utf8_is_written_with_the_byte_escaped(
        log: EventLog) -> None:
    sid = log.start_session(opened())
    note = EventRecord(sid, t(2), "log_restored", "engine", {"file": HELD, "records_written": 1})
    ids = log.write([obs(sid, 1), note, alarm(sid, "raised", 2, message=f"Copied to {HELD}")])
    assert len(ids) == 3
    # A detail's JSON takes the escape as the character's own: it reads back as given.
    assert [e.detail for _, e in log.events(sid)] == [note.detail]
    [(_, raised)] = log.alarm_events(sid)
    assert raised.message == "Copied to /data/caf\\udce9/" + HELD.rsplit("/", 1)[1]
    assert log.verify().ok

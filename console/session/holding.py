"""Records the session log could not take yet, kept in memory in order (quality bar R5). No Qt.

A running session must not stop, or lose what it measured, because its log file became
unwritable (read-only, locked by another program, full disk, damaged, I/O error). `HeldWrites`
stands between the engine and its `Recorder`:

- While nothing is held, a write goes straight to the recorder and its row ids come back.
- When the recorder raises `LogError` (an environment failure, classified by console.store),
  the records of that call are kept, and every later write joins the queue behind them without
  touching the log. A later record never reaches the log before an earlier one: row order and
  the hash chain follow the order of writing, so the chain stays intact.
- `retry(now)` (called from the engine's tick) tries to write the whole queue in one transaction,
  at most once every `retry_seconds`, so a locked or full log costs the screen one short attempt
  every two seconds, not one per reading. When it succeeds the queue is empty and writes go
  straight through again.
- Anything else the recorder raises (a value the log refuses, an unknown session) is a bug and
  propagates unchanged (style rule 8: a bug ends in the crash dialog, not in a retry loop).

The engine turns "something is held" into a technical alarm; the window says how many records
are held and not yet saved.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from console.paths import append_private_file, write_private_file
from console.records import ObservationRecord, Record, Recorder
from console.store.errors import LogError
from devices.reading import MANUAL, Reading

ReadingKey = tuple[str, str, str, float, datetime]
"""What makes a device reading the same reading: metric, source, channel, value, measured time."""


def reading_key(item: ObservationRecord | Reading) -> ReadingKey | None:
    """The key of a device reading with its own measured time; None for anything else (a typed
    value or a reading without a device time has nothing that tells a resend from a new one)."""
    if item.measured_at is None or item.source == MANUAL:
        return None
    return (item.metric, item.source, item.channel, item.value, item.measured_at)


def observation_key(record: Record) -> ReadingKey | None:
    return reading_key(record) if isinstance(record, ObservationRecord) else None


RETRY_SECONDS = 2.0
"""Time between attempts to write what is held (monotonic seconds)."""


class HeldWrites:
    """A recorder front that holds records in memory, in order, while the log cannot take them.

    Attributes:
        recorder: where records go (the journal in the app, the event log in tests).
        held: records not yet written, oldest first (empty while the log is fine).
        error: the last failure while something is held; None otherwise.
        held_since: monotonic time of the first failure of the current episode; None when
            nothing is held.
    """

    def __init__(self, recorder: Recorder, retry_seconds: float = RETRY_SECONDS) -> None:
        self.recorder = recorder
        self.retry_seconds = retry_seconds
        self.held: list[Record] = []
        self.error: LogError | None = None
        self.held_since: float | None = None
        self._next_try = 0.0   # monotonic; meaningful only while something is held
        self._held_keys: set[ReadingKey] = set()   # device readings among `held` (resends)

    def holds_reading(self, key: ReadingKey) -> bool:
        """The same device reading (a monitor resending a message it was answered AE for) is
        already held: keeping it again would write it twice once the log takes writes."""
        return key in self._held_keys

    def _keep(self, records: Sequence[Record]) -> None:
        self.held.extend(records)
        self._held_keys.update(key for r in records if (key := observation_key(r)) is not None)

    @property
    def count(self) -> int:
        return len(self.held)

    @property
    def observations(self) -> int:
        """How many of the held records are readings (what the nurse is told)."""
        return sum(isinstance(r, ObservationRecord) for r in self.held)

    def write(self, records: Sequence[Record], mono: float) -> list[int] | None:
        """Commit `records` after anything held; return their ids, or None when they are held.

        Raises:
            Exception: whatever the recorder raises that is not a `LogError` (a bug).
        """
        batch = list(records)
        if not batch:
            return []
        if self.held:
            self._keep(batch)
            return None
        try:
            return self.recorder.write(batch)
        except LogError as exc:
            self._hold(batch, exc, mono)
            return None

    def hold(self, records: Sequence[Record]) -> None:
        """Queue records behind what is held without trying the log (only while holding)."""
        if not self.held:
            raise RuntimeError("hold() is for records that must queue behind held ones")
        self._keep(records)

    def retry(self, mono: float, force: bool = False) -> int:
        """Try to write everything held, if an attempt is due (or `force`); return how many were
        written.

        Raises:
            Exception: whatever the recorder raises that is not a `LogError` (a bug).
        """
        if not self.held or (mono < self._next_try and not force):
            return 0
        batch = list(self.held)
        try:
            self.recorder.write(batch)
        except LogError as exc:
            self.error = exc
            self._next_try = mono + self.retry_seconds
            return 0
        del self.held[: len(batch)]
        self._held_keys.clear()
        self.error = None
        self.held_since = None
        return len(batch)

    def _hold(self, batch: list[Record], exc: LogError, mono: float) -> None:
        self._keep(batch)
        self.error = exc
        self.held_since = mono
        self._next_try = mono + self.retry_seconds


def _plain(value: object) -> object:
    """A record field as JSON: times as ISO text, flag sets as sorted lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _line(record: Record) -> str:
    return json.dumps({"type": type(record).__name__,
                       **{k: _plain(v) for k, v in asdict(record).items()}},
                      ensure_ascii=False, sort_keys=True) + "\n"


class HeldFile:
    """The records held in memory, copied to a JSON-lines file as they are held.

    Held records lived in memory only: a SIGKILL or a power cut while the log could not take
    writes lost them, a typed reading and the alarms the nurse saw among them (the restart
    audit), and a monitor answered AE may have given up resending. Each step that is held
    appends its records (one line each, `type` and its fields) to `unsaved-records-<time of
    the first held record>.jsonl`, flushed to disk, in the first of `folders` that takes it
    (the log's folder first: a locked log leaves it writable). Once the held records reach the
    log the file is removed; at a clean stop it is what remains. Support reads it and re-enters
    what matters; the log is never patched from it automatically.
    """

    def __init__(self, retry_seconds: float = RETRY_SECONDS) -> None:
        self.path: Path | None = None
        self.retry_seconds = retry_seconds
        self._lines: list[str] = []   # each held record encoded once, in order
        self._copied = 0              # how many of them the file has
        self._next_try = 0.0          # monotonic: after a failure, no attempt before this

    def copy(self, held: Sequence[Record], folders: Sequence[Path], stamp: datetime,
             mono: float, force: bool = False) -> Path | None:
        """Append the held records the file lacks; return the file, or None when no folder
        takes it (the alarm already says the records are in memory only). Each record is
        encoded once; after a failure the next attempt waits `retry_seconds` (unless `force`),
        so a full disk costs a held step no more than its own records (an hour held at 1
        message a second had each step encode every record held: 0.9 s)."""
        self._lines.extend(_line(r) for r in held[len(self._lines):])
        if self._copied == len(self._lines) or (mono < self._next_try and not force):
            return self.path
        text = "".join(self._lines[self._copied:])
        if self.path is not None:
            try:
                append_private_file(self.path, text)
            except FileNotFoundError:   # removed under us: written again, whole, below
                self.path, self._copied = None, 0
                text = "".join(self._lines)
            except OSError:
                self._next_try = mono + self.retry_seconds
                return self.path
            else:
                self._copied = len(self._lines)
                return self.path
        name = f"unsaved-records-{stamp.strftime('%Y%m%dT%H%M%SZ')}.jsonl"
        self.path = write_private_file(folders, name, text)
        if self.path is None:
            self._next_try = mono + self.retry_seconds
        else:
            self._copied = len(self._lines)
        return self.path

    def written_to_log(self) -> None:
        """The held records are in the log now: the copy goes."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
        self.path, self._lines, self._copied, self._next_try = None, [], 0, 0.0

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
are held and not yet saved. A console stopped while holding leaves them in a file (`HeldFile`); a
restart of the session finds it (`left_held`) and the engine says so (`resume`).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

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


HELD_NAME: Final = "unsaved-records-{stamp}.jsonl"
HELD_LOG: Final = "held_from_log"
"""The key of each line naming the log its record was for (its real path): a file in a folder
that several logs share (two chairs' logs, the temporary folder) is known as this log's by it.
Lines of an older console have none: read as before, but tied to no log (`left_held`)."""
_RECORD_TIME: Final = {"ObservationRecord": "received_at", "AlarmTransition": "at",
                       "EventRecord": "at", "SessionEnded": "ended_at"}


def _line(record: Record, log: str | None = None) -> str:
    return json.dumps({"type": type(record).__name__,
                       **({HELD_LOG: log} if log is not None else {}),
                       **{k: _plain(v) for k, v in asdict(record).items()}},
                      ensure_ascii=False, sort_keys=True) + "\n"


class HeldFile:
    """The records held in memory, copied to a JSON-lines file as they are held.

    Held records lived in memory only: a SIGKILL or a power cut while the log could not take
    writes lost them, a typed reading and the alarms the nurse saw among them (the restart
    audit), and a monitor answered AE may have given up resending. Each step that is held
    appends its records (one line each, `type` and its fields) to `unsaved-records-<time of
    the first held record>-<process id>.jsonl`, flushed to disk, in the first of `folders` that
    takes it (the log's folder first: a locked log leaves it writable; a name another console
    sharing the folder took is followed by another there, `write_private_file`). Once the held
    records reach the log the file is removed; at a clean stop it is what remains. Support
    reads it and re-enters what matters; the log is never patched from it automatically. Each
    line names the log (`HELD_LOG`), so that a restart of the session finds what it lacks
    (`left_held`).
    """

    def __init__(self, retry_seconds: float = RETRY_SECONDS) -> None:
        self.path: Path | None = None
        self.retry_seconds = retry_seconds
        self._log: tuple[Path, str] | None = None   # the log as given, and its real path
        self._lines: list[str] = []   # each held record encoded once, in order
        self._copied = 0              # how many of them the file has
        self._next_try = 0.0          # monotonic: after a failure, no attempt before this

    def copy(self, held: Sequence[Record], folders: Sequence[Path], stamp: datetime,
             mono: float, force: bool = False, log: Path | None = None) -> Path | None:
        """Append the held records the file lacks; return the file, or None when no folder
        takes it (the alarm already says the records are in memory only). Each record is
        encoded once; after a failure the next attempt waits `retry_seconds` (unless `force`),
        so a full disk costs a held step no more than its own records (an hour held at 1
        message a second had each step encode every record held: 0.9 s). `log`: the log they
        are for, named in each line."""
        if log is not None and (self._log is None or self._log[0] != log):
            self._log = (log, str(real_path(log)))
        named = self._log[1] if self._log is not None else None
        self._lines.extend(_line(r, named) for r in held[len(self._lines):])
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
        # The process id too, as crash files: chairs sharing the log's folder hold at once.
        name = HELD_NAME.format(stamp=f"{stamp.strftime('%Y%m%dT%H%M%SZ')}-{os.getpid()}")
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


def real_path(path: Path) -> Path:
    """`path` as a file of another process names it: absolute, links followed (the log is
    made and checked where it really is; the next console may start in another folder)."""
    with contextlib.suppress(OSError, RuntimeError):
        return path.resolve()
    return path.absolute()


@dataclass(frozen=True, slots=True)
class LeftHeld:
    """An unsaved-records file left by a console stopped while it held records of a session:
    those records, which the log never took, counted, and the discharge among them."""

    path: Path
    readings: int
    alarm_changes: int
    other: int
    last_at: datetime   # the newest of them
    # A discharge held (its time and who; counted among `other`): the session came back open
    # from the log, the patient perhaps gone home; the nurse discharges it again.
    discharged: tuple[datetime, str] | None = None

    def words(self) -> str:
        """"3 readings, 2 alarm changes, 1 other entry": what is missing, for the nurse."""
        parts = [(self.readings, "reading", "readings"),
                 (self.alarm_changes, "alarm change", "alarm changes"),
                 (self.other, "other entry", "other entries")]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)

    def discharge_words(self) -> str:
        """"Discharge at 10:42 by nurse.ana" (local clock time), or "" when none is held."""
        if self.discharged is None:
            return ""
        at, actor = self.discharged
        return f"Discharge at {at.astimezone():%H:%M} by {actor}"


def left_held(folders: Iterable[Path], log: Path, session_id: int) -> list[LeftHeld]:
    """The unsaved-records files in `folders` (where `HeldFile` writes them: the log's folder,
    then the spare ones) that hold records of session `session_id` of the log at `log`, by
    file name.

    A line is this session's when it names this log (`HELD_LOG`) and its session id is this
    session's: every log numbers its sessions from 1, and the temporary folder, or a folder
    two chairs' logs share, holds files of other logs with the same session id. A line of an
    older console names no log and is not taken: it cannot be told from another log's (files
    of test sessions numbered 1 at the very same times lay in the temporary folder). An
    unreadable file or line is passed over: nothing in it can be told of this session."""
    ours = str(real_path(log))
    seen: set[Path] = set()
    found: list[LeftHeld] = []
    for folder in folders:
        try:
            paths = sorted(Path(folder).glob(HELD_NAME.format(stamp="*")))
        except OSError:
            continue
        for path in paths:
            if path in seen:
                continue
            seen.add(path)
            left = _left_in(path, ours, session_id)
            if left is not None:
                found.append(left)
    return sorted(found, key=lambda left: left.path.name)


def _left_in(path: Path, log: str, session_id: int) -> LeftHeld | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    counts = {"ObservationRecord": 0, "AlarmTransition": 0}
    other = 0
    last: datetime | None = None
    discharged: tuple[datetime, str] | None = None
    for line in text.splitlines():
        try:
            item: Any = json.loads(line)
            kind = str(item["type"])
            if item.get(HELD_LOG) != log or item["session_id"] != session_id:
                continue
            at = datetime.fromisoformat(item[_RECORD_TIME[kind]])
        except (ValueError, KeyError, TypeError):
            continue
        if kind in counts:
            counts[kind] += 1
        else:
            other += 1
        if kind == "EventRecord" and item.get("kind") == "discharged":
            discharged = (at, str(item.get("actor", "")))
        last = at if last is None else max(last, at)
    if last is None:
        return None
    return LeftHeld(path, counts["ObservationRecord"], counts["AlarmTransition"], other, last,
                    discharged)

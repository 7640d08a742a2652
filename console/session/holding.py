"""Records the session log could not take yet, kept in memory in order (quality bar R5). No Qt.

A running session must not stop, or lose what it measured, because its log file became
unwritable (read-only, locked by another program, full disk, damaged, I/O error). `HeldWrites`
stands between the engine and its `Recorder`:

- While nothing is held, a write goes straight to the recorder and its row ids come back.
- When the recorder raises `LogError` (an environment failure, classified by console.store),
  the records of that call are kept, and every later write joins the queue behind them without
  touching the log. A later record never reaches the log before an earlier one: row order and
  the hash chain follow the order of writing, so the chain stays intact.
- The engine's tick tries to write the whole queue (`due`, at most once every `retry_seconds`, so a
  locked or full log costs the screen one short attempt every two seconds, not one per reading):
  inside `flushing()` its next write commits the queue and the step's own records (the note that
  says the queue is written) in one transaction, or raises the `LogError` and holds on. When it
  succeeds the queue is empty and writes go straight through again.
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
import re
import secrets
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from console.clock import iso
from console.paths import append_private_file, write_private_file
from console.records import CLEARED, SESSION_RESUMED, ObservationRecord, Record, Recorder
from console.store.errors import LogError
from devices.reading import MANUAL, Reading

ReadingKey = tuple[str, str, str, float, datetime]
"""What makes a device reading the same reading: metric, source, channel, value, measured time."""


def reading_key(item: ObservationRecord | Reading) -> ReadingKey | None:
    """The key of a device reading with its own measured time; None for anything else (a typed
    value or a reading without a device time has nothing that tells a resend from a new one)."""
    return _key(item.metric, item.source, item.channel, item.value, item.measured_at)


def _key(metric: str, source: str, channel: str, value: float,
         measured_at: datetime | None) -> ReadingKey | None:
    """The one rule of `reading_key`, on a reading's fields: a record's, or a line of an
    unsaved-records file (`_line_key`), so a restart tells a resend the log has as the live
    console does."""
    if measured_at is None or source == MANUAL:
        return None
    return (metric, source, channel, value, measured_at)


def observation_key(record: Record) -> ReadingKey | None:
    return reading_key(record) if isinstance(record, ObservationRecord) else None


RETRY_SECONDS = 2.0
"""Time between attempts to write what is held (monotonic seconds)."""

RESUME_OWN_SECONDS = 30.0
"""How long after a restart's `session_resumed` its first report of the speaker and the
monitor's port is its own finding (the audio probe, the port opened): `_a_restarts_own`."""


class HeldWrites:
    """A recorder front that holds records in memory, in order, while the log cannot take them.

    Attributes:
        recorder: where records go (the journal in the app, the event log in tests).
        held: records not yet written, oldest first (empty while the log is fine).
        error: the last failure while something is held; None otherwise.
        held_since: monotonic time of the first failure of the current episode; None when
            nothing is held.
        flushed: the records the last flush wrote that had been held, with their row ids.
    """

    def __init__(self, recorder: Recorder, retry_seconds: float = RETRY_SECONDS) -> None:
        self.recorder = recorder
        self.retry_seconds = retry_seconds
        self.held: list[Record] = []
        self.error: LogError | None = None
        self.held_since: float | None = None
        self.flushed: list[tuple[Record, int]] = []
        self._next_try = 0.0   # monotonic; meaningful only while something is held
        self._held_keys: set[ReadingKey] = set()   # device readings among `held` (resends)
        self._flushing = False   # inside `flushing()`: the next write takes `held` with it

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
        if self.held and self._flushing:
            self.flushed = []
            written = len(self.held)
            ids = self.recorder.write([*self.held, *batch])   # a LogError goes up: still held
            self.flushed = list(zip(self.held, ids[:written], strict=True))
            self._written()
            return ids[written:]
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

    def due(self, mono: float, force: bool = False) -> bool:
        """Something is held and an attempt to write it is due (or `force`)."""
        return bool(self.held) and (force or mono >= self._next_try)

    @contextlib.contextmanager
    def flushing(self) -> Iterator[None]:
        """Inside: the next write commits everything held, then its own records, in one
        transaction, and returns the ids of its own; a `LogError` is raised, not held, so the
        caller's step (the note that the held records are written) is undone with it and they
        stay held (`refused`). One transaction: a console killed between the held batch's
        commit and the note's had left records in the log that its restart called missing
        (engine `_unsaved_left`: "re-enter what matters", entered twice)."""
        self._flushing = True
        try:
            yield
        finally:
            self._flushing = False

    def refused(self, exc: LogError, mono: float) -> None:
        """An attempt to write what is held failed: still held, the next one after
        `retry_seconds`."""
        self.error = exc
        self._next_try = mono + self.retry_seconds

    def _written(self) -> None:
        self.held.clear()
        self._held_keys.clear()
        self.error = None
        self.held_since = None

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
HELD_SESSION_STARTED: Final = "held_from_session_started"
"""The key of each line naming the session its record was for beyond its id: the session's
start as the log stores it (`iso`). A log restored from a backup numbers its sessions again from
the backup's, so the next patient's session gets the id of a session the backup lacks, and took
that session's file, another patient's records, as its own (`left_held`). A backup of the same
session keeps its start: its own file is still found. Lines of an older console have none."""
_RECORD_TIME: Final = {"ObservationRecord": "received_at", "AlarmTransition": "at",
                       "EventRecord": "at", "SessionEnded": "ended_at"}


def _line(record: Record, log: str | None = None, started: str | None = None) -> str:
    return json.dumps({"type": type(record).__name__,
                       **({HELD_LOG: log} if log is not None else {}),
                       **({HELD_SESSION_STARTED: started} if started is not None else {}),
                       **{k: _plain(v) for k, v in asdict(record).items()}},
                      ensure_ascii=False, sort_keys=True) + "\n"


class HeldFile:
    """The records held in memory, copied to a JSON-lines file as they are held.

    Held records lived in memory only: a SIGKILL or a power cut while the log could not take
    writes lost them, a typed reading and the alarms the nurse saw among them (the restart
    audit), and a monitor answered AE may have given up resending. Each step that is held
    appends its records (one line each, `type` and its fields) to `unsaved-records-<time of
    the first held record>-<process id>-<8 random hex digits>.jsonl`, flushed to disk, in the
    first of `folders` that takes it (the log's folder first: a locked log leaves it writable;
    a name another console sharing the folder took is followed by another there,
    `write_private_file`). Once the held records reach the log the file is removed; at a clean
    stop it is what remains. Support reads it and re-enters what matters; the log is never
    patched from it automatically. Each line names the log (`HELD_LOG`) and the session's start
    (`HELD_SESSION_STARTED`, `started`: the session's, one file per engine), so that a restart
    of the session finds what it lacks (`left_held`), and no other session does.

    Each hold's file has a name no other hold had: the `log_restored` note that its records
    reached the log names it, and a restart knows the file by that name alone (engine
    `_written_by_its_run`). Time and process id alone came again: a second hold in the same
    wall second after NTP set the clock back (or a later process given the same id) took an
    earlier, written hold's name, and its records, in no log, were taken for written.
    """

    def __init__(self, retry_seconds: float = RETRY_SECONDS,
                 started: datetime | None = None) -> None:
        self.path: Path | None = None
        self.retry_seconds = retry_seconds
        # The session's start as its log row has it (milliseconds, UTC): named in each line.
        self._started = iso(started) if started is not None else None
        self._log: tuple[Path, str] | None = None   # the log as given, and its real path
        self._lines: list[str] = []   # each held record encoded once, in order
        self._first: Record | None = None   # the held record the file began with (while `_lines`)
        self._name: str | None = None   # the file's name, once chosen (this hold's alone)
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
        if self._lines and (len(held) < len(self._lines) or held[0] is not self._first):
            # `held` is another queue than the one this file copied (that one left the queue:
            # written, its note naming the file, or saved in it at `close`): a file of its own.
            # Appended after the old line count, its records had gone into no file (a bug after
            # the flush's commit had skipped `written_to_log`), and a kill lost them. The old
            # file stays as it is: after `close` it is all its records are in.
            self._forget()
        if not self._lines and held:
            self._first = held[0]
        self._lines.extend(_line(r, named, self._started) for r in held[len(self._lines):])
        if self._copied == len(self._lines) or (mono < self._next_try and not force):
            return self.path
        text = "".join(self._lines[self._copied:])
        if self.path is not None:
            try:
                append_private_file(self.path, text)
            except FileNotFoundError:   # removed under us: written again, whole, below
                self.path, self._copied = None, 0
                text = "".join(self._lines)
            except (OSError, ValueError):   # text it cannot encode too, as `write_private_file`:
                self._next_try = mono + self.retry_seconds   # raised, it ended the held step
                return self.path
            else:
                self._copied = len(self._lines)
                return self.path
        if self._name is None:   # kept if the file must be written again, whole
            # The process id too, as crash files: chairs sharing the log's folder hold at once.
            # And a random part: the name must be this hold's alone (class docstring), and a
            # wall second comes again after a clock step back, a process id after a restart.
            self._name = HELD_NAME.format(stamp=f"{stamp.strftime('%Y%m%dT%H%M%SZ')}-"
                                                f"{os.getpid()}-{secrets.token_hex(4)}")
        self.path = write_private_file(folders, self._name, text)
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
        self._forget()

    def _forget(self) -> None:
        """No file and no lines: the next held record begins a new file, with a new name."""
        self.path, self._lines, self._first, self._copied, self._next_try = None, [], None, 0, 0.0
        self._name = None


def real_path(path: Path) -> Path:
    """`path` as a file of another process names it: absolute, links followed (the log is
    made and checked where it really is; the next console may start in another folder)."""
    with contextlib.suppress(OSError, RuntimeError):
        return path.resolve()
    return path.absolute()


@dataclass(frozen=True, slots=True)
class LeftHeld:
    """An unsaved-records file left by a console stopped while it held records of a session:
    those records, which the log never took, counted, and the discharge among them.

    Typed values and monitor readings are counted apart: a monitor reading held was answered
    "not stored" (AE), so the monitor sends it again, and re-entered by hand it was logged
    twice; what the nurse re-enters is what she typed."""

    path: Path
    typed: int      # values typed by hand
    monitor: int    # a device's readings
    alarm_changes: int
    other: int
    last_at: datetime   # the newest of them
    # A discharge held (its time and who; counted among `other`): the session came back open
    # from the log, the patient perhaps gone home; the nurse discharges it again.
    discharged: tuple[datetime, str] | None = None

    @property
    def readings(self) -> int:
        """Every reading of the file the log lacks, typed or a monitor's."""
        return self.typed + self.monitor

    def words(self) -> str:
        """"1 typed value, 2 alarm changes, 1 other entry": what is missing that the nurse
        re-enters or Support reads (the monitor's readings apart: `monitor_words`)."""
        parts = [(self.typed, "typed value", "typed values"),
                 (self.alarm_changes, "alarm change", "alarm changes"),
                 (self.other, "other entry", "other entries")]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)

    def monitor_words(self) -> str:
        """"4 monitor readings", or "" when none is missing."""
        if not self.monitor:
            return ""
        return f"{self.monitor} monitor reading{'' if self.monitor == 1 else 's'}"

    def discharge_words(self) -> str:
        """"Discharge at 10:42 by nurse.ana" (local clock time), or "" when none is held; the
        alarm's words that lead with it are read back by `HELD_DISCHARGE_SAID`."""
        if self.discharged is None:
            return ""
        at, actor = self.discharged
        return f"Discharge at {at.astimezone():%H:%M} by {actor}"


HELD_DISCHARGE_SAID: Final = re.compile(
    r"Discharge at (?P<time>\S+) by (?P<actor>.+?) was not saved")
"""`LeftHeld.discharge_words` as the restart's alarm says it ("… was not saved: discharge
again; …"): read back for its short form (conditions.py) and its nurse (deidentify.py)."""


def left_held(folders: Iterable[Path], log: Path, session_id: int,
              logged: Collection[ReadingKey] = (),
              not_counted: Collection[str] = (),
              not_counted_events: Collection[str] = (),
              at_resume: Collection[str] = (),
              at_resume_events: Collection[str] = (),
              started: datetime | None = None) -> list[LeftHeld]:
    """The unsaved-records files in `folders` (where `HeldFile` writes them: the log's folder,
    then the spare ones) that hold records of session `session_id` of the log at `log`, begun
    at `started` (its row's start; None: not known, every line of the id taken, a look at
    the folders only: a restart passes it), by file name.

    A line is this session's when it names this log (`HELD_LOG`), its session id is this
    session's and it names this session's start (`HELD_SESSION_STARTED`): every log numbers its
    sessions from 1, and the temporary folder, or a folder two chairs' logs share, holds files
    of other logs with the same session id; a log restored from a backup gives the id of a
    session the backup lacks to the next patient's, whose restart had taken that session's
    file, another patient's held discharge and typed values, as hers. A line of an older
    console that names the log but no start is taken by log and id unless it is dated before
    `started`: a record of this session is not older than its start; taken, such a line
    is another patient's; one the clock set back past the start dated so stays in the file for
    Support, unsaid (the lesser harm, and only for an older console's file). A line that names
    no log is not taken: it cannot be told from another log's (files of test sessions numbered
    1 at the very same times lay in the temporary folder). An unreadable file or line is
    passed over: nothing in it can be told of this session.

    Not counted as missing: a device reading whose key (`reading_key`) is in `logged` (the
    monitor sent it again and the log has it), the alarm changes of the conditions in
    `not_counted` and the events of the kinds in `not_counted_events`: the console's own
    bookkeeping, which nobody re-enters ("Session log unavailable"; a restart's
    `session_resumed`, its own unsaved-records alarm); and what a restart found again on its own
    of the conditions in `at_resume` and the events of `at_resume_events` (`_a_restarts_own`:
    the ends at its resume, its first report of the port and the speaker). Counted, they had
    hidden the one alarm change lost among "4 alarm changes, 4 other entries", more with every
    restart. The same conditions live (a monitor lost, the speaker failing, a console fault
    during the outage) count: they are what happened to the patient's monitoring (a review:
    left out by condition, a file of only those was named nowhere). A file with nothing counted
    is not returned (it stays for Support)."""
    ours = str(real_path(log))
    session = (session_id, None if started is None else (iso(started), started))
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
            left = _left_in(path, ours, session, logged, not_counted, not_counted_events,
                            at_resume, at_resume_events)
            if left is not None:
                found.append(left)
    return sorted(found, key=lambda left: left.path.name)


def _left_in(path: Path, log: str, session: tuple[int, tuple[str, datetime] | None],
             logged: Collection[ReadingKey],
             not_counted: Collection[str], not_counted_events: Collection[str],
             at_resume: Collection[str], at_resume_events: Collection[str]) -> LeftHeld | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    session_id, started = session
    lines: list[tuple[Any, str, datetime]] = []
    for line in text.splitlines():
        try:
            item: Any = json.loads(line)
            kind = str(item["type"])
            if item.get(HELD_LOG) != log or item["session_id"] != session_id:
                continue
            at = datetime.fromisoformat(item[_RECORD_TIME[kind]])
            if started is not None and not _of_session(item, at, *started):
                continue
            lines.append((item, kind, at))
        except (ValueError, KeyError, TypeError):
            continue
    own = _a_restarts_own(lines, at_resume, at_resume_events)
    typed = monitor = alarm_changes = other = 0
    last: datetime | None = None
    discharged: tuple[datetime, str] | None = None
    for index, (item, kind, at) in enumerate(lines):
        try:
            typed_in = kind == "ObservationRecord" and item["source"] == MANUAL
            key = _line_key(item) if kind == "ObservationRecord" and not typed_in else None
        except (ValueError, KeyError, TypeError):
            continue
        last = at if last is None else max(last, at)
        event = item.get("kind") if kind == "EventRecord" else None
        if kind == "ObservationRecord":
            if typed_in:
                typed += 1
            elif key is None or key not in logged:
                monitor += 1
        elif kind == "AlarmTransition":
            if item.get("condition") not in not_counted and index not in own:
                alarm_changes += 1
        elif event not in not_counted_events and index not in own:
            other += 1
        if event == "discharged":
            discharged = (at, str(item.get("actor", "")))
    if last is None or not typed + monitor + alarm_changes + other:
        return None
    return LeftHeld(path, typed, monitor, alarm_changes, other, last, discharged)


def _of_session(item: Any, at: datetime, started_text: str, started: datetime) -> bool:
    """A line of the session's log and id is of the session begun at `started` (`started_text`
    as its log row has it), `left_held`: by the start it names (another is the start of another
    session that had the id, in a log restored from a backup), or, an older console's line that
    names none, unless it is dated before that start."""
    if HELD_SESSION_STARTED in item:
        return bool(item[HELD_SESSION_STARTED] == started_text)
    return at >= started


# The port's states a restart reports on its own as its link starts (devices/transport.py: the
# port opened, then its first good frame): each its first report after a resume. A link lost or
# stale after a resume is an episode.
_LINK_STARTING: Final = frozenset({"connecting", "connected"})


def _report_of(item: Any) -> str | None:
    """What a restart's first report is of: the event's kind, and for the port each state of
    its start (`_LINK_STARTING`); None for any other state of the port (lost, stale): an
    episode, never the restart's own."""
    kind = str(item.get("kind"))
    if kind != "device_state":
        return kind
    detail = item.get("detail")
    state = detail.get("state") if isinstance(detail, dict) else None
    return f"{kind}:{state}" if state in _LINK_STARTING else None


def _a_restarts_own(lines: Sequence[tuple[Any, str, datetime]], at_resume: Collection[str],
                    at_resume_events: Collection[str]) -> set[int]:
    """The lines (by index) a restart wrote on its own of what it evaluates afresh: those of
    its resume's instant (the conditions it ends are written just before its `session_resumed`
    line, at its time), and within `RESUME_OWN_SECONDS` after it its first report of each
    kind of `at_resume_events` (`_report_of`: the port opening, then connected; the speaker
    probed) and the ends of `at_resume` conditions (the speaker found working). A raise or an
    acknowledgement in that window is an episode of the session, counted: a monitor pulled
    10 s after a restart had been left out; so is everything timed before the resume (a clock
    set back after it had made every later line the restart's own, a review)."""
    resumes = {at for item, kind, at in lines
               if kind == "EventRecord" and item.get("kind") == SESSION_RESUMED}
    own: set[int] = set()
    reported: set[str] = set()
    since: datetime | None = None   # the last resume before the line, lines in order
    for index, (item, kind, at) in enumerate(lines):
        event = item.get("kind") if kind == "EventRecord" else None
        if event == SESSION_RESUMED:
            since, reported = at, set()
        condition = item.get("condition") if kind == "AlarmTransition" else None
        ours = condition in at_resume or event in at_resume_events
        if not ours:
            continue
        if at in resumes:
            own.add(index)
        elif since is not None and 0 <= (at - since).total_seconds() <= RESUME_OWN_SECONDS:
            if condition is not None and item.get("transition") == CLEARED:
                own.add(index)
            elif (event is not None and (report := _report_of(item)) is not None
                  and report not in reported):
                reported.add(report)
                own.add(index)
    return own


def _line_key(item: Any) -> ReadingKey | None:
    """`reading_key` of a reading's line (`_line`: its fields, times as ISO text)."""
    measured = item.get("measured_at")
    return _key(str(item["metric"]), str(item["source"]), str(item.get("channel", "")),
                float(item["value"]),
                None if measured is None else datetime.fromisoformat(measured))

"""Tests of the session log (console.store), on real SQLite files under tmp_path.

Shared builders live here (this folder owns no conftest): a fixed start time, one record of each
kind, and helpers that produce real environment faults.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.records import (
    AlarmTransition,
    EventRecord,
    ObservationRecord,
    SessionEnded,
    SessionOpened,
)
from console.store import EventLog

PROJECT_ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
VERSION = "0.1.0-test"


def t(seconds: float) -> datetime:
    """The start time plus `seconds` (ms precision, as stored)."""
    return T0 + timedelta(seconds=seconds)


def opened(patient: str = "P-001", at: datetime = T0, number: int = 1) -> SessionOpened:
    return SessionOpened(
        patient_id=patient, protocol_id="ketamine-iv", protocol_version="2026.1",
        session_number=number, nurse="RN Ada", weight_kg=72.5, started_at=at,
        details={"dose_mg": 36.25, "pump_rate_ml_h": 72.5, "device": {"port": "/dev/ttyUSB0"}},
    )


def obs(
    session_id: int, seconds: float = 0.0, value: float = 72.0, **kw: object
) -> ObservationRecord:
    fields: dict[str, object] = dict(
        session_id=session_id, metric="heart_rate", value=value, unit="bpm", source="sim-hl7",
        measured_at=t(seconds - 0.25), received_at=t(seconds), entered_by="engine", channel="1",
    )
    fields.update(kw)
    return ObservationRecord(**fields)  # type: ignore[arg-type]


def alarm(session_id: int, transition: str, seconds: float, priority: str = "medium",
          occurrence: int = 1, **kw: object) -> AlarmTransition:
    fields: dict[str, object] = dict(
        session_id=session_id, occurrence=occurrence, condition="bp_systolic_high",
        category="physiological", priority=priority, transition=transition, at=t(seconds),
        message="Systolic BP high: 182 mmHg",
    )
    fields.update(kw)
    return AlarmTransition(**fields)  # type: ignore[arg-type]


def event(session_id: int, seconds: float = 0.0, kind: str = "note") -> EventRecord:
    return EventRecord(session_id=session_id, at=t(seconds), kind=kind, actor="RN Ada",
                       detail={"text": "Patient comfortable", "n": 1})


def ended(session_id: int, seconds: float) -> list[EventRecord | SessionEnded]:
    """A session's end as the engine writes it: the chained event and `ended_at`, together."""
    return [EventRecord(session_id, t(seconds), "session_ended", "nurse.ana", {}),
            SessionEnded(session_id, t(seconds))]


def new_log(tmp_path: Path, name: str = "log.sqlite3") -> EventLog:
    return EventLog.open(tmp_path / name, VERSION, busy_timeout_ms=200)


def filled_log(tmp_path: Path, observations: int = 5) -> tuple[Path, int]:
    """A closed log with one session, `observations` observations, 2 alarm rows and 2 events."""
    log = new_log(tmp_path)
    sid = log.start_session(opened())
    log.write([obs(sid, i, value=60.0 + i) for i in range(observations)])
    log.write([alarm(sid, "raised", 1), alarm(sid, "cleared", 9)])
    log.write([event(sid, 2), event(sid, 3, kind="dose_given")])
    log.close()
    return tmp_path / "log.sqlite3", sid


# --- real faults ---


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def unprivileged_prefix() -> list[str]:
    """Command prefix that runs a child without root's permission bypass (or nothing needed).

    Root ignores file modes (CAP_DAC_OVERRIDE), so a chmod-ed file is only read-only for a
    process without that capability; `setpriv` drops it from the child's bounding set.
    """
    if not running_as_root():
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv is missing: cannot make file modes bind")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all"]


_OPEN_IN_CHILD = """
import sys
from pathlib import Path
from console.store import EventLog, LogError
try:
    EventLog.open(Path(sys.argv[1]), "child", busy_timeout_ms=200).close()
    print("OPENED")
except LogError as e:
    print(e.cause)
    print(e)
"""


def open_in_unprivileged_child(path: Path) -> tuple[str, str]:
    """Open the log in a child process without root's bypass; return (cause or OPENED, message)."""
    result = subprocess.run(
        [*unprivileged_prefix(), sys.executable, "-c", _OPEN_IN_CHILD, str(path)],
        capture_output=True, text=True, timeout=60, cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert result.returncode == 0, result.stderr
    cause, _, message = result.stdout.partition("\n")
    return cause, message.strip()


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted at `where` (needs mount rights: root in a permissive container)."""
    where.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    if not running_as_root() or mount is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    done = subprocess.run([mount, "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                           str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)


# --- damage, as a failing disk or a bad copy leaves it ---


def pages_of(path: Path, name: str) -> list[int]:
    """The page numbers holding table or index `name` (SQLite's dbstat), first the root."""
    conn = sqlite3.connect(path)
    try:
        return [page for (page,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? ORDER BY path", [name])]
    finally:
        conn.close()


def overwrite_page(path: Path, page: int, seed: int = 7) -> None:
    """Overwrite one page of a closed log with fixed pseudo-random bytes (the clinician's walk:
    `dd if=/dev/urandom of=LOG bs=4096 seek=N count=1 conv=notrunc`, made repeatable)."""
    conn = sqlite3.connect(path)
    try:
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    finally:
        conn.close()
    with path.open("r+b") as f:
        f.seek((page - 1) * page_size)
        f.write(random.Random(seed).randbytes(page_size))


def damage(path: Path, name: str = "observations") -> None:
    """Overwrite the root page of table or index `name`: every read through it fails."""
    overwrite_page(path, pages_of(path, name)[0])


def garble_schema(path: Path) -> None:
    """Put bytes that are not UTF-8 into the stored SQL of an index, inside an unterminated
    quote: SQLite's "malformed database schema ... unrecognized token" then quotes them, and
    Python cannot even decode that message (UnicodeDecodeError from the first read). Damage
    to the schema's pages does the same (found by overwriting bytes of a real log)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = CAST(? AS TEXT) WHERE name = ?",
                     [b'CREATE INDEX sessions_by_start ON "\xff\xfe', "sessions_by_start"])
    finally:
        conn.close()

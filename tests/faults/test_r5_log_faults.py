"""R5: the session log read-only, locked by another process, on a full disk, or corrupt.

Faults are made for real: `chattr +i` on the log and its WAL (read-only under an open
connection), another process holding an exclusive lock, a small tmpfs filled up (root in this
container may mount one; the test skips and says so elsewhere), bytes overwritten in the file.

At start (the console as a process, started from its command line): a clear error naming the
file and the cause, exit status 2, and no session starts: the log holds what it held before.

In the middle of a session: the engine keeps every reading and event in memory, in order, raises
the "session log unavailable" technical alarm (medium), the window says how many records are not
yet saved, and once the log can be written again they are written in order with the hash chain
intact, and the alarm clears (both on record). A damaged log never becomes writable again by
itself: its records are kept in memory for the rest of the session and written to a file beside
the log when the console stops.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6 import QtCore

from console.clock import ManualClock
from console.records import ObservationRecord
from console.session.engine import LOG_UNAVAILABLE, Patient, SessionEngine
from console.session.holding import RETRY_SECONDS
from console.session.journal import Journal
from console.store import EventLog
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, default_protocol_dirs, load_protocol, load_protocols
from protocols.model import Priority
from tests.faults.conftest import BIN, console_env, sql
from tests.store import running_as_root, tmpfs
from tests.ui.conftest import Answers

pytestmark = pytest.mark.faults

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RECORD_TABLES = ("sessions", "observations", "alarm_events", "events")


def counts(db: Path) -> dict[str, int]:
    return {t: sql(db, f"SELECT count(*) FROM {t}")[0][0] for t in RECORD_TABLES}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def new_log(path: Path) -> None:
    """A log with one earlier, ended session in it (what a clinic's file looks like)."""
    clock = ManualClock(T0)
    with EventLog.open(path, "r5") as log:
        engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"),
                                    log, Patient("MRN-OLD", 70), "qa", clock.now())
        engine.enter_manual("heart_rate", 70, "qa", clock.advance(60))
        engine.discharge("qa", clock.advance(60), override_reason="fault-suite fixture")


# ------------------------------------------------------------------------------- the faults


def chattr(flag: str, *paths: Path) -> None:
    for path in paths:
        if path.exists():
            subprocess.run(["chattr", flag, str(path)], check=True, capture_output=True)


def immutable_supported(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    probe.write_text("x")
    chattr_bin = shutil.which("chattr")
    if chattr_bin is None or subprocess.run([chattr_bin, "+i", str(probe)],
                                            capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here (needs root and ext4/xfs/btrfs)")
    subprocess.run([chattr_bin, "-i", str(probe)], check=True)


@contextlib.contextmanager
def read_only(db: Path) -> Iterator[None]:
    """The log and its WAL made immutable (not the -shm: SQLite maps it into memory, and a mapped
    file that may not be written kills the process with SIGBUS)."""
    files = (db, db.with_name(db.name + "-wal"))
    chattr("+i", *files)
    try:
        yield
    finally:
        chattr("-i", *files)


_HOLD_LOCK = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "conn.execute('BEGIN EXCLUSIVE')\n"
    "print('locked', flush=True)\n"
    "sys.stdin.readline()\n"
    "conn.execute('ROLLBACK')\n"
)


@contextlib.contextmanager
def locked(db: Path) -> Iterator[None]:
    """Another process (a database viewer, a second console) holds the log's write lock."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=10)


def fill(folder: Path) -> Path:
    """Fill the filesystem of `folder` to the last byte; return the filler to delete later."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for block in (65536, 4096, 512, 1):   # unbuffered: nothing left to flush at close
            while True:
                try:
                    os.write(fd, b"\0" * block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return filler


def overwrite_observations_root(db: Path) -> None:
    """Damage the observations table's root page, then let another program write elsewhere in
    the file (SQLite's page cache hides damage until another connection changes the file)."""
    conn = sqlite3.connect(db, isolation_level=None)
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'observations'"
                           ).fetchone()
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with db.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("INSERT INTO meta(key, value) VALUES ('another-program', 'was here')")
    other.close()


# ------------------------------------------------------------------------------- at start


def start_console(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "infusion-console"), "--db", str(db), "--protocol", "iv-ketamine",
         "--patient", "MRN-R5", "--weight", "70", "--nurse", "qa"],
        capture_output=True, text=True, timeout=60, env=console_env())


def refused(result: subprocess.CompletedProcess[str], db: Path, words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("infusion-console: "), message
    assert str(db) in message and words in message, message


def test_read_only_log_at_start_is_refused_and_no_session_starts(tmp_path: Path) -> None:
    immutable_supported(tmp_path)
    db = tmp_path / "log.sqlite3"
    new_log(db)
    before = counts(db)
    with read_only(db):
        result = start_console(db)
    refused(result, db, "is read-only")
    assert counts(db) == before


def test_locked_log_at_start_is_refused_and_no_session_starts(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    new_log(db)
    before = counts(db)
    with locked(db):
        result = start_console(db)
    refused(result, db, "another program is holding it locked")
    assert counts(db) == before


def test_log_on_a_full_disk_at_start_is_refused_and_no_session_starts(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "512k") as mnt:
        db = mnt / "log.sqlite3"
        new_log(db)
        before = counts(db)
        filler = fill(mnt)
        result = start_console(db)
        filler.unlink()
        refused(result, db, "the disk is full")
        assert counts(db) == before


@pytest.mark.parametrize(("damage", "words"), [
    ("header", "the file is damaged"),
    ("magic", "is not a session log"),
])
def test_damaged_log_at_start_is_refused_and_left_as_it_was(
    tmp_path: Path, damage: str, words: str
) -> None:
    db = tmp_path / "log.sqlite3"
    new_log(db)
    with db.open("r+b") as f:
        f.seek(16 if damage == "header" else 0)
        f.write(b"\xff" * 84 if damage == "header" else b"\xde\xad\xbe\xef" * 4)
    before = digest(db)
    refused(start_console(db), db, words)
    assert digest(db) == before   # kept for review as it was


# ------------------------------------------------------------------------------- mid-session


class Session:
    """An engine on a real log behind a journal, a clock moved by hand; what the app builds."""

    def __init__(self, db: Path) -> None:
        self.log = EventLog.open(db, "r5")
        self.log.set_busy_timeout(250)   # as the app does for a running session
        self.journal = Journal(self.log)
        self.clock = ManualClock(T0)
        self.engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"),
                                         self.journal, Patient("MRN-R5", 70), "qa", self.clock.now())
        self.hr = 60

    def device_reading(self) -> float:
        """One heart rate from the monitor, a second later than the last."""
        now = self.clock.advance(1)
        self.hr = 61 if self.hr >= 99 else self.hr + 1   # a calm 61-99, no alarm of its own
        self.engine.ingest(Reading("heart_rate", self.hr, "/min", now.wall, now.wall, "hl7:mon"), now)
        return self.hr

    def latest_device_reading(self) -> Reading:
        """The heart rate the monitor sent last, as it sent it (a resend carries the same)."""
        latest = self.engine.latest("heart_rate")
        assert latest is not None
        return latest.reading

    def close(self) -> None:
        self.log.close()


FAULTS: dict[str, Callable[[Path], contextlib.AbstractContextManager[None]]] = {
    "read-only": read_only,
    "locked": locked,
}


@pytest.mark.parametrize("cause", ["read-only", "locked", "disk-full"])
def test_mid_session_fault_holds_readings_in_memory_alarms_and_writes_them_in_order_later(
    tmp_path: Path, cause: str
) -> None:
    if cause == "read-only":
        immutable_supported(tmp_path)
    with contextlib.ExitStack() as stack:
        folder = tmp_path
        if cause == "disk-full":
            folder = stack.enter_context(tmpfs(tmp_path / "mnt", "1m"))
        db = folder / "log.sqlite3"
        s = Session(db)
        stack.callback(s.close)
        engine, clock = s.engine, s.clock
        spare = tmp_path / "spare"
        spare.mkdir()
        engine.spare_folders = [spare]   # not the system's temporary folder
        before_values = [s.device_reading() for _ in range(3)]
        saved = counts(db)

        # --- the fault starts in the middle of the session
        fault = stack.enter_context(contextlib.ExitStack())
        filler = None
        if cause == "disk-full":
            filler = fill(folder)
        else:
            fault.enter_context(FAULTS[cause](db))
        held_values = [s.device_reading() for _ in range(5)]
        # The monitor was answered AE for the last one: it sends that message again, three times.
        resent = s.latest_device_reading()
        for _ in range(3):
            assert not engine.ingest_message([resent], clock.advance(0.2))
        assert engine.enter_manual("bp_systolic", 150, "qa", clock.advance(1)).__class__.__name__ == "Accepted"
        assert engine.note("patient comfortable", "qa", clock.advance(1)).done
        # The session goes on: the tiles' latest values are current, the alarm says why.
        assert engine.latest("heart_rate").reading.value == held_values[-1]
        occurrence = engine.board.occurrence_for(LOG_UNAVAILABLE)
        assert occurrence is not None
        assert (occurrence.category, occurrence.priority) == ("technical", Priority.MEDIUM)
        words = {"read-only": "the file is read-only", "locked": "another program holds it locked",
                 "disk-full": "the disk is full"}[cause]
        assert occurrence.message == (f"Session log unavailable ({words}): readings are held in "
                                      "memory and not yet saved")
        assert engine.unsaved >= 7 and engine.log_error is not None
        assert engine.log_error.cause == cause
        # Nothing reached the file; the event list shows only what the log holds.
        assert counts(db) == saved
        assert not any(isinstance(r, ObservationRecord) and r.value in held_values
                       for r in s.journal.entries)
        # An attempt before the retry interval is not made; one after it fails and keeps all.
        engine.tick(clock.advance(RETRY_SECONDS))
        more = s.device_reading()
        assert engine.board.occurrence_for(LOG_UNAVAILABLE) is not None
        assert counts(db) == saved
        # Held is not memory only: a copy on disk as they were held (a full disk: the spare
        # folder), so a SIGKILL or a power cut now loses none of them.
        [copy] = [*folder.glob("unsaved-records-*.jsonl"), *spare.glob("unsaved-records-*.jsonl")]
        copied = [json.loads(line) for line in copy.read_text().splitlines()]
        assert [r["value"] for r in copied if r["type"] == "ObservationRecord"
                and r["metric"] == "heart_rate"] == [*held_values, more]
        assert len(copied) == engine.unsaved

        # --- the log can be written again
        fault.close()
        if filler is not None:
            filler.unlink()
        engine.tick(clock.advance(RETRY_SECONDS))
        assert engine.unsaved == 0 and engine.log_error is None
        assert not copy.exists()   # in the log now
        assert engine.board.occurrence_for(LOG_UNAVAILABLE) is None
        values = [v for (v,) in sql(db, "SELECT value FROM observations WHERE session_id = ? "
                                        "AND metric = 'heart_rate' ORDER BY id",
                                    (engine.session_id,))]
        assert values == [*before_values, *held_values, more]   # every one, in order
        received = [r for (r,) in sql(db, "SELECT received_at FROM observations "
                                          "WHERE session_id = ? ORDER BY id", (engine.session_id,))]
        assert received == sorted(received)
        assert sql(db, "SELECT json_extract(detail, '$.text') FROM events WHERE kind = 'note'") == [
            ("patient comfortable",)]
        transitions = sql(db, "SELECT transition, priority FROM alarm_events "
                              "WHERE condition = 'log_unavailable' ORDER BY id")
        assert transitions == [("raised", "medium"), ("cleared", "medium")]
        restored = sql(db, "SELECT json_extract(detail, '$.records_written') FROM events "
                           "WHERE kind = 'log_restored'")
        assert len(restored) == 1 and restored[0][0] >= 9
        assert s.log.verify().ok and s.log.integrity_ok()
        # The window's list now has them too: shown only once saved.
        assert sum(isinstance(r, ObservationRecord) and r.value in held_values
                   for r in s.journal.entries) == len(held_values)


def test_a_log_damaged_mid_session_keeps_readings_in_memory_and_saves_them_beside_it_at_stop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "log.sqlite3"
    s = Session(db)
    try:
        for _ in range(3000 // 6):   # a log with a few pages of observations
            s.device_reading()
        overwrite_observations_root(db)
        held = [s.device_reading() for _ in range(4)]
        engine = s.engine
        occurrence = engine.board.occurrence_for(LOG_UNAVAILABLE)
        assert occurrence is not None and "(the file is damaged)" in occurrence.message
        assert engine.log_error is not None and engine.log_error.cause == "corrupt"
        assert str(db) in engine.log_error.message
        # Ticks keep retrying without crashing; the session goes on.
        for _ in range(3):
            engine.tick(s.clock.advance(RETRY_SECONDS))
        held.append(s.device_reading())
        assert engine.unsaved >= 5
        # The console stops: what is held goes to a file beside the log, 0600, in order.
        saved = engine.close(s.clock.now(), [tmp_path / "spare"])
    finally:
        s.close()
    assert saved is not None and saved.parent == tmp_path
    assert saved.stat().st_mode & 0o777 == 0o600
    lines = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines()]
    values = [line["value"] for line in lines
              if line["type"] == "ObservationRecord" and line["metric"] == "heart_rate"]
    assert values == held
    assert engine.unsaved == 0 and engine.close(s.clock.now()) is None   # not written twice


# ------------------------------------------------------------------------------- in the window


@pytest.fixture
def window_on_tmpfs(tmp_path: Path, qtbot) -> Iterator[tuple[MainWindow, ManualClock, Path]]:
    if not running_as_root():
        pytest.skip("a full disk needs a small tmpfs: root only")
    with tmpfs(tmp_path / "mnt", "1m") as mnt:
        db = mnt / "log.sqlite3"
        log = EventLog.open(db, "r5")
        log.set_busy_timeout(250)
        clock = ManualClock(T0)
        cleanups: list[Callable[[], None]] = []
        window = MainWindow(log, load_protocols(default_protocol_dirs()), clock,
                            RecordingAudioOut(), cleanups, confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        protocol = window.protocols["iv-ketamine"]
        window.open_session(lambda recorder: SessionEngine.open(
            protocol, recorder, Patient("MRN-R5", 70), "qa", clock.now()), None)
        yield window, clock, db
        for cleanup in reversed(cleanups):
            cleanup()
        log.close()


def test_not_saved_has_room_beside_the_clinic_networks_state(window_on_tmpfs, qtbot) -> None:
    # A chair on a clinic network: its state is a permanent widget of the status line, stretched
    # to the whole line (network_bridge.network_label), and "NOT SAVED" had no room beside it.
    from console.ui.elided_label import ElidedLabel

    window, _clock, db = window_on_tmpfs
    live = window.live
    assert live is not None
    bar = window.statusBar()
    network = ElidedLabel()
    network.setObjectName("network_state")
    network.setText("Clinic network: connected to mqtts://broker.clinic.lan:8883 as chair-3; "
                    "quiet room: soft tones while the central confirms")
    bar.addPermanentWidget(network, 1)
    window.network_shown = True
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    fill(db.parent)
    live.entry.fields["heart_rate"].setText("77")
    qtbot.keyClick(live.entry.fields["heart_rate"], QtCore.Qt.Key.Key_Return)
    assert bar.currentMessage().startswith("NOT SAVED: ")
    qtbot.waitUntil(lambda: network.x() >= bar.width() * 2 // 3 - 10)
    assert network.width() <= bar.width() // 3


def test_the_window_says_readings_are_held_and_not_saved_then_saved(window_on_tmpfs, qtbot) -> None:
    window, clock, db = window_on_tmpfs
    live, controller = window.live, window.controller
    assert live is not None and controller is not None
    assert window.statusBar().currentMessage() == f"Session log: {db}"
    filler = fill(db.parent)
    # The nurse types vitals while the disk is full.
    for key, text in (("bp", "132/84"), ("heart_rate", "77")):
        live.entry.fields[key].setText(text)
    qtbot.keyClick(live.entry.fields["bp"], QtCore.Qt.Key.Key_Return)
    assert live.entry.message.text().startswith("Recorded: ")
    status = window.statusBar().currentMessage()
    # 3 readings and the alarm's own "raised" transition
    assert status.startswith("NOT SAVED: 4 records (3 readings) of this session are held in "
                             "memory until the session log can be written again."), status
    assert str(db) in status and "the disk is full" in status
    assert any(row.startswith("** Session log unavailable (the disk is full): readings are held "
                              "in memory and not yet saved") for row in live.alarm_bar.rows())
    assert live.tiles.tiles["heart_rate"].view.value == "77"   # the value is on screen
    assert sql(db, "SELECT count(*) FROM observations") == [(0,)]
    # Space is freed; the next tick after the retry interval writes everything.
    filler.unlink()
    clock.advance(RETRY_SECONDS)
    controller.timer.timeout.emit()
    assert window.statusBar().currentMessage() == f"Session log: {db}"
    assert not any("Session log unavailable" in row for row in live.alarm_bar.rows())
    assert sql(db, "SELECT metric, value FROM observations ORDER BY id") == [
        ("bp_systolic", 132.0), ("bp_diastolic", 84.0), ("heart_rate", 77.0)]
    assert window.log.verify().ok


def test_the_start_screen_refuses_a_session_when_the_log_stopped_taking_writes(
    tmp_path: Path, qtbot
) -> None:
    # The console started fine; by the time the nurse presses Start another program holds the
    # log locked. The session is refused on the start page, naming the file and the cause.
    from console.cli import gui_parser
    from console.ui.app import build
    from console.ui.start_screen import StartRequest

    db = tmp_path / "log.sqlite3"
    new_log(db)
    cleanups: list[Callable[[], None]] = []
    try:
        window = build(gui_parser().parse_args(["--db", str(db)]), cleanups,
                       audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        before = counts(db)
        with locked(db):
            window.start_screen.start_requested.emit(
                StartRequest("MRN-R5", 70.0, "iv-ketamine", None, 1, "qa", None, None))
        assert window.live is None
        assert window.start_error.isVisibleTo(window)
        text = window.start_error.text()
        assert text.startswith("The session was not started. Cannot write the session log ")
        assert str(db) in text and "another program is holding it locked" in text
        assert counts(db) == before
    finally:
        for cleanup in reversed(cleanups):
            cleanup()

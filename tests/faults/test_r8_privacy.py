"""R8: privacy. The log is readable by its owner only; nothing listens on the network; exports can
be de-identified.

- The console, started as a process under a umask that would let anyone read (000), creates its
  log, the log's WAL and shared-memory files, the folder it makes for them, and the `--shown-log`
  copy, all readable by the owner only.
- While a demo session runs (its simulated monitor inside the process, readings arriving), the
  process holds no internet socket of any kind: none listening, none connected (checked against
  /proc/net/{tcp,tcp6,udp,udp6,raw,raw6} by socket inode, several times over two seconds). The
  console has no network option, so "unless configured" has nothing to configure.
- `infusion-console export SESSION --csv DIR --deidentify` and `--fhir FILE --deidentify` of a
  session full of identifiers (patient id, nurse, names in notes and override reasons, the
  monitor's serial number and port, the real dates) contain none of them.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from devices.reading import Reading
from devices.simulator.encode import DEVICE_EUI64
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.faults.conftest import BIN, console_env, sql, wait_until
from tests.identity.accounts import child_sign_in, close_fds, ensure_account

pytestmark = pytest.mark.faults

INET_TABLES = ("tcp", "tcp6", "udp", "udp6", "raw", "raw6")
TCP_STATES = {"0A": "LISTEN", "01": "ESTABLISHED", "07": "CLOSE", "06": "TIME_WAIT"}


def socket_inodes(pid: int) -> set[str]:
    """Inodes of the sockets the process holds (every thread shares the fd table)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue   # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def inet_sockets() -> dict[str, tuple[str, str, str]]:
    """inode -> (table, local address, state) for every internet socket on this host."""
    out = {}
    for table in INET_TABLES:
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            out[inode] = (table, local, TCP_STATES.get(state, state))
    return out


def device_readings(db: Path) -> int:
    try:
        return sql(db, "SELECT count(*) FROM observations WHERE source != 'manual'")[0][0]
    except sqlite3.OperationalError:   # the console has not created the file or its tables yet
        return 0


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_demo_session_keeps_its_files_private_and_holds_no_network_socket(tmp_path: Path) -> None:
    db = tmp_path / "new-folder" / "log.sqlite3"
    shown = tmp_path / "shown.jsonl"
    console = subprocess.Popen(
        [str(BIN / "infusion-console"), "--db", str(db), "--demo", "--shown-log", str(shown)],
        env=console_env(), umask=0o000, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    try:
        # Running: the simulated monitor's readings reach the log.
        wait_until(lambda: console.poll() is not None or device_readings(db) >= 5,
                   60, "no device readings from the demo session")
        assert console.poll() is None, console.communicate()[1][-2000:]
        held: dict[str, tuple[str, str, str]] = {}
        for _ in range(5):   # sampled over two seconds: a short-lived socket is seen too
            inet = inet_sockets()
            held.update({i: inet[i] for i in socket_inodes(console.pid) if i in inet})
            time.sleep(0.4)
        assert held == {}, f"the console holds internet sockets: {held}"
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), shown):
            assert path.exists(), path
            assert mode(path) == 0o600, f"{path.name} is {oct(mode(path))}"
        assert mode(db.parent) == 0o700, f"the log's folder is {oct(mode(db.parent))}"
        console.send_signal(signal.SIGTERM)
        _, errors = console.communicate(timeout=30)
        assert console.returncode == 0, errors[-2000:]
    finally:
        if console.poll() is None:
            console.kill()
            console.wait(timeout=10)


# ------------------------------------------------------------------------------- de-identified


PATIENT_ID = "MRN-4711-HUBER"
NURSE = "Jane Doe"
NOTE = "Patient Maria Huber says her husband Josef drives her home"
OVERRIDE = "Dr. Alan Grant approved by phone"
PORT = "/dev/serial/by-id/usb-Acme_Monitor_SN12345-if00"
STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def identifiable_session(db: Path) -> int:
    clock = ManualClock(STARTED)
    with EventLog.open(db, "r8") as log:
        engine = SessionEngine.open(
            load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), log,
            Patient(PATIENT_ID, 64.0), NURSE, clock.now(),
            details={"device": PORT, "format": "hl7"})
        source = f"hl7:INFUSION-SIM^{DEVICE_EUI64}^EUI-64"
        for value in (72, 75, 79):
            now = clock.advance(60)
            engine.ingest(Reading("heart_rate", value, "/min", now.wall, now.wall, source), now)
        engine.enter_manual("bp_systolic", 128, NURSE, clock.advance(60))
        engine.note(NOTE, NURSE, clock.advance(60))
        engine.advance_phase(NURSE, clock.advance(60), override_reason=OVERRIDE)
        engine.device_state_changed("disconnected", clock.advance(60), f"port lost: {PORT}")
        return engine.session_id


def export(db: Path, session: int, *target: str,
           deidentify: bool = True) -> subprocess.CompletedProcess[str]:
    ensure_account(db)      # an export signs in (issue 13): tests/identity/accounts.py
    signed, fds = child_sign_in()
    try:
        return subprocess.run([str(BIN / "infusion-console"), "export", str(session), *target,
                               *(["--deidentify"] if deidentify else []), "--db", str(db),
                               *signed],
                              capture_output=True, text=True, timeout=120, pass_fds=fds)
    finally:
        close_fds(fds)


def test_deidentified_csv_and_fhir_exports_hold_no_identifier(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    session = identifiable_session(db)
    csv_dir, fhir = tmp_path / "csv", tmp_path / "bundle.json"
    csv_dir.mkdir()
    for target in (("--csv", str(csv_dir)), ("--fhir", str(fhir))):
        done = export(db, session, *target)
        assert done.returncode == 0, done.stdout + done.stderr
    files = [*sorted(csv_dir.iterdir()), fhir]
    assert len(files) >= 3
    identifiers = [PATIENT_ID, "4711", "Huber", "HUBER", NURSE, "Jane", "Doe", "Maria", "Josef",
                   "Alan Grant", "Grant", PORT, "SN12345", DEVICE_EUI64, "2026-03-02", "20260302"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.strip(), f"{path.name} is empty"
        found = [word for word in identifiers if word in text]
        assert not found, f"{path.name} still holds {found}"
    # The clinical content is still there: the values, with their units.
    observations = next(p for p in files if "observation" in p.name)
    assert "79" in observations.read_text(encoding="utf-8")
    # And a plain export, for contrast, does hold them (the test would notice a silent no-op).
    plain = export(db, session, "--fhir", str(tmp_path / "plain.json"), deidentify=False)
    assert plain.returncode == 0, plain.stderr
    assert PATIENT_ID in (tmp_path / "plain.json").read_text(encoding="utf-8")

"""R9: an acknowledged reading is on disk. The console is killed the instant a monitor reads its ACK.

A monitor that receives AA (or CA) stops resending: the GE B40 manual reads it as "committed to
safe storage" (shared/design/network.md). So the console may answer AA only after the message's
readings are committed to the log. Each try here: the console runs as its own process on a real
pseudo-terminal (resuming the same session after the first), the test plays the monitor, sends
one ORU^R01 with values and a measured time unique to the try, reads the pty until the ACK
arrives and SIGKILLs the console that instant; then the log must hold that message's readings.
30 tries in the fault run (`pytest -m faults`), 5 in the default run. (Before the fix the ACK was
written by the reader thread as soon as the message was decoded: 27 of 30 such kills lost it.)
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.clock import iso
from devices.simulator.encode import Hl7Encoder
from devices.simulator.physiology import Sample
from devices.simulator.player import PlayerStats, PtySink
from tests.faults.conftest import BIN, console_env, sql, wait_until

pytestmark = pytest.mark.faults

TRIES_FAULT_RUN = 30
TRIES_DEFAULT_RUN = 5
PATIENT = "MRN-R9-0001"
BASE = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def start_console(db: Path, port: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "infusion-console"), "--db", str(db), "--device", port, "--format", "hl7",
         "--protocol", "iv-ketamine", "--patient", PATIENT, "--weight", "70", "--nurse", "qa"],
        env=console_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def port_openings(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        return len(sql(db, "SELECT id FROM events WHERE kind = 'device_state' "
                           "AND detail LIKE '%\"connecting\"%'"))
    except Exception:  # noqa: BLE001 - the file may be mid-creation
        return 0


def read_until_ack(master: int, control_id: str, timeout: float = 10.0) -> bytes:
    """Read what the console writes back until the ACK answering `control_id` is complete."""
    got = b""
    pattern = re.compile(rb"MSA\|(A[AER])\|" + re.escape(control_id.encode()) + rb"\r")
    deadline = time.monotonic() + timeout
    while not pattern.search(got):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no ACK for {control_id} within {timeout:g} s; got {got!r}")
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            got += os.read(master, 4096)
    return got


def test_every_acknowledged_reading_survives_a_kill_at_the_ack(tmp_path: Path, fault_run: bool) -> None:
    tries = TRIES_FAULT_RUN if fault_run else TRIES_DEFAULT_RUN
    db = tmp_path / "log.sqlite3"
    sink = PtySink()
    encoder = Hl7Encoder()
    stats = PlayerStats()
    acked: list[tuple[datetime, int, int]] = []   # (measured time, heart rate, spo2)
    latencies: list[float] = []
    try:
        for i in range(tries):
            opened = port_openings(db)
            console = start_console(db, sink.path)
            try:
                wait_until(lambda: port_openings(db) > opened, 30, f"try {i}: the console opens the port")
                at = BASE + timedelta(seconds=i)
                heart, spo2 = 61 + i, 99 - i % 5
                frame = encoder.frame(Sample(float(i), heart, heart, 14, spo2, None), at, BASE)
                control_id = re.search(rb"\|(SIM\d+)\|P\|", frame).group(1).decode()   # type: ignore[union-attr]
                sent = time.monotonic()
                sink.write(frame, threading.Event(), stats)
                answer = read_until_ack(sink._master, control_id)
                console.send_signal(signal.SIGKILL)   # the instant the monitor has its answer
                latencies.append(time.monotonic() - sent)
            finally:
                if console.poll() is None:
                    console.kill()
                console.wait(10)
            assert f"MSA|AA|{control_id}".encode() in answer
            acked.append((at, heart, spo2))
            stored = sql(db, "SELECT metric, value FROM observations WHERE measured_at = ? "
                             "AND metric IN ('heart_rate', 'spo2')", (iso(at),))
            assert sorted(stored) == [("heart_rate", heart), ("spo2", spo2)], (
                f"try {i}: acknowledged {control_id} but the log lacks its readings")
    finally:
        sink.close()
    assert sql(db, "PRAGMA integrity_check") == [("ok",)]
    assert len(sql(db, "SELECT id FROM sessions")) == 1   # every restart resumed it
    latencies.sort()
    print(f"\nR9: {len(acked)} kills at the ACK, {len(acked)} acknowledged readings all in the log; "
          f"message written -> ACK read: median {latencies[len(latencies) // 2] * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms")


def test_a_message_sent_again_after_its_ack_was_lost_is_kept_once(tmp_path: Path) -> None:
    # The monitor did not get its AA (a glitch on the line, or the console killed between its
    # commit and its answer) and sends the same message again: AA again, the readings once.
    db = tmp_path / "log.sqlite3"
    sink = PtySink()
    encoder = Hl7Encoder()
    stats = PlayerStats()
    at = BASE + timedelta(minutes=5)
    frame = encoder.frame(Sample(1.0, 64, 64, 14, 95, None), at, BASE)
    control_id = re.search(rb"\|(SIM\d+)\|P\|", frame).group(1).decode()   # type: ignore[union-attr]
    try:
        for attempt in range(2):   # the first answer is lost with the killed console
            opened = port_openings(db)
            console = start_console(db, sink.path)
            try:
                wait_until(lambda: port_openings(db) > opened, 30, "the console opens the port")
                sink.write(frame, threading.Event(), stats)
                answer = read_until_ack(sink._master, control_id)
                assert f"MSA|AA|{control_id}".encode() in answer
                if attempt == 0:
                    console.send_signal(signal.SIGKILL)
                else:
                    sink.write(frame, threading.Event(), stats)   # and once more, to the same console
                    answer = read_until_ack(sink._master, control_id)
                    assert f"MSA|AA|{control_id}".encode() in answer
                    wait_until(lambda: len(sql(db, "SELECT id FROM events "
                                                   "WHERE kind = 'device_resent'")) == 2,
                               10, "the second resend logged")
            finally:
                if console.poll() is None:
                    console.kill()
                console.wait(10)
    finally:
        sink.close()
    stored = sql(db, "SELECT metric, value FROM observations WHERE measured_at = ? "
                     "ORDER BY metric", (iso(at),))
    assert stored == [("heart_rate", 64), ("pulse_rate", 64), ("resp_rate", 14), ("spo2", 95)]

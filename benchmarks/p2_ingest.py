"""P2, end-to-end ingest: the simulator writes HL7 as fast as it can into a real pseudo-terminal;
the console's own path reads, decodes, evaluates alarms and commits every reading to the log.

The path is the one the live window drives, without the window: `devices.simulator` plays the
`normal` scenario (PCD-01 over MLLP, one message per simulated second: HR, pulse rate, SpO2, RR,
and the latest NIBP with its own measured time) at an unbounded speed onto a pty;
`DeviceConnection` reads it on its worker thread (decoder, ACKs written back); the main thread
applies each `DeviceEvent` with `console.session.feed.apply` to a `SessionEngine` (alarms,
schedule) writing to an `EventLog` on a real file (WAL, synchronous=FULL). The clock is the
system clock, as in the console.

Figure: messages per second from the first byte written to the last message committed.
"None lost": the observations in the log equal what the bytes the simulator wrote say should be
there, counted by python-hl7's parser and not by the console's decoder under test (every numeric
OBX with a value, plus each distinct NIBP measurement once: the engine keeps a repeated NIBP
value with the same measured time once).

A flood is read in pieces of a few messages; what the reader decodes while the engine commits the
event before is held and handed over as one `DeviceEvent` once that commit is done (group commit,
devices/transport.py; at most `HELD_FRAMES_MAX` messages), so one transaction; each message's ACK
is written once that transaction is committed. The JSON says how many commits that made
(`commits`, `commits_per_s`, `messages_per_commit`, `commits_by_messages`): the figure is
messages, not commits.

Second row, in the same run: the same path fed by a monitor that sends each message only once
the one before is acknowledged, as an HL7 sender in original mode does
(`benchmarks.clinic_chair.Monitor.burst`, which P11's chairs use): one message a read, so one
commit and one ACK a message. Same figure (messages per second from the first byte to the last
message committed) and the same "none lost" (python-hl7's count of the bytes the monitor wrote);
it informs, P2's bar is the flood's, as the quality bar defines P2.
"""

from __future__ import annotations

import queue
import sqlite3
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hl7

from benchmarks.clinic_chair import Monitor
from benchmarks.common import PROTOCOL_FILE, Row
from console.clock import SystemClock
from console.session import feed
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from devices.simulator import start_in_thread
from devices.transport import ConnectionState, DeviceConnection, DeviceEvent, EventKind
from protocols.loader import load_protocol

DEFAULTS = {"messages": 6000, "ack_waiting_messages": 2000}
QUICK = {"messages": 600, "ack_waiting_messages": 200}
BAR = 1000.0
ANSWER_WAIT_S = 10.0   # after the last commit, for the device to read its last ACKs


NIBP_CODES = frozenset({"150021", "150022", "150023"})   # MDC_PRESS_BLD_NONINV_SYS/DIA/MEAN


def expected_rows(data: bytes) -> int:
    """Observations the log should hold for this MLLP byte stream (see the module docstring),
    counted without the console's decoder, so a decoder that loses readings cannot lower it:
    python-hl7 parses each frame; every numeric OBX with a value is one reading, and an NIBP
    row (same code, channel, value and measured time) is counted once, as the engine keeps it."""
    seen: set[tuple[str, str, str, str]] = set()
    count = 0
    for body in data.split(b"\x0b")[1:]:
        message, end, _ = body.partition(b"\x1c\x0d")
        if not end:
            continue   # a frame cut short: not a message the monitor sent whole
        for obx in hl7.parse(message.decode("utf-8")).segments("OBX"):
            if str(obx(2)) != "NM" or not str(obx(5)):
                continue
            code = str(obx(3)(1)(1))
            if code in NIBP_CODES:
                key = (code, str(obx(4)), str(obx(5)), str(obx(14)))
                if key in seen:
                    continue
                seen.add(key)
            count += 1
    return count


def ingest(port: str, messages: int, go: Callable[[], None], tmpdir: str | None,
           answered: Callable[[], bool] | None = None) -> dict[str, Any]:
    """The console's path on `port` until `messages` messages are committed (or 15 s pass
    without an event): a new log and session, straight to the infusion, then `go()` starts the
    device. Times from `go()` to the last message committed; counts the commits. With
    `answered`, the port stays open after the last commit until it holds (the device has its
    last ACKs) or ANSWER_WAIT_S pass: the ACKs follow each commit, and closing the port at once
    would take them from the device."""
    protocol = load_protocol(PROTOCOL_FILE)
    clock = SystemClock()
    per_commit: Counter[int] = Counter()   # messages in a commit: how many commits had so many
    with tempfile.TemporaryDirectory(prefix="bench-p2-", dir=tmpdir) as tmp:
        db = Path(tmp) / "log.sqlite3"
        log = EventLog.open(db, "bench")
        events: queue.Queue[DeviceEvent] = queue.Queue()
        conn = DeviceConnection(port, "hl7", events.put)
        applied = 0
        try:
            conn.start()
            first = events.get(timeout=10)
            if first.state is not ConnectionState.CONNECTING:
                raise RuntimeError(f"the port did not open: {first.detail}")
            now = clock.now()
            engine = SessionEngine.open(protocol, log, Patient("P-BENCH", 70.0), "bench", now)
            feed.apply(engine, first, now)
            # Straight to the infusion, as test_serial_to_log does: baseline-relative limits apply.
            engine.advance_phase("bench", now, override_reason="benchmark")
            start = time.perf_counter()
            go()
            end = start
            while applied < messages:
                try:
                    event = events.get(timeout=15)
                except queue.Empty:
                    break
                feed.apply(engine, event, clock.now())
                if event.kind is EventKind.DATA:   # one transaction
                    applied += event.frames
                    per_commit[event.frames] += 1
                    end = time.perf_counter()
            settle_by = time.monotonic() + ANSWER_WAIT_S
            while answered is not None and not answered() and time.monotonic() < settle_by:
                try:
                    event = events.get(timeout=0.05)
                except queue.Empty:
                    continue
                feed.apply(engine, event, clock.now())
        finally:
            conn.stop()
        stats = conn.stats
        log.close()
        with sqlite3.connect(db) as check:
            rows = check.execute(
                "SELECT count(*) FROM observations WHERE source LIKE 'hl7:%'").fetchone()[0]
            alarms = check.execute("SELECT count(*) FROM alarm_events").fetchone()[0]
            ok = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    elapsed = end - start
    commits = sum(per_commit.values())
    return {"messages_committed": applied, "rows_in_log": rows, "alarm_rows": alarms,
            "seconds": elapsed, "rate": applied / elapsed if elapsed > 0 else 0.0,
            "commits": commits, "commits_per_s": commits / elapsed if elapsed > 0 else 0.0,
            "messages_per_commit": applied / commits if commits else float("nan"),
            "commits_by_messages": {str(k): v for k, v in sorted(per_commit.items())},
            "reader_frames": stats.frames, "reader_dropped": stats.dropped,
            "bytes": stats.bytes_received, "acks_written": stats.replies_written,
            "integrity_ok": ok}


def run(params: dict[str, Any]) -> list[Row]:
    rows = [flood(int(params["messages"]), params.get("tmpdir"))]
    if int(params.get("ack_waiting_messages", 0)):   # 0 (or absent): the flood alone
        rows.append(ack_waiting(int(params["ack_waiting_messages"]), params.get("tmpdir")))
    return rows


def flood(messages: int, tmpdir: str | None) -> Row:
    """P2 as the quality bar defines it: the simulator writes as fast as it can."""
    handle = start_in_thread("normal", "hl7", 1e9, seed=1, autostart=False,
                             duration_minutes=messages / 60)
    timeline = handle.timeline
    assert timeline is not None
    frames_written = timeline.valid_frames()
    want_rows = expected_rows(timeline.data())
    stats = handle.stats
    try:
        got = ingest(handle.port_path, frames_written, handle.go, tmpdir,
                     answered=lambda: stats.acks + stats.naks >= frames_written)
    finally:
        handle.stop()
    rate = got.pop("rate")
    lost = want_rows - got["rows_in_log"]
    # "None lost" is the monitor's word too: every message answered AA after its commit, none
    # refused or sent again (the console's own count of replies written took AE and empty
    # answers alike, and a console that never answered had passed).
    complete = (got["messages_committed"] == frames_written and lost == 0
                and got["integrity_ok"] and stats.bytes_discarded == 0
                and stats.acks == frames_written and stats.naks == 0 and stats.resends == 0)
    return Row(
        id="P2", what="ingest: pty → decoder → engine → log", figure=rate, unit="msg/s",
        bar=f"≥ {BAR:,.0f} msg/s, none lost", passed=rate >= BAR and complete,
        details={"messages_written": frames_written, "rows_expected": want_rows,
                 "rows_lost": lost, **got,
                 "bytes_discarded_by_writer": stats.bytes_discarded,
                 "acks_received_by_monitor": stats.acks, "naks_received_by_monitor": stats.naks,
                 "resent_by_monitor": stats.resends, "none_lost": complete},
    )


def ack_waiting(messages: int, tmpdir: str | None) -> Row:
    """P2's path fed by a monitor that waits for each message's ACK before the next."""
    monitor = Monitor(keep_written=True)
    acked: list[int] = []
    sender = threading.Thread(
        target=lambda: acked.append(monitor.burst(messages, datetime.now(UTC).replace(
            microsecond=0))), name="p2-ack-waiting-monitor", daemon=True)
    try:
        got = ingest(monitor.path, messages, sender.start, tmpdir)
        sender.join(15)
    finally:
        monitor.close()
    rate = got.pop("rate")
    assert monitor.written is not None
    want_rows = expected_rows(bytes(monitor.written))
    lost = want_rows - got["rows_in_log"]
    complete = (acked == [messages] and got["messages_committed"] == messages and lost == 0
                and got["integrity_ok"])
    return Row(
        id="P2", case="sender waiting for each ACK",
        what="ingest, each message sent once the one before is acknowledged", figure=rate,
        unit="msg/s", bar="reference for P2's bar (a flood): none lost", passed=complete,
        details={"messages_sent": messages, "messages_acknowledged": acked[0] if acked else 0,
                 "rows_expected": want_rows, "rows_lost": lost, **got, "none_lost": complete},
    )

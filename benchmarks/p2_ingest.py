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
"""

from __future__ import annotations

import queue
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import hl7

from benchmarks.common import PROTOCOL_FILE, Row
from console.clock import SystemClock
from console.session import feed
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from devices.simulator import start_in_thread
from devices.transport import ConnectionState, DeviceConnection, DeviceEvent, EventKind
from protocols.loader import load_protocol

DEFAULTS = {"messages": 6000}
QUICK = {"messages": 600}
BAR = 1000.0


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


def run(params: dict[str, Any]) -> list[Row]:
    messages = int(params["messages"])
    protocol = load_protocol(PROTOCOL_FILE)
    clock = SystemClock()
    with tempfile.TemporaryDirectory(prefix="bench-p2-", dir=params.get("tmpdir")) as tmp:
        db = Path(tmp) / "log.sqlite3"
        log = EventLog.open(db, "bench")
        handle = start_in_thread("normal", "hl7", 1e9, seed=1, autostart=False,
                                 duration_minutes=messages / 60)
        timeline = handle.timeline
        assert timeline is not None
        frames_written = timeline.valid_frames()
        want_rows = expected_rows(timeline.data())
        events: queue.Queue[DeviceEvent] = queue.Queue()
        conn = DeviceConnection(handle.port_path, "hl7", events.put)
        applied = dropped = 0
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
            handle.go()
            end = start
            while applied < frames_written:
                try:
                    event = events.get(timeout=15)
                except queue.Empty:
                    break
                feed.apply(engine, event, clock.now())
                if event.kind is EventKind.DATA:
                    applied += event.frames
                    dropped += len(event.dropped)
                    end = time.perf_counter()
        finally:
            conn.stop()
            handle.stop()
        stats = conn.stats
        log.close()
        with sqlite3.connect(db) as check:
            rows = check.execute(
                "SELECT count(*) FROM observations WHERE source LIKE 'hl7:%'").fetchone()[0]
            alarms = check.execute("SELECT count(*) FROM alarm_events").fetchone()[0]
            ok = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    elapsed = end - start
    rate = applied / elapsed if elapsed > 0 else 0.0
    lost = want_rows - rows
    complete = applied == frames_written and lost == 0 and ok and handle.stats.bytes_discarded == 0
    return [Row(
        id="P2", what="ingest: pty → decoder → engine → log", figure=rate, unit="msg/s",
        bar=f"≥ {BAR:,.0f} msg/s, none lost", passed=rate >= BAR and complete,
        details={"messages_written": frames_written, "messages_committed": applied,
                 "rows_expected": want_rows, "rows_in_log": rows, "rows_lost": lost,
                 "alarm_rows": alarms, "seconds": elapsed, "reader_frames": stats.frames,
                 "reader_dropped": stats.dropped, "bytes": stats.bytes_received,
                 "acks_written": stats.replies_written,
                 "bytes_discarded_by_writer": handle.stats.bytes_discarded,
                 "integrity_ok": ok, "none_lost": complete},
    )]

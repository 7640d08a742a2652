"""P8, soak: an 8-hour session at 1 Hz through the real path, with the clock accelerated.

In this process, offscreen: the console's `MainWindow` opens a session (`open_session`, as the
start screen does) whose `SessionController` reads a device on a real pseudo-terminal; the whole
live window (tiles, trend plot, alarm bar, event list, audio to a recorder) redraws as it would.
A writer thread plays the simulator's `normal` scenario (its physiology and HL7 encoder, one
PCD-01 message per simulated second, NIBP every 5 minutes) onto the pty through `PtySink`.

The clock is a `ManualClock`, advanced by one second per message by the writer. The transport is
given the same clock for its stamps and its watchdog, so received times, alarm timers and the
trend's time axis all follow simulated time. The writer stays at most `window` messages ahead of
what the window has applied, so simulated time never runs ahead of the data by more than that.
The controller's own 2 Hz timer keeps ticking the engine in real time (so in simulated time it
ticks less often: every ~1-2 simulated minutes at the speeds reached here).

Resident memory (VmRSS) is sampled every 10 simulated minutes. Figure: the largest RSS after the
first hour minus the RSS at the end of the first hour. "No crash": the child process ended
normally, the console's FaultHandler (installed as the console installs it) took no fault, every
message was applied, the writer discarded no byte, and the log holds every reading the writer
encoded (counted from its samples: `ExpectedReadings`), no more, no less.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import PROTOCOL_FILE, NoAnswers, Row, peak_rss_mib, rss_mib
from devices.simulator.physiology import Sample

DEFAULTS = {"hours": 8.0, "warmup_hours": 1.0, "window": 8, "sample_minutes": 10}
QUICK = {"hours": 0.2, "warmup_hours": 0.05, "window": 8, "sample_minutes": 1}
BAR_MIB = 30.0


class ExpectedReadings:
    """The readings the log should hold for the samples the writer encoded, counted from the
    samples (not from the console's decoder): HR and RR each message, pulse rate and SpO2 while
    the probe is on (the HL7 encoder sends them empty, status X, when it is off), and each NIBP
    measurement once (the encoder repeats the latest in every message; the engine keeps it once)."""

    def __init__(self) -> None:
        self.count = 0
        self._nibp_seen: set[float] = set()

    def add(self, sample: Sample) -> None:
        self.count += 4 if sample.probe_on else 2
        if sample.nibp is not None and sample.nibp.t not in self._nibp_seen:
            self._nibp_seen.add(sample.nibp.t)
            self.count += 3   # systolic, diastolic, mean


def run(params: dict[str, Any]) -> list[Row]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtWidgets

    from benchmarks.console_faults import faults_seen, installed
    from console.clock import ManualClock
    from console.records import Recorder
    from console.session.engine import Patient, SessionEngine
    from console.store import EventLog
    from console.ui.audio import RecordingAudioOut
    from console.ui.gui_collector import collecting_on_this_thread
    from console.ui.main_window import MainWindow
    from devices.simulator.encode import Hl7Encoder
    from devices.simulator.physiology import Physiology
    from devices.simulator.player import PlayerStats, PtySink
    from devices.simulator.scenario import load_builtin
    from devices.transport import DeviceConnection
    from protocols.loader import LoadResult, load_protocol

    hours, warmup = float(params["hours"]), float(params["warmup_hours"])
    window_ahead, sample_every = int(params["window"]), float(params["sample_minutes"]) * 60
    seconds = int(hours * 3600)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    start = datetime.now(UTC).replace(microsecond=0)
    clock = ManualClock(start)
    tmp = tempfile.TemporaryDirectory(prefix="bench-p8-", dir=params.get("tmpdir"))
    db = Path(tmp.name) / "log.sqlite3"
    log = EventLog.open(db, "bench")
    protocol = load_protocol(PROTOCOL_FILE)
    loaded = LoadResult({protocol.id: protocol}, [])
    # As console.ui.app.run: a bug in a slot is the console's fault alarm, and no "no crash".
    faults = installed(Path(tmp.name))
    cleanups: list[Any] = [faults.uninstall]
    main = MainWindow(log, loaded, clock, RecordingAudioOut(), cleanups, NoAnswers(), NoAnswers(),
                      fault_handler=faults)
    main.show()
    sink = PtySink()

    def make(recorder: Recorder) -> SessionEngine:
        return SessionEngine.open(protocol, recorder, Patient("P-SOAK", 70.0), "bench",
                                  clock.now(), details={"device": sink.path, "format": "hl7"})

    live = main.open_session(make, None)
    controller = main.controller
    assert controller is not None
    # What `attach_device` does, with the benchmark's clock for the transport's stamps/watchdog.
    controller.connection = DeviceConnection(
        sink.path, "hl7", controller.device_event.emit,
        wall=lambda: clock.now().wall, monotonic=lambda: clock.now().mono)
    controller.connection.start()
    controller.advance_phase(override_reason="soak benchmark")

    applied = [0]
    progress = threading.Condition()

    @QtCore.Slot(object)
    def count(event: Any) -> None:
        with progress:
            applied[0] += event.frames
            progress.notify_all()

    controller.device_event.connect(count, QtCore.Qt.ConnectionType.QueuedConnection)

    scenario = load_builtin("normal")
    body = Physiology(scenario.baseline, scenario.ramps(), 1, scenario.nibp_interval_minutes * 60)
    encoder = Hl7Encoder()
    stats = PlayerStats()
    stop = threading.Event()
    samples: list[tuple[float, float, float]] = []   # (simulated hours, RSS MiB, real seconds)
    failure: list[str] = []
    expected = ExpectedReadings()

    class Done(QtCore.QObject):
        finished = QtCore.Signal()

    done = Done()
    loop = QtCore.QEventLoop()
    done.finished.connect(loop.quit)
    began = time.perf_counter()

    def write() -> None:
        try:
            samples.append((0.0, rss_mib(), 0.0))
            for n, sample in enumerate(body.samples(seconds), start=1):
                with progress:
                    if not progress.wait_for(lambda: applied[0] >= n - 1 - window_ahead, 30):
                        raise RuntimeError(f"message {n - 1 - window_ahead} not applied in 30 s")
                now = clock.advance(1.0)
                expected.add(sample)
                sink.write(encoder.frame(sample, now.wall, start), stop, stats)
                if n % sample_every == 0:
                    samples.append((n / 3600, rss_mib(), time.perf_counter() - began))
            with progress:
                if not progress.wait_for(lambda: applied[0] >= seconds, 30):
                    raise RuntimeError(f"only {applied[0]} of {seconds} messages applied")
        except Exception as exc:  # noqa: BLE001 - reported as the benchmark's failure
            failure.append(f"{type(exc).__name__}: {exc}")
        finally:
            done.finished.emit()

    writer = threading.Thread(target=write, name="p8-writer", daemon=True)
    writer.start()
    with collecting_on_this_thread():   # as the console's loop runs (console/ui/app.py)
        loop.exec()
    writer.join(10)
    elapsed = time.perf_counter() - began
    samples.append((applied[0] / 3600, rss_mib(), elapsed))
    trend_points = len(live.trend.curve_data("heart_rate", False)[0])
    controller.device_event.disconnect(count)
    main.close()
    for cleanup in reversed(cleanups):
        cleanup()
    stop.set()
    sink.close()
    app.processEvents()
    console_faults = faults_seen(faults)
    log.close()
    with sqlite3.connect(db) as check:
        rows = check.execute("SELECT count(*) FROM observations WHERE source LIKE 'hl7:%'").fetchone()[0]
        alarm_rows = check.execute("SELECT count(*) FROM alarm_events").fetchone()[0]
    tmp.cleanup()
    at_warmup = [rss for h, rss, _ in samples if h <= warmup + 1e-9][-1]
    after = [rss for h, rss, _ in samples if h > warmup + 1e-9] or [at_warmup]
    growth = max(after) - at_warmup
    complete = (not failure and not console_faults and applied[0] >= seconds
                and rows == expected.count and stats.bytes_discarded == 0)
    return [Row(
        id="P8", what=f"soak {hours:g} h: RSS growth after {warmup:g} h", figure=growth, unit="MiB",
        bar=f"no crash; growth ≤ {BAR_MIB:g} MB after the first hour",
        passed=complete and growth * 1.048576 <= BAR_MIB,
        details={"hours": hours, "warmup_hours": warmup, "messages_applied": applied[0],
                 "messages_expected": seconds, "rows_expected": expected.count,
                 "rows_in_log": rows, "alarm_rows": alarm_rows,
                 "real_seconds": elapsed, "speedup": seconds / elapsed if elapsed else None,
                 "rss_at_warmup_mib": at_warmup, "rss_max_after_mib": max(after),
                 "rss_final_mib": samples[-1][1], "peak_rss_mib": peak_rss_mib(),
                 "rss_samples": [(round(h, 3), round(r, 1), round(t, 1)) for h, r, t in samples],
                 "failure": (failure + console_faults or [""])[0], "trend_points": trend_points,
                 "console_faults": console_faults,
                 "writer_bytes_discarded": stats.bytes_discarded},
    )]

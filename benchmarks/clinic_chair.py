"""A headless chair: the console's real path from the monitor's bytes to the clinic bus, without
widgets, as its own process (issue 12: "the 20 chairs may be lighter processes than full windows,
but the alarm path measured must be the real console's").

    python -m benchmarks.clinic_chair --broker mqtt://127.0.0.1:1883 --chair chair-3 \\
        --db /tmp/chair-3.sqlite3 [--device PTY | --simulate normal --speed 1e9 --minutes 30] \\
        [--room "Room 3"] [--patient P-0003]

The path, piece by piece the console's own (console/ui/controller.py and
console/ui/network_bridge.py do the same with Qt timers and queued signals):

    DeviceConnection (devices/transport: reader thread, decoder, ACK after the commit)
      -> a queue -> this process's owner thread: console.session.feed.apply
      -> SessionEngine (alarms, schedule) on a real EventLog (WAL, synchronous=FULL)
      -> the log commits the records with their outbox rows (PcdComposer: PCD-01 / PCD-04)
      -> NetworkLink hands them to its bus client after the owner's turn (a burst's rows
         together, at most every HAND_OFF_GAP_S: the bridge's `later`), whose worker process
         runs paho (console/network/bus_process.py; QoS 1, in order) -> the broker.

The owner loop runs what the window's timers run: `engine.tick` every 500 ms (the controller's
TICK_MS), `link.pump()` every 500 ms and whenever a transport thread wakes it (the bridge's
PUMP_MS and `woke` signal; several wakes waiting are one pump here), the central station's
acknowledgements applied to the engine, the network alarm handed to the engine, the chair status
every 2 s and at once when the alarms change, the trend snapshot every 30 s (bus_topics periods).

Without `--broker` the same loop runs with no link: the console as it is without a network (P12's
peer). A chair started again on the same `--db` resumes the open session of its patient (as the
console does from the command line) and the link sends every outbox row without a delivery, in
order, with its control id.

`ClinicChair` is the same thing in-process (tests inject a ManualClock). `ChairProcess` starts
the command above and waits for its "ready" line; `Monitor` is a bedside monitor on a pty
written to by the caller (the simulator's PtySink and HL7 encoder).

Qt-free.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

if __package__ in (None, ""):   # `python benchmarks/clinic_chair.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import PROTOCOL_FILE, ROOT  # noqa: E402
from console.clock import Clock, Moment, SystemClock  # noqa: E402
from console.network import bus_topics as topics  # noqa: E402
from console.network.chair_status import TrendPoints, build_status, build_trend  # noqa: E402
from console.network.config import NetworkConfig  # noqa: E402
from console.network.link import LinkReport, NetworkLink  # noqa: E402
from console.network.pcd import Station  # noqa: E402
from console.records import SessionOpened  # noqa: E402
from console.session import feed  # noqa: E402
from console.session.engine import Patient, SessionEngine  # noqa: E402
from console.store import EventLog  # noqa: E402
from devices.simulator import SimulatorHandle, start_in_thread  # noqa: E402
from devices.simulator.encode import Hl7Encoder  # noqa: E402
from devices.simulator.physiology import Sample  # noqa: E402
from devices.simulator.player import PlayerStats, PtySink  # noqa: E402
from devices.transport import ConnectionState, DeviceConnection, DeviceEvent, EventKind  # noqa: E402
from protocols.loader import load_protocol  # noqa: E402

TICK_S = 0.5      # console/ui/controller.py TICK_MS
PUMP_S = 0.5      # console/ui/network_bridge.py PUMP_MS
NURSE = "bench nurse"
PROGRAM = "bench-chair"
SETTLE_S = 2.0    # Monitor.burst: at most this long for the answers to frames sent before it


class _Wake:
    """The link's news marker in the owner's queue (a transport thread has something)."""


_WAKE = _Wake()


class Deferred:
    """What a window's bridge defers, for a loop without Qt (and nothing to paint): `later` is
    the bridge's `link.later` (`run` after this turn, or `delay` s later, on time.monotonic()),
    `run_due` runs what is due, in order given."""

    def __init__(self) -> None:
        self.waiting: list[tuple[float, Callable[[], None]]] = []   # (due, run)

    def later(self, run: Callable[[], None], delay: float) -> None:
        self.waiting.append((time.monotonic() + delay, run))

    def next_due(self) -> float:
        """The earliest due time, or infinity."""
        return min((at for at, _ in self.waiting), default=float("inf"))

    def run_due(self, now: float) -> None:
        """Run what is due at `now`."""
        due = [run for at, run in self.waiting if at <= now]
        self.waiting = [(at, run) for at, run in self.waiting if at > now]
        for run in due:
            run()


def equipment_id(log: EventLog) -> str:
    """This console's id on the network, as console/ui/app.py `_equipment_id` makes it: the log
    file's own random id (meta.log_uid)."""
    row = log.conn.execute("SELECT value FROM meta WHERE key = 'log_uid'").fetchone()
    return f"infusion-console-{row[0] if row else 'unknown'}"


class ClinicChair:
    """One chair's console without widgets (see the module docstring).

    Use from one thread (the owner): `start`, then `step` in a loop, then `stop`.

    Args:
        db: the session log.
        config: the network settings; None: no network (the console alone).
        clock: the console's clock (SystemClock in the process; tests inject one).
        device: the monitor's port (a pty path), or None for none.
        simulate: play this built-in scenario on a pty of our own (the console's --demo way):
            (scenario, speed, minutes or None for the scenario's, start of the device clock).
        patient: the patient id (the session resumed when one is open for it).
    """

    def __init__(self, db: Path, config: NetworkConfig | None, clock: Clock, *,
                 device: str | None = None,
                 simulate: tuple[str, float, float | None, datetime] | None = None,
                 patient: str = "P-BENCH") -> None:
        self.clock = clock
        self.config = config
        self.patient = patient
        self.log = EventLog.open(db, PROGRAM)
        self.events: queue.SimpleQueue[DeviceEvent | _Wake] = queue.SimpleQueue()
        self.link: NetworkLink | None = None
        self._deferred = Deferred()   # the link's hand-offs (`later`)
        if config is not None and config.enabled:
            station = Station(equipment_id=equipment_id(self.log), equipment_id_type="UUID",
                              facility=config.facility, room=config.room, bed=config.chair)
            self.link = NetworkLink(config, self.log, clock, station=station, wake=self._wake)
            self.link.later = self._deferred.later
        self.simulator: SimulatorHandle | None = None
        if simulate is not None:
            scenario, speed, minutes, start = simulate
            self.simulator = start_in_thread(scenario, "hl7", speed, seed=1, autostart=False,
                                             start=start, duration_minutes=minutes)
            device = self.simulator.port_path
        self.device = device
        self.connection: DeviceConnection | None = None
        self.engine: SessionEngine | None = None
        self.applied = 0            # device events applied
        self.frames = 0             # monitor messages in them
        self.played_at: float | None = None      # perf_counter when the simulator began
        self.last_data_at: float | None = None   # perf_counter after the last data applied
        self.last_report: LinkReport | None = None
        self._next_tick = 0.0       # time.monotonic(): the timers are real time, as Qt's
        self._next_pump = 0.0
        self._next_status = 0.0     # the clock's mono, as the bridge's
        self._next_trend = 0.0
        self._trend: TrendPoints | None = None
        self._last_shape: object = None
        self._stopped = False

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open (or resume) the session, start the link and the device."""
        if self.link is not None:
            self.link.start()
        self.engine = self._open_engine()
        engine = self.engine
        engine.subscribe(self._on_committed)
        if self.link is not None:
            assert self.config is not None
            applied = [str(r.detail.get("command")) for _, r in self.log.events(engine.session_id)
                       if r.kind == "acknowledged_at_central"]
            self.link.session_opened(engine.session_id, engine.patient.patient_id, engine.demo,
                                     applied)
            engine.network_configured(self.config.describe(), self.config.quiet_room,
                                      self.clock.now())
        if self.device is not None:
            self.connection = DeviceConnection(self.device, "hl7", self.events.put)
            self.connection.start()
        self._next_status = self._next_trend = 0.0
        self.pump()
        self.tick()

    def _open_engine(self) -> SessionEngine:
        protocol = load_protocol(PROTOCOL_FILE)
        now = self.clock.now()
        left_open = [row for row in self.log.open_sessions()
                     if row.patient_id == self.patient and row.protocol_id == protocol.id]
        if left_open:
            # As MainWindow.resume: the same session carries on from its log.
            row = left_open[0]
            logged = self.log.observations(row.id)
            return SessionEngine.resume(
                protocol, self.log, row.id,
                SessionOpened(row.patient_id, row.protocol_id, row.protocol_version,
                              row.session_number, row.nurse, row.weight_kg, row.started_at,
                              row.demo, row.details),
                [r for _, r in logged], [r for _, r in self.log.events(row.id)],
                [r for _, r in self.log.alarm_events(row.id)], now, NURSE,
                observation_ids=[i for i, _ in logged])
        engine = SessionEngine.open(protocol, self.log, Patient(self.patient, 70.0), NURSE, now,
                                    details={"device": self.device or "", "format": "hl7"})
        # Straight to the infusion, as P2 does: the chair is mid-session.
        engine.advance_phase(NURSE, now, override_reason="benchmark: chair mid-session")
        return engine

    def stop(self) -> None:
        """A clean stop: the device, the link (offline status, pending sends), the log."""
        if self._stopped:
            return
        self._stopped = True
        if self.connection is not None:
            self.connection.stop()
        if self.simulator is not None:
            self.simulator.stop()
        if self.link is not None:
            self.link.stop(timeout=3.0)
        if self.engine is not None:
            self.engine.close(self.clock.now())
        self.log.close()

    # ---- the owner's turn --------------------------------------------------------------------

    def step(self, timeout: float) -> None:
        """Apply what the device sent, pump the link when woken, run the timers that are due;
        wait at most `timeout` real seconds for news."""
        due = min(self._next_tick, self._next_pump, self._deferred.next_due())
        wait = max(0.0, min(timeout, due - time.monotonic()))
        woke = False
        try:
            item: DeviceEvent | _Wake | None = self.events.get(timeout=wait)
        except queue.Empty:
            item = None
        while item is not None:
            if isinstance(item, _Wake):
                woke = True
            else:
                self._apply(item)
            try:
                item = self.events.get_nowait()
            except queue.Empty:
                item = None
        now = time.monotonic()
        self._deferred.run_due(now)
        if woke or now >= self._next_pump:
            self.pump()
        if now >= self._next_tick:
            self.tick()

    def run_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> float:
        """Step until `predicate` holds; AssertionError naming `what` after `timeout` s."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"chair: {what}: not within {timeout:g} s")
            self.step(0.02)
        return time.monotonic()

    def _apply(self, event: DeviceEvent) -> None:
        assert self.engine is not None
        if self.simulator is not None and event.state is ConnectionState.CONNECTING:
            self.played_at = time.perf_counter()
            self.simulator.go()   # pyserial empties the input when it opens: play once open
        feed.apply(self.engine, event, self.clock.now())
        self.applied += 1
        if event.kind is EventKind.DATA:
            self.frames += event.frames
            self.last_data_at = time.perf_counter()

    def tick(self) -> None:
        """The controller's tick (timers, prompts)."""
        self._next_tick = time.monotonic() + TICK_S
        if self.engine is not None:
            self.engine.tick(self.clock.now())
            self._on_changed()

    def pump(self) -> LinkReport | None:
        """The bridge's pump: deliveries, central commands, the network alarm, the status."""
        self._next_pump = time.monotonic() + PUMP_S
        if self.link is None:
            return None
        report = self.link.pump()
        self.last_report = report
        engine = self.engine
        if engine is not None:
            for command in report.commands:
                if command.session == engine.session_id:
                    engine.acknowledge_from_central(command.occurrence, command.by,
                                                    command.station, command.id,
                                                    self.clock.now())
            if report.judged:
                engine.network_status(report.problem, self.clock.now(), report.state)
        self._publish(self.clock.now())
        return report

    def _wake(self) -> None:   # any thread
        self.events.put(_WAKE)

    def _on_committed(self) -> None:
        self._on_changed()

    def _on_changed(self) -> None:
        """The bridge's `_on_session_changed`: publish at once when the alarms changed."""
        if self.link is None or self.engine is None:
            return
        shape = [(o.id, o.priority, o.state) for o in self.engine.alarms()]
        if shape != self._last_shape:
            self._last_shape = shape
            self._next_status = 0.0
            self._publish(self.clock.now())

    def _publish(self, now: Moment) -> None:
        """The bridge's `_publish`: the status every STATUS_PERIOD_S, the trend every
        TREND_PERIOD_S (the same builders, the same schedule)."""
        link, config, engine = self.link, self.config, self.engine
        if link is None or config is None:
            return
        if now.mono >= self._next_status:
            self._next_status = now.mono + topics.STATUS_PERIOD_S
            report = self.last_report
            link.publish_status(build_status(
                engine, now, chair=config.chair, room=config.room,
                patient_shown=config.patient_shown, audio="full",
                network="degraded" if report is not None and report.problem else "ok",
                seq=link.status_seq))
        if engine is not None and now.mono >= self._next_trend:
            self._next_trend = now.mono + topics.TREND_PERIOD_S
            if self._trend is None or self._trend.session_id != engine.session_id:
                self._trend = TrendPoints(engine.session_id)
            rows = self.log.observations(engine.session_id, after_id=self._trend.last_id)
            link.publish_trend(build_trend(config.chair, engine.session_id, now.wall,
                                           self._trend.add(rows)))


# ---- the process ---------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.clinic_chair",
                                description="A headless chair: the console's device-to-bus path.")
    p.add_argument("--broker", help="mqtt://host:port; absent: no network (the console alone)")
    p.add_argument("--chair", default="chair-1")
    p.add_argument("--room", default="")
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--device", help="the monitor's port (a pty path)")
    p.add_argument("--simulate", metavar="SCENARIO",
                   help="play a built-in scenario on a pty of our own instead of --device")
    p.add_argument("--speed", type=float, default=1.0, help="with --simulate")
    p.add_argument("--minutes", type=float, default=None, help="with --simulate: its length")
    p.add_argument("--device-clock-ago", type=float, default=0.0, metavar="S",
                   help="with --simulate: the device clock starts S seconds ago")
    p.add_argument("--patient", default="")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    config = None
    if args.broker:
        config = NetworkConfig(broker=args.broker, chair=args.chair, room=args.room or args.chair,
                               username=None, source="command line")
    simulate = None
    if args.simulate:
        start = (datetime.now(UTC) - timedelta(seconds=args.device_clock_ago)).replace(
            microsecond=0)
        simulate = (args.simulate, args.speed, args.minutes, start)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    chair = ClinicChair(args.db, config, SystemClock(), device=args.device, simulate=simulate,
                        patient=args.patient or f"P-{args.chair}")
    chair.start()
    assert chair.engine is not None
    print(json.dumps({"ready": True, "pid": os.getpid(), "chair": args.chair,
                      "session": chair.engine.session_id}), flush=True)
    try:
        while not stopping.is_set():
            chair.step(0.2)
    finally:
        chair.stop()
    return 0


# ---- for the benchmarks and tests: the process from outside, and its monitor ----------------


@dataclass
class ChairProcess:
    """A `python -m benchmarks.clinic_chair` child (see `start`)."""

    name: str
    db: Path
    args: list[str]
    proc: subprocess.Popen[str] | None = None
    session: int | None = None
    stderr_path: Path | None = None
    _stderr: IO[str] | None = field(default=None, repr=False)

    def start(self, timeout: float = 30.0) -> ChairProcess:
        """Start the chair and wait for its ready line (session open, link started)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.stderr_path = self.db.with_suffix(".stderr")
        self._stderr = open(self.stderr_path, "a", encoding="utf-8")  # noqa: SIM115 - kept
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.clinic_chair", "--chair", self.name,
             "--db", str(self.db), *self.args],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._stderr, text=True)
        ready: queue.SimpleQueue[str] = queue.SimpleQueue()
        stdout = self.proc.stdout
        assert stdout is not None

        def read() -> None:
            for line in stdout:
                ready.put(line)
            ready.put("")

        threading.Thread(target=read, name=f"{self.name}-stdout", daemon=True).start()
        try:
            line = ready.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise RuntimeError(f"{self.name} was not ready within {timeout:g} s: "
                               f"{self.stderr_tail()}") from None
        if not line:
            raise RuntimeError(f"{self.name} ended before it was ready: {self.stderr_tail()}")
        self.session = int(json.loads(line)["session"])
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stderr_tail(self) -> str:
        if self.stderr_path is None or not self.stderr_path.exists():
            return ""
        return "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-15:])

    def kill(self) -> None:
        """SIGKILL: the console vanishes (a crash, a power cut)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._close()

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM: a clean stop (offline status, pending sends within 3 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._close()
        return self.proc.returncode if self.proc is not None else None

    def _close(self) -> None:
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def chair_args(broker: str | None, device: str | None = None, room: str = "") -> list[str]:
    out: list[str] = []
    if broker:
        out += ["--broker", broker]
    if device:
        out += ["--device", device]
    if room:
        out += ["--room", room]
    return out


class Monitor:
    """A bedside monitor on a pty: HL7 PCD-01 frames over MLLP written when asked (thread-safe),
    the console's ACKs drained on every write (the simulator's PtySink and Hl7Encoder).
    `keep_written`: keep every byte written in `written` (P2 counts the readings they hold)."""

    def __init__(self, keep_written: bool = False) -> None:
        self.written: bytearray | None = bytearray() if keep_written else None
        self.sink = PtySink()
        self.path = self.sink.path
        self.encoder = Hl7Encoder()
        self.stats = PlayerStats()
        self.start_wall = datetime.now(UTC).replace(microsecond=0)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._n = 0
        self.spo2 = 97
        self.heart_rate = 72
        self.resp_rate = 15

    def frame(self, spo2: int | None = None, at: datetime | None = None) -> bytes:
        self._n += 1
        sample = Sample(float(self._n), self.heart_rate, self.heart_rate, self.resp_rate,
                        self.spo2 if spo2 is None else spo2, None)
        return self.encoder.frame(sample, at or datetime.now(UTC), self.start_wall)

    def send(self, spo2: int | None = None) -> float:
        """Write one frame (the current values, or this SpO2); the time.monotonic() of its last
        byte written (comparable across processes: CLOCK_MONOTONIC)."""
        with self._lock:
            self._write(self.frame(spo2))
            return time.monotonic()

    def _write(self, data: bytes) -> None:
        if self.written is not None:
            self.written += data
        self.sink.write(data, self._stop, self.stats)

    def burst(self, count: int, first_at: datetime, ack_timeout: float = 10.0) -> int:
        """Send `count` frames stamped one second apart from `first_at`, each once the console
        acknowledged the one before (an HL7 sender waiting for its ACK): as fast as the console
        commits them, one message per commit. Returns how many were acknowledged.

        "The one before" includes the last frame sent at 1 Hz: its ACK may still be on its way,
        and read during the first burst frame's write it passed for that frame's own (the console
        then read two burst frames at once: one commit, one PCD-01 for two messages; P11 came
        one message short). So the burst first waits, at most `SETTLE_S`, until every frame sent
        so far is answered (frames written before the console opened its port are never
        answered: pyserial empties the input when it opens one)."""
        with self._lock:
            deadline = time.monotonic() + SETTLE_S
            while self.stats.acks < self._n and time.monotonic() < deadline:
                self.sink.wait(0.05, self.stats)
        acked = 0
        for i in range(count):
            with self._lock:
                before = self.stats.acks
                self._write(self.frame(at=first_at + timedelta(seconds=i)))
                deadline = time.monotonic() + ack_timeout
                while self.stats.acks <= before and time.monotonic() < deadline:
                    self.sink.wait(0.05, self.stats)
                if self.stats.acks <= before:
                    return acked
                acked += 1
        return acked

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self.sink.close()


class Monitors:
    """One Monitor per chair, each sending a frame of its current values every `period_s`
    (staggered), from one background thread."""

    def __init__(self, names: list[str], period_s: float = 1.0) -> None:
        self.by_name = {name: Monitor() for name in names}
        self.period_s = period_s
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="monitors", daemon=True)
        self.paused: set[str] = set()

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        names = list(self.by_name)
        step = self.period_s / max(1, len(names))
        i = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            name = names[i % len(names)]
            if name not in self.paused:
                try:
                    self.by_name[name].send()
                except OSError as exc:
                    self.errors.append(f"{name}: {exc}")
            i += 1
            next_at += step
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        for monitor in self.by_name.values():
            monitor.close()


def chair_rows(db: Path, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a query on a chair's log through a read-only connection of our own."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


if __name__ == "__main__":
    raise SystemExit(main())

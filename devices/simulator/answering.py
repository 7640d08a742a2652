"""A simulated monitor that must be asked: it answers the console's queries and polls.

Polled HL7 monitors (Philips Efficia CM, Dräger and Mindray gateways) and Philips IntelliVue send
nothing unasked. Here a scenario's physiology runs in scenario time (real time × speed, one sample
a second as for the pushing formats) and a responder (`devices.simulator.polled_monitor`,
`devices.simulator.intellivue_monitor`) answers whatever the console writes with the values of the
current second. The port is what the device's shipped profile (devices/profiles/*.toml) names as
its `connection`, so the console opens it as it opens the real device: `serial`, a pseudo-terminal
behind a stable symlink (exactly as `PtySink`); `tcp`, a loopback TCP server the console opens as
`socket://127.0.0.1:PORT` (the gateways, a Mindray bedside); `udp`, a loopback UDP socket
(IntelliVue over the LAN: each datagram is one message, answered to the address it came from).
A gateway is still served on a pty when asked (`connection="serial"`), for a reader of a port path.

Scenario faults that are about bytes on a line (garbage, truncated frames) cannot be played here,
and a scenario with them is refused (`scenario.check_playable`); `disconnect` steps are played:
the device stops answering for their duration, which the console must show as "no data"
(device_stale) after its profile's watchdog, so a scenario expecting device_lost is refused too.
Everything else a scenario says (its ramps, NIBP cycle and duration) holds, but a `probe_off`
step: these devices cannot send one yet, so a scenario with it is refused before a port opens
(`scenario.check_playable`), never played without. So is a vital on a second channel
(`[second_channel]`) but capnography's airway RR on an IntelliVue (`SECOND_CHANNEL_FORMATS`).
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from devices.simulator.encode import DEFAULT_IDENTITY, DeviceIdentity
from devices.simulator.physiology import Physiology, Sample, with_second_channels
from devices.simulator.scenario import Scenario, check_playable, load_builtin
from devices.simulator.sinks import POLL_SECONDS, PlayerStats, PtySink, StallRule

log = logging.getLogger(__name__)

ANSWERING_FORMATS = ("philips-efficia", "draeger-gateway", "mindray-gateway", "intellivue",
                     "intellivue-lan", "mindray-bedside")
"""What `infusion-sim --format` accepts for a device that must be asked."""
CONNECTIONS: dict[str, tuple[str, ...]] = {
    "philips-efficia": ("serial",),
    "draeger-gateway": ("tcp", "serial"),
    "mindray-gateway": ("tcp", "serial"),
    "intellivue": ("serial",),
    "intellivue-lan": ("udp",),
    "mindray-bedside": ("tcp",),
}
"""The connections (a device profile's `connection` values) each asked device is served on; the
first, the default, is its shipped profile's. `serial` is a pseudo-terminal."""


def connection_for(fmt: str, connection: str | None = None) -> str:
    """The connection to serve `fmt` on: `connection`, or the one its shipped profile names.

    Raises:
        ValueError: `fmt` is not served on `connection` (the message names what it is served on).
    """
    served = CONNECTIONS.get(fmt)
    if served is None:
        raise ValueError(f"unknown answering device {fmt!r}; known: {', '.join(ANSWERING_FORMATS)}")
    if connection is None:
        return served[0]
    if connection not in served:
        names = [f"{c} (a pty)" if c == "serial" else c for c in served]
        raise ValueError(f"{fmt} is served over {' or '.join(names)}, not {connection}")
    return connection


class ClockOverflow(Exception):
    """The device's clock, run at `--speed`, went past what a message can carry (the year 9999):
    a limit of the command, said in one line, not a bug."""


def _device_time(t0_wall: datetime, t: float, speed: float, elapsed: float) -> datetime:
    """The device's clock `t` scenario seconds after `t0_wall`.

    Raises:
        ClockOverflow: past the year 9999 (x1e9 for five minutes: an OverflowError traceback).
    """
    try:
        return t0_wall + timedelta(seconds=t)
    except OverflowError:
        raise ClockOverflow(
            f"at x{speed:g} the device's clock passed the year {datetime.max.year}, the last a "
            f"message can carry, {elapsed:.0f} s into the run: give a lower --speed") from None


class Responder(Protocol):
    """The device's side of the conversation: bytes from the console in, its answers out, each
    one write (on UDP one datagram: an IntelliVue association request is owed two)."""

    def answer(self, data: bytes, sample: Sample, at: datetime) -> list[bytes]: ...


def new_responder(fmt: str, bed: str = "", start: datetime | None = None,
                  identity: DeviceIdentity = DEFAULT_IDENTITY) -> Responder:
    """The responder for one of `ANSWERING_FORMATS`, a device that says it is `identity`.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if fmt in ("intellivue", "intellivue-lan"):
        return _IntelliVue(fmt == "intellivue-lan", identity)
    if fmt in ("philips-efficia", "draeger-gateway", "mindray-gateway"):
        return _Polled(fmt, bed, start, identity)
    if fmt == "mindray-bedside":
        from devices.simulator.mindray_bedside_monitor import MindrayBedsideMonitor

        return MindrayBedsideMonitor(identity=identity)
    raise ValueError(f"unknown answering device {fmt!r}; known: {', '.join(ANSWERING_FORMATS)}")


class _IntelliVue:
    """An IntelliVue: on the LAN every datagram owed, on a serial line one write of frames."""

    def __init__(self, lan: bool, identity: DeviceIdentity) -> None:
        from devices.simulator.intellivue_monitor import IntelliVueMonitor

        self._monitor = IntelliVueMonitor(lan=lan, identity=identity)
        self._lan = lan

    def answer(self, data: bytes, sample: Sample, at: datetime) -> list[bytes]:
        if self._lan:
            return self._monitor.on_datagram(data, sample, at)
        out = self._monitor.on_bytes(data, sample, at)
        return [out] if out else []


class _Polled:
    """A polled HL7 monitor or gateway; its NIBP times count from the scenario's start.

    `start`: the device clock at the scenario's start. Without it, it is taken from the first
    poll and kept: worked out at each poll (the poll's time less its sample's whole second) it
    moved by the fraction of a second, and one cuff measurement was reported with a new time at
    every poll, logged up to 60 times (the QA audit)."""

    def __init__(self, flavour: str, bed: str, start: datetime | None,
                 identity: DeviceIdentity) -> None:
        from devices.simulator.polled_monitor import PolledMonitor

        self._monitor = PolledMonitor(flavour, bed=bed, identity=identity)
        self._start = start

    def answer(self, data: bytes, sample: Sample, at: datetime) -> list[bytes]:
        if self._start is None:
            self._start = at - timedelta(seconds=sample.t)
        out = self._monitor.on_bytes(data, sample, at, self._start)
        return [out] if out else []


class _Port(Protocol):
    """The device's port: `send` writes one answer now, leaving its rest unsent once `stop` is
    set (a port whose send cannot be held up ignores it)."""

    path: str

    def receive(self, timeout: float) -> bytes: ...

    def send(self, data: bytes, stop: threading.Event) -> None: ...

    def close(self) -> None: ...


class _PtyPort:
    """The device end of a pty pair behind a symlink (see `PtySink`)."""

    def __init__(self) -> None:
        self._sink = PtySink()
        self.path = self._sink.path

    def receive(self, timeout: float) -> bytes:
        return self._sink.receive(timeout)

    def send(self, data: bytes, stop: threading.Event) -> None:
        self._sink.send(data, stop)   # bounded by PtySink's own stall limit, and the stop

    def close(self) -> None:
        self._sink.close()


class _UdpPort:
    """A loopback UDP socket; answers go to whoever spoke last."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        host, port = self._sock.getsockname()
        self.path = f"udp://{host}:{port}"
        self._peer: tuple[str, int] | None = None

    def receive(self, timeout: float) -> bytes:
        readable, _, _ = select.select([self._sock], [], [], timeout)
        if not readable:
            return b""
        data, self._peer = self._sock.recvfrom(65535)
        return data

    def send(self, data: bytes, stop: threading.Event) -> None:
        if self._peer is not None and data:
            self._sock.sendto(data, self._peer)

    def close(self) -> None:
        self._sock.close()


class _TcpPort(StallRule):
    """A loopback TCP server, one client at a time (a gateway's or a Mindray bedside monitor's
    HL7 port): the console opens it as `socket://127.0.0.1:PORT`, exactly as it opens a real
    one.

    Answers are sent under the sinks' stall rule (`SocketSink`), never with a blocking
    `sendall`: a console that kept the connection open but stopped reading held the device's
    thread in it for good, and `AnsweringHandle.stop` with it.

    Args:
        monotonic: the clock the stall limit runs on.
    """

    _REPLY_EVENTS = 0   # the console's next question waits for `receive`: none is drained here

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(monotonic)
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(1)
        host, port = self._server.getsockname()
        self.path = f"socket://{host}:{port}"
        self._client: socket.socket | None = None
        self._stats = PlayerStats()   # what `_write_turn` counts; nobody reads it here

    def receive(self, timeout: float) -> bytes:
        if self._client is None:
            readable, _, _ = select.select([self._server], [], [], timeout)
            if readable:
                self._client, _ = self._server.accept()
                self._client.setblocking(False)
                self._stalled = False   # a new console: it has not stopped reading yet
            return b""
        readable, _, _ = select.select([self._client], [], [], timeout)
        if not readable:
            return b""
        try:
            data = self._client.recv(65536)
        except OSError:
            data = b""
        if not data:   # the console hung up: wait for the next connection
            self._drop_client()
        return data

    def send(self, data: bytes, stop: threading.Event) -> None:
        """Send an answer while the console takes bytes; the rest is dropped once it has taken
        nothing for STALL_LIMIT_SECONDS (a warning, once), and later answers do not wait for it
        until it takes bytes again. A stop or a console gone leaves the rest unsent."""
        if self._client is None or not data:
            return
        try:   # the console's patience runs from this answer
            self._write_from_now(memoryview(data), stop, self._stats)
        except OSError:
            self._drop_client()

    def _poll(self, seconds: float, writing: bool = False) -> int:
        """The client's poll events after waiting up to `seconds` for room to write (0 on a
        time-out). Not for a question: one waiting would end every wait at once."""
        assert self._client is not None
        poller = select.poll()
        poller.register(self._client, select.POLLOUT)
        ready = poller.poll(max(0.0, seconds) * 1000)
        return ready[0][1] if ready else 0

    def _put(self, view: memoryview) -> int:
        """Send what the socket takes now of `view`; 0 when it takes nothing."""
        assert self._client is not None
        try:
            return self._client.send(view[:65536])
        except BlockingIOError:
            return 0

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def close(self) -> None:
        self._drop_client()
        self._server.close()


def _open_port(connection: str, monotonic: Callable[[], float]) -> _Port:
    """The port for one of `CONNECTIONS`' values; a TCP port's stall limit runs on `monotonic`."""
    if connection == "tcp":
        return _TcpPort(monotonic)
    if connection == "udp":
        return _UdpPort()
    return _PtyPort()


@dataclass
class AnsweringHandle:
    """A simulated asked device running in a background thread.

    Attributes:
        port_path: what the console opens (the pty symlink, `socket://127.0.0.1:PORT` or
            `udp://127.0.0.1:PORT`).
        finished: set when the scenario's duration has passed (the device keeps answering
            with the last second's values until stopped) or the thread failed.
        questions: how many times the console wrote to the device.
        answers: how many answers the device wrote back (over TCP: or dropped, the console
            having taken nothing for STALL_LIMIT_SECONDS).
        error: the exception that ended the thread, if one did.
    """

    port_path: str
    finished: threading.Event = field(default_factory=threading.Event)
    questions: int = 0
    answers: int = 0
    error: BaseException | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def stop(self, timeout: float = 3.0) -> bool:
        """Stop answering and close the port; True when the thread has ended."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True


def answer_in_thread(scenario: Scenario | str = "normal", fmt: str = "intellivue",
                     speed: float = 1.0, seed: int = 1, *, bed: str = "",
                     start: datetime | None = None,
                     monotonic: Callable[[], float] = time.monotonic,
                     duration_minutes: float | None = None,
                     connection: str | None = None,
                     identity: DeviceIdentity = DEFAULT_IDENTITY) -> AnsweringHandle:
    """Run a device that answers queries or polls, with a scenario's values, in a thread.

    Args:
        scenario: a loaded scenario or the name of a built-in one.
        fmt: one of `ANSWERING_FORMATS`.
        speed: scenario seconds per real second.
        seed: physiology seed (same seed, same values).
        bed: the bed a gateway reports (Mindray: an IPv4 address); a second bed is added.
        start: the device clock at t = 0; default now (UTC, whole seconds).
        monotonic: the clock scenario time is read from, and a TCP port's stall limit runs on.
        duration_minutes: overrides the scenario's duration (steps after the end are skipped;
            `scenario.check_duration` refuses that for a QA's `--duration-minutes`).
        connection: `serial` (a pty), `tcp` or `udp` (loopback), one of `CONNECTIONS[fmt]`;
            default: its shipped profile's.
        identity: who the device says it is (default: the library's fixed one; `infusion-sim`
            is another monitor each run).

    Raises:
        ValueError: a speed or duration not > 0, an unknown format, or a connection the device
            is not served on.
        ScenarioError: a step these devices cannot play (`probe_off`, a byte fault), or a
            device_lost they cannot cause.
    """
    served_on = connection_for(fmt, connection)
    if speed <= 0:
        raise ValueError(f"speed must be > 0, got {speed:g}")
    chosen = load_builtin(scenario) if isinstance(scenario, str) else scenario
    check_playable(chosen, fmt)
    duration_s = (duration_minutes if duration_minutes is not None else chosen.duration_minutes) * 60
    if duration_s <= 0:
        raise ValueError(f"duration must be > 0 minutes, got {duration_s / 60:g}")
    t0_wall = start or datetime.now(UTC).replace(microsecond=0)
    responder = new_responder(fmt, bed, t0_wall, identity)
    port = _open_port(served_on, monotonic)
    body = Physiology(chosen.baseline, chosen.ramps(), seed, chosen.nibp_interval_minutes * 60)
    samples = [with_second_channels(sample, chosen.second_channels)
               for sample in body.samples(duration_s)]
    silences = [(s.at_s, s.at_s + s.seconds) for s in chosen.steps
                if s.action == "disconnect" and s.at_s < duration_s]
    handle = AnsweringHandle(port.path)

    def run() -> None:
        t0 = monotonic()
        try:
            while not handle._stop.is_set():
                t = (monotonic() - t0) * speed
                if t >= duration_s:
                    handle.finished.set()
                data = port.receive(POLL_SECONDS)
                if not data:
                    continue
                handle.questions += 1
                if any(a <= t < b for a, b in silences):
                    continue   # the device is away: it hears nothing and says nothing
                at = _device_time(t0_wall, t, speed, monotonic() - t0)   # before int(t): inf
                sample = samples[min(int(t), len(samples) - 1)]
                for answer in responder.answer(data, sample, at):
                    port.send(answer, handle._stop)
                    handle.answers += 1
        except ClockOverflow as exc:
            handle.error = exc
        except Exception as exc:  # noqa: BLE001 - reported through the handle, never lost
            log.exception("answering simulator failed")
            handle.error = exc
        finally:
            handle.finished.set()
            port.close()

    handle._thread = threading.Thread(target=run, name="answering-simulator", daemon=True)
    handle._thread.start()
    return handle

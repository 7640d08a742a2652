"""UdpPort on the loopback interface with real sockets: one datagram per read, filtering by
the monitor's address, timeouts, cancel_read, and LAN discovery with a real Connect Indication.

Sockets use ephemeral ports; nothing sleeps (waits are bounded by short timeouts).
"""

from __future__ import annotations

import queue
import select
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices.formats import FormatSpec
from devices.intellivue.decoder import IntelliVueDecoder, Phase
from devices.simulator.intellivue_monitor import IntelliVueMonitor, MonitorPhase
from devices.simulator.physiology import Nibp, Sample
from devices.transport import ConnectionState, DeviceConnection, DeviceEvent
from devices.udp_port import ConnectListener, UdpPort, parse_udp_url
from tests.devices.test_intellivue_samples import LAN, load_sections

LOOPBACK = "127.0.0.1"
OTHER_LOOPBACK = "127.0.0.2"   # also loopback on Linux, but another address


@pytest.fixture
def monitor_socket() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((LOOPBACK, 0))
    sock.settimeout(2.0)
    yield sock
    sock.close()


@pytest.fixture
def port(monitor_socket: socket.socket) -> Iterator[UdpPort]:
    udp = UdpPort(f"udp://{LOOPBACK}:{monitor_socket.getsockname()[1]}")
    udp.timeout = 0.05
    udp.open()
    yield udp
    udp.close()


def _local(port: UdpPort) -> tuple[str, int]:
    assert port._sock is not None
    return LOOPBACK, int(port._sock.getsockname()[1])


def test_url_parsing() -> None:
    assert parse_udp_url("udp://192.0.2.10:24105") == ("192.0.2.10", 24105, 0)
    assert parse_udp_url("udp://monitor-3") == ("monitor-3", 24105, 0)
    assert parse_udp_url("udp://192.0.2.10:24105?local_port=24106") == ("192.0.2.10", 24105,
                                                                        24106)
    for bad, why in (("socket://h:1", "not a UDP address"), ("udp://:24105", "not a UDP"),
                     ("udp://h:99999", "udp://h:99999"), ("udp://h:1?speed=2", "unknown option"),
                     ("udp://h:1?local_port=70000", "outside 0-65535")):
        with pytest.raises(ValueError, match=why):
            parse_udp_url(bad)


def test_serial_like_attributes_and_lifecycle(monitor_socket: socket.socket) -> None:
    udp = UdpPort(f"udp://{LOOPBACK}:{monitor_socket.getsockname()[1]}")
    # The transport sets these before open(); they are accepted and ignored (but timeout).
    udp.baudrate, udp.bytesize, udp.parity, udp.stopbits = 115200, 8, "N", 1
    udp.timeout, udp.write_timeout = 0.01, 1.0
    assert not udp.is_open
    with pytest.raises(OSError, match="not open"):
        udp.read(1)
    udp.open()
    assert udp.is_open and udp.in_waiting == 0
    assert udp.peer == (LOOPBACK, monitor_socket.getsockname()[1])
    udp.close()
    udp.close()   # idempotent
    assert not udp.is_open


def test_write_sends_one_datagram_and_empty_writes_nothing(port: UdpPort,
                                                           monitor_socket: socket.socket) -> None:
    assert port.write(b"") == 0
    assert port.write(b"\xe1\x00association") == 13
    data, sender = monitor_socket.recvfrom(2048)
    assert data == b"\xe1\x00association" and sender == _local(port)


def test_read_returns_whole_datagrams_one_at_a_time(port: UdpPort,
                                                    monitor_socket: socket.socket) -> None:
    big = bytes(range(256)) * 5
    monitor_socket.sendto(big, _local(port))
    monitor_socket.sendto(b"second", _local(port))
    port.timeout = 1.0
    assert port.read(1) == big          # n is ignored: never a piece of a datagram
    assert port.in_waiting == 0
    assert port.read(1) == b"second"
    port.timeout = 0.02
    assert port.read(1) == b""          # nothing more: b"" after the timeout


def test_datagrams_from_another_address_are_ignored(port: UdpPort,
                                                   monitor_socket: socket.socket) -> None:
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        stranger.bind((OTHER_LOOPBACK, 0))
    except OSError:
        stranger.close()
        pytest.skip("127.0.0.2 is not usable here")
    try:
        stranger.sendto(b"not the monitor", _local(port))
        monitor_socket.sendto(b"the monitor", _local(port))
        port.timeout = 1.0
        assert port.read(1) == b"the monitor"
    finally:
        stranger.close()


def test_cancel_read_ends_a_waiting_read(port: UdpPort) -> None:
    port.timeout = 5.0
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(port.read(1)))
    reader.start()
    port.cancel_read()
    reader.join(2.0)
    assert not reader.is_alive() and got == [b""]


def test_conversation_over_real_udp(port: UdpPort, monitor_socket: socket.socket) -> None:
    """The decoder and the simulated monitor, each behind a real UDP socket."""
    decoder = IntelliVueDecoder("udp", lan=True)
    monitor = IntelliVueMonitor(lan=True)
    sample = Sample(40.0, 72, 71, 15, 97, Nibp(30.0, 121, 79, 93))
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    readings = []
    port.timeout = 0.2
    for turn in range(20):
        request = decoder.outgoing(turn * 0.1, at)
        back = b""
        if request:
            port.write(request)
            data, sender = monitor_socket.recvfrom(65535)
            back = monitor.on_bytes(data, sample, at)
        while back:
            monitor_socket.sendto(back, sender)
            back = monitor.on_bytes(b"", sample, at)
        while True:
            datagram = port.read(1)
            if not datagram:
                break
            result = decoder.feed(datagram, at)
            readings.extend(result.readings)
            for reply in result.replies:
                port.write(reply.now)
                monitor.on_bytes(monitor_socket.recvfrom(65535)[0], sample, at)
            port.timeout = 0.02
    assert decoder.phase is Phase.POLLING
    assert {r.metric: r.value for r in readings}["heart_rate"] == 72


def test_connect_listener_finds_a_real_connect_indication(samples_dir: Path) -> None:
    payload = load_sections(samples_dir / LAN)["MESSAGE 1"]
    with ConnectListener(port=0, host=LOOPBACK, join_multicast=False) as listener:
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sender.sendto(b"not a connect indication", (LOOPBACK, listener.port))
            sender.sendto(payload, (LOOPBACK, listener.port))
        finally:
            sender.close()
        found = listener.wait(2.0)
    assert found is not None
    assert (found.ip, found.data_port, found.model) == ("10.13.37.2", 24105, "Philips M8007A")


def test_connect_listener_times_out() -> None:
    with ConnectListener(port=0, host=LOOPBACK, join_multicast=False) as listener:
        assert listener.wait(0.05) is None


def test_transport_converses_with_a_simulated_monitor_over_udp(
        stoppers: list[Callable[[], object]]) -> None:
    """DeviceConnection + UdpPort + IntelliVueDecoder against IntelliVueMonitor on loopback UDP:
    associated, polled, readings delivered, and released on stop."""
    monitor = IntelliVueMonitor(lan=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((LOOPBACK, 0))
    done = threading.Event()
    sample = Sample(40.0, 72, 71, 15, 97, Nibp(30.0, 121, 79, 93))

    def serve() -> None:
        while not done.is_set():
            ready, _, _ = select.select([sock], [], [], 0.05)
            if ready:
                data, sender = sock.recvfrom(65535)
                for datagram in monitor.on_datagram(data, sample, datetime.now(UTC)):
                    sock.sendto(datagram, sender)

    thread = threading.Thread(target=serve, name="device-simulator-intellivue-udp", daemon=True)
    thread.start()

    def stop_monitor() -> None:
        done.set()
        thread.join(2.0)
        sock.close()

    stoppers.append(stop_monitor)
    fmt = FormatSpec("intellivue-lan", "IntelliVue over UDP",
                     lambda hint, nibp: IntelliVueDecoder(hint, lan=True, unplaced=nibp))
    events: queue.Queue[DeviceEvent] = queue.Queue()
    conn = DeviceConnection(f"udp://{LOOPBACK}:{sock.getsockname()[1]}", fmt, events.put,
                            serial_factory=UdpPort)
    conn.start()
    stoppers.append(conn.stop)
    seen: dict[str, float] = {}
    states = []
    while "bp_mean" not in seen:
        event = events.get(timeout=10)
        states.append(event.state)
        seen.update({r.metric: r.value for r in event.readings})
    assert seen == {"heart_rate": 72, "pulse_rate": 71, "spo2": 97, "resp_rate": 15,
                    "bp_systolic": 121, "bp_diastolic": 79, "bp_mean": 93}
    assert ConnectionState.CONNECTED in states and conn.state is ConnectionState.CONNECTED
    # Stop: the release request goes out before the socket closes; the monitor hears it.
    assert conn.stop()
    deadline = threading.Event()
    for _ in range(40):
        if monitor.phase is MonitorPhase.IDLE:
            break
        deadline.wait(0.05)
    assert monitor.phase is MonitorPhase.IDLE

"""The network tests' own tools can fail: a broker's port taken by another process, a TCP relay's
threads and sockets at its end, a relay a test left open (tests/mosquitto.py, tests/tcp_relay.py).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.mosquitto
from tests.mosquitto import Broker, PortTaken
from tests.tcp_relay import TcpRelay, close_left_open, relay_threads


@pytest.fixture
def squatter() -> Iterator[int]:
    """A loopback port another process listens on (here: this one, not mosquitto)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


def test_a_broker_whose_port_was_taken_before_it_bound_starts_on_a_fresh_one(
        tmp_path: Path, squatter: int, monkeypatch: pytest.MonkeyPatch) -> None:
    picks = iter([squatter])
    free = tests.mosquitto.free_port
    # The first port picked free is taken before mosquitto binds it: the squatter accepts on it,
    # so only the broker's own log tells that it never listened.
    monkeypatch.setattr(tests.mosquitto, "free_port", lambda: next(picks, None) or free())
    broker = Broker(tmp_path / "broker")
    assert broker.port == squatter
    broker.start()
    try:
        assert broker.running and broker.port != squatter
        assert broker.url == f"mqtt://127.0.0.1:{broker.port}"
        assert f"Opening ipv4 listen socket on port {squatter}." in broker.logs()
        assert "Address already in use" in broker.logs()
        assert (f"listener {broker.port} 127.0.0.1"
                in broker.conf.read_text().splitlines())
    finally:
        broker.stop()


def test_a_broker_given_a_taken_port_fails_naming_it(tmp_path: Path, squatter: int) -> None:
    # The port was given (a configuration written elsewhere, a restart): not the broker's to
    # change. PortTaken lets the maker write its configuration again for another port.
    broker = Broker(tmp_path / "broker", port=squatter)
    with pytest.raises(PortTaken) as caught:
        broker.start()
    assert f"exited with 1 before listening on {squatter}:" in str(caught.value)
    assert "Error: Address already in use" in str(caught.value)
    assert not broker.running


class Echo(TcpRelay):
    def accepted(self, client: socket.socket) -> None:
        self.spawn(self._echo, client)

    def _echo(self, client: socket.socket) -> None:
        try:
            while data := client.recv(1024):
                client.sendall(data)
        except OSError:
            pass


def test_a_relay_ends_its_listener_connections_and_threads_with_its_block() -> None:
    with Echo("echo") as relay:
        client = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
        client.sendall(b"ping")
        assert client.recv(4) == b"ping"
        threads = relay_threads()
        assert len(threads) == 2   # accepting, echoing
    # Nothing of it runs on; its connection is closed, its port refuses.
    assert not any(t.is_alive() for t in threads)
    assert client.recv(4) == b""
    client.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", relay.port), timeout=5).close()


def test_a_relay_left_open_is_named_and_closed_by_the_check() -> None:
    relay = Echo("forgotten").start()
    client = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
    try:
        client.sendall(b"ping")
        assert client.recv(4) == b"ping"   # accepted, an echoing thread running
        # What the autouse fixture in tests/conftest.py does after a test, failing it.
        assert close_left_open() == [f"Echo('forgotten', port {relay.port})"]
        assert relay_threads() == []
        assert client.recv(4) == b""
    finally:
        client.close()

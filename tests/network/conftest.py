"""Fixtures for the clinic bus tests: real Mosquitto brokers and BusClients that are always stopped.

    def test_x(broker: Broker, bus_client: MakeClient) -> None:     # a plain broker, this test's
        chair = bus_client(broker.url, "chair-1")                    # started, stopped at the end
        central = bus_client(broker.url, "central", on_message=..., subscribe=["infusion/#"])

    def test_y(clinic: Clinic, bus_client: MakeClient) -> None:     # the set-up command's broker
        chair = bus_client(clinic.config("chair-1"), "chair-1")     # TLS + password + ACL

`broker`: function scope, anonymous plain MQTT on 127.0.0.1 (tests/mosquitto.py); a test may
kill and restart it. `clinic`: module scope (the CA, keys and passwords take a moment), made by
`infusion-console network setup --chairs 3` and run with the very mosquitto.conf it wrote; do not
stop it, and use topics of your own (its retained messages stay for the module); when another
process took the port first, it is set up again on another. `bus_client`: makes, subscribes and
starts BusClients (a ManualClock unless `clock=` is given) and stops every one at the end,
failing the test if a paho thread is left running. A client started with `subscribe=` is
returned once the broker granted every one of them (`wait_subscribed`): what another client
publishes after that reaches it.

For the interface engine: `reserved_port` is a loopback port held for this test (connections
refused until a peer listens on it); `peers(script)` makes real MLLP peers on it
(tests/network/mllp_peer.py), not yet listening, closed at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from console.clock import Clock, ManualClock
from console.network import broker_setup
from console.network.mqtt_bus import BusClient, BusConfig
from tests.mosquitto import Broker, TlsFiles, free_port, on_a_free_port, wait_until
from tests.network.mllp_peer import MllpPeer, Script, reserve_port

CLINIC_CHAIRS = ("chair-1", "chair-2", "chair-3")
CLINIC_CENTRAL = "central"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A started anonymous broker, `broker.url` = mqtt://127.0.0.1:<port>."""
    made = Broker(tmp_path / "broker").start()
    yield made
    made.stop()


@dataclass(frozen=True)
class Clinic:
    """The broker `infusion-console network setup` configures, running, and its files."""

    files: Path  # the set-up's --out folder
    broker: Broker
    chairs: tuple[str, ...]
    central: str
    prefix: str

    @property
    def url(self) -> str:
        return self.broker.url  # mqtts://localhost:<port>

    @property
    def ca_file(self) -> Path:
        return self.files / "ca.crt"

    def password(self, account: str) -> str:
        return (self.files / "stations" / account / "password").read_text().strip()

    def config(self, account: str | None, *, password: str | None = None,
               ca_file: Path | None | str = "generated", url: str | None = None) -> BusConfig:
        """A BusConfig for `account` (None: no credentials) with its own password and the
        generated CA unless told otherwise (`ca_file=None`: the system's CAs)."""
        if account is not None and password is None:
            password = self.password(account)
        ca = self.ca_file if ca_file == "generated" else ca_file
        assert ca is None or isinstance(ca, Path)
        return BusConfig(url or self.url, username=account, password=password, ca_file=ca)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    root = tmp_path_factory.mktemp("clinic")

    def set_up_and_start(port: int) -> Clinic:
        # The port is in the files the set-up writes (mosquitto.conf, every station's kit):
        # taken by another process before Mosquitto bound it, they are written again for another.
        files = root / "clinic-broker" if port == first else root / f"clinic-broker-{port}"
        code = broker_setup.main(["setup", "--chairs", str(len(CLINIC_CHAIRS)), "--central",
                                  CLINIC_CENTRAL, "--host", "localhost", "--port", str(port),
                                  "--bind", "127.0.0.1", "--out", str(files)])
        assert code == 0, "infusion-console network setup failed (see its stderr above)"
        broker = Broker(root / "broker", port=port,
                        tls=TlsFiles(files / "ca.crt", files / "server.crt", files / "server.key"))
        broker.start_with(files / "mosquitto.conf")
        return Clinic(files, broker, CLINIC_CHAIRS, CLINIC_CENTRAL, "infusion")

    first = free_port()
    made = on_a_free_port(set_up_and_start, first)
    yield made
    made.broker.stop()


class MakeClient(Protocol):
    def __call__(self, config: BusConfig | str, client_id: str, *,
                 subscribe: Sequence[str] = (), start: bool = True, clock: Clock | None = None,
                 **kwargs: Any) -> BusClient: ...


def wait_subscribed(client: BusClient, filters: Sequence[str]) -> None:
    """Wait until the broker granted each of `filters` to `client` (its SUBACKs), its
    connection up. Without this, another client's message could reach the broker first and be
    lost to this one (not retained)."""
    try:
        wait_until(lambda: all(client.subscribed(f) for f in filters),
                   f"the broker to grant {client.client_id}'s subscriptions {list(filters)}")
    except AssertionError as exc:
        raise AssertionError(f"{exc} (its status: {client.status().detail})") from None


def _paho_threads(client_ids: set[str]) -> list[threading.Thread]:
    names = {f"paho-mqtt-client-{cid}" for cid in client_ids}
    return [t for t in threading.enumerate() if t.name in names and t.is_alive()]


@pytest.fixture
def bus_client() -> Iterator[MakeClient]:
    made: list[BusClient] = []

    def make(config: BusConfig | str, client_id: str, *, subscribe: Sequence[str] = (),
             start: bool = True, clock: Clock | None = None, **kwargs: Any) -> BusClient:
        if isinstance(config, str):
            config = BusConfig(config)
        client = BusClient(config, client_id=client_id, clock=clock or ManualClock(), **kwargs)
        made.append(client)
        for topic_filter in subscribe:
            client.subscribe(topic_filter)
        if start:
            client.start()
            if subscribe:
                wait_subscribed(client, subscribe)
        return client

    yield make
    for client in made:
        client.stop(timeout=1.0)
    left = _paho_threads({c.client_id for c in made})
    assert not left, f"paho network threads still running after stop(): {left}"


@pytest.fixture
def reserved_port() -> Iterator[int]:
    with reserve_port() as port:
        yield port


@pytest.fixture
def peers(reserved_port: int) -> Iterator[Callable[[Script], MllpPeer]]:
    """Make MLLP peers on the reserved port (not yet listening); closed at teardown."""
    made: list[MllpPeer] = []

    def make(script: Script) -> MllpPeer:
        peer = MllpPeer(reserved_port, script)
        made.append(peer)
        return peer

    yield make
    for peer in made:
        peer.close()

"""An mllps:// interface engine whose certificate the console does not accept: what IT reads on
the status line. It said only OpenSSL's words, "TLS certificate not accepted (unable to get local
issuer certificate)", naming neither the CA file checked nor forward_ca_file (the bus, in the same
case, says "check ca_file (now …)"); and for a certificate made for another name it sent IT to
`network setup --host`, which makes the broker's certificate, not the hospital engine's."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.network.broker_setup import make_certificates
from console.network.engine_process import EngineProcessClient
from console.network.mllp_sender import SenderStatus
from tests.mosquitto import wait_until
from tests.network.mllp_peer import MllpPeer, always

MESSAGE = "MSH|^~\\&|A|B|C|D|20260101000000||ORU^R01|MSG-1|P|2.6\r"
CAUSE = "TLS certificate not accepted (unable to get local issuer certificate)"

TlsError = Callable[..., str]


def pki(folder: Path, host: str, made: datetime | None = None) -> tuple[Path, ssl.SSLContext]:
    """(the CA file, the engine's server context) of a CA and a certificate for `host`."""
    folder.mkdir()
    ca, cert, key = make_certificates(folder, host, made)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return ca, server


@pytest.fixture
def tls_error(reserved_port: int) -> Iterator[TlsError]:
    """The engine's TLS failure as the console's status line says it: an engine serving
    `server` on the reserved port, dialled as `host` with the CA file `ca_file`, named by the
    setting `ca_key`."""
    made: list[tuple[MllpPeer, EngineProcessClient]] = []

    def said(server: ssl.SSLContext, ca_file: Path | None, ca_key: str,
             host: str = "localhost") -> str:
        statuses: list[SenderStatus] = []
        peer = MllpPeer(reserved_port, always("AA"), tls=server)
        client = EngineProcessClient(f"mllps://{host}:{reserved_port}",
                                     on_delivered=lambda cid: None,
                                     on_failed=lambda cid, why: None,
                                     on_status=statuses.append, ca_file=ca_file, ca_key=ca_key)
        made.append((peer, client))
        peer.listen()
        client.start()
        client.submit("MSG-1", MESSAGE)

        def errors() -> list[str]:
            return [s.last_error for s in list(statuses)
                    if s.last_error and "TLS" in s.last_error]

        wait_until(lambda: bool(errors()), "the TLS failure on the status line")
        return errors()[-1]

    yield said
    for peer, client in made:
        client.stop()
        peer.close()


def test_an_engine_certificate_from_another_ca_names_forward_ca_file_and_the_ca_checked(
        tmp_path: Path, tls_error: TlsError) -> None:
    # The README's case: the kit's ca_file is the clinic's broker CA, the engine's certificate
    # the hospital's, and forward_ca_file not set.
    _, engine = pki(tmp_path / "hospital", "localhost")
    broker_ca, _ = pki(tmp_path / "clinic", "localhost")
    said = tls_error(engine, broker_ca, "ca_file")
    assert said.endswith(
        f"{CAUSE}: check forward_ca_file (not set: ca_file {broker_ca} was used; set it to the "
        "CA of the engine's certificate)"), said


def test_an_engine_certificate_from_another_ca_than_forward_ca_files_names_it(
        tmp_path: Path, tls_error: TlsError) -> None:
    _, engine = pki(tmp_path / "hospital", "localhost")
    wrong_ca, _ = pki(tmp_path / "other", "localhost")
    said = tls_error(engine, wrong_ca, "forward_ca_file")
    assert said.endswith(f"{CAUSE}: check forward_ca_file (now {wrong_ca})"), said


def test_an_engine_certificate_for_another_name_is_not_sent_to_network_setup(
        tmp_path: Path, tls_error: TlsError) -> None:
    # `network setup --host` makes the broker's certificate; the engine's is the hospital's.
    ca, engine = pki(tmp_path / "hospital", "engine.hospital.lan")
    said = tls_error(engine, ca, "forward_ca_file")
    assert said.endswith(
        "its certificate is not made for 'localhost'; put the host name it was made for in "
        "forward, or have the engine's certificate made for 'localhost' (by whoever runs the "
        "engine)"), said
    assert "network setup" not in said


def test_an_engine_certificate_out_of_its_dates_is_not_sent_to_the_broker(
        tmp_path: Path, tls_error: TlsError) -> None:
    # Made in 2020: the CA still good, the engine's certificate expired (825 days).
    ca, engine = pki(tmp_path / "hospital", "localhost", datetime(2020, 1, 6, 9, 0, tzinfo=UTC))
    said = tls_error(engine, ca, "forward_ca_file")
    assert said.endswith(
        "TLS certificate not accepted (certificate has expired): the certificate of "
        "'localhost' is outside its dates; whoever runs the engine renews it, or set this "
        "computer's clock right"), said
    assert "broker" not in said and "network setup" not in said

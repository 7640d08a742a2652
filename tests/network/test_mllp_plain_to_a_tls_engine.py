"""`forward = "mllp://…"` (plain) to an engine whose port speaks only TLS (mllps): the engine's
TLS stack reads the MLLP bytes as a broken TLS record and closes. The status (the status line's
cause, the network alarm's detail) said only "the peer closed the connection", as for an engine
down behind a proxy, and five minutes later each message was given up as one "the engine may
not be able to read". The opposite mistake (mllps:// to a plain port) is named
(PLAIN_PORT_HINT); this one is asked about now, while no answer was ever heard on the address.

The sender's clock is a ManualClock moved by hand; the engine is python-hl7's server over TLS.
"""

from __future__ import annotations

import ssl
import threading
from pathlib import Path

from console.clock import ManualClock
from console.network.broker_setup import make_certificates
from console.network.mllp_sender import (
    CLOSED_ON_GIVE_UP_S,
    MllpSender,
    SenderState,
    backoff_delay,
)
from tests.mosquitto import wait_until
from tests.network.mllp_peer import HOST, MllpPeer, always, reserve_port
from tests.network.raw_mllp_peer import RawPeer, ack, msh10, read_frame
from tests.network.test_mllp_engine_hiccups import Outcomes, message

TLS_HINT = "(is the engine's port a TLS listener? it then takes mllps://)"


def backing_off(sender: MllpSender, failures: int) -> bool:
    status = sender.status()
    return status.state is SenderState.BACKING_OFF and status.failures == failures


def test_plain_mllp_to_a_tls_only_engine_asks_whether_its_port_wants_mllps(tmp_path: Path):
    folder = tmp_path / "pki"
    folder.mkdir()
    _ca, cert, key = make_certificates(folder, "localhost", None)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    clock = ManualClock()
    outcomes = Outcomes()
    with reserve_port() as port:
        peer = MllpPeer(port, always("AA"), tls=server)
        peer.listen()
        sender = MllpSender(f"mllp://{HOST}:{port}", clock=clock, on_delivered=outcomes.ok,
                            on_failed=outcomes.bad, poll_interval=0.01)
        sender.start()
        try:
            sender.submit(*message(1))
            # The status line's cause and the network alarm's detail ask about TLS.
            wait_until(lambda: backing_off(sender, 1), "backing off")
            assert sender.status().last_error == (
                f"the connection to the MLLP peer {HOST}:{port} broke while 'MSG00001' was in "
                f"flight: the peer closed the connection {TLS_HINT}")
            # 5 min on, the closes count; the third gives the message up, asking the same.
            for failures, wait in ((1, CLOSED_ON_GIVE_UP_S), (2, backoff_delay(2)),
                                   (3, backoff_delay(3))):
                wait_until(lambda: backing_off(sender, failures), f"back-off {failures}")
                clock.advance(wait)
            wait_until(outcomes.known, "given up")
        finally:
            sender.stop()
            peer.close()
    assert outcomes.delivered == []
    [(cid, why)] = outcomes.failed
    assert cid == "MSG00001"
    assert why.endswith("is still down; is the engine's port a TLS listener? it then takes "
                        "mllps:// (it stays in the session log as not delivered)"), why


def test_an_engine_that_answered_before_is_not_asked_about_tls_when_it_closes():
    """A plain engine heard on this address, then down behind a proxy (every new connection
    closed before any answer): its port is no TLS listener, and the status does not ask."""
    down = threading.Event()

    def handler(n, conn, peer):
        buf = bytearray()
        if n == 1:
            frame = read_frame(conn, buf)
            assert frame is not None
            peer.got(msh10(frame))
            conn.sendall(ack("AA", msh10(frame)))
            down.set()
        conn.recv(65536)   # the engine is down: the proxy closes each connection

    peer = RawPeer(handler)
    outcomes = Outcomes()
    sender = MllpSender(peer.url, clock=ManualClock(), on_delivered=outcomes.ok,
                        on_failed=outcomes.bad, poll_interval=0.01)
    sender.start()
    try:
        sender.submit(*message(1))
        assert down.wait(10)
        sender.submit(*message(2))
        wait_until(lambda: backing_off(sender, 1), "backing off")
        error = sender.status().last_error or ""
    finally:
        sender.stop()
        peer.close()
    assert outcomes.delivered == ["MSG00001"]
    assert error.endswith("broke while 'MSG00002' was in flight: the peer closed the "
                          "connection"), error

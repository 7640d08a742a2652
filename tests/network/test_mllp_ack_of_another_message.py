"""An engine's AA naming another control id (MSA-2) is no delivery of the message in flight:
taken as one, a PCD-04 alarm the engine never acknowledged would be marked delivered, never sent
again, no network alarm raised; no test had answered with another id (a review)."""

from __future__ import annotations

from console.clock import ManualClock
from console.network.mllp_sender import MllpSender
from tests.network.raw_mllp_peer import RawPeer, ack, msh10, read_frame
from tests.network.test_mllp_engine_hiccups import Outcomes, drive, message


def answers_with_a_stale_id(n, conn, peer):
    """An engine (or a proxy replaying) that acknowledges an older id, never the one sent."""
    buf = bytearray()
    while (frame := read_frame(conn, buf)) is not None:
        peer.got(msh10(frame))
        conn.sendall(ack("AA", "STALE-OLD-ID"))


def test_an_aa_naming_another_control_id_does_not_deliver_the_message_in_flight() -> None:
    clock = ManualClock()
    peer = RawPeer(answers_with_a_stale_id)
    outcomes = Outcomes()
    sender = MllpSender(peer.url, clock=clock, on_delivered=outcomes.ok, on_failed=outcomes.bad,
                        ack_timeout=10.0, poll_interval=0.01)
    sender.start()
    try:
        sender.submit(*message(1))
        drive(clock, lambda: bool(outcomes.delivered), seconds=30.0)
    finally:
        sender.stop()
        peer.close()
    assert outcomes.delivered == [], (
        f"{outcomes.delivered} reported delivered on an AA for another control id")

"""An engine's AA that the sender's own parser reads is a delivery over the wire, however its
frame begins: an ACK with its own field separator (MSH-1 is any character in HL7 v2) or one with
no MSH at all (an MSA alone). The framer's rule for monitors' serial lines, a 0x0B opens a frame
only before "MSH|" (line noise), had reached the engine's connection: such an AA was never read,
the console said "no answer", resent the message every ack timeout for ever, and every later
message waited behind it, alarms too (a review)."""

from __future__ import annotations

import pytest

from console.clock import ManualClock
from console.network.mllp_sender import MllpSender, parse_ack
from tests.network.raw_mllp_peer import RawPeer, msh10, read_frame
from tests.network.test_mllp_engine_hiccups import Outcomes, drive, message

ACKS = {
    "own-separator": lambda cid: (f"MSH#^~\\&#ENGINE#CLINIC#IC#CHAIR#20260105090001+0000##"
                                  f"ACK^R01^ACK#A-{cid}#P#2.6\rMSA#AA#{cid}\r"),
    "no-msh": lambda cid: f"MSA|AA|{cid}\r",
}


@pytest.mark.parametrize("form", sorted(ACKS))
def test_an_aa_the_ack_parser_reads_is_a_delivery_over_the_wire(form: str) -> None:
    build = ACKS[form]
    assert parse_ack(build("MSG00001").encode()).code == "AA"   # the sender's own parser reads it

    def handler(n, conn, peer):
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            peer.got(cid)
            conn.sendall(b"\x0b" + build(cid).encode() + b"\x1c\r")

    peer = RawPeer(handler)
    outcomes = Outcomes()
    clock = ManualClock()
    sender = MllpSender(peer.url, clock=clock, on_delivered=outcomes.ok, on_failed=outcomes.bad,
                        ack_timeout=2.0, poll_interval=0.01)
    sender.start()
    try:
        cids = []
        for n in (1, 2):
            cid, text = message(n)
            sender.submit(cid, text)
            cids.append(cid)
        drive(clock, lambda: len(outcomes.delivered) + len(outcomes.failed) >= 2, seconds=20.0,
              step=0.5)
        status = sender.status()
    finally:
        sender.stop()
        peer.close()
    assert outcomes.delivered == cids, (
        f"engine answered AA {len(peer.received)} times; console: delivered={outcomes.delivered}"
        f", status={status.state.value}, last_error={status.last_error!r}")
    assert len(peer.received) == 2   # each sent once: the first AA was read

"""MllpSender and an engine that closes the connection after each answer (hl7apy's MLLPServer,
network.md; an engine listener with "keep connection open" off), a moment after it answered.

The sender sends the next message at once on the connection that carried the last ACK; the
engine closes it unread. That close was counted as a try of the next message (the connection had
carried an ACK), so a message answered AE twice (a database locked for a moment) was given up at
"3 tries" having been read twice: AE is resent, at most 3 sends in all (GE B40, network.md).

The peer is tests/network/raw_mllp_peer.py; the sender's clock is a ManualClock moved by hand.
"""

from __future__ import annotations

from console.clock import ManualClock
from console.network.mllp_sender import MllpSender, SenderState
from tests.mosquitto import wait_until
from tests.network.raw_mllp_peer import RawPeer, ack, msh10, read_frame
from tests.network.test_mllp_engine_hiccups import Outcomes, message


def test_a_message_sent_after_a_delivery_to_an_engine_closing_after_each_answer_gets_three_reads():
    reads: dict[str, int] = {}
    closed = [0]

    def one_message_per_connection(n, conn, peer):
        buf = bytearray()
        frame = read_frame(conn, buf)
        if frame is not None:
            cid = msh10(frame)
            peer.got(cid)
            reads[cid] = reads.get(cid, 0) + 1
            # MSG00001 is taken; then a database locked for a moment: AE to the first two reads
            # of MSG00002, AA to the third.
            taken = cid == "MSG00001" or reads[cid] > 2
            conn.sendall(ack("AA", cid) if taken else ack("AE", cid, "database locked"))
            if cid == "MSG00001":
                # The engine's own work before its close outlasts the sender's next send: the
                # close crosses MSG00002, which the engine never reads.
                conn.recv(65536)
        conn.close()
        with peer.cond:
            closed[0] += 1
            peer.cond.notify_all()

    peer = RawPeer(one_message_per_connection)
    clock = ManualClock()
    outcomes = Outcomes()
    sender = MllpSender(peer.url, clock=clock, on_delivered=outcomes.ok, on_failed=outcomes.bad,
                        poll_interval=0.01)
    sender.start()

    def settled() -> bool:
        with outcomes.lock:
            return len(outcomes.delivered) + len(outcomes.failed) >= 2

    def waiting() -> bool:
        return settled() or sender.status().state in (SenderState.RESEND_WAIT,
                                                      SenderState.BACKING_OFF)

    try:
        for n in (1, 2):
            sender.submit(*message(n))
        # Each AE's wait (1 s, then 5 s on the sender's clock) passes once the engine has closed
        # the connection that carried it, as it does long before in real time.
        while True:
            wait_until(waiting, "the sender waiting or done")
            if settled():
                break
            assert peer.wait_for(lambda: closed[0] == peer.connections, 5)
            sent = len(peer.received)
            clock.advance(10)
            wait_until(lambda: settled() or len(peer.received) > sent, "the message sent again")
    finally:
        sender.stop()
        peer.close()
    assert outcomes.failed == [], (
        f"given up, read {reads.get('MSG00002')} times (3 tries allowed): {outcomes.failed}")
    assert outcomes.delivered == ["MSG00001", "MSG00002"]
    assert reads == {"MSG00001": 1, "MSG00002": 3}

"""MllpSender: the 5 minutes of CLOSED_ON_GIVE_UP_S measure an unbroken run of closes of new
connections before any answer (mllp_sender.py docstring). Counted from a message's first close
ever, an engine restart behind a TLS proxy gave up, within seconds, a message that had met an
earlier restart and then a hung engine for 5 minutes: the very case the rule is there to spare
(a review). Anything else the message meets (an ACK time-out, an AE) ends the run.

The peer is tests/network/raw_mllp_peer.py; the sender's clock is a ManualClock moved by `drive`.
"""

from __future__ import annotations

import socket

from console.clock import ManualClock
from console.network.mllp_sender import CLOSED_ON_GIVE_UP_S, MllpSender
from tests.network.raw_mllp_peer import RawPeer, ack, msh10, read_frame
from tests.network.test_mllp_engine_hiccups import Outcomes, drive, message


ANSWERS = {"ack": "AA", "ae": "AE"}


class ProxiedEngine:
    """A TLS proxy and its engine: `mode` says what they do with each message now: "ack" (the
    engine takes it), "close" (the engine is down: the proxy closes the connection), "hang"
    (the engine reads it and never answers), "ae" (the engine answers AE)."""

    def __init__(self) -> None:
        self.mode = "ack"
        self.closes = 0   # connections the proxy closed on a message

    def __call__(self, n: int, conn: socket.socket, peer: RawPeer) -> None:
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            peer.got(cid)
            if self.mode == "close":
                self.closes += 1
                return
            if self.mode in ANSWERS:
                conn.sendall(ack(ANSWERS[self.mode], cid))


def test_an_engine_restart_after_a_hang_does_not_give_up_a_message_closed_on_before_it() -> None:
    engine = ProxiedEngine()
    clock = ManualClock()
    peer = RawPeer(engine)
    outcomes = Outcomes()
    sender = MllpSender(peer.url, clock=clock, on_delivered=outcomes.ok, on_failed=outcomes.bad,
                        ack_timeout=10.0, poll_interval=0.01)
    sender.start()
    try:
        # The engine took messages before.
        sender.submit(*message(0))
        drive(clock, outcomes.known, seconds=10.0)
        assert outcomes.delivered == ["MSG00000"]
        outcomes.delivered.clear()
        # 1. The engine restarts behind the proxy as a message goes: closed on twice ...
        cid, text = message(1)
        engine.mode = "close"
        sender.submit(cid, text)
        drive(clock, lambda: peer.received.count(cid) >= 2, seconds=10.0)
        # 2. ... then it is back but hangs for more than five minutes: ACK time-outs,
        # reconnections, no try counted, nothing given up.
        engine.mode = "hang"
        drive(clock, outcomes.known, seconds=CLOSED_ON_GIVE_UP_S + 20, step=1.0)
        assert not outcomes.known()
        # 3. IT restarts the engine: the proxy closes connections for a while ...
        engine.closes = 0
        engine.mode = "close"
        drive(clock, lambda: engine.closes >= 4 or outcomes.known(), seconds=20.0)
        assert engine.closes >= 4
        # ... then it answers: the message is delivered, not given up for the earlier outage.
        engine.mode = "ack"
        drive(clock, outcomes.known, seconds=60.0)
        assert outcomes.delivered == [cid], (
            f"given up after {engine.closes} closes of the engine's restart: {outcomes.failed}")
    finally:
        sender.stop()
        peer.close()


def test_an_ae_between_two_restarts_behind_a_proxy_starts_the_five_minutes_again() -> None:
    engine = ProxiedEngine()
    clock = ManualClock()
    peer = RawPeer(engine)
    outcomes = Outcomes()
    sender = MllpSender(peer.url, clock=clock, on_delivered=outcomes.ok, on_failed=outcomes.bad,
                        ack_timeout=10.0, ae_backoff=(CLOSED_ON_GIVE_UP_S,), poll_interval=0.01)
    sender.start()
    try:
        cid, text = message(1)
        # 1. The engine is restarting behind the proxy as the message goes: closed on ...
        engine.mode = "close"
        sender.submit(cid, text)
        drive(clock, lambda: peer.received.count(cid) >= 2, seconds=10.0)
        # 2. ... then back, it answers AE once (a try), and the resend waits past 5 minutes.
        engine.mode = "ae"
        drive(clock, lambda: peer.received.count(cid) >= 3, seconds=20.0)
        # 3. The engine restarts again as the resend goes: these closes are a new run, no try.
        engine.closes = 0
        engine.mode = "close"
        drive(clock, lambda: engine.closes >= 4 or outcomes.known(),
              seconds=CLOSED_ON_GIVE_UP_S + 60, step=2.0)
        assert engine.closes >= 4 and not outcomes.known(), outcomes.failed
        # 4. It answers: delivered.
        engine.mode = "ack"
        drive(clock, outcomes.known, seconds=60.0)
        assert outcomes.delivered == [cid], outcomes.failed
    finally:
        sender.stop()
        peer.close()

"""MllpSender: when a close of a new connection before any answer counts as a try of the message
in flight (mllp_sender.py docstring). Within CLOSED_ON_GIVE_UP_S of the message's first close it
is the engine unreachable (a TLS proxy in front of an engine that is down or restarting), no try;
from then on every close counts, so a message the engine can never read holds the queue 5 min,
not for good (the clinic IT audit).

The peer is tests/network/raw_mllp_peer.py; the sender's clock is a ManualClock moved by hand.
"""

from __future__ import annotations

from console.clock import ManualClock
from console.network.mllp_sender import CLOSED_ON_GIVE_UP_S, MllpSender
from tests.network.raw_mllp_peer import RawPeer, ack, msh10, read_frame
from tests.network.test_mllp_engine_hiccups import Outcomes, accept_everything, drive, message


def test_message_in_flight_when_the_engine_behind_a_proxy_goes_down_is_not_given_up() -> None:
    """The engine restarts behind stunnel/HAProxy while a message is in flight on a connection
    that had carried ACKs: the proxy closes that connection, then every new one until the engine
    is back. The message waits (it had been given up within a second, "closed the connection 3
    times", and waited for a manual `network resend`)."""
    down_until = 5   # connections 2..5: the proxy accepts and closes (engine restarting)

    def handler(n, conn, peer):
        if n == 1:
            buf = bytearray()
            frame = read_frame(conn, buf)          # MSG00001: the engine is up, takes it
            cid = msh10(frame)
            peer.got(cid)
            conn.sendall(ack("AA", cid))
            read_frame(conn, buf)                  # MSG00002 arrives: the engine goes down
            return                                 # the proxy closes the connection
        if n <= down_until:
            conn.recv(65536)
            return
        accept_everything(conn, peer)

    clock = ManualClock()
    peer = RawPeer(handler)
    outcomes = Outcomes()
    sender = MllpSender(peer.url, clock=clock, on_delivered=outcomes.ok, on_failed=outcomes.bad,
                        ack_timeout=2.0, poll_interval=0.01)
    sender.start()
    try:
        for n in (1, 2):
            sender.submit(*message(n))
        drive(clock, lambda: len(outcomes.delivered) + len(outcomes.failed) >= 2, step=0.5)
    finally:
        sender.stop()
        peer.close()
    assert outcomes.failed == [], (
        f"given up while the engine restarted behind its proxy: {outcomes.failed}")
    assert outcomes.delivered == ["MSG00001", "MSG00002"]
    assert peer.connections == down_until + 1


def test_a_message_closed_on_by_every_new_connection_is_given_up_after_five_minutes() -> None:
    """An engine that closes every connection on one message it cannot read, before any answer:
    each close is "unreachable" for 5 min on the sender's clock, then they count; the message
    is given up and the next one goes (it had waited behind it for good)."""
    clock = ManualClock()
    failed_at: list[float] = []

    def handler(n, conn, peer):
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            if cid == "MSG00001":
                return                              # closes on it, never an answer
            peer.got(cid)
            conn.sendall(ack("AA", cid))

    peer = RawPeer(handler)
    outcomes = Outcomes()

    def bad(cid: str, why: str) -> None:
        failed_at.append(clock.now().mono)
        outcomes.bad(cid, why)

    start = clock.now().mono
    sender = MllpSender(peer.url, clock=clock, on_delivered=outcomes.ok, on_failed=bad,
                        ack_timeout=2.0, poll_interval=0.01)
    sender.start()
    try:
        for n in (1, 2):
            sender.submit(*message(n))
        drive(clock, lambda: bool(outcomes.delivered), seconds=CLOSED_ON_GIVE_UP_S + 120, step=2)
    finally:
        sender.stop()
        peer.close()
    assert [cid for cid, _ in outcomes.failed] == ["MSG00001"]
    assert ("closed the connection each time message 'MSG00001' was sent (3 times), closing on "
            "it for 5 min" in outcomes.failed[0][1])
    assert CLOSED_ON_GIVE_UP_S <= failed_at[0] - start < CLOSED_ON_GIVE_UP_S + 60
    assert outcomes.delivered == ["MSG00002"]

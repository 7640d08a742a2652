"""MllpSender when the engine is briefly unable: down behind a TLS proxy, or answering AE for a
moment. Neither may fail a message for good (it would wait for a manual `network resend`).

The peer is tests/network/raw_mllp_peer.py (a raw socket server); the sender's clock is a
ManualClock moved by `drive`, a little at a time, until the outcome is known.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from console.clock import ManualClock
from console.network.mllp_sender import MllpSender
from tests.network.raw_mllp_peer import RawPeer, ack, msh10, read_frame


def message(n: int) -> tuple[str, str]:
    cid = f"MSG{n:05d}"
    return cid, (f"MSH|^~\\&|IC|CHAIR1|ENGINE|CLINIC|20260105090000+0000||ORU^R01^ORU_R01|{cid}|P|"
                 f"2.6|||NE|AL\rPID|||P0001^^^CLINIC^MR\rOBX|1|NM|150456^X^MDC||97\r")


class Outcomes:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.delivered: list[str] = []
        self.failed: list[tuple[str, str]] = []

    def ok(self, cid: str) -> None:
        with self.lock:
            self.delivered.append(cid)

    def bad(self, cid: str, why: str) -> None:
        with self.lock:
            self.failed.append((cid, why))

    def known(self) -> bool:
        with self.lock:
            return bool(self.delivered or self.failed)


def drive(clock: ManualClock, until: Callable[[], bool], seconds: float = 120.0,
          step: float = 0.5) -> None:
    """Move the sender's clock on (back-offs, time-outs) until `until()` or `seconds` pass; the
    short real pause lets the sender's thread see each step (it polls every 0.01 s)."""
    for _ in range(int(seconds / step)):
        if until():
            return
        time.sleep(0.02)
        clock.advance(step)


def accept_everything(conn, peer) -> None:
    buf = bytearray()
    while (frame := read_frame(conn, buf)) is not None:
        cid = msh10(frame)
        peer.got(cid)
        conn.sendall(ack("AA", cid))


def send_one(handler, clock: ManualClock, step: float) -> tuple[Outcomes, RawPeer, str]:
    peer = RawPeer(handler)
    outcomes = Outcomes()
    sender = MllpSender(peer.url, clock=clock, on_delivered=outcomes.ok, on_failed=outcomes.bad,
                        ack_timeout=2.0, poll_interval=0.01)
    sender.start()
    try:
        cid, text = message(1)
        sender.submit(cid, text)
        drive(clock, outcomes.known, step=step)
    finally:
        sender.stop()
        peer.close()
    return outcomes, peer, cid


def test_engine_down_behind_a_tls_proxy_does_not_fail_messages_for_good():
    """stunnel/HAProxy in front of an engine that is restarting accepts each connection and
    closes it: a network fault as a refused connection is; the message waits and goes once
    the engine is back, it is not given up ("closed the connection 3 times")."""
    down_for = 4   # the first connections are closed by the proxy: the engine is restarting

    def handler(n, conn, peer):
        if n <= down_for:
            conn.recv(65536)   # the proxy reads what the console sends, its backend fails ...
            return             # ... and it closes
        accept_everything(conn, peer)

    outcomes, peer, cid = send_one(handler, ManualClock(), step=0.5)
    assert outcomes.failed == [], f"given up during the engine's restart: {outcomes.failed}"
    assert outcomes.delivered == [cid]
    assert peer.connections == down_for + 1


def test_a_transient_ae_is_not_given_up_within_milliseconds():
    """AE is "the engine could not take it now" (its database locked for 0.3 s): the tries are
    spread over the sender's clock (1 s, then 5 s), not spent within a millisecond."""
    busy_until = time.monotonic() + 0.3

    def handler(n, conn, peer):
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            peer.got(cid)
            code = "AE" if time.monotonic() < busy_until else "AA"
            conn.sendall(ack(code, cid, "database locked" if code == "AE" else ""))

    outcomes, peer, cid = send_one(handler, ManualClock(), step=0.25)
    assert outcomes.failed == [], (f"given up after {len(peer.received)} sends in a 0.3 s "
                                   f"hiccup: {outcomes.failed}")
    assert outcomes.delivered == [cid]
    assert 2 <= len(peer.received) <= 3


def test_ae_resends_wait_one_then_five_seconds_on_the_senders_clock():
    """The waits are the clock's, not real time: nothing is resent until the clock moves."""
    clock = ManualClock()
    sends: list[float] = []

    def handler(n, conn, peer):
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            sends.append(clock.now().mono)
            peer.got(cid)
            conn.sendall(ack("AE", cid, "database locked"))

    outcomes, peer, cid = send_one(handler, clock, step=0.25)
    assert [f[0] for f in outcomes.failed] == [cid]
    assert len(sends) == 3
    assert 1.0 <= sends[1] - sends[0] < 1.5
    assert 5.0 <= sends[2] - sends[1] < 5.5


def test_an_engine_hanging_up_after_an_ar_costs_the_next_message_no_try():
    """An engine that closes the connection after answering AR (network.md: the GE B40 does),
    as the next message goes: that close is not the next message's try. Counted, a message then
    answered AE twice (a database locked for a moment) was given up after two real tries, never
    delivered (an alarm's PCD-04 among them)."""
    answered_ae = {"n": 0}

    def engine(nconn, conn, peer):
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            control_id = msh10(frame)
            peer.got(control_id)
            if control_id == "MSG00001":
                conn.sendall(ack("AR", control_id, "unknown patient"))
                time.sleep(0.03)   # the engine's own pause before it tears the connection down
                return
            if answered_ae["n"] < 2:
                answered_ae["n"] += 1
                conn.sendall(ack("AE", control_id, "busy"))
            else:
                conn.sendall(ack("AA", control_id))

    clock = ManualClock()
    peer = RawPeer(engine)
    out = Outcomes()
    sender = MllpSender(peer.url, clock=clock, on_delivered=out.ok, on_failed=out.bad,
                        ack_timeout=2.0, poll_interval=0.01)
    sender.start()
    try:
        for i in (1, 2):
            sender.submit(*message(i))

        def settled() -> bool:
            with out.lock:
                return len(out.delivered) + len(out.failed) >= 2
        drive(clock, settled, seconds=60, step=0.05)
    finally:
        sender.stop()
        peer.close()
    assert [control_id for control_id, _ in out.failed] == ["MSG00001"], out.failed
    assert out.delivered == ["MSG00002"]

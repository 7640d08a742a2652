"""MllpSender: an engine that cannot parse a message answers AR or AE with MSA-2 empty (it could
not read MSH-10). On the one-at-a-time connection that answer can only be the message in flight's
(mllp_sender.py docstring). Taken for "a message that is no ACK", the same message went every
10 s for ever, every later message (alarms included) waiting behind it, the status saying the
engine sent no ACK (a review). An AA with no MSA-2 stays no delivery.

The peer is tests/network/raw_mllp_peer.py; the sender's clock is a ManualClock moved by `drive`.
"""

from __future__ import annotations

from collections.abc import Callable

from console.clock import ManualClock
from console.network.mllp_sender import MllpSender, SenderState
from tests.network.raw_mllp_peer import Handler, RawPeer, ack, msh10, read_frame
from tests.network.test_mllp_engine_hiccups import Outcomes, drive, message

UNREADABLE = "MSG00001"   # the message this engine cannot parse


def unable_to_parse(code: str) -> Handler:
    """An engine that answers `code` with no MSA-2 to UNREADABLE, AA to every other message."""
    def handler(n, conn, peer):
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            peer.got(cid)
            if cid != UNREADABLE:
                conn.sendall(ack("AA", cid))
                continue
            body = ("MSH|^~\\&|ENGINE|CLINIC|IC|CHAIR|20260105090001+0000||ACK^R01^ACK|N1|P|"
                    f"2.6\rMSA|{code}||Unable to parse message\rERR|||||E||||Unable to parse "
                    "message\r")
            conn.sendall(b"\x0b" + body.encode() + b"\x1c\r")
    return handler


def send_two(handler: Handler, until: Callable[[Outcomes], bool],
             seconds: float = 120.0) -> tuple[Outcomes, RawPeer, SenderState, str | None,
                                              str | None]:
    """Send MSG00001 and MSG00002 to `handler`'s engine; the outcomes, the peer, and the
    sender's state, last error and last failure once `until` (or `seconds` of its clock)."""
    clock = ManualClock()
    peer = RawPeer(handler)
    outcomes = Outcomes()
    sender = MllpSender(peer.url, clock=clock, on_delivered=outcomes.ok, on_failed=outcomes.bad,
                        ack_timeout=10.0, poll_interval=0.01)
    sender.start()
    try:
        for n in (1, 2):
            sender.submit(*message(n))
        drive(clock, lambda: until(outcomes), seconds=seconds)
        status = sender.status()
    finally:
        sender.stop()
        peer.close()
    return outcomes, peer, status.state, status.last_error, status.last_failure


def both_known(outcomes: Outcomes) -> bool:
    return len(outcomes.delivered) + len(outcomes.failed) >= 2


def test_an_ar_with_no_msa2_fails_the_message_in_flight_and_the_next_one_goes() -> None:
    # The engine answers AR, MSA-2 empty, to the message it cannot parse.
    outcomes, peer, _, _, last_failure = send_two(unable_to_parse("AR"), both_known)
    # It is that message's refusal: failed at once, sent once (an AR is not sent again) ...
    assert peer.received.count(UNREADABLE) == 1, (
        f"{UNREADABLE} sent {peer.received.count(UNREADABLE)} times; "
        f"delivered {outcomes.delivered}, failed {outcomes.failed}")
    [(failed, reason)] = outcomes.failed
    assert failed == UNREADABLE
    # ... the reason names the code, that MSA-2 was empty, and the engine's words ...
    assert "rejected message 'MSG00001' with AR with no MSA-2: Unable to parse message; not " \
           "sent again" in reason
    assert last_failure == "AR with no MSA-2: Unable to parse message"
    # ... and the next message goes.
    assert outcomes.delivered == ["MSG00002"]


def test_an_ae_with_no_msa2_is_a_try_of_the_message_in_flight_and_three_give_it_up() -> None:
    # The engine answers AE, MSA-2 empty, every time the message goes: three tries (1 s, then
    # 5 s apart), then it is given up and the next message goes; not resent for ever.
    outcomes, peer, _, _, last_failure = send_two(unable_to_parse("AE"), both_known)
    assert peer.received.count(UNREADABLE) == 3
    [(failed, reason)] = outcomes.failed
    assert failed == UNREADABLE
    assert ("answered AE with no MSA-2 to message 'MSG00001' 3 times, the limit of 3 tries: "
            "Unable to parse message; given up" in reason)
    assert last_failure == "AE with no MSA-2 3 times: Unable to parse message"
    assert outcomes.delivered == ["MSG00002"]


def test_an_aa_with_no_msa2_is_no_delivery_and_the_status_says_why() -> None:
    # An engine that could not read MSH-10 cannot have accepted the message: an AA with no
    # MSA-2 is not taken for its delivery (taken, a message might be lost at the EHR). The
    # sender waits for the time-out, sends it again, and the status says why.
    outcomes, peer, state, last_error, _ = send_two(unable_to_parse("AA"), lambda _: False,
                                                    seconds=25.0)
    assert outcomes.delivered == [] and outcomes.failed == []
    assert peer.received == [UNREADABLE] * len(peer.received) and len(peer.received) >= 2
    assert state is not SenderState.IDLE
    assert last_error == ("the engine answered AA with no MSA-2 to 'MSG00001': not taken for a "
                          "delivery (check its MSA-2 setting)")

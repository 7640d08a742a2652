"""MllpSender against a real MLLP peer: python-hl7's `hl7.mllp` asyncio server on loopback.

The peer runs in its own thread with its own event loop and answers as each test scripts it
(AA, AE, AR, an ACK for another control id, silence, dropping the connection, not listening).
Time for the sender's deadlines is a `ManualClock` moved by the tests: a time-out or a back-off
happens exactly when a test advances the clock, never by waiting. Every wait is on a condition
with a real deadline of WAIT seconds, so a broken sender fails a test instead of hanging it.

The peer always listens on a port the test reserves first: a socket bound with SO_REUSEPORT and
never listening holds it, so the port stays ours while the peer is away (connections are refused,
as from an engine that is down) and the peer can come back on it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from console.clock import ManualClock
from console.network.config import alert_left, tls_alert_name
from tests.network.mllp_peer import HOST, WAIT, Reply, always
from tests.network.raw_mllp_peer import RawPeer, ack, msh10
from tests.network.test_mllp_engine_hiccups import accept_everything
from console.network.mllp_sender import (
    CLOSED_ON_GIVE_UP_S,
    DEFAULT_ACK_TIMEOUT,
    DEFAULT_AE_BACKOFF,
    DEFAULT_BACKOFF,
    DEFAULT_CONNECT_TIMEOUT,
    Ack,
    MllpSender,
    SenderState,
    SenderStatus,
    backoff_delay,
    client_tls_context,
    control_id_of,
    parse_ack,
    parse_mllp_url,
)

ACK_TIMEOUT = 2.0  # the sender's ACK time-out in these tests (clock seconds, moved by hand)
POLL = 0.01  # the sender's longest block, so it sees a moved clock quickly

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"),
                                reason="the peer's port reservation needs SO_REUSEPORT")


def message(n: int) -> tuple[str, str]:
    """A PCD-01-like ORU^R01 with control id MSG<n>; returns (control id, message)."""
    cid = f"MSG{n:05d}"
    text = (
        f"MSH|^~\\&|INFUSION-CONSOLE|CHAIR1|ENGINE|CLINIC|20260105090000+0000||ORU^R01^ORU_R01|"
        f"{cid}|P|2.6|||NE|AL\r"
        "PID|||P0001^^^CLINIC^MR\r"
        f"OBR|1|{cid}||182777000^monitoring of patient^SNOMED-CT\r"
        f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|{90 + n % 10}|"
        "262688^MDC_DIM_PERCENT^MDC|||||R\r"
    )
    return cid, text


class Recorder:
    """What the sender reported through its callbacks, with waits on it."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.cond = threading.Condition()
        self.delivered: list[str] = []
        self.delivered_at: list[float] = []
        self.failed: list[tuple[str, str]] = []
        self.statuses: list[tuple[SenderStatus, float]] = []  # with the clock's mono then

    def on_delivered(self, cid: str) -> None:
        with self.cond:
            self.delivered.append(cid)
            self.delivered_at.append(self.clock.now().mono)
            self.cond.notify_all()

    def on_failed(self, cid: str, reason: str) -> None:
        with self.cond:
            self.failed.append((cid, reason))
            self.cond.notify_all()

    def on_status(self, status: SenderStatus) -> None:
        with self.cond:
            self.statuses.append((status, self.clock.now().mono))
            self.cond.notify_all()

    def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, WAIT), (
                f"sender: {what} (delivered {self.delivered}, failed {self.failed}, "
                f"last status {self.statuses[-1:]})")

    def backing_off(self, failures: int) -> tuple[SenderStatus, float] | None:
        for status, mono in self.statuses:
            if status.state is SenderState.BACKING_OFF and status.failures == failures:
                return status, mono
        return None


# ---------------------------------------------------------------------------------------------
# Fixtures


def _sender_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("mllp-sender:") and t.is_alive()]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def recorder(clock: ManualClock) -> Recorder:
    return Recorder(clock)


@pytest.fixture
def senders(reserved_port: int, clock: ManualClock,
            recorder: Recorder) -> Iterator[Callable[..., MllpSender]]:
    """Make started senders to the reserved port; all stopped at teardown, none left running."""
    before = set(_sender_threads())
    made: list[MllpSender] = []

    def make(**settings: Any) -> MllpSender:
        settings.setdefault("ack_timeout", ACK_TIMEOUT)
        sender = MllpSender(f"mllp://{HOST}:{reserved_port}", clock=clock,
                            on_delivered=recorder.on_delivered, on_failed=recorder.on_failed,
                            on_status=recorder.on_status, poll_interval=POLL, **settings)
        made.append(sender)
        sender.start()
        return sender

    yield make
    for sender in made:
        sender.stop()
    leaked = [t.name for t in _sender_threads() if t not in before]
    assert not leaked, f"sender threads left running: {leaked}"


def submit_all(sender: Any, numbers: range) -> list[str]:
    """Submit messages `numbers` (an MllpSender or its process client); their control ids."""
    ids = []
    for n in numbers:
        cid, text = message(n)
        sender.submit(cid, text)
        ids.append(cid)
    return ids


def dedup(ids: list[str]) -> list[str]:
    """What a receiver keeps: the first of each control id, in arrival order."""
    return list(dict.fromkeys(ids))


# ---------------------------------------------------------------------------------------------
# Acknowledgement rules


@pytest.mark.parametrize("code", ["AA", "CA"])
def test_accept_delivers_each_message_once(code, peers, senders, recorder):
    peer = peers(always(code))
    peer.listen()
    sender = senders()
    ids = submit_all(sender, range(1, 4))
    # Each accepted once, in order, and the queue is empty.
    recorder.wait_for(lambda: recorder.delivered == ids, "three deliveries")
    assert peer.received == ids
    assert recorder.failed == []
    assert sender.pending() == []
    recorder.wait_for(lambda: sender.status().state is SenderState.IDLE, "idle after the queue")
    assert peer.connections == 1


@pytest.mark.parametrize("negative", ["AE", "CE"])
def test_error_twice_then_accept_sends_three_times_and_delivers_once(negative, peers, senders,
                                                                     recorder):
    peer = peers(lambda cid, seen: Reply(negative if seen <= 2 else "AA", text="busy"))
    peer.listen()
    sender = senders()
    [cid] = submit_all(sender, range(1, 2))

    def resend_waits() -> list[float]:
        return [s.retry_at - mono for s, mono in recorder.statuses
                if s.state is SenderState.RESEND_WAIT and s.retry_at is not None]

    # Each AE is followed by a wait on the sender's clock (1 s, then 5 s) before the resend: a
    # locked database is not given all three tries within a millisecond.
    for n, wait in enumerate(DEFAULT_AE_BACKOFF, start=1):
        recorder.wait_for(lambda n=n: len(resend_waits()) == n, f"waiting after AE {n}")
        assert resend_waits()[-1] == wait
        assert peer.received == [cid] * n   # nothing resent before the clock moves
        recorder.clock.advance(wait)
    recorder.wait_for(lambda: recorder.delivered == [cid], "delivered on the third try")
    # Three sends of the same control id; one delivery.
    assert peer.received == [cid, cid, cid]
    assert recorder.failed == []
    assert sender.pending() == []
    assert peer.connections == 1


def test_error_every_time_fails_after_three_tries_then_the_queue_moves_on(peers, senders,
                                                                          recorder, reserved_port):
    first, second = message(1)[0], message(2)[0]
    peer = peers(lambda cid, seen: Reply("AE", text="database locked") if cid == first
                 else Reply("AA"))
    peer.listen()
    sender = senders(ae_backoff=(0.0,))   # the tries counted here; their waits: test above
    submit_all(sender, range(1, 3))
    recorder.wait_for(lambda: recorder.delivered == [second], "the second delivered")
    # The first was sent three times in all, then reported failed once; the second went on.
    assert peer.received == [first, first, first, second]
    [(failed_id, reason)] = recorder.failed
    assert failed_id == first
    assert reason == (
        f"the MLLP peer {HOST}:{reserved_port} answered AE to message {first!r} 3 times, the "
        "limit of 3 tries (database locked); given up: check the engine (it stays in the session "
        "log as not delivered)")
    assert sender.pending() == []


@pytest.mark.parametrize("reject", ["AR", "CR"])
def test_reject_fails_at_once_without_resend(reject, peers, senders, recorder, reserved_port):
    first, second = message(1)[0], message(2)[0]
    peer = peers(lambda cid, seen: Reply(reject, text="unsupported message type")
                 if cid == first else Reply("AA"))
    peer.listen()
    sender = senders()
    submit_all(sender, range(1, 3))
    recorder.wait_for(lambda: recorder.delivered == [second], "the second delivered")
    # Sent once, failed at once, and the connection stayed for the next message.
    assert peer.received == [first, second]
    assert recorder.failed == [(first, (
        f"the MLLP peer {HOST}:{reserved_port} rejected message {first!r} with {reject} "
        "(unsupported message type); not sent again: check the engine's channel for this message "
        "type (it stays in the session log as not delivered)"))]
    assert peer.connections == 1


def test_ack_for_another_control_id_is_not_a_delivery_and_the_time_out_resends(
        peers, senders, recorder, clock):
    peer = peers(lambda cid, seen: Reply("AA", ack_id="MSG99999") if seen == 1 else Reply("AA"))
    peer.listen()
    sender = senders()
    start = clock.now().mono
    [cid] = submit_all(sender, range(1, 2))
    # The peer answered AA for another control id, then nothing: still pending, not delivered.
    peer.wait_for(lambda: peer.received == [cid], "first send")
    recorder.wait_for(lambda: sender.status().state is SenderState.AWAITING_ACK, "awaiting")
    assert sender.pending() == [cid]
    assert recorder.delivered == []
    # The ACK time-out passes: the sender reconnects and sends the same control id again.
    clock.advance(ACK_TIMEOUT)
    recorder.wait_for(lambda: recorder.delivered == [cid], "delivered after the resend")
    assert peer.received == [cid, cid]
    assert recorder.delivered_at == [start + ACK_TIMEOUT]
    assert peer.connections == 2
    # A time-out is not a connection failure: no back-off happened.
    assert recorder.backing_off(1) is None


# ---------------------------------------------------------------------------------------------
# Connection faults


def test_refused_connection_backs_off_on_schedule_then_delivers(peers, senders, recorder, clock,
                                                               reserved_port):
    sender = senders()
    [cid] = submit_all(sender, range(1, 2))
    # Nothing listens: each refusal waits the next step, 1, 2, 4, 8, 10, 10 s.
    for failures, delay in enumerate([1.0, 2.0, 4.0, 8.0, 10.0, 10.0], start=1):
        recorder.wait_for(lambda: recorder.backing_off(failures) is not None,
                          f"backing off after failure {failures}")
        found = recorder.backing_off(failures)
        assert found is not None
        status, at = found
        assert status.retry_at == pytest.approx(at + delay)
        assert status.control_id is None
        assert status.last_error == (f"cannot connect to the MLLP peer {HOST}:{reserved_port}: "
                                     "connection refused")
        assert sender.pending() == [cid]
        if failures < 6:
            clock.advance(delay)
    # The engine comes back; the sender finds it at the next step and delivers.
    peer = peers(always("AA"))
    peer.listen()
    clock.advance(10.0)
    recorder.wait_for(lambda: recorder.delivered == [cid], "delivered after the engine came back")
    assert peer.received == [cid]
    # The ACK cleared the failure count and the error.
    recorder.wait_for(lambda: sender.status().state is SenderState.IDLE, "idle")
    assert sender.status() == SenderStatus(SenderState.IDLE, failures=0, last_error=None)


def test_peer_drops_mid_stream_and_comes_back_everything_delivered_in_order(
        peers, senders, recorder, clock):
    ids = [message(n)[0] for n in range(1, 11)]
    dropped_at = ids[3]
    # The engine goes away on the 4th message: it stops listening and closes the connection
    # without answering (it may or may not have stored the message).
    peer = peers(lambda cid, seen: Reply(None, close=True, stop_listening=True)
                 if cid == dropped_at and seen == 1 else Reply("AA"))
    peer.listen()
    sender = senders()
    submit_all(sender, range(1, 11))
    # The connection broke; the reconnect was refused: back-off, nothing lost.
    recorder.wait_for(lambda: recorder.backing_off(1) is not None, "backing off")
    assert recorder.delivered == ids[:3]
    assert sender.pending() == ids[3:]
    # The engine comes back on its port; the first back-off step passes.
    peer.listen()
    clock.advance(backoff_delay(1))
    recorder.wait_for(lambda: recorder.delivered == ids, "all delivered")
    # In order, each delivered once; the peer saw the 4th twice (same control id), and after
    # dropping duplicates by control id, as receivers do, it holds each message once, in order.
    assert recorder.failed == []
    assert peer.received.count(dropped_at) == 2
    assert len(peer.received) == len(ids) + 1
    assert dedup(peer.received) == ids
    assert peer.connections == 2


def test_a_peer_that_closes_on_one_message_each_time_fails_it_after_three_tries_and_goes_on(
        peers, senders, recorder, clock, reserved_port):
    # The clinic IT audit: a peer that could not read one message closed the connection on it,
    # every time; it was sent 20+ times in 3 minutes and every later message, alarms included,
    # waited behind it.
    first, second, third = (message(n)[0] for n in range(1, 4))
    peer = peers(lambda cid, seen: Reply(None, close=True) if cid == second else Reply("AA"))
    peer.listen()
    sender = senders()
    submit_all(sender, range(1, 4))
    # The second is sent on the first's connection, which the peer closes: no try (that
    # connection's last answer was the first's: an engine closing after each answer closes it
    # unread), resent at once on a new connection; closed again before any answer: no try
    # within 5 min of its first close (a proxy in front of an engine that is down does that),
    # back-off.
    recorder.wait_for(lambda: recorder.backing_off(1) is not None, "backing off after a close")
    assert peer.received == [first, second, second]
    assert recorder.failed == []
    # 5 min on: the close of the next new connection counts (try 1), back-off again ...
    clock.advance(CLOSED_ON_GIVE_UP_S)
    recorder.wait_for(lambda: recorder.backing_off(2) is not None, "backing off after try 1")
    clock.advance(backoff_delay(2))
    recorder.wait_for(lambda: recorder.backing_off(3) is not None, "backing off after try 2")
    assert recorder.failed == []
    clock.advance(backoff_delay(3))
    # ... closed a third time: given up as an AE given up is, and the third goes at once.
    recorder.wait_for(lambda: recorder.delivered == [first, third], "the third delivered")
    assert peer.received == [first, second, second, second, second, second, third]
    assert recorder.failed == [(second, (
        f"the MLLP peer {HOST}:{reserved_port} closed the connection each time message "
        f"{second!r} was sent (3 times), closing on it for 5 min, the limit of 3 tries; given "
        "up: the engine may not be able to read this message, check its log, or the engine "
        "behind a TLS proxy (stunnel, HAProxy) that accepts and closes connections is still "
        "down (it stays in the session log as not delivered)"))]
    assert sender.pending() == []
    assert recorder.backing_off(4) is None   # no wait before the next message


def backing_offs(recorder: Recorder) -> int:
    return sum(status.state is SenderState.BACKING_OFF for status, _ in recorder.statuses)


def test_a_close_and_an_ae_count_together_against_the_tries(peers, senders, recorder,
                                                            reserved_port):
    first = message(1)[0]
    peer = peers(lambda cid, seen: Reply("AE") if seen == 2 else Reply(None, close=True))
    peer.listen()
    sender = senders(ae_backoff=(0.0,))   # the tries counted here; the AE waits: tests above
    submit_all(sender, range(1, 2))
    recorder.wait_for(lambda: recorder.backing_off(1) is not None, "backing off after a close")
    recorder.clock.advance(backoff_delay(1))
    recorder.wait_for(lambda: backing_offs(recorder) == 2, "backing off after the 3rd close")
    assert recorder.failed == []
    recorder.clock.advance(CLOSED_ON_GIVE_UP_S)
    recorder.wait_for(lambda: bool(recorder.failed), "given up")
    # A close of a new connection before any answer is no try within 5 min of the message's
    # first close (a proxy in front of an engine that is down does that): the AE, then the
    # close of the connection that carried it, then the close of a new connection 5 min after
    # the first close are the three tries.
    assert peer.received == [first, first, first, first, first]
    assert recorder.failed == [(first, (
        f"the MLLP peer {HOST}:{reserved_port} closed the connection 2 times and answered AE "
        f"once to message {first!r}, closing on it for 5 min, the limit of 3 tries; given up: "
        "the engine may not be able to read this message, check its log, or the engine behind "
        "a TLS proxy (stunnel, HAProxy) that accepts and closes connections is still down (it "
        "stays in the session log as not delivered)"))]


def test_idle_connection_closed_by_the_engine_is_reopened_without_back_off(peers, senders,
                                                                          recorder):
    first, second = message(1)[0], message(2)[0]
    peer = peers(lambda cid, seen: Reply("AA", close=cid == first))
    peer.listen()
    sender = senders()
    submit_all(sender, range(1, 2))
    recorder.wait_for(lambda: recorder.delivered == [first], "first delivered")
    peer.wait_for(lambda: peer.closed_connections == 1, "idle connection closed")
    # The next message goes on a new connection at once: the clock never moves here.
    submit_all(sender, range(2, 3))
    recorder.wait_for(lambda: recorder.delivered == [first, second], "second delivered")
    assert peer.received == [first, second]
    assert recorder.backing_off(1) is None
    assert peer.connections == 2


def test_hundred_messages_arrive_in_order(peers, senders, recorder):
    peer = peers(always("AA"))
    peer.listen()
    sender = senders()
    ids = submit_all(sender, range(1, 101))
    recorder.wait_for(lambda: len(recorder.delivered) == 100, "100 deliveries")
    assert recorder.delivered == ids
    assert peer.received == ids
    assert sender.pending() == []
    assert peer.connections == 1


def test_stop_keeps_unconfirmed_messages_pending_in_order(peers, senders, recorder):
    peer = peers(lambda cid, seen: Reply(None))
    peer.listen()
    sender = senders()
    ids = submit_all(sender, range(1, 4))
    peer.wait_for(lambda: peer.received == ids[:1], "first send")
    sender.stop()
    # The thread ended; nothing was confirmed, so everything is still pending, in order.
    assert not [t for t in _sender_threads() if t.name.endswith(str(peer.port))]
    assert sender.pending() == ids
    assert sender.status().state is SenderState.STOPPED
    with pytest.raises(RuntimeError, match="submitted after the MLLP sender .* was stopped"):
        sender.submit(*message(4))


def test_a_callback_that_raises_ends_the_thread_as_crashed(peers, reserved_port, clock, recorder,
                                                          monkeypatch, caplog):
    peer = peers(always("AA"))
    peer.listen()
    hooked: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", hooked.append)

    def broken(cid: str) -> None:
        raise KeyError(cid)

    sender = MllpSender(f"mllp://{HOST}:{reserved_port}", clock=clock, on_delivered=broken,
                        on_failed=recorder.on_failed, on_status=recorder.on_status,
                        poll_interval=POLL)
    sender.start()
    ids = submit_all(sender, range(1, 3))
    recorder.wait_for(lambda: sender.status().state is SenderState.CRASHED, "crashed")
    sender.stop()
    # A bug is not carried on with: the thread ended, the error went to the thread hook and the
    # log, and what was not reported delivered stays pending.
    assert [type(h.exc_value) for h in hooked] == [KeyError]
    assert (f"the MLLP sender to {HOST}:{reserved_port} stopped on an error (messages still "
            "pending: 1)") in caplog.text
    assert sender.pending() == ids[1:]
    assert not _sender_threads()


# ---------------------------------------------------------------------------------------------
# Checks before anything is sent


def _unstarted(clock: ManualClock) -> MllpSender:
    return MllpSender("mllp://127.0.0.1:2575", clock=clock, on_delivered=lambda cid: None,
                      on_failed=lambda cid, reason: None)


def test_submit_refuses_a_control_id_that_is_not_msh_10(clock):
    sender = _unstarted(clock)
    cid, text = message(1)
    with pytest.raises(ValueError) as err:
        sender.submit("MSG00002", text)
    assert str(err.value) == ("control id 'MSG00002' is not the message's MSH-10 ('MSG00001'); "
                              "its ACK could never be matched")
    assert sender.pending() == []


def test_submit_refuses_a_control_id_already_pending(clock):
    sender = _unstarted(clock)
    sender.submit(*message(1))
    with pytest.raises(ValueError, match="message 'MSG00001' is already pending"):
        sender.submit(*message(1))
    assert sender.pending() == ["MSG00001"]


def test_a_control_id_delivered_or_failed_may_be_submitted_again(peers, senders, recorder):
    """Only what is still queued is a duplicate: a message the engine took or refused leaves the
    queue, and the same control id handed over again (a restart's resend) goes out again."""
    peer = peers(lambda cid, seen: Reply("AR" if cid == "MSG00002" else "AA"))
    peer.listen()
    sender = senders()
    submit_all(sender, range(1, 3))
    recorder.wait_for(lambda: recorder.delivered == ["MSG00001"] and len(recorder.failed) == 1,
                      "one delivered, one refused")
    submit_all(sender, range(1, 3))
    recorder.wait_for(lambda: len(peer.received) == 4, "both sent again")
    assert peer.received == ["MSG00001", "MSG00002", "MSG00001", "MSG00002"]
    assert recorder.delivered == ["MSG00001", "MSG00001"]


def test_submit_refuses_mllp_bytes_in_the_message(clock):
    sender = _unstarted(clock)
    cid, text = message(1)
    with pytest.raises(ValueError, match="contains the MLLP byte 0x1C"):
        sender.submit(cid, text + "NTE|1||a\x1cb\r")


def test_submit_refuses_text_that_is_not_hl7(clock):
    with pytest.raises(ValueError, match="not an HL7 v2 message"):
        _unstarted(clock).submit("x", "hello")


@pytest.mark.parametrize("url", ["http://engine:2575", "mllp://engine", "mllp://:2575",
                                 "mllp://engine:99999", "mllp://engine:2575/channel",
                                 "mllp://u:p@engine:2575",
                                 "mllp://engine:2575?x", "mllp://[::1:2575"])
def test_a_bad_url_is_refused_with_the_form_to_use(url):
    with pytest.raises(ValueError, match="mllp://host:port|mllp://engine.clinic.lan:6661"):
        parse_mllp_url(url)


@pytest.mark.parametrize(("url", "words"), [
    ("mllps://engine", "--forward 'mllps://engine' has no port: a port 1-65535 is required"),
    ("mllp://engine:0", "--forward 'mllp://engine:0' has port 0: the port is a number 1-65535"),
    ("mllp://u:s3cret@engine:2575", "--forward 'mllp://u:***@engine:2575' holds a user name or "
                                    "password, which MLLP does not use"),
])
def test_a_bad_url_says_what_is_wrong_under_the_name_given(url, words):
    with pytest.raises(ValueError) as caught:
        parse_mllp_url(url, "--forward")
    assert str(caught.value).startswith(words)
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("url", ["MLLPS://engine:6661", " mllps://engine:6661"])
def test_an_address_read_as_mllps_is_always_tls(url):
    # parse_mllp_url (and the plaintext rule) read the scheme as urlsplit does: in any case,
    # after spaces. The context must too, or "MLLPS://" would go to another machine in clear.
    assert parse_mllp_url(url) == ("engine", 6661)
    assert client_tls_context(url, None) is not None
    assert client_tls_context("mllp://engine:6661", None) is None


def test_url_gives_host_and_port():
    assert parse_mllp_url("mllp://engine.clinic.lan:6661") == ("engine.clinic.lan", 6661)
    assert parse_mllp_url("mllp://[::1]:2575") == ("::1", 2575)


def test_settings_out_of_range_are_refused(clock):
    with pytest.raises(ValueError, match="ack_timeout must be more than 0 seconds, not 0"):
        MllpSender("mllp://127.0.0.1:2575", clock=clock, on_delivered=lambda cid: None,
                   on_failed=lambda cid, reason: None, ack_timeout=0)
    with pytest.raises(ValueError, match="max_tries must be at least 1, not 0"):
        MllpSender("mllp://127.0.0.1:2575", clock=clock, on_delivered=lambda cid: None,
                   on_failed=lambda cid, reason: None, max_tries=0)


def test_stop_before_start_leaves_the_queue(clock):
    sender = _unstarted(clock)
    sender.submit(*message(1))
    sender.stop()
    assert sender.status().state is SenderState.STOPPED
    assert sender.pending() == ["MSG00001"]


# ---------------------------------------------------------------------------------------------
# Pure pieces


def test_defaults_follow_the_engines():
    # Smile CDR times a send out after 10 s; the back-off is capped at its 10 s between tries.
    assert DEFAULT_ACK_TIMEOUT == 10.0
    assert [backoff_delay(n) for n in range(1, 8)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert max(DEFAULT_BACKOFF) == 10.0


def test_control_id_is_msh_10():
    assert control_id_of(message(7)[1]) == "MSG00007"
    with pytest.raises(ValueError, match="has no MSH-10"):
        control_id_of("MSH|^~\\&|A|B\r")


def test_parse_ack_reads_code_control_id_and_text():
    ack = b"MSH|^~\\&|E|C|I|C|20260105||ACK^R01^ACK|1|P|2.6\rMSA|ae|MSG1|disk full\r"
    assert parse_ack(ack) == Ack("AE", "MSG1", "disk full")


def test_parse_ack_takes_the_err_user_message_when_msa_3_is_empty():
    ack = (b"MSH|^~\\&|E|C|I|C|20260105||ACK|1|P|2.6\rMSA|AR|MSG1\r"
           b"ERR||||E||||unknown OBX code\r")
    assert parse_ack(ack) == Ack("AR", "MSG1", "unknown OBX code")


def test_parse_ack_uses_the_acks_own_field_separator():
    assert parse_ack(b"MSH#^~\\&#E#C\nMSA#AA#MSG1\n") == Ack("AA", "MSG1", "")


def test_a_message_without_msa_is_no_ack():
    assert parse_ack(message(1)[1].encode()) is None


def test_the_sender_does_not_import_qt():
    code = ("import sys, console.network.mllp_sender; "
            "print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_mllps_to_a_plain_engine_says_it_may_be_a_plain_port(reserved_port, senders, recorder,
                                                              clock):
    # The IT audit: mllps:// to a plain engine said "no TLS handshake within 10 s" and no more.
    # A plain listener (as python-hl7's server does) reads the TLS hello and answers nothing.
    with socket.create_server((HOST, reserved_port)) as listener:
        sender = senders(ssl_context=client_tls_context("mllps://engine:6661", None))
        submit_all(sender, range(1, 2))
        connection, _ = listener.accept()
        with connection:
            assert connection.recv(1) == b"\x16"   # a TLS record: the handshake has begun
            clock.advance(DEFAULT_CONNECT_TIMEOUT)
            recorder.wait_for(lambda: sender.status().last_error is not None, "the attempt's end")
    assert sender.status().last_error == (
        f"cannot connect to the MLLP peer {HOST}:{reserved_port}: no TLS handshake within "
        f"{DEFAULT_CONNECT_TIMEOUT} s; is that port a TLS listener? a plain MLLP port takes "
        "mllp://, not mllps://")


# ---------------------------------------------------------------------------------------------
# Faults named, not hidden: a host name DNS cannot carry, an engine refusing the TLS handshake,
# a large message on a slow link, an engine acknowledging another control id


def test_a_host_name_dns_cannot_carry_backs_off_naming_it_rather_than_crashing(clock, recorder):
    # "engine..clinic.lan" (a typo) has an empty label: Python's IDNA codec refuses it inside
    # getaddrinfo with a UnicodeError, which ended the sender's thread for good ("stopped by a
    # fault", no cause, nothing tried again). The settings refuse it at load (config.undialable,
    # tests/network/test_engine_host_names.py); a sender given it anyway says it and retries.
    sender = MllpSender("mllp://engine..clinic.lan:6661", clock=clock,
                        on_delivered=recorder.on_delivered, on_failed=recorder.on_failed,
                        on_status=recorder.on_status, poll_interval=POLL)
    sender.start()
    try:
        submit_all(sender, range(1, 2))
        recorder.wait_for(lambda: recorder.backing_off(1) is not None
                          or sender.status().state is SenderState.CRASHED, "the attempt's end")
        assert sender.status().last_error == (
            "cannot find the MLLP peer engine..clinic.lan:6661: not a valid host name: an empty "
            "part (two dots in a row, or a dot first); check the host name")
        # Tried again after the back-off, as any unreachable engine is.
        clock.advance(backoff_delay(1))
        recorder.wait_for(lambda: recorder.backing_off(2) is not None, "the second attempt")
        assert sender.pending() == ["MSG00001"]
    finally:
        sender.stop()
    assert SenderState.CRASHED not in [status.state for status, _ in recorder.statuses]


def client_certificate_wanted(tmp_path: Any) -> tuple[Any, ssl.SSLContext]:
    """(the CA file, a TLS 1.2 engine's server context that requires a client certificate):
    a hospital's engine with mutual TLS on Java 8 (Mirth, Rhapsody)."""
    from console.network.broker_setup import make_certificates  # noqa: PLC0415

    ca, cert, key = make_certificates(tmp_path, "localhost")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(ca))
    server.load_cert_chain(cert, key)
    server.verify_mode = ssl.CERT_REQUIRED
    server.maximum_version = ssl.TLSVersion.TLSv1_2
    return ca, server


def test_an_engine_refusing_the_tls_handshake_is_named_not_called_a_plain_port(
        tmp_path, clock, recorder):
    # It said "is that port a TLS listener? a plain MLLP port takes mllp://, not mllps://": IT
    # was steered to send patient data unencrypted to a listener plainly speaking TLS.
    ca, server = client_certificate_wanted(tmp_path)

    def wants_a_certificate(n: int, conn: socket.socket, peer: RawPeer) -> None:
        try:   # the handshake ends in the TLS alert handshake_failure, as Java's does
            server.wrap_socket(conn, server_side=True).close()
        except OSError:
            pass

    peer = RawPeer(wants_a_certificate)
    url = f"mllps://localhost:{peer.port}"   # the name its certificate is made for
    sender = MllpSender(url, clock=clock, on_delivered=recorder.on_delivered,
                        on_failed=recorder.on_failed, on_status=recorder.on_status,
                        ssl_context=client_tls_context(url, ca), poll_interval=POLL)
    try:
        sender.start()
        submit_all(sender, range(1, 2))
        recorder.wait_for(lambda: recorder.backing_off(1) is not None, "the refused handshake")
        assert sender.status().last_error == (
            f"cannot connect to the MLLP peer localhost:{peer.port}: the engine refused the "
            "TLS handshake (TLS alert handshake failure): it may require a client certificate "
            "(the console has none) or a TLS version or cipher the console does not offer")
    finally:
        sender.stop()
        peer.close()


@pytest.mark.parametrize("keeps_open", [False, True], ids=["closes-at-once", "waits-for-the-close"])
def test_a_tls13_engine_wanting_a_client_certificate_is_named(keeps_open, tmp_path, clock,
                                                               recorder):
    # Over TLS 1.3 the client's handshake is over before the engine has read its (empty)
    # certificate: the alert comes after the message was sent. It read "…broke while 'MSG00001'
    # was in flight: TLS error (EOF occurred in violation of protocol …)".
    ca, server = client_certificate_wanted(tmp_path)
    server.minimum_version = server.maximum_version = ssl.TLSVersion.TLSv1_3

    def wants_a_certificate(n: int, conn: socket.socket, peer: RawPeer) -> None:
        tls = server.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        try:
            tls.do_handshake()   # ends in the alert certificate_required
        except OSError:
            pass
        if keeps_open:   # until the client closes: its message is taken, the alert read after
            with socket.fromfd(tls.fileno(), socket.AF_INET, socket.SOCK_STREAM) as raw, \
                    contextlib.suppress(OSError):
                while raw.recv(65536):
                    pass
        tls.close()   # else at once, as Python's ssl and Mosquitto do: the message sent after
        # it fails, the alert waits unread

    peer = RawPeer(wants_a_certificate)
    url = f"mllps://localhost:{peer.port}"
    sender = MllpSender(url, clock=clock, on_delivered=recorder.on_delivered,
                        on_failed=recorder.on_failed, on_status=recorder.on_status,
                        ssl_context=client_tls_context(url, ca), poll_interval=POLL)
    try:
        sender.start()
        submit_all(sender, range(1, 2))
        recorder.wait_for(lambda: recorder.backing_off(1) is not None, "the refused handshake")
        # As over TLS 1.2: the engine refused the connection, no message was read.
        assert sender.status().last_error == (
            f"cannot connect to the MLLP peer localhost:{peer.port}: the engine requires a "
            "client certificate (TLS alert certificate required): the console has none")
        assert sender.pending() == ["MSG00001"]
    finally:
        sender.stop()
        peer.close()


def test_an_alert_left_unread_behind_a_failed_send_is_found(tmp_path):
    # The TLS 1.3 engine above that closes at once: whether the sender's send beats its close is
    # the machine's timing. Here the send always comes after: it fails (an end of file, a
    # reset), the alert still unread behind it.
    ca, server = client_certificate_wanted(tmp_path)
    server.minimum_version = server.maximum_version = ssl.TLSVersion.TLSv1_3
    with socket.create_server((HOST, 0)) as listener:
        raw = socket.create_connection(listener.getsockname())
        conn, _ = listener.accept()

        def refuse() -> None:
            with contextlib.suppress(OSError):
                server.wrap_socket(conn, server_side=True).close()

        engine = threading.Thread(target=refuse)
        engine.start()
        client = ssl.create_default_context(cafile=str(ca)).wrap_socket(
            raw, server_hostname="localhost")
        engine.join()   # alerted and closed
        client.setblocking(False)
        with client:
            with pytest.raises(OSError) as failed:
                while True:
                    client.send(b"\x0bMSH|...\x1c\r")
            # The send says nothing of why: an end of file, or a reset (Python 3.13 here)
            # that is no TLS error at all.
            assert not isinstance(failed.value, ssl.SSLError) \
                or tls_alert_name(failed.value) is None
            alert = alert_left(client, failed.value)
    assert alert is not None and tls_alert_name(alert) == "certificate required"


# What a plain MLLP listener sends back to a TLS hello it cannot read: an HL7 NAK.
_PLAIN_NAK = (b"\x0bMSH|^~\\&|ENGINE|CLINIC|IC|CHAIR|20260105090001+0000||ACK|N1|P|2.6\r"
              b"MSA|AR|UNKNOWN\r\x1c\r")


@pytest.mark.parametrize("answer", [_PLAIN_NAK, b""], ids=["answers-in-plain-mllp", "closes"])
def test_mllps_to_a_plain_listener_that_answers_or_closes_still_says_it_may_be_a_plain_port(
        answer, reserved_port, senders, recorder):
    with socket.create_server((HOST, reserved_port)) as listener:
        sender = senders(ssl_context=client_tls_context("mllps://engine:6661", None))
        submit_all(sender, range(1, 2))
        connection, _ = listener.accept()
        with connection:
            assert connection.recv(1) == b"\x16"   # a TLS record: the handshake has begun
            connection.sendall(answer)
        recorder.wait_for(lambda: recorder.backing_off(1) is not None, "the attempt's end")
    error = sender.status().last_error or ""
    assert error.startswith(f"cannot connect to the MLLP peer {HOST}:{reserved_port}: "), error
    assert error.endswith("; is that port a TLS listener? a plain MLLP port takes mllp://, not "
                          "mllps://"), error


MB = 1_000_000


def _large_message(n: int, size: int) -> tuple[str, str]:
    """A PCD-01 of `size` bytes or more: what a whole backlog batched in one message is."""
    cid, text = message(n)
    row = ("OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.2|72|264864^MDC_DIM_BEAT_PER_MIN^MDC"
           "|||||R\r")
    return cid, text + row * (size // len(row) + 1)


class _WatchedClock(ManualClock):
    """A ManualClock that counts the sender thread's readings of it, to wait on: once the
    sender has read it after a move, it has judged its deadlines by that time."""

    def __init__(self) -> None:
        super().__init__()
        self.cond = threading.Condition()
        self.reads = 0

    def now(self) -> Any:
        if threading.current_thread().name.startswith("mllp-sender:"):
            with self.cond:
                self.reads += 1
                self.cond.notify_all()
        return super().now()

    def read_after(self, reads: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.reads > reads, WAIT), "the sender is stuck"


def test_a_message_longer_to_send_than_the_ack_time_out_is_delivered_at_the_first_send():
    # The ACK time-out ran from before the first byte and covered the sending: a message taking
    # longer than that to cross a slow link was cut off at every try, sent again from its first
    # byte, never counted as a try nor delivered, and every later message (alarm phases too)
    # waited behind it. The link is the engine reading 1 MB per second of the sender's clock:
    # 4 MB take 4 s, twice the 2 s time-out, though bytes move all the time. What the buffers
    # hold once the sender has handed its last byte over crosses the link after it: Linux grew
    # the send buffer to 3.9 MB by itself, so all of it was handed over at once and the
    # time-out ran out while the engine read. The sender keeps it small (with the engine's
    # 128 kB receive buffer, under 0.3 s of this link).
    clock = _WatchedClock()
    cid, text = _large_message(1, 4 * MB)

    def slow_link(n: int, conn: socket.socket, peer: RawPeer) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        taken, head = 0, b""
        while True:
            chunk = conn.recv(16384)
            if not chunk:
                peer.got(f"cut after {taken} bytes")
                return
            clock.advance(len(chunk) / MB)
            taken += len(chunk)
            head = head if len(head) >= 200 else head + chunk[:200]
            if b"\x1c" in chunk:
                peer.got(msh10(head[1:]))
                # The engine answers once the sender has looked at its clock, now 4 s on: a
                # time-out would be taken then, not raced by the ACK.
                clock.read_after(clock.reads)
                conn.sendall(ack("AA", msh10(head[1:])))
                conn.recv(1)   # until the sender closes: one message here
                return

    peer = RawPeer(slow_link)
    recorder = Recorder(clock)
    sender = MllpSender(peer.url, clock=clock, on_delivered=recorder.on_delivered,
                        on_failed=recorder.on_failed, on_status=recorder.on_status,
                        ack_timeout=ACK_TIMEOUT, poll_interval=POLL)
    sender.start()
    try:
        start = clock.now().mono
        sender.submit(cid, text)
        recorder.wait_for(lambda: bool(recorder.delivered) or peer.connections > 1,
                          "the first send's end")
        # The whole message reached the engine at the first send and is delivered.
        assert peer.received[:1] == [cid]
        assert peer.connections == 1
        assert recorder.delivered == [cid]
        assert sender.status().last_error is None
        assert clock.now().mono - start >= 2 * ACK_TIMEOUT
    finally:
        sender.stop()
        peer.close()


def test_a_send_the_engine_takes_nothing_of_for_the_ack_time_out_is_cut_and_sent_again(
        clock, recorder):
    # Bytes that stop moving still end the try (an engine hung with its receive buffer full):
    # the message goes again on a new connection, as after a time-out waiting for its ACK.
    cid, text = _large_message(1, 2 * MB)   # more than the buffers between the two hold
    hung = threading.Event()

    def hangs_then_reads(n: int, conn: socket.socket, peer: RawPeer) -> None:
        if n == 1:
            hung.wait(WAIT)
            return
        accept_everything(conn, peer)

    peer = RawPeer(hangs_then_reads)
    sender = MllpSender(peer.url, clock=clock, on_delivered=recorder.on_delivered,
                        on_failed=recorder.on_failed, on_status=recorder.on_status,
                        ack_timeout=ACK_TIMEOUT, poll_interval=POLL)
    sender.start()
    try:
        sender.submit(cid, text)
        # The clock moves on in time-out steps until the sender gives the hung connection up
        # (it may still have been filling the buffers at the first step).
        for _ in range(20):
            if peer.wait_for(lambda: peer.connections == 2, 0.1):
                break
            clock.advance(ACK_TIMEOUT)
        recorder.wait_for(lambda: recorder.delivered == [cid], "delivered on a new connection")
        assert peer.received == [cid]
        assert [s.last_error for s, _ in recorder.statuses if s.last_error][:1] == [
            f"the engine took none of {cid!r} for {ACK_TIMEOUT:g} s while it was sent"]
        assert recorder.failed == []
    finally:
        hung.set()
        sender.stop()
        peer.close()


class _Heard(logging.Handler):
    """The sender's log lines, to wait on: the moment it has read an engine's answer."""

    def __init__(self) -> None:
        super().__init__()
        self.cond = threading.Condition()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with self.cond:
            self.lines.append(record.getMessage())
            self.cond.notify_all()

    def wait_for(self, words: str) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: any(words in line for line in self.lines), WAIT), (
                f"never logged {words!r}: {self.lines}")


@pytest.fixture
def heard() -> Iterator[_Heard]:
    handler = _Heard()
    logger = logging.getLogger("console.network.mllp_sender")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_an_engine_acknowledging_another_control_id_is_named_in_the_status(
        peers, senders, recorder, clock, heard):
    # A channel answering with its own control id in MSA-2 held the queue for good, each try
    # timed out and sent again, while the status said only "sent, waiting for its answer": the
    # cause was in the worker's stderr alone.
    peer = peers(lambda cid, seen: Reply("AA", ack_id="ENGINE-0001"))
    peer.listen()
    sender = senders()
    [cid] = submit_all(sender, range(1, 2))
    heard.wait_for(f"acknowledged 'ENGINE-0001' while {cid!r} was in flight")
    assert sender.status().last_error is None
    clock.advance(ACK_TIMEOUT)
    # Sent again, and the status (the status line's cause, the network alarm's detail) says why.
    peer.wait_for(lambda: peer.received == [cid, cid], "sent again")
    recorder.wait_for(lambda: sender.status().last_error is not None, "the cause named")
    assert sender.status().last_error == (
        f"the engine acknowledged 'ENGINE-0001', not {cid!r} (check its MSA-2 setting)")
    assert sender.status().state is SenderState.AWAITING_ACK
    assert recorder.delivered == []


def test_an_engine_that_does_not_answer_is_named_in_the_status_until_it_does(
        peers, senders, recorder, clock):
    peer = peers(lambda cid, seen: Reply(None) if seen == 1 else Reply("AA"))
    peer.listen()
    sender = senders()
    [cid] = submit_all(sender, range(1, 2))
    peer.wait_for(lambda: peer.received == [cid], "the first send")
    clock.advance(ACK_TIMEOUT)
    recorder.wait_for(lambda: recorder.delivered == [cid], "delivered at the second send")
    said = [status.last_error for status, _ in recorder.statuses
            if status.state is SenderState.AWAITING_ACK and status.last_error]
    assert said == [f"no answer to {cid!r} within {ACK_TIMEOUT:g} s"]
    # Its ACK ends the words.
    recorder.wait_for(lambda: sender.status().state is SenderState.IDLE, "idle")
    assert sender.status().last_error is None

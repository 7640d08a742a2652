"""The IntelliVue conversation: the decoder against the simulated monitor, in memory.

Time is a tick counter (one tick = one turn of the transport's read loop, 0.1 s) passed to
`outgoing`; nothing sleeps. Each test is a scenario: one comment per step, the decoder's phase
and what crossed the link checked after it.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import pytest

from devices.intellivue import ids
from devices.intellivue.association import RELEASE_REQUEST, RELEASE_RESPONSE
from devices.intellivue.codec import read_envelope
from devices.intellivue.decoder import (
    ASSOCIATION_RETRY_SECONDS,
    KEEP_ALIVE_SECONDS,
    IntelliVueDecoder,
    Phase,
)
from devices.intellivue.framing import frame, split_frames
from devices.intellivue.messages import read_poll_request
from devices.reading import Reading
from devices.simulator.intellivue_monitor import IntelliVueMonitor, MonitorPhase
from devices.simulator.physiology import Nibp, Sample
from devices.stream import DecodeResult

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TICK = 0.1
PLUS_ONE = timezone(timedelta(hours=1))


def sample_at(seconds: float) -> Sample:
    """The patient at `seconds`: steady vitals, a cuff measurement 10 s before T0."""
    return Sample(40.0 + seconds, 72, 71, 15, 97, Nibp(30.0, 121, 79, 93))


def kind(message: bytes) -> str:
    """What the console sent: `associate`, `poll`, `release`, `release-response`, `confirm`."""
    if message == RELEASE_REQUEST:
        return "release"
    if message == RELEASE_RESPONSE:
        return "release-response"
    if message[0] == ids.SPDU_CONNECT:
        return "associate"
    env = read_envelope(message)
    return "poll" if env.command == ids.CMD_CONFIRMED_ACTION else "confirm"


@dataclass
class Link:
    """A decoder and a simulated monitor joined in memory.

    `monitor_up` False: the monitor hears and says nothing (cable out, powered off). `filter`
    can drop a message on its way from the monitor (returns False to drop).
    """

    lan: bool = False
    poll_seconds: float = 1.0
    per_message: int = 2
    monitor_up: bool = True
    filter: Callable[[bytes], bool] = lambda message: True
    tick: int = 0
    sent: list[tuple[float, str]] = field(default_factory=list)
    result: DecodeResult = field(default_factory=DecodeResult)

    def __post_init__(self) -> None:
        self.decoder = IntelliVueDecoder("bed-1", lan=self.lan, poll_seconds=self.poll_seconds)
        self.monitor = IntelliVueMonitor(self.lan, observations_per_message=self.per_message,
                                         monitor_tz=PLUS_ONE)

    @property
    def now(self) -> float:
        return self.tick * TICK

    @property
    def at(self) -> datetime:
        return T0 + timedelta(seconds=self.now)

    def _messages(self, wire: bytes) -> list[bytes]:
        return [wire] if self.lan else [f.data for f in split_frames(wire).frames]

    def to_monitor(self, wire: bytes) -> None:
        for message in self._messages(wire):
            self.sent.append((round(self.now, 1), kind(message)))
        if not self.monitor_up:
            return
        back = self.monitor.on_bytes(wire, sample_at(self.now), self.at)
        while back:
            self.from_monitor(back)
            back = self.monitor.on_bytes(b"", sample_at(self.now), self.at) if self.lan else b""

    def from_monitor(self, wire: bytes) -> None:
        kept = [m for m in self._messages(wire) if self.filter(m)]
        for message in kept:
            result = self.decoder.feed(message if self.lan else frame(message), self.at)
            self.result.extend(result)
            for reply in result.replies:
                self.to_monitor(reply.now)

    def run(self, seconds: float) -> None:
        """Turn the read loop for `seconds`."""
        for _ in range(round(seconds / TICK)):
            out = self.decoder.outgoing(self.now, self.at)
            if out:
                self.to_monitor(out)
            self.tick += 1

    def kinds(self) -> list[str]:
        return [k for _, k in self.sent]

    def times(self, what: str) -> list[float]:
        return [t for t, k in self.sent if k == what]


def values(readings: list[Reading]) -> dict[str, float]:
    return {r.metric: r.value for r in readings}


# --------------------------------------------------------------------------- the happy path


@pytest.mark.parametrize("lan", [False, True], ids=["serial", "lan"])
def test_full_conversation(lan: bool) -> None:
    link = Link(lan=lan)
    # First turn: the association request goes out; the monitor answers and sends MDS-create,
    # which the decoder confirms at once; the first poll follows on the next turn.
    link.run(0.2)
    assert link.kinds() == ["associate", "confirm", "poll"]
    assert link.decoder.phase is Phase.POLLING
    assert link.monitor.phase is MonitorPhase.READY
    # The first reply carries labels only: no readings, and the next poll comes after the
    # monitor's minimum period (0.5 s), not a whole second.
    assert link.result.readings == []
    link.run(0.5)
    assert link.times("poll") == [0.1, 0.6]
    # Then one poll a second, each answered with every vital.
    link.run(5.0)
    assert link.times("poll") == [0.1, 0.6, 1.6, 2.6, 3.6, 4.6, 5.6]
    assert link.decoder.polls_sent == link.monitor.polls_answered == 7
    assert values(link.result.readings) == {
        "heart_rate": 72, "pulse_rate": 71, "spo2": 97, "resp_rate": 15, "bp_systolic": 121,
        "bp_diastolic": 79, "bp_mean": 93}
    assert len(link.result.readings) == 6 * 7
    # NBP carries the cuff's own time (10 s before T0), from the monitor's UTC+1 clock mapped
    # through the offset learned from MDS-create; the others have none.
    nbp = {r.measured_at for r in link.result.readings if r.metric.startswith("bp_")}
    assert nbp == {T0 - timedelta(seconds=10)}
    assert {r.measured_at for r in link.result.readings if not r.metric.startswith("bp_")} \
        == {None}
    assert {r.source for r in link.result.readings} == {"intellivue:0009fb000001"}
    assert {r.received_at for r in link.result.readings} <= {
        T0 + timedelta(seconds=t) for t in link.times("poll")}
    # Every message from the monitor was a good frame: response, MDS-create, and per poll two
    # linked parts + final (labels-only: 3 parts + final; values: 3 parts + final).
    assert link.result.frames == 2 + 7 * 4
    assert link.result.dropped == []


def test_linked_parts_hold_the_next_poll_until_the_final_result() -> None:
    link = Link(per_message=1)
    held: list[bytes] = []

    def hold_finals(message: bytes) -> bool:
        env = read_envelope(message) if message[0] == 0xE1 else None
        if env is not None and env.ro_type == ids.RO_RESULT and \
                env.command == ids.CMD_CONFIRMED_ACTION and link.tick >= 10:
            held.append(message)
            return False
        return True

    link.filter = hold_finals
    link.run(1.0)
    assert link.times("poll") == [0.1, 0.6]
    # From 1 s on the final results are held back: the poll of 1.6 s stays in flight, so the next
    # one waits POLL_REPLY_WAIT_SECONDS (3 s), though its parts (and values) arrived.
    link.run(4.0)
    assert link.times("poll") == [0.1, 0.6, 1.6, 4.6]
    assert held and values(link.result.readings)["heart_rate"] == 72


# --------------------------------------------------------------------------- association


def test_association_request_resent_while_the_monitor_is_silent() -> None:
    link = Link(monitor_up=False)
    link.run(7.0)
    # Sent at once, then every ASSOCIATION_RETRY_SECONDS (3 s).
    assert link.times("associate") == [0.0, ASSOCIATION_RETRY_SECONDS, 2 * ASSOCIATION_RETRY_SECONDS]
    assert link.decoder.phase is Phase.ASSOCIATING
    assert link.result.frames == 0
    # The monitor comes back: the next request is answered and polling starts.
    link.monitor_up = True
    link.run(3.0)
    assert link.decoder.phase is Phase.POLLING
    assert link.monitor.associations == 1


def test_missing_mds_create_while_associated_releases_and_starts_over() -> None:
    link = Link()
    link.filter = lambda m: not (m[0] == 0xE1 and read_envelope(m).ro_type == ids.RO_INVOKE)
    # The association response arrives, MDS-create never does.
    link.run(0.1)
    assert link.decoder.phase is Phase.WAITING_FOR_MDS
    link.run(5.1)
    # Five seconds after the response (stamped at the next turn, 0.1 s): release.
    assert link.times("release") == [5.1]
    # The monitor answers the release; the decoder starts over with a new association request.
    assert link.decoder.phase is Phase.START
    link.run(0.2)
    assert link.times("associate") == [0.0, 5.2]


def test_refused_association_waits_before_asking_again() -> None:
    link = Link(monitor_up=False)
    link.run(0.1)
    link.result.extend(link.decoder.feed(frame(bytes.fromhex("0c 03 11 01 00")), link.at))
    assert link.decoder.phase is Phase.START
    assert [d.reason for d in link.result.dropped] == ["association-refused"]
    link.run(9.9)
    assert link.times("associate") == [0.0]
    link.run(0.2)
    assert link.times("associate") == [0.0, 10.1]


# --------------------------------------------------------------------------- while polling


def test_monitor_release_while_polling_is_answered_and_the_conversation_restarts() -> None:
    link = Link()
    link.run(2.0)
    polls_before = len(link.times("poll"))
    # The monitor ends the association: the decoder answers with a release response at once.
    link.from_monitor(link.monitor.release())
    assert link.kinds()[-1] == "release-response"
    assert link.decoder.phase is Phase.START
    # One second later it associates again; the first poll is labels-only again.
    link.run(1.2)
    assert link.times("associate") == [0.0, 3.0]
    assert link.decoder.phase is Phase.POLLING and link.monitor.associations == 2
    assert len(link.times("poll")) > polls_before


def test_abort_while_polling_restarts_after_a_second() -> None:
    link = Link()
    link.run(2.0)
    link.result.extend(link.decoder.feed(frame(bytes.fromhex("19 2e 11 01 03 c1 29 a0 80")),
                                         link.at))
    assert link.decoder.phase is Phase.START
    link.run(1.1)
    assert link.times("associate") == [0.0, 3.0]


def test_silence_while_polling_releases_and_associates_again() -> None:
    link = Link()
    link.run(2.0)
    # The monitor stops answering; its last answer (to the poll of 1.6 s) was heard at the
    # next turn, 1.7 s.
    link.monitor_up = False
    link.run(12.0)
    # Polls continue, one in flight at a time (3 s apart once unanswered), until 10 s without a
    # message: then the association is released.
    assert link.times("poll")[-5:] == [1.6, 2.6, 5.6, 8.6, 11.6]
    assert link.times("release") == [11.7]
    # The release goes unanswered: after RELEASE_WAIT_SECONDS (2 s) the decoder starts over.
    assert link.times("associate") == [0.0, 13.8]
    assert link.decoder.phase is Phase.ASSOCIATING
    # The monitor returns: the next retry (3 s later) associates and polling resumes.
    link.monitor_up = True
    link.run(3.0)
    assert link.times("associate") == [0.0, 13.8, 16.8]
    assert link.decoder.phase is Phase.POLLING


def test_poll_period_never_under_the_monitors_minimum() -> None:
    link = Link(poll_seconds=0.2)
    link.run(3.0)
    polls = link.times("poll")
    assert [round(b - a, 1) for a, b in zip(polls[1:], polls[2:])] == [0.5] * (len(polls) - 2)


def test_slow_poll_period_still_keeps_the_association_alive() -> None:
    link = Link(poll_seconds=30.0)
    link.run(16.0)
    polls = link.times("poll")
    assert polls[:2] == [0.1, 0.6]
    assert [round(b - a, 1) for a, b in zip(polls[1:], polls[2:])] == [KEEP_ALIVE_SECONDS] * 3
    assert link.decoder.phase is Phase.POLLING


def test_closing_bytes_release_the_association() -> None:
    link = Link()
    assert link.decoder.closing_bytes() == b""   # nothing sent yet: nothing to release
    link.run(2.0)
    closing = link.decoder.closing_bytes()
    assert split_frames(closing).frames[0].data == RELEASE_REQUEST
    assert link.decoder.phase is Phase.RELEASING
    link.to_monitor(closing)
    assert link.monitor.phase is MonitorPhase.IDLE
    assert link.decoder.phase is Phase.START      # the monitor's release response came back


def test_lan_closing_bytes_are_one_bare_message() -> None:
    link = Link(lan=True)
    link.run(1.0)
    assert link.decoder.closing_bytes() == RELEASE_REQUEST


def test_polls_use_new_invoke_ids_and_poll_numbers() -> None:
    decoder = IntelliVueDecoder(lan=True)
    link = Link(lan=True)
    link.decoder = decoder
    seen: list[tuple[int, int]] = []
    original = link.to_monitor

    def spy(wire: bytes) -> None:
        if wire[0] == 0xE1 and read_envelope(wire).command == ids.CMD_CONFIRMED_ACTION:
            request = read_poll_request(read_envelope(wire))
            seen.append((request.invoke_id, request.poll_number))
            assert request.object_type == (1, 6)
        original(wire)

    link.to_monitor = spy  # type: ignore[method-assign]
    link.run(3.0)
    assert seen == [(1, 1), (2, 2), (3, 3), (4, 4)]


def test_outgoing_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = IntelliVueDecoder()

    def broken(_now: float) -> bytes:
        raise RuntimeError("planted")

    monkeypatch.setattr(decoder, "_outgoing", broken)
    assert decoder.outgoing(0.0, T0) == b""


def test_poll_seconds_must_be_positive() -> None:
    with pytest.raises(ValueError, match="poll_seconds must be > 0"):
        IntelliVueDecoder(poll_seconds=0)


def test_one_cuff_measurement_keeps_one_time_however_often_it_is_polled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The scenario runs 10x faster than the wall clock (`infusion-sim --speed 10`): the NBP time
    # was worked out again at every poll and moved, so the console stored every poll as a new
    # measurement (QA: 11 identical bp rows in 50 s, times out of order).
    def fast(seconds: float) -> Sample:
        cuff = Nibp(30.0, 121, 79, 93) if seconds < 3 else Nibp(65.0, 130, 85, 100)
        return Sample(40.0 + 10 * seconds, 72, 71, 15, 97, cuff)

    monkeypatch.setattr(sys.modules[__name__], "sample_at", fast)
    link = Link()
    link.run(6.0)
    times: dict[float, set[datetime | None]] = defaultdict(set)
    for r in link.result.readings:
        if r.metric == "bp_systolic":
            times[r.value].add(r.measured_at)
    polled = [r.value for r in link.result.readings if r.metric == "bp_systolic"]
    assert polled.count(121) >= 2 and polled.count(130) >= 2  # each polled several times
    # One time per measurement, the second measurement's after the first's.
    assert len(times[121]) == 1 and len(times[130]) == 1
    (first,), (second,) = times[121], times[130]
    assert first is not None and second is not None and first < second

"""One IntelliVue poll, one message to the console, however the monitor splits its reply.

The monitor sends a poll's reply as linked results (1 first, 2 middle, 3 last) and a final
result; on the LAN each is a datagram, one transport event. The decoder keeps the poll's values
until its final result and hands them on together, so one vital's two channels (the airway RR
beside the impedance RR) are judged side by side (tests/session/
test_intellivue_airway_rr_beside_impedance_rr.py). A final result that never comes holds them
no longer than the next poll's reply, the line's quiet or the end of the stream: never lost,
never handed on twice.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from devices.intellivue import ids
from devices.intellivue.codec import envelope, read_envelope
from devices.intellivue.decoder import IntelliVueDecoder
from devices.intellivue.framing import frame
from devices.stream import DecodeResult
from tests.devices.test_intellivue_conversation import Link

VITALS = 7   # per poll: HR, pulse, SpO2, RR and the cuff's three pressures


def part(message: bytes) -> str:
    """What a message from the monitor is: `first`, `middle`, `last` (linked results),
    `final` (the RORS ending a poll), or `other`."""
    if message[0] != 0xE1:
        return "other"
    env = read_envelope(message)
    if env.command != ids.CMD_CONFIRMED_ACTION:
        return "other"
    if env.ro_type == ids.RO_RESULT:
        return "final"
    return {ids.LINKED_FIRST: "first", ids.LINKED_MIDDLE: "middle",
            ids.LINKED_LAST: "last"}.get(env.linked_state, "other")


@dataclass
class Parts(Link):
    """A `Link` that keeps what each message from the monitor handed on: (part, result)."""

    events: list[tuple[str, DecodeResult]] = field(default_factory=list)
    lose_finals: bool = False
    last_invoke: int = 0   # the invoke id of the last poll reply part that arrived
    messages: list[tuple[str, bytes]] = field(default_factory=list)   # (part, message) as sent

    def from_monitor(self, wire: bytes) -> None:
        for message in self._messages(wire):
            self.messages.append((part(message), message))
            if self.lose_finals and part(message) == "final":
                continue
            if part(message) != "other":
                self.last_invoke = read_envelope(message).invoke_id
            result = self.decoder.feed(message if self.lan else frame(message), self.at)
            self.events.append((part(message), result))
            self.result.extend(result)
            for reply in result.replies:
                self.to_monitor(reply.now)

    def handed_on(self) -> list[tuple[str, int]]:
        """(part, readings) of each message that handed readings on."""
        return [(p, len(r.readings)) for p, r in self.events if r.readings]


def polls_once_each(result: DecodeResult) -> Counter[datetime]:
    """How many readings each poll (by its arrival time) handed on in all."""
    return Counter(r.received_at for r in result.readings)


@pytest.mark.parametrize("lan", [False, True], ids=["serial", "lan"])
def test_a_poll_split_in_parts_reaches_the_console_in_one_message(lan: bool) -> None:
    # Two observations a message: each reply is three linked parts and an empty final result.
    link = Parts(lan=lan, per_message=2)
    link.run(5.0)
    # Only the final result hands readings on: the whole poll's, together.
    assert link.handed_on() == [("final", VITALS)] * 5
    # Each part is still a good frame of its own (the transport's "frames arriving").
    assert all(r.frames == 1 for p, r in link.events if p != "other")


def test_a_poll_in_one_message_is_handed_on_with_it() -> None:
    # Every observation in one reply: the final result alone, its values at once (unchanged).
    link = Parts(lan=True, per_message=10)
    link.run(5.0)
    assert {p for p, _ in link.events} == {"final", "other"}
    assert link.handed_on() == [("final", VITALS)] * 5


def test_a_lost_final_result_is_handed_on_with_the_next_polls_first_part() -> None:
    # No final result ever arrives (a lost datagram): a poll's values wait for the next poll's
    # reply, whose first part hands them on; the next poll goes POLL_REPLY_WAIT_SECONDS after.
    link = Parts(lan=True, per_message=2, lose_finals=True)
    link.run(12.0)
    handed = link.handed_on()
    assert handed and set(handed) == {("first", VITALS)}
    # The labels-only first reply aside, every poll's values came once; those of the last
    # poll are still held, to be handed on at the line's quiet (next test) or the next reply.
    per_poll = polls_once_each(link.result)
    assert set(per_poll.values()) == {VITALS}
    assert len(per_poll) == link.decoder.polls_sent - 2
    # Held ones come at the end of the stream, once.
    last = link.decoder.flush(link.at)
    assert len(last.readings) == VITALS
    assert not set(polls_once_each(last)) & set(per_poll)
    assert link.decoder.flush(link.at).readings == []


def test_a_lost_final_result_is_handed_on_at_the_lines_quiet_once() -> None:
    link = Parts(lan=True, per_message=2, lose_finals=True)
    # Association and the labels-only reply; its final result lost too, the next poll waits
    # POLL_REPLY_WAIT_SECONDS (3 s) and its parts come without their final result.
    link.run(3.5)
    assert link.handed_on() == []
    # The transport calls `quiet` QUIET_END_SECONDS after the last datagram: the poll's values
    # are handed on then, all of them in one result.
    quiet = link.decoder.quiet(link.at, 0.5)
    assert len(quiet.readings) == VITALS
    assert len(polls_once_each(quiet)) == 1
    # Never twice: not at a later quiet, not with the next poll's reply, not at the end of
    # the stream.
    assert link.decoder.quiet(link.at, 2.0).readings == []
    link.run(4.0)
    later = DecodeResult()
    later.extend(link.result)
    later.extend(link.decoder.flush(link.at))
    assert polls_once_each(later)   # the next poll's values did come
    assert polls_once_each(quiet).keys().isdisjoint(polls_once_each(later))


def test_a_poll_the_monitor_answers_with_an_error_hands_on_its_parts() -> None:
    link = Parts(lan=True, per_message=2, lose_finals=True)
    link.run(3.5)
    assert link.handed_on() == []
    # The monitor ends the poll whose parts came with an error: no final result will come.
    result = link.decoder.feed(envelope(ids.RO_ERROR, link.last_invoke, 0x0001, b""), link.at)
    assert len(result.readings) == VITALS
    assert [d.reason for d in result.dropped] == ["device-error"]
    assert link.decoder.flush(link.at).readings == []


def test_a_part_of_no_poll_in_flight_is_handed_on_as_it_comes() -> None:
    # A capture read by `infusion-console decode`, or a late reply: no poll of this decoder
    # waits for it, so no final result is awaited and its values come with it.
    link = Parts(lan=True, per_message=2)
    link.run(2.0)
    first = [m for p, m in link.messages if p == "first"][-1]
    result = IntelliVueDecoder("capture", lan=True).feed(first, link.at)
    assert len(result.readings) == 2

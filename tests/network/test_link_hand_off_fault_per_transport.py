"""NetworkLink.hand_off with the bus and the engine both configured: each transport has its own
try. A bug on the bus's side of a hand-off (both in one try, the bus first) kept the commit's rows
from the engine for the rest of the run, a high alarm's PCD-04 among them, while the technical
alarm ended at the next commit and the status line said "all sent" (a review). The rows a failed
hand-off did not hand on are kept and go with the next hand-off, and the fault's alarm stands
until they are handed: the next message built does not end it.

Real Mosquitto, a real MLLP peer (python-hl7) and a real log; the transport's hand-off is faked
where the bug is planted (`publish_many`, `submit_many`), on the link's ManualClock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from console.network.config import NetworkConfig
from tests.mosquitto import Broker, wait_until
from tests.network.mllp_peer import HOST, MllpPeer
from tests.network.test_link import Chair, chairs, peer   # noqa: F401 - fixtures

FAULT = ("low", "A network message could not be built or handed on")


def both_config(broker: Broker, port: int) -> NetworkConfig:
    return NetworkConfig(broker=broker.url, forward=f"mllp://{HOST}:{port}", chair="chair-3",
                         room="Room 3")


def failing(real: Callable[[Sequence[object]], None], times: int) -> Callable[..., None]:
    """`real`, raising a planted bug the first `times` calls."""
    calls = [0]

    def hand(messages: Sequence[object]) -> None:
        calls[0] += 1
        if calls[0] <= times:
            raise RuntimeError("planted bug in the hand-off")
        real(messages)
    return hand


def delivered(chair: Chair, control_ids: list[str], destination: str) -> bool:
    chair.pump()
    done = {cid for cid, d, outcome in chair.deliveries()
            if d == destination and outcome == "delivered"}
    return set(control_ids) <= done


def test_a_bug_on_the_bus_side_of_a_hand_off_does_not_keep_the_rows_from_the_engine(
        chairs: Callable[..., Chair], broker: Broker, peer: MllpPeer, reserved_port: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    peer.listen()
    chair = chairs(both_config(broker, reserved_port))
    assert chair.link.bus is not None
    # The bus's hand-off raises three times: at the high alarm's commit, at the network
    # alarm's own message, at the next reading's.
    monkeypatch.setattr(chair.link.bus, "publish_many", failing(chair.link.bus.publish_many, 3))
    # A high alarm: a PCD-01 and a PCD-04 start are committed; the bus's hand-off raises.
    chair.reading("bp_systolic", 205)
    alarm_rows = chair.outbox_ids()
    assert len(alarm_rows) == 2
    # The bug is the network's technical alarm, and the engine has the rows all the same.
    chair.pump()
    assert chair.network_alarm() == FAULT
    wait_until(lambda: delivered(chair, alarm_rows, "engine"), "the alarm's rows at the engine")
    assert chair.network_alarm() == FAULT
    # The next message is built, and its hand-off to the bus raises again: the alarm stands.
    chair.clock.advance(1)
    chair.reading("heart_rate", 72)
    chair.pump()
    assert chair.network_alarm() == FAULT
    # The next hand-off works: every row kept from the bus goes, in order, and the alarm ends.
    chair.clock.advance(1)
    chair.reading("heart_rate", 73)
    chair.pump()
    assert chair.network_alarm() is None
    wait_until(lambda: delivered(chair, chair.outbox_ids(), "bus"), "the kept rows on the bus")
    wait_until(lambda: delivered(chair, chair.outbox_ids(), "engine"), "all at the engine")
    assert [cid for cid, d, _ in chair.deliveries() if d == "bus"] == chair.outbox_ids()
    assert peer.received == chair.outbox_ids()


def test_a_bug_on_the_engine_side_of_a_hand_off_keeps_its_rows_for_the_next_one(
        chairs: Callable[..., Chair], broker: Broker, peer: MllpPeer, reserved_port: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    peer.listen()
    chair = chairs(both_config(broker, reserved_port))
    assert chair.link.mllp is not None
    monkeypatch.setattr(chair.link.mllp, "submit_many", failing(chair.link.mllp.submit_many, 1))
    # A high alarm; the engine's hand-off raises.
    chair.reading("bp_systolic", 205)
    alarm_rows = chair.outbox_ids()
    # The network alarm is raised; its own message's hand-off gives the engine the kept rows
    # first, then that message ...
    chair.pump()
    assert chair.network_alarm() == FAULT
    peer.wait_for(lambda: len(peer.received) >= 3, "the kept rows and the next at the engine")
    assert peer.received == chair.outbox_ids()
    assert peer.received[:2] == alarm_rows
    # ... and the next judgement ends the alarm; the bus had every row all along.
    chair.pump()
    assert chair.network_alarm() is None
    wait_until(lambda: delivered(chair, chair.outbox_ids(), "bus"), "all on the bus")


def test_rows_kept_from_a_transport_count_as_waiting_for_the_ten_second_rule(
        chairs: Callable[..., Chair], broker: Broker, peer: MllpPeer, reserved_port: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    peer.listen()
    chair = chairs(both_config(broker, reserved_port))
    assert chair.link.mllp is not None
    monkeypatch.setattr(chair.link.mllp, "submit_many", failing(chair.link.mllp.submit_many, 99))
    chair.reading("bp_systolic", 205)   # kept from the engine, every hand-off raising
    chair.pump()
    assert chair.network_alarm() == FAULT
    wait_until(lambda: delivered(chair, chair.outbox_ids(), "bus"), "the bus has them all")
    # 11 s on: the engine has not had them; its 10 s rule says so beside the fault.
    chair.clock.advance(11)
    chair.pump()
    assert chair.network_alarm() == (
        "low", "Interface engine not confirming delivery; a network message could not be built "
               "or handed on")
    assert peer.received == []

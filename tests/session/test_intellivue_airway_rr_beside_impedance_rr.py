"""IntelliVue over the LAN with capnography: the airway RR (0x5012) and the impedance RR
(0x500A) of one poll are judged side by side, even when the monitor splits the poll's reply
into linked results, one UDP datagram (one transport event) each.

Patient obstructed: airway RR 6, impedance RR 14 (the chest still moving). The README: "a
normal channel never ends the alarm of the other". Before, the decoder handed each part's
values on as it came: RR 6 and RR 14 were two messages, the low RR alarm was raised 60 times,
latched 59 and cleared 59 in a minute (a review)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace

import pytest

from devices.intellivue import ids
from devices.intellivue.codec import read_envelope
from devices.intellivue.decoder import IntelliVueDecoder
from devices.reading import OTHER_CHANNEL
from devices.simulator import intellivue_monitor as sim
from devices.simulator.intellivue_monitor import IntelliVueMonitor
from devices.simulator.physiology import Nibp
from devices.stream import DecodeResult
from devices.transport import QUIET_END_SECONDS
from tests.session.test_two_channels_of_one_vital import Chair, chair  # noqa: F401

AIRWAY_RR = ("away_rr", 0x82E0, 0x5012, ids.UNIT_RESP_PER_MIN)
RR_LOW = ("resp_rate_low", "high", "active", "Respiratory rate 6 breaths/min, limit ≤8")


@pytest.fixture
def capnography(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulated monitor sends the airway RR too (the simulator's default has none)."""
    monkeypatch.setattr(sim, "_NUMERICS", (*sim._NUMERICS, AIRWAY_RR))


def sample(t: float) -> SimpleNamespace:
    return SimpleNamespace(t=t, heart_rate=72, pulse_rate=71, resp_rate=14, away_rr=6,
                           spo2=97, nibp=Nibp(t - 30, 121, 79, 93), probe_on=True)


def is_final_result(message: bytes) -> bool:
    """The poll reply's final RORS (after its linked parts)."""
    if not message or message[0] != 0xE1:
        return False
    env = read_envelope(message)
    return env.ro_type == ids.RO_RESULT and env.command == ids.CMD_CONFIRMED_ACTION


def run_lan(chair: Chair, seconds: float, per_message: int = 2,
            lost: Callable[[bytes], bool] = lambda message: False) -> None:
    """A console on the LAN: the decoder and the simulated monitor, one datagram per transport
    event (`ingest_message`), the decoder's `quiet` called as the transport does, QUIET_END_SECONDS
    after the last datagram, and the console's tick every 0.1 s. `lost`: datagrams from the
    monitor that never arrive."""
    decoder = IntelliVueDecoder("bed-1", lan=True, poll_seconds=1.0)
    monitor = IntelliVueMonitor(True, labels={"away_rr": "awRR"},
                                observations_per_message=per_message)
    start = chair.clock.now().mono
    last_bytes: list[float | None] = [None]

    def hand(result: DecodeResult) -> None:
        now = chair.clock.now()
        if result.readings or result.dropped or result.frames:   # as the transport's `_report`
            assert chair.engine.ingest_message(result.readings, now)

    def to_monitor(wire: bytes) -> None:
        now = chair.clock.now()
        back = monitor.on_bytes(wire, sample(now.mono - start), now.wall)
        while back:
            if not lost(back):
                last_bytes[0] = now.mono
                result = decoder.feed(back, now.wall)
                hand(result)
                for reply in result.replies:
                    to_monitor(reply.now)
            back = monitor.on_bytes(b"", sample(now.mono - start), now.wall)

    for _ in range(round(seconds * 10)):
        now = chair.clock.advance(0.1)
        if last_bytes[0] is not None and now.mono - last_bytes[0] >= QUIET_END_SECONDS - 1e-6:
            last_bytes[0] = None
            quiet = getattr(decoder, "quiet", None)   # as the transport asks
            if quiet is not None:
                hand(quiet(now.wall, QUIET_END_SECONDS))
        out = decoder.outgoing(now.mono - start, now.wall)
        if out:
            to_monitor(out)
        chair.engine.tick(now)


def rr_rows(chair: Chair) -> list[tuple[float, str, bool, datetime]]:
    """(value, channel, flagged OTHER_CHANNEL, received) of each RR row in the log."""
    return [(r.value, r.channel.split(":")[0], OTHER_CHANNEL in r.flags, r.received_at)
            for _, r in chair.log.observations(chair.engine.session_id)
            if r.metric == "resp_rate"]


def test_airway_rr_6_holds_its_alarm_beside_impedance_rr_14(chair: Chair,
                                                            capnography: None) -> None:
    # Two observations a message: the impedance RR and the airway RR come in different
    # linked parts of each poll's reply.
    run_lan(chair, 60)
    # One low RR alarm, raised once and standing: never cleared by the impedance RR 14.
    assert chair.alarms() == [RR_LOW]
    steps = chair.steps()
    assert steps[("resp_rate_low", "raised")] == 1, steps
    assert steps[("resp_rate_low", "cleared")] == 0, steps
    assert steps[("resp_rate_low", "latched")] == 0, steps
    # The tile shows the worse channel; the other is logged, flagged.
    assert chair.tile("resp_rate") == 6
    assert {(v, ch, other) for v, ch, other, _ in rr_rows(chair)} == {
        (6.0, "AWAY_RESP_RATE", False), (14.0, "RESP_RATE", True)}


def test_a_poll_whose_final_result_is_lost_keeps_its_values_and_the_alarm(
        chair: Chair, capnography: None) -> None:
    # Every final result lost: each poll's values are handed on at the line's quiet (the
    # transport's QUIET_END_SECONDS), together, once each.
    run_lan(chair, 20, lost=is_final_result)
    assert chair.alarms() == [RR_LOW]
    assert chair.steps()[("resp_rate_low", "raised")] == 1, chair.steps()
    rows = rr_rows(chair)
    airway = [(v, other, at) for v, ch, other, at in rows if ch == "AWAY_RESP_RATE"]
    impedance = [(v, other, at) for v, ch, other, at in rows if ch == "RESP_RATE"]
    assert airway and len(airway) == len(impedance)                      # none lost
    assert len({at for _, _, at in airway}) == len(airway)               # none twice
    assert {(v, other) for v, other, _ in airway} == {(6.0, False)}      # judged
    assert {(v, other) for v, other, _ in impedance} == {(14.0, True)}   # logged, flagged


def test_a_poll_in_one_message_is_judged_as_before(chair: Chair, capnography: None) -> None:
    # Every observation in one reply message (the RORS alone): judged side by side as it comes.
    run_lan(chair, 20, per_message=10)
    assert {(v, ch, other) for v, ch, other, _ in rr_rows(chair)} == {
        (6.0, "AWAY_RESP_RATE", False), (14.0, "RESP_RATE", True)}
    assert chair.alarms() == [RR_LOW]
    assert chair.steps()[("resp_rate_low", "raised")] == 1

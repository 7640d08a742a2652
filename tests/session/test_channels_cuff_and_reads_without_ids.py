"""Which values of one monitor read are logged as "another channel" (OTHER_CHANNEL: no tile, no
trend, no alarm; console/session/channels.py): never the cuff's values beside a probe's, never
the newer of two messages without ids in one serial read."""

from __future__ import annotations

from datetime import timedelta

from console.records import ObservationRecord
from devices.reading import NIBP_PULSE, OTHER_CHANNEL, Reading
from protocols.vitals import metric
from tests.session.helpers import Session

SRC = "hl7:MON"


def other_channel_values(s: Session) -> list[tuple[str, float]]:
    return [(r.metric, r.value) for r in s.recorder.records
            if isinstance(r, ObservationRecord) and OTHER_CHANNEL in r.flags]


def test_the_cuffs_pulse_beside_the_probes_pulse_is_no_other_channel() -> None:
    """The cuff's pulse rate, repeated in each message, beside the SpO2 probe's continuous pulse
    rate: NIBP values are never chosen between; taken as another channel, one of them would
    feed no tile, trend or alarm."""
    s = Session()
    s.t(10)
    now = s.now()
    s.engine.device_state_changed("connected", now)
    unit = metric("pulse_rate").unit
    s.engine.ingest_message(
        [Reading("pulse_rate", 72, unit, now.wall, now.wall, SRC, "1.3.1", frozenset(), "M1"),
         Reading("pulse_rate", 118, unit, now.wall - timedelta(minutes=2), now.wall, SRC, "NIBP",
                 frozenset({NIBP_PULSE}), "M1")], now)
    assert other_channel_values(s) == []


def test_two_messages_without_ids_in_one_read_are_each_judged() -> None:
    """A serial line's read that brought two messages without ids, SpO2 on channel "" in each:
    the second is the newer value. Grouped as one message, the newer 97 would be logged as
    another channel's and the 88 judged: the alarm held on a stale value."""
    s = Session()
    s.t(10)
    now = s.now()
    s.engine.device_state_changed("connected", now)
    unit = metric("spo2").unit
    s.engine.ingest_message(
        [Reading("spo2", 88, unit, now.wall - timedelta(seconds=1), now.wall, SRC, "", frozenset(), ""),
         Reading("spo2", 97, unit, now.wall, now.wall, SRC, "", frozenset(), "")], now)
    assert other_channel_values(s) == []

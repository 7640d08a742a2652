"""An IntelliVue's empty NBP is "no measurement yet" whatever its time stamp, never data not used.

Before the first cuff measurement the NBP compound holds no value (state UNAVAILABLE, NaN). It
was `nibp-empty` (not logged: devices.stream.NOTHING_NEW) only when its time stamp was unset
(0xFF..). A real monitor stamps it with a time (the MIB capture's frame 5: "last-measurement
time", the LAN sample's 2025-05-23 11:45): each poll then gave three `no-value` drops, logged by
the bedside as "Device data not used: no-value ×3" every second (README, "Bedside monitors": an
empty NIBP record is never logged as data not used).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from devices.intellivue import ids
from devices.intellivue.codec import encode_bcd_time
from devices.intellivue.decoder import IntelliVueDecoder
from devices.stream import KEPT_NOTICES, NOTHING_NEW, DecodeResult
from tests.devices.conftest import RX, feed_all
from tests.devices.test_intellivue_codec import nbp_observation, reply
from tests.devices.test_intellivue_samples import LAN, load_sections, monitor_capture


def logged_drops(result: DecodeResult) -> list[str]:
    """The drops the bedside logs as data not used (console/session/feed.py `apply`)."""
    return [d.reason for d in result.dropped
            if d.reason not in NOTHING_NEW and d.reason not in KEPT_NOTICES]


UNSET = b"\xff" * 8
LAST_MEASURED = encode_bcd_time(RX.replace(tzinfo=None) - timedelta(days=24))   # as the capture's


@pytest.mark.parametrize("stamp", [
    pytest.param(UNSET, id="clock never set"),
    pytest.param(LAST_MEASURED, id="a last-measurement time"),
    pytest.param(None, id="no time stamp"),
])
def test_an_nbp_without_a_value_is_not_data_not_used_whatever_its_time_stamp(
        stamp: bytes | None) -> None:
    decoder = IntelliVueDecoder("t", lan=True)
    # Two polls, each with the empty cuff as the monitor sends it until the first measurement.
    results = [decoder.feed(reply(nbp_observation(None, None, None, stamp=stamp,
                                                  state=ids.STATE_UNAVAILABLE),
                                  invoke_id=n, poll_number=n), RX + timedelta(seconds=n))
               for n in (1, 2)]
    # Nothing in it could be used or lost: nothing logged, and said as "no measurement yet".
    assert [logged_drops(r) for r in results] == [[], []], \
        [[d.detail for d in r.dropped] for r in results]
    assert [[d.reason for d in r.dropped] for r in results] == [["nibp-empty"], ["nibp-empty"]]
    assert results[0].readings == []


def test_the_real_mib_capture_logs_no_drop_for_its_empty_nbp(samples_dir: Path) -> None:
    result = feed_all(IntelliVueDecoder("mib"), monitor_capture())
    # Frame 5's NBP: state 0x2000, NaN x3, stamped with its last-measurement time.
    nbp = [f"{d.reason}: {d.detail}" for d in result.dropped if "0x8272" in d.detail]
    assert nbp == ["nibp-empty: poll 1 handle 0x8272 (label 'NBP'): no measurement yet "
                   "(no systolic, diastolic or mean value)"]
    assert "no-value" not in logged_drops(result)
    # The vital it does carry is read as before.
    assert [(r.metric, r.value) for r in result.readings] == [("heart_rate", 60.0)]


def test_the_real_lan_reply_logs_no_drop_for_its_empty_nbp_and_cuff_pulse(
        samples_dir: Path) -> None:
    # MESSAGE 3: NBP (0x8272) and the cuff's pulse (0x8275) NaN, both stamped 2025-05-23 11:45.
    result = IntelliVueDecoder("lan", lan=True).feed(load_sections(samples_dir / LAN)["MESSAGE 3"],
                                                     RX)
    empty = [(d.reason, d.detail.split(" handle ")[1][:6]) for d in result.dropped
             if d.reason in NOTHING_NEW]
    assert empty == [("nibp-empty", "0x8272"), ("nibp-empty", "0x8275")]
    # What is left to log is the monitor's own invalid HR and RR, and the ids not shown.
    assert logged_drops(result) == ["invalid", "invalid", "not-monitored"]

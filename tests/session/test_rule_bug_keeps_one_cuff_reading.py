"""A bug in one vital's alarm rule logs a cuff measurement once, though the monitor repeats it
untimed in every message (an Ivy's ANSAR-B frame, an HL7 OBX with a zero time).

The message's values are committed by parts before the bug is raised on
(`SessionEngine._message_by_parts`); `feed.apply` then told the decoder they were not taken
(`DeviceEvent.rolled_back`), so it forgot the NIBP it had reported and the next frame brought
it as new: 150/95 logged once a second while the bug stood. Needs the engine's `values_kept`
mark (/tmp/s51/patches/faults-values-kept.patch).
"""

from __future__ import annotations

import pytest

from console.session import feed
from console.session.conditions import ConditionTracker
from devices.ansar_b import AnsarBDecoder
from devices.hl7.decoder import HL7Decoder
from devices.stream import StreamDecoder
from devices.transport import DeviceEvent
from tests.devices.test_nibp_memory import hl7_untimed_nibp, ivy_frame
from tests.session.helpers import Session

IVY = "/dev/ttyUSB0"
MONITOR = "socket://monitor:4601"


class RuleBug:
    """From `start()` on, every heart-rate and SpO2 rule raises (a bug); the others work."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.on = False
        works = ConditionTracker.on_value

        def on_value(tracker: ConditionTracker, *args: object, **kwargs: object) -> object:
            if self.on and tracker.metric in ("heart_rate", "spo2"):
                raise ZeroDivisionError("a bug in the rule")
            return works(tracker, *args, **kwargs)   # type: ignore[arg-type]

        monkeypatch.setattr(ConditionTracker, "on_value", on_value)

    def start(self) -> None:
        self.on = True


@pytest.fixture
def rule_bug(monkeypatch: pytest.MonkeyPatch) -> RuleBug:
    return RuleBug(monkeypatch)


def deliver(s: Session, decoder: StreamDecoder, url: str, payload: bytes) -> None:
    """What the console does with one read while the bug stands: the bug goes on to the fault
    handler ("Console fault")."""
    now = s.now()
    result = decoder.feed(payload, now.wall)
    with pytest.raises(ZeroDivisionError):
        feed.apply(s.engine, DeviceEvent.data(url, now.wall, now.mono, result), now)


def systolic(s: Session) -> list[float]:
    return [o.value for o in s.recorder.observations()
            if o.metric == "bp_systolic" and o.source != "manual"]


def test_ivy_cuff_measurement_is_logged_once_while_a_rule_bug_stands(rule_bug: RuleBug) -> None:
    s = Session()
    s.to_infusion()
    rule_bug.start()
    decoder = AnsarBDecoder(IVY)
    # 1-10 s: the cuff measured 150/95 once; the Ivy repeats it in every frame
    for n in range(1, 11):
        s.t(n)
        deliver(s, decoder, IVY, ivy_frame("NIBP=4;150;95;113;80;;"))
    assert systolic(s) == [150]
    # each frame's heart rate is logged all the same
    assert len([o for o in s.recorder.observations()
                if o.metric == "heart_rate" and o.source != "manual"]) == 10


def test_hl7_untimed_nibp_is_logged_once_while_a_rule_bug_stands(rule_bug: RuleBug) -> None:
    s = Session()
    s.to_infusion()
    rule_bug.start()
    decoder = HL7Decoder(MONITOR)
    # 1-5 s: a new message each second with SpO2 and the monitor's last NIBP, OBX-14 zeros
    for n in range(1, 6):
        s.t(n)
        deliver(s, decoder, MONITOR, hl7_untimed_nibp(f"M{n}", 97, s.now().wall))
    assert systolic(s) == [185]

"""While one vital's rule has a bug (a Console fault alarm; the message committed by parts, each
reading's rules in a step of its own), the capnography's RR 6 holds its HIGH alarm: judged one
after the other again, the impedance's normal 14 ended it every message, the alarm only
"latched", the very fault of two channels, back under a rule bug (a review)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from devices.hl7.decoder import decode_message
from tests.session.test_rule_bug_keeps_one_cuff_reading import RuleBug
from tests.session.test_two_channels_of_one_vital import (  # noqa: F401 - the fixture
    CAPNOGRAPHY, Chair, chair,
)


def send(c: Chair) -> None:
    now = c.clock.advance(1)
    t = (now.wall + timedelta(hours=8)).strftime("%Y%m%d%H%M%S") + "+0800"
    segments = [
        f"MSH|^~\\&|NC_Monitor|KC261551373G|||{t}||ORU^R01^ORU_R01|{c.sent:018d}|P|2.6"
        "||||||UNICODE UTF-8",
        "PID|||10006||lee|||M||Unknown",
        f"OBR||||1^MON_PARAM^99COMEN|||{t}",
        *(row.format(t=t, v=value) for row, value in CAPNOGRAPHY),
    ]
    c.sent += 1
    decoded = decode_message(("\r".join(segments) + "\r").encode(), now.wall)
    with pytest.raises(ZeroDivisionError):   # the SpO2 rule's bug, on to the fault handler
        c.engine.ingest_message(decoded.readings, now)


def test_the_low_rr_channel_holds_its_alarm_while_another_rule_has_a_bug(
        chair: Chair, monkeypatch: pytest.MonkeyPatch) -> None:
    bug = RuleBug(monkeypatch)
    bug.start()
    for _ in range(10):
        send(chair)
    rr = [a for a in chair.alarms() if a[0] == "resp_rate_low"]
    assert rr == [("resp_rate_low", "high", "active",
                   "Respiratory rate 6 breaths/min, limit ≤8")], chair.alarms()
    assert chair.steps()[("resp_rate_low", "raised")] == 1

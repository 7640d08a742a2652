"""A bug in one vital's alarm rule loses neither the other values of the monitor's message nor
their alarms ("nothing handed to the console is lost"; "a bug becomes a technical alarm, never
silence").

`ingest_message` took a message's readings and their alarm rules in one step: a bug in the RR
rule rolled it all back, so the SpO2 85 of the same message was neither logged nor alarmed, the
monitor was answered AE and each resend failed the same way; only "Console fault" showed. The
message is now taken by parts when its step fails, as the tick is (`_tick_by_parts`): the
readings committed, each vital's rules in a step of its own, and the error raised on for the
fault handler.
"""

from __future__ import annotations

import pytest

from console.session.conditions import ConditionTracker
from devices.reading import Reading
from protocols.vitals import metric
from tests.session.helpers import Session

MONITOR = "hl7:MON"


def _message(s: Session, values: dict[str, float], message_id: str) -> list[Reading]:
    now = s.now()
    return [Reading(name, value, metric(name).unit, now.wall, now.wall, MONITOR,
                    message=message_id) for name, value in values.items()]


def _logged(s: Session) -> list[tuple[str, float]]:
    return [(o.metric, o.value) for o in s.recorder.observations() if o.source == MONITOR]


@pytest.fixture
def rr_rule_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every respiratory-rate rule raises (a bug), the others work."""
    works = ConditionTracker.on_value

    def on_value(self: ConditionTracker, *args: object, **kwargs: object) -> object:
        if self.metric == "resp_rate":
            raise ZeroDivisionError("a bug in the RR rule")
        return works(self, *args, **kwargs)   # type: ignore[arg-type]

    monkeypatch.setattr(ConditionTracker, "on_value", on_value)


@pytest.mark.usefixtures("rr_rule_bug")
def test_the_spo2_of_a_message_whose_rr_rule_fails_is_logged_and_alarms() -> None:
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    s.t(s.now().mono - s.origin + 5)
    with pytest.raises(ZeroDivisionError):   # on to the fault handler: "Console fault"
        s.engine.ingest_message(_message(s, {"spo2": 85, "resp_rate": 14}, "M-1"), s.now(),
                                device="/dev/ttyUSB0")
    assert _logged(s) == [("spo2", 85), ("resp_rate", 14)]
    assert ("spo2_low", "high", "active") in s.shown()
    latest = s.engine.latest("spo2")
    assert latest is not None and latest.reading.value == 85   # the tile shows it


@pytest.mark.usefixtures("rr_rule_bug")
def test_the_monitors_resend_of_that_message_is_answered_aa_and_kept_once() -> None:
    # Raised, the message was answered AE: the monitor sends it again. Its values are on disk.
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 5)
    sent = _message(s, {"spo2": 85, "resp_rate": 14}, "M-1")
    with pytest.raises(ZeroDivisionError):
        s.engine.ingest_message(sent, s.now(), device="/dev/ttyUSB0")
    s.engine.tick(s.clock.advance(1))
    assert s.engine.ingest_message(sent, s.now(), device="/dev/ttyUSB0")   # AA
    assert _logged(s) == [("spo2", 85), ("resp_rate", 14)]
    assert len(s.recorder.events("device_resent")) == 1

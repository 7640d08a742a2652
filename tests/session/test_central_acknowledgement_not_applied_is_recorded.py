"""A central station's acknowledgement that the chair does not apply is in the session's record,
with who pressed it, where, the command and why (engine `acknowledge_from_central`): the alarm
rose above the priority the central nurse saw, it is latched, acknowledged already, or over. The
refusal had been returned and thrown away: the audit of who silenced what had no word of the
central nurse's press (a review). One applied is recorded as before."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from console.records import EventRecord
from console.session.journal import describe
from tests.session.helpers import Session

COMMAND = "desk-mem-7"


def infusing() -> Session:
    s = Session()
    s.to_infusion()
    return s


def from_central(s: Session, occurrence: int, priority: str) -> tuple[bool, tuple[str, ...]]:
    """The command of the central nurse B. Central at station desk arrives now."""
    outcome = s.engine.acknowledge_from_central(occurrence, "B. Central", "desk", COMMAND,
                                                s.now(), priority)
    return outcome.done, outcome.reasons


def not_applied(s: Session) -> list[EventRecord]:
    return s.recorder.events("central_ack_not_applied")


def test_a_central_acknowledgement_of_a_medium_that_rose_to_high_is_recorded_as_not_applied():
    s = infusing()
    # RR 9: a medium alarm; the central nurse sees it and presses Acknowledge (at medium).
    s.t(60); s.device("resp_rate", 9)
    [rr] = s.engine.alarms()
    assert (rr.priority.label, s.sounding()) == ("medium", "medium")
    # RR 8 before her command arrives: the alarm is high now.
    s.t(61); s.device("resp_rate", 8)
    before = len(s.recorder.writes)
    assert from_central(s, rr.id, "medium") == (False, (
        "the alarm rose to high after the central nurse acknowledged it at medium",))
    # Not applied: the high sounds on at the bedside.
    assert s.shown() == [("resp_rate_low", "high", "active")] and s.sounding() == "high"
    # Recorded, committed in a transaction of its own: who, where, which command, why.
    [event] = not_applied(s)
    assert s.recorder.writes[before:] == [[event]]
    assert (event.actor, event.detail) == ("engine", {
        "occurrence": rr.id, "by": "B. Central", "station": "desk", "command": COMMAND,
        "priority": "medium",
        "reasons": ["the alarm rose to high after the central nurse acknowledged it at medium"]})
    assert s.recorder.events("acknowledged_at_central") == []
    # The event list says it in words, with who, where and why (never the program's dict).
    words = describe(event)
    assert "not applied" in words.lower() and "B. Central" in words and "desk" in words
    assert "rose to high" in words and not any(c in words for c in "{}[]'"), words


def _latched(s: Session) -> int:
    # SpO2 89 (high), back to 97 before anyone at the bedside saw it: latched.
    s.t(60); s.device("spo2", 89)
    s.t(70); s.device("spo2", 97)
    [spo2] = s.engine.alarms()
    assert spo2.state.value == "latched"
    return spo2.id


def _acknowledged_at_the_bedside(s: Session) -> int:
    s.t(60); s.device("resp_rate", 9)
    [rr] = s.engine.alarms()
    assert s.engine.acknowledge(rr.id, "nurse.ana", s.now()).done
    return rr.id


def _over(s: Session) -> int:
    s.t(60); s.device("resp_rate", 9)
    [rr] = s.engine.alarms()
    s.t(70); s.device("resp_rate", 14)   # a medium ends when the value is back inside
    assert s.engine.alarms() == []
    return rr.id


@pytest.mark.parametrize(("before", "reason"), [
    (_latched, "a latched alarm is reset at the bedside only"),
    (_acknowledged_at_the_bedside, "already acknowledged"),
    (_over, "is no longer open"),
])
def test_a_central_acknowledgement_the_chair_refuses_is_recorded_with_why(
        before: Callable[[Session], int], reason: str) -> None:
    s = infusing()
    occurrence = before(s)
    shown = s.shown()
    done, reasons = from_central(s, occurrence, "high")
    assert not done and reasons[0].endswith(reason)
    assert s.shown() == shown   # nothing changed at the bedside
    [event] = not_applied(s)
    assert event.detail["command"] == COMMAND and event.detail["by"] == "B. Central"
    assert event.detail["reasons"] == list(reasons)


def test_a_central_acknowledgement_applied_is_recorded_as_before_and_no_refusal():
    s = infusing()
    s.t(60); s.device("resp_rate", 9)
    [rr] = s.engine.alarms()
    assert from_central(s, rr.id, "medium") == (True, ())
    assert s.shown() == [("resp_rate_low", "medium", "acknowledged")]
    [event] = s.recorder.events("acknowledged_at_central")
    assert event.detail == {"occurrence": rr.id, "by": "B. Central", "station": "desk",
                            "command": COMMAND}
    assert not_applied(s) == []


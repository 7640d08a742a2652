"""A prompt never takes a row from an alarm (console/session/alarm_area.py, `_fill`).

Highest priority first (IEC 60601-1-8; clinical-defaults.md: prompts are information signals).
A "Vitals due" prompt, holding now and unseen, counted as asking more of the nurse than a
latched medium alarm nobody had seen: it took the equipment field's last row, and the latched
alarm ("Records from before the restart are not in the log: ... re-enter what matters") was
only counted, "+1 more: 1 medium" (a medium is never named on the header)."""

from __future__ import annotations

from datetime import UTC, datetime

from console.clock import Moment
from console.session.alarm_area import arrange
from console.session.alarms import (
    DEVICE_CHANGED,
    PROMPT,
    TECHNICAL,
    UNSAVED_RECORDS,
    AlarmState,
    Occurrence,
)
from console.session.engine import CONSOLE_FAULT, NETWORK_UNCONFIRMED
from console.session.schedule import PROMPT_PREFIX
from protocols.model import Priority

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
UNSAVED = ("Records from before the restart are not in the log: 3 readings in "
           "unsaved-records-x.jsonl: re-enter what matters, tell Support")
ANOTHER_MONITOR = "Another monitor is sending: check that it is on this patient, then reset"


def alarm(id_: int, condition: str, category: str, priority: Priority, state: AlarmState,
          seconds: float, message: str) -> Occurrence:
    """An occurrence raised `seconds` after T0, in `state`."""
    return Occurrence(id=id_, condition=condition, category=category, priority=priority,
                      current=priority, state=state,
                      raised_at=Moment(seconds, T0.replace(second=int(seconds) % 60)),
                      message=message, value=None, threshold="")


def vitals_due(id_: int, seconds: float) -> Occurrence:
    return alarm(id_, f"{PROMPT_PREFIX}bp", PROMPT, Priority.INFO, AlarmState.ACTIVE, seconds,
                 "Vitals due: BP (Systolic BP, Diastolic BP)")


def test_a_vitals_due_prompt_leaves_two_latched_medium_alarms_in_sight():
    # Step 1: a restart found records missing from the log, then another monitor started sending;
    # both latched (medium), unseen. Step 2: the BP check falls due.
    unsaved = alarm(1, UNSAVED_RECORDS, TECHNICAL, Priority.MEDIUM, AlarmState.LATCHED, 10,
                    UNSAVED)
    monitor = alarm(2, DEVICE_CHANGED, TECHNICAL, Priority.MEDIUM, AlarmState.LATCHED, 20,
                    ANOTHER_MONITOR)
    _, equipment = arrange([unsaved, monitor, vitals_due(3, 30)])
    # Both alarms stay on the rows; the prompt is counted on the header.
    assert [o.condition for o in equipment.shown] == [DEVICE_CHANGED, UNSAVED_RECORDS]
    assert equipment.more() == "+1 more: 1 info"


def test_below_two_acknowledged_alarms_a_latched_one_waits_before_a_prompt():
    # Two acknowledged high alarms fill the rows (a console fault, the network); records found
    # missing at a restart (latched, medium, unseen) and a "Vitals due" prompt wait. The
    # latched alarm takes the last row, never the prompt; the high it displaces is named.
    fault = alarm(1, CONSOLE_FAULT, TECHNICAL, Priority.HIGH, AlarmState.ACKNOWLEDGED, 10,
                  "Console fault: KeyError: 'bed 3' in tiles.py:88 — restart the console "
                  "(the session resumes)")
    network = alarm(2, NETWORK_UNCONFIRMED, TECHNICAL, Priority.HIGH, AlarmState.ACKNOWLEDGED,
                    20, "Network: alarms not confirmed by the central station")
    unsaved = alarm(3, UNSAVED_RECORDS, TECHNICAL, Priority.MEDIUM, AlarmState.LATCHED, 30,
                    UNSAVED)
    _, equipment = arrange([fault, network, unsaved, vitals_due(4, 40)])
    assert [o.condition for o in equipment.shown] == [NETWORK_UNCONFIRMED, UNSAVED_RECORDS]
    assert equipment.more() == "+2 more: 1 high, 1 info"
    assert equipment.hidden_high().startswith("*** Console fault")

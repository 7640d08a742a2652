"""A console fault the engine could not take, breaking through an F3 pause, ends that pause as the
engine's own new high alarm does (alarms.py `_break_through`): once the fault is acknowledged the
patient's paused alarm sounds again. Before, the pause went on holding a medium HR alarm silent,
"Audio paused" on the button, for the rest of its 2 minutes."""

from __future__ import annotations

from console.clock import ManualClock
from console.session.alarms import AudioSignal
from protocols.model import Priority
from tests.session.test_fallback_faults import REMINDER, engine_alarm, faulted


def test_after_a_fault_broke_through_the_pause_the_paused_medium_sounds_again() -> None:
    clock = ManualClock()
    paused = AudioSignal(None, 110.0)   # the engine's pause, holding a medium HR alarm silent
    hr = engine_alarm(Priority.MEDIUM, clock.now())
    faults = faulted(clock, paused, (hr,))
    assert faults.audio(clock.now(), paused, REMINDER, lambda: [hr]).priority is Priority.HIGH
    assert faults.acknowledge([-2], clock.now(), REMINDER)   # F2 on the fault
    clock.advance(10)
    still = AudioSignal(None, 100.0)    # the engine still counts its pause down
    assert faults.audio(clock.now(), still, REMINDER, lambda: [hr]) == AudioSignal(
        Priority.MEDIUM, None, frozenset({hr.id}))
    # A new F3 pauses everything again, the engine's pause counting.
    assert faults.pause_requested()
    assert faults.audio(clock.now(), still, REMINDER, lambda: [hr]) == still

"""Console faults shown without the engine (console/session/fallback_faults.py), stepped through
an injected clock: what the nurse hears and sees after F2, F3 and a new fault."""

from __future__ import annotations

from console.clock import ManualClock, Moment
from console.session.alarms import (
    DEFAULT_PAUSE_SECONDS,
    DEFAULT_REMINDER_SECONDS,
    PHYSIOLOGICAL,
    AlarmState,
    AudioSignal,
    Occurrence,
)
from console.session.fallback_faults import FallbackFaults
from protocols.model import Priority

QUIET = AudioSignal(None, None)   # the engine sounds nothing and holds no pause
REMINDER = DEFAULT_REMINDER_SECONDS


def engine_alarm(priority: Priority, now: Moment) -> Occurrence:
    return Occurrence(id=7, condition="heart_rate_high", category=PHYSIOLOGICAL,
                      priority=priority, current=priority, state=AlarmState.ACTIVE,
                      raised_at=now, message="HR 115", value=115.0, threshold="> 110")


def faulted(clock: ManualClock, engine: AudioSignal = QUIET,
            shown: tuple[Occurrence, ...] = ()) -> FallbackFaults:
    faults = FallbackFaults()
    faults.raise_fault("Console fault: Bug (not in the log: OSError) — restart the console",
                       clock.now(), engine, shown, REMINDER)
    return faults


def test_f2_silences_the_fault_until_the_reminder_time_then_it_sounds_again() -> None:
    clock = ManualClock()
    faults = faulted(clock)
    assert faults.audio(clock.now(), QUIET, REMINDER).priority is Priority.HIGH
    assert faults.acknowledge([-2], clock.now(), REMINDER)
    [row] = faults.alarms(clock.now(), REMINDER)
    assert row.state is AlarmState.ACKNOWLEDGED and row.priority is Priority.HIGH   # still shown
    assert faults.audio(clock.now(), QUIET, REMINDER).priority is None
    clock.advance(REMINDER - 1)
    assert faults.audio(clock.now(), QUIET, REMINDER).priority is None
    clock.advance(1)
    assert faults.audio(clock.now(), QUIET, REMINDER).priority is Priority.HIGH
    [row] = faults.alarms(clock.now(), REMINDER)
    assert row.state is AlarmState.ACTIVE and row.seen
    assert not faults.acknowledge([7, -1], clock.now(), REMINDER)   # not its ids


def test_its_own_pause_counts_down_and_ends_with_the_fault_sounding() -> None:
    # After a discharge the engine cannot pause: the fault's own pause silences it.
    clock = ManualClock()
    faults = faulted(clock)
    assert faults.pause_requested()
    faults.pause(clock.now(), DEFAULT_PAUSE_SECONDS)
    assert faults.audio(clock.now(), QUIET, REMINDER) == AudioSignal(None, 120.0)
    clock.advance(60)
    assert faults.audio(clock.now(), QUIET, REMINDER) == AudioSignal(None, 60.0)
    clock.advance(60)
    signal = faults.audio(clock.now(), QUIET, REMINDER)
    assert signal.priority is Priority.HIGH and signal.paused_seconds_left is None
    assert faults.alarms(clock.now(), REMINDER)[0].state is AlarmState.ACTIVE   # shown still


def test_a_new_fault_breaks_through_a_pause_holding_no_high_alarm_silent() -> None:
    clock = ManualClock()
    paused = AudioSignal(None, 120.0)   # the engine's pause, running
    medium = faulted(clock, paused, (engine_alarm(Priority.MEDIUM, clock.now()),))
    assert medium.audio(clock.now(), paused, REMINDER).priority is Priority.HIGH
    # A high alarm held silent by the pause: the fault joins it in the pause.
    high = faulted(clock, paused, (engine_alarm(Priority.HIGH, clock.now()),))
    assert high.audio(clock.now(), paused, REMINDER) == paused
    # F3 again pauses the fault that broke through.
    assert medium.pause_requested()
    assert medium.audio(clock.now(), paused, REMINDER) == paused


def test_audio_never_says_paused_while_a_fault_or_the_engine_sounds() -> None:
    clock = ManualClock()
    paused = AudioSignal(None, 120.0)
    faults = faulted(clock, paused)   # breaks through the engine's pause
    medium = AudioSignal(Priority.MEDIUM, None, frozenset({7}))
    seen: list[AudioSignal] = []
    for engine in (QUIET, paused, medium):
        seen.append(faults.audio(clock.now(), engine, REMINDER))
    faults.pause_requested()
    faults.pause(clock.now(), DEFAULT_PAUSE_SECONDS)   # its own pause while the engine sounds
    seen.append(faults.audio(clock.now(), medium, REMINDER))
    assert seen[-1] == medium
    for step in range(0, 400, 10):
        clock.advance(10)
        if step == 200:
            faults.acknowledge(faults.ids, clock.now(), REMINDER)
        seen.extend(faults.audio(clock.now(), engine, REMINDER) for engine in (QUIET, medium))
    assert any(s.priority is Priority.HIGH for s in seen)
    assert any(s.paused_seconds_left for s in seen)
    assert all(s.paused_seconds_left is None for s in seen if s.priority is not None)

"""An unseen high SpO2 alarm whose vital has since gone missing ("No SpO2", medium, the alarm
held high) reads the value that stands at its priority once a value is entered in error, live
as after a restart: never the value taken back, which counts nowhere (README: a value entered
in error counts nowhere, live as after a restart; an alarm reads the words of its last value at
the priority it shows). Found by a random walk comparing a live console with its restart."""

from __future__ import annotations

from console.clock import ManualClock
from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import Patient, SessionEngine
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import START, MemoryRecorder

NURSE = "nurse.ana"
IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")


def restarted(recorder: MemoryRecorder, clock: ManualClock) -> SessionEngine:
    records = recorder.records
    engine = SessionEngine.resume(
        IV, recorder, 1, recorder.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], clock.now(),
        observation_ids=[i + 1 for i, r in enumerate(records) if isinstance(r, ObservationRecord)])
    engine.device_state_changed("connected", clock.now())
    return engine


def spo2_alarm(engine: SessionEngine) -> list[tuple[str, str, str]]:
    return [(o.priority.label, o.state.value, o.message) for o in engine.alarms()
            if o.condition == "spo2_low"]


def opened() -> tuple[ManualClock, MemoryRecorder, SessionEngine]:
    clock = ManualClock(START)
    recorder = MemoryRecorder()
    engine = SessionEngine.open(IV, recorder, Patient("P-001", 70.0), NURSE, clock.now())
    engine.device_state_changed("connected", clock.now())
    return clock, recorder, engine


def message(engine: SessionEngine, clock: ManualClock, **values: float) -> None:
    """One monitor message, then a second."""
    at = clock.now().wall
    engine.ingest_message([Reading(name, value, "bpm" if name == "heart_rate" else "%", at, at,
                                   "hl7:MON") for name, value in values.items()], clock.now())
    clock.advance(1); engine.tick(clock.now())


def silent_spo2(engine: SessionEngine, clock: ManualClock, seconds: int) -> None:
    """The oximeter's probe off: the monitor sends the heart rate only."""
    for _ in range(seconds):
        message(engine, clock, heart_rate=70)


def row_of(engine: SessionEngine, value: float) -> int:
    return next(row for row, kept in reversed(engine._state.rows["spo2"])
                if kept.reading.value == value)


def test_a_correction_entered_in_error_gives_the_silent_spo2_alarm_back_the_value_before_it(
        ) -> None:
    # SpO2 88 (high, unseen), then 89, corrected to 90 (still high: the alarm reads 90), then
    # no SpO2 for 40 s. The correction is entered in error: it takes the 89 it corrected with
    # it, and the 88 stands. Live the alarm went on reading "SpO2 90 %", the correction taken
    # back; a restart read "SpO2 88 %".
    clock, recorder, engine = opened()
    for spo2 in (88, 89):
        message(engine, clock, heart_rate=70, spo2=spo2)
    assert engine.correct(row_of(engine, 89), "spo2", 90, NURSE, clock.now(),
                          reason="misread").value == 90
    assert spo2_alarm(engine) == [("high", "active", "SpO2 90 %, limit ≤90")]
    silent_spo2(engine, clock, 40)
    assert engine.void(row_of(engine, 90), "spo2", NURSE, clock.now(),
                       reason="wrong row").done
    engine.tick(clock.now())
    shown = [("high", "active", "SpO2 88 %, limit ≤90")]
    assert spo2_alarm(engine) == shown
    assert spo2_alarm(restarted(recorder, clock)) == shown

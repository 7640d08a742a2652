"""An unseen high alarm of a vital that has since gone missing reads its value as corrected,
live as after a restart. The monitor's SpO2 89 raised a high alarm, then the oximeter fell
silent ("No SpO2", medium, the alarm held high); the 89 was corrected to 90 (still ≤90). `correct`
leaves a missing vital's conditions to its absence, so live the row went on naming the 89 the
nurse had corrected away, while a restart, which replays the correction, read "SpO2 90 %"
(a random walk)."""

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


def test_an_unseen_spo2_alarm_reads_the_corrected_value_while_the_oximeter_is_silent() -> None:
    clock = ManualClock(START)
    recorder = MemoryRecorder()
    engine = SessionEngine.open(IV, recorder, Patient("P-001", 70.0), NURSE, clock.now())
    engine.device_state_changed("connected", clock.now())
    at = clock.now().wall
    engine.ingest_message([Reading("heart_rate", 68, "bpm", at, at, "hl7:MON"),
                           Reading("spo2", 89, "%", at, at, "hl7:MON")], clock.now())
    assert spo2_alarm(engine) == [("high", "active", "SpO2 89 %, limit ≤90")]
    clock.advance(45); engine.tick(clock.now())      # no SpO2 since: held high, unseen
    row = next(row for row, kept in engine._state.rows["spo2"] if kept.reading.value == 89)
    clock.advance(1)
    assert engine.correct(row, "spo2", 90, NURSE, clock.now(), reason="misread").value == 90
    engine.tick(clock.now())
    shown = [("high", "active", "SpO2 90 %, limit ≤90")]
    assert spo2_alarm(engine) == shown
    assert spo2_alarm(restarted(recorder, clock)) == shown


def test_a_latched_spo2_alarm_back_with_the_silence_reads_the_corrected_value_after_it() -> None:
    # SpO2 89 (high, unseen), 97 a second later (latched), then no SpO2 for 45 s (the latched
    # alarm stands again, high). The 97 was misread: 90, so the 89's alarm never ended, and it
    # reads the 90 as a value at its priority does.
    clock = ManualClock(START)
    recorder = MemoryRecorder()
    engine = SessionEngine.open(IV, recorder, Patient("P-001", 70.0), NURSE, clock.now())
    engine.device_state_changed("connected", clock.now())
    for spo2 in (89, 97):
        at = clock.now().wall
        engine.ingest_message([Reading("spo2", spo2, "%", at, at, "hl7:MON")], clock.now())
        clock.advance(1); engine.tick(clock.now())
    clock.advance(45); engine.tick(clock.now())
    assert spo2_alarm(engine) == [("high", "active", "SpO2 89 %, limit ≤90")]
    row = next(row for row, kept in engine._state.rows["spo2"] if kept.reading.value == 97)
    clock.advance(1)
    assert engine.correct(row, "spo2", 90, NURSE, clock.now(), reason="misread").value == 90
    engine.tick(clock.now())
    shown = [("high", "active", "SpO2 90 %, limit ≤90")]
    assert spo2_alarm(engine) == shown
    assert spo2_alarm(restarted(recorder, clock)) == shown

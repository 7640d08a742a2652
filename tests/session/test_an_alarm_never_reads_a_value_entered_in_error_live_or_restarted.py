"""An alarm whose vital went missing (the oximeter's probe off) or that stands on values taken
back never reads a value entered in error, live or after a restart: it names the value that
stands at its priority (README: a value entered in error counts nowhere, live as after a
restart; an alarm reads the words of its last value at the priority it shows). Found by a
random walk comparing a live console with its restart."""

from __future__ import annotations

from console.clock import ManualClock
from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.alarm_area import row_text
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


def alarm(engine: SessionEngine, condition: str) -> list[tuple[str, str, str]]:
    return [(o.priority.label, o.state.value, o.message) for o in engine.alarms()
            if o.condition == condition]


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


def row_of(engine: SessionEngine, metric: str, value: float) -> int:
    return next(row for row, kept in reversed(engine._state.rows[metric])
                if kept.reading.value == value)


def test_a_latched_spo2_alarm_back_with_the_silence_reads_its_own_value_when_a_later_one_is_voided(
        ) -> None:
    # SpO2 89 (high, unseen), 85 a second later (the alarm reads it), 95 (latched at 85), then
    # no SpO2 for 40 s: the latched alarm stands again, high. The 85 was another patient's:
    # entered in error, the alarm reads the 89 that raised it. A restart read "SpO2 85 %",
    # the latched row's words.
    clock, recorder, engine = opened()
    for spo2 in (89, 85, 95):
        message(engine, clock, heart_rate=70, spo2=spo2)
    silent_spo2(engine, clock, 40)
    assert alarm(engine, "spo2_low") == [("high", "active", "SpO2 85 %, limit ≤90")]
    assert engine.void(row_of(engine, "spo2", 85), "spo2", NURSE, clock.now(),
                       reason="another patient's").done
    engine.tick(clock.now())
    shown = [("high", "active", "SpO2 89 %, limit ≤90")]
    assert alarm(engine, "spo2_low") == shown
    assert alarm(restarted(recorder, clock), "spo2_low") == shown


def shown_rows(engine: SessionEngine, condition: str) -> list[tuple[str, str, str]]:
    """The alarm rows as the nurse reads them (banner, limit, "now", state)."""
    return [(o.priority.label, o.state.value, row_text(o)) for o in engine.alarms()
            if o.condition == condition]


def test_an_spo2_alarm_left_with_no_value_that_stands_names_the_vital_missing() -> None:
    # SpO2 90 raises the alarm (high, unseen), 88 a second later (it reads 88); the 90 is
    # corrected to 97, the probe comes off, and the 88 was another patient's: entered in
    # error. No value that stands held the alarm high: it goes on sounding (the probe is
    # still off) and names the vital missing, live as after a restart. Live had read the 88
    # taken back, a restart the 90 corrected away.
    clock, recorder, engine = opened()
    for spo2 in (90, 88):
        message(engine, clock, heart_rate=70, spo2=spo2)
    assert engine.correct(row_of(engine, "spo2", 90), "spo2", 97, NURSE, clock.now(),
                          reason="misread").value == 97
    silent_spo2(engine, clock, 40)
    assert alarm(engine, "spo2_low") == [("high", "active", "SpO2 88 %, limit ≤90")]
    assert engine.void(row_of(engine, "spo2", 88), "spo2", NURSE, clock.now(),
                       reason="another patient's").done
    clock.advance(1); engine.tick(clock.now())
    shown = [("high", "active",
              "*** No SpO2 for 42 s · limit none for 30 s · now: no SpO2 for 43 s")]
    assert shown_rows(engine, "spo2_low") == shown
    assert shown_rows(restarted(recorder, clock), "spo2_low") == shown


def test_an_spo2_alarm_back_after_a_silence_reads_the_value_before_it_when_the_next_is_voided(
        ) -> None:
    # SpO2 90 (high) latches when 95 follows; the 98 before it corrected to 93; 89 raises a
    # new alarm (the latched one ends); 30 s without SpO2, then 84, the probe off again at
    # once. The 84 is entered in error: the alarm reads the 89 that raised it, live as after
    # a restart. Live had read the 84.
    clock, recorder, engine = opened()
    for spo2 in (96, 98, 90, 95):
        message(engine, clock, heart_rate=70, spo2=spo2)
    engine.correct(row_of(engine, "spo2", 98), "spo2", 93, NURSE, clock.now(), reason="misread")
    message(engine, clock, heart_rate=70, spo2=89)
    assert engine.void(row_of(engine, "spo2", 96), "spo2", NURSE, clock.now(),
                       reason="wrong chair").done
    silent_spo2(engine, clock, 31)
    message(engine, clock, heart_rate=70, spo2=84)
    assert alarm(engine, "spo2_low") == [("high", "active", "SpO2 84 %, limit ≤90")]
    assert engine.void(row_of(engine, "spo2", 84), "spo2", NURSE, clock.now(),
                       reason="wrong chair").done
    engine.tick(clock.now())
    shown = [("high", "active", "*** SpO2 89 %, limit ≤90 · now: no SpO2 for 33 s")]
    assert shown_rows(engine, "spo2_low") == shown
    assert shown_rows(restarted(recorder, clock), "spo2_low") == shown


def test_a_latched_diastolic_alarm_reads_the_pressure_that_stands_once_its_last_is_voided(
        ) -> None:
    # Diastolic 113, then 116 five minutes later confirms it (high); 115 and 122 go on at high,
    # 82 latches the alarm at 122. The 122 was typed in the wrong row: entered in error. The
    # latched alarm reads the 115 that stands, and so when the pressure rises again; live and
    # after a restart it had gone on reading "Diastolic BP 122".
    clock, recorder, engine = opened()

    def bp(systolic: float, diastolic: float) -> None:
        engine.enter_manual("bp_systolic", systolic, NURSE, clock.now())
        engine.enter_manual("bp_diastolic", diastolic, NURSE, clock.now())
        clock.advance(1); engine.tick(clock.now())

    bp(189, 113)
    clock.advance(330); engine.tick(clock.now())
    for systolic, diastolic in ((209, 116), (198, 115), (206, 122), (145, 82)):
        bp(systolic, diastolic)
    words = "Diastolic BP {} mmHg, limit ≥110 or ≥25 above baseline (confirmed by a repeat reading)"
    assert alarm(engine, "bp_diastolic_high") == [("high", "latched", words.format(122))]
    assert engine.void(row_of(engine, "bp_diastolic", 122), "bp_diastolic", NURSE, clock.now(),
                       reason="wrong row").done
    latched = [("high", "latched", words.format(115))]
    assert alarm(engine, "bp_diastolic_high") == latched
    assert alarm(restarted(recorder, clock), "bp_diastolic_high") == latched
    bp(161, 115)
    again = [("high", "active", f"*** {words.format(115)} · now 115")]
    assert shown_rows(engine, "bp_diastolic_high") == again
    assert shown_rows(restarted(recorder, clock), "bp_diastolic_high") == again

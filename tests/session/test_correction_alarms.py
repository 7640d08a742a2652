"""A corrected value's alarm ends as a value entered in error ends it (the alarm audit).

A systolic 250 typed for the cuff's 150 raised the high BP alarm; taken back as entered in error
it ended, but corrected to 150 it latched, so the nurse had to reset an alarm for a value that
never existed. A correction now takes the replaced value back first (its alarm ends, "its value
was corrected to 150 mmHg, by …", never latched), then evaluates the corrected value as a new
reading; a correction of an older reading leaves the alarm a later reading holds. Each step is
read as the nurse sees it (the board, the sound, the tile) and as the log keeps it, and again
after a restart.
"""

from __future__ import annotations

from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import SessionEngine
from console.session.tile_view import tile_view
from tests.session.helpers import HIGH, MEDIUM, Session, iv_protocol

NURSE = "nurse.ana"
BP = "bp_systolic_high"


def restart(s: Session, after_seconds: float) -> SessionEngine:
    """The console killed and started again on its log, with the row ids the window passes."""
    now = s.clock.advance(after_seconds)
    records = s.recorder.records
    ids = [i for i, r in enumerate(records, start=1) if isinstance(r, ObservationRecord)]
    s.engine = SessionEngine.resume(
        iv_protocol(), s.recorder, 1, s.recorder.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], now, observation_ids=ids)
    return s.engine


def logged(s: Session) -> list[tuple[int, str, str, float | None]]:
    """The systolic alarm's transitions as logged: (occurrence, transition, priority, value)."""
    return [(r.occurrence, r.transition, r.priority, r.value) for r in s.recorder.records
            if isinstance(r, AlarmTransition) and r.condition == BP]


def ends(s: Session) -> list[str]:
    return [r.message for r in s.recorder.records
            if isinstance(r, AlarmTransition) and r.condition == BP and r.transition == "cleared"]


def bp_alarms(s: Session) -> list[tuple[str, str, str]]:
    return [(o.priority.label, o.state.value, o.banner()) for o in s.engine.alarms()
            if o.condition == BP]


def typed(s: Session, value: float, confirmed: bool = False) -> int:
    _, row = s.engine.enter_manual_row("bp_systolic", value, NURSE, s.now(), confirmed)
    assert row is not None
    return row


def infusion() -> tuple[Session, float]:
    """An infusion under way (baseline 120/80, HR 70); returns it and its start (s)."""
    s = Session()
    s.to_infusion()
    return s, s.now().mono - s.origin


def test_a_typo_corrected_while_its_high_alarm_sounds_ends_it_as_a_void_does():
    s, start = infusion()
    # 250 typed for the cuff's 150: the high alarm sounds, the number red.
    s.t(start + 60)
    typo = typed(s, 250)
    assert bp_alarms(s) == [("high", "active", "*** Systolic BP 250 mmHg, limit ≥200")]
    assert s.sounding() == "high"
    assert tile_view(s.engine, "bp_systolic", s.now()).marked() == {"bp_systolic": HIGH}
    # Corrected to 150 five seconds later: the alarm ends as taken back, nothing latched.
    s.t(start + 65)
    assert s.engine.correct(typo, "bp_systolic", 150, NURSE, s.now(), "typed 250, cuff read 150")
    assert bp_alarms(s) == []
    assert s.sounding() is None
    tile = tile_view(s.engine, "bp_systolic", s.now())
    assert tile.value.startswith("150/") and tile.marked() == {}
    assert logged(s) == [(1, "raised", "high", 250), (1, "cleared", "high", 250)]
    assert ends(s) == ["Systolic BP 250 mmHg, limit ≥200 "
                       "(its value was corrected to 150 mmHg, by nurse.ana)"]
    # Nothing comes back with time, nor with a restart.
    s.t(start + 90)
    assert bp_alarms(s) == []
    restart(s, 30)
    assert bp_alarms(s) == [] and s.sounding() is None
    assert s.engine.latest("bp_systolic").reading.value == 150
    assert s.recorder.events("session_resumed")[0].detail["restored_occurrences"] == []


def test_the_correction_logs_the_same_alarm_record_kinds_as_entered_in_error():
    voided, start = infusion()
    voided.t(start + 60)
    row = typed(voided, 250)
    voided.t(start + 65)
    assert voided.engine.void(row, "bp_systolic", NURSE, voided.now(), "typed 250").done
    corrected, start = infusion()
    corrected.t(start + 60)
    row = typed(corrected, 250)
    corrected.t(start + 65)
    assert corrected.engine.correct(row, "bp_systolic", 150, NURSE, corrected.now(), "cuff 150")
    assert logged(corrected) == logged(voided) == [(1, "raised", "high", 250),
                                                   (1, "cleared", "high", 250)]
    assert ends(voided) == ["Systolic BP 250 mmHg, limit ≥200 "
                            "(its value was entered in error, by nurse.ana)"]


def test_a_typo_corrected_after_its_alarm_was_acknowledged_ends_at_once():
    s, start = infusion()
    s.t(start + 60)
    typo = typed(s, 250)
    # The nurse acknowledges it, checks the cuff, corrects the typo.
    s.engine.acknowledge(s.engine.alarms()[0].id, NURSE, s.now())
    assert bp_alarms(s) == [("high", "acknowledged", "*** Systolic BP 250 mmHg, limit ≥200")]
    s.t(start + 70)
    assert s.engine.correct(typo, "bp_systolic", 150, NURSE, s.now(), "cuff read 150")
    # Ended now, not kept 10 s as an acknowledged alarm whose value came back inside.
    assert bp_alarms(s) == []
    assert [t for _, t, _, _ in logged(s)] == ["raised", "acknowledged", "cleared"]


def test_a_typo_corrected_to_another_alarming_value_alarms_for_that_value():
    s, start = infusion()
    s.t(start + 60)
    typo = typed(s, 250)
    s.engine.acknowledge(s.engine.alarms()[0].id, NURSE, s.now())
    # The cuff read 210: still above the high limit. The 250's alarm is taken back and the
    # 210 alarms as a new reading: it sounds again, though the 250 was acknowledged.
    s.t(start + 65)
    assert s.engine.correct(typo, "bp_systolic", 210, NURSE, s.now(), "typed 250 for 210")
    assert bp_alarms(s) == [("high", "active", "*** Systolic BP 210 mmHg, limit ≥200")]
    assert s.sounding() == "high"
    assert tile_view(s.engine, "bp_systolic", s.now()).marked() == {"bp_systolic": HIGH}
    assert logged(s) == [(1, "raised", "high", 250), (1, "acknowledged", "high", 250),
                         (1, "cleared", "high", 250), (2, "raised", "high", 210)]
    # A restart brings back the 210's alarm, the same occurrence, still sounding.
    restart(s, 30)
    assert [(o.id, o.priority, o.state.value) for o in s.engine.alarms() if o.condition == BP] == [
        (2, HIGH, "active")]
    assert s.sounding() == "high"


def test_an_escalation_a_typo_made_is_undone_and_no_high_alarm_latches():
    s, start = infusion()
    # A real 185 (medium, not acknowledged yet), then 250 typed for 150: escalated to high.
    s.t(start + 60)
    s.manual("bp_systolic", 185)
    s.t(start + 90)
    typo = typed(s, 250)
    assert bp_alarms(s) == [("high", "active", "*** Systolic BP 250 mmHg, limit ≥200")]
    # Corrected: the escalation is taken back with the 250, and the 150 ends the medium alarm
    # of the 185 as any value inside the limits would (a medium one does not latch).
    s.t(start + 95)
    assert s.engine.correct(typo, "bp_systolic", 150, NURSE, s.now(), "typed 250, cuff 150")
    assert bp_alarms(s) == [] and s.sounding() is None
    assert logged(s) == [(1, "raised", "medium", 185), (1, "escalated", "high", 250),
                         (1, "deescalated", "medium", 185), (1, "cleared", "medium", 185)]
    restart(s, 30)
    assert bp_alarms(s) == []


def test_an_escalation_undone_leaves_the_medium_alarm_of_a_corrected_value_still_above():
    s, start = infusion()
    s.t(start + 60)
    s.manual("bp_systolic", 185)
    s.t(start + 90)
    typo = typed(s, 250)
    s.t(start + 95)
    assert s.engine.correct(typo, "bp_systolic", 188, NURSE, s.now(), "typed 250 for 188")
    assert [(p, state) for p, state, _ in bp_alarms(s)] == [("medium", "active")]
    assert bp_alarms(s)[0][2].startswith("** Systolic BP 188 mmHg")
    assert s.sounding() == "medium"
    assert tile_view(s.engine, "bp_systolic", s.now()).marked() == {"bp_systolic": MEDIUM}
    restart(s, 30)
    assert [(p, state) for p, state, _ in bp_alarms(s)] == [("medium", "active")]


def test_a_real_unseen_high_before_the_typo_still_latches_after_the_correction():
    s, start = infusion()
    s.engine.device_state_changed("connected", s.now())
    # The monitor's cuff reads 210 (high), nobody has seen it; then 250 is typed over it.
    s.t(start + 60)
    s.device("bp_systolic", 210)
    s.t(start + 70)
    typo = typed(s, 250, confirmed=True)   # replaces the monitor's reading: confirmed
    s.t(start + 75)
    assert s.engine.correct(typo, "bp_systolic", 150, NURSE, s.now(), "typed 250 for 150")
    # The 210 happened: its excursion latches until the nurse resets it.
    assert [(p, state) for p, state, _ in bp_alarms(s)] == [("high", "latched")]
    assert [t for _, t, _, _ in logged(s)] == ["raised", "latched"]
    restart(s, 30)
    assert [(p, state) for p, state, _ in bp_alarms(s)] == [("high", "latched")]


def test_correcting_an_older_reading_leaves_the_alarm_a_later_reading_holds():
    s, start = infusion()
    s.engine.device_state_changed("connected", s.now())
    # 250 typed (high), then the monitor's cuff reads 230: the same alarm, held by the 230.
    s.t(start + 60)
    typo = typed(s, 250)
    s.t(start + 80)
    s.device("bp_systolic", 230)
    assert bp_alarms(s) == [("high", "active", "*** Systolic BP 230 mmHg, limit ≥200")]
    # The nurse corrects the older 250: the 230 still stands, and so does its alarm.
    s.t(start + 90)
    assert s.engine.correct(typo, "bp_systolic", 150, NURSE, s.now(), "typed 250 for 150")
    assert bp_alarms(s) == [("high", "active", "*** Systolic BP 230 mmHg, limit ≥200")]
    assert s.sounding() == "high"
    assert s.engine.latest("bp_systolic").reading.value == 230
    assert logged(s) == [(1, "raised", "high", 250)]
    restart(s, 30)
    assert bp_alarms(s) == [("high", "active", "*** Systolic BP 230 mmHg, limit ≥200")]
    assert s.engine.latest("bp_systolic").reading.value == 230
    # The 230 taken back (probe of another patient): the vital goes back to the corrected
    # 150, never to the 250, and the alarm ends as taken back.
    device_row = max(row for row, latest in s.engine._state.rows["bp_systolic"]
                     if latest.reading.value == 230)
    assert s.engine.void(device_row, "bp_systolic", NURSE, s.now(), "another patient's").done
    assert bp_alarms(s) == []
    assert s.engine.latest("bp_systolic").reading.value == 150


def test_a_latched_alarm_an_older_typo_raised_ends_when_it_is_corrected():
    s, start = infusion()
    s.engine.device_state_changed("connected", s.now())
    # 250 typed (high), then the monitor's cuff reads 150: nobody saw the alarm, it latched.
    s.t(start + 60)
    typo = typed(s, 250)
    s.t(start + 80)
    s.device("bp_systolic", 150)
    assert [(p, state) for p, state, _ in bp_alarms(s)] == [("high", "latched")]
    # The older 250 corrected: the latched alarm of a value never measured ends; the 150 stands.
    s.t(start + 90)
    assert s.engine.correct(typo, "bp_systolic", 150, NURSE, s.now(), "typed 250 for 150")
    assert bp_alarms(s) == [] and s.sounding() is None
    assert s.engine.latest("bp_systolic").reading.source == "hl7:SIM"
    assert logged(s) == [(1, "raised", "high", 250), (1, "latched", "high", 250),
                         (1, "cleared", "high", 250)]
    assert ends(s) == ["Systolic BP 250 mmHg, limit ≥200 "
                       "(its value was corrected to 150 mmHg, by nurse.ana)"]
    restart(s, 30)
    assert bp_alarms(s) == []


def test_a_latched_alarm_an_older_value_entered_in_error_raised_ends_too():
    s, start = infusion()
    s.engine.device_state_changed("connected", s.now())
    s.t(start + 60)
    typo = typed(s, 250)
    s.t(start + 80)
    s.device("bp_systolic", 150)
    s.t(start + 90)
    assert s.engine.void(typo, "bp_systolic", NURSE, s.now(), "wrong patient's").done
    assert bp_alarms(s) == []
    assert ends(s) == ["Systolic BP 250 mmHg, limit ≥200 "
                       "(its value was entered in error, by nurse.ana)"]


def test_a_latched_alarm_a_later_real_value_held_stays_when_the_older_typo_is_corrected():
    s, start = infusion()
    s.engine.device_state_changed("connected", s.now())
    # 250 typed, then the cuff's 230 holds the alarm, then 150: it latched on the 230.
    s.t(start + 60)
    typo = typed(s, 250)
    s.t(start + 80)
    s.device("bp_systolic", 230)
    s.t(start + 100)
    s.device("bp_systolic", 150)
    s.t(start + 110)
    assert s.engine.correct(typo, "bp_systolic", 150, NURSE, s.now(), "typed 250 for 150")
    # The 230 happened: the nurse still resets it.
    assert bp_alarms(s) == [("high", "latched",
                             "*** Systolic BP 230 mmHg, limit ≥200 (latched: reset to clear)")]
    assert [t for _, t, _, _ in logged(s)] == ["raised", "latched"]

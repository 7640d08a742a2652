"""A checklist item that asks yes or no is answered yes or no (an esketamine review): "Vital signs
in an acceptable range at the end of the session (REMS form: yes or no)" took "no" as a tick like
any typed note, the discharge gate then held nothing, the patient went home with no question and
no override logged, and the REMS draft read "acceptable: No" beside "Discharged: Yes". The
pre-dose item of the same kind let dosing start after "no" the same way.

A "no" is logged as given (a clinical record) but does not satisfy the item: the gate names it,
and only an override with its reason passes it, as any other blocker; a later "yes" answers it.
Any answer but yes or no (y / n, any case) is refused at the tick, and nothing is logged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.records import SessionOpened
from console.session.engine import SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.review.scenarios import Driver, typed_answer
from tests.session.helpers import Session, type_attested

ESKETAMINE = load_protocol(builtin_protocols_dir() / "esketamine.toml")
NOT_ACCEPTABLE_BEFORE = "Vital signs recorded not acceptable before the first device"
NOT_ACCEPTABLE_AFTER = "Vital signs recorded not acceptable at the end of the session"
ASKS_YES_OR_NO = ("Answer yes or no to tick 'Vital signs in an acceptable range before the first "
                  "device (REMS form: yes or no)': 'acceptable' is neither.")


def at(minute: int) -> datetime:
    return datetime(2026, 3, 6, 10, 0, tzinfo=UTC).replace(hour=10 + minute // 60,
                                                          minute=minute % 60)


def in_discharge(tmp_path) -> Driver:
    """An esketamine session of 56 mg that went well, in Discharge at T+121 (the first device
    at 10:10), every required item ticked but "Vital signs in an acceptable range at the end"."""
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=at(0))
    r = Driver(log, "esketamine", "MRN-7004", 64.0, "nurse.ben", at(0), 1, chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                                   # T0
    r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A")
    r.at(15); r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A")
    r.at(20); r.advance()                                   # Observation
    for minute in range(21, 131):
        r.at(minute)
        r.device(heart_rate=72, spo2=97, resp_rate=14)
        if minute == 50:                                    # BP at T+40
            r.manual(bp_systolic=138, bp_diastolic=86, moaas=5, dissociation=1)
        if minute in (65, 80, 95, 110):
            r.manual(moaas=5, dissociation=0)
        if minute == 125:                                   # pre-discharge BP
            r.manual(bp_systolic=134, bp_diastolic=82, nausea=0)
    r.at(131)
    r.manual(moaas=5, aldrete=10)
    r.advance()                                             # Discharge
    for item in r.engine.phase.checklist:
        if item.required and item.id != "vitals-acceptable-after":
            type_attested(r.engine, item, r.nurse, r.clock.now())
            outcome = r.engine.tick_item(item.id, r.nurse, r.clock.now(),
                                         note=typed_answer(item.asks))
            assert outcome.done, outcome.message
    r.ack_all()
    return r


def resumed(r: Driver) -> SessionEngine:
    """The session taken up again from its log by a restarted console."""
    log = r.engine.recorder
    assert isinstance(log, EventLog)
    (row,) = [s for s in log.open_sessions() if s.id == r.id]
    return SessionEngine.resume(
        r.protocol, log, r.id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [o for _, o in log.observations(r.id)], [e for _, e in log.events(r.id)],
        [a for _, a in log.alarm_events(r.id)], r.clock.now(), r.nurse)


def test_vitals_answered_no_at_the_end_hold_the_discharge_until_an_override(tmp_path):
    r = in_discharge(tmp_path)
    now = r.clock.now()
    assert r.engine.discharge_blockers(now) == [
        "Required item open: Vital signs in an acceptable range at the end of the session "
        "(REMS form: yes or no)"]
    # The nurse answers no: logged as she gave it, and the gate names it.
    answered = r.engine.tick_item("vitals-acceptable-after", r.nurse, now, note=" No ")
    assert answered.done and answered.message == (
        f"Still open: discharge waits for a yes or an override ('No' logged: {NOT_ACCEPTABLE_AFTER}).")
    assert r.engine.ticks()["vitals-acceptable-after"].note == "No"
    assert r.engine.discharge_blockers(now) == [NOT_ACCEPTABLE_AFTER]
    refused = r.engine.discharge(r.nurse, now)
    assert not refused.done and refused.reasons == (NOT_ACCEPTABLE_AFTER,)
    # A restart reads the answer from the log alike.
    assert resumed(r).discharge_blockers(now) == [NOT_ACCEPTABLE_AFTER]
    # Only a prescriber's override passes it, logged with what it overrode.
    assert r.engine.discharge(r.nurse, now, override_reason="Dr Lee: BP 150/95 is her usual").done
    (override,) = [e for _, e in r.engine.recorder.events(r.id) if e.kind == "override"]
    assert override.detail["blockers"] == [NOT_ACCEPTABLE_AFTER]


def test_a_later_yes_answers_the_item_and_the_patient_leaves_without_an_override(tmp_path):
    r = in_discharge(tmp_path)
    r.at(131)
    assert r.engine.tick_item("vitals-acceptable-after", r.nurse, r.clock.now(), note="n").done
    r.at(140)
    assert r.engine.tick_item("vitals-acceptable-after", r.nurse, r.clock.now(), note="Y").done
    assert r.engine.discharge_blockers(r.clock.now()) == []
    assert resumed(r).discharge_blockers(r.clock.now()) == []
    r.discharge()


def in_pre_checks() -> Session:
    """An esketamine session's pre-dose checks, the baseline recorded and every required item
    ticked but "Vital signs in an acceptable range before the first device"."""
    s = Session(ESKETAMINE)
    s.engine.details["dose_mg"] = 56
    for item in s.engine.phase.checklist:
        if item.required and item.id != "vitals-acceptable-before":
            type_attested(s.engine, item, "nurse.ana", s.now())
            assert s.engine.tick_item(item.id, "nurse.ana", s.now(),
                                      note=typed_answer(item.asks)).done
    return s


def test_vitals_answered_no_before_the_first_device_hold_the_dose():
    s = in_pre_checks()
    assert s.engine.tick_item("vitals-acceptable-before", "nurse.ana", s.now(), note="no").done
    assert s.engine.phase_blockers(s.now()) == [NOT_ACCEPTABLE_BEFORE]
    refused = s.engine.advance_phase("nurse.ana", s.now())
    assert not refused.done and refused.reasons == (NOT_ACCEPTABLE_BEFORE,)
    assert s.engine.phase.id == "pre" and not s.recorder.events("dosing_started")
    # Answered yes once they are: dosing starts.
    s.t(10 * 60)
    assert s.engine.tick_item("vitals-acceptable-before", "nurse.ana", s.now(), note="YES").done
    assert s.engine.advance_phase("nurse.ana", s.now()).done


@pytest.mark.parametrize("answer", ["acceptable", "ok", "nope", "yes and no", "-"])
def test_an_answer_neither_yes_nor_no_is_refused_and_nothing_logged(answer):
    s = in_pre_checks()
    logged = len(s.recorder.records)
    refused = s.engine.tick_item("vitals-acceptable-before", "nurse.ana", s.now(), note=answer)
    assert not refused.done
    assert refused.message == ASKS_YES_OR_NO.replace("'acceptable'", repr(answer))
    assert "vitals-acceptable-before" not in s.engine.ticks()
    assert len(s.recorder.records) == logged


@pytest.mark.parametrize("answer", ["yes", "Y", "  YES ", "y"])
def test_yes_in_its_usual_forms_ticks_the_item(answer):
    s = in_pre_checks()
    assert s.engine.tick_item("vitals-acceptable-before", "nurse.ana", s.now(), note=answer).done
    assert s.engine.phase_blockers(s.now()) == []

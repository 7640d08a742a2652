"""REMS Patient Monitoring Form values equal what the esketamine session recorded."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from console.cli import main
from console.export.rems import (
    BloodPressure, DeviceDose, RemsForm, rems_form, render_text, write_rems,
)
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from console.review import content as rc
from tests.identity.accounts import ensure_account, sign_in_args
from tests.review.scenarios import Driver


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 6, hour, minute, tzinfo=UTC)


@pytest.fixture
def conn(scenario_log):
    c = open_readonly(scenario_log.path)
    yield c
    c.close()


@pytest.fixture
def form(conn, scenario_log):
    return rems_form(load_session(conn, scenario_log.facts.ids["esketamine"]), tz=UTC)


def test_dose_devices_and_observation_times(form):
    assert (form.patient_id, form.session_number, form.session_date, form.nurse) == (
        "MRN-5820", 1, "2026-03-06", "nurse.ben")
    assert form.dose_mg == 84.0
    assert form.devices == (DeviceDose("device-1", at(10, 10), "lot 4711A"),
                            DeviceDose("device-2", at(10, 15), "lot 4711A"))
    assert (form.observation_start, form.observation_end) == (at(10, 10), at(12, 11))
    assert form.total_monitoring_minutes == 121.0
    assert form.rems_enrolment_confirmed and form.concomitant_medications_reviewed
    # 84 mg is three devices, device 3 not given (the dose line says so, to check: not data
    # missing from the log); nobody scored hallucinations after the dose
    assert form.discharged and form.missing == ("hallucinations_assessment",)
    assert form.devices_left_reason == "Device 3 not given: patient declined"


def test_the_three_blood_pressures(form):
    assert form.bp_before_dose == BloodPressure(at(10, 0), 132.0, 84.0, -10.0)
    assert form.bp_t_plus_40 == BloodPressure(at(10, 50), 148.0, 90.0, 40.0)
    assert form.bp_pre_discharge == BloodPressure(at(12, 5), 134.0, 82.0, 115.0)


def test_monitoring_answers_and_adverse_events(form):
    assert (form.sedation, form.lowest_moaas) == (True, 4.0)            # MOAA/S 4 at T+40
    assert (form.dissociation, form.highest_cadss) == (True, 6.0)       # CADSS 6 > 4
    assert form.respiratory_depression                                  # the SpO2 dip to 92
    answers = {e.name: (e.present, e.evidence) for e in form.adverse_events}
    assert answers["sedation"] == (True, "MOAA/S 4 at 10:50")
    assert answers["dissociation"] == (True, "CADSS 6 at 10:50")
    assert answers["respiratory_depression"][0]
    assert "SpO2 92" in answers["respiratory_depression"][1] and "11:00" in answers[
        "respiratory_depression"][1]
    # "No" is the protocol's alarm limits' answer: the highest pressure after the dose stands
    # beside it for the nurse to judge (a clinician's audit: "No" beside 168/102 on one form).
    assert answers["increased_blood_pressure"] == (
        False, "no BP alarm; highest after the dose 148/90 mmHg at 10:50")
    assert answers["nausea"] == (True, "nausea 1 at 12:05")
    # Never scored after the dose: not a "No" on a form for the regulator (a records audit).
    assert answers["hallucinations"] == (None, "")


def test_text_output_labels_every_field(form, conn, scenario_log, tmp_path):
    detail = load_session(conn, scenario_log.facts.ids["esketamine"])
    path = tmp_path / "rems.txt"
    assert write_rems(detail, path, tz=UTC) == form
    text = path.read_text(encoding="utf-8")
    assert text == render_text(form, tz=UTC)
    for line in (
        "Patient identifier: MRN-5820",
        "Session date: Fri 06 Mar 2026",
        "Time zone: UTC; every time below is local time",
        "Dose (mg): 84 planned; 2 devices (56 mg) recorded given: CHECK (devices' phase left "
        "with the reason: Device 3 not given: patient declined)",
        "Device 1: given at 10:10; lot/note: lot 4711A",
        "Start of observation (first device, T0): 10:10",
        "End of observation (discharge): 12:11",
        "Total monitoring time (minutes): 121",
        "Blood pressure before dose: 132/84 mmHg at 10:00, T-10 min",
        "Blood pressure about 40 minutes after dose: 148/90 mmHg at 10:50, T+40 min",
        "Blood pressure before discharge: 134/82 mmHg at 12:05, T+115 min, 6 min before "
        "discharge",
        "Sedation: Yes (lowest MOAA/S 4)",
        "Dissociation: Yes (highest CADSS 6)",
        "Respiratory depression: Yes",
        "  Increased blood pressure (BP high alarm): No - no BP alarm; highest after the dose "
        "148/90 mmHg at 10:50",
        "Device 3: not recorded given (see the dose)",
        "  Hallucinations: NOT ASSESSED",
        # The form's own questions, answered with the ticks (protocol version 1.5).
        "Vital signs in acceptable range before administration: Yes",
        "Vital signs in acceptable range before treatment session completion: Yes",
        "REMS evaluation question (ready to leave without the 2-hour minimum, minutes from the "
        "first device): 90",
        "Missing from the log (complete by hand): hallucinations (no score after the dose)",
    ):
        assert line in text.splitlines()


def test_a_session_without_the_forms_own_answers_names_them_missing(tmp_path):
    # The draft said "Missing: none" with no line for the form's vital-signs questions or its
    # REMS evaluation question (an esketamine walk): a session whose items were not ticked
    # (or of a protocol before version 1.5) names them to complete by hand.
    log, r = dosed(tmp_path, "MRN-1242")
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    lines = render_text(form, tz=UTC).splitlines()
    assert "Vital signs in acceptable range before administration: Yes" in lines
    assert ("Vital signs in acceptable range before treatment session completion: NOT RECORDED"
            in lines)
    assert {"vitals_acceptable_after", "rems_evaluation_minutes"} <= set(form.missing)
    assert ("vital signs acceptable before session completion (yes or no), REMS evaluation "
            "question (minutes)") in lines[-1]


def test_json_output_holds_the_same_values(conn, scenario_log, tmp_path, form):
    detail = load_session(conn, scenario_log.facts.ids["esketamine"])
    path = tmp_path / "rems.json"
    write_rems(detail, path, tz=UTC)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == form.to_json()
    assert data["bp_t_plus_40"] == {"at": "2026-03-06T10:50:00.000Z", "systolic": 148.0,
                                    "diastolic": 90.0, "minutes_after_dose": 40.0}
    assert data["total_monitoring_minutes"] == 121.0
    assert "draft" not in data   # discharged: no running heading


def test_a_session_without_a_dose_says_what_is_missing(conn, scenario_log):
    running = rems_form(load_session(conn, scenario_log.facts.ids["open"]))
    assert running.observation_start is None and running.total_monitoring_minutes is None
    assert running.bp_before_dose is None          # no T0: nothing is "before the dose"
    assert {"device_times", "observation_start", "observation_end", "bp_t_plus_40",
            "bp_pre_discharge", "rems_enrolment_confirmed"} <= set(running.missing)
    assert not running.discharged
    assert "Blood pressure about 40 minutes after dose: NOT RECORDED" in render_text(running)
    # Said in the form's words, not its JSON keys.
    missing = render_text(running).splitlines()[-1]
    assert missing.startswith("Missing from the log (complete by hand): ")
    assert "start of observation (T0)" in missing and "REMS enrolment confirmation" in missing
    assert "_" not in missing
    # A running session's draft says so first (a clinician's audit: only "Discharged: No" and
    # NOT RECORDED fields told it from a finished one).
    assert render_text(running).startswith(
        "SESSION STILL RUNNING: not discharged yet; a draft of a session in progress, not for "
        "submission\n")
    # Its JSON too, first (it had only "discharged": false to tell it from a finished one).
    assert next(iter(running.to_json().items())) == (
        "draft", "SESSION STILL RUNNING: not discharged yet; a draft of a session in progress, "
        "not for submission")


def test_a_discharged_sessions_draft_has_no_running_heading(form):
    assert render_text(form).startswith("SPRAVATO (esketamine) REMS - Patient Monitoring Form")


def test_refused_for_a_session_that_is_not_esketamine(conn, scenario_log):
    with pytest.raises(ValueError, match="used protocol iv-ketamine: the REMS Patient Monitoring "
                                         "Form is for esketamine sessions only"):
        rems_form(load_session(conn, scenario_log.facts.ids["surge"]))


@pytest.fixture(scope="module")
def evening_log(tmp_path_factory):
    """An 84 mg esketamine session at 00:30 UTC on 6 March: 16:30 on Thursday 5 March in Los
    Angeles (QA's build3.py, shortened); devices at T0, +5, +10 min."""
    path = tmp_path_factory.mktemp("evening") / "log.sqlite3"
    with EventLog.open(path, "test") as log:
        r = Driver(log, "esketamine", "MRN-6000", 64.0, "nurse.ben",
                   datetime(2026, 3, 6, 0, 30, tzinfo=UTC), 1, chosen_mg=84)
        r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(10); r.advance()
        for k, minute in enumerate((10, 15, 20), start=1):
            r.at(minute)
            r.engine.tick_item(f"device-{k}", r.nurse, r.clock.now(), note="lot A1")
        r.at(50); r.manual(bp_systolic=140, bp_diastolic=86, moaas=4)
        session_id = r.id
    ensure_account(path)
    return path, session_id


@pytest.fixture
def in_los_angeles(monkeypatch):
    """This computer's zone is America/Los_Angeles, as the clinic's would be."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_draft_uses_the_clinics_local_date_and_times_like_the_pdf(
        evening_log, in_los_angeles, tmp_path, capsys):
    # QA: "Session date: 2026-03-06", "given at 2026-03-06T00:40:00.000Z", while the PDF read
    # Thu 05 Mar 2026 16:30; the nurse copies these onto the paper form by hand.
    path, sid = evening_log
    target = tmp_path / "rems.txt"
    assert main(["export", str(sid), "--rems", str(target), "--db", str(path),
                 *sign_in_args()]) == 0, capsys.readouterr().err
    lines = target.read_text(encoding="utf-8").splitlines()
    for line in (
        "Session date: Thu 05 Mar 2026",
        "Time zone: PST (UTC-08:00); every time below is local time",
        "Device 1: given at 16:40; lot/note: lot A1",
        "Device 3: given at 16:50; lot/note: lot A1",
        "Start of observation (first device, T0): 16:40",
        "Blood pressure before dose: 132/84 mmHg at 16:30, T-10 min",
        "  Sedation (MOAA/S below 5): Yes - MOAA/S 4 at 17:20",
    ):
        assert line in lines
    text = "\n".join(lines)
    assert "2026-03-06" not in text and "UTC" not in text.replace("(UTC-08:00)", "")
    assert sum("PST" in line for line in lines) == 1          # the zone is said once


def test_a_dose_with_a_device_not_given_says_so_beside_the_plan(conn, scenario_log, evening_log):
    # QA: 84 mg with devices 1 and 2 logged read "Missing from the log: none"; the PDF's header
    # says "84 mg (3 devices)" and the protocol's device-3 item "84 mg only". Then device 3 was
    # listed to complete by hand, a device never given (an esketamine review): the dose line
    # says what was recorded given, to check, with the reason the devices' phase was left.
    detail = load_session(conn, scenario_log.facts.ids["esketamine"])
    form = rems_form(detail, tz=UTC)
    assert rc.dose_text(detail) == (   # as the PDF says: two of three devices logged
        f"84 mg planned ({form.devices_needed} devices; 2 recorded given)")
    lines = render_text(form, tz=UTC).splitlines()
    dose = next(i for i, line in enumerate(lines) if line.startswith("Dose (mg):"))
    assert lines[dose:dose + 4] == [
        "Dose (mg): 84 planned; 2 devices (56 mg) recorded given: CHECK (devices' phase left "
        "with the reason: Device 3 not given: patient declined)",
        "Device 1: given at 10:10; lot/note: lot 4711A",
        "Device 2: given at 10:15; lot/note: lot 4711A",
        "Device 3: not recorded given (see the dose)",
    ]
    assert lines[-1] == ("Missing from the log (complete by hand): hallucinations (no score "
                         "after the dose)")
    # All three logged (a session still open): no device is missing.
    path, sid = evening_log
    evening = open_readonly(path)
    try:
        complete = rems_form(load_session(evening, sid), tz=UTC)
    finally:
        evening.close()
    assert complete.devices_needed == 3 and len(complete.devices) == 3
    assert not [name for name in complete.missing if name.startswith("device")]


def dosed(tmp_path, patient: str, **before: float) -> tuple[EventLog, Driver]:
    """An esketamine session with its pre-dose values, checks and device 1 given at 10:10."""
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "esketamine", patient, 64.0, "nurse.ben", at(10, 0), 1, chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0, **before)
    r.tick_required()
    r.at(10)
    r.advance()
    r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A")
    return log, r


def form_of(tmp_path, session: int) -> RemsForm:
    conn = open_readonly(tmp_path / "s.sqlite3")
    try:
        return rems_form(load_session(conn, session), tz=UTC)
    finally:
        conn.close()


def test_an_alarm_raised_by_a_value_taken_back_is_no_adverse_event(tmp_path):
    # SpO2 80 typed into the wrong field and voided; Systolic 250 typed for a cuff's 150 and
    # corrected. Neither value was the patient's, so neither alarm answers a question (a
    # corrected value that breaches raises its own alarm: tests/export/test_rems_corrected_bp.py);
    # both are named in the evidence, marked as the review marks them.
    log, r = dosed(tmp_path, "MRN-1234")
    r.at(15)
    r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A")
    r.at(20)
    r.advance()
    r.at(30)
    r.manual(spo2=80)
    typed = log.conn.execute("SELECT max(id) FROM observations WHERE metric = 'spo2'").fetchone()[0]
    assert r.engine.void(typed, "spo2", r.nurse, r.clock.now(), reason="wrong field").done
    r.ack_all()
    r.at(32)
    r.manual(spo2=97)   # measured after the dose: "No" is an answer, not a guess
    r.at(35)
    r.manual(bp_systolic=250)
    typed = log.conn.execute("SELECT max(id) FROM observations WHERE metric = 'bp_systolic'"
                             ).fetchone()[0]
    r.engine.correct(typed, "bp_systolic", 150, r.nurse, r.clock.now(), reason="cuff read 150")
    r.ack_all()
    session = r.id
    log.close()
    conn = open_readonly(tmp_path / "s.sqlite3")
    try:
        form = rems_form(load_session(conn, session), tz=UTC)
    finally:
        conn.close()
    events = {e.name: e for e in form.adverse_events}
    breathing = events["respiratory_depression"]
    assert breathing.present is False
    assert breathing.evidence == (
        "no RR or SpO2 alarm on a value that stands; not counted, raised by a value taken back: "
        "SpO2 80 %, limit ≤90 at 10:30 (high) [value entered in error]")
    # The 150 was typed alone (no diastolic): no pressure after the dose to judge, so not
    # assessed, never "Yes" on the typo.
    pressure = events["increased_blood_pressure"]
    assert pressure.present is None
    assert pressure.evidence == (
        "not counted, raised by a value taken back: Systolic BP 250 mmHg, limit ≥200 at 10:35 "
        "(high) [value corrected to 150 mmHg]")


def test_what_nobody_assessed_after_the_dose_is_not_assessed_never_no(tmp_path):
    # A records audit: a session with no nausea or hallucinations score read "Nausea: No",
    # "Hallucinations: No" and "Missing from the log: none" on a form for the regulator.
    log, r = dosed(tmp_path, "MRN-1235", nausea=0, hallucinations=0)   # before the dose only
    log.close()
    form = form_of(tmp_path, r.id)
    assert {e.name: e.present for e in form.adverse_events} == dict.fromkeys(
        ("sedation", "dissociation", "respiratory_depression", "increased_blood_pressure",
         "nausea", "hallucinations"))
    assert (form.sedation, form.dissociation, form.respiratory_depression) == (None, None, None)
    lines = render_text(form, tz=UTC).splitlines()
    assert "Sedation: NOT ASSESSED" in lines and "  Nausea: NOT ASSESSED" in lines
    assert not [line for line in lines if line.endswith(": No")
                and not line.startswith(("REMS", "Concomitant", "Discharged"))]
    assert lines[-1].startswith("Missing from the log (complete by hand): ")
    assert ("sedation (no MOAA/S after the dose), dissociation (no CADSS after the dose), "
            "respiratory depression (no RR or SpO2 after the dose), increased "
            "blood pressure (no BP after the dose), nausea (no score after the dose), "
            "hallucinations (no score after the dose)") in lines[-1]


def test_dissociation_is_assessed_by_a_cadss_score_not_by_hallucinations_absent(tmp_path):
    log, r = dosed(tmp_path, "MRN-1236")
    r.at(40)
    r.manual(hallucinations=0)   # no CADSS after the dose
    log.close()
    form = form_of(tmp_path, r.id)
    answers = {e.name: e.present for e in form.adverse_events}
    assert (answers["dissociation"], answers["hallucinations"]) == (None, False)
    assert "dissociation_assessment" in form.missing


def first_device_ten_minutes_after_t0(tmp_path, patient: str) -> tuple[EventLog, Driver]:
    """An esketamine session in observation: T0 10:10, device 1 at 10:20, device 2 at 10:25."""
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "esketamine", patient, 64.0, "nurse.ben", at(10, 0), 1, chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                                    # T0 10:10
    r.at(20); r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A")
    r.at(25); r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A")
    r.advance()
    return log, r


def test_the_observation_counts_from_the_first_device_recorded_after_t0(tmp_path):
    # Device 1 ticked ten minutes after the devices phase started (T0): the form's observation
    # starts with it, and its total is counted from it (it read "120 min" over a device time
    # that made it 110; an esketamine walk).
    log, r = first_device_ten_minutes_after_t0(tmp_path, "MRN-1240")
    r.at(140)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="ended for the test").done
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    assert form.observation_start == at(10, 20)
    assert form.total_monitoring_minutes == 120.0


def test_the_bp_about_40_minutes_after_the_dose_counts_from_the_first_device(tmp_path):
    # Device 1 ten minutes after T0: a BP 30 minutes after it (T0 + 40) is not the label's
    # "about 40 minutes after the dose"; the one 40 minutes after it is, and says T+40.
    log, r = first_device_ten_minutes_after_t0(tmp_path, "MRN-1242")
    r.at(50); r.manual(bp_systolic=150, bp_diastolic=92)     # T0 + 40, 30 min after the dose
    r.at(60); r.manual(bp_systolic=138, bp_diastolic=88)     # 40 min after the dose
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    bp = form.bp_t_plus_40
    assert (bp.systolic, bp.at, bp.minutes_after_dose) == (138, at(11, 0), 40.0)


def test_a_device_beyond_the_dose_is_said_beside_the_dose(tmp_path):
    log, r = dosed(tmp_path, "MRN-1241")
    r.at(15); r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A")
    r.at(20)
    assert r.engine.tick_item("device-3", r.nurse, r.clock.now(), note="lot A",
                              extra_reason="prescriber changed the dose").done
    session = r.id
    log.close()
    lines = render_text(form_of(tmp_path, session), tz=UTC).splitlines()
    assert ("Dose (mg): 56 planned; 3 devices recorded given: CHECK the dose given before "
            "submitting") in lines
    assert any(line.startswith("Device 3: given at") for line in lines)


def _esketamine_at_t0(tmp_path, patient):
    """An esketamine 56 mg session of `patient` with its baseline at 10:00 and T0 at 10:10."""
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "esketamine", patient, 64.0, "nurse.ben", at(10, 0), 1, chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10)
    r.advance()
    return log, r


def _bp_typed_between_t0_and_the_first_device(tmp_path):
    """T0 10:10; BP 158/96 typed at 10:15, in the devices phase but before any device; device 1
    at 10:20, device 2 at 10:25; 138/86 forty minutes after device 1 (an exports review, 4 Dec)."""
    log, r = _esketamine_at_t0(tmp_path, "MRN-3801")   # T0 10:10
    r.at(15)
    r.manual(bp_systolic=158, bp_diastolic=96)               # before the first device
    r.at(20)   # 158/96 is over the label's 140/90: device 1 asks the prescriber (review 45)
    assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A",
                              gate_decision="Dr Lee: proceed").done
    r.at(25)
    r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A")
    r.advance()
    r.at(60)
    r.manual(bp_systolic=138, bp_diastolic=86)
    session = r.id
    log.close()
    return form_of(tmp_path, session)


def test_the_bp_before_the_dose_is_the_last_one_before_the_first_device(tmp_path):
    form = _bp_typed_between_t0_and_the_first_device(tmp_path)
    assert form.observation_start == at(10, 20)
    bp = form.bp_before_dose
    assert (bp.systolic, bp.diastolic, bp.at) == (158, 96, at(10, 15))
    assert [(r.systolic, r.at) for r in form.pre_dose_bp.readings][-1] == (158, at(10, 15))


def test_a_pressure_before_the_first_device_is_not_the_highest_after_the_dose(tmp_path):
    form = _bp_typed_between_t0_and_the_first_device(tmp_path)
    evidence = {e.name: e for e in form.adverse_events}["increased_blood_pressure"].evidence
    assert "highest after the dose 138/86 mmHg" in evidence
    assert "158/96" not in evidence


def test_a_bp_alarm_open_across_the_first_device_answers_increased_bp(tmp_path):
    log, r = _esketamine_at_t0(tmp_path, "MRN-3802")   # T0 10:10
    r.at(15)
    r.manual(bp_systolic=176, bp_diastolic=112)              # 44/28 above baseline: alarm
    r.at(20)
    assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A",   # the dose
                              gate_decision="Dr Lee: proceed").done   # over 140/90 (review 45)
    r.at(25)
    r.manual(bp_systolic=178, bp_diastolic=113)              # still high after the dose
    r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A")
    r.advance()
    r.at(60)
    r.manual(bp_systolic=177, bp_diastolic=112)
    alarms_open = [o.condition for o in r.engine.alarms() if o.condition.startswith("bp_")]
    session = r.id
    log.close()
    assert alarms_open, "precondition: a BP alarm stands after the dose"
    form = form_of(tmp_path, session)
    answer = {e.name: e for e in form.adverse_events}["increased_blood_pressure"]
    assert answer.present is True, (answer.present, answer.evidence)

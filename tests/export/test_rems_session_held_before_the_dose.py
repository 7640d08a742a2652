"""An esketamine session held before the dose: the pre-dose BP is 162/100 (over the label's
140/90), the prescriber does not approve, and the nurse ends the session with the reason
("not dosed today"). The REMS draft of that session contradicted its log (a review):

- it read "Blood pressure before dose: NOT RECORDED" and listed "blood pressure before dose"
  among the things "Missing from the log (complete by hand)", though the log holds the 162/100
  the hold was decided on;
- it read "Dose (mg): 56" and asked the nurse to complete device 1 and device 2 (times and lots)
  by hand, though no device was given.

A session never dosed (ended with no device ticked, T0 reached or not) now says so at its head,
its dose "planned; never given" (the review's words), its pressures before the dose, and asks
nothing of an administration by hand. After a hand-over the draft names every nurse who had the
chair, with when each took it over (it named only the nurse who started the session)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.clock import iso
from console.export.rems import (
    NO_DOSE_DRAFT, NurseOnDuty, RemsForm, rems_form, render_text,
)
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.export.test_rems import at, dosed, form_of
from tests.review.scenarios import Driver
from tests.session.test_scores_since_dose import NURSE, Run

HOLD = "Prescriber Dr Lee: do not dose today, BP 162/100; patient goes home"
DECLINED = "Patient declined the spray: no device given"

# What a session never dosed has none of: nothing of it is to be completed by hand.
_OF_A_DOSE = {"device-1", "device-2", "device_times", "device_lot_numbers", "observation_start",
              "total_monitoring_minutes", "bp_t_plus_40", "bp_pre_discharge",
              "rems_evaluation_minutes", "bp_decision"}


def _held(tmp_path: Path, recheck: bool = False) -> tuple[RemsForm, str]:
    """Held on 162/100 (the prescriber does not approve), discharged 10 min later; `recheck`:
    a 128/80 taken at 20 min before she goes home, discharged at 25."""
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    r.manual(bp_systolic=162, bp_diastolic=100, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    refused = r.engine.tick_item("bp-before-dose", NURSE, r.now())
    assert not refused.done            # the gate asks the prescriber; he does not approve
    if recheck:
        r.at(20)
        r.manual(bp_systolic=128, bp_diastolic=80)
    r.at(25 if recheck else 10)
    assert r.engine.discharge(NURSE, r.now(), override_reason=HOLD).done
    conn = open_readonly(r.db)
    try:
        detail = load_session(conn, r.engine.session_id)
    finally:
        conn.close()
    form = rems_form(detail, tz=UTC)
    return form, render_text(form, UTC)


def test_the_bp_the_dose_was_held_on_is_not_said_missing_from_the_log(tmp_path: Path) -> None:
    form, text = _held(tmp_path)
    assert "blood pressure before dose" not in form.missing_words(), text
    assert "162/100" in text, text
    lines = text.splitlines()
    bp = next(line for line in lines if line.startswith("Blood pressure before dose:"))
    assert bp.startswith("Blood pressure before dose: 162/100 mmHg at "), bp
    # Against the threshold, as the hold was decided; no decision to dose past it is asked.
    assert any(line.startswith("Blood pressures before dose, each against the threshold: "
                               "162/100 mmHg at ") and "(REACHES THE THRESHOLD)" in line
               for line in lines), text
    assert ("Prescriber's decision on the blood pressure before dose: not applicable (no dose "
            "given)") in lines
    assert "bp_decision" not in form.missing


def test_no_device_given_is_not_asked_to_be_completed_by_hand(tmp_path: Path) -> None:
    form, text = _held(tmp_path)
    missing = form.missing_words()
    assert "device 1" not in missing and "device 2" not in missing, missing
    assert "Dose (mg): 56\n" not in text, text   # bare "56", as if given
    lines = text.splitlines()
    assert "Dose (mg): 56 planned; never given" in lines
    assert "Device 1: not recorded given (see the dose)" in lines
    assert "Device 2: not recorded given (see the dose)" in lines
    assert not _OF_A_DOSE & set(form.missing), form.missing_words()
    # What is left to complete by hand is what the log lacks of the pre-dose checks.
    assert "REMS enrolment confirmation" in missing


def test_the_draft_says_first_that_no_dose_was_given(tmp_path: Path) -> None:
    form, text = _held(tmp_path)
    assert text.startswith(NO_DOSE_DRAFT + "\n\nSPRAVATO (esketamine) REMS"), text
    assert form.no_dose_given and form.to_json()["no_dose_given"] is True
    lines = text.splitlines()
    # Nothing after a dose never given reads as measured, missing or "NOT ASSESSED".
    for label in ("Start of observation (first device, T0)", "Total monitoring time (minutes)",
                  "Blood pressure about 40 minutes after dose", "Blood pressure before discharge",
                  "Sedation", "Dissociation", "Respiratory depression", "  Nausea"):
        assert f"{label}: not applicable (no dose given)" in lines, (label, text)
    assert "NOT ASSESSED" not in text
    assert "End of observation (discharge): 09:10" in lines   # the session's end stands


def _t0_then_none_given(tmp_path: Path) -> int:
    """T0 reached at 10:10, a BP taken at 10:12, the devices' phase left with the reason before
    any device, the patient discharged against the gate at 10:20."""
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "esketamine", "MRN-7004", 64.0, "nurse.ben", at(10, 0), 1, chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                       # T0: the devices' phase
    r.at(12); r.manual(bp_systolic=150, bp_diastolic=92)
    r.at(14); r.advance(DECLINED)               # left with no device ticked
    r.at(20)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason=DECLINED).done
    session = r.id
    log.close()
    return session


def test_a_session_past_t0_with_no_device_given_reads_never_given(tmp_path: Path) -> None:
    form = form_of(tmp_path, _t0_then_none_given(tmp_path))
    lines = render_text(form, tz=UTC).splitlines()
    assert lines[0] == NO_DOSE_DRAFT
    assert (f"Dose (mg): 56 planned; never given (devices' phase left with the reason: "
            f"{DECLINED})") in lines
    # T0 without a device is no administration: the BP taken after T0 is still before the dose.
    assert "Blood pressure before dose: 150/92 mmHg at 10:12" in lines
    assert form.observation_start is None and form.total_monitoring_minutes is None
    assert not _OF_A_DOSE & set(form.missing), form.missing_words()


def test_after_a_hand_over_the_draft_names_every_nurse_with_the_time_each_took_over(
        tmp_path: Path) -> None:
    log, r = dosed(tmp_path, "MRN-7005")        # nurse.ben; device 1 at 10:10
    r.at(30)
    assert r.engine.hand_over("nurse.cat", r.clock.now()).done
    r.nurse = "nurse.cat"
    r.at(75)
    assert r.engine.hand_over("nurse.dan", r.clock.now()).done
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    assert "Nurse: nurse.ben, then nurse.cat from 10:30, then nurse.dan from 11:15" in (
        render_text(form, tz=UTC).splitlines())
    assert form.nurses == (NurseOnDuty("nurse.ben"), NurseOnDuty("nurse.cat", at(10, 30)),
                           NurseOnDuty("nurse.dan", at(11, 15)))
    assert form.to_json()["nurses"][1] == {"name": "nurse.cat",
                                          "since": iso(at(10, 30))}
    assert form.nurse == "nurse.ben" and not form.no_dose_given


def test_without_a_hand_over_the_nurse_line_is_as_before(tmp_path: Path) -> None:
    log, r = dosed(tmp_path, "MRN-7006")
    session = r.id
    log.close()
    assert "Nurse: nurse.ben" in render_text(form_of(tmp_path, session), tz=UTC).splitlines()


def test_the_bp_before_a_held_dose_is_the_one_the_hold_was_decided_on(tmp_path: Path) -> None:
    # Rechecked 128/80 before the patient went home: the draft read "Blood pressure before
    # dose: 128/80", a normal pressure on the form of a dose held for hypertension (a review).
    _, text = _held(tmp_path, recheck=True)
    line = next(x for x in text.splitlines() if x.startswith("Blood pressure before dose:"))
    assert line.startswith("Blood pressure before dose: 162/100"), line
    assert "128/80" in text   # still listed among the pressures before the dose

"""The REMS draft and a corrected blood pressure: the form says what the review says.

A BP typed 250/90 at T+40 (10:50), the 250 a typo for the cuff's 150, corrected ten minutes
later. The review's vitals table, the PDF, FHIR and the course place a corrected value at its
measurement's time: "150/90 (systolic corrected from 250)" at 10:50. The REMS draft paired the
series by the time each row was received: the 150 stood at 11:00 with no diastolic within 90 s,
and the form said "Blood pressure about 40 minutes after dose: NOT RECORDED"; it also answered
"Increased blood pressure: Yes" on the typed 250's alarm alone (an exports review, 3 Dec 2026).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.export.rems import RemsForm, rems_form, render_text
from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver
from tests.review.test_corrected_vitals_table import correct


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 6, hour, minute, tzinfo=UTC)


def session_with_a_typo(path: Path, corrected_to: float = 150) -> SessionDetail:
    """Esketamine 56 mg, T0 10:10; BP 250/90 typed at 10:50 (T+40), its systolic corrected to
    `corrected_to` at 11:00 ("typed 250, cuff read …"), every alarm acknowledged."""
    log = EventLog.open(path, "test", now=datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    try:
        r = Driver(log, "esketamine", "MRN-5821", 64.0, "nurse.ben", at(10, 0), 1, chosen_mg=56)
        r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(10); r.advance()                                   # T0 10:10
        r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot 4711A")
        r.at(15); r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot 4711A")
        r.at(50); r.manual(bp_systolic=250, bp_diastolic=90)   # T+40, systolic mistyped
        r.at(60); correct(r, log, "bp_systolic", 250, corrected_to,
                          f"typed 250, cuff read {corrected_to:g}")
        r.ack_all()
        session = r.id
    finally:
        log.close()
    conn = open_readonly(path)
    try:
        return load_session(conn, session, with_observations=True)
    finally:
        conn.close()


def increased_bp(form: RemsForm) -> tuple[bool | None, str]:
    [event] = [e for e in form.adverse_events if e.name == "increased_blood_pressure"]
    return event.present, event.evidence


def test_a_bp_corrected_after_t40_reads_on_the_form_where_the_review_shows_it(
        tmp_path: Path) -> None:
    detail = session_with_a_typo(tmp_path / "log.sqlite3")
    # The review first: the corrected pressure at its measurement's time, marked.
    review = {row[0]: row[2] for row in rc.vital_rows(detail, UTC)}
    assert review["10:50"] == "150/90 (systolic corrected from 250)"
    form = rems_form(detail, tz=UTC)
    text = render_text(form, tz=UTC).splitlines()
    # The form's T+40 pressure is that one, at 10:50, not "NOT RECORDED".
    assert form.bp_t_plus_40 is not None
    assert (form.bp_t_plus_40.at, form.bp_t_plus_40.systolic, form.bp_t_plus_40.diastolic,
            form.bp_t_plus_40.minutes_after_dose) == (at(10, 50), 150, 90, 40.0)
    assert "Blood pressure about 40 minutes after dose: 150/90 mmHg at 10:50, T+40 min" in text
    assert "bp_t_plus_40" not in form.missing
    # It is also the last pressure before the discharge: the patient's pressure as they left.
    assert form.bp_pre_discharge == form.bp_t_plus_40


def test_a_corrected_bp_typo_does_not_answer_increased_blood_pressure_yes(
        tmp_path: Path) -> None:
    form = rems_form(session_with_a_typo(tmp_path / "log.sqlite3"), tz=UTC)
    present, evidence = increased_bp(form)
    # The patient's pressure after the dose was 150/90, below every limit: "No". The typed
    # 250's alarm is still named, marked as the review lists it, so the nurse sees why.
    assert present is False
    assert evidence == (
        "no BP alarm on a value that stands; highest after the dose 150/90 mmHg at 10:50; "
        "not counted, raised by a value taken back: Systolic BP 250 mmHg, limit ≥200 at 10:50 "
        "(high) [value corrected to 150 mmHg]")
    assert ("  Increased blood pressure (BP high alarm): No - " + evidence
            ) in render_text(form, tz=UTC).splitlines()


def test_a_bp_corrected_to_a_value_that_breaches_still_answers_yes(tmp_path: Path) -> None:
    # A correction is judged as a new value (README, "a correction to 210 alarms"): its own
    # alarm answers "Yes"; the typo's alarm is named beside it, marked.
    form = rems_form(session_with_a_typo(tmp_path / "log.sqlite3", corrected_to=210), tz=UTC)
    present, evidence = increased_bp(form)
    assert present is True
    assert "[value corrected to 210 mmHg]" in evidence
    assert "Systolic BP 210 mmHg" in evidence

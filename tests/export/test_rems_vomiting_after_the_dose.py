"""An esketamine patient who vomited after the dose (the chair's "Vomiting" button, an
`observation` event: the record's adverse event, README) with a nausea score of 0 taken before
it: the REMS draft answered "Nausea: No" and named the vomiting nowhere. Its nausea answer read
the nausea score alone (console/export/rems.py `reported("nausea", …)`), never the observations
noted with a button. The draft is what the nurse submits to the REMS program. A reviewer's
proof.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from console.export.rems import AdverseEvent, RemsForm, render_text
from console.session.engine import OBSERVED, VOMITING
from console.store import EventLog
from tests.export.test_rems import form_of
from tests.review.scenarios import Driver

START = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)


def _vomiting(r: Driver) -> int:
    """The nurse presses Vomiting now; returns its event's id."""
    ok, event = r.engine.note_row(VOMITING, r.nurse, r.clock.now(), kind=OBSERVED)
    assert ok.done and event is not None
    return event


def _session(tmp_path: Path, before_the_dose: Callable[[Driver], object] = lambda r: None,
             after_the_dose: Callable[[Driver], object] = _vomiting) -> RemsForm:
    """Pre-dose checks from 10:00 (`before_the_dose` at 10:05), device 1 at 10:10, device 2 at
    10:15, observation from 10:20; nausea 0 at 10:30, `after_the_dose` at 10:45 (T+35), a BP
    at 10:50."""
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "esketamine", "MRN-5821", 64.0, "nurse.ben", START, 1, chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); before_the_dose(r)
    r.at(10); r.advance()                                    # T0
    r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A")   # the dose, 10:10
    r.at(15); r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A")
    r.at(20); r.advance()                                    # observation
    r.at(30); r.manual(nausea=0, moaas=5, dissociation=0, hallucinations=0)
    r.at(45); after_the_dose(r)
    r.at(50); r.manual(bp_systolic=140, bp_diastolic=86, heart_rate=76, resp_rate=14, spo2=97)
    session = r.id
    log.close()
    return form_of(tmp_path, session)


def _nausea(form: RemsForm) -> tuple[AdverseEvent, str]:
    answer = next(e for e in form.adverse_events if e.name == "nausea")
    (line,) = [x for x in render_text(form, UTC).splitlines() if x.strip().startswith("Nausea:")]
    return answer, line.strip()


def test_the_rems_draft_answers_nausea_yes_for_a_patient_who_vomited_after_the_dose(
        tmp_path: Path) -> None:
    answer, line = _nausea(_session(tmp_path))
    assert answer.present is True, answer
    assert line == "Nausea: Yes - vomiting at 10:45", line


def test_a_vomiting_taken_back_as_entered_in_error_answers_nothing(tmp_path: Path) -> None:
    def mis_clicked(r: Driver) -> None:
        event = _vomiting(r)
        assert r.engine.void_observation(event, r.nurse, r.clock.now(), "wrong button").done

    answer, line = _nausea(_session(tmp_path, after_the_dose=mis_clicked))
    assert answer.present is False and line == "Nausea: No", line


def test_a_vomiting_before_the_dose_is_no_answer_for_after_it(tmp_path: Path) -> None:
    answer, line = _nausea(_session(tmp_path, before_the_dose=_vomiting,   # 10:05
                                    after_the_dose=lambda r: None))
    assert answer.present is False and line == "Nausea: No", line

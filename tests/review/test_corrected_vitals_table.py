"""A corrected value (the engine's `correct`: a new row replacing a logged value, with a reason)
is shown in the review's Vitals tab at its measurement's time, marked, with the value it
replaced: "150/88 (systolic corrected from 250)", "69 (corrected from 96)".

Audit: a typed 250 corrected to 150 seven minutes later read as a new row "150/—" at the
correction's time, unmarked, the 09:15 row missing its systolic, while the trend drew 150 at
09:15. The Notes tab says who corrected it, when and why ("Systolic BP corrected to 150: …").
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.review import content as rc
from console.review.queries import load_course, load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver
from tests.review.review_windows import open_review

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The two rows the corrections belong to, as a clinician reads them in the tab and the PDF.
CORRECTED_BP = ("09:15", "+15", "150/88 (systolic corrected from 250)", "76", "—", "—", "manual")
CORRECTED_HR = ("09:25", "+25", "140/84", "69 (corrected from 96)", "—", "—", "manual")


def corrected_session(path: Path) -> int:
    """An IV session (T0 09:05): BP 250/88 HR 76 typed at 09:15, the 250 corrected to 150 at
    09:22 ("typed 250, cuff read 150"); BP 140/84 HR 96 typed at 09:25, the 96 corrected to 69
    at 09:27; discharged against the gate at 09:30."""
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        r = Driver(log, "iv-ketamine", "MRN-FIX", 72.0, "nurse.ana", START, 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
        r.tick_required()
        r.at(5); r.advance()                                   # T0 09:05
        r.at(15); r.manual(bp_systolic=250, bp_diastolic=88, heart_rate=76)
        r.at(22); correct(r, log, "bp_systolic", 250, 150, "typed 250, cuff read 150")
        r.ack_all()
        r.at(25); r.manual(bp_systolic=140, bp_diastolic=84, heart_rate=96)
        r.at(27); correct(r, log, "heart_rate", 96, 69, "typed 96 for 69")
        r.at(30)
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="walk: test").done
        return r.id
    finally:
        log.close()


def correct(r: Driver, log: EventLog, metric: str, typed: float, value: float,
            reason: str) -> None:
    row = log.conn.execute("SELECT max(id) FROM observations WHERE metric = ? AND value = ?",
                           [metric, typed]).fetchone()[0]
    verdict = r.engine.correct(row, metric, value, r.nurse, r.clock.now(), reason=reason)
    if type(verdict).__name__ == "NeedsConfirmation":
        # Asked as the vitals form asks (review 37: a systolic corrected to 210 of a 210/90 has
        # a pulse pressure of 120), and confirmed as the nurse would.
        verdict = r.engine.correct(row, metric, value, r.nurse, r.clock.now(), reason=reason,
                                   confirmed=True)
    assert type(verdict).__name__ == "Accepted", verdict


@pytest.fixture
def corrected_log(tmp_path: Path) -> tuple[Path, int]:
    path = tmp_path / "log.sqlite3"
    return path, corrected_session(path)


def test_a_corrected_value_is_at_its_measurements_time_marked_with_the_value_it_replaced(
        corrected_log):
    path, session = corrected_log
    conn = open_readonly(path)
    try:
        for with_observations in (False, True):   # the review's load, and the exports'
            detail = load_session(conn, session, with_observations=with_observations)
            rows = {row[0]: row for row in rc.vital_rows(detail, UTC)}
            assert rows["09:15"] == CORRECTED_BP
            assert rows["09:25"] == CORRECTED_HR
            # No row at the corrections' times: 150 and 69 are no new readings.
            assert "09:22" not in rows and "09:27" not in rows, rows
    finally:
        conn.close()
    # The Notes tab still says who corrected what, when and why.
    notes = [row[1:] for row in rc.note_rows(detail, UTC)]
    assert ("Correction", "nurse.ana", "Systolic BP corrected to 150: typed 250, cuff read 150"
            ) in notes


def test_a_diastolic_without_a_systolic_beside_it_is_in_the_table(tmp_path):
    # Review 47: a diastolic with no valid systolic beside it (the systolic entered in
    # error, or a diastolic typed alone: the engine takes both) read "—" under "manual", though
    # it counts in the trend and the course.
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    r = Driver(log, "iv-ketamine", "MRN-DIA", 72.0, "nurse.ana", START, 1)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                                       # T0 09:05
    r.at(15); r.manual(bp_systolic=150, bp_diastolic=88, heart_rate=80)
    wrong = log.conn.execute("SELECT max(id) FROM observations WHERE metric = 'bp_systolic' "
                             "AND value = 150").fetchone()[0]
    assert r.engine.void(wrong, "bp_systolic", r.nurse, r.clock.now(),
                         reason="systolic misread").done
    r.at(25); r.manual(bp_diastolic=58)                        # typed alone, then corrected
    r.at(27); correct(r, log, "bp_diastolic", 58, 85, "typed 58 for 85")
    session = r.id
    log.close()
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    rows = {row[0]: row for row in rc.vital_rows(detail, UTC)}
    assert rows["09:15"] == ("09:15", "+15", "—/88", "80", "—", "—", "manual")
    assert rows["09:25"] == ("09:25", "+25", "—/85 (diastolic corrected from 58)", "—", "—",
                             "—", "manual")


def test_the_course_places_a_corrected_peak_at_its_measurement(corrected_log):
    # The course's peak systolic is the corrected 150, measured at 09:15 (T0 + 10), not at
    # the correction (09:22, T0 + 17).
    path, _ = corrected_log
    conn = open_readonly(path)
    try:
        [row] = load_course(conn, "MRN-FIX")
    finally:
        conn.close()
    assert rc.course_cells(row, UTC)["peak_systolic"] == "150 at T0 + 10 min"


def test_the_vitals_tab_marks_a_corrected_value_at_its_measurement(qtbot, corrected_log):
    path, session = corrected_log
    window = open_review(qtbot, path, datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    try:
        window.open_session(session)
        shown = window.detail_page.vitals_model.rows()
        assert CORRECTED_BP in shown and CORRECTED_HR in shown
        assert [row for row in shown if row[0] in ("09:22", "09:27")] == []
    finally:
        window.close_log()

"""A corrected score (MOAA/S, CADSS ...) is shown in the review's Observations tab at the
assessment it corrects, marked with the score it replaced: "4 (corrected from 2)", as a corrected
vital is in the Vitals tab (test_corrected_vitals_table.py).

Audit: a MOAA/S 2 scored at 09:30 and corrected to 4 at 10:10:20 stood at 10:10, where it
overwrote the patient's fresh 5 of that minute (a later score of a scale replaced an earlier one
within a row's minute): the record read sedation 4 at T0 + 65 min, and nothing at 09:30.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.review import content as rc
from console.store import EventLog
from tests.review.logged_session import logged_session
from tests.review.review_windows import open_review
from tests.review.scenarios import Driver

MOAAS = rc.SCALE_TITLES["moaas"]


def corrected_sedation(path: Path) -> int:
    """An IV session (T0 09:05): MOAA/S 2 clicked at 09:30 for a patient who responded to voice
    (4); a fresh MOAA/S 5 at 10:10; the 09:30 score corrected to 4 at 10:10:20."""
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        r = Driver(log, "iv-ketamine", "MRN-2", 72.0, "nurse.ana",
                   datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=130, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()                                   # T0 09:05
        r.at(30); r.manual(moaas=2)                            # mis-clicked: the patient was 4
        wrong = log.conn.execute("SELECT max(id) FROM observations WHERE metric = 'moaas'"
                                 ).fetchone()[0]
        r.at(70); r.manual(moaas=5)                            # a fresh assessment: alert
        r.at(70 + 20 / 60)                                     # 10:10:20 the 09:30 typo fixed
        verdict = r.engine.correct(wrong, "moaas", 4, r.nurse, r.clock.now(),
                                   reason="clicked 2, patient responded to voice: 4")
        assert type(verdict).__name__ == "Accepted", verdict
        r.at(75)
        return r.id
    finally:
        log.close()


def test_a_corrected_sedation_score_stands_at_its_assessment_not_over_a_later_one(qtbot,
                                                                                 tmp_path):
    path = tmp_path / "log.sqlite3"
    session = corrected_sedation(path)
    window = open_review(qtbot, path, datetime(2026, 3, 3, 9, 0, tzinfo=UTC), size=(1366, 768))
    window.open_session(session)
    model = window.detail_page.observation_model
    rows = [dict(zip(model.columns(), r, strict=True)) for r in model.rows()]
    window.close_log()
    moaas = [(r["Time"], r[MOAAS]) for r in rows if r[MOAAS]]
    assert moaas == [("09:00", "5"), ("09:30", "4 (corrected from 2)"), ("10:10", "5")]


def test_two_scores_of_one_scale_within_a_minute_are_two_rows(tmp_path):
    # A score re-taken 30 s later is its own row: the later one had replaced the earlier in
    # the row of that minute, and the first assessment was lost.
    s = logged_session(tmp_path, nurse="nurse.ana")
    engine, clock = s.engine, s.clock
    engine.enter_manual("moaas", 3, "nurse.ana", clock.advance(60))        # 09:01:00
    engine.enter_manual("nausea", 1, "nurse.ana", clock.advance(10))       # 09:01:10
    engine.enter_manual("moaas", 4, "nurse.bea", clock.advance(30))        # 09:01:40
    detail = s.detail()
    columns = rc.observation_columns(detail)
    rows = [dict(zip(columns, r, strict=True)) for r in rc.observation_rows(detail, UTC)]
    assert [(r["Time"], r[MOAAS], r["Nausea"], r["By"]) for r in rows] == [
        ("09:01", "3", "1 mild", "nurse.ana"), ("09:01", "4", "", "nurse.bea")]

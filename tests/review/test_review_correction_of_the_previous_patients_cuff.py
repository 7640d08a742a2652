"""The monitor's first message carries its last cuff, 196/104 measured 3 h before the session
opened (the previous patient's), as tests/review/test_review_cuff_before_the_session.py sets it
up; the nurse corrects its systolic to 186 ("monitor misread"). A correction stands or falls
with the measurement it corrects: the FHIR Bundle, the course and the PCD-01 leave the 186 out
with the 196 (`queries.rows_before_the_session`). The review's vitals table, its PDF and the
REMS form (`content.placed_series`) had shown "186/104 (systolic corrected from 196)" as this
patient's first BP, at the cuff's arrival."""

from __future__ import annotations

from datetime import UTC

from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly, rows_before_the_session
from console.session.entry import Accepted
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.review.test_review_cuff_before_the_session import _session
from tests.session.test_resume_as_live import log  # noqa: F401

NURSE = "nurse.ana"


def _corrected(log: EventLog) -> SessionDetail:  # noqa: F811
    s, session = _session(log)
    (row,) = log.conn.execute(
        "SELECT id FROM observations WHERE session_id = ? AND value = 196", [session]).fetchone()
    s.t(240)
    verdict = s.engine.correct(row, "bp_systolic", 186, NURSE, s.now(),
                               reason="monitor misread", confirmed=True)
    assert isinstance(verdict, Accepted), verdict
    log.close()
    conn = open_readonly(log.path)
    try:
        return load_session(conn, session, with_observations=True)
    finally:
        conn.close()


def test_a_correction_of_the_previous_patients_cuff_is_not_in_the_vitals_table(
        log: EventLog) -> None:  # noqa: F811
    detail = _corrected(log)
    # Left out of the exports with the cuff it corrects.
    early = rows_before_the_session(detail)
    assert sorted(o.value for o in detail.observations if o.id in early) == [104, 186, 196]
    # And of the review's table, its PDF and the REMS form: this patient's typed 118/76 alone.
    shown = [(p.at, p.value) for p in rc.placed_series(detail)["bp_systolic"]]
    assert [value for _, value in shown] == [118], shown
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    rows = rc.vital_rows(detail, UTC, protocol)
    assert not any("186" in r[2] or "196" in r[2] for r in rows), rows

"""A course that ran clinic-iv 1.6 throughout, its middle session from an older console that
logged no protocol text, is not marked "⚠ rules changed": a text's digest held against an id and
version always differed, and marked the middle session and the one after it (a review)."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from pathlib import Path

from console.review import content as rc
from console.review.queries import load_course, open_readonly
from tests.review.test_course_says_the_rules_changed import PATIENT, _clinic, _course_log


def test_a_session_without_text_between_two_of_one_text_marks_no_change(tmp_path: Path) -> None:
    v16 = _clinic("1.6")
    path = tmp_path / "log.sqlite3"
    _course_log(path, v16, v16, v16)
    conn = open_readonly(path)
    try:
        rows = load_course(conn, PATIENT)
    finally:
        conn.close()
    rows[1] = replace(rows[1], protocol=None)   # an older console's session: no text logged
    cells = [rc.course_cells(r, UTC, previous=rows[k - 1] if k else None)["protocol"]
             for k, r in enumerate(rows)]
    assert cells == ["clinic-iv 1.6", "clinic-iv 1.6", "clinic-iv 1.6"], cells

"""Two sessions from an older console (no protocol text logged) under other protocols of one
version number (clinic-iv 1.6 then iv-ketamine 1.6) ran under other rules: the course says so;
two sessions of one text are one set of rules however the texts were read (a review)."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from pathlib import Path

from console.review import content as rc
from console.review.queries import load_course, open_readonly
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.review.test_course_says_the_rules_changed import PATIENT, _clinic, _course_log


def _cells(path: Path, drop_texts: bool) -> list[str]:
    conn = open_readonly(path)
    try:
        rows = load_course(conn, PATIENT)
    finally:
        conn.close()
    if drop_texts:
        rows = [replace(r, protocol=None) for r in rows]
    return [rc.course_cells(r, UTC, previous=rows[k - 1] if k else None)["protocol"]
            for k, r in enumerate(rows)]


def test_older_sessions_under_two_protocols_of_one_version_say_rules_changed(
        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    _course_log(path, _clinic("1.6"),
                load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"))
    cells = _cells(path, drop_texts=True)
    assert cells[0] == "clinic-iv 1.6", cells
    assert cells[1].startswith("iv-ketamine 1.6") and "rules changed" in cells[1], cells


def test_two_sessions_of_one_text_loaded_apart_say_no_change(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    _course_log(path, _clinic("1.6"), _clinic("1.6"))
    cells = _cells(path, drop_texts=False)
    assert cells == ["clinic-iv 1.6", "clinic-iv 1.6"], cells

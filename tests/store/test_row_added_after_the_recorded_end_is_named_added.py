"""A reading appended after the log's recorded end with sqlite3 (a made-up row whose hash is not
the chain's) is named by `verify` and the review's banner as added ("rows after 5 were added
outside the console"), as the chain head in meta says the table ended at the row before it. It
read "edited": the auditor was sent to compare a row with the backup where it never existed (a
review)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.cli import main
from console.review.queries import check_session_chain, open_readonly
from tests.store import filled_log


def _append_forged_reading(db: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    # A new heart rate of 140 at the end of observations, no trigger to drop (an INSERT), the
    # chain head in meta left as it was (still naming row 5 as the last).
    conn.execute(
        "INSERT INTO observations SELECT 6, session_id, metric, 140, unit, source, channel, "
        "flags, measured_at, received_at, entered_by, confirmed, corrects, 'not-a-hash' "
        "FROM observations WHERE id = 5")
    conn.close()


def test_verify_names_a_row_added_after_the_recorded_end_as_added(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db, _ = filled_log(tmp_path)            # observations 1..5, head "5 <hash>"
    _append_forged_reading(db)
    code = main(["verify", "--db", str(db)])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "observations" in out and "added outside the console" in out, out
    assert "edited" not in out, out


def test_the_review_banner_names_it_as_added_too(tmp_path: Path) -> None:
    db, sid = filled_log(tmp_path)
    _append_forged_reading(db)
    conn = open_readonly(db)
    try:
        check = check_session_chain(conn, sid)
    finally:
        conn.close()
    assert check.first_bad == ("observations", 6)
    assert "added outside the console" in check.message, check.message

"""The course column of a session logged under a clinic esketamine file with a pre-dose
"device-instructions" item counts from device 1, as the session's header does: by the prefix
"device-", the course took the instructions' tick for a device (a review of the protocols)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from console.review import content as rc
from console.review.queries import load_course, open_readonly
from tests.review.test_item_named_device_is_no_device_in_the_record import (
    instructed_session,
)


def test_the_course_counts_from_device_1_not_from_an_item_named_device(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    instructed_session(path)            # T0 10:10, device 1 10:20, discharged 12:25 with a reason
    conn = open_readonly(path)
    try:
        (row,) = load_course(conn, "MRN-E7")
    finally:
        conn.close()
    cells = rc.course_cells(row, UTC)
    assert cells["discharge"] == "145 (T0 + 125 min) ⚠ against the gate", cells

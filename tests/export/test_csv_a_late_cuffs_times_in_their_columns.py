"""A cuff delivered late (a link outage) was measured 15 min before it arrived: the
observations CSV has its own time under `measured_at` and its arrival under `received_at`;
no reading of the shared scenario log had two times, so no test told the columns apart (a
review)."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from console.export.csv_export import write_session_csv
from console.review.queries import load_session, open_readonly
from tests.export.test_rems_t40_late_cuff import _cuff_at_t45


def test_a_late_cuffs_measured_and_received_times_in_their_own_columns(tmp_path: Path) -> None:
    log, r = _cuff_at_t45(tmp_path, "MRN-7002", measured_at_t=30)
    path = log.path
    sid = r.engine.session_id
    log.close()
    db = sqlite3.connect(path)
    stored = db.execute("SELECT id, measured_at, received_at FROM observations WHERE session_id "
                        "= ? AND metric = 'bp_systolic'", [sid]).fetchall()
    db.close()
    assert stored and stored[-1][1] != stored[-1][2]   # measured 15 min before it arrived
    conn = open_readonly(path)
    detail = load_session(conn, sid, with_observations=True)
    conn.close()
    with write_session_csv(detail, tmp_path / "csv")["observations"].open(
            encoding="utf-8-sig", newline="") as f:
        rows = {int(x["observation_id"]): x for x in csv.DictReader(f)}
    for obs_id, measured, received in stored:
        assert (rows[obs_id]["measured_at"], rows[obs_id]["received_at"]) == (measured, received)

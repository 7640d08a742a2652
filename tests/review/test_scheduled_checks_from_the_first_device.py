"""Esketamine, device 1 given 15 minutes after the T0 confirmation: the chair asks "BP at T+40"
and the pre-discharge BP at T+115 from device 1 (`Schedule.first_dose_given`), but the review's
"Vitals at each check" placed them from the T0 confirmation: "not recorded (scheduled check)" at
10:50 and 12:05, times the chair asked nothing, while the BPs taken when asked stood as plain
entries (a clinician's review)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from console.review import content as rc
from console.review.queries import load_session, open_readonly
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.review.late_device_sessions import late_device

ESKETAMINE = load_protocol(builtin_protocols_dir() / "esketamine.toml")
MISSED = "not recorded (scheduled check)"


def test_the_vitals_table_places_the_timed_checks_where_the_chair_asked_them(
        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    # T0 10:10, device 1 10:25; the observation's own checks every 15 min from 10:30 (10:45,
    # 11:00, ...), apart from T0 + 40 (10:50) and T0 + 115 (12:05).
    sid = late_device(path, device_after_t0=15)
    conn = open_readonly(path)
    try:
        detail = load_session(conn, sid, with_observations=True)
    finally:
        conn.close()
    # The chair asked each BP 40 and 115 min after device 1, and the nurse took it then.
    asked = {(a.condition, f"{a.raised_at:%H:%M}") for a in detail.alarms
             if a.condition.startswith("vitals_due:") and "BP" in a.condition}
    assert asked == {("vitals_due:BP at T+40", "11:05"),
                     ("vitals_due:Pre-discharge BP at T+115", "12:20")}, asked
    due = {f"{at:%H:%M}" for at in rc.scheduled_checks(detail, ESKETAMINE)}
    assert ({"11:05", "12:20"} <= due, {"10:50", "12:05"} & due) == (True, set()), sorted(due)
    rows = [(r[0], r[2], r[-1]) for r in rc.vital_rows(detail, UTC, ESKETAMINE)]
    # No check reads missed where nothing was asked (the observation's own checks the nurse
    # left may); the BPs stand where they were asked.
    assert [at for at, _, why in rows if why == MISSED and at in ("10:50", "12:05")] == [], rows
    assert [(at, bp) for at, bp, _ in rows if at in ("11:05", "12:20")] == [
        ("11:05", "150/92"), ("12:20", "134/82")], rows

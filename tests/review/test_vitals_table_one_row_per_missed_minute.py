"""Two checks due in the same minute and both missed are one "not recorded" row of the review's
"Vitals at each check" (`content.vital_rows`): IV ketamine's infusion asks "BP, HR and SpO2"
every 10 minutes and "RR and sedation" every 15, both at T+30; two rows at the same time, both
"not recorded (scheduled check)", read as two moments nothing was taken."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.review.scenarios import Driver

IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
MISSED = "not recorded (scheduled check)"


def test_two_checks_missed_in_the_same_minute_are_one_row_of_the_vitals_table(
        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test")
    try:
        r = Driver(log, "iv-ketamine", "MRN-V2", 72.0, "nurse.ana",
                   datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
        # Baseline vitals, then T0 at 09:05.
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()
        # Nothing typed until T+45 (09:50): the checks due up to 09:35 missed.
        for minute in range(6, 51):
            r.at(minute)
        r.manual(bp_systolic=126, bp_diastolic=82, heart_rate=72, spo2=97, resp_rate=14,
                 moaas=5)
        sid = r.id
    finally:
        log.close()
    conn = open_readonly(path)
    try:
        detail = load_session(conn, sid, with_observations=True)
    finally:
        conn.close()
    missed = [row[0] for row in rc.vital_rows(detail, UTC, IV) if row[-1] == MISSED]
    # BP every 10 min (09:15, 09:25, 09:35), RR every 15 (09:20, 09:35): 09:35 once. (The
    # vitals at 09:50 answer the checks due at 09:45 and 09:50, not those 15 min before.)
    assert missed == ["09:15", "09:20", "09:25", "09:35"], missed

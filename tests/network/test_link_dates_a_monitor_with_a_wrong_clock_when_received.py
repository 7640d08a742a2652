"""The link's own composer (console/network/link.py) judges a monitor's clock as the trend does:
wired without the session's values, it dated a monitor two hours behind by its own clock, two
hours before the session began (test_pcd01_dates_a_monitor_with_a_wrong_clock_when_received.py
has the rule; here, the wiring, on a real log, after a restart too)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from console.clock import ManualClock
from console.network.pcd import hl7_time, segments
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from devices.reading import Reading
from protocols.vitals import metric
from tests.network.test_composer_restart import attach
from tests.network.test_link import resumed
from tests.session.helpers import START, iv_protocol

BEHIND = timedelta(hours=2)


def _obx14(log: EventLog, after: int) -> set[str]:
    return {row[14] for (m,) in log.conn.execute(
        "SELECT message FROM outbox WHERE kind = 'pcd01' AND id > ?", [after])
        for row in segments(m) if row[0] == "OBX"}


def _last(log: EventLog) -> int:
    return int(log.conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0])


def test_the_links_composer_dates_a_monitor_two_hours_behind_when_received(tmp_path: Path):
    clock = ManualClock(START)
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test")
    attach(log, clock)
    engine = SessionEngine.open(iv_protocol(), log, Patient("P-001", 70.0), "nurse.ana",
                                clock.now())
    clock.advance(60)
    last = _last(log)
    now = clock.now()
    engine.ingest(Reading("heart_rate", 72.0, metric("heart_rate").unit, now.wall - BEHIND,
                          now.wall, "hl7:SIM"), now)
    assert _obx14(log, last) == {hl7_time(now.wall)}
    session_id = engine.session_id
    log.close()

    clock.advance(30)   # the console restarts and resumes the session
    log = EventLog.open(path, "test")
    attach(log, clock)
    engine = resumed(log, session_id, clock)
    last = _last(log)
    now = clock.now()
    # A cuff alone, 2 h behind: only the log's earlier values show that clock off.
    engine.ingest(Reading("bp_systolic", 124.0, metric("bp_systolic").unit,
                          now.wall - BEHIND - timedelta(seconds=40), now.wall, "hl7:SIM"), now)
    assert _obx14(log, last) == {hl7_time(now.wall)}
    log.close()

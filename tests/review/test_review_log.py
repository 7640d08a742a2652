"""The P6 log generator (benchmarks/review_log.py) writes a log the console accepts and reviews."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from benchmarks.review_log import build_review_log
from console.review.model import SessionFilter
from console.review.queries import list_sessions, load_course, load_session, open_readonly
from console.store import EventLog


def test_generated_log_is_valid_chained_and_reviewable(tmp_path):
    path = build_review_log(tmp_path / "p6.sqlite3", sessions=26, minutes=3, seed=7)
    with EventLog.open(path, "test") as log:
        report = log.verify()
        assert report.ok, report.message
    conn = open_readonly(path)
    everything = list_sessions(conn, SessionFilter(include_demo=True), limit=100)
    assert len(everything) == 26
    assert [s.id for s in everything if s.demo] == [25]          # every 25th is a demo
    assert len(list_sessions(conn, limit=100)) == 25
    newest = load_session(conn, everything[0].id)
    assert {name: len(series) for name, series in newest.vitals.items()} == {
        name: 180 for name in ("bp_systolic", "bp_diastolic", "heart_rate", "pulse_rate",
                               "resp_rate", "spo2")}
    assert newest.summary.duration == timedelta(minutes=3)
    assert newest.summary.discharged_at == newest.summary.ended_at
    assert [p.id for p in newest.phases][0] == "pre"
    rows = sqlite3.connect(path).execute("SELECT count(*) FROM observations").fetchone()[0]
    assert rows == 26 * (3 * 60 * 6 + 3)            # 6 vitals at 1 Hz + 3 scales at minute 0
    course = load_course(conn, everything[0].patient_id)
    assert 1 <= len(course) <= 8
    conn.close()


def test_unchained_log_is_readable_but_fails_verify(tmp_path):
    path = build_review_log(tmp_path / "fast.sqlite3", sessions=2, minutes=1, chained=False)
    assert len(list_sessions(open_readonly(path), limit=10)) == 2
    with EventLog.open(path, "test") as log:
        assert not log.verify().ok


def test_refuses_to_overwrite_a_log(tmp_path):
    path = tmp_path / "exists.sqlite3"
    path.write_bytes(b"")
    with pytest.raises(FileExistsError):
        build_review_log(path, sessions=1, minutes=1)

"""A session still running is read as of one moment: `load_session` reads its rows in one read
transaction, as `check_session_chain` does. On the review's autocommit connection each SELECT
was its own snapshot: a discharge the chair committed between the read of the `sessions` row
and the read of the events gave a record both discharged and never ended (the PDF's "still
open" beside "Discharged 09:03", a FHIR Encounter "in-progress" beside a discharge)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.export.fhir import build_bundle
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver


class _ChairWritesMeanwhile:
    """The review's read-only connection, the chair committing `write` on its own connection
    just before the session's events are read (a console writing the log commits at any
    moment)."""

    def __init__(self, conn, write) -> None:
        self._conn, self._write, self._done = conn, write, False

    def execute(self, sql, *args):
        if not self._done and sql.lstrip().startswith("SELECT id, at, kind, actor, detail "
                                                      "FROM events WHERE session_id = ? ORDER"):
            self._done = True
            self._write()
        return self._conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


@pytest.fixture
def running(tmp_path):
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    r = Driver(log, "iv-ketamine", "MRN-RUN", 72.0, "nurse.ana",
               datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
    r.at(3)
    yield path, r
    log.close()


def test_a_discharge_committed_while_a_running_session_is_read_is_all_or_nothing(running):
    path, r = running

    def discharge() -> None:
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="walk").done

    conn = open_readonly(path)
    try:
        detail = load_session(_ChairWritesMeanwhile(conn, discharge), r.id,
                              with_observations=True)
        assert not conn.in_transaction          # the read's transaction is ended
        again = load_session(conn, r.id)
    finally:
        conn.close()
    s = detail.summary
    # As it was when the read began: running, no discharge; never half of each.
    assert (s.ended_at, s.discharged_at, detail.discharge) == (None, None, None)
    assert not [e for e in detail.events if e.kind == "discharged"]
    encounter = next(e["resource"] for e in build_bundle(detail)["entry"]
                     if e["resource"]["resourceType"] == "Encounter")
    assert encounter["status"] == "in-progress"
    # The next read sees the discharge whole.
    assert again.summary.ended_at is not None and again.summary.discharged_at is not None


def test_a_read_inside_the_callers_transaction_leaves_it_open(running):
    path, r = running
    conn = open_readonly(path)
    try:
        conn.execute("BEGIN")
        load_session(conn, r.id)
        assert conn.in_transaction              # the caller's, not ended by the read
        conn.execute("ROLLBACK")
    finally:
        conn.close()

"""`Staff.can_record_now`: whether the log would take a sign-in's row now, asked by a locked
station's close after the log refused its last sign-in (a backup tool holding the log for a
moment had left the station closable by anyone). It writes nothing."""

from __future__ import annotations

import sqlite3

from console.identity import Account, Staff
from console.store import EventLog


def counts(log: EventLog) -> tuple[int, int]:
    return log.conn.execute("SELECT (SELECT count(*) FROM sign_ins), "
                            "(SELECT count(*) FROM staff)").fetchone()


def test_the_log_is_asked_again_and_nothing_is_written(log: EventLog, staff: Staff,
                                                       nurse: Account) -> None:
    before = counts(log)
    log.set_busy_timeout(0)
    other = sqlite3.connect(log.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        assert not staff.can_record_now()      # another program holds the write lock
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert staff.can_record_now()
    assert counts(log) == before

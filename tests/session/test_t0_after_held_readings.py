"""A phase start logged after held readings were written is placed after them at a restart.

The log was locked before the dose (a manual station: no monitor readings in between); BP 165/90
typed while it was locked was held in memory, then written when the log took writes again, a
minute before the dose. T0's `observations_through` had been the newest id committed through
`_keep_rows`, which the held readings' flush never updates: the stale id placed T0 before the BP
165 at a restart, so the BP was replayed as taken after T0 and its repeat asked 5 min after the
BP instead of 5 min after T0 (as live, where T0 judged it; a review of the change). A phase start
after readings written from memory now logs no id until a reading is committed again (the
replay then places it by time)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from console.records import Record
from console.store import EventLog
from console.store.errors import LogError
from tests.session.test_resume_as_live import LoggedSession, restart

MIN = 60


class Locked:
    """The log in front of the engine's writes: refuses every write while `locked`."""

    def __init__(self, s: LoggedSession, path: Path) -> None:
        self.inner = s.recorder
        self.locked = False
        self.path = path
        s.engine.writes.recorder = self   # type: ignore[assignment]

    def write(self, records: Sequence[Record]) -> list[int]:
        if self.locked:
            raise LogError(self.path, "locked", "database is locked")
        return self.inner.write(records)


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_t0_after_held_readings_were_written_stays_after_them_at_a_restart(
        log: EventLog, tmp_path: Path, restarted: bool) -> None:
    s = LoggedSession(log)
    s.bp(120, 80); s.manual("heart_rate", 70)
    for item in ("consent", "baseline_bp"):
        assert s.engine.tick_item(item, "nurse.ana", s.now(), gate_decision="Dr Lee: ok").done
    lock = Locked(s, tmp_path / "sessions.sqlite3")
    s.t(2 * MIN)
    lock.locked = True
    s.t(4 * MIN); s.bp(165, 90)          # held in memory
    assert s.engine.unsaved >= 2
    lock.locked = False
    s.t(12 * MIN)                         # the tick writes what was held
    assert s.engine.unsaved == 0
    s.t(13 * MIN)
    assert s.engine.advance_phase("nurse.ana", s.now(), "Dr Lee reviewed 165: dose").done   # T0: 165 is 45 above 120
    t0 = 13 * MIN
    assert ("bp_systolic_high", "medium", "active") in s.shown()
    s.t(t0 + 60)
    if restarted:
        restart(s, 0)
    # Live the repeat is asked 5 min after T0 (T0 judged the BP): at T0+1 nothing is due yet.
    assert sorted(s.shown()) == [("bp_systolic_high", "medium", "active")]
    due = {d.name: round(d.due_in_s) for d in s.engine.due(s.now())}
    assert due.get("Repeat Systolic BP") == 4 * MIN

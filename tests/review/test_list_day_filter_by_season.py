"""The session list filtered by a calendar day of the other season of summer time, in the
review's own zone (the review app passes none: this computer's).

The day's bounds were today's fixed offset (GMT when the review is opened in winter): a July
day ran from 01:00 BST, so a session at 00:30 BST on Wed 01 Jul, which the list dates
"Wed 01 Jul 2026", was not found under 01 Jul and was found under 30 Jun.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from console.review import content as rc
from console.review import queries
from console.review.model import SessionFilter
from console.store import EventLog
from tests.review.scenarios import _quiet


@pytest.fixture
def london() -> Iterator[None]:
    """This computer's zone is Europe/London for the test (TZ), restored after."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/London"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def _opened_on(today: datetime) -> type[datetime]:
    class Clock(datetime):
        """The review opened on `today` (the real clock, were the list to read it)."""

        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return today.astimezone(tz) if tz is not None else \
                today.astimezone().replace(tzinfo=None)

    return Clock


def _ids_on(path: Path, day: date) -> list[int]:
    conn = queries.open_readonly(path)
    try:
        return [s.id for s in queries.list_sessions(conn, SessionFilter(since=day, until=day))]
    finally:
        conn.close()


@pytest.mark.parametrize(("opened", "started", "day"), [
    # 00:30 BST on Wed 01 Jul 2026 (a late session run past midnight), opened in January.
    (datetime(2027, 1, 15, 12, 0, tzinfo=UTC), datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
     date(2026, 7, 1)),
    # 23:30 GMT on Tue 15 Dec 2026, opened in July.
    (datetime(2027, 7, 15, 12, 0, tzinfo=UTC), datetime(2026, 12, 15, 23, 30, tzinfo=UTC),
     date(2026, 12, 15)),
])
def test_a_day_of_the_other_season_finds_the_session_the_list_dates_that_day(
        london: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: datetime,
        started: datetime, day: date) -> None:
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=started.replace(hour=8))
    try:
        sid = _quiet(log, "MRN-77", started, 1)
    finally:
        log.close()
    monkeypatch.setattr(queries, "datetime", _opened_on(opened))
    conn = queries.open_readonly(path)
    try:
        [row] = queries.list_sessions(conn)
    finally:
        conn.close()
    assert rc.day(row.started_at, None) == day.strftime("%a %d %b %Y")
    assert _ids_on(path, day) == [sid]
    assert _ids_on(path, date.fromordinal(day.toordinal() - 1)) == []
    assert _ids_on(path, date.fromordinal(day.toordinal() + 1)) == []

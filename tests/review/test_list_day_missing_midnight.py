"""The session list's day bounds in this computer's zone (the review app passes tz=None) on a
date whose midnight never happens or happens twice.

Chile (also Cuba, Lebanon, Paraguay) puts its clocks forward at 24:00: on Sun 06 Sep 2026 in
America/Santiago 00:00 -04 becomes 01:00 -03, so the day begins at 04:00Z. The C library read
the missing midnight as 23:00 -04 on Saturday (03:00Z): a session at 23:30 on Sat 05 Sep, which
the list dates Saturday, was found under Sunday and not under Saturday.

Cuba puts its clocks back at 01:00 to 00:00: on Sun 01 Nov 2026 in America/Havana midnight
happens twice, and the day begins at the first (00:00 -04, 04:00Z).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from console.review import content as rc
from console.review import queries
from console.review.model import SessionFilter
from console.store import EventLog
from tests.review.scenarios import _quiet


@pytest.fixture
def zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """This computer's zone is the parameter for the test (TZ), restored after."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def _ids_on(path: Path, day: date, tz: ZoneInfo | None) -> list[int]:
    conn = queries.open_readonly(path)
    try:
        return [s.id for s in
                queries.list_sessions(conn, SessionFilter(since=day, until=day), tz=tz)]
    finally:
        conn.close()


@pytest.mark.parametrize(("zone", "started", "day"), [
    # 23:30 -04 on Sat 05 Sep 2026: Sunday's midnight never happens (01:00 -03 is its start).
    ("America/Santiago", datetime(2026, 9, 6, 3, 30, tzinfo=UTC), date(2026, 9, 5)),
    # 01:30 -03 on Sun 06 Sep 2026: the first hour of that Sunday.
    ("America/Santiago", datetime(2026, 9, 6, 4, 30, tzinfo=UTC), date(2026, 9, 6)),
    # 00:30 -04 on Sun 01 Nov 2026, the first of Havana's two midnights.
    ("America/Havana", datetime(2026, 11, 1, 4, 30, tzinfo=UTC), date(2026, 11, 1)),
    # 23:30 -04 on Sat 31 Oct 2026, just before it.
    ("America/Havana", datetime(2026, 11, 1, 3, 30, tzinfo=UTC), date(2026, 10, 31)),
], indirect=["zone"])
@pytest.mark.parametrize("named", [False, True], ids=["this-computer", "named-zone"])
def test_a_session_near_a_midnight_clock_change_is_listed_on_the_day_the_list_dates_it(
        zone: str, named: bool, tmp_path: Path, started: datetime, day: date) -> None:
    tz = ZoneInfo(zone) if named else None
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=started - timedelta(hours=2))
    try:
        sid = _quiet(log, "MRN-88", started, 1)
    finally:
        log.close()
    conn = queries.open_readonly(path)
    try:
        [row] = queries.list_sessions(conn)
    finally:
        conn.close()
    assert rc.day(row.started_at, tz) == day.strftime("%a %d %b %Y")   # as listed
    assert _ids_on(path, day, tz) == [sid]
    assert _ids_on(path, day - timedelta(days=1), tz) == []
    assert _ids_on(path, day + timedelta(days=1), tz) == []

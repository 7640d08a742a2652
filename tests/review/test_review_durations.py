"""Session and phase lengths in the review's texts carry their unit (README: "Durations on screen
carry their unit"): a bare "1:20" or "0:40" between the clock columns (09:05, 09:45) read as a
time of day, in the list, the session header and the PDF (the same texts).

The surge session of tests/ui/review_sessions.py: 09:00-10:20 (80 minutes), its infusion phase
09:05-09:45 (40 minutes).
"""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from console.review.queries import load_session, open_readonly
from console.review.content import PHASE_COLUMNS, duration, header_fields, phase_rows
from tests.ui.review_sessions import build_review_log


@pytest.fixture(scope="module")
def surge(tmp_path_factory):
    path = tmp_path_factory.mktemp("durations") / "log.sqlite3"
    facts = build_review_log(path)
    conn = open_readonly(path)
    try:
        return load_session(conn, facts.ids["surge"])
    finally:
        conn.close()


def test_a_40_minute_phase_reads_in_minutes_with_its_unit(surge):
    rows = [dict(zip(PHASE_COLUMNS, row, strict=True)) for row in phase_rows(surge, UTC)]
    [infusion] = [r for r in rows if r["Phase"] == "Infusion"]
    assert (infusion["Started"], infusion["Ended"], infusion["Length"]) == (
        "09:05", "09:45", "40:00 min")
    assert [r["Length"] for r in rows] == ["5:00 min", "40:00 min", "20:00 min", "15:00 min"]


def test_an_80_minute_session_reads_in_hours_with_its_unit_in_the_header_and_the_list(surge):
    assert surge.summary.duration == timedelta(minutes=80)
    assert duration(surge.summary.duration) == "1:20 h"   # the list's Duration column
    fields = dict(header_fields(surge, UTC))
    assert fields["Date"] == "Thu 05 Mar 2026 09:00–10:20 (1:20 h)"


def test_a_session_still_running_has_no_length_yet():
    assert duration(None) == "open"
    # Under a minute and past an hour: the unit says which.
    assert (duration(timedelta(seconds=11)), duration(timedelta(hours=2, minutes=11))) == (
        "0:11 min", "2:11 h")

"""The record lists a session's end after the alarms that ended with it. The engine ends what is
still on the board, then writes "Discharged" and "Session ended" at the same instant; the
events and alarm tables share no row order, and events first at equal times had the events
CSV and the review's timeline read "Session ended" and then three alarms clearing."""

from __future__ import annotations

import pytest

from console.export.csv_export import EVENT_COLUMNS, event_rows
from tests.review.early_discharge import build_early_discharges, detail_of


@pytest.fixture(scope="module")
def discharged_with_alarms_open(tmp_path_factory):
    path = tmp_path_factory.mktemp("order") / "log.sqlite3"
    # MRN-2719: discharged over the gate with three alarms still on the board.
    return detail_of(path, build_early_discharges(path)["late_typed_bp"])


def _at_the_end(kinds: list[str]) -> list[str]:
    return kinds[-6:]


def test_the_events_csv_ends_the_alarms_before_the_session(discharged_with_alarms_open):
    kinds = [row[EVENT_COLUMNS.index("kind")] for row in event_rows(discharged_with_alarms_open)]
    assert _at_the_end(kinds) == ["override", "alarm_cleared", "alarm_cleared", "alarm_cleared",
                                  "discharged", "session_ended"]


def test_the_review_timeline_ends_the_alarms_before_the_session(discharged_with_alarms_open):
    kinds = [entry.kind for entry in discharged_with_alarms_open.timeline()]
    assert _at_the_end(kinds) == ["override", "alarm_cleared", "alarm_cleared", "alarm_cleared",
                                  "discharged", "session_ended"]

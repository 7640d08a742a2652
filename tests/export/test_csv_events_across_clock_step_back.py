"""The events CSV of a session during which NTP set the station's clock back 30 minutes: its rows
in the order the console logged them, each at its logged time. Sorted by wall time, which came
twice, the file began with "Station clock set back", the note typed after the step and the
alarm rows after it, and only then the session's start and the note written before the step.

The scenario is the review's (tests/review/test_order_across_clock_step_back.py): IV ketamine
from 09:00, T0 09:05, a note at 09:10, vitals reminders at 09:20, the clock set back 30 min at
real 09:20, at real 09:25 (it reads 08:55) a MOAA/S 2 (an alarm) and a second note."""

from __future__ import annotations

import csv
from dataclasses import replace

from console.export.csv_export import write_session_csv
from console.session.engine import ALARM_ROWS_BEFORE, OBSERVATIONS_BEFORE
from tests.review.test_order_across_clock_step_back import AFTER, BEFORE, _session


def _rows(detail, folder) -> list[dict[str, str]]:
    with write_session_csv(detail, folder)["events"].open(encoding="utf-8-sig",
                                                          newline="") as f:
        return list(csv.DictReader(f))


def _story(rows: list[dict[str, str]]) -> list[str]:
    """Each row as a reader follows it: a note by its words, anything else by its kind."""
    return [r["text"].removeprefix("Note: ") if r["kind"] == "note" else r["kind"] for r in rows]


def test_the_events_csv_lists_its_rows_in_the_order_logged_across_a_clock_set_back(tmp_path):
    detail, _ = _session(tmp_path)
    rows = _rows(detail, tmp_path / "out")
    story = _story(rows)
    # The session's start first; the reminders due before the step, then the step, then what
    # was logged on the clock it set back: the note and the sedation alarm.
    assert story[0] == "protocol_in_force", story
    assert story[story.index("dosing_started"):] == [
        "dosing_started", BEFORE, "alarm_raised", "alarm_raised",
        "clock_stepped", AFTER, "alarm_escalated", "alarm_raised"], story
    # Each row at the time it was logged: the times after the step read as the clock read them.
    at = {s: r["at"] for s, r in zip(story, rows)}
    assert (at[BEFORE], at["clock_stepped"], at[AFTER]) == (
        "2026-03-02T09:10:00.000Z", "2026-03-02T08:51:00.000Z", "2026-03-02T08:55:00.000Z")
    sedation = next(r for r in rows if r["condition"] == "moaas_low")
    assert (sedation["at"], sedation["transition"]) == ("2026-03-02T08:55:00.000Z", "raised")


def test_an_older_logs_events_csv_keeps_its_events_in_the_order_written(tmp_path):
    # A log whose steps do not count the rows before them: its events still by their ids (which
    # no clock step moves), its alarm rows by their times among them.
    detail, _ = _session(tmp_path)
    events = tuple(replace(e, detail={k: v for k, v in e.detail.items()
                                      if k not in (OBSERVATIONS_BEFORE, ALARM_ROWS_BEFORE)})
                   for e in detail.events)
    rows = _rows(replace(detail, events=events), tmp_path / "out")
    story = [s for s in _story(rows) if not s.startswith("alarm_")]
    assert story[0] == "protocol_in_force", story
    assert story[-3:] == [BEFORE, "clock_stepped", AFTER], story
    event_ids = [int(r["row"]) for r in rows if r["source"] == "event"]
    assert event_ids == sorted(event_ids), event_ids

"""The review's "To ack" across a wall-clock step (review 44, after f0d39d0).

A medium diastolic alarm acknowledged seconds after it was raised, with NTP stepping the station's
clock in between (logged: `clock_stepped`, with how many of the session's alarm rows came before
it, `ALARM_ROWS_BEFORE`). The engine, live and after a restart, knows the answer came seconds
after the alarm. The review and its PDF read the logged wall times alone: an hour forward read as
an hour-long response ("1:00 h", an alarm an audit flags as missed); a minute back shortened 80 s
to "20 s". The steps logged between the two alarm rows are taken off (one rule,
`console.session.clock_steps.seconds_between`, for the review, the PDF and `seconds_to_acknowledge`);
a step an older console logged without saying where it came among the alarm rows makes the time
unknown when it may lie between them.
"""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import UTC, datetime, timedelta

import pytest

from console.clock import Moment
from console.session.clock_steps import ClockStep, seconds_between
from console.review.content import ALARM_COLUMNS, alarm_rows, seconds_to_ack
from console.review.model import AlarmStep
from console.review.queries import load_session
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401 - a fixture

STEPPED = "unknown: the station's clock was stepped"


def step_wall_clock(s: LoggedSession, seconds: float) -> None:
    """NTP moves the station's wall clock by `seconds`; the monotonic clock runs on."""
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall + timedelta(seconds=seconds))


def diastolic_alarm(log: EventLog, step_s: float, acked_after: float,  # noqa: F811
                    step_after: float = 5.0):
    """A medium diastolic alarm raised 60 s into the infusion, the clock stepped by `step_s`
    `step_after` s after it (or before it, negative), acknowledged `acked_after` s after it.
    Returns the review's row (column -> cell) and its episode."""
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    raise_at = start + 60
    if step_after < 0:
        s.t(raise_at + step_after)
        step_wall_clock(s, step_s); s.t(raise_at + step_after + 1)     # NTP step, logged
    s.t(raise_at); s.manual("bp_diastolic", 114, confirmed=True)         # medium alarm raised
    if step_after >= 0:
        s.t(raise_at + step_after)
        step_wall_clock(s, step_s); s.t(raise_at + step_after + 1)     # NTP step, logged
    assert any(e.kind == "clock_stepped" for _, e in log.events(s.engine.session_id))
    s.t(raise_at + acked_after)
    assert s.engine.acknowledge_all("nurse.ana", s.now()).done          # the nurse answers
    detail = load_session(log.conn, s.engine.session_id)
    [row] = [r for r in alarm_rows(detail, UTC) if "Diastolic" in r.cells[1]]
    return dict(zip(ALARM_COLUMNS, row.cells, strict=True)), row.episode


@pytest.mark.parametrize(("step_s", "acked_after", "response"),
                         [(3600.0, 10, "10 s"), (-60.0, 80, "1:20 min")],
                         ids=["ntp-forward-1h", "ntp-back-1min"])
def test_time_to_acknowledge_is_not_changed_by_a_clock_step_in_between(
        log: EventLog, step_s: float, acked_after: int, response: str) -> None:  # noqa: F811
    row, episode = diastolic_alarm(log, step_s, acked_after)
    assert row["To ack"] == response
    # The same figure for the `alarms` view's measure (raised to first acknowledgement).
    assert episode.response_seconds == episode.seconds_to_acknowledge == float(acked_after)


def test_a_clock_step_before_the_alarm_changes_nothing(log: EventLog) -> None:  # noqa: F811
    row, episode = diastolic_alarm(log, 3600.0, 30, step_after=-20)
    assert row["To ack"] == "30 s" and episode.response_seconds == 30.0


# An older console logged `clock_stepped` without ALARM_ROWS_BEFORE: its place among the alarm
# rows is known only by times, which a step back makes ambiguous.

def _row(at: datetime, row_id: int) -> AlarmStep:
    return AlarmStep(at=at, transition="raised", priority="medium", actor="engine", id=row_id)


T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_older_logs_step_is_placed_by_time_where_it_can_be() -> None:
    raised, acked = _row(T, 1), _row(T + timedelta(seconds=3610), 2)
    forward = ClockStep(step_s=3600.0, logged_s=3605.0)            # logged 5 s after the alarm
    assert seconds_between(raised, acked, (forward,), origin=T) == 10.0
    # NTP back 60 s, 120 s after the alarm, answered at 200 s (reads 140 s): surely between
    back = ClockStep(step_s=-60.0, logged_s=60.0)
    assert seconds_between(raised, _row(T + timedelta(seconds=140), 2), (back,), T) == 200.0


def test_an_older_logs_step_back_over_the_rows_makes_the_time_unknown() -> None:
    raised = _row(T, 1)
    back = ClockStep(step_s=-60.0, logged_s=-55.0)                  # 5 s in, reads -55 s
    answer = _row(T + timedelta(seconds=20), 2)     # before the step, or 75 s in: cannot say
    assert math.isnan(seconds_between(raised, answer, (back,), T))
    assert seconds_to_ack(seconds_between(raised, answer, (back,), T)) == STEPPED


def test_an_older_logs_step_outside_the_two_times_leaves_the_time() -> None:
    raised, acked = _row(T, 1), _row(T + timedelta(seconds=30), 2)
    before = ClockStep(step_s=3600.0, logged_s=-10.0)               # an hour forward, before
    after = ClockStep(step_s=3600.0, logged_s=3700.0)               # after the answer
    assert seconds_between(raised, acked, (before, after), origin=T) == 30.0


def test_a_step_placed_among_the_alarm_rows_is_taken_off_only_between_them() -> None:
    raised, acked = _row(T, 4), _row(T + timedelta(seconds=3610), 9)
    between = ClockStep(step_s=3600.0, logged_s=5.0, after_row=6)
    assert seconds_between(raised, acked, (between,), origin=T) == 10.0
    elsewhere = (dataclasses.replace(between, after_row=3),     # before the alarm's rows
                 dataclasses.replace(between, after_row=9))     # after the answer
    assert seconds_between(raised, acked, elsewhere, origin=T) == 3610.0
    # A step that put right the clock a restart found wrong moves nothing logged before that
    # restart (as the engine's replay: `since_row`): the time across it stands as logged.
    corrects = dataclasses.replace(between, since_row=5)
    assert seconds_between(raised, acked, (corrects,), origin=T) == 3610.0


def test_the_review_says_why_a_time_across_an_older_logs_step_is_unknown(
        log: EventLog) -> None:  # noqa: F811
    _, episode = diastolic_alarm(log, -60.0, 10)   # back a minute 5 s in: the answer reads -50 s
    older = dataclasses.replace(episode, clock_steps=tuple(
        dataclasses.replace(c, after_row=None) for c in episode.clock_steps))
    assert math.isnan(older.response_seconds)
    [row] = [r.cells for r in alarm_rows(_with_alarm(log, older), UTC) if "Diastolic" in r.cells[1]]
    assert dict(zip(ALARM_COLUMNS, row, strict=True))["To ack"] == STEPPED


def _with_alarm(log: EventLog, episode):  # noqa: F811
    [sid] = [r[0] for r in log.conn.execute("SELECT id FROM sessions")]
    detail = load_session(log.conn, sid)
    return dataclasses.replace(detail, alarms=(episode,))


def test_schema_md_says_the_sql_figure_holds_the_step_and_lists_the_session(
        log: EventLog) -> None:  # noqa: F811
    """SCHEMA.md: the `alarms` view's `seconds_to_acknowledge` is a difference of wall times (an
    hour forward reads a 10 s answer as 3,610 s), and its query lists the sessions whose figures
    to read in the review instead."""
    from tests.store.test_high_alarm_response_query import SCHEMA_MD
    _, episode = diastolic_alarm(log, 3600.0, 10)
    [view] = log.conn.execute(
        "SELECT seconds_to_acknowledge FROM alarms WHERE condition = 'bp_diastolic_high'"
    ).fetchone()
    assert (view, episode.seconds_to_acknowledge) == (3610.0, 10.0)
    text = SCHEMA_MD.read_text(encoding="utf-8")
    assert "reads a 10 s answer as 3,610 s" in text
    [query] = re.findall(r"Sessions whose figures to read in the review\s+instead:\n\n```sql\n"
                         r"(.*?)```", text, re.S)
    [(session, _at, step_s)] = log.conn.execute(query).fetchall()
    assert (session, step_s) == (episode_session(log), 3600.0)


def episode_session(log: EventLog) -> int:
    [(session,)] = log.conn.execute("SELECT DISTINCT session_id FROM alarm_events").fetchall()
    return int(session)

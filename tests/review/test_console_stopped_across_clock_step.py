"""The review's "(up to N min of it with the console stopped)" beside "To ack" across a wall-clock step
(review 44, after d82b24a).

"To ack" takes off the clock steps logged between the alarm and its answer, placed among the
alarm rows by their count. The note beside it compared raw wall times, so the two disagreed across
a step: NTP setting the clock back before a restart inside the answer lost the note; one before
the alarm put a restart from before it inside the answer. A restart is placed among the alarm
rows by the count its `session_resumed` logs (`ALARM_ROWS_BEFORE`), the same rule
(`clock_steps.logged_between`), and measured on its own last record and restart, one clock; an
older log's restart, which does not say, keeps the time-based rule.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC

from console.review.content import ALARM_COLUMNS, alarm_rows
from console.review.model import SessionDetail
from console.review.queries import load_session
from console.store import EventLog
from tests.review.test_time_to_ack_across_clock_step import step_wall_clock
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401


def _to_ack(detail: SessionDetail) -> tuple[str, float | None]:
    """The diastolic alarm's "To ack" cell and its response seconds."""
    [row] = [r for r in alarm_rows(detail, UTC) if "Diastolic" in r.cells[1]]
    return dict(zip(ALARM_COLUMNS, row.cells, strict=True))["To ack"], row.episode.response_seconds


def _stopped_inside_the_answer(log: EventLog, step_s: float) -> SessionDetail:  # noqa: F811
    """A medium alarm at R; NTP moves the clock `step_s` at R+5; a record at R+6; the console is
    killed at R+10 and restarted 60 s later (R+70); the nurse acknowledges at R+80."""
    s = LoggedSession(log)
    s.to_infusion()
    raise_at = s.now().mono - s.origin + 60
    s.t(raise_at); s.manual("bp_diastolic", 114, confirmed=True)
    s.t(raise_at + 5)
    if step_s:
        step_wall_clock(s, step_s)
    s.t(raise_at + 6); s.manual("heart_rate", 70)   # a record after the step, before the crash
    s.clock.advance(4)                              # R+10: killed
    restart(s, 60)                                  # R+70: started again
    s.t(raise_at + 80)
    assert s.engine.acknowledge_all("nurse.ana", s.now()).done
    return load_session(log.conn, s.engine.session_id)


def test_the_console_stopped_note_reads_the_same_across_a_clock_step_back(
        log: EventLog) -> None:  # noqa: F811
    # Down from its last record (R+6) to the restart (R+70): 64 s of the 80 s answer, with or
    # without the 2 min step back (which had hidden the note).
    assert _to_ack(_stopped_inside_the_answer(log, -120.0)) == (
        "1:20 min (up to 1:04 min of it with the console stopped)", 80.0)


def test_the_console_stopped_note_without_a_clock_step(log: EventLog) -> None:  # noqa: F811
    assert _to_ack(_stopped_inside_the_answer(log, 0.0)) == (
        "1:20 min (up to 1:04 min of it with the console stopped)", 80.0)


def test_an_older_logs_restart_is_placed_by_its_times(log: EventLog) -> None:  # noqa: F811
    # A console before ALARM_ROWS_BEFORE: the restart's times between the alarm's still place it.
    detail = _stopped_inside_the_answer(log, 0.0)
    older = dataclasses.replace(detail, restarts=tuple(
        dataclasses.replace(r, after_row=None) for r in detail.restarts))
    assert all(r.after_row is not None for r in detail.restarts)
    assert _to_ack(older) == ("1:20 min (up to 1:04 min of it with the console stopped)",
                              80.0)


def test_a_restart_before_the_alarm_is_not_said_to_fall_within_its_answer(
        log: EventLog) -> None:  # noqa: F811
    # The console restarted (60 s down) 100 s before the alarm; NTP set the clock back 2 min
    # 50 s before the alarm; the alarm, answered 60 s later. Nothing of those 60 s had the
    # console stopped, yet the restart's logged time falls between the alarm's rows.
    s = LoggedSession(log)
    s.to_infusion()
    raise_at = s.now().mono - s.origin + 200
    s.t(raise_at - 160); s.manual("heart_rate", 70)
    restart(s, 60)                                   # started again
    s.t(raise_at - 50); step_wall_clock(s, -120.0); s.t(raise_at - 49)
    s.manual("heart_rate", 71)
    s.t(raise_at); s.manual("bp_diastolic", 114, confirmed=True)
    s.t(raise_at + 60)
    assert s.engine.acknowledge_all("nurse.ana", s.now()).done
    assert _to_ack(load_session(log.conn, s.engine.session_id)) == ("1:00 min", 60.0)

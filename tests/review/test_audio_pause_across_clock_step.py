"""The review's "Audio paused" cell across a wall-clock step back (NTP) while an alarm is on.

A medium diastolic alarm; NTP sets the station's clock back 10 min while it is on; the nurse
presses Audio pause while it sounds, then acknowledges. The review (and the PDF, same rows)
named her pause as one from before the alarm that had kept it silent ("silent under pause of
..."), or left it off the alarm's row ("—"): pauses were placed against the alarm by their wall
times, which a step back makes come twice. Placed by the order the console logged them in, the
pause is on the row as pressed while the alarm sounded; the time shown stays as logged.
"""
from __future__ import annotations

from datetime import UTC

from console.review.content import ALARM_COLUMNS, alarm_rows, hhmm
from console.review.queries import load_session
from console.store import EventLog
from tests.review.test_time_to_ack_across_clock_step import step_wall_clock
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401 - a fixture

PAUSED_AFTER = 20.0
ACKNOWLEDGED_AFTER = 30.0


def _cell(log: EventLog, step_s: float, step_after: float,  # noqa: F811
          ended_after: float | None = None) -> tuple[str, str]:
    """A medium diastolic alarm raised 60 s into the infusion; the clock stepped by `step_s`
    `step_after` s after it; Audio pause pressed at 20 s, the alarm acknowledged at 30 s and
    (`ended_after`) a normal diastolic typed that ends it. Returns the review's "Audio paused"
    cell of its row and that cell as it reads with the pause pressed while the alarm was on
    (its logged time and who)."""
    s = LoggedSession(log)
    s.to_infusion()
    raise_at = s.now().mono - s.origin + 60
    script = [(0.0, lambda: s.manual("bp_diastolic", 114, confirmed=True)),
              (step_after, lambda: step_wall_clock(s, step_s)),
              (PAUSED_AFTER, lambda: s.engine.pause_audio("nurse.ana", s.now()).done),
              (ACKNOWLEDGED_AFTER, lambda: s.engine.acknowledge_all("nurse.ana", s.now()).done)]
    if ended_after is not None:
        script.append((ended_after, lambda: s.manual("bp_diastolic", 80, confirmed=True)))
    for after, act in sorted(script, key=lambda a: a[0]):
        s.t(raise_at + after)
        assert act() is not False
        s.t(raise_at + after + 1)   # the engine's next tick (logs a step it saw)
    s.t(raise_at + 60)
    detail = load_session(log.conn, s.engine.session_id)
    [pause] = detail.audio_pauses
    [row] = [r for r in alarm_rows(detail, UTC) if "Diastolic" in r.cells[1]]
    cells = dict(zip(ALARM_COLUMNS, row.cells, strict=True))
    assert (cells["Cleared"] == "still active at end of log") == (ended_after is None)
    return cells["Audio paused"], f"{hhmm(pause.paused_at, UTC, seconds=True)} nurse.ana"


def test_without_a_clock_step_the_pause_reads_pressed_while_the_alarm_was_on(
        log: EventLog) -> None:  # noqa: F811
    cell, pressed_while_on = _cell(log, 0.0, step_after=5.0)
    assert cell == pressed_while_on


def test_a_pause_pressed_after_ntp_set_the_clock_back_reads_pressed_while_the_alarm_was_on(
        log: EventLog) -> None:  # noqa: F811
    # Its logged time (10 min back) reads before the alarm's raise: the review said "silent
    # under pause of 08:51:20 nurse.ana", a pause that had kept the alarm from sounding.
    cell, pressed_while_on = _cell(log, -600.0, step_after=5.0)
    assert cell == pressed_while_on


def test_a_pause_before_ntp_set_the_clock_back_stays_on_the_row_of_the_alarm_it_paused(
        log: EventLog) -> None:  # noqa: F811
    # Paused at 20 s, the clock set back 10 min at 25 s, the alarm ended at 40 s: its end's
    # logged time reads before the pause, which fell off its row ("—").
    cell, pressed_while_on = _cell(log, -600.0, step_after=25.0, ended_after=40.0)
    assert cell == pressed_while_on


def test_without_a_clock_step_a_pause_before_the_alarm_ended_is_on_its_row(
        log: EventLog) -> None:  # noqa: F811
    cell, pressed_while_on = _cell(log, 0.0, step_after=25.0, ended_after=40.0)
    assert cell == pressed_while_on

"""The clock steps a session's log records, in the words the engine writes them and every reader
of the log reads them: the event's kind, the row counts that place it among the readings and
alarm rows, and which earlier run a step reaches back to. Qt-free, importing nothing of the
session: the engine (which writes them), the clock rule (`clock_steps`) and the trend
(`trend_feed`, which the engine imports) share one vocabulary."""

from __future__ import annotations

from collections.abc import Sequence

CLOCK_BEHIND_TOLERANCE_SECONDS = 10.0
"""A clock this much behind the log at a restart is an alarm; less is a clock being set."""
CLOCK_STEPPED = "clock_stepped"
OBSERVATIONS_BEFORE = "observations_before"
"""The detail key of `phase_started`, `clock_stepped`, `device_state` and `session_resumed`: how
many of the session's observation rows were logged before the event (held in memory ones too: they
reach the log before anything later, in order). A restart places the event among the readings by
it: their times cannot say it once the wall clock has stepped (`SessionEngine.resume`)."""
ALARM_ROWS_BEFORE = "alarm_rows_before"
"""The detail key of `clock_stepped` and `session_resumed`: how many of the session's alarm rows
were logged before the event (held ones too), to place it among them as `OBSERVATIONS_BEFORE`
among the readings: after a step back, rows logged after it carry earlier times than rows logged
before it."""


def logged_count(value: object) -> int | None:
    """A count an event's detail logged (`OBSERVATIONS_BEFORE`, `ALARM_ROWS_BEFORE`), or None
    where it is not one (an older log, a damaged detail)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def run_reached(gaps: Sequence[float | None], step_s: float) -> int:
    """The first run a clock step moves (an index into `gaps`, each run's clock against the
    log's newest time when it started, None where unknown; the last run is the step's own):
    it reaches back through the restarts it does not correct, not across one whose clock it
    put right or one that did not say (`corrects_restart`). One rule for the engine's replay
    and the review's times (`console.review.queries`)."""
    reach = len(gaps) - 1
    while (gap := gaps[reach]) is not None and not corrects_restart(step_s, gap):
        reach -= 1
    return reach


def corrects_restart(step_s: float, gap_s: float) -> bool:
    """A clock step puts right the clock a restart found `gap_s` from the log's newest time
    (negative: behind it): behind, and stepped forward by at least as much; or ahead by more
    than its downtime could be, and stepped back by no more than that. Else the clock the step
    corrected was the earlier run's too (a restart at once, then NTP an hour forward)."""
    tolerance = CLOCK_BEHIND_TOLERANCE_SECONDS
    if gap_s < -tolerance:
        return step_s >= -gap_s - tolerance
    if gap_s > tolerance:
        return step_s < 0 and -step_s <= gap_s + tolerance
    return False

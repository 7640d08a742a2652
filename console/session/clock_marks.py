"""The clock steps a session's log records, in the words the engine writes them and every reader
of the log reads them: the event's kind, the row counts that place it among the readings and
alarm rows, and which earlier run a step reaches back to. Qt-free, importing nothing of the
session: the engine (which writes them), the clock rule (`clock_steps`) and the trend
(`trend_feed`, which the engine imports) share one vocabulary."""

from __future__ import annotations

from collections.abc import Container, Sequence

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


def run_reached(gaps: Sequence[float | None], step_s: float,
                corrected: Container[int] = ()) -> int:
    """The first run a clock step moves (an index into `gaps`, each run's clock against the
    log's newest time when it started, None where unknown; the last run is the step's own):
    it reaches back through the restarts it does not correct, not across one whose clock it
    put right or one that did not say (`corrects_restart`). A restart whose clock an earlier
    step put right (`corrected`) it reaches through: its error is put right once, and a later
    step is the clock's own (the clock falling back an hour and NTP putting it right again,
    read as the restart's correction once more, had T0 an hour early). One rule for the
    engine's replay and the review's times (`console.review.queries`), kept by `RunClocks`."""
    reach = len(gaps) - 1
    while (gap := gaps[reach]) is not None and (
            reach in corrected or not corrects_restart(step_s, gap)):
        reach -= 1
    return reach


class RunClocks:
    """The runs of a session's console as its log tells them, read in order: each restart's
    clock against the log's newest time (`clock_gap_s`) and whether a step has put it right.
    Each run's restart error is corrected at most once, by the first step that corrects it
    (`run_reached`); the engine's replay, the review and the trend read the log with it, and
    the engine live, with its own restart last, to move what its restart rebuilt as the replay
    would (`SessionEngine._restart_corrected`)."""

    def __init__(self) -> None:
        self._gaps: list[float | None] = [None]   # the session's start: its clock not judged
        self._corrected: set[int] = set()

    def restarted(self, gap_s: float | None) -> None:
        """A `session_resumed` with its clock's gap (None: an older log's, which did not say)."""
        self._gaps.append(gap_s)

    def stepped(self, step_s: float) -> int:
        """The first run a `clock_stepped` of `step_s` moves (an index: 0 is the session's
        start, n the n-th restart's run); a restart's clock it puts right is corrected from
        then on (`corrected`)."""
        reach = run_reached(self._gaps, step_s, self._corrected)
        if self._gaps[reach] is not None:   # it stopped at a restart: one it corrects
            self._corrected.add(reach)
        return reach

    def corrected(self, run: int) -> bool:
        """Whether a step has put right the clock of the run `run` (an index as `stepped`)."""
        return run in self._corrected

    def copy(self) -> RunClocks:
        """An independent copy: the live engine steps a copy, so that the state a failed step
        rolls back to keeps the restarts it had corrected (`SessionEngine._restart_corrected`)."""
        twin = RunClocks()
        twin._gaps, twin._corrected = list(self._gaps), set(self._corrected)
        return twin


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

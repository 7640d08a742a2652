"""Whether a live clock step puts right the clock a restart found wrong against the session's
log (`corrects_restart`): NTP's step is never exactly the restart's error (the log's newest time
was the last thing written, some seconds before the stop), so a step within 10 s of it counts as
the correction, and the timers, the trend and the review take the restart's error back; one
15 s off is a step of the clock of its own."""

from __future__ import annotations

import pytest

from console.session.clock_marks import corrects_restart

HOUR = 3600.0


@pytest.mark.parametrize(("gap_s", "step_s", "corrects"), [
    (-HOUR, HOUR, True),              # behind an hour, NTP an hour forward
    (-HOUR, HOUR - 8, True),          # 8 s short of it: the same error, put right
    (-HOUR, HOUR - 10, True),         # at the tolerance
    (-HOUR, HOUR - 15, False),        # 15 s short: another step
    (-HOUR, HOUR + 15, True),         # forward by more: the error and the downtime
    (-HOUR, -HOUR, False),            # back again: not a correction of a clock behind
    (HOUR, -HOUR, True),              # ahead an hour, NTP an hour back
    (HOUR, -HOUR - 8, True),          # 8 s more than the restart's gap: put right
    (HOUR, -HOUR - 10, True),         # at the tolerance
    (HOUR, -HOUR - 15, False),        # 15 s more: further back than the error could be
    (HOUR, -HOUR + 15, True),         # less: the downtime was real
    (HOUR, HOUR, False),              # forward: not a correction of a clock ahead
    (5.0, -5.0, False),               # within the tolerance a restart's clock is not wrong
    (-5.0, 5.0, False),
], ids=lambda v: f"{v:+g}" if isinstance(v, float) else str(v))
def test_a_step_within_ten_seconds_of_a_restarts_clock_error_corrects_it(
        gap_s: float, step_s: float, corrects: bool) -> None:
    assert corrects_restart(step_s, gap_s) is corrects

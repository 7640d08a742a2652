"""A value entered in error takes back only the "Repeat" check it asked for itself: the repeat a
real systolic 185 asked stays, live as after a restart (R10).

A real 185 asks its 5-minute repeat; a 130 a second later leaves it asked (the repeat's window is
not open yet). Minutes later a typed 185 is entered in error. Live, the take-back withdrew the
real 185's repeat as well, because no tracker was waiting for a repeat any more, while the
restart's replay, which skips the typo, kept it: "Repeat Systolic BP" was gone live and came back
after a restart. `void` now leaves the check as `_as_if_never` put it back (as it was before the
typo, asked again by the values after it).
"""

from __future__ import annotations

import pytest

from console.store import EventLog
from tests.session.test_restart_matches_live_repeat_after_void import (
    MIN,
    REPEAT,
    repeat_due,
    started,
    typed,
    void,
)
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_typo_taken_back_leaves_the_repeat_a_real_185_asked(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    start = started(s)
    s.t(start + 1 * MIN); s.manual("bp_systolic", 185)     # real: its repeat at +6 min
    s.t(start + 1 * MIN + 1); s.manual("bp_systolic", 130)
    s.t(start + 3 * MIN); typo = typed(s, 185)              # another patient's
    s.t(start + 4 * MIN); void(s, typo)
    if restarted:
        restart(s, 0)
    assert repeat_due(s) == [(REPEAT, 2 * MIN)]             # the real 185's, 2 min from now

"""A value typed while the session log could not take writes (held in memory, then written at the
next attempt) is kept for the session as a value written at once is: a SpO2 85 typed for 95 and
corrected once the oximeter's 96 came 25 times ends the latched alarm it alone raised, and a
typed systolic corrected after 20 cuffs is checked against its diastolic. Live, the held value
had no row id and was never kept: the alarm stayed latched, and 70 for 128/84 was taken, until
"Restart and resume" replayed it from the log with its id."""
from __future__ import annotations

from pathlib import Path

import pytest

from console.session.engine import KEEP_ROWS
from console.session.entry import Accepted, Rejected
from console.session.holding import RETRY_SECONDS
from console.store import EventLog, LogError
from tests.session.test_commit_first import Faulty
from tests.session.test_older_typed_value_corrected_beyond_the_kept_rows import (
    cuffs, oximeter, spo2_alarms)
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401

RESTARTS = pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])


def locked_log(s: LoggedSession) -> None:
    """From now on the log refuses writes (another program holds it locked)."""
    faulty = Faulty(s)
    faulty.fail_with = LogError(Path("/x/sessions.sqlite3"), "locked", "locked")


def log_takes_writes_again(s: LoggedSession) -> None:
    """The lock is gone: the next attempt writes what was held."""
    s.t(s.now().mono - s.origin + RETRY_SECONDS)
    assert s.engine.unsaved == 0


@RESTARTS
def test_a_spo2_typo_typed_while_the_log_was_locked_ends_its_alarm_when_corrected(
        log: EventLog, restarted: bool) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    locked_log(s)
    s.engine.enter_manual_row("spo2", 85, NURSE, s.now(), confirmed=True)
    assert s.engine.unsaved   # held
    log_takes_writes_again(s)
    [typo] = [i for i, r in log.observations(s.engine.session_id)
              if r.metric == "spo2" and r.value == 85]
    oximeter(s, KEEP_ROWS + 5, 96)
    s.t(s.now().mono - s.origin)
    assert [a[1] for a in spo2_alarms(s)] == ["latched"]
    if restarted:
        restart(s, 5, reads_device=True)
    assert s.engine.correct(typo, "spo2", 95, NURSE, s.now(), "typo: the probe read 95") == \
        Accepted("spo2", 95)
    assert spo2_alarms(s) == []   # never measured: its latched alarm ends


@RESTARTS
def test_a_systolic_typed_while_the_log_was_locked_is_corrected_against_its_diastolic(
        log: EventLog, restarted: bool) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    locked_log(s)
    s.engine.enter_manual("bp_systolic", 128, NURSE, s.now())
    s.engine.enter_manual("bp_diastolic", 84, NURSE, s.now())
    assert s.engine.unsaved
    log_takes_writes_again(s)
    [systolic] = [i for i, r in log.observations(s.engine.session_id)
                  if r.metric == "bp_systolic" and r.value == 128]
    cuffs(s, KEEP_ROWS)   # 100 min of the cuff: the typed 128/84 leaves the kept rows
    if restarted:
        restart(s, 5)
    assert s.engine.check_correction(systolic, "bp_systolic", 70) == Rejected(
        "bp_systolic", "Diastolic 84 must be lower than systolic 70: check the order, for "
                       "example 128/84.")
    assert s.engine.correct(systolic, "bp_systolic", 118, NURSE, s.now(), "typed 128 for 118") \
        == Accepted("bp_systolic", 118)

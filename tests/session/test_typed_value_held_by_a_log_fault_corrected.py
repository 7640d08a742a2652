"""A value typed while the session log could not take writes (held in memory, then written at the
next attempt) is kept for the session as a value written at once is: a SpO2 85 typed for 95 and
corrected once the oximeter's 96 came 25 times ends the latched alarm it alone raised, and a
typed systolic corrected after 20 cuffs is checked against its diastolic. Live, the held value
had no row id and was never kept: the alarm stayed latched, and 70 for 128/84 was taken, until
"Restart and resume" replayed it from the log with its id. So too among the vital's recent
values: a typo typed while the log was locked can be entered in error, its correction ends the
alarm it raised and puts the tile right, and a value taken back falls back to the monitor's
value held with it, live as after a restart."""
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


def typed_while_locked(s: LoggedSession, log: EventLog) -> int:
    """Manual entry only (no monitor): SpO2 85 typed (for 95) while the log is locked, written
    at the next attempt; its row id."""
    s.to_infusion()
    locked_log(s)
    s.engine.enter_manual_row("spo2", 85, NURSE, s.now(), confirmed=True)
    assert s.engine.unsaved
    log_takes_writes_again(s)
    [typo] = [i for i, r in log.observations(s.engine.session_id)
              if r.metric == "spo2" and r.value == 85]
    return typo


@RESTARTS
def test_a_typo_typed_while_the_log_was_locked_can_be_entered_in_error(
        log: EventLog, restarted: bool) -> None:  # noqa: F811
    s = LoggedSession(log)
    typo = typed_while_locked(s, log)
    if restarted:
        restart(s, 1)
    # The newest SpO2, typed a second ago: entered in error as any typed value is.
    assert s.engine.void_refusal(typo, "spo2") is None


@RESTARTS
def test_a_typo_typed_while_the_log_was_locked_and_corrected_ends_its_alarm(
        log: EventLog, restarted: bool) -> None:  # noqa: F811
    s = LoggedSession(log)
    typo = typed_while_locked(s, log)
    assert [a[:2] for a in spo2_alarms(s)] == [("high", "active")]
    if restarted:
        restart(s, 1)
    assert s.engine.correct(typo, "spo2", 95, NURSE, s.now(), "typo: the probe read 95") == \
        Accepted("spo2", 95)
    assert spo2_alarms(s) == []   # "SpO2 85 %" high had gone on sounding
    latest = s.engine.latest("spo2")
    assert latest is not None and latest.reading.value == 95   # the tile had read 85


@RESTARTS
def test_a_value_entered_in_error_falls_back_to_the_monitor_value_written_after_a_lock(
        log: EventLog, restarted: bool) -> None:  # noqa: F811
    # The oximeter's 97 came while the log was locked (held, then written); the nurse types
    # 85 by mistake and takes it back: the SpO2 goes back to the 97, as a restart has it.
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    locked_log(s)
    s.device("spo2", 97)
    assert s.engine.unsaved
    log_takes_writes_again(s)
    _, typo = s.engine.enter_manual_row("spo2", 85, NURSE, s.now(), confirmed=True)
    assert typo is not None
    if restarted:
        restart(s, 1, reads_device=True)
    assert s.engine.void(typo, "spo2", NURSE, s.now(), "typed for another patient").done
    latest = s.engine.latest("spo2")
    assert latest is not None and latest.reading.value == 97


def test_a_typed_value_held_after_a_bug_in_an_earlier_flush_is_kept_as_itself(
        log: EventLog) -> None:  # noqa: F811
    # A bug after a flush's commit (a listener: the console goes on, the bug a technical
    # alarm) had left the first held value waiting for an id: the next one held got its place.
    s = LoggedSession(log)
    s.to_infusion()
    locked_log(s)
    s.engine.enter_manual_row("spo2", 85, NURSE, s.now(), confirmed=True)   # held
    fail = {"once": True}

    def listener() -> None:
        if fail.pop("once", False):
            raise RuntimeError("a bug in a listener")

    s.engine.subscribe(listener)
    with pytest.raises(RuntimeError):
        s.t(s.now().mono - s.origin + RETRY_SECONDS)   # the flush commits, then the bug
    assert s.engine.unsaved == 0                       # written all the same
    locked_log(s)
    s.engine.enter_manual_row("spo2", 92, NURSE, s.now(), confirmed=True)   # held again
    log_takes_writes_again(s)
    [row_85] = [i for i, r in log.observations(s.engine.session_id)
                if r.metric == "spo2" and r.value == 85]
    [row_92] = [i for i, r in log.observations(s.engine.session_id)
                if r.metric == "spo2" and r.value == 92]
    # Each is itself among the recent values and for the session.
    assert {r: s.engine.void_refusal(r, "spo2") for r in (row_85, row_92)} == {
        row_85: None, row_92: None}
    assert s.engine._state.typed[row_92].reading.value == 92

"""A typed value corrected long after it was typed is taken back as one corrected at once.

The engine keeps each vital's newest KEEP_ROWS (20) values with their row ids, a monitor's
included: an oximeter at 1 Hz pushes a typed SpO2 out of them in 20 s, a cuff every 5 min a typed
BP in 100 min. A correction of a typed value no longer among them (a review) left the latched
high alarm the typo alone raised ("SpO2 85 %" to reset for a value corrected as never measured),
and a systolic corrected to 70 was no longer checked against the diastolic 84 typed with it (the
record held BP 70/84). Typed values are kept apart for the session (they are few), so both hold
however long ago the value was typed, live and after "Restart and resume" alike (README, "Where
the data lives": "only a latched alarm that the older value alone raised ends"; "Correct…
checks the new value … a BP half with the other half typed with it").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from console.session.engine import KEEP_ROWS
from console.session.entry import Accepted, Rejected
from console.session.holding import RETRY_SECONDS
from console.store import EventLog, LogError
from devices.reading import Reading
from tests.session.helpers import Session
from tests.session.test_commit_first import Faulty
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401

SPO2 = "spo2_low"
RESTARTS = pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])


def spo2_alarms(s: LoggedSession) -> list[tuple[str, str, str]]:
    return [(o.priority.label, o.state.value, o.message) for o in s.engine.alarms()
            if o.condition == SPO2]


def oximeter(s: Session, seconds: int, value: float) -> None:
    """The oximeter's `value` once a second for `seconds` s."""
    for _ in range(seconds):
        s.clock.advance(1)
        s.device("spo2", value)


def ended(log: EventLog, s: LoggedSession) -> list[str]:
    return [t.message for _, t in log.alarm_events(s.engine.session_id)
            if t.condition == SPO2 and t.transition == "cleared"]


@RESTARTS
def test_a_spo2_typo_corrected_after_20_oximeter_values_ends_its_latched_alarm(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    # SpO2 85 typed for 95: the high alarm, "SpO2 85 %".
    _, typo = s.engine.enter_manual_row("spo2", 85, NURSE, s.now(), confirmed=True)
    assert typo is not None
    assert spo2_alarms(s) == [("high", "active", "SpO2 85 %, limit ≤90")]
    # The oximeter reads 96 for 25 s: the alarm nobody saw latches; the 85 leaves the kept rows.
    oximeter(s, KEEP_ROWS + 5, 96)
    s.t(s.now().mono - s.origin)
    assert spo2_alarms(s) == [("high", "latched", "SpO2 85 %, limit ≤90")]
    if restarted:
        restart(s, 5, reads_device=True)
        assert spo2_alarms(s) == [("high", "latched", "SpO2 85 %, limit ≤90")]
    # The nurse checks the patient and the probe, then corrects the typo: the alarm of a value
    # never measured ends, saying so; the oximeter's 96 stands.
    assert s.engine.correct(typo, "spo2", 95, NURSE, s.now(), "typo: the probe read 95") == \
        Accepted("spo2", 95)
    assert spo2_alarms(s) == []
    assert ended(log, s) == ["SpO2 85 %, limit ≤90 (its value was corrected to 95 %, by nurse.ana)"]
    standing = s.engine.latest("spo2")
    assert standing is not None and standing.reading.value == 96
    # Nothing comes back after a restart.
    restart(s, 30, reads_device=True)
    assert spo2_alarms(s) == []


@RESTARTS
def test_a_latched_alarm_the_oximeter_held_at_the_typed_value_stays_when_the_typo_is_corrected(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    _, typed = s.engine.enter_manual_row("spo2", 85, NURSE, s.now(), confirmed=True)
    assert typed is not None
    # The oximeter read 85 too, then 96: an excursion that happened, latched, unseen.
    oximeter(s, 1, 85)
    oximeter(s, KEEP_ROWS + 5, 96)
    s.t(s.now().mono - s.origin)
    if restarted:
        restart(s, 5, reads_device=True)
    assert s.engine.correct(typed, "spo2", 95, NURSE, s.now(), "typed 85 for 95") == \
        Accepted("spo2", 95)
    # The oximeter's 85 held it: the nurse still resets it.
    assert spo2_alarms(s) == [("high", "latched", "SpO2 85 %, limit ≤90")]
    assert ended(log, s) == []


def cuffs(s: LoggedSession, count: int) -> None:
    """`count` cuff readings 125/80 from the monitor, one every 5 min."""
    for _ in range(count):
        now = s.clock.advance(300)
        s.engine.ingest_message(
            [Reading("bp_systolic", 125, "mmHg", now.wall, now.wall, "hl7:SIM"),
             Reading("bp_diastolic", 80, "mmHg", now.wall, now.wall, "hl7:SIM")], now)


@RESTARTS
def test_an_older_typed_systolic_corrected_is_checked_against_its_diastolic(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    _, systolic = s.engine.enter_manual_row("bp_systolic", 128, NURSE, s.now())
    s.engine.enter_manual("bp_diastolic", 84, NURSE, s.now())
    assert systolic is not None
    cuffs(s, KEEP_ROWS)   # 100 min of the cuff: the typed 128/84 leaves the kept rows
    if restarted:
        restart(s, 5)
    refused = Rejected("bp_systolic", "Diastolic 84 must be lower than systolic 70: check the "
                                      "order, for example 128/84.")
    assert s.engine.check_correction(systolic, "bp_systolic", 70) == refused
    assert s.engine.correct(systolic, "bp_systolic", 70, NURSE, s.now(), "cuff read 70") == refused
    assert [r.value for _, r in log.observations(s.engine.session_id)
            if r.corrects is not None] == []
    # A value that makes a BP with the diastolic is taken.
    assert s.engine.correct(systolic, "bp_systolic", 118, NURSE, s.now(), "typed 128 for 118") \
        == Accepted("bp_systolic", 118)


def test_an_older_typed_value_is_refused_entered_in_error_in_the_events_tabs_words(
        log: EventLog) -> None:
    # What a value entered in error takes back (the due checks it counted, the trackers) is
    # kept for the last values only: an older one is refused, named as the Events tab shows it
    # (it read "Systolic BP observation #4 is not one of this session's recent values: correct
    # it from the Events tab", a row number, in the Events tab).
    s = LoggedSession(log)
    s.to_infusion()
    _, systolic = s.engine.enter_manual_row("bp_systolic", 128, NURSE, s.now())
    assert systolic is not None
    typed_at = f"{s.now().wall.astimezone():%H:%M:%S}"
    cuffs(s, KEEP_ROWS)
    refused = s.engine.void(systolic, "bp_systolic", NURSE, s.now(), "wrong patient")
    assert not refused.done and refused.message == (
        f"Systolic BP 128 mmHg of {typed_at} came before the last 20 Systolic BP values: it can "
        "no longer be entered in error. Correct it (Correct…) with the value measured.")
    assert [e.kind for _, e in log.events(s.engine.session_id) if e.kind == "entered_in_error"] == []


def test_an_oximeter_value_held_while_the_log_was_locked_still_keeps_the_latched_alarm() -> None:
    # The oximeter's own 85 came while the log was locked (held in memory, no row id yet): it
    # is a value that came again all the same, and its excursion happened.
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    _, typed = s.engine.enter_manual_row("spo2", 85, NURSE, s.now(), confirmed=True)
    assert typed is not None
    faulty = Faulty(s)
    faulty.fail_with = LogError(Path("/x/sessions.sqlite3"), "locked", "locked")
    s.clock.advance(1)
    s.device("spo2", 85)   # held
    assert s.engine.unsaved
    s.t(s.now().mono - s.origin + RETRY_SECONDS)   # the log takes it at the next attempt
    assert s.engine.unsaved == 0
    oximeter(s, KEEP_ROWS + 5, 96)
    s.t(s.now().mono - s.origin)
    assert s.engine.correct(typed, "spo2", 95, NURSE, s.now(), "typed 85 for 95") == \
        Accepted("spo2", 95)
    assert [(o.condition, o.state.value) for o in s.engine.alarms()
            if o.condition == SPO2] == [(SPO2, "latched")]

"""A second, different bug is alarmed as the first was (review 47).

README: a fault is alarmed once per bug (the fault handler's `_repeat` passes each bug on once).
With the first fault acknowledged, a different bug came as an event row only: nothing sounded
and the alarm row still named the first bug (engine `console_fault` raised nothing while any
Console fault stood).
"""

from __future__ import annotations

from console.records import AlarmTransition
from console.session.engine import CONSOLE_FAULT
from tests.session.helpers import Session

NURSE = "nurse.ana"
FIRST = "KeyError: 1 in engine.py:100"
SECOND = "ZeroDivisionError: division by zero in schedule.py:50"


def _faulted() -> Session:
    s = Session()
    s.to_infusion()
    s.t(10); s.engine.console_fault(FIRST, s.now(), "/x/crash-1.txt")
    assert s.engine.acknowledge_all(NURSE, s.now()).done
    assert s.sounding() is None
    return s


def _fault_rows(s: Session) -> list[tuple[str, str, str]]:
    return [(o.priority.label, o.state.value, o.message) for o in s.engine.alarms()
            if o.condition == CONSOLE_FAULT]


def test_a_different_bug_after_the_first_was_acknowledged_sounds_and_names_it():
    s = _faulted()
    (first,) = s.engine.alarms()
    s.t(20); s.engine.console_fault(SECOND, s.now(), "/x/crash-2.txt")
    assert _fault_rows(s) == [("high", "active", f"Console fault: {SECOND} — restart the "
                                                 "console (the session resumes)")]
    assert s.sounding() == "high"
    # Logged: the first fault's alarm ended, saying what followed it; the second raised.
    rows = [(r.occurrence == first.id, r.transition, r.message) for r in s.recorder.records
            if isinstance(r, AlarmTransition) and r.condition == CONSOLE_FAULT]
    assert rows[-2:] == [
        (True, "cleared", f"{first.message} (a new alarm: Console fault: {SECOND} — restart "
                          "the console (the session resumes))"),
        (False, "raised", f"Console fault: {SECOND} — restart the console (the session resumes)")]
    assert [e.detail["summary"] for e in s.recorder.events("console_fault")] == [FIRST, SECOND]


def test_a_different_bug_breaks_through_an_audio_pause():
    s = _faulted()
    assert s.engine.pause_audio(NURSE, s.now()).done
    s.t(20); s.engine.console_fault(SECOND, s.now())
    heard = s.engine.audio(s.now())
    assert (heard.priority.label if heard.priority else None, heard.paused_seconds_left) == (
        "high", None)


def test_the_same_bug_again_stays_quiet():
    s = _faulted()
    s.t(20); s.engine.console_fault(FIRST, s.now())
    assert _fault_rows(s) == [
        ("high", "acknowledged", f"Console fault: {FIRST} — restart the console (the session "
                                 "resumes)")]
    assert s.sounding() is None
    assert len(s.recorder.events("console_fault")) == 2

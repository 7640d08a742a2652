"""An overdue vitals check, acknowledged, sounds again while it stays overdue. Scheduled-check
prompts escalate to medium when overdue by more than 5 min (clinical-defaults.md alarm behaviour
8) and an acknowledged alarm is reminded after `reminder_seconds` while it persists (behaviour
5); prompts were left out of reminders, so one F2 over "Vitals overdue" silenced a missed BP for
the rest of the session (review 43). A "Vitals due" information prompt has no sound to repeat."""

from __future__ import annotations

from console.session.alarms import DEFAULT_REMINDER_SECONDS
from console.store import EventLog
from tests.session.helpers import Session
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401 (fixture)

MIN = 60
NURSE = "nurse.ana"
BP_CHECK = "vitals_due:BP and HR"


def _overdue_and_acknowledged(s: Session) -> tuple[float, int]:
    """The T+10 BP check 5 min overdue (medium, sounding), acknowledged at T+15 by F2 over
    its row: (T0 on the test's clock, the prompt's occurrence id)."""
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 15 * MIN)
    assert s.shown() == [(BP_CHECK, "medium", "active")] and s.sounding() == "medium"
    prompt = s.engine.alarms()[0].id
    assert s.engine.acknowledge_shown([prompt], NURSE, s.now()).done
    assert s.sounding() is None
    return start, prompt


def _transitions(s: Session, occurrence: int) -> list[str]:
    return [r.transition for r in s.recorder.records if getattr(r, "occurrence", None) == occurrence]


def test_an_acknowledged_overdue_check_sounds_again_after_the_reminder_time():
    s = Session()
    start, prompt = _overdue_and_acknowledged(s)
    s.t(start + 15 * MIN + DEFAULT_REMINDER_SECONDS - 1)
    assert s.sounding() is None                         # not before its time
    s.t(start + 15 * MIN + DEFAULT_REMINDER_SECONDS)
    assert _transitions(s, prompt) == ["raised", "acknowledged", "reminded"]
    assert s.shown() == [(BP_CHECK, "medium", "active")]
    assert s.sounding() == "medium"


def test_the_reminder_ends_with_the_vitals_it_asks_for():
    s = Session()
    start, prompt = _overdue_and_acknowledged(s)
    s.t(start + 16 * MIN)
    s.bp(124, 80); s.manual("heart_rate", 72)
    s.t(start + 15 * MIN + DEFAULT_REMINDER_SECONDS + 1)
    assert _transitions(s, prompt)[-1] == "cleared"
    assert s.shown() == [] and s.sounding() is None


def test_an_acknowledged_vitals_due_prompt_is_not_reminded():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 10 * MIN)                                # due: information, no sound
    assert s.shown() == [(BP_CHECK, "info", "active")]
    prompt = s.engine.alarms()[0].id
    assert s.engine.acknowledge_shown([prompt], NURSE, s.now()).done
    s.t(start + 10 * MIN + DEFAULT_REMINDER_SECONDS + 30)   # still inside its 5 min
    assert _transitions(s, prompt) == ["raised", "acknowledged"]


def test_the_reminder_stands_after_a_restart(log: EventLog):  # noqa: F811 (fixture)
    s = LoggedSession(log)
    start, prompt = _overdue_and_acknowledged(s)
    s.t(start + 15 * MIN + DEFAULT_REMINDER_SECONDS)
    restart(s, 5)
    [again] = [o for o in s.engine.alarms() if o.condition == BP_CHECK]
    assert (again.id, again.priority.label, again.state.value) == (prompt, "medium", "active")
    assert s.engine.audio(s.now()).priority is not None

"""A value entered in error counts nowhere, live as after a restart (R10): the vital's alarm
rules (a sustained run, a repeat's confirmation), the due checks, the "still rising" history and
the baseline are as if it had never come, which is how a restart's replay has them (it skips the
value). Live, the void had fed the value before it again at the void's time, and left the due
checks, the history and the baseline as the wrong value had made them: the console showed one
thing before a kill and another after it, at the same moment, with nothing new from the patient.

Each test runs the session on a real log, takes what the nurse sees (`seen`), resumes a new
engine from the same log at the same injected time and compares.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.session.engine import SessionEngine
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, restart

NURSE = "nurse.ana"
MIN = 60


def seen(s: LoggedSession) -> dict[str, object]:
    """What the nurse sees now: alarms, audio, due checks, phase and timer, tiles, device link."""
    e: SessionEngine = s.engine
    now = s.now()
    t = e.times(now)
    audio = e.audio(now)
    return {
        "alarms": [(o.id, o.condition, o.priority.label, o.state.value, o.banner(), o.value)
                   for o in e.alarms()],
        "audio": (audio.priority.label if audio.priority else None, audio.paused_seconds_left),
        "due": [(d.name, round(d.due_in_s), d.missing, d.overdue) for d in e.due(now)],
        "phase": (e.phase.id, round(t.phase_elapsed_s),
                  None if t.phase_remaining_s is None else round(t.phase_remaining_s),
                  None if t.since_t0_s is None else round(t.since_t0_s)),
        "latest": {m: (l.reading.value, l.reading.source) for m, l in sorted(e._state.latest.items())},
        "baseline": e.baseline,
        "device": e.device_state,
    }


def at(s: LoggedSession, second: float) -> None:
    s.t(s.since + second)


def start(s: LoggedSession) -> None:
    s.to_infusion()
    s.since = s.now().mono - s.origin


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


def last_row(s: LoggedSession, metric: str) -> int:
    return s.engine._state.rows[metric][-1][0]


def void(s: LoggedSession, row: int, metric: str) -> None:
    assert s.engine.void(row, metric, NURSE, s.now(), "wrong patient's value").done


def alarm(view: dict, condition: str) -> list[tuple[str, str]]:
    return [(a[2], a[4]) for a in view["alarms"] if a[1] == condition]


def test_a_bp_confirmed_by_its_repeat_is_the_same_priority_before_and_after_a_restart(log):
    # Systolic 185 asks for a repeat in 5 min. A typed 150 (another patient's) comes between and
    # is entered in error 3 min later; the repeat at +5:10 is 185 again. Live, the void
    # re-evaluated the 185 at the void's time, restarting the confirm window: the repeat does
    # not confirm, medium. The restart skips the 150: the 185 at +1 min confirmed by the 185 at
    # +6:10, high ("confirmed by a repeat reading"). The nurse sees the alarm jump to high at
    # the restart (README: a value entered in error counts nowhere after: high is right).
    s = LoggedSession(log)
    start(s)
    at(s, 60); s.bp(185, 85)
    at(s, 120); s.manual("bp_systolic", 150)
    row = last_row(s, "bp_systolic")
    at(s, 240); void(s, row, "bp_systolic")
    at(s, 370); s.bp(185, 85)
    at(s, 375)
    live = seen(s)
    restart(s, 0)
    after = seen(s)
    assert alarm(live, "bp_systolic_high") == alarm(after, "bp_systolic_high")
    assert live["audio"] == after["audio"]
    assert [p for p, _ in alarm(live, "bp_systolic_high")] == ["high"]


def test_a_sustained_heart_rate_is_the_same_priority_before_and_after_a_restart(log):
    # HR 125 from +1 min (rule: >120 sustained 5 min is high). A typed 100 at +4:10 is entered
    # in error at +6:40; HR 125 typed again at +6:50. Live, the void restarted the 5-min streak
    # at +6:40: medium ">110". The restart skips the 100: above 120 since +1 min, high.
    s = LoggedSession(log)
    start(s)
    at(s, 60); s.manual("heart_rate", 125)
    at(s, 200); s.manual("heart_rate", 125)
    at(s, 250); s.manual("heart_rate", 100)
    row = last_row(s, "heart_rate")
    at(s, 400); void(s, row, "heart_rate")
    at(s, 410); s.manual("heart_rate", 125)
    at(s, 415)
    live = seen(s)
    restart(s, 0)
    after = seen(s)
    assert alarm(live, "heart_rate_high") == alarm(after, "heart_rate_high")
    assert live["audio"] == after["audio"]


def test_a_value_entered_in_error_between_two_that_stand_does_not_break_their_run(log):
    # HR 125 from +1 min, a typed 100 at +4:10, 125 again at +5; the 100 entered in error at
    # +6:40 (a later value stands), 125 at +6:50: above 120 since +1 min, high, as after a
    # restart (live, the 100 had restarted the 5 minutes at +5: medium).
    s = LoggedSession(log)
    start(s)
    at(s, 60); s.manual("heart_rate", 125)
    at(s, 250); s.manual("heart_rate", 100)
    row = last_row(s, "heart_rate")
    at(s, 300); s.manual("heart_rate", 125)
    at(s, 400); void(s, row, "heart_rate")
    at(s, 410); s.manual("heart_rate", 125)
    live = seen(s)
    assert [p for p, _ in alarm(live, "heart_rate_high")] == ["high"]
    restart(s, 0)
    assert alarm(live, "heart_rate_high") == alarm(seen(s), "heart_rate_high")


def test_a_due_check_met_by_a_value_entered_in_error_is_the_same_after_a_restart(log):
    # The T+10 "BP and HR" check: BP and HR taken at +9 min, the HR entered in error at +9:30.
    # Live the voided HR still counts: no prompt, next due at T+20. After the restart it does
    # not: "Vitals due: BP and HR (Heart rate)" is up at once, due 30 s ago.
    s = LoggedSession(log)
    start(s)
    at(s, 540); s.bp(120, 80); s.manual("heart_rate", 70)
    row = last_row(s, "heart_rate")
    at(s, 570); void(s, row, "heart_rate")
    at(s, 630)
    live = seen(s)
    restart(s, 0)
    after = seen(s)
    assert (live["due"], live["alarms"]) == (after["due"], after["alarms"])


def test_still_rising_reads_the_same_before_and_after_a_restart(log):
    # Systolic 150, a typed 100 (mis-typed), 150 again; the 100 is then entered in error.
    # Live the discharge gate (and the phase's exit rule) still says "Systolic BP still rising:
    # 100 → 150", naming a value entered in error; after a restart it does not.
    s = LoggedSession(log)
    start(s)
    at(s, 60); s.bp(150, 80)
    at(s, 120); s.manual("bp_systolic", 100)
    row = last_row(s, "bp_systolic")
    at(s, 180); s.manual("bp_systolic", 150)
    at(s, 200); void(s, row, "bp_systolic")
    at(s, 210)
    live = s.engine.discharge_blockers(s.now())
    restart(s, 0)
    after = s.engine.discharge_blockers(s.now())
    assert live == after
    assert not [r for r in live if "still rising" in r]


def test_a_baseline_from_a_value_entered_in_error_is_the_same_after_a_restart(log):
    # No CADSS before T0; the first after T0, a typed 40, becomes the baseline and is entered in
    # error; 2 is typed. Live the baseline stays 40 (so a CADSS of 20 later passes the discharge
    # gate: "needs 40 or less"); after a restart it is 2, and the same 20 refuses discharge.
    s = LoggedSession(log)
    start(s)
    at(s, 60); s.manual("dissociation", 40)
    row = last_row(s, "dissociation")
    at(s, 70); void(s, row, "dissociation")
    at(s, 80); s.manual("dissociation", 2)
    at(s, 3000); s.manual("dissociation", 20)
    at(s, 3010)
    live = (seen(s)["baseline"], s.engine.discharge_blockers(s.now()))
    restart(s, 0)
    after = (seen(s)["baseline"], s.engine.discharge_blockers(s.now()))
    assert live == after


def test_a_baseline_cadss_entered_in_error_before_dosing_is_not_the_baseline(log):
    # Live only (a restart agrees: dosing_started logs the baseline): CADSS 0 scored, a 40
    # typed in the CADSS field by mistake and entered in error at once; dosing starts. The
    # baseline is the voided 40, so after the session a CADSS of 30 passes the discharge gate's
    # "dissociation back near baseline" (allowed: max(4, baseline)), README: it counts nowhere.
    s = LoggedSession(log)
    s.manual("dissociation", 0)
    s.manual("dissociation", 40)
    void(s, last_row(s, "dissociation"), "dissociation")
    assert s.engine.latest("dissociation").reading.value == 0
    start(s)
    assert s.engine.baseline["dissociation"] == 0

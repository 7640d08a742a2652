"""A console restarted on a station whose clock was wrong against the session's log, then put
right live (NTP): the timers the nurse reads ("Elapsed", the phase's time, the time since T0) and
the discharge gate's wait are those a later restart reads from the same log. A clock an hour
ahead at the restart counts the hour as downtime; NTP setting it back must take that hour back
live, as the replay of the log does (the step corrects the restart's clock), or the discharge
gate opens an hour early until the next restart."""

from __future__ import annotations

import pytest

from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, log, restart, set_wall  # noqa: F401

HOUR = 3600.0


_set_wall = set_wall


def _what_the_nurse_reads(s: LoggedSession) -> tuple[float, float, float | None, float | None,
                                                     list[str]]:
    now = s.now()
    times = s.engine.times(now)
    return (round(times.elapsed_s), round(times.phase_elapsed_s),
            None if times.since_t0_s is None else round(times.since_t0_s),
            None if (wait := s.engine.discharge_wait_s(now)) is None else round(wait),
            # (the checks' due times are the schedule's, which this does not cover)
            [b for b in s.engine.discharge_blockers(now) if not b.startswith("Alarm not")])


@pytest.mark.parametrize("wrong_s", [HOUR, -HOUR], ids=["clock-ahead", "clock-behind"])
def test_timers_and_discharge_wait_after_ntp_corrects_a_restarts_clock_are_a_restarts(
        log: EventLog, wrong_s: float) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()                          # T0 before the restart
    start = s.now().mono - s.origin
    for second in range(60, 1200, 60):
        s.t(start + second); s.device("spo2", 97)
    _set_wall(s, wrong_s)                    # the station restarts with its clock wrong
    restart(s, 30)
    for second in range(1260, 1440, 60):
        s.t(start + second); s.device("spo2", 97)
    _set_wall(s, -wrong_s)                   # NTP puts it right
    s.t(start + 1441); s.device("spo2", 96)
    for second in range(1500, 1800, 60):
        s.t(start + second); s.device("spo2", 97)
    live = _what_the_nurse_reads(s)
    restart(s, 0)                            # the same log read back at the same moment
    assert live == _what_the_nurse_reads(s)


def _checks_and_alarms_the_nurse_reads(s: LoggedSession) -> tuple[object, ...]:
    """The due checks (how long until due or how overdue, what they still ask for, the
    prompt's words) and the alarms on the board (how long each has stood, how long since its
    acknowledgement: when its reminder sounds), as the console shows them now."""
    now = s.now()
    checks = [(d.name, round(d.due_in_s), d.overdue, d.missing) for d in s.engine.due(now)]
    alarms = [(o.condition, o.state.value, o.priority.label, o.banner(),
               round(now.mono - o.raised_at.mono),
               None if o.silenced_at is None else round(now.mono - o.silenced_at))
              for o in s.engine.alarms()]
    return checks, alarms


def _restarted_wrong_then_put_right(log: EventLog, wrong_s: float,
                                    steps: tuple[float, ...]) -> LoggedSession:
    """T0, an SpO2 of 88 acknowledged and the BP checks left unmet before a restart on a
    clock `wrong_s` off; then the wall clock stepped by each of `steps` in turn, a minute
    apart, the oximeter reading on."""
    s = LoggedSession(log)
    s.to_infusion()                          # T0 before the restart; BP every 10 min, unmet
    start = s.now().mono - s.origin
    for second in range(60, 1200, 60):
        s.t(start + second); s.device("spo2", 97 if second < 1080 else 88)
    low = next(o for o in s.engine.alarms() if o.condition.startswith("spo2"))
    assert s.engine.acknowledge(low.id, "nurse.ana", s.now()).done
    _set_wall(s, wrong_s)                    # the station restarts with its clock wrong
    restart(s, 30)
    second = 1260
    for step in steps:
        for second in range(second, second + 180, 60):
            s.t(start + second); s.device("spo2", 88)
        _set_wall(s, step)                   # NTP (or a nurse) sets the clock
        second += 60
    for second in range(second, second + 120, 60):
        s.t(start + second); s.device("spo2", 88)
    return s


@pytest.mark.parametrize("wrong_s", [HOUR, -HOUR], ids=["clock-ahead", "clock-behind"])
@pytest.mark.parametrize("after", [(), (300.0,)], ids=["one-step", "then-another-step"])
def test_due_checks_and_restored_alarms_after_ntp_corrects_a_restarts_clock_are_a_restarts(
        log: EventLog, wrong_s: float, after: tuple[float, ...]) -> None:  # noqa: F811
    # The BP check overdue and the acknowledged SpO2 alarm came back from the log at the
    # restart; NTP putting the clock right moves them as the replay of the log places them:
    # the check not an hour more overdue (or 30 s less), the alarm not an hour older, its
    # reminder not at once. A later step of its own moves nothing a second time.
    s = _restarted_wrong_then_put_right(log, wrong_s, (-wrong_s, *after))
    live = _checks_and_alarms_the_nurse_reads(s)
    assert live[0] and live[1]               # a check due and an alarm to compare
    restart(s, 0)                            # the same log read back at the same moment
    assert live == _checks_and_alarms_the_nurse_reads(s)


@pytest.mark.parametrize("wrong_s, step", [(HOUR, HOUR), (-HOUR, -HOUR), (-HOUR, 60.0)],
                         ids=["ahead-set-further-ahead", "behind-set-further-back",
                              "behind-set-forward-a-minute"])
def test_a_step_that_does_not_correct_the_restarts_clock_moves_no_check_nor_alarm(
        log: EventLog, wrong_s: float, step: float) -> None:  # noqa: F811
    # A step the wrong way, or one too small to be the correction: the restart's times stand.
    s = _restarted_wrong_then_put_right(log, wrong_s, ())
    before = _checks_and_alarms_the_nurse_reads(s)
    _set_wall(s, step)
    s.t(s.now().mono - s.origin); s.device("spo2", 88)
    assert _checks_and_alarms_the_nurse_reads(s) == before


def test_an_action_that_fails_with_the_correcting_step_leaves_the_checks_and_alarms_to_the_next(
        log: EventLog, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    # The first action on the corrected clock fails before its commit (a bug): it is undone
    # whole, the restart's times with it; the next action moves them, once.
    s = _restarted_wrong_then_put_right(log, HOUR, ())
    before = _checks_and_alarms_the_nurse_reads(s)
    _set_wall(s, -HOUR)                      # NTP puts it right
    commit = s.engine._commit

    def failing(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug in the step")

    monkeypatch.setattr(s.engine, "_commit", failing)
    with pytest.raises(RuntimeError):
        s.engine.tick(s.now())
    monkeypatch.setattr(s.engine, "_commit", commit)
    assert _checks_and_alarms_the_nurse_reads(s) == before
    s.t(s.now().mono - s.origin + 60); s.device("spo2", 88)
    live = _checks_and_alarms_the_nurse_reads(s)
    restart(s, 0)
    assert live == _checks_and_alarms_the_nurse_reads(s)


@pytest.mark.parametrize("wrong_s", [HOUR, -HOUR], ids=["clock-ahead", "clock-behind"])
def test_a_check_met_before_the_restart_is_next_due_after_ntp_as_a_restart_has_it(
        log: EventLog, wrong_s: float) -> None:  # noqa: F811
    # The BP and HR typed just before the restart time the next check after it: a time the
    # restart counted from the log, so the correction moves it though it is still to come.
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    for second in range(60, 1200, 60):
        s.t(start + second); s.device("spo2", 97)
    s.bp(122, 80); s.manual("heart_rate", 72)
    _set_wall(s, wrong_s)
    restart(s, 30)
    s.t(start + 1260); s.device("spo2", 97)
    _set_wall(s, -wrong_s)                   # NTP puts it right
    s.t(start + 1320); s.device("spo2", 97)
    live = _checks_and_alarms_the_nurse_reads(s)
    restart(s, 0)
    assert live == _checks_and_alarms_the_nurse_reads(s)

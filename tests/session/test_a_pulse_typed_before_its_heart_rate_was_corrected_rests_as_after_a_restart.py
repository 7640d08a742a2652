"""A pulse rate typed while a monitor's ECG heart rate was current rests its rules (the heart
rate watches the heart: `SessionEngine.ecg_heart_rate_current`), and stays rested when that
heart rate is corrected later: at the pulse's time the monitor's value had not been put right
yet, as a restart's replay (which takes the correction when it was made) has it. Live, the
corrected heart rate was read as a typed value of the correction's time: once the heart rates
the monitor sent after it were entered in error, "Pulse rate 127, limit >110" was raised live
and rested after a restart (a random walk). A correction made before the pulse is a typed heart
rate at the pulse's time, which rests no pulse rule: the 127 alarms, live as after a restart.

Each test runs the session on a real session log and compares the pulse and heart rate alarms
live with those "Restart and resume" rebuilds from that log at the same moment.
"""

from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import IV
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401

HIGH_PULSE = [("pulse_rate_high", "medium", "active", "Pulse rate 127 beats/min, limit >110")]


def pulse_alarms(s: LoggedSession) -> list[tuple[str, str, str, str]]:
    """(condition, priority, state, message) of the pulse and heart rate alarms on the board."""
    return sorted((o.condition, o.priority.label, o.state.value, o.message)
                  for o in s.engine.alarms()
                  if o.condition.startswith(("pulse_rate", "heart_rate")))


def monitor_heart_rate(s: LoggedSession, value: float) -> int:
    s.device("heart_rate", value)
    return s.engine._state.rows["heart_rate"][-1][0]


def live_and_restarted(log: EventLog, corrected_first: bool, corrected_at: float,
                       restarted_before_the_voids: bool
                       ) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str, str]]]:
    """The monitor's ECG heart rate (the one corrected, before or after the two the nurse then
    enters in error), a pulse of 127 typed 65 s into the session beside them, the correction at
    `corrected_at`; the pulse alarms live, then after a restart from the log."""
    s = LoggedSession(log, IV)
    s.engine.device_state_changed("connected", s.now())
    s.t(60)
    first = monitor_heart_rate(s, 80)
    s.t(61); second = monitor_heart_rate(s, 81)
    s.t(62); third = monitor_heart_rate(s, 82)
    ecg, wrong = (first, (second, third)) if corrected_first else (third, (first, second))
    if corrected_at < 65:
        s.t(corrected_at)
        assert isinstance(s.engine.correct(ecg, "heart_rate", 85, NURSE, s.now(),
                                           "monitor read a shivering artefact", confirmed=True),
                          Accepted)
    s.t(65)
    assert isinstance(s.manual("pulse_rate", 127, confirmed=True), Accepted)
    if corrected_first or corrected_at > 65:
        assert pulse_alarms(s) == []         # a monitor's heart rate watches the heart
    if corrected_at > 65:
        s.t(corrected_at)
        assert isinstance(s.engine.correct(ecg, "heart_rate", 85, NURSE, s.now(),
                                           "monitor read a shivering artefact", confirmed=True),
                          Accepted)
    if restarted_before_the_voids:
        restart(s, 1, reads_device=True, protocol=IV)
        s.engine.device_state_changed("connected", s.now())
    s.t(72)
    assert s.engine.void(wrong[0], "heart_rate", NURSE, s.now(), "next chair's monitor").done
    s.t(73)
    assert s.engine.void(wrong[1], "heart_rate", NURSE, s.now(), "next chair's monitor").done
    s.t(74)
    live = pulse_alarms(s)
    restart(s, 0, protocol=IV)
    return live, pulse_alarms(s)


@pytest.mark.parametrize("restarted_before_the_voids", [False, True],
                         ids=["live", "restarted-before-the-voids"])
@pytest.mark.parametrize("corrected_first", [True, False],
                         ids=["older-heart-rate-corrected", "newest-heart-rate-corrected"])
def test_a_pulse_typed_before_its_monitor_heart_rate_was_corrected_stays_rested(
        log: EventLog, corrected_first: bool, restarted_before_the_voids: bool) -> None:
    live, restarted = live_and_restarted(log, corrected_first, 70, restarted_before_the_voids)
    assert live == restarted
    assert live == []   # an ECG heart rate was current when the pulse was typed


def test_a_pulse_typed_after_the_heart_rate_was_corrected_alarms_as_after_a_restart(
        log: EventLog) -> None:
    # The correction stands from 64 s on, before the pulse: a typed heart rate then, beside
    # which the pulse's rules are judged once the monitor's later heart rates are entered in
    # error.
    live, restarted = live_and_restarted(log, True, 64, False)
    assert live == restarted == HIGH_PULSE

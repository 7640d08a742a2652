"""A pulse rate that came while a monitor's heart rate was current rests its rules (the heart
rate watches the heart: `SessionEngine.ecg_heart_rate_current`). Once that heart rate is entered
in error, it counts nowhere, live as after a restart (README: "A value entered in error counts
nowhere, live as after a restart"): a restart's replay, which skips it, judges the pulse, and
so does the live console now. A pulse rate of 43 typed beside a monitor's heart rate that was an
artefact raised "Pulse rate 43" after a restart and nothing live: the low pulse was never shown
to the nurse (a review). A pulse fed again after an older pulse is taken back is judged by the
heart rate that stood when it came, not by a later one (its alarm had gone live)."""

from __future__ import annotations

from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)


def pulse_alarms(s: DosedSession, engine: object = None) -> list[tuple[str, str, str, str]]:
    e = engine or s.engine
    return sorted((o.condition, o.priority.label, o.state.value, o.message)
                  for o in e.alarms() if o.condition.startswith(("pulse_rate", "heart_rate")))


def test_a_low_pulse_typed_beside_a_heart_rate_entered_in_error_alarms_live_as_after_a_restart(
) -> None:
    s = DosedSession(IV)
    s.engine.device_state_changed("connected", s.now())
    s.t(60)
    s.device("heart_rate", 61)               # the monitor's ECG: an artefact, it turns out
    heart = s.engine._state.rows["heart_rate"][-1][0]
    s.t(61)
    s.manual("pulse_rate", 43)               # the nurse counts the pulse: 43
    assert pulse_alarms(s) == []             # the heart rate watches the heart
    s.t(62)
    assert s.engine.void(heart, "heart_rate", NURSE, s.now(), reason="ECG artefact").done
    s.t(63)
    live = pulse_alarms(s)
    assert live == [("pulse_rate_low", "medium", "active", "Pulse rate 43 beats/min, limit <50")]
    assert pulse_alarms(s, s.restarted()) == live
    assert s.sounding() == "medium"


def test_a_pulse_judged_once_an_older_monitor_heart_rate_is_entered_in_error() -> None:
    # The heart rate that stood when the pulse came was the nurse's typed 82 once the monitor's
    # 88 is taken back: a typed heart rate rests no pulse rule, so the 43 is judged, as after a
    # restart, though the monitor's next heart rate (83) stands now.
    s = DosedSession(IV)
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.manual("heart_rate", 82)
    s.t(61); s.device("heart_rate", 88)
    heart = s.engine._state.rows["heart_rate"][-1][0]
    s.t(62); s.manual("pulse_rate", 43)
    s.t(63); s.device("heart_rate", 83)
    assert pulse_alarms(s) == []
    s.t(64)
    assert s.engine.void(heart, "heart_rate", NURSE, s.now(), reason="ECG artefact").done
    s.t(65)
    live = pulse_alarms(s)
    assert live == [("pulse_rate_low", "medium", "active", "Pulse rate 43 beats/min, limit <50")]
    assert pulse_alarms(s, s.restarted()) == live


def test_a_high_pulse_stays_when_an_older_pulse_is_entered_in_error_under_a_later_heart_rate(
) -> None:
    # No heart rate yet: the typed pulse 112 alarms (>110). The monitor's heart rate comes
    # after it. The pulse 104 typed before the 112 was the next chair's: taken back, the 112 is
    # fed again as it came, when no heart rate stood: its alarm stays, as after a restart (it
    # had rested under the monitor's later heart rate and gone live).
    s = DosedSession(IV)
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.manual("pulse_rate", 104)
    wrong = s.engine._state.rows["pulse_rate"][-1][0]
    s.t(61); s.manual("pulse_rate", 112)
    s.t(62); s.device("heart_rate", 83)
    high = [("pulse_rate_high", "medium", "active", "Pulse rate 112 beats/min, limit >110")]
    assert pulse_alarms(s) == high
    s.t(63)
    assert s.engine.void(wrong, "pulse_rate", NURSE, s.now(), reason="next chair's").done
    s.t(64)
    assert pulse_alarms(s) == high
    assert pulse_alarms(s, s.restarted()) == high

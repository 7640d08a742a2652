"""Once a monitor's heart rate stops coming, a pulse rate that comes after it watches the heart
and the heart rate's last value counts no more (`SessionEngine._ecg_taken_over`). A pulse rate
entered in error counts nowhere, live as after a restart (README: "A value entered in error
counts nowhere, live as after a restart"): the restart's replay, which skips it, never took the
heart rate's watch over, and its "Heart rate 114" stood. Live it stayed ended: the nurse saw no
heart-rate alarm until a restart (a review)."""

from __future__ import annotations

from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)

HIGH_114 = [("heart_rate_high", "medium", "active", "Heart rate 114 beats/min, limit >110")]


def heart_alarms(s: DosedSession, engine: object = None) -> list[tuple[str, str, str, str]]:
    e = engine or s.engine
    return sorted((o.condition, o.priority.label, o.state.value, o.message)
                  for o in e.alarms() if o.condition.startswith(("heart_rate", "pulse_rate")))


def void_last(s: DosedSession, name: str) -> None:
    row = s.engine._state.rows[name][-1][0]
    assert s.engine.void(row, name, NURSE, s.now(), reason="the next chair's").done


def monitored_114_then_a_typed_pulse() -> DosedSession:
    s = DosedSession(IV)
    s.engine.device_state_changed("connected", s.now())
    s.t(6); s.device("heart_rate", 114)
    assert heart_alarms(s) == HIGH_114
    s.t(127); s.manual("pulse_rate", 86)   # the ECG lead is off: the pulse watches the heart
    s.t(128)
    assert heart_alarms(s) == []
    return s


def test_the_heart_rates_alarm_stands_again_once_the_pulse_that_took_over_is_taken_back(
) -> None:
    s = monitored_114_then_a_typed_pulse()
    void_last(s, "pulse_rate")
    s.t(129)
    assert heart_alarms(s) == HIGH_114
    assert heart_alarms(s, s.restarted()) == HIGH_114


def test_the_heart_rates_alarm_stands_again_once_the_pulse_and_the_heart_rate_after_it_go(
) -> None:
    # The monitor's next heart rate (82) came after the pulse; both were another patient's.
    # Taken back one after the other, the 114 stands, as after a restart (the heart rate put
    # back as it was before the 82 was the one the pulse had taken over).
    s = monitored_114_then_a_typed_pulse()
    s.device("heart_rate", 82)
    s.t(129); void_last(s, "pulse_rate")
    s.t(130); void_last(s, "heart_rate")
    s.t(131)
    assert heart_alarms(s) == HIGH_114
    assert heart_alarms(s, s.restarted()) == HIGH_114

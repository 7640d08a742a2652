"""An acknowledged SpO2 wavering on its limit (93/94 each second) is one alarm (README "An
acknowledged alarm wavering on its limit is one alarm"), and so it stays once its reminder
has sounded it again 150 s after F2: the reminder made it active, the 10-s hold applied to
acknowledged alarms only, and the alarm audit's flood came back, a new medium alarm every other
second, each sounding and calling the window to the front (32 in 220 s; an alarm review)."""

from __future__ import annotations

from console.clock import clock_time
from console.records import AlarmTransition
from tests.session.helpers import Session
from tests.session.test_correction_alarms import restart

NURSE = "nurse.ana"


def wavering(s: Session, b: float, seconds: range) -> None:
    for second in seconds:
        s.t(b + second); s.device("spo2", 93 if second % 2 else 94); s.device("resp_rate", 14)


def reminded_wavering() -> tuple[Session, float, int]:
    """SpO2 93/94 acknowledged at 5 s, wavering past its reminder (155 s)."""
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    b = s.now().mono - s.origin
    wavering(s, b, range(1, 6))
    (alarm,) = s.engine.alarms()
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    wavering(s, b, range(6, 160))
    return s, b, alarm.id


def spo2_rows(s: Session, since: int) -> list[tuple[int, str]]:
    """The SpO2 alarm's rows from occurrence `since` on."""
    return [(r.occurrence, r.transition) for r in s.recorder.records
            if isinstance(r, AlarmTransition) and r.condition == "spo2_low"
            and r.occurrence >= since]


def test_a_reminded_wavering_alarm_sounds_as_one_alarm_until_acknowledged_again() -> None:
    s, b, first = reminded_wavering()
    wavering(s, b, range(160, 220))
    assert [(o.id, o.state.value) for o in s.engine.alarms()] == [(first, "active")]
    assert s.sounding() == "medium"
    assert spo2_rows(s, first) == [(first, "raised"), (first, "acknowledged"),
                                   (first, "reminded")]
    assert s.engine.acknowledge(first, NURSE, s.now()).done
    wavering(s, b, range(220, 260))
    assert [(o.id, o.state.value) for o in s.engine.alarms()] == [(first, "acknowledged")]
    assert s.sounding() is None


def test_a_reminded_alarm_back_inside_ends_10_s_later_saying_since_when() -> None:
    s, b, first = reminded_wavering()
    inside = s.t(b + 160)
    for second in range(160, 170):   # steady at 95: the same alarm until inside 10 s
        s.t(b + second); s.device("spo2", 95)
        assert [o.id for o in s.engine.alarms()] == [first]
    s.t(b + 170)
    assert s.engine.alarms() == []
    cleared = [r.message for r in s.recorder.records if isinstance(r, AlarmTransition)
               and r.transition == "cleared"]
    assert cleared[-1] == ("SpO2 93 %, limit ≤93 (back inside its limits since "
                           f"{clock_time(inside.wall)})")


def test_a_restart_keeps_the_reminded_wavering_alarm_one() -> None:
    s, b, first = reminded_wavering()
    s.t(b + 160); s.device("spo2", 94)
    restart(s, 1)
    s.engine.device_state_changed("connected", s.now())
    wavering(s, b, range(162, 200))
    assert [(o.id, o.state.value) for o in s.engine.alarms()] == [(first, "active")]
    assert spo2_rows(s, first) == [(first, "raised"), (first, "acknowledged"),
                                   (first, "reminded")]


def test_a_reminded_alarm_back_inside_keeps_its_words_through_a_restart() -> None:
    # Its `reminded` row is its last: the replay had taken the words of its `acknowledged` row,
    # the 131 of 0 s, for the 140 that stood since.
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    b = s.now().mono - s.origin
    s.t(b + 1); s.device("heart_rate", 131)
    (alarm,) = s.engine.alarms()
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    s.t(b + 2); s.device("heart_rate", 140)
    s.t(b + 152)   # reminded
    inside = s.t(b + 153); s.device("heart_rate", 80)
    live = [(o.id, o.state.value, o.message) for o in s.engine.alarms()]
    assert live == [(alarm.id, "active", "Heart rate 140 beats/min, limit ≥131")]
    restart(s, 1)
    assert [(o.id, o.state.value, o.message) for o in s.engine.alarms()] == live
    s.t(b + 163)
    assert [r.message for r in s.recorder.records if isinstance(r, AlarmTransition)
            and r.transition == "cleared"] == [
        f"Heart rate 140 beats/min, limit ≥131 (back inside its limits since "
        f"{clock_time(inside.wall)})"]

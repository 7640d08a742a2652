"""An acknowledged apnoea, then a breath, then a restart within 10 s: the apnoea ends as it
would have without the restart, 10 s after the breath, "back inside its limits since" the
breath. The replay had kept the last breath before the apnoea as "back inside since": the
restored alarm ended at the first tick, saying breathing had been inside since before the
apnoea, and a low rate within those 10 s was a new alarm, sounding (an alarm review)."""

from __future__ import annotations

import pytest

from console.clock import Moment, clock_time
from console.records import AlarmTransition
from tests.session.helpers import Session
from tests.session.test_correction_alarms import restart

NURSE = "nurse.ana"


def acknowledged_apnoea_then_a_breath() -> tuple[Session, float, Moment]:
    """Returns the session, the infusion's start and the breath's time."""
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    b = s.now().mono - s.origin
    s.t(b + 1); s.device("resp_rate", 16); s.device("spo2", 97)
    for second in range(2, 31):   # no RR; the SpO2 goes on
        s.t(b + second); s.device("spo2", 97)
    (alarm,) = s.engine.alarms()
    assert alarm.message == "No respiratory rate for 29 s"
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    s.t(b + 32); s.device("resp_rate", 14); s.device("spo2", 97)
    return s, b, s.now()


def apnoea_rows(s: Session) -> list[tuple[int, str, str]]:
    return [(r.occurrence, r.transition, r.message) for r in s.recorder.records
            if isinstance(r, AlarmTransition) and r.condition == "resp_rate_low"]


def shown(s: Session) -> list[tuple[int, str, str]]:
    return [(o.id, o.state.value, o.message) for o in s.engine.alarms()]


@pytest.mark.parametrize("restarted", [False, True])
def test_the_acknowledged_apnoea_ends_10_s_after_the_breath(restarted: bool) -> None:
    s, b, breath = acknowledged_apnoea_then_a_breath()
    (apnoea,) = s.engine.alarms()
    if restarted:
        restart(s, 1)
        s.engine.device_state_changed("connected", s.now())
    s.t(b + 34); s.device("resp_rate", 14); s.device("spo2", 97)
    assert shown(s) == [(apnoea.id, "acknowledged", "No respiratory rate for 31 s")]
    s.t(b + 41); s.device("spo2", 97)
    assert shown(s) == [(apnoea.id, "acknowledged", "No respiratory rate for 31 s")]
    s.t(b + 42)
    assert shown(s) == []
    assert apnoea_rows(s)[-1] == (apnoea.id, "cleared", "No respiratory rate for 31 s (back "
                                  f"inside its limits since {clock_time(breath.wall)})")


@pytest.mark.parametrize("restarted", [False, True])
def test_a_low_rate_within_those_10_s_is_the_same_acknowledged_alarm(restarted: bool) -> None:
    s, b, _ = acknowledged_apnoea_then_a_breath()
    (apnoea,) = s.engine.alarms()
    if restarted:
        restart(s, 1)
        s.engine.device_state_changed("connected", s.now())
    s.t(b + 36); s.device("resp_rate", 7); s.device("spo2", 97)
    assert shown(s) == [(apnoea.id, "acknowledged", "Respiratory rate 7 breaths/min, limit ≤8")]
    assert s.sounding() is None

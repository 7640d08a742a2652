"""An earlier typed RR taken back (entered in error) during an apnoea counts no breath: "No
respiratory rate for 20 s" stands (README: a vital that went missing stays missing until it is
counted again). With the monitor lost, or back less than 20 s, the rebuilt trackers had
forgotten the absence: the apnoea ended at once, unseen and without latching, "its value was
entered in error", the high tone gone, only the monitor's medium alarm left (an alarm review)."""

from __future__ import annotations

import pytest

from console.records import AlarmTransition
from tests.session.helpers import Session
from tests.session.test_correction_alarms import restart

NURSE = "nurse.ana"


def apnoea_after_a_typo() -> tuple[Session, float, int]:
    """Breathing counted, a typed RR 30 (meant 13), breathing counted, then no RR while the
    SpO2 goes on: the apnoea is raised. Returns the session, the infusion's start and the typo's
    row."""
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    b = s.now().mono - s.origin
    s.t(b + 1); s.device("resp_rate", 16); s.device("spo2", 97)
    s.t(b + 2)
    _, typo = s.engine.enter_manual_row("resp_rate", 30, NURSE, s.now())
    assert typo is not None
    s.t(b + 3); s.device("resp_rate", 16); s.device("spo2", 97)
    for second in range(4, 30):
        s.t(b + second); s.device("spo2", 97)
    assert apnoea(s) == [("high", "active", "No respiratory rate for 26 s")]
    return s, b, typo


def apnoea(s: Session) -> list[tuple[str, str, str]]:
    return [(o.priority.label, o.state.value, o.message) for o in s.engine.alarms()
            if o.condition == "resp_rate_low"]


def apnoea_ends(s: Session) -> list[str]:
    return [r.message for r in s.recorder.records if isinstance(r, AlarmTransition)
            and r.condition == "resp_rate_low" and r.transition in ("cleared", "latched")]


def link_goes(s: Session, b: float, link: str) -> None:
    s.t(b + 31)
    s.engine.device_state_changed("disconnected", s.now(), "port closed")
    if link == "back":   # the monitor back, its SpO2 with it: still no RR
        s.t(b + 33)
        s.engine.device_state_changed("connected", s.now())
        s.device("spo2", 97)


@pytest.mark.parametrize("link", ["lost", "back"])
def test_an_earlier_typo_taken_back_leaves_an_unseen_apnoea_sounding(link: str) -> None:
    s, b, typo = apnoea_after_a_typo()
    link_goes(s, b, link)
    s.t(b + 35)
    assert s.engine.void(typo, "resp_rate", NURSE, s.now(), "typed 30 for 13").done
    s.t(b + 36)
    assert apnoea(s) == [("high", "active", "No respiratory rate for 33 s")]
    assert s.sounding() == "high"
    assert apnoea_ends(s) == []


@pytest.mark.parametrize("link", ["lost", "back"])
def test_an_earlier_typo_taken_back_leaves_an_acknowledged_apnoea_standing(link: str) -> None:
    s, b, typo = apnoea_after_a_typo()
    (alarm,) = [o for o in s.engine.alarms() if o.condition == "resp_rate_low"]
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    link_goes(s, b, link)
    s.t(b + 35)
    assert s.engine.void(typo, "resp_rate", NURSE, s.now(), "typed 30 for 13").done
    s.t(b + 50)
    assert apnoea(s) == [("high", "acknowledged", "No respiratory rate for 47 s")]
    assert apnoea_ends(s) == []
    s.device("resp_rate", 14)   # a breath counted: it ends 10 s later, as any acknowledged one
    s.t(b + 60)
    assert apnoea_ends(s)[-1].startswith("No respiratory rate for 47 s (back inside its limits")


def test_a_typo_from_before_a_restart_taken_back_leaves_the_apnoea() -> None:
    # The trackers before the typo come from the restart's replay: the same rule.
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    b = s.now().mono - s.origin
    s.t(b + 1); s.device("resp_rate", 16)
    s.t(b + 2)
    _, typo = s.engine.enter_manual_row("resp_rate", 30, NURSE, s.now())
    assert typo is not None
    s.t(b + 3); s.device("resp_rate", 16)
    restart(s, 1)
    s.engine.device_state_changed("connected", s.now())
    for second in range(5, 31):   # no RR after the restart; the SpO2 goes on
        s.t(b + second); s.device("spo2", 97)
    assert apnoea(s) == [("high", "active", "No respiratory rate for 27 s")]
    s.engine.device_state_changed("disconnected", s.now(), "port closed")
    s.t(b + 32)
    assert s.engine.void(typo, "resp_rate", NURSE, s.now(), "typed 30 for 13").done
    s.t(b + 33)
    assert apnoea(s) == [("high", "active", "No respiratory rate for 30 s")]
    assert apnoea_ends(s) == []


def test_an_earlier_typo_taken_back_leaves_the_apnoeas_escalation() -> None:
    # An unseen RR 11 (medium) escalated by the apnoea: taking back a typo from before it undid
    # that escalation as if the typo had made it ("deescalated" by the nurse to "RR 11", the
    # apnoea escalated again at the next tick).
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    b = s.now().mono - s.origin
    s.t(b + 1); s.device("resp_rate", 16)
    s.t(b + 2)
    _, typo = s.engine.enter_manual_row("resp_rate", 30, NURSE, s.now())
    assert typo is not None
    s.t(b + 3); s.device("resp_rate", 11)
    for second in range(4, 30):
        s.t(b + second); s.device("spo2", 97)
    assert s.engine.void(typo, "resp_rate", NURSE, s.now(), "typed 30 for 13").done
    s.t(b + 30)
    assert apnoea(s) == [("high", "active", "No respiratory rate for 27 s")]
    assert [t[1] for t in s.recorder.transitions("resp_rate_low")] == ["raised", "escalated"]

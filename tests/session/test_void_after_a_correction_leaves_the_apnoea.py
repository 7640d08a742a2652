"""A typed RR taken back (entered in error) during an apnoea, after an earlier typed RR of the
same vital was corrected, counts no breath: "No respiratory rate for 20 s" stands, sounding or
acknowledged, the same alarm, live as after a restart (README: a vital that went missing stays
missing until it is counted again). The correction had dropped the trackers `void` rebuilds
from, and its fallback fed the value before the typo as a breath counted now: the apnoea ended
"its value was entered in error", unseen and unlatched, the high tone gone (a review)."""

from __future__ import annotations

from console.session.entry import Accepted
from tests.session.helpers import Session
from tests.session.test_correction_alarms import restart
from tests.session.test_void_leaves_a_vital_missing import apnoea, apnoea_ends

NURSE = "nurse.ana"


def apnoea_after_a_corrected_rr_and_a_typo(link_lost: bool) -> tuple[Session, float, int]:
    """Breathing counted, a typed RR 18, a typed RR 30 (meant 13), then no RR while the SpO2
    goes on: the apnoea is raised; the typed 18 is then corrected to 17 (the 30 still stands).
    Returns the session, the infusion's start and the typo's row."""
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    b = s.now().mono - s.origin
    s.t(b + 1); s.device("resp_rate", 16); s.device("spo2", 97)
    s.t(b + 2)
    _, first = s.engine.enter_manual_row("resp_rate", 18, NURSE, s.now())
    s.t(b + 3)
    _, typo = s.engine.enter_manual_row("resp_rate", 30, NURSE, s.now())
    assert first is not None and typo is not None
    for second in range(4, 30):
        s.t(b + second); s.device("spo2", 97)
    assert apnoea(s) == [("high", "active", "No respiratory rate for 26 s")]
    # The earlier typed RR put right (an older row: the typed 30 still stands).
    verdict = s.engine.correct(first, "resp_rate", 17, NURSE, s.now(), "counted 17")
    assert isinstance(verdict, Accepted), verdict
    assert apnoea(s) == [("high", "active", "No respiratory rate for 26 s")]
    if link_lost:   # the monitor lost: nothing but the apnoea keeps it
        s.t(b + 31)
        s.engine.device_state_changed("disconnected", s.now(), "port closed")
    return s, b, typo


def test_a_typo_taken_back_after_a_correction_leaves_the_unseen_apnoea_sounding() -> None:
    s, b, typo = apnoea_after_a_corrected_rr_and_a_typo(link_lost=True)
    s.t(b + 35)
    # The typed 30 entered in error: no breath was counted.
    assert s.engine.void(typo, "resp_rate", NURSE, s.now(), "typed 30 for 13").done
    s.t(b + 36)
    assert apnoea_ends(s) == []
    live = apnoea(s)
    assert live == [("high", "active", "No respiratory rate for 34 s")]
    assert s.sounding() == "high"
    # A restart (which skips the typo) has the same alarm.
    restart(s, 0)
    assert apnoea(s) == live
    assert s.sounding() == "high"


def test_a_typo_taken_back_after_a_correction_keeps_the_acknowledged_apnoea() -> None:
    s, b, typo = apnoea_after_a_corrected_rr_and_a_typo(link_lost=False)
    (alarm,) = [o for o in s.engine.alarms() if o.condition == "resp_rate_low"]
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    s.t(b + 35); s.device("spo2", 97)
    # The typed 30 entered in error: the acknowledged apnoea is the same alarm, still silent.
    assert s.engine.void(typo, "resp_rate", NURSE, s.now(), "typed 30 for 13").done
    s.t(b + 36); s.device("spo2", 97)
    assert apnoea_ends(s) == []
    assert [(o.id, o.state.value) for o in s.engine.alarms()
            if o.condition == "resp_rate_low"] == [(alarm.id, "acknowledged")]
    assert s.sounding() is None

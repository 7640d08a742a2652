"""Correcting the standing typed RR during an apnoea counts no breath: "No respiratory rate"
stands, counted from the corrected measurement's time (README: a vital that went missing stays
missing until it is counted again). The correction had ended the high apnoea at once, unseen and
without latching, "its value was corrected to 13 breaths/min", and counted the absence again
from the correction: a new "No respiratory rate for 20 s" 20 s later, after 43 s without a
breath (an alarm review). Taking the typo back instead: test_void_leaves_a_vital_missing.py."""

from __future__ import annotations

import pytest

from console.session.entry import Accepted
from tests.session.helpers import Session
from tests.session.test_correction_alarms import restart
from tests.session.test_void_leaves_a_vital_missing import apnoea, apnoea_ends

NURSE = "nurse.ana"


def typo_then_no_breath(last: int) -> tuple[Session, float, int]:
    """Breathing counted, a typed RR 30 (meant 13) at b+2, then no RR till b+`last` while the
    SpO2 goes on. Returns the session, the infusion's start and the typo's row."""
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    b = s.now().mono - s.origin
    s.t(b + 1); s.device("resp_rate", 16); s.device("spo2", 97)
    s.t(b + 2)
    _, typo = s.engine.enter_manual_row("resp_rate", 30, NURSE, s.now())
    assert typo is not None
    for second in range(3, last + 1):
        s.t(b + second); s.device("spo2", 97)
    return s, b, typo


def correct(s: Session, typo: int) -> None:
    verdict = s.engine.correct(typo, "resp_rate", 13, NURSE, s.now(), "typed 30 for 13")
    assert isinstance(verdict, Accepted), verdict


def test_correcting_the_typed_rr_leaves_an_unseen_apnoea_sounding() -> None:
    s, b, typo = typo_then_no_breath(25)
    assert apnoea(s) == [("high", "active", "No respiratory rate for 23 s")]
    correct(s, typo)
    s.t(b + 27); s.device("spo2", 97)
    assert apnoea(s) == [("high", "active", "No respiratory rate for 25 s")]
    assert s.sounding() == "high"
    assert apnoea_ends(s) == []


def test_correcting_the_typed_rr_leaves_an_acknowledged_apnoea_standing() -> None:
    s, b, typo = typo_then_no_breath(25)
    (alarm,) = [o for o in s.engine.alarms() if o.condition == "resp_rate_low"]
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    correct(s, typo)
    s.t(b + 40); s.device("spo2", 97)
    assert apnoea(s) == [("high", "acknowledged", "No respiratory rate for 38 s")]
    assert s.sounding() is None
    assert apnoea_ends(s) == []


def test_the_absence_counts_from_the_corrected_measurement_not_the_correction() -> None:
    # Put right 8 s after it was typed, no breath counted since: the apnoea sounds 20 s after
    # the typed value, as it would have without the typo, not 20 s after the correction.
    s, b, typo = typo_then_no_breath(10)
    correct(s, typo)
    for second in range(11, 23):
        s.t(b + second); s.device("spo2", 97)
    assert apnoea(s) == [("high", "active", "No respiratory rate for 20 s")]


@pytest.mark.parametrize("restarted", [False, True])
def test_after_a_restart_the_corrected_rr_leaves_the_apnoea_as_live(restarted: bool) -> None:
    s, b, typo = typo_then_no_breath(25)
    correct(s, typo)
    if restarted:
        restart(s, 1)
        s.engine.device_state_changed("connected", s.now())
    for second in range(27, 31):
        s.t(b + second); s.device("spo2", 97)
    assert apnoea(s) == [("high", "active", "No respiratory rate for 28 s")]
    assert s.sounding() == "high"
    assert apnoea_ends(s) == []


@pytest.mark.parametrize("restarted", [False, True])
def test_with_the_monitor_lost_a_restart_leaves_the_corrected_apnoea_as_live(
        restarted: bool) -> None:
    # The monitor lost after the correction: the apnoea stands till a breath is counted, and a
    # restart read the correction, logged after the apnoea was raised, as a breath counted.
    s, b, typo = typo_then_no_breath(25)
    correct(s, typo)
    s.t(b + 26)
    s.engine.device_state_changed("disconnected", s.now(), "port closed")
    if restarted:
        restart(s, 1)
    for second in range(28, 31):
        s.t(b + second)
        s.engine.tick(s.now())
    assert apnoea(s) == [("high", "active", "No respiratory rate for 28 s")]
    assert s.sounding() == "high"
    assert apnoea_ends(s) == []

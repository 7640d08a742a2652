"""A typed value's two questions get two answers (review 46): "is the value right?" (unusual
alone, or the pair's pulse pressure: logged confirmed = 1) and "does it replace the monitor's
alarming reading?" (the REPLACES_DEVICE flag; the alarm follows it). One `confirmed=True` had
answered both: a doubt confirmed ended a monitor's alarm nobody was asked about, and a pair's
doubt was lost on the half that also replaced the monitor's reading."""

from __future__ import annotations

from console.session.entry import Accepted, NeedsConfirmation
from tests.session.helpers import Session


def test_a_confirmed_doubt_does_not_replace_the_monitors_alarming_reading():
    s = Session()
    s.to_infusion()
    s.t(60); s.device("bp_systolic", 185)          # the monitor: a systolic alarm
    assert "bp_systolic_high" in {c for c, _, _ in s.shown()}
    rows = len(s.recorder.records)
    asked = s.engine.enter_manual("bp_systolic", 170, "nurse.ana", s.now(), confirmed=True,
                                  replaces=False)
    assert isinstance(asked, NeedsConfirmation)
    assert "Does your typed 170 mmHg replace the monitor's reading?" in asked.message
    assert len(s.recorder.records) == rows           # nothing recorded, the alarm stands
    assert "bp_systolic_high" in {c for c, _, _ in s.shown()}


def test_the_replace_answer_keeps_the_values_doubt():
    s = Session()
    s.to_infusion()
    s.t(60); s.device("bp_systolic", 185)
    answer = s.engine.enter_manual("bp_systolic", 150, "nurse.ana", s.now(), confirmed=True,
                                   replaces=True)
    assert isinstance(answer, Accepted)
    typed = s.recorder.observations()[-1]
    assert (typed.value, typed.confirmed, typed.flags) == (150, True, frozenset({"REPLACES_DEVICE"}))


def test_a_yes_to_replacing_alone_is_not_a_doubt():
    s = Session()
    s.to_infusion()
    s.t(60); s.device("bp_systolic", 185)
    assert isinstance(s.engine.enter_manual("bp_systolic", 150, "nurse.ana", s.now(),
                                            replaces=True), Accepted)
    typed = s.recorder.observations()[-1]
    assert (typed.confirmed, typed.flags) == (False, frozenset({"REPLACES_DEVICE"}))


def test_an_unusual_value_asks_its_own_question_when_only_the_replacing_was_answered():
    s = Session()
    s.to_infusion()
    s.t(60); s.device("spo2", 85)
    asked = s.engine.enter_manual("spo2", 45, "nurse.ana", s.now(), replaces=True)
    assert isinstance(asked, NeedsConfirmation)
    assert "is unusual" in asked.message and "replace the monitor's reading" not in asked.message

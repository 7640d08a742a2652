"""A typed value and the monitor's reading of one vital (issue: a typed 150/95 ended a
diastolic-112 alarm from the monitor 18 s after it was raised, nobody having seen it)."""

from __future__ import annotations

from console.records import AlarmTransition
from console.session.entry import Accepted, NeedsConfirmation
from tests.session.helpers import Session


def test_a_typed_value_while_the_monitors_reading_alarms_asks_first():
    s = Session()
    s.to_infusion()
    s.t(60); s.device("bp_diastolic", 112)        # the monitor: medium alarm
    assert s.shown()[0][:2] == ("bp_diastolic_high", "medium")
    rows = len(s.recorder.records)
    asked = s.manual("bp_diastolic", 95)
    assert isinstance(asked, NeedsConfirmation)
    assert "The monitor's Diastolic BP 112 mmHg has raised an alarm" in asked.message
    assert "Does your typed 95 mmHg replace the monitor's reading?" in asked.message
    assert len(s.recorder.records) == rows        # nothing recorded, the alarm stands
    assert s.shown()[0][:2] == ("bp_diastolic_high", "medium")
    # The nurse says yes: recorded as replacing; the alarm's end says so.
    assert isinstance(s.manual("bp_diastolic", 95, confirmed=True), Accepted)
    typed = s.recorder.observations()[-1]
    assert typed.value == 95 and typed.flags == frozenset({"REPLACES_DEVICE"})
    end = [r for r in s.recorder.records if isinstance(r, AlarmTransition)
           and r.condition == "bp_diastolic_high"][-1]
    assert end.transition == "cleared"
    assert end.message.endswith("(ended by a value typed by nurse.ana, replacing the monitor's reading)")


def test_an_unseen_high_alarm_from_the_monitor_still_latches_after_a_typed_value():
    s = Session()
    s.to_infusion()
    s.t(60); s.device("spo2", 85)
    assert isinstance(s.manual("spo2", 97), NeedsConfirmation)
    s.manual("spo2", 97, confirmed=True)
    assert s.shown() == [("spo2_low", "high", "latched")]   # only the nurse's reset ends it


def test_no_question_without_a_monitor_alarm_on_that_vital():
    s = Session()
    s.to_infusion()
    s.t(60); s.device("spo2", 85)                 # an SpO2 alarm does not concern heart rate
    assert isinstance(s.manual("heart_rate", 80), Accepted)
    s.device("bp_diastolic", 85)                  # the monitor's BP is normal
    assert isinstance(s.manual("bp_diastolic", 95), Accepted)

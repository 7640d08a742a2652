"""When an alarm calls the console's window to the front (console/session/alarm_area.py,
NewAlarmWatch), stepped through a real engine: new alarms, escalations and reminders call; what the
nurse already saw, acknowledgements and prompts do not."""

from __future__ import annotations

from console.session.alarm_area import NewAlarmWatch
from tests.session.helpers import Session

MIN = 60


def watched() -> tuple[Session, NewAlarmWatch]:
    s = Session()
    s.to_infusion()
    watch = NewAlarmWatch()
    assert not watch.update(s.engine.alarms())   # nothing on the board yet
    return s, watch


def test_a_new_alarm_calls_once_and_an_acknowledgement_does_not():
    s, watch = watched()
    s.t(60); s.device("resp_rate", 26)
    assert watch.update(s.engine.alarms())
    # The same alarm, still standing with a new value: the nurse has it in front of her already.
    s.t(70); s.device("resp_rate", 27)
    assert not watch.update(s.engine.alarms())
    s.engine.acknowledge(s.engine.alarms()[0].id, "nurse.ana", s.now())
    assert not watch.update(s.engine.alarms())
    # A second alarm while the first stands calls again.
    s.t(80); s.device("spo2", 89)
    assert watch.update(s.engine.alarms())


def test_an_escalation_to_high_calls_again():
    s, watch = watched()
    s.t(100); s.device("heart_rate", 125)
    assert watch.update(s.engine.alarms())
    for second in range(10, 5 * MIN, 10):
        s.t(100 + second); s.device("heart_rate", 125)
        assert not watch.update(s.engine.alarms()), second
    s.t(100 + 5 * MIN); s.device("heart_rate", 125)
    assert s.shown()[0][:2] == ("heart_rate_high", "high")
    assert watch.update(s.engine.alarms())


def test_a_reminder_of_an_acknowledged_alarm_calls_again():
    s, watch = watched()
    s.t(60); s.device("resp_rate", 26)
    watch.update(s.engine.alarms())
    s.engine.acknowledge(s.engine.alarms()[0].id, "nurse.ana", s.now())
    assert not watch.update(s.engine.alarms())
    s.t(60 + 150)   # the reminder: still present, sounding again
    assert s.shown() == [("resp_rate_high", "medium", "active")]
    assert watch.update(s.engine.alarms())


def test_a_vitals_prompt_does_not_call_until_it_becomes_an_alarm():
    s, watch = watched()
    start = s.now().mono - s.origin
    s.t(start + 10 * MIN)
    assert s.shown() == [("vitals_due:BP and HR", "info", "active")]
    assert not watch.update(s.engine.alarms())
    s.t(start + 15 * MIN)   # overdue by 5 minutes: a medium alarm
    assert s.shown() == [("vitals_due:BP and HR", "medium", "active")]
    assert watch.update(s.engine.alarms())

"""Another monitor's values in a session: kept, and a technical alarm that latches until a nurse
at the bedside resets it (engine `_monitor_identity`). A walk fed a leftover link of another
simulator into a session as "monitor back": 1,449 foreign values, no alarm."""

from __future__ import annotations

from console.clock import Moment
from console.session.alarms import DEVICE_CHANGED, AlarmState
from console.session.journal import describe
from devices.reading import Reading
from protocols.vitals import metric
from tests.session.helpers import Session
from tests.session.test_resume import resume


def reading(s: Session, name: str, value: float, source: str) -> Reading:
    now = s.clock.now()
    return Reading(name, value, metric(name).unit, now.wall, now.wall, source)


def changed(engine) -> list:
    return [o for o in engine.alarms() if o.condition == DEVICE_CHANGED]


def test_another_monitors_values_are_kept_and_latch_a_medium_alarm_until_reset():
    s = Session()
    s.to_infusion()
    s.t(60)
    s.engine.ingest(reading(s, "heart_rate", 72, "hl7:MON-A"), s.now())
    s.t(62)
    s.engine.ingest(reading(s, "heart_rate", 72, "hl7:MON-A"), s.now())
    assert changed(s.engine) == []
    s.manual("heart_rate", 74)   # a typed value is no other monitor
    assert changed(s.engine) == []
    s.t(64)
    row = s.engine.ingest(reading(s, "heart_rate", 118, "hl7:MON-B"), s.now())
    assert row is not None   # kept: nothing handed to the console is lost
    assert s.engine.latest("heart_rate").reading.value == 118
    (alarm,) = changed(s.engine)
    assert alarm.priority.label == "medium" and alarm.state is AlarmState.LATCHED
    assert alarm.message.startswith("Another monitor is sending")
    assert "MON-B" in alarm.detail and "MON-A" in alarm.detail
    (event,) = s.recorder.events("monitor_changed")
    assert event.detail == {"from": "hl7:MON-A", "to": "hl7:MON-B"}
    assert s.engine.audio(s.now()).priority is not None   # it sounds
    # More values of the new monitor: no new alarm.
    s.t(66)
    s.engine.ingest(reading(s, "heart_rate", 117, "hl7:MON-B"), s.now())
    assert [o.id for o in changed(s.engine)] == [alarm.id]
    # The central cannot reset it: the check is at the bedside.
    refused = s.engine.acknowledge_from_central(alarm.id, "bo", "desk", "C-1", s.now())
    assert not refused.done and changed(s.engine)[0].state is AlarmState.LATCHED
    # The nurse at the bedside resets it: it ends.
    assert s.engine.acknowledge(alarm.id, "nurse.ana", s.now()).done
    assert changed(s.engine) == []
    assert [t[1] for t in s.recorder.transitions(DEVICE_CHANGED)] == [
        "raised", "latched", "reset", "cleared"]
    # The first monitor back: another change, another alarm.
    s.t(70)
    s.engine.ingest(reading(s, "heart_rate", 73, "hl7:MON-A"), s.now())
    assert len(changed(s.engine)) == 1


def test_a_restart_keeps_the_change_latched_and_knows_the_monitor_it_was_reading():
    s = Session()
    s.to_infusion()
    s.t(60)
    s.engine.ingest(reading(s, "spo2", 97, "hl7:MON-A"), s.now())
    s.t(62)
    s.engine.ingest(reading(s, "spo2", 96, "hl7:MON-B"), s.now())
    (before,) = changed(s.engine)
    engine = resume(s, 30, reads_device=True)
    (after,) = changed(engine)
    assert (after.id, after.state) == (before.id, AlarmState.LATCHED)
    # The monitor read before the stop sends again: no change.
    now = s.clock.now()
    engine.ingest(Reading("spo2", 96, "%", now.wall, now.wall, "hl7:MON-B"),
                  Moment(now.mono, now.wall))
    assert [o.id for o in changed(engine)] == [before.id]


def test_the_event_list_says_a_change_of_monitor_in_words():
    # Review 40: the bedside's event list showed the log's kind and a Python dict,
    # "monitor_changed: {'from': 'hl7:MON-A', 'to': 'hl7:MON-B'}", beside the alarm it latched.
    s = Session()
    s.to_infusion()
    s.t(60)
    s.engine.ingest(reading(s, "heart_rate", 72, "hl7:MON-A"), s.now())
    s.t(62)
    s.engine.ingest(reading(s, "heart_rate", 118, "hl7:MON-B"), s.now())
    (event,) = s.recorder.events("monitor_changed")
    assert describe(event) == "Another monitor is sending: hl7:MON-B (was hl7:MON-A)"

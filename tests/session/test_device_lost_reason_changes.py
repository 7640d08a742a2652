"""A monitor still lost for another reason than its alarm says (review 44): its profile removed
("not installed"), then put back with a typo in its code map ("cannot be used"). The alarm kept
the first reason, sending IT to copy the file once more."""
from __future__ import annotations

from console.records import AlarmTransition
from console.session.engine import DEVICE_LOST, SessionEngine
from tests.session.helpers import Session
from tests.session.test_resume import occurrence_rows, resume

NOT_INSTALLED = "unknown monitor 'chair3-pvm' for loop://: no such profile"
UNUSABLE = "unusable monitor 'chair3-pvm' for loop://: chair3-codes.toml: line 1: '[codes'"
SAYS_NOT_INSTALLED = "Device disconnected: profile not installed"
SAYS_UNUSABLE = "Device disconnected: profile cannot be used"


def lost_alarm(engine: SessionEngine) -> tuple[int, str, str, str]:
    lost = engine.board.occurrence_for(DEVICE_LOST)
    assert lost is not None
    return lost.id, lost.priority.label, lost.state.value, lost.message


def lost_on_removed_profile() -> tuple[Session, int]:
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("disconnected", s.now(), NOT_INSTALLED)
    lost = s.engine.board.occurrence_for(DEVICE_LOST)
    assert lost is not None and lost.message == SAYS_NOT_INSTALLED
    return s, lost.id


def test_a_new_reason_rewords_the_standing_alarm_and_is_logged():
    s, lost = lost_on_removed_profile()
    assert s.engine.acknowledge(lost, "nurse.ana", s.now()).done
    logged = len(s.recorder.events("device_state"))
    s.t(s.now().mono - s.origin + 5)
    s.engine.device_state_changed("disconnected", s.now(), UNUSABLE)
    # The same occurrence, at its priority, still acknowledged: nothing sounds anew.
    assert lost_alarm(s.engine) == (lost, "medium", "acknowledged", SAYS_UNUSABLE)
    assert occurrence_rows(s, lost) == ["raised", "acknowledged"]
    events = s.recorder.events("device_state")
    assert len(events) == logged + 1
    # (and where it came among the readings, for a restart: `observations_before`)
    assert (events[-1].detail["state"], events[-1].detail["detail"]) == ("disconnected", UNUSABLE)
    # Removed after being broken: back to "not installed".
    s.engine.device_state_changed("disconnected", s.now(), NOT_INSTALLED)
    assert lost_alarm(s.engine) == (lost, "medium", "acknowledged", SAYS_NOT_INSTALLED)


def test_the_same_reason_again_or_another_repeated_state_is_no_news():
    s, lost = lost_on_removed_profile()
    logged = len(s.recorder.records)
    s.engine.device_state_changed("disconnected", s.now(), NOT_INSTALLED)
    s.engine.device_state_changed("disconnected", s.now(),
                                  "unknown monitor 'chair3-pvm' for loop://: another wording")
    s.engine.device_state_changed("disconnected", s.now(), "")   # no reason: keeps the one said
    assert len(s.recorder.records) == logged
    assert lost_alarm(s.engine) == (lost, "medium", "active", SAYS_NOT_INSTALLED)
    s.engine.device_state_changed("connecting", s.now(), "opened /dev/ttyUSB0")
    logged = len(s.recorder.records)
    s.engine.device_state_changed("connecting", s.now(), "opened /dev/ttyUSB0")
    assert len(s.recorder.records) == logged


def test_a_restart_puts_back_the_newest_words():
    s, lost = lost_on_removed_profile()
    s.t(s.now().mono - s.origin + 5)
    s.engine.device_state_changed("disconnected", s.now(), UNUSABLE)
    engine = resume(s, 20, reads_device=True)
    assert lost_alarm(engine) == (lost, "medium", "active", SAYS_UNUSABLE)


def test_a_restart_reading_no_monitor_ends_the_alarm_in_its_newest_words():
    s, lost = lost_on_removed_profile()
    s.engine.device_state_changed("disconnected", s.now(), UNUSABLE)
    resume(s, 20)
    cleared = [t for t in s.recorder.records
               if isinstance(t, AlarmTransition) and t.occurrence == lost][-1]
    assert cleared.transition == "cleared"
    assert cleared.message.startswith(SAYS_UNUSABLE + " (ended by the restart")

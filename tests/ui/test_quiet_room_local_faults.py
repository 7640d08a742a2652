"""Quiet room: soft tones only for alarms a central station confirms (README "Quiet room").

A Console fault the engine could not take, or one after the discharge, is sounded by the bedside
alone: it is not in the log, so no PCD-04 goes to the central and the chair's status (engine
alarms only) does not list it. It played the 12 dB softer burst all the same: nothing awaited a
confirmation of it, so the link kept allowing soft tones for an alarm nobody else heard."""

from __future__ import annotations

import sys

import pytest

from console.ui.audio import AlarmSounder, RecordingAudioOut
from console.ui.controller import SessionController
from tests.session.helpers import LockedLog, Session


class Bug(Exception):
    """The engine cannot take the fault."""


def quiet_room() -> tuple[Session, SessionController, RecordingAudioOut, AlarmSounder]:
    s = Session()
    s.to_infusion()
    controller = SessionController(s.engine, s.clock)
    out = RecordingAudioOut()
    sounder = AlarmSounder(out)
    sounder.bind(controller)
    sounder.set_quiet(True)   # as the link allows while a central confirms every alarm
    return s, controller, out, sounder


def names(out: RecordingAudioOut) -> list[str]:
    return [p.file_name for p in out.played]


def test_a_fault_the_engine_could_not_take_sounds_at_full_volume_in_a_quiet_room(
        monkeypatch: pytest.MonkeyPatch) -> None:
    s, controller, out, _sounder = quiet_room()
    s.t(10)
    s.manual("heart_rate", 115)   # a medium alarm: sent to the central, soft
    controller.changed.emit()
    assert names(out) == ["medium-quiet.wav"]

    def broken(*args: object, **kwargs: object) -> None:
        raise Bug("engine cannot take it")

    monkeypatch.setattr(s.engine, "console_fault", broken)
    controller.console_fault("RuntimeError: redraw failed")
    assert all(o.id >= 0 for o in controller.view.alarms())   # the central never hears of it
    assert names(out)[-1] == "high.wav"
    # Acknowledged: the medium alarm the central has sounds softly again.
    [fault] = controller.fallback_alarms(s.now())
    assert controller.acknowledge(fault.id).done
    assert names(out)[-1] == "medium-quiet.wav"


def test_a_fault_after_the_discharge_sounds_at_full_volume_in_a_quiet_room() -> None:
    s, controller, out, _sounder = quiet_room()
    s.t(10)
    assert controller.discharge(override_reason="test: transfer").done
    controller.console_fault("RuntimeError: redraw failed")
    assert controller.fallback_faults and "after the discharge" in controller.fallback_faults[0]
    assert names(out)[-1] == "high.wav"


def test_a_fault_sounds_at_full_volume_while_the_engine_cannot_say_what_sounds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The engine broken throughout: the speaker plays high (`SessionController.audio`), its
    # fault among what sounds.
    s, controller, out, _sounder = quiet_room()
    s.t(10)

    def broken(*args: object, **kwargs: object) -> None:
        raise Bug("engine broken")

    monkeypatch.setattr(sys, "excepthook", lambda *exc: None)   # the crash report: not tested
    monkeypatch.setattr(s.engine, "console_fault", broken)
    monkeypatch.setattr(s.engine, "audio", broken)
    controller.console_fault("Bug: engine broken")
    assert names(out)[-1] == "high.wav"


def test_an_alarm_held_by_a_locked_log_sounds_at_full_volume_in_a_quiet_room() -> None:
    # Held in memory, its PCD-04 is in no outbox: no central is sent it nor confirms it, and it
    # played 12 dB softer for as long as the log stayed locked (a review).
    s, controller, out, _sounder = quiet_room()
    s.t(10)
    s.manual("heart_rate", 115)   # logged, sent to the central: soft
    controller.changed.emit()
    assert names(out) == ["medium-quiet.wav"]
    s.engine.writes.recorder = LockedLog()
    s.t(20)
    s.manual("spo2", 84)          # held: the log is locked
    controller.changed.emit()
    assert s.engine.unsaved
    assert names(out)[-1] == "high.wav"
    high = next(o for o in controller.view.alarms() if o.condition == "spo2_low")
    assert controller.acknowledge(high.id).done   # held too: full volume still
    assert names(out)[-1] == "medium.wav"

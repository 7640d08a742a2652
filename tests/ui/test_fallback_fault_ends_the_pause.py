"""The controller hands the engine's alarms to the fallback faults: after a fault the engine could
not take broke through an F3 pause and was acknowledged, the patient's medium alarm sounds again
(the engine's rule: a higher alarm breaking through ends the pause)."""

from __future__ import annotations

import pytest

from console.ui.controller import SessionController
from protocols.model import Priority
from tests.session.helpers import Session


class Bug(Exception):
    """The engine cannot take the fault."""


def test_after_a_fallback_fault_broke_through_the_paused_medium_sounds_again(
        monkeypatch: pytest.MonkeyPatch, qtbot: object) -> None:
    s = Session()
    s.to_infusion()
    controller = SessionController(s.engine, s.clock)
    s.t(10)
    s.manual("heart_rate", 115)   # a medium alarm, sounding
    assert controller.audio(s.now()).priority is Priority.MEDIUM
    assert controller.pause_audio().done   # F3
    s.t(20)
    assert controller.audio(s.now()).priority is None

    def broken(*args: object, **kwargs: object) -> None:
        raise Bug("engine cannot take it")

    monkeypatch.setattr(s.engine, "console_fault", broken)
    controller.console_fault("RuntimeError: redraw failed")
    assert controller.audio(s.now()).priority is Priority.HIGH   # through the pause
    [fault] = controller.fallback_alarms(s.now())
    controller.acknowledge(fault.id)   # F2 on the fault
    s.t(30)
    signal = controller.audio(s.now())
    assert signal.priority is Priority.MEDIUM and signal.paused_seconds_left is None

"""Rows of the equipment field at 1366x768 that were cut before what they ask: esketamine's
"move on" (devices given and rested, the phase not moved on, so Observation's vitals checks have
not started) read "** Nasal devices: all 2 devices given; move to the…", its prompt "Nasal
devices: all 2 devices given and rested; mo…", and a restart's clock behind the log "* Station
clock is behind this session's log: check…". Each says what it asks in fewer words (the move
first), the whole on hover."""

from __future__ import annotations

import pytest

from console.session.journal import Journal
from console.ui.controller import SessionController
from tests.session.test_esketamine_checks_from_t0 import MOVE_ON, _devices_given
from tests.session.test_scores_since_dose import HOUR, Run
from tests.ui.conftest import Answers


def shown(qtbot, r: Run, size: tuple[int, int]):
    from console.ui.live_window import LiveWindow   # noqa: PLC0415 - Qt widgets for UI tests only

    window = LiveWindow(SessionController(r.engine, r.clock), Journal(r.log), Answers(),
                        Answers())
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.refresh()
    qtbot.waitExposed(window)
    return window


def the_row(window, condition: str) -> tuple[str, str]:
    """The row of `condition` in the equipment field: as drawn, and whole (its tooltip)."""
    from console.ui.alarm_bar import OCCURRENCE_ROLE   # noqa: PLC0415

    controller = window.controller
    [wanted] = [o.id for o in controller.alarms(controller.clock.now())
                if o.condition == condition]
    field = window.alarm_bar.equipment
    items = [field.list.item(i) for i in range(field.list.count())]
    [index] = [i for i, item in enumerate(items) if item.data(OCCURRENCE_ROLE) == wanted]
    return field.drawn_texts()[index], items[index].text()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
@pytest.mark.parametrize(("minute", "marks"), [(20, ""), (25, "** ")])
def test_the_move_on_row_says_to_move_to_the_next_phase_and_why(qtbot, tmp_path, size, minute,
                                                                marks):
    r = _devices_given(tmp_path)   # device 2 at 15 min: rested at 20 (a prompt), medium at 25
    r.at(minute)
    window = shown(qtbot, r, size)
    drawn, whole = the_row(window, MOVE_ON)
    assert whole.startswith(f"{marks}Nasal devices: all 2 devices given")
    assert not drawn.endswith("…"), drawn
    assert "next phase" in drawn.lower(), drawn
    if marks:   # the alarm says why it is one
        assert "vitals checks" in drawn and "not started" in drawn, drawn


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_clock_behind_row_says_what_to_check(qtbot, tmp_path, size):
    r = _devices_given(tmp_path)
    r.step_wall(-HOUR)
    r.restart()
    window = shown(qtbot, r, size)
    drawn, whole = the_row(window, "clock_behind")
    assert whole == "* Station clock is behind this session's log: check its date and time"
    assert not drawn.endswith("…"), drawn
    assert drawn.endswith("check its date and time"), drawn

"""The quiet room's network alarm in the equipment field at 1366x768 (console/network/link.py
words it, its problems joined with "; "): the row was cut before what changed for the room,
"** No central station online: bedside alarms at fu…", "** Clinic bus not confirming delivery;
central stat…". The row says it in fewer words, the full volume read, the whole on hover."""

from __future__ import annotations

import pytest

from console.session.alarms import Raise
from protocols.model import Priority
from tests.ui.conftest import shown_live_window


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
@pytest.mark.parametrize("message", [
    "No central station online: bedside alarms at full volume",
    "Central station not confirming alarms: bedside alarms at full volume",
    "Clinic bus not confirming delivery; central station not confirming alarms: bedside alarms "
    "at full volume",
    "Clinic bus not confirming delivery; no central station online: bedside alarms at full "
    "volume",
])
def test_the_full_volume_is_read_whole_in_the_alarm_row(qtbot, live, size, message):
    controller, journal, clock, log = live
    controller.network_status(Raise(Priority.MEDIUM, message), "bus: connected")
    window = shown_live_window(qtbot, live, size)
    [drawn] = window.alarm_bar.equipment.drawn_texts()
    assert not drawn.endswith("…"), drawn
    assert "full volume" in drawn.lower(), drawn
    assert window.alarm_bar.rows() == [f"** {message}"]   # the whole, the row's tooltip

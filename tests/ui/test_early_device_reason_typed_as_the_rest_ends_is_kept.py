"""A device's "why given now", typed while the rest runs out, is logged with its tick: the panel
asks it and ticks again at the new time, when the rest has run, and the reason had been dropped
without a word (an esketamine review; console/ui/checklist_panel.py `_on_item_changed`)."""

from __future__ import annotations

import sqlite3

from PySide6 import QtCore

from tests.conftest import _cycles_freed_on_the_main_thread, _own_user_folders  # noqa: F401
from tests.ui.conftest import Answers, live_esketamine  # noqa: F401
from tests.ui.test_checklist_panel import device_row, shown_panel, ticked_ids

Key = QtCore.Qt.Key
EARLY = "Device given before the rest ended"
REASON = "patient had to leave for a taxi"


def test_the_reason_a_device_was_given_early_is_kept_when_the_rest_ends_while_it_is_typed(
        qtbot, live_esketamine):  # noqa: F811
    controller, journal, clock, log = live_esketamine
    assert controller.advance_phase(override_reason="test").done   # T0, the devices
    assert controller.tick_item("device-1", note="LOT-1").done
    answers = Answers()
    panel = shown_panel(qtbot, controller, answers)
    clock.advance(4 * 60 + 40)          # device 2 given 4:40 after device 1
    panel.refresh()
    panel.items.setCurrentRow(device_row(panel, "device-2"))
    panel.items.setFocus()
    asked = []

    def ask(title, message, action="Record", refresh=None):
        asked.append(title)
        if title == EARLY:
            clock.advance(30)           # she types why: 30 s, past the rest's end
            return REASON
        return "LOT-2"

    answers.ask = ask
    qtbot.keyClick(panel.items, Key.Key_Space)
    assert asked == ["Lot number", EARLY]
    with sqlite3.connect(log.path) as conn:
        kept = conn.execute(
            "SELECT json_extract(detail, '$.note'), json_extract(detail, '$.early.reason') "
            "FROM events WHERE kind = 'checklist_ticked' ORDER BY id DESC LIMIT 1").fetchone()
    assert kept == ("LOT-2", REASON)
    assert ticked_ids(log) == ["device-1", "device-2"]

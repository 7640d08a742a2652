"""Undo of a score put right from the Events tab within its 10 s: Undo was still offered, and
pressed it answered "Not undone: Sedation (MOAA/S) observation #1 is not one of this session's
recent values: correct it from the Events tab." (an internal row number, and Correct… is off for
that row: "corrected already"). The offer goes with the correction; pressed before the panel has
seen it, the refusal says what happened. Time moves only on the test's clock; the 2 Hz tick is
fired by hand."""

from __future__ import annotations

from PySide6 import QtCore

from console.session.entry import Accepted
from tests.ui.test_entry_observations import LEFT, click, panel_for, rows


def test_a_score_corrected_from_the_events_tab_is_no_longer_offered_for_undo(qtbot, live):
    controller, journal, clock, log = live
    panel = panel_for(qtbot, controller)
    # The mis-click: MOAA/S 1, Undo offered.
    click(qtbot, panel, "moaas", 1)
    offer = panel.undo_offered()
    assert offer is not None and panel.undo_button.isVisibleTo(panel)
    # Three seconds later it is put right from the Events tab (Correct…, MOAA/S 4).
    clock.advance(3)
    verdict = controller.correct(offer.row_id, "moaas", 4.0, "mis-click, responds to name")
    assert isinstance(verdict, Accepted), verdict
    # Nothing is left to undo: the corrected row counts nowhere, its correction stands.
    assert panel.undo_offered() is None and not panel.undo_button.isVisibleTo(panel)
    assert controller.view.latest("moaas").reading.value == 4


def test_a_score_entered_in_error_from_the_events_tab_is_no_longer_offered_for_undo(qtbot, live):
    controller, journal, clock, log = live
    panel = panel_for(qtbot, controller)
    click(qtbot, panel, "nausea", 2)
    offer = panel.undo_offered()
    assert offer is not None
    clock.advance(2)
    assert controller.void(offer.row_id, "nausea", "wrong chair").done
    assert panel.undo_offered() is None and not panel.undo_button.isVisibleTo(panel)


def test_undo_pressed_on_a_score_corrected_since_says_it_was_corrected(qtbot, live):
    controller, journal, clock, log = live
    panel = panel_for(qtbot, controller)
    click(qtbot, panel, "moaas", 1)
    offer = panel.undo_offered()
    clock.advance(3)
    # Corrected, and Undo pressed before the panel has heard of it (the 2 Hz tick not come).
    with QtCore.QSignalBlocker(controller):
        controller.correct(offer.row_id, "moaas", 4.0, "mis-click, responds to name")
    assert panel.undo_button.isVisibleTo(panel)
    qtbot.mouseClick(panel.undo_button, LEFT)
    text = panel.message.text()
    assert text.startswith("Not undone: This Sedation (MOAA/S) value was corrected to 4 "), text
    assert text.endswith(": select that correction to correct it again."), text
    assert "#" not in text and "correct it from the Events tab" not in text
    # Nothing written: the correction stands, no entered-in-error.
    assert rows(log, "SELECT count(*) FROM events WHERE kind = 'entered_in_error'") == [(0,)]
    assert controller.view.latest("moaas").reading.value == 4
    assert panel.undo_offered() is None

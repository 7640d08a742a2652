"""Keyboard only at the chair: Tab reaches "Next phase", "Discharge", "New session" and the
observation buttons, and Return on the focused one did nothing at all, no question and no
message (a button outside a dialog takes Return only when auto-default); only Space worked,
which nothing said. The start page's and the fault bar's buttons take Return (review 39); the
live window's do too, and Return in a field of the entry form still records what it holds."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from protocols.model import PhaseKind
from tests.ui.conftest import Answers, ready_for_t0, shown_live_window

Key = QtCore.Qt.Key


def focused_window(qtbot, live, answers):
    window = shown_live_window(qtbot, live, (1366, 768), asker=answers)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def return_on(qtbot, button) -> None:
    """Tab brought the keyboard to `button`; the nurse presses Return."""
    assert button.isEnabled()
    button.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(button.hasFocus)
    qtbot.keyClick(button, Key.Key_Return)


def test_return_on_next_phase_asks_what_space_asks(qtbot, live):
    controller, _journal, _clock, _log = live
    answers = Answers()
    window = focused_window(qtbot, live, answers)
    ready_for_t0(controller)
    window.refresh()
    answers.yes = False   # "Start Infusion (T0) now?": not yet
    return_on(qtbot, window.checklist.next_button)
    assert answers.asked and answers.asked[-1].startswith("Start Infusion (T0) now?")
    assert window.checklist.message.text() == "Not started: the pre-session checks go on."


def test_return_on_discharge_then_on_new_session(qtbot, live):
    controller, _journal, _clock, _log = live
    answers = Answers()
    window = focused_window(qtbot, live, answers)
    while controller.view.phase.kind is not PhaseKind.DISCHARGE:
        assert controller.advance_phase(override_reason="test").done
    window.refresh()
    return_on(qtbot, window.checklist.discharge_button)   # refused: the reason is asked
    assert answers.asked and answers.asked[-1].startswith("Discharge refused:")
    assert controller.discharge(override_reason="transfer").done
    window.refresh()
    with qtbot.waitSignal(window.new_session_requested, timeout=1000):
        return_on(qtbot, window.new_session_button)


def test_return_on_an_observation_button_records_it_and_in_a_field_records_the_field(
        qtbot, live):
    controller, _journal, _clock, _log = live
    answers = Answers()
    window = focused_window(qtbot, live, answers)
    entry = window.entry
    return_on(qtbot, entry.observation_buttons[("moaas", 4)])
    assert controller.view.latest("moaas").reading.value == 4
    assert entry.message.text().startswith("Recorded: ")
    # Return in the BP field records the field, as before: no button of the window takes it.
    bp = entry.fields["bp"]
    bp.setFocus()
    qtbot.waitUntil(bp.hasFocus)
    qtbot.keyClicks(bp, "124/80")
    qtbot.keyClick(bp, Key.Key_Return)
    assert controller.view.latest("bp_systolic").reading.value == 124
    assert controller.view.latest("moaas").reading.value == 4   # not recorded again
    assert answers.asked == [] and controller.view.phase.kind is PhaseKind.PRE


def test_a_return_just_after_the_discharge_does_not_leave_the_ended_record(qtbot, live):
    """The discharge disabled the focused Discharge button and Qt handed the keyboard to "New
    session": the Return the nurse typed next (a walk at 1366x768) left the ended record for
    the start page. Tabbed to, New session still takes Return (above)."""
    controller, _journal, _clock, _log = live
    answers = Answers()
    window = focused_window(qtbot, live, answers)
    while controller.view.phase.kind is not PhaseKind.DISCHARGE:
        assert controller.advance_phase(override_reason="test").done
    window.refresh()
    button = window.checklist.discharge_button
    button.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(button.hasFocus)
    # "Discharge anyway" in its question: the question holds the keyboard while the session
    # ends, and gives it back to the window, whose focused button is disabled by then.
    question = QtWidgets.QDialog(window)
    question.show()
    question.activateWindow()
    qtbot.waitUntil(question.isActiveWindow)
    assert controller.discharge(override_reason="transfer").done
    window.refresh()
    question.accept()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    asked = []
    window.new_session_requested.connect(lambda: asked.append(True))
    qtbot.keyClick(window.focusWidget() or window, Key.Key_Return)
    qtbot.wait(50)
    assert not window.new_session_button.hasFocus()
    assert asked == []


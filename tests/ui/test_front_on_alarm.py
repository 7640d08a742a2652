"""An alarm brings the console's window back over another program's (the review it started with
Ctrl+R, a browser): the alarm area must not stay hidden. The keyboard then rests on the live window,
not in the vitals form, so keys typed for the other window cannot record a value here."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.ui.entry_panel import DialogConfirmer
from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture

SESSION = ("--protocol", "iv-ketamine", "--patient", "MRN-1", "--weight", "80", "--nurse", "ana")


def active_window() -> QtWidgets.QWidget | None:
    return QtWidgets.QApplication.activeWindow()


def in_front(qtbot, window: QtWidgets.QWidget) -> None:
    window.show()
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(lambda: active_window() is window)


def typing_in_bp(started, tmp_path, qtbot):
    """The console in front with the keyboard in its BP field: (window, field)."""
    window = started(options(tmp_path, *SESSION))
    in_front(qtbot, window)
    bp_field = window.findChild(QtWidgets.QLineEdit, "entry_bp")
    bp_field.setFocus()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.focusWidget() is bp_field)
    return window, bp_field


def test_a_new_alarm_brings_the_console_over_the_review_without_the_keyboard_in_a_field(
        started, tmp_path, qtbot):
    window, bp_field = typing_in_bp(started, tmp_path, qtbot)
    review = QtWidgets.QWidget()   # the review's window, in front of the console
    qtbot.addWidget(review)
    review.resize(1366, 768)
    in_front(qtbot, review)

    window.controller.enter_manual("spo2", 88)   # typed earlier, logged now: a high alarm
    qtbot.waitUntil(lambda: active_window() is window)
    assert window.fronted == 1
    # Keys meant for the review now land on the live window, which records nothing.
    assert QtWidgets.QApplication.focusWidget() is window.live
    qtbot.keyClicks(window.live, "150/90")
    assert bp_field.text() == ""

    # The same alarm acknowledged and standing calls nobody back.
    window.controller.acknowledge_all()
    in_front(qtbot, review)
    window.controller.enter_manual("spo2", 87)
    assert window.fronted == 1 and active_window() is review


def test_an_alarm_while_the_nurse_types_at_the_console_leaves_her_field_alone(
        started, tmp_path, qtbot):
    window, bp_field = typing_in_bp(started, tmp_path, qtbot)
    qtbot.keyClicks(bp_field, "150/9")
    window.controller.enter_manual("spo2", 88)
    assert window.fronted == 1
    assert QtWidgets.QApplication.focusWidget() is bp_field
    qtbot.keyClicks(bp_field, "0")
    assert bp_field.text() == "150/90"


def test_a_minimised_console_is_shown_again_by_an_alarm(started, tmp_path, qtbot):
    window = started(options(tmp_path, *SESSION))
    in_front(qtbot, window)
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)
    window.controller.enter_manual("spo2", 88)
    assert not window.isMinimized()


def test_an_alarm_leaves_a_question_of_the_console_where_it_is(started, tmp_path, qtbot):
    window = started(options(tmp_path, *SESSION))
    in_front(qtbot, window)
    question = QtWidgets.QDialog(window)   # e.g. "Confirm an unusual value"
    qtbot.addWidget(question)
    in_front(qtbot, question)
    window.controller.enter_manual("spo2", 88)
    assert window.fronted == 1 and active_window() is question


def test_keys_typed_on_for_the_review_do_not_answer_a_question_the_alarm_brought_back(
        started, tmp_path, qtbot):
    """The nurse left "Confirm an unusual value" open and went to the review; an alarm brings the
    console back and the question takes the keyboard. "150/90" and Enter, typed on for the
    review, must not answer it; after a second of quiet, keys reach it again."""
    window = started(options(tmp_path, *SESSION))
    window.clock = clock = ManualClock()   # the window's own clock: the guard reads it
    in_front(qtbot, window)
    question, _ = DialogConfirmer(window).build("Systolic 250 mmHg is outside 60-240. Record it?")
    qtbot.addWidget(question)
    question.setWindowModality(QtCore.Qt.WindowModality.ApplicationModal)
    question.show()
    review = QtWidgets.QWidget()
    qtbot.addWidget(review)
    in_front(qtbot, review)

    window.controller.enter_manual("spo2", 88)   # a high alarm
    assert window.fronted == 1 and window.type_ahead is not None
    # A window manager hands the keyboard to the modal question (offscreen Qt has none).
    in_front(qtbot, question)
    qtbot.keyClicks(question, "150/90")
    qtbot.keyClick(question, QtCore.Qt.Key.Key_Return)
    assert question.isVisible() and question.clickedButton() is None
    assert window.type_ahead.dropped == 7

    clock.advance(1.0)   # the keyboard quiet for a second: the nurse answers
    qtbot.keyClick(question, QtCore.Qt.Key.Key_Return)
    assert not question.isVisible()

    # The guard belonged to that question: the next one, at once, hears its first key.
    second, _ = DialogConfirmer(window).build("Heart rate 190/min is outside 30-180. Record it?")
    qtbot.addWidget(second)
    second.show()
    in_front(qtbot, second)
    qtbot.keyClick(second, QtCore.Qt.Key.Key_Return)
    assert not second.isVisible()

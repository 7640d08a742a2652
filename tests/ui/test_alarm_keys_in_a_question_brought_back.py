"""An alarm brings the console back over another program while a question of the console's is
open ("Confirm an unusual value"): the question takes the keyboard, and the type-ahead guard drops
the keys typed on for the other program for a quiet second (console/ui/window_front.py). F2 and
F3 are no such keys: they are the alarm's own, and work "from anywhere in the window, also in a
dialog it opened" (README). The guard dropped them too, and each press began its quiet second
again: F2 at 0.4 s and again at 1.0 s acknowledged nothing while the high alarm sounded on."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.ui.entry_panel import DialogConfirmer
from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture
from tests.ui.test_front_on_alarm import SESSION, in_front

Key = QtCore.Qt.Key


def acknowledged(window) -> int:
    return window.log.conn.execute(
        "SELECT count(*) FROM alarm_events WHERE transition = 'acknowledged'").fetchone()[0]


def test_f2_and_f3_in_a_question_an_alarm_brought_back_act_on_the_alarm_at_once(
        started, tmp_path, qtbot):
    window = started(options(tmp_path, *SESSION))
    window.clock = clock = ManualClock()   # the window's own clock: the guard reads it
    in_front(qtbot, window)
    question, _ = DialogConfirmer(window).build("Systolic 250 mmHg is outside 60-240. Record it?")
    qtbot.addWidget(question)
    question.setWindowModality(QtCore.Qt.WindowModality.ApplicationModal)
    question.show()
    review = QtWidgets.QWidget()   # the review, in front of the console
    qtbot.addWidget(review)
    in_front(qtbot, review)

    window.controller.enter_manual("spo2", 85)   # a high alarm calls the console back
    assert window.fronted == 1 and window.type_ahead is not None
    # A window manager hands the keyboard to the modal question (offscreen Qt has none).
    in_front(qtbot, question)
    focus = question.defaultButton()
    focus.setFocus()
    qtbot.waitUntil(focus.hasFocus)
    bar = window.live.alarm_bar

    clock.advance(0.4)   # she sees the red row and presses F2: acknowledged at once
    qtbot.keyClick(focus, Key.Key_F2)
    assert acknowledged(window) == 1
    assert bar.rows()[0].endswith("· acknowledged")
    clock.advance(0.1)   # F3 pauses the audio as well
    qtbot.keyClick(focus, Key.Key_F3)
    assert bar.pause_button.text().startswith("Audio paused")
    assert question.isVisible()   # the question still waits, as it should

    # F2 and F3 are not typing: a second after the console came back, with nothing typed,
    # the guard has let go and the nurse's Return answers the question.
    clock.advance(0.5)
    qtbot.keyClick(focus, Key.Key_Return)
    assert not question.isVisible()
    assert window.type_ahead.dropped == 0

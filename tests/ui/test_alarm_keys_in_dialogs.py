"""F2 and F3 in a dialog the live window opened (review 45). A window's shortcuts stop at a modal
dialog: a high alarm raised while the nurse typed her PIN for a signature could not be
acknowledged nor its audio paused until she cancelled the signature; the same in the "Confirm an
unusual value" question. Acknowledging never waits for anything else on screen (README: "F2 and
F3 work from anywhere in the window"; console/ui/alarm_bar.py `DialogAlarmKeys`)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.session.entry import Accepted
from console.ui.entry_panel import DialogConfirmer
from console.ui.signature_dialog import DialogSignatureService
from tests.ui.test_lock_screen import chair  # noqa: F401 (fixture)


def _press_in(dialog: QtWidgets.QWidget, focus: QtWidgets.QWidget, key: QtCore.Qt.Key,
              qtbot) -> None:
    """As on a real desktop: the modal dialog is the active window, `focus` has the keys."""
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is dialog, timeout=3000)
    focus.setFocus()
    qtbot.waitUntil(focus.hasFocus, timeout=3000)
    qtbot.keyClick(focus, key)


def test_f2_in_the_open_signature_dialog_acknowledges_the_high_alarm(chair, qtbot):  # noqa: F811
    controller = chair.controller
    verdict, row = controller.enter_manual_row("heart_rate", 88)
    assert isinstance(verdict, Accepted) and row is not None
    service = DialogSignatureService(chair.window)
    controller.signature_service = service
    seen: dict[str, object] = {}

    def at_the_dialog() -> None:
        dialog = service.last
        assert dialog is not None and dialog.isVisible()
        # The monitor reads a high heart rate while she types her PIN: a high alarm sounds.
        controller.enter_manual("heart_rate", 160, confirmed=True)
        seen["alarm"] = [a.condition for a in controller.view.alarms()]
        _press_in(dialog, dialog.secret, QtCore.Qt.Key.Key_F2, qtbot)
        seen["ack"] = chair.rows("SELECT count(*) FROM alarm_events "
                                 "WHERE transition = 'acknowledged'")[0][0]
        seen["still open"] = dialog.isVisible()
        dialog.reject()

    QtCore.QTimer.singleShot(0, at_the_dialog)
    controller.correct(row, "heart_rate", 68, "typed 88, monitor read 68")
    assert seen["alarm"], "no alarm was raised: the test's premise failed"
    assert seen["ack"] == 1, "F2 pressed in the signature dialog acknowledged nothing"
    assert seen["still open"] is True   # the signature is not cancelled by it


def test_f3_in_a_question_pauses_the_audio(chair, qtbot):  # noqa: F811
    controller = chair.controller
    controller.enter_manual("heart_rate", 160, confirmed=True)   # a high alarm sounds
    assert controller.view.alarms()
    confirmer = DialogConfirmer(chair.window.entry)
    box, _record = confirmer.build("Heart rate 35 /min: record it?")
    seen: dict[str, object] = {}

    def at_the_question() -> None:
        _press_in(box, box.defaultButton(), QtCore.Qt.Key.Key_F3, qtbot)
        seen["paused"] = chair.window.alarm_bar.pause_button.text()
        seen["still open"] = box.isVisible()
        box.reject()

    QtCore.QTimer.singleShot(0, at_the_question)
    box.exec()
    assert seen["paused"] == "Audio paused 2:00 min", "F3 pressed in the question paused nothing"
    assert seen["still open"] is True

"""Return on a focused Cancel (or Close) does that button, never the dialog's default (review
46): the Cancel of the signature and sign-in dialogs was not auto-default, so Qt handed its
Return to the dialog, which clicked Sign: a PIN typed, Tab to Cancel, Return, and the override,
the discharge against the gate or the correction was signed. The staff administration's Close
clicked Add account the same way."""

from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.session.signing import SignatureRequest
from console.ui.signature_dialog import SignatureDialog
from console.ui.staff_dialogs import SignInDialog, StaffAdminDialog
from tests.ui.test_lock_screen import ADMIN
from tests.ui.test_staff_admin import NOW, log, staff  # noqa: F401 - the fixtures

Key = QtCore.Qt.Key


def shown(qtbot, dialog: QtWidgets.QDialog) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)


def tab_to_cancel_and_return(qtbot, secret: QtWidgets.QLineEdit,
                             cancel: QtWidgets.QPushButton) -> None:
    secret.setFocus()
    qtbot.keyClicks(secret, "2468")
    qtbot.keyClick(secret, Key.Key_Tab)
    assert cancel.hasFocus()   # the next in the tab order
    qtbot.keyClick(cancel, Key.Key_Return)


def test_return_on_the_signatures_cancel_cancels(qtbot):
    checked = []
    dialog = SignatureDialog(
        SignatureRequest(("discharge against the discharge gate",), "'MRN-7'", "Pat Prescriber"),
        lambda name, secret: checked.append((name, secret)))
    shown(qtbot, dialog)
    tab_to_cancel_and_return(qtbot, dialog.secret, dialog.cancel_button)
    assert checked == [] and not dialog.approved and not dialog.isVisible()
    assert dialog.result() == QtWidgets.QDialog.DialogCode.Rejected


def test_return_on_the_sign_ins_cancel_cancels(qtbot):
    checked = []
    dialog = SignInDialog("Sign in", "intro", lambda name, secret: checked.append((name, secret)))
    dialog.name.setText("Ada Admin")
    shown(qtbot, dialog)
    tab_to_cancel_and_return(qtbot, dialog.secret, dialog.cancel_button)
    assert checked == [] and not dialog.signed_in and not dialog.isVisible()


def test_return_in_the_pin_still_signs(qtbot):
    checked = []
    dialog = SignatureDialog(
        SignatureRequest(("discharge",), "'MRN-7'", "Ana Nurse"),
        lambda name, secret: checked.append((name, secret)))
    shown(qtbot, dialog)
    dialog.secret.setFocus()
    qtbot.keyClicks(dialog.secret, "2468")
    qtbot.keyClick(dialog.secret, Key.Key_Return)
    assert checked == [("Ana Nurse", "2468")] and dialog.approved


def test_return_on_the_staff_administrations_close_closes(qtbot, staff):  # noqa: F811
    dialog = StaffAdminDialog(staff, ManualClock(NOW), staff.find(ADMIN))
    shown(qtbot, dialog)
    dialog.name.setText("Rui Reviewer")
    close = next(b for b in dialog.findChildren(QtWidgets.QPushButton) if b.text() == "Close")
    close.setFocus()
    qtbot.keyClick(close, Key.Key_Return)
    assert not dialog.isVisible()
    assert dialog.message.text().startswith("Select an account")   # Add account was not tried

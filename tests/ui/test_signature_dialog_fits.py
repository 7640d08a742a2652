"""The signature dialog keeps every line of what is signed readable after a refusal.

A walk on X at 1366x768: a phase override's signature dialog (a four-line title naming the
checklist items) was refused for a wrong PIN; the refusal's two lines were squeezed out of the
title, whose first and last lines were cut: the nurse could no longer read what she signs.
"""

from __future__ import annotations

from PySide6 import QtWidgets

from console.session.signing import SignatureRequest
from console.ui.signature_dialog import SignatureDialog
from console.ui.staff_dialogs import SignInDialog

LONG_SUBJECT = ("'Identity confirmed with two identifiers (e.g. full name and date of birth)'; "
                "'Consent for the ketamine course is current'; 'Weight measured today; dose "
                "and pump rate calculated and second-checked'; and 14 more")
REFUSAL = ("Not signed: name or badge and PIN or password do not match an account: check both "
           "and try again.")


def cut(label: QtWidgets.QLabel) -> bool:
    """The label shows fewer pixels than its wrapped text needs at its width."""
    return label.height() < label.heightForWidth(label.width())


def test_a_refused_signature_leaves_the_title_and_the_refusal_whole(qtbot) -> None:
    request = SignatureRequest(("phase ended against its checklist or rules",), LONG_SUBJECT,
                               signer="Walker")
    dialog = SignatureDialog(request, lambda name, secret: REFUSAL)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not cut(dialog.title)

    dialog.secret.setText("0000")
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: dialog.message.isVisible())
    QtWidgets.QApplication.processEvents()

    assert dialog.message.text() == REFUSAL
    for label in (dialog.title, dialog.explains, dialog.message):
        assert not cut(label), f"{label.objectName()} is cut: {label.height()} px of " \
                               f"{label.heightForWidth(label.width())}"
    assert not dialog.approved


def test_a_refused_sign_in_leaves_its_lines_whole(qtbot) -> None:
    dialog = SignInDialog("Open the review", "Sign in with an account that has the reviewer or "
                          "administrator role to see the session records of this log.",
                          lambda name, secret: REFUSAL + " " + REFUSAL)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.name.setText("Walker")
    dialog.secret.setText("0000")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: dialog.message.isVisible())
    QtWidgets.QApplication.processEvents()

    for label in (dialog.intro, dialog.message):
        assert not cut(label), f"{label.objectName()} is cut: {label.height()} px of " \
                               f"{label.heightForWidth(label.width())}"
    assert not dialog.signed_in

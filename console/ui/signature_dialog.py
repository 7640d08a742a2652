"""The signature dialog (issue 13): the meaning in plain words, the signer, the PIN, Sign / Cancel.

It only asks and shows. What a signature means, who may give it, whether the secret is right and
what is written are the identity layer's and `console.session.signing`'s: on Sign the dialog
calls the `check` it was given with the name or badge and the secret, empties the secret field
at once (a secret is never kept, logged nor shown), and either closes (approved) or shows the
sentence that came back (wrong PIN, locked account, no prescriber role ...) and waits.

`DialogSignatureService` is the `SignatureService` the controller calls (style rule 10: logic
never opens a dialog, it calls the service the UI gives it); when the station locks the
controller has it close the open dialog as cancelled.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from console.ui.dialog_place import grow_to_wrapped_text, place_below_alarms
from console.session.signing import Check, SignatureRequest
from console.ui import theme

EXPLAINS = ("Your PIN or password is your signature: it is recorded with your printed name, the "
            "time and this meaning, bound to the record.")


class SignatureDialog(QtWidgets.QDialog):
    """Asks for one signature (several meanings at once when the request has them).

    Attributes:
        approved: True once `check` approved a signer and a secret.
    """

    def __init__(self, request: SignatureRequest, check: Check,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = check
        self.approved = False
        self.setObjectName("signature_dialog")
        self.setWindowTitle("Signature")
        self.setModal(True)
        self.title = QtWidgets.QLabel(request.title)
        self.title.setObjectName("signature_title")
        self.title.setWordWrap(True)
        self.note = QtWidgets.QLabel(request.note)
        self.note.setObjectName("signature_note")
        self.note.setWordWrap(True)
        # What is signed, as typed or logged (a review note, a patient identifier may hold
        # "<b>" or "<!--"): never drawn as markup, which could hide what is being signed.
        for label in (self.title, self.note):
            label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.note.setVisible(bool(request.note))
        self.explains = QtWidgets.QLabel(EXPLAINS)
        self.explains.setObjectName("signature_explains")
        self.explains.setWordWrap(True)
        self.signer = QtWidgets.QLineEdit(request.signer)
        self.signer.setObjectName("signature_signer")
        self.signer.setPlaceholderText("name or badge")
        self.signer.setToolTip("Signed-in account by default; a prescriber who steps in types "
                               "their own name or badge")
        self.signer.setReadOnly(request.signer_fixed)
        self.secret = QtWidgets.QLineEdit()
        self.secret.setObjectName("signature_secret")
        self.secret.setPlaceholderText("PIN or password")
        self.secret.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.message = QtWidgets.QLabel("")
        self.message.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # an account's name
        self.message.setObjectName("signature_message")
        self.message.setWordWrap(True)
        self.message.hide()
        self.sign_button = QtWidgets.QPushButton("Sign")
        self.sign_button.setObjectName("signature_sign")
        self.sign_button.setDefault(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setObjectName("signature_cancel")
        # Return on the focused Cancel cancels: a button that is not auto-default hands Return
        # to the dialog, which clicked Sign (a PIN typed, Tab to Cancel, Return: signed; review
        # 46). Escape cancels as ever; Return on a button does that button.
        self.cancel_button.setAutoDefault(True)
        form = QtWidgets.QFormLayout()
        form.addRow("Signer", self.signer)
        form.addRow("PIN or password", self.secret)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_button)
        column = QtWidgets.QVBoxLayout(self)
        column.setSpacing(10)
        column.addWidget(self.title)
        column.addWidget(self.note)
        column.addWidget(self.explains)
        column.addLayout(form)
        column.addWidget(self.message)
        column.addLayout(buttons)
        self.setMinimumWidth(640)
        self._style(theme.current())
        self.sign_button.clicked.connect(self._on_sign_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.signer.returnPressed.connect(self.secret.setFocus)
        (self.secret if request.signer else self.signer).setFocus()

    def _style(self, now: theme.Theme) -> None:
        self.setStyleSheet(
            "QWidget {font-size:14pt;} QLabel#signature_title {font-size:16pt;font-weight:bold;}"
            f" QLabel#signature_explains {{color:{now.muted_text};font-size:12pt;}}"
            f" QLabel#signature_message {{color:{now.error_text};font-weight:bold;}}"
            " QPushButton {padding:4px 18px;}")

    def _on_sign_clicked(self) -> None:
        secret = self.secret.text()
        self.secret.clear()   # never kept, whatever the answer
        refused = self.check(self.signer.text(), secret)
        del secret
        if refused is None:
            self.approved = True
            self.accept()
            return
        self.message.setText(refused)
        self.message.show()
        grow_to_wrapped_text(self)
        self.secret.setFocus()

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        grow_to_wrapped_text(self)


class DialogSignatureService:
    """The `SignatureService` of the windows: a modal `SignatureDialog` over `parent`.

    Attributes:
        last: the dialog shown last (tests and screenshots read it).
    """

    def __init__(self, parent: QtWidgets.QWidget | None) -> None:
        self.parent = parent
        self.last: SignatureDialog | None = None

    def build(self, request: SignatureRequest, check: Check) -> SignatureDialog:
        """The dialog, not yet shown."""
        dialog = SignatureDialog(request, check, self.parent)
        self.last = dialog
        return dialog

    def sign(self, request: SignatureRequest, check: Check) -> bool:
        dialog = self.build(request, check)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, False)
        place_below_alarms(dialog, self.parent)   # the alarm rows stay in sight while signing
        dialog.exec()
        return dialog.approved

    def cancel_open(self) -> None:
        """The station locked: the dialog still open is closed as cancelled, so whoever comes by
        cannot sign in it in the name of the nurse who walked away (`CancelsOnLock`)."""
        dialog = self.last
        if dialog is not None and dialog.isVisible():
            dialog.approved = False
            dialog.reject()

"""The signature dialog shows what is signed as it was typed or logged, never as markup: a
review note "<b>BP</b> <!-- " and a patient identifier holding "<i>" were drawn as rich text,
the comment hiding the rest of the title (what is signed)."""

from __future__ import annotations

from PySide6 import QtCore

from console.session.signing import SignatureRequest
from console.ui.signature_dialog import SignatureDialog


def test_what_is_signed_is_shown_as_typed(qtbot):
    request = SignatureRequest(("review annotation",), "'<b>BP</b> settled <!-- '", "Pat",
                               "A note added now to session 2 of MRN-<i>77</i>.",
                               signer_fixed=True)
    dialog = SignatureDialog(request, lambda _name, _secret: None)
    qtbot.addWidget(dialog)
    for label in (dialog.title, dialog.note, dialog.message):
        assert label.textFormat() == QtCore.Qt.TextFormat.PlainText
    assert dialog.title.text().endswith("'<b>BP</b> settled <!-- '")

"""The box that says why a window did not open (the console's, the review's, the central's)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


def refusal_box(title: str, text: str) -> QtWidgets.QMessageBox:
    """Why the window did not open, drawn as written: it quotes paths, identifiers and a
    device's or a chair's words, which Qt's default would draw as markup when they hold "<"."""
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, title, text)
    box.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    return box

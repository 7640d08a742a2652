"""The words Qt draws of a text, as the nurse reads them: a QLabel, a message box or a tooltip
left to Qt's AutoText draws a text that looks like markup as rich text ("Bay <B>" as "Bay "), so
a test of supplied text reads what is drawn, never only `label.text()`."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


def drawn_text(text: str,
               text_format: QtCore.Qt.TextFormat = QtCore.Qt.TextFormat.AutoText) -> str:
    """What Qt draws for `text` shown in `text_format` (a tooltip is AutoText)."""
    rich = (text_format == QtCore.Qt.TextFormat.RichText
            or (text_format == QtCore.Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)))
    if not rich:
        return text
    document = QtGui.QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def drawn(label: QtWidgets.QLabel) -> str:
    """The words `label` draws in its own text format."""
    return drawn_text(label.text(), label.textFormat())


def hovered(widget: QtWidgets.QWidget) -> str:
    """The words of `widget`'s tooltip as QToolTip shows them."""
    return drawn_text(widget.toolTip())

"""A one-line label that gives way on a narrow screen: "…" where it is cut, the whole text on
hover. (A plain QLabel cut "device disconnected" off the header with no sign of it.)"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


class ElidedLabel(QtWidgets.QLabel):
    """`setText` keeps the whole text (`full_text()`, the tooltip); what is drawn is elided to
    the label's width: at its end, or (`set_giving_way`) in the one part that may give way."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._parts: tuple[str, str, str] | None = None
        self._shorter = ""
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        if text == self._full and self._parts is None:
            return
        self._full, self._parts = text, None
        self.setToolTip(text)
        self._elide()

    def set_giving_way(self, before: str, middle: str, after: str, shorter: str = "") -> None:
        """Show `before + middle + after`; when it does not fit, `middle` gives way first, so
        what comes after it (a device's state at the end of the header) stays in sight: said
        `shorter` when that is given (the same said in fewer words), and only then cut."""
        parts = (before, middle, after)
        if parts == self._parts and shorter == self._shorter:
            return
        self._full, self._parts, self._shorter = before + middle + after, parts, shorter
        self.setToolTip(self._full)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def is_cut(self) -> bool:
        return super().text() != self._full

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.StyleChange):
            self._elide()

    def _elide(self) -> None:
        margins = self.contentsMargins()
        width = max(0, self.width() - margins.left() - margins.right() - 2 * self.margin() - 8)
        metrics = self.fontMetrics()
        right = QtCore.Qt.TextElideMode.ElideRight
        if self._parts is not None and metrics.horizontalAdvance(self._full) > width:
            before, middle, after = self._parts
            room = width - metrics.horizontalAdvance(before + after)
            if self._shorter and metrics.horizontalAdvance(middle) > room:
                middle = self._shorter
            cut = metrics.elidedText(middle, right, room) if room > 0 else ""
            if cut:   # the middle gave way enough; else the end is cut after all
                super().setText(before + cut + after)
                return
        super().setText(metrics.elidedText(self._full, right, width))

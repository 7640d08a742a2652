"""A one-line label that gives way on a narrow screen: "…" where it is cut, the whole text on
hover. (A plain QLabel cut "device disconnected" off the header with no sign of it.) It draws
its text as written, never as markup: what it shows comes from people and devices (a room, a
patient's label, an alarm's words)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from console.ui.markup import plain_tip

ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class GivesWay:
    """A part of an `ElidedLabel.set_parts` line that gives way when the line does not fit:
    said in its `shorter` words, in order (an empty one: left out), then, if it may be `cut`,
    cut at its end, or left out where not even "…" has room. Parts give way one after the
    other, a lower `rank` first."""

    text: str
    shorter: tuple[str, ...] = ()
    rank: int = 0
    cut: bool = True


class ElidedLabel(QtWidgets.QLabel):
    """`setText` keeps the whole text (`full_text()`, the tooltip); what is drawn is elided to
    the label's width: at its end, or (`set_parts`) in the parts that may give way."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        # A room "Bay <B>" was drawn "Bay " (QLabel's AutoText takes it for markup, <B> bold).
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self._full = ""
        self._parts: tuple[str | GivesWay, ...] | None = None
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        if text == self._full and self._parts is None:
            return
        self._full, self._parts = text, None
        self.setToolTip(plain_tip(text))
        self._elide()

    def set_parts(self, *parts: str | GivesWay) -> None:
        """Show the parts one after the other; when they do not fit, those that may give way
        do (`GivesWay`), so the others stay in sight whole (a device's state at the end of the
        header). Every part gives its shorter words before any is cut. Only when the parts
        that stay do not fit alone is the line cut at its end."""
        if parts == self._parts:
            return
        self._full = "".join(p.text if isinstance(p, GivesWay) else p for p in parts)
        self._parts = parts
        self.setToolTip(plain_tip(self._full))
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
        line = self._full
        if self._parts is not None and metrics.horizontalAdvance(line) > width:
            line, fits = given_way(self._parts, width, metrics)
            if fits:
                super().setText(line)
                return
        super().setText(metrics.elidedText(line, QtCore.Qt.TextElideMode.ElideRight, width))


SEPARATORS = " ·"   # around a part's words (" · IV racemic…"): kept when the words are cut


def given_way(parts: tuple[str | GivesWay, ...], width: int,
              metrics: QtGui.QFontMetrics) -> tuple[str, bool]:
    """The line with its `GivesWay` parts given way until it fits in `width` (True), or as far
    as they can (False: the line is to be cut at its end). A part too narrow for "…" is left
    out: `elidedText` gave "" there and the whole line was cut at its end, the part meant to
    stay first (the header's "device disconnected" beside a 42-letter nurse's name at
    1366x768). A part cut keeps its separators: "MRN-7 · IV racemic… · session 1 of 6"."""
    said = [p.text if isinstance(p, GivesWay) else p for p in parts]
    giving = sorted(((i, p) for i, p in enumerate(parts) if isinstance(p, GivesWay)),
                    key=lambda item: item[1].rank)
    for i, part in giving:
        for shorter in part.shorter:
            said[i] = shorter
            if metrics.horizontalAdvance("".join(said)) <= width:
                return "".join(said), True
        if not part.cut:
            continue
        text = said[i]
        words = text.strip(SEPARATORS)
        lead = text[:len(text) - len(text.lstrip(SEPARATORS))]
        trail = text[len(text.rstrip(SEPARATORS)):]
        room = width - metrics.horizontalAdvance("".join(said[:i] + [lead, trail] + said[i + 1:]))
        if words and room >= metrics.horizontalAdvance(ELLIPSIS):
            cut = metrics.elidedText(words, QtCore.Qt.TextElideMode.ElideRight, room)
            said[i] = lead + cut + trail
            return "".join(said), True
        said[i] = ""
        if metrics.horizontalAdvance("".join(said)) <= width:
            return "".join(said), True
    return "".join(said), False

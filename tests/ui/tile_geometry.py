"""Geometry checks for a vital tile: every text inside the tile, none cut, none over another."""

from __future__ import annotations

import itertools

from PySide6 import QtCore, QtGui, QtWidgets


def label_rect(label: QtWidgets.QLabel, tile: QtWidgets.QWidget) -> QtCore.QRect:
    return QtCore.QRect(label.mapTo(tile, QtCore.QPoint(0, 0)), label.size())


def tile_problems(tile: QtWidgets.QWidget) -> list[str]:
    """What does not fit in `tile`: a label outside the tile, a label whose text needs more room
    than it has (a cut line or a line too many), two labels over each other.

    Measured once the tile's layout has taken its labels' current text and fonts: a label's
    hint measured before its layout had run again read a tile 20 % short (CI, Python 3.13, the
    whole suite). A problem names the font and the screen's resolution it was measured at."""
    settled_geometry({"tile": tile})
    screen = QtGui.QGuiApplication.primaryScreen()
    dpi = f"{screen.logicalDotsPerInchY():.0f} dpi" if screen is not None else "no screen"
    labels = [label for label in tile.findChildren(QtWidgets.QLabel) if label.isVisible() and label.text()]
    problems = []
    for label in labels:
        rect = label_rect(label, tile)
        name = label.objectName() or repr(label.text()[:30])
        if not tile.rect().contains(rect):
            problems.append(f"{name} at {rect.getRect()} outside the tile {tile.rect().getRect()}")
        hint = label.sizeHint()
        if label.wordWrap():   # its hint is a shape it likes, not what it needs at its width
            hint = QtCore.QSize(label.width(), label.heightForWidth(label.width()))
        if hint.width() > label.width() or hint.height() > label.height():
            font = label.font()
            problems.append(f"{name}: {label.text()!r} needs {hint.width()}x{hint.height()}, "
                            f"has {label.width()}x{label.height()} ({font.family()} "
                            f"{font.pointSizeF():g} pt, {dpi})")
    for a, b in itertools.combinations(labels, 2):
        if label_rect(a, tile).intersects(label_rect(b, tile)):
            problems.append(f"{a.text()[:20]!r} over {b.text()[:20]!r}")
    if problems:
        problems.append(style_context(tile, labels))
    return problems


def style_context(tile: QtWidgets.QWidget, labels: list[QtWidgets.QLabel]) -> str:
    """What styled the labels when a problem was found: each label's font and text colour, the
    tile's style sheet and the application's, and the fonts once the tile is polished again.
    (The CI run on record measured every label of one tile at 15 pt where the tile sets 11 and
    13 pt, twice, never here: this says next time whether the tile's own sheet was in force.)"""
    def fonts() -> str:
        return ", ".join(f"{label.objectName() or label.text()[:12]!r} {label.font().pointSizeF():g} pt"
                         f"{' bold' if label.font().bold() else ''} "
                         f"{label.palette().color(QtGui.QPalette.ColorRole.WindowText).name()}"
                         for label in labels)
    app = QtWidgets.QApplication.instance()
    app_sheet = app.styleSheet() if isinstance(app, QtWidgets.QApplication) else ""
    before = fonts()
    tile.setStyleSheet(tile.styleSheet())   # a repolish: Qt drops what it cached for the tile
    QtWidgets.QApplication.processEvents()
    return (f"style context: {before}; tile sheet {tile.styleSheet()[:160]!r}; "
            f"application sheet {app_sheet[:80]!r}; after a repolish: {fonts()}")


def settled_geometry(tiles: dict[str, QtWidgets.QWidget],
                     passes: int = 10) -> dict[str, tuple[int, ...]]:
    """`geometry` once the layouts have stopped moving anything: events are processed until two
    reads agree. One pass was not always enough on a loaded machine (CI with a screen walk
    beside it read a BP tile 2 px short before its layout had run again); a tile that really
    changes size with its text still changes here."""
    before = geometry(tiles)
    for _ in range(passes):
        QtWidgets.QApplication.processEvents()
        now = geometry(tiles)
        if now == before:
            return now
        before = now
    return before


def geometry(tiles: dict[str, QtWidgets.QWidget]) -> dict[str, tuple[int, ...]]:
    """Each tile's and each of its labels' place and size."""
    out: dict[str, tuple[int, ...]] = {}
    for name, tile in tiles.items():
        out[name] = tile.geometry().getRect()
        for index, label in enumerate(tile.findChildren(QtWidgets.QLabel)):
            out[f"{name}.{index}"] = label_rect(label, tile).getRect()
    return out

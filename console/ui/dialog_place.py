"""Where a dialog opens over the session window: below the alarm area, never over it.

IEC 60601-1-8 asks that an active alarm stay perceivable: a dialog that asks for a reason or a
signature (it waits for the nurse's typing) must not sit over the alarm rows. Qt centres a
dialog on its parent, which at 1366x768 put the top of a signature dialog over the alarm area's
second row. `place_below_alarms` moves it just under the alarm area of the window it belongs to
(when that window has one), centred across. `grow_to_wrapped_text` keeps a dialog's wrapped
lines whole: what a nurse signs must be read in full.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

GAP_PX = 6


def place_below_alarms(dialog: QtWidgets.QWidget, parent: QtWidgets.QWidget | None) -> None:
    """Move `dialog` (not yet shown) under the alarm area of `parent`'s window, if it has one."""
    if parent is None:
        return
    from console.ui.alarm_bar import AlarmBar  # noqa: PLC0415 - the session window's alarm area

    window = parent.window()
    bars = [b for b in window.findChildren(AlarmBar) if b.isVisible()]
    if not bars:
        return
    bottom = max(b.mapToGlobal(QtCore.QPoint(0, b.height())).y() for b in bars)
    dialog.adjustSize()
    size = dialog.sizeHint().expandedTo(dialog.size())
    frame = window.frameGeometry()
    # Centred across the window, its top just under the alarms: never moved up over them, even
    # when it then reaches past the window's bottom (the alarm rows matter more than its Cancel).
    # Room for the title bar a window manager puts above the position asked for: Qt learns the
    # frame only once the dialog is mapped, and some window managers never report it.
    title = dialog.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_TitleBarHeight)
    dialog.move(frame.x() + max(0, (frame.width() - size.width()) // 2),
                bottom + GAP_PX + title)

    def below_once_framed() -> None:
        # A window manager adds its title bar above the position asked for, and Qt knows the
        # frame only once the dialog is on screen: seen at 1920x1080, the title bar then sat
        # over the alarm area's last pixels. Push it down by what the frame took.
        over = bottom + GAP_PX - dialog.frameGeometry().top()   # the frame is known now
        if over > 0 and dialog.isVisible():
            dialog.move(dialog.x(), dialog.y() + over)

    # Bound to the dialog: never runs after it is gone. Runs once exec() or show() showed it.
    QtCore.QTimer.singleShot(0, dialog, below_once_framed)


def grow_to_wrapped_text(dialog: QtWidgets.QWidget) -> None:
    """Grow `dialog` to the height its wrapped lines need at its width. A window does not follow
    its labels' height for width: at 1366x768 a wrong PIN's two lines were taken out of a
    signature dialog's title, whose first and last lines were cut (a walk on X), and the nurse
    could no longer read what she was signing. Call it when shown and when a line appears."""
    layout = dialog.layout()
    if layout is None or not layout.hasHeightForWidth():
        return
    need = layout.totalHeightForWidth(dialog.width())
    if need > dialog.height():
        dialog.setMinimumHeight(need)
        dialog.resize(dialog.width(), need)

"""When a window's own event loop has painted a widget: what P3 and P9 time as "painted".

Nothing is forced: a probe that calls `repaint()` times a paint the window never does there,
ahead of the loop's other work (review 48 took it out of P3, review 50 out of P9). Imports Qt:
import it inside a benchmark's child process, as the benchmarks that draw import Qt.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets


class NextPaint(QtCore.QObject):
    """The end of the first Paint event the loop delivers to `widget` once armed.

    An event filter sees an event before it is handled, so it hands the event on itself (the
    widget's own filters and paint, through `sendEvent`), then calls the armed callback with the
    time of its end (`clock`) and disarms. Arming again before that paint keeps the first
    callback: the paint to come draws both changes.
    """

    def __init__(self, widget: QtWidgets.QWidget,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(widget)
        self.widget = widget
        self._clock = clock
        self._inside = False
        self._then: Callable[[float], None] | None = None
        widget.installEventFilter(self)

    def arm(self, then: Callable[[float], None]) -> None:
        """Call `then(end of the next loop-delivered paint)` once."""
        if self._then is None:
            self._then = then

    def remove(self) -> None:
        self.widget.removeEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if self._inside or self._then is None or event.type() != QtCore.QEvent.Type.Paint:
            return False
        self._inside = True
        try:
            QtCore.QCoreApplication.sendEvent(watched, event)
        finally:
            self._inside = False
        then, self._then = self._then, None
        then(self._clock())
        return True   # painted once, above

"""P7's child process: launch the console (or the bare peer window) and say when it is idle.

    python -m benchmarks.startup_child console [infusion-console options]
    python -m benchmarks.startup_child peer

`console` runs `console.cli.main` exactly as the `infusion-console` script does. The only addition
is a hook on `QApplication.exec`: once the event loop runs, it waits for the first paint of the
top-level window, then for two rounds of an empty event queue (zero-timeouts fire only when
nothing else is pending), prints `READY <rss MiB> <peak rss MiB>` and quits the loop. `peer` is
the bare PySide6 + pyqtgraph window the bar compares with: a `QMainWindow` of the same size with
a `PlotWidget` holding one short curve, shown through the same hook.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6 import QtCore, QtWidgets

_exec = QtWidgets.QApplication.exec


def _rss(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return float(line.split()[1]) / 1024
    return float("nan")


class _Idle(QtCore.QObject):
    """Watches the first paint of `window`, then reports once the event queue is empty."""

    def __init__(self, app: QtWidgets.QApplication, window: QtWidgets.QWidget) -> None:
        super().__init__()
        self.app = app
        self.window = window
        self.painted = False
        # Paint events go to whichever widgets need painting (the central widget covers the
        # window itself), so watch them all: the first one inside this window counts.
        app.installEventFilter(self)
        # A window already painted before exec (unlikely) is caught by this first check.
        QtCore.QTimer.singleShot(0, self._check)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if (not self.painted and event.type() == QtCore.QEvent.Type.Paint
                and isinstance(watched, QtWidgets.QWidget) and watched.window() is self.window):
            self.painted = True
            self.app.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, self._idle_once)
        return False

    def _check(self) -> None:
        if not self.painted and self.window.isVisible() and not self.window.isMinimized():
            # Keep polling until the window system delivers the first paint.
            QtCore.QTimer.singleShot(1, self._check)

    def _idle_once(self) -> None:
        QtCore.QTimer.singleShot(0, self._report)

    def _report(self) -> None:
        print(f"READY {_rss('VmRSS'):.1f} {_rss('VmHWM'):.1f}", flush=True)
        self.app.quit()


def _hooked_exec(self: Any = None) -> int:
    app = QtWidgets.QApplication.instance()
    assert isinstance(app, QtWidgets.QApplication)
    windows = [w for w in app.topLevelWidgets() if w.isVisible() and w.isWindow()]
    if not windows:
        print("READY-FAILED no visible top-level window", flush=True)
        return 3
    watcher = _Idle(app, windows[0])
    try:
        return _exec()
    finally:
        del watcher


def _peer() -> int:
    import numpy as np
    import pyqtgraph as pg

    app = QtWidgets.QApplication(sys.argv[:1])
    window = QtWidgets.QMainWindow()
    window.setWindowTitle("peer")
    window.resize(1366, 768)
    plot = pg.PlotWidget()
    plot.plot(np.arange(60, dtype=float), np.zeros(60), pen=pg.mkPen("w", width=1))
    window.setCentralWidget(plot)
    window.show()
    return app.exec()


def main() -> int:
    QtWidgets.QApplication.exec = _hooked_exec  # type: ignore[method-assign]
    which, rest = sys.argv[1], sys.argv[2:]
    if which == "peer":
        return _peer()
    from console.cli import main as console_main

    return console_main(rest)


if __name__ == "__main__":
    raise SystemExit(main())

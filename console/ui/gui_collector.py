"""Python's cyclic garbage collector runs on the GUI thread only, while Qt's loop runs.

Why: an automatic collection runs in whichever thread allocates when a generation passes its
threshold. In a thread of our own (the monitor's reader in devices/transport.py, the review's
course trend reader and record checks, the network workers' readers) it may free the Python
wrapper of a Qt object found in a cycle (a closed dialog, a window let go): the object's C++
destructor then runs on that thread, takes Qt's object mutex and asks for the interpreter's lock,
while the GUI thread holds the interpreter's lock and waits for that mutex. Both wait for good:
the window freezes, and a frozen console is an alarm nobody hears. Seen in the review's tests
(gdb: QObject::~QObject on the course trend's reader thread waiting in take_gil, the GUI thread
in QBasicMutex::lockInternal under Shiboken's deletion of wrappers). Qt's own rule is the same:
a QObject is destroyed in the thread it lives in.

So, while `GuiCollector` runs: automatic collection is off for the whole process, and a timer on
the GUI thread collects, every COLLECT_MS at most, the oldest generation whose count has passed
its threshold, as the automatic collector would have (`gc.get_count`, `gc.get_threshold`).
Reference counting still frees every object not in a cycle at once, in any thread, as before;
only cycles wait for the GUI thread, a quarter of a second at most while its loop runs.

Where it runs: the review (`exec_until_signal(collect_on_gui_thread=True)`), whose course trend
reader and record checks allocate hundreds of thousands of objects in threads of their own. The
bedside and the central station keep the automatic collector for now: with this collector the
alarm latency benchmark (P3, 200 trials a run, six runs each way interleaved on 2026-12-03) gave
p99 16.6-25.5 ms against 18.3-20.2 ms without it, and two of eleven runs with it a p99 over the
50 ms bar (126 and 251 ms; with it off, none in nine), while each collection it made took 0.2-2.7
ms: the outliers are not its collections, and a cause not found is no cause to change the alarm
path. Their risk of the freeze is lower (their threads allocate little: a monitor's decoder) and
stays open in the README until P3 is measured on a quiet machine.
"""

from __future__ import annotations

import gc
from typing import Final

from PySide6 import QtCore

COLLECT_MS: Final = 250


def due_generation() -> int | None:
    """The generation a collection is due for now (the oldest past its threshold), or None."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            return generation
    return None


class GuiCollector(QtCore.QObject):
    """Collects cycles on the thread it lives in (the GUI thread) from `start` to `stop`."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(COLLECT_MS)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = False

    def start(self) -> None:
        """Turn automatic collection off; collect here on the timer from now on."""
        if not self._timer.isActive():
            self._was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()

    def stop(self) -> None:
        """Collect what is left here, and give collection back as it was found."""
        if self._timer.isActive():
            self._timer.stop()
            gc.collect()
            if self._was_enabled:
                gc.enable()

    def collect_due(self) -> None:
        generation = due_generation()
        if generation is not None:
            gc.collect(generation)

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

Where it runs: the bedside, the review and the central station, for as long as their loops run
(`collecting_on_this_thread`, from `exec_until_signal` and the central's own); the benchmarks
that run those windows' loops themselves (P3, P6, P7, P8, P9, P10) run it alike. The alarm
latency benchmark P3 was measured with it and without, 25 runs of 200 trials each way
interleaved (2026-12-03): p99 14.7-52.5 ms with it against 15.0-46.9 ms without, each of its
collections 2.4 ms at most, and none of the 30 trials over 30 ms overlapping a collection; the
14 of them in the last 20 runs, timed inside, each waited in the session log's COMMIT (the
disk's sync, up to 600 ms on that machine), with it and without it alike. A first measurement
the same day (eleven runs with it, nine without) had put two of its runs over P3's bar and kept
the bedside on the automatic collector; the COMMIT timings showed those were the disk's.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Final

from PySide6 import QtCore

COLLECT_MS: Final = 250


def due_generation() -> int | None:
    """The generation a collection is due for now (the oldest past its threshold), or None.

    Python 3.11-3.13 (CI runs both ends): three generations, counted as the automatic
    collector counts them. Python 3.14's incremental collector changes what the counts and
    thresholds mean (generation 2's threshold is 0, `collect(1)` is an increment of the old
    generation: cpython gh-108362): measure this again before the console runs on it."""
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


@contextlib.contextmanager
def collecting_on_this_thread() -> Iterator[GuiCollector]:
    """Inside (a Qt loop run on the GUI thread): cycles are collected on this thread only."""
    collector = GuiCollector()
    collector.start()
    try:
        yield collector
    finally:
        collector.stop()

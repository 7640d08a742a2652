"""The console's fault handler in a benchmark that builds the window itself: a bug is a failure.

The console installs `FaultHandler` before it builds its window (console/ui/app.py `run`): an
exception in a Qt slot, a timer or a worker thread is then its "Console fault" alarm and a crash
file. Without it PySide6 prints the exception and carries on, and P8 passed a soak in which the
live window raised at every change of the session (review 46). Qt: import only in a child.
"""

from __future__ import annotations

from pathlib import Path

from console.ui.fault_handler import FaultHandler


def installed(crash_folder: Path) -> FaultHandler:
    """The console's handler, hooked in as the console hooks it (Qt's own fatal messages aside:
    Qt aborts after them, and the benchmark's child ends with its failure)."""
    handler = FaultHandler(crash_folder)
    handler.install(qt_messages=False)
    return handler


def faults_seen(handler: FaultHandler) -> list[str]:
    """Each fault the handler took, one line each, with how often it came again."""
    out = []
    for summary, _crash_file in handler.faults:
        again = handler.repeats.get(summary, 0)
        out.append(f"console fault: {summary}" + (f" (and {again} times more)" if again else ""))
    return out

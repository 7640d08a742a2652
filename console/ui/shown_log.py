"""`--shown-log FILE`: a copy of what the session window shows, for QA and crash analysis.

The window shows the session record through its journal: the event list and the trend take the
records the journal gained since their last refresh, and the journal gains a record only after
the log committed it. This mirror takes the same records at the same moment (it is connected to
the controller's `changed` signal after the live window, so it runs right after each redraw) and
appends one JSON line per record, plus a `timers` line when the elapsed second or the phase
changes. Each batch is one `os.write` on an O_APPEND descriptor: it reaches the kernel before
the next redraw, so even SIGKILL leaves the file holding everything shown up to that moment.

The fault suite (tests/faults/test_r1_kill.py) kills the console at random moments and checks
that every line of this file is in the log: "every reading and event shown before the kill is in
the log" (quality bar R1), checked from outside the process.

Lines:
    {"kind": "observation", "session": 1, "metric": "heart_rate", "value": 72.0,
     "received_at": "...Z", "source": "hl7:...", "channel": "..."}
    {"kind": "alarm", "session": 1, "occurrence": 3, "condition": "bp_systolic_high",
     "transition": "raised", "priority": "high", "at": "...Z"}
    {"kind": "event", "session": 1, "event": "phase_started", "at": "...Z"}
    {"kind": "ended", "session": 1, "at": "...Z"}
    {"kind": "timers", "session": 1, "pid": 4242, "phase": "pre", "elapsed_s": 63,
     "unsaved": 0}
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6 import QtCore

from console.clock import iso
from console.records import AlarmTransition, ObservationRecord, Record, SessionEnded
from console.session.journal import Journal
from console.ui.controller import SessionController


def line_for(record: Record) -> dict[str, Any]:
    """The JSON object written for one record (also what tests look up in the log)."""
    if isinstance(record, ObservationRecord):
        return {"kind": "observation", "session": record.session_id, "metric": record.metric,
                "value": record.value, "received_at": iso(record.received_at),
                "source": record.source, "channel": record.channel}
    if isinstance(record, AlarmTransition):
        return {"kind": "alarm", "session": record.session_id, "occurrence": record.occurrence,
                "condition": record.condition, "transition": record.transition,
                "priority": record.priority, "at": iso(record.at)}
    if isinstance(record, SessionEnded):
        return {"kind": "ended", "session": record.session_id, "at": iso(record.ended_at)}
    return {"kind": "event", "session": record.session_id, "event": record.kind,
            "at": iso(record.at)}


def open_for_append(path: Path) -> int:
    """Open (or create, owner-only) `path` for appending; the descriptor.

    Raises:
        OSError: it cannot be: a folder, a missing folder, no permission, a read-only disk.
    """
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)


def check_writable(path: Path) -> None:
    """Open `path` as `ShownLog` will, and close it: at start-up, before the session log is
    opened, so a FILE that cannot be written is refused before a session starts (review 36: a
    folder ended in a traceback after the session opened, and was resumed at the next start).

    Raises:
        OSError: as `open_for_append`.
    """
    os.close(open_for_append(path))


class ShownLog(QtCore.QObject):
    """Appends what the live window was just given to show; see the module docstring."""

    def __init__(self, path: Path, journal: Journal, controller: SessionController,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.journal = journal
        self.controller = controller
        self._seen = journal.total   # a resumed session's history was shown by an earlier run
        self._last_timers: tuple[str, int] | None = None
        self._fd = open_for_append(self.path)
        controller.changed.connect(self._on_changed)

    @QtCore.Slot()
    def _on_changed(self) -> None:
        new = self.journal.added_since(self._seen)
        self._seen = self.journal.total
        lines = [line_for(r) for r in new]
        engine = self.controller.view
        elapsed = int(engine.times(self.controller.clock.now()).elapsed_s)
        if self._last_timers != (engine.phase.id, elapsed):
            self._last_timers = (engine.phase.id, elapsed)
            lines.append({"kind": "timers", "session": engine.session_id, "pid": os.getpid(),
                          "phase": engine.phase.id, "elapsed_s": elapsed,
                          "unsaved": engine.unsaved})
        if lines:
            text = "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)
            os.write(self._fd, text.encode("utf-8"))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

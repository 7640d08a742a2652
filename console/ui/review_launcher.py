"""Review ▸ Review past sessions… (Ctrl+R): the review runs as its own process, never in the console's.

The live console's GUI thread draws and sounds alarms. Building the review window, loading a
session of a large log (P6: ~270 ms at 200 sessions) or writing a PDF in that thread would hold
an alarm back for as long, so the console only starts `infusion-console review --db LOG` (the
same program a clinician can start from a shell, `console/ui/review_app.py`) and goes on. The
exports are buttons of the review window, so they run in that process too.

What the launcher does, all without waiting on the GUI thread:

- `open()` starts the review (fork + exec of the same interpreter: ~2 ms on the GUI thread,
  measured by benchmark P3b) unless one it started is still running; then it starts nothing and
  says so through the notifier (the console cannot raise another process's window).
- The review runs at a lower CPU priority than the console (nice 10), so a busy review and the
  PDFs it writes yield the CPU to the alarm path.
- A slow timer (only while a review runs) notices when the review ends; a review that ends with an
  error shows its last line on stderr through the notifier.
- When the console stops, the review is **left running**: a clinician may be reading a session or
  writing an annotation, and losing it because the nurse's session ended (or a supervisor
  restarted the console) would be wrong. The review depends on nothing of the console: it opens
  the log read-only and writes an annotation through its own short-lived connection. It is also
  what happens anyway when the console is killed, so every way the console stops behaves alike. It
  runs in its own session (setsid), so a Ctrl+C or hang-up meant for the console does not end it.
  `close()` asks it to end (SIGTERM, which the review handles as a clean quit).
"""

from __future__ import annotations

import enum
import os
import shlex
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from PySide6 import QtCore, QtGui, QtWidgets

from console.ui import theme

__all__ = ["Launch", "MessageNotice", "ReviewLauncher", "review_command", "run_in_background"]

POLL_MS = 500
"""How often a running review is checked for its end (waitpid without waiting: microseconds)."""
KILL_AFTER_MS = 5000
"""`close()` ends a review that has not ended this long after SIGTERM (it opens the log read-only:
killing it loses nothing written)."""
REVIEW_NICENESS = 10
"""The review's CPU priority (nice): below the console's, so its alarms win the CPU."""
NOTICE_MS = 8000
"""How long a notice stays up unless dismissed: it must not sit over the live window for good."""

Notifier = Callable[[str], None]


def run_in_background(pid: int) -> None:
    """Keep a review (and the PDFs it writes) off the alarm path: nice 10, and on a station with
    two or more processors only the last one, so the console always has a processor of its own.

    Measured with benchmark P3b on this 2-core machine (review loading a P6-sized log and PDF
    exports running during 200 alarm trials): nice alone gave an alarm latency p99 of 45-67 ms;
    nice and one processor for the review's side, see benchmarks/README.md.

    Raises:
        OSError: the process has already ended.
    """
    os.setpriority(os.PRIO_PROCESS, pid, REVIEW_NICENESS)
    processors = sorted(os.sched_getaffinity(0))
    if len(processors) >= 2:
        os.sched_setaffinity(pid, {processors[-1]})


class Launch(enum.Enum):
    """What `ReviewLauncher.open` did."""

    STARTED = "started"
    ALREADY_OPEN = "already open"
    FAILED = "failed"


def review_command(db_path: Path, lock_after_s: float | None = None) -> list[str]:
    """`infusion-console review --db PATH --theme T [--lock-after MIN]`, run by this interpreter
    (the console's own install), in the console's current look (a dim room stays dim) and with
    the console's idle lock time (a clinic that chose 5 minutes at the chair gets 5 here)."""
    from console.ui import theme   # the look of the moment Ctrl+R is pressed

    lock = [] if lock_after_s is None else ["--lock-after", f"{lock_after_s / 60.0:g}"]
    return [sys.executable, "-m", "console.cli", "review", "--db", str(db_path),
            "--theme", theme.current().name, *lock]


class MessageNotice:
    """Shows a notice as a banner inside `parent`, near its bottom edge, for `NOTICE_MS`.

    A child widget, not a dialog or a window of its own: it can never take the keyboard from the
    live window (F2, F3 and Ctrl+R keep working; an offscreen or window-manager-less screen
    activates any new top-level window, a message box included), nothing waits for an answer,
    and it keeps clear of the alarm bar at the top. A click hides it early. It is drawn in the
    look of the moment, and takes the new one when Ctrl+D switches it (styled once, it kept the
    light theme's white text in a dimmed room).

    Attributes:
        label: the banner shown last (None before any); tests read its text.
    """

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        self.parent = parent
        self.label: _ClickToHideLabel | None = None
        self._timer: QtCore.QTimer | None = None

    def __call__(self, text: str) -> None:
        label, timer = self.label, self._timer
        if label is None or timer is None:
            label = _ClickToHideLabel(self.parent)
            label.setObjectName("review_notice")
            label.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # paths, names as written
            label.setWordWrap(True)
            label.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            theme.signals().changed.connect(label.restyle)   # a slot of the label: gone with it
            timer = QtCore.QTimer(label)
            timer.setSingleShot(True)
            timer.setInterval(NOTICE_MS)
            timer.timeout.connect(label.hide)
            self.label, self._timer = label, timer
        label.restyle(theme.current())
        label.setText(text)
        area = self.parent.rect()
        width = min(area.width() - 40, 900)
        height = label.heightForWidth(width)
        label.setGeometry((area.width() - width) // 2, area.height() - height - 48, width, height)
        label.show()
        label.raise_()
        timer.start()


class _ClickToHideLabel(QtWidgets.QLabel):
    @QtCore.Slot(object)
    def restyle(self, look: theme.Theme) -> None:
        """Draw the notice in `look` (theme.signals().changed gives the new one)."""
        self.setStyleSheet(f"background:{look.dark_bg};color:{look.dark_text};font-size:14pt;"
                           "padding:10px 16px;border-radius:6px;")

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.hide()
        event.accept()


class ReviewLauncher(QtCore.QObject):
    """Starts, watches and (when asked) ends the review process over one log.

    Args:
        db_path: the session log the review opens (the console's own).
        notify: shows a sentence to the user (default: `MessageNotice` in `parent` when it is a
            widget, else stderr).
        command: the program and arguments to run (default `review_command(db_path)`).
        parent: the Qt parent; `for_window` makes the launcher a child of the console's window.

    Signals:
        started(int): the review process started; its pid.
        finished(int): the review process ended; its exit status (negative: the signal's number).
    """

    started = QtCore.Signal(int)
    finished = QtCore.Signal(int)

    def __init__(self, db_path: Path, notify: Notifier | None = None,
                 command: Sequence[str] | None = None,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        if notify is None:
            notify = (MessageNotice(parent) if isinstance(parent, QtWidgets.QWidget)
                      else _to_stderr)
        self.notify = notify
        self.command = list(command) if command is not None else review_command(self.db_path)
        self._process: subprocess.Popen[bytes] | None = None
        self._errors: IO[bytes] | None = None
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll_timeout)
        self._kill = QtCore.QTimer(self)
        self._kill.setSingleShot(True)
        self._kill.setInterval(KILL_AFTER_MS)
        self._kill.timeout.connect(self._on_kill_timeout)

    @classmethod
    def for_window(cls, window: QtWidgets.QWidget, db_path: Path,
                   lock_after_s: float | None = None) -> ReviewLauncher:
        """The launcher of `window` for `db_path`, made on first use (one per window and log);
        `lock_after_s`: the window's idle lock time, passed on to the review."""
        for child in window.findChildren(cls):
            if child.db_path == Path(db_path):
                return child
        return cls(db_path, command=review_command(Path(db_path), lock_after_s), parent=window)

    # ---- state --------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The running review's process id, None when none runs."""
        process = self._process
        return process.pid if process is not None and self.running() else None

    def running(self) -> bool:
        """Whether the review this launcher started is still running (reaps it when it ended)."""
        process = self._process
        if process is None:
            return False
        if process.poll() is None:
            return True
        self._ended(process.returncode)
        return False

    def error_output(self) -> str:
        """What the review process has written to stderr so far (its errors, Qt's warnings)."""
        errors = self._errors
        if errors is None:
            return ""
        chunks: list[bytes] = []
        offset = 0
        while chunk := os.pread(errors.fileno(), 65536, offset):
            chunks.append(chunk)
            offset += len(chunk)
        return b"".join(chunks).decode("utf-8", "replace")

    # ---- actions ------------------------------------------------------------------------------

    def open(self) -> Launch:
        """Start the review unless it runs already (then say so); never waits for it."""
        if self.running():
            self.notify(f"The review of past sessions is already open in its own window "
                        f"(process {self.pid}). Switch to it with Alt+Tab; it stays open until "
                        "it is closed there.")
            return Launch.ALREADY_OPEN
        # Its stderr goes to an unnamed file: nothing to clean up, and it stays writable for the
        # review after the console has gone (a pipe would break).
        errors = tempfile.TemporaryFile(prefix="infusion-console-review-")
        try:
            process = subprocess.Popen(
                self.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                start_new_session=True, close_fds=True)
        except OSError as exc:
            errors.close()
            self.notify(f"The review could not be started ({exc}). Start it from a shell: "
                        f"infusion-console review --db {shlex.quote(str(self.db_path))}")
            return Launch.FAILED
        try:
            # Below the console on the CPU, so a busy review (and the PDFs it writes) yields to the
            # alarm path on a 2-core station. Measured with benchmark P3b: PDF export processes
            # at nice 10 gave an alarm latency p99 of 54-67 ms against 71-82 ms at nice 0
            # (three alternating runs each, other work on the machine); for the review alone no
            # difference showed through the noise. Set before the child starts its threads (it is
            # still importing), so they all inherit it.
            run_in_background(process.pid)
        except OSError:
            pass   # it already ended: the poll timer reports it
        if self._errors is not None:
            self._errors.close()
        self._process, self._errors = process, errors
        self._poll.start()
        # Said at once: the review's window takes seconds to come (its own interpreter and Qt,
        # at a lower priority), and a key that seems to do nothing is pressed again.
        self.notify("Opening the review of past sessions in its own window; this session goes "
                    "on here.")
        self.started.emit(process.pid)
        return Launch.STARTED

    def close(self) -> None:
        """Ask the running review to end (SIGTERM: it closes its log and quits); never waits.

        `finished` is emitted once it has ended. One that is still there `KILL_AFTER_MS` later
        is killed: Qt ignores a quit that comes before its loop runs, so a SIGTERM that lands
        while the review is still starting can be lost (console/ui/app.py `exec_until_signal`).
        """
        if self.running() and self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            self._kill.start()

    # ---- watching -----------------------------------------------------------------------------

    def _on_poll_timeout(self) -> None:
        self.running()   # reaps and reports an ended review

    def _on_kill_timeout(self) -> None:
        if self.running() and self._process is not None:
            self._process.kill()

    def _ended(self, status: int) -> None:
        self._poll.stop()
        self._kill.stop()
        self._process = None
        if status not in (0, -signal.SIGTERM, -signal.SIGKILL):
            lines = self.error_output().strip().splitlines()
            why = f": {lines[-1]}" if lines else ""
            self.notify(f"The review of past sessions stopped with an error (exit status "
                        f"{status}){why}")
        self.finished.emit(status)


def _to_stderr(text: str) -> None:
    print(f"infusion-console: {text}", file=sys.stderr)

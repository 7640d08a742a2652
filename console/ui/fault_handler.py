"""A bug becomes a technical alarm, never silence (the console's first rule; IEC 60601-1-8 6.1.2:
a condition of the equipment that keeps it from working as intended is a technical alarm).

PySide6 hands an exception raised in a slot, a timer or a virtual method to `sys.excepthook` and
carries on running; without a hook the console would go on in an undefined state with nothing on
screen. `FaultHandler.install()` replaces the hooks (`sys.excepthook`, `threading.excepthook`,
Qt's message handler for fatal messages). For every fault it:

1. writes the traceback to a crash file beside the session log (`crash-<UTC time>-<pid>.txt`,
   0600: it may name a patient's values), before anything else can fail;
2. raises the high-priority technical alarm "Console fault: ..." through the controller (an
   event row and the alarm in the log when the log can take them; otherwise, and after the
   discharge, when the session's record is closed, the alarm is shown and sounded without the
   engine: `SessionController.fallback_faults`). It sounds, the nurse can silence it (F2, F3),
   and only a restart ends it; each session attached raises it once per fault (from any
   thread), a fault raised while another is reported once that one is out;
3. tells the window (`fault` signal), which offers "Restart and resume": the console starts
   again with `--resume <session>` and the session carries on from its log.

A fault outside a session (the start screen) is written to the crash file and shown in the
window; there is no patient alarm to raise.
"""

from __future__ import annotations

import contextlib
import functools
import os
import site
import sys
import sysconfig
import tempfile
import threading
import traceback
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from PySide6 import QtCore

from console.paths import utf8_text, write_private_file
from console.ui.controller import SessionController

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def write_crash_file(folder: Path, text: str, stamp: datetime | None = None) -> Path | None:
    """Write `text` to a new 0600 crash file in `folder` (else the temp folder); None if neither."""
    when = (stamp or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"crash-{when}-{os.getpid()}.txt"
    return write_private_file((folder, Path(tempfile.gettempdir())), name, text)


_OWN_CODE = tuple(str(Path(__file__).resolve().parents[2] / package) + os.sep
                  for package in ("console", "devices", "protocols"))
"""The console's own code: where a fault is placed when its traceback passes through it."""
_LIBRARIES = tuple({os.path.realpath(folder) + os.sep
                    for folder in (*(sysconfig.get_paths().get(name) for name in
                                     ("stdlib", "platstdlib", "purelib", "platlib")),
                                   *site.getsitepackages()) if folder})
"""Python's own library and the installed packages: code a bug of the console passes through."""


@functools.lru_cache(maxsize=512)
def _is_own(filename: str) -> bool:
    """The console's packages, or code that is no library's (a script, a test's planted bug);
    never `<frozen ...>` code."""
    path = os.path.realpath(filename)
    return path.startswith(_OWN_CODE) or (not filename.startswith("<")
                                          and not path.startswith(_LIBRARIES))


def _innermost(exc: BaseException) -> TracebackType | None:
    """Where the bug is: the innermost frame in the console's own code (`_is_own`), else the
    innermost.

    Not the innermost alone: two different bugs ending in one library line (json's encoder,
    which every detail goes through) were one fault, the second a silent repeat, and the
    alarm named the library's line, not the console's."""
    tb, own = exc.__traceback__, None
    while tb is not None:
        if _is_own(tb.tb_frame.f_code.co_filename):
            own = tb
        if tb.tb_next is None:
            break
        tb = tb.tb_next
    return own or tb


def _crash_path(crash: Path | None) -> str:
    """The crash file as the alarm, the log and the fault bar name it: escaped as `utf8_text` (a
    log in a Latin-1 folder: the log refused the fault's row, the bar dropped the byte)."""
    return utf8_text(str(crash or ""))


SUMMARY_LENGTH = 160   # a fault's summary at most (the `console_fault` row keeps 300)


def summary_of(exc: BaseException) -> str:
    """One line for the alarm: the exception type and its message, and where it was raised
    (in the console's own code when it went through it: `_innermost`).

    A long message is cut, never the place: two bugs whose messages start alike were one
    summary, so the engine took the second for the first (silent once acknowledged) and the
    log lost where it was raised.
    """
    tb = _innermost(exc)
    where = f" in {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else ""
    text = str(exc).splitlines()[0] if str(exc) else ""
    said = f"{type(exc).__name__}{': ' + text if text else ''}"
    room = max(SUMMARY_LENGTH - len(where), len(type(exc).__name__) + 1)
    if len(said) > room:
        said = said[:room - 1] + "…"
    return utf8_text(said + where)


def fault_key(exc: BaseException) -> str:
    """The same bug, whatever its message: the exception type and the console's line that raised
    it (`_innermost`; a bug raising `KeyError: 1001`, `1002`, ... at every tick wrote a crash
    file and a log row twice a second)."""
    tb = _innermost(exc)
    where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "no traceback"
    return f"{type(exc).__module__}.{type(exc).__qualname__} at {where}"


class FaultHandler(QtCore.QObject):
    """Routes every uncaught exception of the console to a crash file and the fault alarm.

    Signals:
        fault(str, str): a fault was handled: its one-line summary and the crash file ("" when
            none could be written).
        _from_thread(str, str): internal; carries a worker thread's fault to the GUI thread.
    """

    fault = QtCore.Signal(str, str)
    _from_thread = QtCore.Signal(str, str)

    def __init__(self, crash_folder: Path, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.crash_folder = crash_folder
        self.controller: SessionController | None = None
        self.faults: list[tuple[str, str]] = []   # (summary, crash file) of each fault reported
        self.repeats: dict[str, int] = {}   # how often each reported fault came again (`fault_key`)
        self._repeats_lock = threading.Lock()   # a worker thread's fault counts there too
        self._waiting: deque[tuple[str, str]] = deque()   # faults to report, in their order
        self._previous: ExceptHook | None = None
        self._previous_thread_hook: Callable[[threading.ExceptHookArgs], object] | None = None
        self._handling = False
        self._from_thread.connect(self._report, QtCore.Qt.ConnectionType.QueuedConnection)

    def install(self, qt_messages: bool = True) -> None:
        """Take over `sys.excepthook` and `threading.excepthook` (and Qt's fatal messages)."""
        self._previous = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread
        if qt_messages:
            QtCore.qInstallMessageHandler(self._qt_message)

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook = self._previous
        if self._previous_thread_hook is not None:
            threading.excepthook = self._previous_thread_hook

    def attach(self, controller: SessionController) -> None:
        """Faults from now on raise their alarm in this session: once each (`_repeat`), also a
        fault already reported in the session before (its alarm ended with it)."""
        if controller is not self.controller:
            with self._repeats_lock:
                self.repeats.clear()
        self.controller = controller

    # ---- the hooks ---------------------------------------------------------------------------

    def handle(self, exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None) -> None:
        """sys.excepthook: a fault on the GUI thread (a slot, a timer, an event handler)."""
        if issubclass(exc_type, KeyboardInterrupt):
            if self._previous is not None:
                self._previous(exc_type, exc, tb)
            return
        if self._repeat(fault_key(exc)):
            return
        summary, crash, text = exc_type.__name__, None, ""
        try:
            summary = summary_of(exc)
            text = utf8_text("".join(traceback.format_exception(exc_type, exc, tb)))
            crash = write_crash_file(self.crash_folder, text)
        except Exception:  # noqa: BLE001 - the alarm must go out whatever failed in writing it up
            pass
        # After the crash file, on its own: a terminal since closed (EIO) or stderr on a full
        # disk (ENOSPC) had lost the crash file, the alarm naming none. ValueError: a stderr
        # object closed ("I/O operation on closed file") must not stop the alarm either.
        with contextlib.suppress(OSError, ValueError):
            print(text, file=sys.stderr, end="")   # for whoever runs the console from a terminal
        self._report(summary, _crash_path(crash))

    def _repeat(self, key: str) -> bool:
        """True for a fault already reported (a broken redraw fails at every tick): counted, but
        its alarm already stands and one crash file says it all."""
        with self._repeats_lock:
            if key in self.repeats:
                self.repeats[key] += 1
                return True
            self.repeats[key] = 0
            return False

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        # The same rule as on the GUI thread: a reader's owner failing at every message had
        # written a crash file and a log row each time.
        if self._repeat(fault_key(args.exc_value)):
            return
        summary, crash = args.exc_type.__name__, None
        try:
            summary = summary_of(args.exc_value)
            text = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                      args.exc_traceback))
            crash = write_crash_file(self.crash_folder, f"thread {args.thread}\n{text}")
        except Exception:  # noqa: BLE001 - the alarm must go out whatever failed in writing it up
            pass
        # Only the GUI thread may touch the engine and the window.
        self._from_thread.emit(summary, _crash_path(crash))

    def _qt_message(self, kind: QtCore.QtMsgType, context: QtCore.QMessageLogContext,
                    message: str) -> None:
        if kind == QtCore.QtMsgType.QtFatalMsg:   # Qt aborts after this: leave a record first
            write_crash_file(self.crash_folder, f"Qt fatal: {message}\n"
                             f"{context.file}:{context.line} {context.function}\n")
        with contextlib.suppress(OSError, ValueError):   # as in `handle`: stderr may be gone
            print(message, file=sys.stderr)

    # ---- reporting ---------------------------------------------------------------------------

    @QtCore.Slot(str, str)
    def _report(self, summary: str, crash_file: str) -> None:
        if QtCore.QThread.currentThread() is not self.thread():
            self._from_thread.emit(summary, crash_file)
            return
        self.faults.append((summary, crash_file))
        self._waiting.append((summary, crash_file))
        if self._handling:
            # A fault while reporting a fault (in what the report's commit redraws): its turn
            # comes once this one is out. Dropped, it was never alarmed, and `_repeat` kept it
            # silent for good. No loop: it raising again in its own report is a repeat.
            return
        self._handling = True
        try:
            while self._waiting:
                summary, crash_file = self._waiting.popleft()
                if self.controller is not None:
                    self.controller.console_fault(summary, crash_file)
                self.fault.emit(summary, crash_file)
        finally:
            self._handling = False

"""Ctrl+R in a live console starts the review as its own process, so the console's GUI thread
(which draws and sounds the alarms) never loads a log or writes a PDF.

The child is the real `infusion-console review` on the console's log. Qt's own paint logging
(`qt.widgets.painting`, in the child's environment) tells the test when the child's event loop has
painted its review window on the screen; nothing here waits for wall-clock time except for that
child process.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import shiboken6
from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.store import EventLog
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from console.ui.review_launcher import Launch, ReviewLauncher
from console.ui.start_screen import StartRequest
from protocols.loader import default_protocol_dirs, load_protocols
from tests.ui.conftest import Answers

PAINTED = re.compile(r"Flushing .* of ReviewWindow\(")   # Qt's log line: the review window painted
CHILD_START_S = 60   # a child interpreter importing Qt on a loaded 2-core machine


def shown(launcher: ReviewLauncher) -> bool:
    """Whether the review process has painted its window (so its event loop runs)."""
    return PAINTED.search(launcher.error_output()) is not None


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def opened_read_only(pid: int, path: Path) -> bool:
    """Whether process `pid` holds `path` open read-only (the review's `mode=ro` connection)."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target == str(path):
            flags = int(Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text().split("flags:")[1].split()[0], 8)
            return flags & os.O_ACCMODE == os.O_RDONLY
    return False


@pytest.fixture
def console(qtbot, tmp_path, monkeypatch):
    """A console window with a live session on a log under tmp_path; any review child ends after."""
    monkeypatch.setenv("QT_LOGGING_RULES", "qt.widgets.painting=true")   # read by the child
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    cleanups: list = []
    window = MainWindow(log, load_protocols(default_protocol_dirs()),
                        ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC)), RecordingAudioOut(),
                        cleanups, Answers(), Answers())
    qtbot.addWidget(window)
    window.show()
    window.start_screen.start_requested.emit(
        StartRequest("MRN-1", 70.0, "iv-ketamine", None, 1, "ana", None, None))
    assert window.live is not None and window.controller is not None
    yield window
    for cleanup in reversed(cleanups):
        cleanup()
    log.close()
    # pytest-qt has closed the window and asked Qt to delete it (and its launcher) by now: end
    # any review child by its pid.
    end_review_children(qtbot)


def end_review_children(qtbot) -> None:
    """SIGTERM (then SIGKILL) every review process this test process started, and reap it."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = cmdline(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
        if ppid != os.getpid() or command[1:4] != ["-m", "console.cli", "review"]:
            continue
        pid = int(entry.name)
        os.kill(pid, signal.SIGTERM)
        try:
            qtbot.waitUntil(lambda: os.waitpid(pid, os.WNOHANG)[0] == pid, timeout=10000)
        except qtbot.TimeoutError:   # a SIGTERM that came before its Qt loop ran is lost
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except ChildProcessError:    # already reaped by its launcher
            pass


def ctrl_r(qtbot, window: MainWindow) -> ReviewLauncher:
    qtbot.keyClick(window.live, "r", QtCore.Qt.KeyboardModifier.ControlModifier)
    launchers = window.findChildren(ReviewLauncher)
    assert len(launchers) == 1
    return launchers[0]


def test_ctrl_r_starts_the_review_of_this_log_as_its_own_process(qtbot, console):
    launcher = ctrl_r(qtbot, console)
    pid = launcher.pid
    assert pid is not None and pid != os.getpid()
    # The key is answered at once, before the review's window can come.
    notice = console.findChild(QtWidgets.QLabel, "review_notice")
    assert notice.isVisible()
    assert notice.text() == ("Opening the review of past sessions in its own window; this session "
                             "goes on here.")
    # (Popen returns while the child is still inside exec: its command line comes a moment later.)
    expected = [sys.executable, "-m", "console.cli", "review", "--db", str(console.log.path),
                "--theme", "light",   # the console's look: a dim room's review is dim too
                "--lock-after", "10"]  # and its idle lock time
    qtbot.waitUntil(lambda: cmdline(pid) == expected, timeout=CHILD_START_S * 1000)
    # Below the console on the CPU: the alarm path wins over a busy review; on two or more
    # processors the review keeps to the last one (run_in_background).
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(os.getpriority(os.PRIO_PROCESS, 0) + 10, 19)
    processors = sorted(os.sched_getaffinity(0))
    if len(processors) >= 2:
        assert os.sched_getaffinity(pid) == {processors[-1]}
    # The child shows the review window and reads the console's log read-only.
    qtbot.waitUntil(lambda: shown(launcher), timeout=CHILD_START_S * 1000)
    assert opened_read_only(pid, console.log.path)
    # No review window in the console's own process.
    assert [w for w in QtCore.QCoreApplication.instance().topLevelWidgets()
            if type(w).__name__ == "ReviewWindow"] == []
    # Told to end, it ends cleanly (its SIGTERM handler quits Qt's loop: status 0).
    with qtbot.waitSignal(launcher.finished, timeout=CHILD_START_S * 1000) as ended:
        launcher.close()
    assert ended.args == [0]
    assert not launcher.running() and launcher.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_console_keeps_ticking_while_the_review_loads(qtbot, console):
    controller = console.controller
    controller.timer.setInterval(20)   # the console's timer, faster, to see every stall
    ticks: list[bool] = []
    controller.timer.timeout.connect(lambda: ticks.append(True))
    launcher = ctrl_r(qtbot, console)
    # Ctrl+R only starts a process: nothing of the review is built here.
    assert not shown(launcher)
    returned = len(ticks)
    qtbot.waitUntil(lambda: shown(launcher), timeout=CHILD_START_S * 1000)
    # The console's loop ran all the while the child imported Qt and loaded the log.
    assert len(ticks) - returned >= 3, len(ticks) - returned


def test_a_second_ctrl_r_starts_nothing_and_says_the_review_is_open(qtbot, console):
    launcher = ctrl_r(qtbot, console)
    pid = launcher.pid
    assert ctrl_r(qtbot, console) is launcher
    assert launcher.pid == pid
    # A banner in the console says so, and where to find it ...
    notice = console.findChild(QtWidgets.QLabel, "review_notice")
    assert notice.isVisible()
    assert notice.text() == (f"The review of past sessions is already open in its own window "
                          f"(process {pid}). Switch to it with Alt+Tab; it stays open until it is "
                          "closed there.")
    # ... and leaves the keyboard with the live window (F2, F3 and Ctrl+R still reach it).
    QtCore.QCoreApplication.processEvents()
    assert QtWidgets.QApplication.activeWindow() is console
    # Once it has been closed, Ctrl+R opens a new one.
    with qtbot.waitSignal(launcher.finished, timeout=CHILD_START_S * 1000):
        launcher.close()
    assert ctrl_r(qtbot, console) is launcher
    assert launcher.pid not in (None, pid), launcher.error_output()[-2000:]


def test_the_review_is_left_running_when_the_console_stops(qtbot, tmp_path):
    """A clinician may still be reading: the review outlives the console (and its session)."""
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    cleanups: list = []
    window = MainWindow(log, load_protocols(default_protocol_dirs()),
                        ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC)), RecordingAudioOut(),
                        cleanups, Answers(), Answers())
    window.show()
    launcher = window.open_review()
    pid = launcher.pid
    assert pid is not None
    # The console stops: its cleanups run and its window goes.
    for cleanup in reversed(cleanups):
        cleanup()
    log.close()
    window.close()
    window.deleteLater()
    qtbot.waitUntil(lambda: not window.isVisible())
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(window) and not shiboken6.isValid(launcher)   # both gone
    os.kill(pid, 0)   # still there (ProcessLookupError otherwise)
    assert os.getsid(pid) == pid   # its own session: a Ctrl+C meant for the console misses it
    os.kill(pid, signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) or os.WTERMSIG(status) == signal.SIGTERM


def test_a_review_that_fails_says_why(qtbot, tmp_path):
    notices: list[str] = []
    launcher = ReviewLauncher(tmp_path / "missing.sqlite3", notify=notices.append)
    with qtbot.waitSignal(launcher.finished, timeout=CHILD_START_S * 1000) as ended:
        assert launcher.open() is Launch.STARTED
    assert ended.args == [2]
    assert len(notices) == 2
    assert notices[0] == ("Opening the review of past sessions in its own window; this session "
                          "goes on here.")
    assert notices[1].startswith("The review of past sessions stopped with an error (exit status 2): "
                                 "infusion-console review: ")
    assert str(tmp_path / "missing.sqlite3") in notices[1]

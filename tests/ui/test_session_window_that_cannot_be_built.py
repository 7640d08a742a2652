"""A bug while the session window is built (any of its panels failing to build): the session's
alarms still show and sound, the Console fault with them, and the session runs.

The session window's first draw failing was handled; its construction failing was not: a
`--resume N` (the command line, and "Restart and resume") ended in a traceback, no console and
no alarm left; from the start page the nurse was left on the start page, the session's timers
and its monitor stopped, a high alarm restored from the log shown nowhere (README: "a bug
becomes a technical alarm, never silence"; "a restart restores every alarm as it was").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from console.cli import gui_parser
from console.clock import ManualClock
from console.session.alarms import AlarmState
from console.session.engine import CONSOLE_FAULT
from console.ui import alarm_bar, live_window
from console.ui.alarm_bar import COLOURS, AlarmBar
from console.ui.app import build, dispose
from console.ui.audio import RecordingAudioOut
from console.ui.fault_handler import FaultHandler
from console.ui.main_window import MainWindow
from console.ui.start_screen import StartRequest
from protocols.model import Priority
from tests.faults.conftest import sql
from tests.ui.conftest import Answers, ready_for_t0

pytestmark = [pytest.mark.qt_no_exception_capture]   # the fault handler takes the bug

SESSION = ["--protocol", "iv-ketamine", "--patient", "MRN-9", "--weight", "70", "--nurse", "ana"]


class Bug(Exception):
    """The planted fault."""


@pytest.fixture
def console(qtbot, tmp_path: Path) -> Iterator[Callable[..., tuple[MainWindow, FaultHandler,
                                                                   RecordingAudioOut]]]:
    """Builds the console as `infusion-console` does, with these options, its fault handler
    installed; everything built is stopped at the end as `run()` stops it: the cleanups, then
    the windows disposed of. (Not given to qtbot: pytest-qt closes and deletes its widgets
    before a fixture's cleanups run, and the session's controller went with the window.)"""
    cleanups: list[Callable[[], None]] = []
    handlers: list[FaultHandler] = []
    windows: list[MainWindow] = []

    def started(*options: str) -> tuple[MainWindow, FaultHandler, RecordingAudioOut]:
        handler = FaultHandler(tmp_path)
        handler.install(qt_messages=False)
        handlers.append(handler)
        audio = RecordingAudioOut()
        args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), *options])
        window = build(args, cleanups, audio_out=audio, confirmer=Answers(), asker=Answers(),
                       fault_handler=handler)
        windows.append(window)
        window.show()
        QtWidgets.QApplication.processEvents()
        return window, handler, audio

    try:
        yield started
    finally:
        for handler in reversed(handlers):
            handler.uninstall()
        try:
            for cleanup in reversed(cleanups):
                cleanup()
        finally:
            for window in windows:
                dispose(window)


def left_open_with_a_high_alarm(tmp_path: Path, qtbot, dosing: bool = False,
                                medium_first: bool = False) -> int:
    """A session whose console stopped while SpO2 85 % (high) stood unacknowledged: its id.
    `dosing`: T0 was given before (its vitals are then checked on a schedule). `medium_first`:
    HR 115 (medium) was raised before it and stands too."""
    cleanups: list[Callable[[], None]] = []
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), *SESSION])
    window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                   asker=Answers())
    qtbot.addWidget(window)
    try:
        controller = window.controller
        assert controller is not None
        if dosing:
            ready_for_t0(controller)
            assert controller.advance_phase().done
        if medium_first:
            controller.enter_manual("heart_rate", 115, confirmed=True)
        controller.enter_manual("spo2", 85, confirmed=True)
        assert [o.priority for o in controller.alarms(controller.clock.now())
                if o.condition == "spo2_low"] == [Priority.HIGH]
        return controller.view.session_id
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def window_fails_to_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """The session window itself raises as it is built."""
    def broken(self, *args, **kwargs):
        raise Bug("planted: session window")

    monkeypatch.setattr(live_window.LiveWindow, "__init__", broken)


def a_panel_fails_to_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """One of its panels raises as it is built, after the window's alarm area was bound to the
    session: a window left half built."""
    def broken(self, *args, **kwargs):
        raise Bug("planted: events panel")

    monkeypatch.setattr(live_window.EventsTab, "__init__", broken)


def shown_alarm_rows(window: MainWindow) -> list[str]:
    """The alarm rows the nurse can see in the console's window."""
    bars = [bar for bar in window.findChildren(AlarmBar) if bar.isVisible()]
    assert len(bars) == 1, "no alarm area on screen"
    return bars[0].rows()


def said_on_screen(window: MainWindow) -> str:
    """Every label's text in sight."""
    return "\n".join(label.text() for label in window.findChildren(QtWidgets.QLabel)
                     if label.isVisible())


def assert_session_alarms_at_the_chair(window: MainWindow, handler: FaultHandler,
                                       audio: RecordingAudioOut, tmp_path: Path,
                                       planted: str, spo2: bool = True) -> None:
    """The Console fault logged, shown and sounding, the session's own alarms beside it, and
    the way out (the fault bar's "Restart and resume") in sight."""
    assert [summary for summary, _ in handler.faults] and \
        handler.faults[0][0].startswith(f"Bug: {planted} in ")
    assert (CONSOLE_FAULT, "raised") in sql(tmp_path / "log.sqlite3",
                                            "SELECT condition, transition FROM alarm_events")
    rows = shown_alarm_rows(window)
    assert any(row.startswith(f"*** Console fault: Bug: {planted}") for row in rows), rows
    if spo2:   # restored from the log, standing as it was
        assert any(row.startswith("*** SpO2 85") for row in rows), rows
    assert "The session window could not be built" in said_on_screen(window)
    assert window.fault_bar.isVisible() and window.restart_button.isVisible()
    assert window.fault_label.text().startswith(f"Console fault: Bug: {planted}")
    assert audio.last is not None and audio.last.priority is Priority.HIGH, \
        "nothing sounds"


def test_a_resume_whose_window_fails_to_build_shows_and_sounds_its_alarms(
        console, tmp_path, qtbot, monkeypatch) -> None:
    session = left_open_with_a_high_alarm(tmp_path, qtbot)
    a_panel_fails_to_build(monkeypatch)
    # "Restart and resume" starts the console so: no traceback, the console comes up.
    window, handler, audio = console("--resume", str(session))
    assert_session_alarms_at_the_chair(window, handler, audio, tmp_path, "planted: events panel")
    # Nothing of the half-built window is left behind, bound to the session, drawing for nobody.
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    assert not [w for w in QtWidgets.QApplication.topLevelWidgets()
                if isinstance(w, (live_window.LiveWindow, AlarmBar))]
    # F2 acknowledges both rows; the tone stops.
    bar = next(bar for bar in window.findChildren(AlarmBar) if bar.isVisible())
    bar.ack_shortcut.activated.emit()
    controller = window.controller
    assert controller is not None
    states = {o.condition: o.state for o in controller.alarms(controller.clock.now())}
    assert states["spo2_low"] is AlarmState.ACKNOWLEDGED
    assert states[CONSOLE_FAULT] is AlarmState.ACKNOWLEDGED
    assert all(row.endswith("acknowledged") for row in shown_alarm_rows(window))
    assert controller.audio(controller.clock.now()).priority is None
    # F3 pauses the audio.
    bar.pause_shortcut.activated.emit()
    assert bar.pause_button.text().startswith("Audio paused")
    # The way out: the restart resumes this session.
    window.restart_and_resume()
    assert window.restart_argv[-2:] == ["--resume", str(session)]


def test_a_session_started_on_the_start_page_whose_window_fails_to_build_is_not_lost(
        console, tmp_path, qtbot, monkeypatch) -> None:
    window, handler, audio = console()
    assert window.start_screen is not None
    window_fails_to_build(monkeypatch)
    window.start_screen.start_requested.emit(StartRequest(
        "MRN-10", 70, "iv-ketamine", None, 1, "ana", None, None))
    QtWidgets.QApplication.processEvents()
    assert_session_alarms_at_the_chair(window, handler, audio, tmp_path,
                                       "planted: session window", spo2=False)
    assert not window.start_screen.isVisible(), "the start page stood over the running session"
    assert window.controller is not None and window.controller.timer.isActive(), \
        "the session's timers stopped"
    assert "MRN-10" in said_on_screen(window)   # whose alarms these are


def test_start_resumes_a_session_whose_window_fails_to_build_with_its_alarms(
        console, tmp_path, qtbot, monkeypatch) -> None:
    left_open_with_a_high_alarm(tmp_path, qtbot)
    window, handler, audio = console()
    assert window.start_screen is not None
    a_panel_fails_to_build(monkeypatch)
    window.start_screen.start_requested.emit(StartRequest(
        "MRN-9", 70, "iv-ketamine", None, 1, "bo", None, None))
    QtWidgets.QApplication.processEvents()
    assert_session_alarms_at_the_chair(window, handler, audio, tmp_path, "planted: events panel")


def test_the_session_runs_on_when_its_window_fails_to_build(console, tmp_path, qtbot,
                                                            monkeypatch) -> None:
    session = left_open_with_a_high_alarm(tmp_path, qtbot, dosing=True)
    window_fails_to_build(monkeypatch)
    window, _handler, _audio = console("--resume", str(session))
    controller = window.controller
    assert controller is not None
    assert controller.timer.isActive(), "the session's timers stopped"
    # Its time goes on: a vitals check falls due and is logged as ever.
    start = controller.clock.now()
    clock = controller.clock = ManualClock(start.wall, start.mono)
    due_before = sql(tmp_path / "log.sqlite3",
                     "SELECT count(*) FROM alarm_events WHERE condition LIKE 'vitals_due%'")
    clock.advance(30 * 60)
    controller.timer.timeout.emit()
    assert sql(tmp_path / "log.sqlite3", "SELECT count(*) FROM alarm_events WHERE condition "
               "LIKE 'vitals_due%'") != due_before
    assert any("due" in row.lower() for row in shown_alarm_rows(window))


def test_a_session_started_on_the_command_line_whose_window_fails_runs_on_the_fallback(
        console, tmp_path, qtbot, monkeypatch) -> None:
    """`infusion-console --protocol .. --patient ..`, as a chair's launcher starts it."""
    window_fails_to_build(monkeypatch)
    window, handler, audio = console(*SESSION)
    assert_session_alarms_at_the_chair(window, handler, audio, tmp_path,
                                       "planted: session window", spo2=False)
    assert window.controller is not None and window.controller.timer.isActive()
    said = said_on_screen(window)
    assert "MRN-9 · IV" in said and "nurse ana" in said   # whose alarms these are
    # A close refused (the station locked) is said on the page: it has no lock bar.
    window._say_not_closed("Sign in to close the console.")
    said = said_on_screen(window)
    assert "The console was not closed" in said and "Sign in to close the console" in said


def test_an_alarm_area_that_cannot_be_built_leaves_the_alarms_in_a_plain_list(
        console, tmp_path, qtbot, monkeypatch) -> None:
    """The alarm area itself is what fails: the session's alarms are listed plainly, highest
    first in their priority's colours, and F2 and F3 pressed act on them."""
    session = left_open_with_a_high_alarm(tmp_path, qtbot, medium_first=True)

    def broken(self, *args, **kwargs):
        raise Bug("planted: alarm area")

    monkeypatch.setattr(alarm_bar.AlarmBar, "__init__", broken)
    window, handler, audio = console("--resume", str(session))
    assert handler.faults and handler.faults[0][0].startswith("Bug: planted: alarm area")
    listed = [view for view in window.findChildren(QtWidgets.QListWidget, "plain_alarms")
              if view.isVisible()]
    assert len(listed) == 1, "no alarm shown"

    def rows() -> list[str]:
        return [listed[0].item(i).text() for i in range(listed[0].count())]

    # The highs first, the newest of them first (the alarm area's order), the medium last.
    assert rows()[0].startswith("*** Console fault: Bug: planted: alarm area"), rows()
    assert rows()[1].startswith("*** SpO2 85"), rows()
    assert rows()[2].startswith("** Heart rate 115"), rows()
    # Each row read whole at the width it has (the Console fault's words ran past the edge).
    window.resize(1366, 768)
    QtWidgets.QApplication.processEvents()
    for i in range(listed[0].count()):
        item = listed[0].item(i)
        shown = listed[0].visualItemRect(item)
        needed = QtGui.QFontMetrics(listed[0].font()).boundingRect(
            QtCore.QRect(0, 0, shown.width(), 10_000),
            int(QtCore.Qt.TextFlag.TextWordWrap), item.text())
        assert shown.right() <= listed[0].viewport().width(), item.text()
        assert needed.width() <= shown.width() and needed.height() <= shown.height(), \
            (item.text(), needed, shown)
    background, text = COLOURS[Priority.HIGH]
    assert listed[0].item(0).background().color() == QtGui.QColor(background)
    assert listed[0].item(0).foreground().color() == QtGui.QColor(text)
    assert "The session window could not be built" in said_on_screen(window)
    assert audio.last is not None and audio.last.priority is Priority.HIGH
    controller = window.controller
    assert controller is not None
    # F3 pressed pauses the audio and acknowledges nothing (the list takes no focus: the keys
    # work from the window).
    window.activateWindow()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_F3)
    now = controller.clock.now()
    assert controller.audio(now).paused_seconds_left
    assert window.findChild(QtWidgets.QPushButton, "plain_pause").text().startswith(
        "Audio paused")
    assert not any(o.state is AlarmState.ACKNOWLEDGED for o in controller.alarms(now))
    # F2 pressed acknowledges every alarm listed.
    qtbot.keyClick(window, QtCore.Qt.Key.Key_F2)
    assert all(o.state is AlarmState.ACKNOWLEDGED
               for o in controller.alarms(controller.clock.now()))
    assert all(row.endswith("acknowledged") for row in rows()), rows()
    ack = window.findChild(QtWidgets.QPushButton, "plain_acknowledge")
    assert ack is not None and ack.isVisible()

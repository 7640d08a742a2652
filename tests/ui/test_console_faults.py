"""A bug is a technical alarm, never silence (quality bar R11).

Each test plants an exception at one place of the running console (the tick, a device event, a
widget's slot, the sounder, the recorder) and checks what a nurse and a reviewer would: the
"Console fault" alarm shown at the top of the alarm area and sounding high, the fault bar offering
"Restart and resume", a 0600 crash file beside the log, the `console_fault` event and the alarm in
SQLite, and a log consistent with the screen.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from console.cli import gui_parser
from console.clock import ManualClock
from console.session.conditions import ConditionTracker
from console.session.engine import CONSOLE_FAULT
from console.ui.app import build
from console.ui.audio import RecordingAudioOut
from console.ui.fault_handler import FaultHandler
from console.ui.main_window import MainWindow
from console.ui.start_screen import StartRequest
from devices.reading import Reading
from devices.transport import ConnectionState, DeviceEvent, EventKind, ReplyTicket
from protocols.model import Priority
from tests.ui.conftest import Answers

# The console's own hook must see the exceptions; R11 of the fault suite.
pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.faults]


class Bug(Exception):
    """The planted fault."""


@pytest.fixture
def console(qtbot: object, tmp_path: Path) -> Iterator[tuple[MainWindow, FaultHandler, RecordingAudioOut]]:
    cleanups: list[Callable[[], None]] = []
    handler = FaultHandler(tmp_path)
    handler.install(qt_messages=False)
    audio = RecordingAudioOut()
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), "--protocol",
                                    "iv-ketamine", "--patient", "MRN-9", "--weight", "70",
                                    "--nurse", "ana"])
    window = build(args, cleanups, audio_out=audio, confirmer=Answers(), asker=Answers(),
                   fault_handler=handler)
    qtbot.addWidget(window)   # type: ignore[attr-defined]
    window.show()
    try:
        yield window, handler, audio
    finally:
        handler.uninstall()
        for cleanup in reversed(cleanups):
            cleanup()


def logged(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "log.sqlite3") as db:
        return db.execute(sql).fetchall()


def assert_fault_alarm(window: MainWindow, audio: RecordingAudioOut, tmp_path: Path,
                       words: str) -> None:
    live = window.live
    assert live is not None
    rows = live.alarm_bar.rows()
    assert rows and rows[0].startswith("*** Console fault: ") and words in rows[0]
    assert audio.last is not None and audio.last.priority is Priority.HIGH
    assert window.fault_bar.isVisible() and window.restart_button.isVisible()
    assert words in window.fault_label.text()
    crashes = list(tmp_path.glob("crash-*.txt"))
    assert len(crashes) == 1 and words in crashes[0].read_text()
    assert stat.S_IMODE(crashes[0].stat().st_mode) == 0o600
    assert logged(tmp_path, "SELECT condition, priority, transition FROM alarm_events "
                            f"WHERE condition = '{CONSOLE_FAULT}'") == [(CONSOLE_FAULT, "high", "raised")]
    [(detail,)] = logged(tmp_path, "SELECT detail FROM events WHERE kind = 'console_fault'")
    assert words in str(detail) and str(crashes[0]) in str(detail)


def test_a_fault_in_the_tick_raises_the_console_fault_alarm(console, tmp_path, monkeypatch) -> None:
    window, handler, audio = console
    controller = window.controller
    engine = controller._engine   # the planted bug goes inside the engine itself

    def broken(now: object) -> list[object]:
        raise Bug("tick planted")

    monkeypatch.setattr(engine, "_time_records", broken)
    controller.timer.timeout.emit()
    assert_fault_alarm(window, audio, tmp_path, "tick planted")
    # The same bug at every tick: one alarm, one crash file, counted.
    controller.timer.timeout.emit()
    controller.timer.timeout.emit()
    assert list(handler.repeats.values()) == [2]
    assert len(list(tmp_path.glob("crash-*.txt"))) == 1


def test_a_fault_in_one_rules_time_check_leaves_the_other_alarms_working(console, tmp_path,
                                                                         monkeypatch) -> None:
    """The tick holds the apnoea alarm, the reminders and the end of a pause: a bug in one of its
    rules (here SpO2's absence check) must not undo the rest at every tick. Before, after one F2
    on "Console fault" the console stayed silent through an apnoea and never reminded."""
    window, handler, audio = console
    controller = window.controller
    live = window.live
    assert live is not None
    start = controller.clock.now()
    clock = controller.clock = ManualClock(start.wall, start.mono)
    port = "/dev/pts/9"

    def monitor(**what: object) -> None:
        now = clock.now()
        controller._on_device_event(DeviceEvent(what.pop("kind"), port, now.wall, now.mono,  # type: ignore[arg-type]
                                                **what))  # type: ignore[arg-type]

    def breathing(rate: float) -> None:
        now = clock.now()
        monitor(kind=EventKind.DATA, frames=1, ticket=ReplyTicket(), readings=(
            Reading("resp_rate", rate, "/min", now.wall, now.wall, "hl7:SIM"),))

    def seconds(count: float) -> None:   # the 2 Hz tick, on the injected clock
        for _ in range(int(count * 2)):
            clock.advance(0.5)
            controller.timer.timeout.emit()

    monitor(kind=EventKind.STATE, state=ConnectionState.CONNECTED)
    breathing(16)
    real = ConditionTracker.on_time

    def on_time(tracker: ConditionTracker, *args: object) -> None:
        if tracker.metric == "spo2":
            raise Bug("absence check planted")
        real(tracker, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ConditionTracker, "on_time", on_time)
    seconds(0.5)
    assert_fault_alarm(window, audio, tmp_path, "absence check planted")
    sounder = window.sounder
    assert sounder is not None
    live.alarm_bar.ack_button.click()   # the nurse silences the fault
    assert sounder.pattern is None
    shown = live.timers.text()
    seconds(2)   # nothing to write, but the timers on screen still follow the clock
    assert live.timers.text() != shown

    seconds(30)   # no breath counted for 30 s: the apnoea alarm comes all the same, high
    rows = live.alarm_bar.rows()
    assert any(row.startswith("*** No respiratory rate for ") for row in rows), rows
    assert sounder.pattern is not None and sounder.pattern.priority is Priority.HIGH
    live.alarm_bar.ack_button.click()
    assert sounder.pattern is None
    seconds(120)   # and the acknowledged fault is reminded, as every acknowledged alarm is
    fault_row = next(row for row in live.alarm_bar.rows() if "Console fault" in row)
    assert "acknowledged" not in fault_row
    assert sounder.pattern is not None and sounder.pattern.priority is Priority.HIGH
    assert logged(tmp_path, "SELECT transition FROM alarm_events WHERE condition = "
                            f"'{CONSOLE_FAULT}'") == [("raised",), ("acknowledged",), ("reminded",)]
    assert len(list(tmp_path.glob("crash-*.txt"))) == 1   # one fault, counted, not re-filed


def test_a_fault_in_a_device_event_alarms_and_the_monitor_is_not_told_aa(console, tmp_path,
                                                                          monkeypatch) -> None:
    window, handler, audio = console
    controller = window.controller
    engine = controller._engine

    def broken(*args: object, **kwargs: object) -> bool:
        raise Bug("device planted")

    monkeypatch.setattr(engine, "ingest_message", broken)
    now = controller.clock.now()
    ticket = ReplyTicket()
    event = DeviceEvent(EventKind.DATA, "/dev/pts/9", now.wall, now.mono, frames=1, ticket=ticket,
                        readings=(Reading("spo2", 97, "%", now.wall, now.wall, "hl7:SIM"),))
    controller.device_event.emit(event)   # queued: delivered by the event loop
    QtWidgets.QApplication.processEvents()
    assert ticket.verdict is False   # AE: the monitor keeps the reading and resends it
    assert_fault_alarm(window, audio, tmp_path, "device planted")


def test_a_fault_in_a_widget_slot_alarms(console, tmp_path, monkeypatch) -> None:
    window, handler, audio = console
    live = window.live
    assert live is not None

    def broken(*args: object, **kwargs: object) -> object:
        raise Bug("slot planted")

    monkeypatch.setattr(window.controller, "note", broken)
    live.entry.note.setText("feels floaty")
    live.entry.note.returnPressed.emit()
    assert_fault_alarm(window, audio, tmp_path, "slot planted")


def test_a_fault_in_the_sounder_still_ends_in_a_sounding_alarm(console, tmp_path, monkeypatch) -> None:
    window, handler, audio = console
    sounder = window.sounder
    assert sounder is not None
    real_update = sounder.update
    calls = {"n": 0}

    def flaky(signal: object, now: float | None = None, local_only: bool = False) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise Bug("sounder planted")
        real_update(signal, now, local_only)   # type: ignore[arg-type]

    monkeypatch.setattr(sounder, "update", flaky)
    window.controller.timer.timeout.emit()
    assert_fault_alarm(window, audio, tmp_path, "sounder planted")


def test_a_recorder_bug_leaves_no_alarm_on_screen_that_the_log_lacks(console, tmp_path,
                                                                      monkeypatch) -> None:
    window, handler, audio = console
    controller = window.controller
    journal = controller._engine.writes.recorder
    real_write = journal.write
    state = {"fail": True}

    def once(records: object) -> list[int]:
        if state["fail"]:
            state["fail"] = False
            raise Bug("recorder planted")
        return real_write(records)   # type: ignore[arg-type]

    monkeypatch.setattr(journal, "write", once)
    live = window.live
    assert live is not None
    live.entry.fields["spo2"].setText("85")   # a high alarm, if it were committed
    live.entry.fields["spo2"].returnPressed.emit()
    # The reading and its alarm never reached the log, so neither is on screen or sounding:
    # only the fault alarm (committed by the next write) is.
    conditions = [o.condition for o in controller.view.alarms()]
    assert conditions == [CONSOLE_FAULT]
    assert logged(tmp_path, "SELECT count(*) FROM observations WHERE metric = 'spo2'") == [(0,)]
    assert logged(tmp_path, "SELECT count(*) FROM alarm_events WHERE condition = 'spo2_low'") == [(0,)]
    assert_fault_alarm(window, audio, tmp_path, "recorder planted")


def test_when_the_engine_cannot_take_the_fault_it_is_shown_and_sounded_without_it(
        console, tmp_path, monkeypatch) -> None:
    window, handler, audio = console
    controller = window.controller
    engine = controller._engine

    def broken(*args: object, **kwargs: object) -> None:
        raise Bug("engine gone")

    monkeypatch.setattr(engine, "console_fault", broken)
    monkeypatch.setattr(engine, "_time_records", broken)
    controller.timer.timeout.emit()
    live = window.live
    assert live is not None
    rows = live.alarm_bar.rows()
    assert rows[0].startswith("*** Console fault: ") and "not in the log" in rows[0]
    assert audio.last is not None and audio.last.priority is Priority.HIGH
    assert window.fault_bar.isVisible()


def test_a_fault_after_the_discharge_is_kept_out_of_the_record_and_can_be_silenced(
        console, tmp_path, monkeypatch, qtbot) -> None:
    """A fault after the discharge was written to the closed session (a `console_fault` event and
    its alarm after `discharged`), and it sounded high every 5 s with the whole alarm area
    disabled: neither F2 nor F3 could silence it until the window was left."""
    window, handler, audio = console
    controller, live, sounder = window.controller, window.live, window.sounder
    assert live is not None and sounder is not None
    start = controller.clock.now()
    clock = controller.clock = ManualClock(start.wall, start.mono)
    assert controller.discharge(override_reason="test: transfer").done
    assert not live.alarm_bar.isEnabled()   # nothing left to act on

    def broken(*args: object, **kwargs: object) -> None:
        raise Bug("redraw planted")

    monkeypatch.setattr(live.trend, "refresh", broken)
    QtCore.QTimer.singleShot(0, live.refresh)   # a redraw after the discharge fails
    qtbot.waitUntil(lambda: bool(handler.faults), timeout=2000)   # type: ignore[attr-defined]
    [row] = live.alarm_bar.rows()
    assert row.startswith("*** Console fault: Bug: redraw planted") and "after the discharge" in row
    assert sounder.pattern is not None and sounder.pattern.priority is Priority.HIGH
    assert window.fault_bar.isVisible() and "redraw planted" in window.fault_label.text()
    assert "resumes" not in window.fault_label.text()   # no session to resume
    assert len(list(tmp_path.glob("crash-*.txt"))) == 1
    # Nothing is written to the ended session.
    assert logged(tmp_path, "SELECT count(*) FROM events WHERE kind = 'console_fault'") == [(0,)]
    assert logged(tmp_path, "SELECT count(*) FROM alarm_events WHERE condition = "
                            f"'{CONSOLE_FAULT}'") == [(0,)]
    # F3 pauses it, and the button says so only while it is silent.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)   # type: ignore[attr-defined]
    bar = live.alarm_bar
    qtbot.keyClick(window, QtCore.Qt.Key.Key_F3)   # type: ignore[attr-defined]
    assert sounder.pattern is None and bar.pause_button.text() == "Audio paused 2:00 min"
    clock.advance(121)
    controller.timer.timeout.emit()   # the tick runs again for the fault's pause
    assert sounder.pattern is not None and sounder.pattern.priority is Priority.HIGH
    assert bar.pause_button.text() == "Pause audio 2:00 min (F3)"
    # F2 acknowledges it: silent, steady, shown until a restart.
    qtbot.keyClick(window, QtCore.Qt.Key.Key_F2)   # type: ignore[attr-defined]
    assert sounder.pattern is None and bar.rows()[0].endswith("· acknowledged")
    assert logged(tmp_path, "SELECT count(*) FROM events WHERE kind = 'console_fault'") == [(0,)]


def test_the_same_bug_in_the_next_session_raises_its_alarm_again(console, tmp_path,
                                                                 monkeypatch) -> None:
    """A fault was reported once for the life of the process: after a discharge and "New
    session", the same bug in the new session was counted as a repeat and raised no alarm."""
    window, handler, audio = console

    def broken(*args: object, **kwargs: object) -> object:
        raise Bug("slot planted")

    monkeypatch.setattr(type(window.controller), "note", broken)
    first = window.live
    assert first is not None
    first.entry.note.setText("feels floaty")
    first.entry.note.returnPressed.emit()
    assert_fault_alarm(window, audio, tmp_path, "slot planted")
    assert window.controller.discharge(override_reason="test: transfer").done
    first.new_session_button.click()
    window.start_screen.start_requested.emit(StartRequest(
        "MRN-10", 70, "iv-ketamine", None, 1, "ana", None, None))
    second = window.live
    assert second is not None and second is not first
    second.entry.note.setText("feels floaty")
    second.entry.note.returnPressed.emit()
    rows = second.alarm_bar.rows()
    assert rows and rows[0].startswith("*** Console fault: Bug: slot planted")
    assert audio.last is not None and audio.last.priority is Priority.HIGH
    session = window.controller.view.session_id
    assert logged(tmp_path, "SELECT session_id, transition FROM alarm_events WHERE condition = "
                            f"'{CONSOLE_FAULT}' ORDER BY id")[-1] == (session, "raised")


def test_restart_and_resume_restarts_on_the_same_log_and_session(console, tmp_path) -> None:
    window, handler, audio = console
    window.restart_and_resume()
    session = window.controller.view.session_id
    assert window.restart_argv[1:3] == ["-m", "console.cli"]
    args = gui_parser().parse_args(window.restart_argv[3:])
    assert args.resume == session and args.db == tmp_path / "log.sqlite3"

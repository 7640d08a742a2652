"""At the chair: a discharge the log could not take shows "Session ended" with the medium
"Session log unavailable" alarm. The alarm bar was disabled and the tick stopped: the tone sounded
on with F2 and F3 doing nothing, and the log coming back wrote nothing until New session closed
the window (the session stayed open in the log). Now F2 and F3 silence it, the tick runs on and
writes the discharge once the log takes it, and then stops (once F3's pause has run out), the
bar off, as after any discharge."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore

from console.records import Record
from console.session.engine import LOG_UNAVAILABLE
from console.store.errors import LogError
from tests.ui.conftest import shown_live_window


class Locked:
    """Another program holds the log locked while `locked`: every write is refused."""

    def __init__(self, controller, path) -> None:
        self.writes = controller._engine.writes   # the log behind the held writes
        self.inner = self.writes.recorder
        self.path = path
        self.locked = True
        self.writes.recorder = self

    def write(self, records: Sequence[Record]) -> list[int]:
        if self.locked:
            raise LogError(self.path, "locked", "database is locked")
        return self.inner.write(records)


def test_a_discharge_held_by_a_locked_log_is_silenced_at_the_chair_and_written_once_it_is_back(
        qtbot, live):
    controller, _journal, clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    bar = window.alarm_bar
    controller.start()   # the 2 Hz tick (fired by hand below: the clock is the test's)
    lock = Locked(controller, log.path)
    assert controller.discharge(override_reason="transfer to ED").done
    # Ended on screen, not in the log: the log alarm sounds, and the bar acts on it.
    assert window.ended.isVisible()
    [row] = bar.rows()
    assert row.startswith("** Session log unavailable")
    assert controller.audio(clock.now()).priority is not None
    assert bar.isEnabled() and controller.timer.isActive()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    # F2: silent and steady.
    qtbot.keyClick(window, QtCore.Qt.Key.Key_F2)
    assert bar.rows()[0].endswith("· acknowledged")
    assert controller.audio(clock.now()).priority is None
    # F3 pauses it with the countdown.
    qtbot.keyClick(window, QtCore.Qt.Key.Key_F3)
    assert bar.pause_button.text() == "Audio paused 2:00 min"
    # Still locked: the tick goes on, nothing written.
    clock.advance(30)
    controller.timer.timeout.emit()
    assert log.session(controller.view.session_id).ended_at is None
    # The log takes writes again: the next tick writes the discharge, and the window is as
    # after any discharge.
    lock.locked = False
    clock.advance(3)
    controller.timer.timeout.emit()
    assert log.session(controller.view.session_id).ended_at is not None
    assert controller.view.unsaved == 0
    assert bar.rows() == [] and controller.audio(clock.now()).priority is None
    assert not bar.isEnabled()
    # The tick stops once the pause F3 started has run out (its countdown stays true).
    assert controller.timer.isActive() and bar.pause_button.text() == "Audio paused 1:27 min"
    clock.advance(90)
    controller.timer.timeout.emit()
    assert not controller.timer.isActive()
    assert bar.pause_button.text() == "Pause audio 2:00 min (F3)"
    assert [t.transition for _, t in log.alarm_events(controller.view.session_id)
            if t.condition == LOG_UNAVAILABLE] == ["raised", "cleared"]


def test_the_tick_of_a_held_discharge_stops_once_it_is_written(qtbot, live):
    controller, _journal, clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    controller.start()
    lock = Locked(controller, log.path)
    assert controller.discharge(override_reason="transfer to ED").done
    lock.locked = False            # nobody pressed anything: the tone went on meanwhile
    for _ in range(6):             # three seconds of the 2 Hz tick
        clock.advance(0.5)
        controller.timer.timeout.emit()
    assert log.session(controller.view.session_id).ended_at is not None
    assert window.alarm_bar.rows() == [] and controller.audio(clock.now()).priority is None
    assert not window.alarm_bar.isEnabled() and not controller.timer.isActive()

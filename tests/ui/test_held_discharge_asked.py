"""A discharge the log could not take (another program holds it locked) waits in memory for the
tick to write it (8c160af). Both ways out of its window dropped it without a word: the title
bar's X closed unasked and "New session" asked nothing, its records going to an unsaved-records
file named on stderr only, the log showing the session open (the next start page offered the
patient just discharged); the banner said "this record is closed; nothing more is recorded".
Now both are asked first, "Not yet" by default, and the banner says it is not in the log yet."""
from __future__ import annotations

import sqlite3

from PySide6 import QtCore

from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture
from tests.ui.conftest import shown_live_window
from tests.ui.test_close import SESSION, UserClose
from tests.ui.test_discharge_held_by_the_log import Locked

HELD = ("The discharge of MRN-1 is not in the session log yet: the log takes no writes now. "
        "It is written as soon as the log takes writes again, while this window stays open.")


def ended_in_log(tmp_path) -> object:
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        return conn.execute("SELECT ended_at FROM sessions").fetchone()[0]


def held_discharge(started, tmp_path):  # noqa: F811
    window = started(options(tmp_path, *SESSION))
    lock = Locked(window.controller, window.log.path)
    assert window.controller.discharge(override_reason="transfer to ED").done
    assert ended_in_log(tmp_path) is None   # ended on screen only
    return window, lock


def test_closing_the_window_with_a_discharge_not_in_the_log_is_asked(started, tmp_path):  # noqa: F811
    window, _ = held_discharge(started, tmp_path)
    window.asker.yes = False   # "Not yet"
    event = UserClose()
    window.closeEvent(event)
    assert not event.isAccepted() and window.controller is not None
    question = window.asker.asked[-1]
    assert question.startswith(HELD)
    assert "unsaved-records file" in question and question.endswith("Close the console anyway?")
    window.asker.yes = True
    event = UserClose()
    window.closeEvent(event)
    assert event.isAccepted()


def test_new_session_with_a_discharge_not_in_the_log_is_asked(started, tmp_path, qtbot):  # noqa: F811
    window, _ = held_discharge(started, tmp_path)
    window.asker.yes = False   # "Not yet": the window stays, the tick writes it once it can
    qtbot.mouseClick(window.live.new_session_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.controller is not None and window.live is not None
    assert window.asker.asked[-1].startswith(HELD)
    assert window.asker.asked[-1].endswith("Go to a new session anyway?")
    window.asker.yes = True
    qtbot.mouseClick(window.live.new_session_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.controller is None and window.start_screen is not None
    assert list(tmp_path.glob("unsaved-records-*.jsonl")) != []   # where the question said


def test_the_banner_says_a_discharge_not_in_the_log_until_the_log_takes_it(qtbot, live):
    controller, _journal, clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    controller.start()   # the 2 Hz tick (fired by hand: the clock is the test's)
    lock = Locked(controller, log.path)
    assert controller.discharge(override_reason="transfer to ED").done
    assert window.ended_text.text().endswith(
        "(discharged): not yet saved in the session log; it is written as soon as the log "
        "takes writes again.")
    lock.locked = False
    clock.advance(3)
    controller.timer.timeout.emit()
    assert log.session(controller.view.session_id).ended_at is not None
    assert window.ended_text.text().endswith(
        "(discharged): this record is closed; nothing more is recorded.")

"""The start page's "Resume this session" on a log without staff accounts (the transitional rule):
the nurse now at the chair takes the session over, as Start and `--resume N --nurse` hand it over.
Ana's session was left open by a crash; Bea typed her name in Nurse and pressed the offer's
button: the resume was logged by the console and every value Bea typed was recorded as Ana's,
who had gone home, with no other way on such a log to hand the session over."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6 import QtCore

from console.clock import ManualClock
from tests.ui.test_two_chairs import START, chair, cleanups, open_session, sql  # noqa: F401

LEFT = QtCore.Qt.MouseButton.LeftButton


def test_the_offers_resume_hands_the_session_to_the_nurse_typed(tmp_path: Path, qtbot,
                                                                 cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    open_session(db)   # ana's, left open
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    qtbot.keyClicks(window.start_screen.nurse_edit, "bea")
    qtbot.mouseClick(window.resume_buttons[0], LEFT)
    assert window.controller is not None
    assert sql(db, "SELECT actor FROM events WHERE kind='session_resumed'") == [("bea",)]
    assert sql(db, "SELECT actor, detail FROM events WHERE kind='handed_over'") == [
        ("bea", '{"from":"ana","to":"bea"}')]
    window.controller.enter_manual("spo2", 84, confirmed=True)
    assert sql(db, "SELECT entered_by FROM observations WHERE metric='spo2'") == [("bea",)]


def test_the_offers_resume_asks_the_nurses_name_first_when_none_is_typed(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    open_session(db)
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    screen = window.start_screen
    qtbot.mouseClick(window.resume_buttons[0], LEFT)
    assert window.live is None   # nothing resumed under nobody's name
    assert sql(db, "SELECT count(*) FROM events WHERE kind='session_resumed'") == [(0,)]
    assert screen.nurse_message.text() == (
        "Who resumes it? Type your name, then “Resume this session” again.")
    assert window.focusWidget() is screen.nurse_edit
    qtbot.keyClicks(screen.nurse_edit, "bea")
    qtbot.mouseClick(window.resume_buttons[0], LEFT)
    assert window.controller is not None
    assert sql(db, "SELECT actor FROM events WHERE kind='session_resumed'") == [("bea",)]


def test_the_name_asked_for_a_resume_to_discharge_fits_under_the_nurse_field_at_1366(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    open_session(db)   # left open 13 hours ago: resumed only to discharge it
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(hours=13)), cleanups)
    window.resize(1366, 700)
    window.show()
    qtbot.waitExposed(window)
    qtbot.mouseClick(window.resume_buttons[0], LEFT)
    asked = window.start_screen.nurse_message
    assert asked.text() == "Who resumes it? Type your name, then “Resume to discharge it” again."
    # Within two lines, as most field messages: the fields below do not move.
    lines = asked.heightForWidth(asked.width()) / asked.fontMetrics().lineSpacing()
    assert lines <= 2, (asked.width(), lines, asked.text())

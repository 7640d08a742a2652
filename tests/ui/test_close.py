"""Closing the console while a session runs stops every alarm of it: a close from the window system
(the title bar's X, Alt+F4) is asked first and a "yes" is logged; the console's own ends (SIGTERM,
"Restart and resume", which come through quit()) and a close with no session running are not."""

from __future__ import annotations

import sqlite3

from PySide6 import QtGui

from console.records import EventRecord
from console.session.journal import describe
from tests.session.helpers import START
from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture

SESSION = ("--protocol", "iv-ketamine", "--patient", "MRN-1", "--weight", "80", "--nurse", "ana")


class UserClose(QtGui.QCloseEvent):
    """The close event the window system sends when the nurse clicks X or presses Alt+F4 (the
    offscreen platform cannot send one: its events are not spontaneous)."""

    def spontaneous(self) -> bool:  # noqa: D102 - Qt's name
        return True


def closed_events(tmp_path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        return conn.execute("SELECT kind, actor FROM events WHERE kind = 'console_closed'"
                            ).fetchall()


def test_closing_during_a_session_is_asked_and_not_yet_keeps_monitoring(started, tmp_path):
    window = started(options(tmp_path, *SESSION))
    window.asker.yes = False   # the nurse answers "Not yet"
    event = UserClose()
    window.closeEvent(event)
    assert not event.isAccepted()
    assert "Closing the console stops its alarms" in window.asker.asked[-1]
    assert "MRN-1" in window.asker.asked[-1]
    assert closed_events(tmp_path) == []

    window.asker.yes = True   # now the nurse means it: closed, and the record says who chose it
    event = UserClose()
    window.closeEvent(event)
    assert event.isAccepted()
    assert closed_events(tmp_path) == [("console_closed", "ana")]
    # The events list and the review say it in words.
    record = EventRecord(1, START, "console_closed", "ana", {"phase": "pre"})
    assert describe(record) == ("Console closed by the nurse during the session: no monitoring "
                                "until it was started again — ana")


def test_the_consoles_own_end_and_a_close_without_a_session_are_not_asked(started, tmp_path):
    window = started(options(tmp_path, *SESSION))
    asked = len(window.asker.asked)
    # quit() (SIGTERM at shutdown, "Restart and resume") closes the window with an event that
    # is not spontaneous: never asked, or a shutdown would hang on a question.
    event = QtGui.QCloseEvent()
    window.closeEvent(event)
    assert event.isAccepted() and len(window.asker.asked) == asked

    ended = started(options(tmp_path / "b", *SESSION))
    ended.controller.discharge(override_reason="test: ended")
    assert ended.controller.view.discharged
    asked = len(ended.asker.asked)
    event = UserClose()
    ended.closeEvent(event)
    assert event.isAccepted() and len(ended.asker.asked) == asked


def test_a_cleanup_that_fails_skips_none_of_the_others(capsys):
    """The session's last write failing at a stop skipped the cleanups after it, and the
    restart after a console fault (found by the alarm-path audit)."""
    from console.ui.app import run_cleanups

    ran: list[str] = []

    def failing() -> None:
        ran.append("session")
        raise ValueError("a held record the log refuses")

    run_cleanups([lambda: ran.append("fault handler"), lambda: ran.append("device"), failing])
    assert ran == ["session", "device", "fault handler"]
    err = capsys.readouterr().err
    assert "a step of stopping failed; the others went on" in err and "ValueError" in err

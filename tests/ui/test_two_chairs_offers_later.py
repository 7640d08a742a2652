"""Two chairs on one computer: the start page's look every OFFERS_CHECK_MS at the sessions of the
log, not only at those it offered when it was built. Chair 2 stood at its start screen while
chair 1 started a session and crashed: the session was left open, its alarms running nowhere, and
chair 2's page never offered it (nor said it ran elsewhere) until the page was built again."""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from PySide6 import QtCore

from console.clock import ManualClock
from tests.store.test_session_claim import HOLDER
from tests.ui.test_two_chairs import START, chair, cleanups, end_session, open_session  # noqa: F401
from tests.ui.test_two_chairs_again import offer_texts


def next_look(window) -> None:
    """The page's next look at the offers (its timer's), the old offers deleted."""
    window.offers_check.timeout.emit()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


def test_a_session_started_and_left_open_after_the_page_was_built_is_offered(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=1)), cleanups)
    assert offer_texts(window) == [] and window.resume_buttons == []
    window.start_screen.patient_edit.setText("MRN-2")   # the nurse types her next patient
    open_session(db)   # chair 1 starts MRN-1's session, then its console crashes
    next_look(window)
    assert offer_texts(window)[0].startswith("A session was left open: MRN-1")
    assert len(window.resume_buttons) == 1
    assert window.start_screen.patient_edit.text() == "MRN-2"   # what she typed stays


def test_a_session_another_console_started_since_is_said_running_there_then_offered(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=1)), cleanups)
    session = open_session(db)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(session)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "claimed\n"
        next_look(window)   # chair 1 runs it
        assert offer_texts(window)[0].startswith(f"Session {session} is running in another")
        assert window.resume_buttons == []
    finally:
        holder.kill()   # chair 1's console crashes
        holder.wait()
    next_look(window)
    assert offer_texts(window)[0].startswith("A session was left open: MRN-1")
    assert len(window.resume_buttons) == 1


def test_an_offer_of_a_session_discharged_at_another_console_goes_at_the_next_look(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    session = open_session(db)
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=30)), cleanups)
    assert len(window.resume_buttons) == 1
    end_session(db, session, START + timedelta(minutes=40))   # chair 1 resumed and discharged it
    next_look(window)
    assert offer_texts(window) == [] and window.resume_buttons == []

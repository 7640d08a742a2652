"""The start page's offer of a session a crash left open names its nurse: "A session was left
open: MRN-1 · iv-ketamine · nurse ana · started ...". After a hand-over (the next shift's bea
took it over: `handed_over` logged, the live header saying "bea") the offer still named ana, who
had opened it and gone home: the session said two different nurses ran it, and at a computer
with two chairs the nurse looked for her session under the wrong name. The offer names the nurse
the session comes back under (`SessionEngine.resume`: the newest hand-over's)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.records import EventRecord
from console.store import EventLog
from tests.ui.test_two_chairs import START, chair, cleanups, open_session, stop  # noqa: F401

LEFT = QtCore.Qt.MouseButton.LeftButton


def _offer_text(window) -> str:
    [offer] = window.findChildren(QtWidgets.QFrame, "resume_offer")
    return " ".join(label.text() for label in offer.findChildren(QtWidgets.QLabel))


def test_the_offer_names_the_nurse_who_took_the_session_over(tmp_path: Path, qtbot,
                                                             cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    open_session(db)   # ana's, left open by a crash
    clock = ManualClock(START + timedelta(minutes=5))
    # bea resumes it from the offer with her name typed: it is handed over to her.
    window, _ = chair(db, qtbot, clock, cleanups)
    assert " · nurse ana · " in _offer_text(window)
    qtbot.keyClicks(window.start_screen.nurse_edit, "bea")
    qtbot.mouseClick(window.resume_buttons[0], LEFT)
    assert window.controller is not None and window.controller.view.nurse == "bea"
    # Her console stops (nothing more logged); the next start page offers the session.
    window.controller.timer.stop()
    stop(cleanups)
    clock.advance(300)
    again, _ = chair(db, qtbot, clock, cleanups)
    assert " · nurse bea · " in _offer_text(again), _offer_text(again)


def test_after_two_hand_overs_the_offer_names_the_last_nurse(tmp_path: Path, qtbot,
                                                             cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    sid = open_session(db)
    with EventLog.open(db, "test") as log:
        log.write([EventRecord(sid, START + timedelta(minutes=1), "handed_over", "bea",
                               {"from": "ana", "to": "bea"}),
                   EventRecord(sid, START + timedelta(minutes=2), "handed_over", "cai",
                               {"from": "bea", "to": "cai"})])
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    assert " · nurse cai · " in _offer_text(window), _offer_text(window)

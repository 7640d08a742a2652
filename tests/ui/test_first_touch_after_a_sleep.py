"""The first key or click after a sleep, before the first tick (README, Idle lock: a station left
signed in that slept for hours "now wakes locked").

The timers that look at the idle time run on the monotonic clock, which stands still while the
computer sleeps: after the lid opens, a key or a click can come before their first tick. That
key started the idle time again, so the station never locked: the next nurse's value was
recorded under the name of the nurse who had walked away, a review left open showed its
records, the staff administration stayed open in its administrator's name (a review). The key
now locks it, before it reaches the window, as the tick would have. Real engine, real SQLite
log, real Argon2id at its smallest cost, real key and mouse events; the clock moved by hand.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock, Moment
from console.session.entry import Rejected
from console.session.lock import DEFAULT_LOCK_AFTER_S, LOCKED_MESSAGE
from console.session.signing import CORRECTION, SignatureRequest
from console.ui.signature_dialog import DialogSignatureService
from tests.ui.test_lock_screen import ADMIN, ANA, BEN, BEN_PIN, Chair, sign_in
from tests.ui.test_review_identity import (  # noqa: F401 - fixtures
    PRESCRIBER,
    PRESCRIBER_PIN,
    built,
    db,
    open_window,
    protocols,
    rows,
    signed_in,
)


def wake_after(clock: ManualClock, asleep_s: float) -> None:
    """The computer slept `asleep_s` (lid closed, power saving) and has just woken: the wall
    clock has moved on by it, the monotonic clock (and so every QTimer) by a tenth of a second."""
    now = clock.now()
    clock._now = Moment(now.mono + 0.1, now.wall + timedelta(seconds=asleep_s))


@pytest.fixture
def chair(tmp_path, qtbot):
    c = Chair(tmp_path, qtbot)
    yield c
    c.close()


def test_a_click_before_the_first_tick_after_a_sleep_locks_the_station(chair):
    # The review's proof: the ActivityFilter's call for the first click, then the tick.
    chair.t(5)
    wake_after(chair.clock, 3 * 3600)
    chair.controller.note_activity()
    assert chair.controller.locked
    chair.controller.tick()
    verdict = chair.controller.enter_manual("heart_rate", 80)
    assert isinstance(verdict, Rejected) and verdict.message == LOCKED_MESSAGE
    assert chair.rows("SELECT entered_by FROM observations WHERE metric = 'heart_rate'") == []


def test_typing_a_value_before_the_first_tick_after_a_sleep_records_nothing_in_anas_name(
        chair, qtbot):
    window = chair.window
    entry = window.entry
    field = entry.fields["heart_rate"]
    field.setFocus()
    # Step 1: Ana walks away; the station sleeps 3 h.
    chair.t(5)
    wake_after(chair.clock, 3 * 3600)
    # Step 2: Ben types 80 and Return before the first tick: the first key locks the station,
    # the form gives way to the sign-in, nothing he typed lands in it or in the log.
    with qtbot.waitSignal(chair.controller.lock_changed) as blocker:
        qtbot.keyClicks(field, "80")
    qtbot.keyClick(field, QtCore.Qt.Key.Key_Return)
    assert blocker.args == [True] and chair.controller.locked
    assert window.lock_bar.isVisible() and window.lock_bar.title.text() == LOCKED_MESSAGE
    assert not entry.isVisible() and field.text() == ""
    assert chair.rows("SELECT count(*) FROM observations") == [(0,)]
    # Step 3: Ben signs in (a hand-over); what he records is his.
    assert sign_in(chair, BEN, BEN_PIN).startswith(f"Signed in as {BEN}: you have taken")
    assert not isinstance(chair.controller.enter_manual("heart_rate", 80), Rejected)
    assert chair.rows("SELECT value, entered_by FROM observations WHERE metric = "
                      "'heart_rate'") == [(80.0, BEN)]


def test_a_key_after_a_sleep_closes_an_open_signature_dialog_as_cancelled(chair, qtbot):
    controller = chair.controller
    service = DialogSignatureService(chair.window)   # a window of the chair's, as in the app
    controller.signature_service = service
    checked: list[tuple[str, str]] = []
    # Step 1: Ana left the signature dialog open; the station slept 3 h.
    dialog = service.build(SignatureRequest((CORRECTION,), "heart rate 88", ANA),
                           lambda name, secret: checked.append((name, secret)))
    qtbot.addWidget(dialog)
    dialog.show()
    chair.t(5)
    wake_after(chair.clock, 3 * 3600)
    # Step 2: Ben types his name in it before the first tick: locked, the dialog cancelled.
    with qtbot.waitSignal(controller.lock_changed) as blocker:
        qtbot.keyClicks(dialog.signer, BEN)
    assert blocker.args == [True] and controller.locked
    assert not dialog.isVisible() and not dialog.approved
    assert dialog.result() == QtWidgets.QDialog.DialogCode.Rejected.value
    assert checked == []


def test_a_key_within_the_idle_time_keeps_the_station_open(chair, qtbot):
    field = chair.window.entry.fields["heart_rate"]
    field.setFocus()
    chair.t(5)
    wake_after(chair.clock, DEFAULT_LOCK_AFTER_S - 60)   # 9 min asleep: still open
    qtbot.keyClicks(field, "7")
    assert not chair.controller.locked and field.text() == "7"
    chair.t(DEFAULT_LOCK_AFTER_S - 1)                      # the key started the idle time again
    assert not chair.controller.locked


def test_the_staff_administration_closes_at_a_key_after_a_sleep(chair, qtbot):
    from console.ui.staff_dialogs import StaffAdminDialog

    dialog = StaffAdminDialog(chair.staff, chair.clock, chair.staff.find(ADMIN),
                              lock_after_s=DEFAULT_LOCK_AFTER_S)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    wake_after(chair.clock, 3 * 3600)
    # Someone types a name to add before its first idle check: closed, in Ada's name nothing.
    qtbot.keyClicks(dialog.name, "Eve Intruder")
    assert not dialog.isVisible() and dialog.name.text() == ""
    assert dialog.result() == QtWidgets.QDialog.DialogCode.Rejected.value
    assert chair.staff.find("Eve Intruder") is None


def test_a_review_closes_its_dialogs_at_a_key_after_a_sleep(db, protocols, qtbot, tmp_path):
    window, _ = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                            tmp_path)
    window.show()
    qtbot.waitExposed(window)
    dialog = QtWidgets.QDialog(window)   # an annotation being typed, in its own window
    note = QtWidgets.QLineEdit(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    wake_after(window.clock, 3 * 3600)
    # A key in the dialog before the first check: locked, the dialog closed as cancelled.
    with qtbot.waitSignal(window.lock.locked_changed) as blocker:
        qtbot.keyClicks(note, "BP settled")
    assert blocker.args == [True] and window.lock.locked
    assert not dialog.isVisible() and dialog.result() == QtWidgets.QDialog.DialogCode.Rejected
    assert window.lock.isVisible() and not window.tabs.isVisible()
    window.close_log()


def test_a_click_on_open_session_after_a_sleep_opens_nothing(db, protocols, qtbot, tmp_path):
    window, dialogs = open_window(qtbot, db, protocols,
                                  signed_in(db, PRESCRIBER, PRESCRIBER_PIN), tmp_path)
    window.show()
    qtbot.waitExposed(window)
    page = window.list_page
    page.table.selectRow(0)
    assert page.open_button.isEnabled()
    read = "SELECT count(*) FROM access_log WHERE format = 'review'"
    assert rows(db, read) == [(0,)]
    wake_after(window.clock, 3 * 3600)
    # The click that wakes it locks it: the lock page, and no session read in her name.
    qtbot.mouseClick(page.open_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.lock.locked and window.lock.isVisible() and not window.tabs.isVisible()
    assert window.detail_page.detail is None
    assert rows(db, read) == [(0,)] and dialogs.errors == []
    window.close_log()

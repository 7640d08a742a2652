"""A nurse leaving the chair locks the station herself: the Lock button beside the header (where
she is named) or Ctrl+L (a review). Only the 10-minute idle lock, started
again by any key, had locked it: the next nurse had nowhere to sign in, and her values went in
under the previous nurse's name. The lock is the idle lock's (`SessionController.lock_now`):
the form emptied, the console's questions answered no, the lock bar shown, a sign-in of
another nurse a hand-over. Real window, real log, real Argon2id at its smallest cost, a clock
moved by hand."""

from __future__ import annotations

import json

from PySide6 import QtCore, QtWidgets

from console.session.lock import LOCKED_MESSAGE
from tests.ui.conftest import Answers
from tests.ui.test_lock_screen import (  # noqa: F401 (fixture)
    ANA,
    ANA_PIN,
    BEN,
    BEN_PIN,
    LOCK_AFTER_S,
    PAT,
    PAT_PIN,
    chair,
    sign_in,
)
from tests.ui.test_signatures_at_chair import SignedChair, to_discharge_phase


def lock_buttons(window: QtWidgets.QWidget) -> list[QtWidgets.QPushButton]:
    """The live window's buttons a nurse reads as "lock the station", shown now."""
    return [b for b in window.findChildren(QtWidgets.QPushButton)
            if b.text() == "Lock" and b.isVisible()]


def hand_over_rows(chair) -> list[tuple[str, dict[str, str]]]:
    return [(actor, json.loads(detail)) for actor, detail in chair.rows(
        "SELECT actor, detail FROM events WHERE kind = 'handed_over'")]


def test_the_lock_button_locks_before_the_idle_time_and_the_next_nurse_takes_over(chair, qtbot):
    window, controller, entry = chair.window, chair.controller, chair.window.entry
    # Step 1: Ana at the chair 2 minutes in; she typed an HR and was called away.
    chair.t(120)
    qtbot.keyClicks(entry.fields["heart_rate"], "72")
    buttons = lock_buttons(window)
    assert len(buttons) == 1, "no Lock button in the session window"
    # Step 2: she presses Lock: locked at once, long before the idle time; her typing is gone.
    qtbot.mouseClick(buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert controller.locked
    assert window.lock_bar.isVisible() and window.lock_bar.title.text() == LOCKED_MESSAGE
    assert not window.entry.isVisible() and not window.side.isEnabled()
    assert entry.fields["heart_rate"].text() == ""
    assert window.alarm_bar.isEnabled()   # F2, F3 and the alarm area keep working
    # Step 3: Ben signs in on the lock bar: he takes the session over.
    assert sign_in(chair, BEN, BEN_PIN) == (
        f"Signed in as {BEN}: you have taken the session over from {ANA}.")
    assert not controller.locked and chair.engine.nurse == BEN
    assert hand_over_rows(chair) == [(BEN, {"from": ANA, "to": BEN})]
    # Step 4: the value he records names him, not Ana.
    qtbot.keyClicks(entry.fields["heart_rate"], "80")
    qtbot.keyClick(entry.fields["heart_rate"], QtCore.Qt.Key.Key_Return)
    assert chair.rows("SELECT value, entered_by FROM observations WHERE metric = 'heart_rate'") \
        == [(80.0, BEN)]


def test_ctrl_l_locks_the_station_from_the_vitals_form(chair, qtbot):
    window, controller, entry = chair.window, chair.controller, chair.window.entry
    # Step 1: Ana types a BP (no Return), the keyboard in the form.
    chair.t(60)
    qtbot.keyClicks(entry.fields["bp"], "128/84")
    # Step 2: Ctrl+L there: locked, the BP emptied, nothing recorded.
    qtbot.keyClick(entry.fields["bp"], QtCore.Qt.Key.Key_L,
                   QtCore.Qt.KeyboardModifier.ControlModifier)
    assert controller.locked and window.lock_bar.isVisible()
    assert entry.fields["bp"].text() == ""
    assert chair.rows("SELECT count(*) FROM observations") == [(0,)]
    # Step 3: Ctrl+L again on the locked station changes nothing (and unlocks nothing).
    qtbot.keyClick(window.lock_bar.name, QtCore.Qt.Key.Key_L,
                   QtCore.Qt.KeyboardModifier.ControlModifier)
    assert controller.locked
    # Step 4: Ben's sign-in is a hand-over, and his value is his.
    sign_in(chair, BEN, BEN_PIN)
    assert hand_over_rows(chair) == [(BEN, {"from": ANA, "to": BEN})]
    controller.enter_manual("spo2", 97)
    assert chair.rows("SELECT entered_by FROM observations WHERE metric = 'spo2'") == [(BEN,)]


def test_the_lock_button_is_disabled_while_locked_and_back_after_a_sign_in(chair):
    window = chair.window
    chair.t(LOCK_AFTER_S)   # the idle lock
    assert chair.controller.locked
    assert not window.lock_button.isEnabled()
    sign_in(chair, ANA, ANA_PIN)
    assert not chair.controller.locked and window.lock_button.isEnabled()
    assert lock_buttons(window) == [window.lock_button]


def test_the_lock_button_costs_the_window_no_row_at_1366x768(chair, qtbot):
    """It sits in the header's row: the window needs no more height with it than without."""
    window = chair.window
    window.resize(1366, 768)
    qtbot.waitExposed(window)
    with_button = window.minimumSizeHint().height()
    assert window.lock_button.isVisible()
    assert window.lock_button.height() <= window.header.height()
    window.lock_button.hide()
    window.layout().activate()
    assert window.minimumSizeHint().height() == with_button


def test_no_lock_button_nor_ctrl_l_on_a_log_without_accounts(qtbot, live):
    """No accounts, nobody signs in: a lock nobody could open would leave only F2 and F3."""
    from console.ui.live_window import LiveWindow

    controller, journal, _clock, _log = live
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    assert lock_buttons(window) == []
    qtbot.keyClick(window.entry.fields["bp"], QtCore.Qt.Key.Key_L,
                   QtCore.Qt.KeyboardModifier.ControlModifier)
    assert not controller.locked and window.entry.isVisible()


def test_after_the_discharge_the_lock_button_is_gone(tmp_path, qtbot):
    """The ended record takes nothing more: nothing to lock, and Ctrl+L does nothing."""
    chair = SignedChair(tmp_path, qtbot, with_window=True)
    try:
        window = chair.window
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        assert lock_buttons(window) == [window.lock_button]
        to_discharge_phase(chair)
        chair.signer.answers = [(PAT, PAT_PIN), (ANA, ANA_PIN)]
        assert chair.controller.discharge(override_reason="prescriber reviewed at the chair").done
        window.refresh()
        assert lock_buttons(window) == []
        qtbot.keyClick(window, QtCore.Qt.Key.Key_L, QtCore.Qt.KeyboardModifier.ControlModifier)
        assert not chair.controller.locked and not window.lock_bar.isVisible()
    finally:
        chair.close()

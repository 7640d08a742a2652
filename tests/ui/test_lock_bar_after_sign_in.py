"""The lock bar as a nurse meets it at 1366x768: a sign-in on it (the same nurse back, or the
everyday hand-over) leaves the console the screen's height, and a PIN typed into its name field
(the focus starts there) is not left readable on the locked station (a review)."""

from __future__ import annotations

import os

from PySide6 import QtCore

from console.cli import gui_parser
from console.store import EventLog
from console.ui.app import build
from console.ui.audio import RecordingAudioOut
from tests.ui.conftest import Answers
from tests.ui.test_lock_screen import (  # noqa: F401 - `chair` is a fixture
    ANA, ANA_PIN, BEN, BEN_PIN, LOCK_AFTER_S, add_accounts, chair, fast_hasher,
)


def test_after_a_lock_and_a_sign_in_the_console_fits_1366x768_and_the_keys_go_to_the_form(
        qtbot, tmp_path):
    db = tmp_path / "log.sqlite3"
    log = EventLog.open(db, "test")
    add_accounts(log, fast_hasher())
    log.close()
    read, write = os.pipe()
    os.write(write, (ANA_PIN + "\n").encode())
    os.close(write)
    cleanups: list = []
    try:
        window = build(gui_parser().parse_args([
            "--db", str(db), "--protocol", "iv-ketamine", "--patient", "MRN-1", "--weight", "72",
            "--nurse", ANA, "--secret-fd", str(read)]), cleanups, audio_out=RecordingAudioOut(),
            confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        live = window.live
        assert window.height() == 768 and not live.controller.locked   # fits at the start
        # Ana leaves the chair (Lock); Ben signs in on the lock bar and takes the session over.
        live.lock_button.click()
        assert live.controller.locked
        qtbot.wait(50)
        assert window.height() == 768
        # As at the chair: his badge or name, Return, his PIN, Return.
        bar = live.lock_bar
        bar.name.setFocus()
        qtbot.keyClicks(bar.name, BEN)
        qtbot.keyClick(bar.name, QtCore.Qt.Key.Key_Return)
        qtbot.keyClicks(bar.secret, BEN_PIN)
        qtbot.keyClick(bar.secret, QtCore.Qt.Key.Key_Return)
        assert not live.controller.locked
        qtbot.wait(50)
        # The vitals form's last row (Note, Record) on the screen: it had grown to 836 px.
        entry_bottom = live.entry.mapTo(window, live.entry.rect().bottomLeft()).y()
        assert (window.height(), entry_bottom < 768) == (768, True), entry_bottom
        # The keyboard where a nurse who has just signed in types: the vitals form. It fell to
        # the next widget (the trend's "Last 15 min" on X, "Lock" offscreen: a walk), and a BP
        # typed at once went nowhere.
        focused = window.focusWidget()
        assert focused is live.entry.fields["bp"], focused
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_a_pin_typed_into_the_name_field_is_not_left_on_the_locked_screen(chair, qtbot):  # noqa: F811
    chair.t(LOCK_AFTER_S)
    bar = chair.window.lock_bar
    assert bar.isVisible()
    bar.name.setFocus()   # where the lock puts it
    qtbot.keyClicks(bar.name, ANA_PIN)
    qtbot.keyClick(bar.name, QtCore.Qt.Key.Key_Return)      # moves on to the PIN field
    qtbot.keyClicks(bar.secret, ANA_PIN)
    qtbot.keyClick(bar.secret, QtCore.Qt.Key.Key_Return)    # refused: no such name
    assert chair.controller.locked
    assert bar.message.text().startswith("Name or badge and PIN or password do not match")
    assert (bar.name.text(), bar.secret.text()) == ("", "")   # her PIN is not on the screen
    # The next try starts in the name field, and the right name and PIN sign in.
    assert chair.window.focusWidget() in (bar.name, None)
    qtbot.keyClicks(bar.name, ANA)
    qtbot.keyClick(bar.name, QtCore.Qt.Key.Key_Return)
    qtbot.keyClicks(bar.secret, ANA_PIN)
    qtbot.keyClick(bar.secret, QtCore.Qt.Key.Key_Return)
    assert not chair.controller.locked


def test_a_name_left_in_the_field_is_gone_at_the_next_lock(chair, qtbot):  # noqa: F811
    chair.t(LOCK_AFTER_S)
    bar = chair.window.lock_bar
    bar.name.setText(ANA_PIN)   # typed, never sent
    chair.controller.sign_in(ANA, ANA_PIN)   # signed in another way (a badge)
    assert not chair.controller.locked
    chair.t(LOCK_AFTER_S)
    assert chair.controller.locked and bar.name.text() == ""

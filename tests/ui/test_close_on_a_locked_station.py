"""Closing the console stops every alarm of the session: on a log with staff accounts it waits for
a sign-in, as entry, notes and the discharge do (README, idle lock).

With nobody signed in, the title bar's X (or Alt+F4) and "Close the console" had stopped every
alarm and the monitor's readings, logged as "Ana Nurse (station locked: not signed in)"; a nurse
whose account an administrator had disabled could do it too. The way out stays: when the log
cannot record a sign-in (nobody can sign in) the close is asked as before, and a shutdown
(SIGTERM) is never asked. Real engine, real SQLite log, real Argon2id at its smallest cost, a
clock moved by hand."""

from __future__ import annotations

import sqlite3

import pytest

from console.session.lock import LOCKED_MESSAGE, locked_actor
from tests.ui.conftest import Answers
from tests.ui.test_close import UserClose
from tests.ui.test_lock_closes_the_consoles_questions import Console
from tests.ui.test_lock_screen import ADMIN, ANA, ANA_PIN, LOCK_AFTER_S

NOT_CLOSED = "The console was not closed: closing it stops every alarm of the session."
DISABLED = f"{ANA}'s account is disabled: ask an administrator."


@pytest.fixture
def console(tmp_path, qtbot):
    """Ana's session in the console's window; `console.answers` answers its questions."""
    answers = Answers()
    console = Console(tmp_path, qtbot, asker=answers)
    console.answers = answers
    yield console
    console.close()


def sign_in(console: Console, name: str, secret: str) -> str:
    bar = console.live.lock_bar
    bar.name.setText(name)
    bar.secret.setText(secret)
    bar.button.click()
    return bar.message.text()


def close(console: Console) -> bool:
    """The title bar's X (or Alt+F4), someone at the chair answering "Close the console"."""
    console.answers.yes = True
    event = UserClose()
    console.window.closeEvent(event)
    return event.isAccepted()


def closed_by(console: Console) -> list[tuple]:
    return console.rows("SELECT actor FROM events WHERE kind = 'console_closed'")


def test_closing_while_locked_waits_for_a_sign_in(console):
    # Step 1: the nurse has left the chair; the idle lock comes.
    console.t(LOCK_AFTER_S)
    assert console.controller.locked
    # Step 2: whoever comes by closes the window: refused on the lock bar, nothing asked.
    assert not close(console)
    assert console.answers.asked == [] and closed_by(console) == []
    assert console.live.lock_bar.message.text() == f"{NOT_CLOSED} {LOCKED_MESSAGE}."
    assert console.controller.locked and console.controller.view.ended_at is None
    # Step 3: Ana signs in; now the close is asked, and logged as hers.
    assert sign_in(console, ANA, ANA_PIN) == f"Signed in as {ANA}."
    assert close(console)
    assert "Closing the console stops its alarms" in console.answers.asked[-1]
    assert closed_by(console) == [(ANA,)]


def test_a_nurse_disabled_while_signed_in_cannot_close_the_console(console):
    # Step 1: Ana at work; an administrator disables her account.
    console.t(30)
    staff = console.staff
    staff.disable(staff.find(ANA).id, staff.find(ADMIN), "left the clinic",
                  console.clock.now().wall)
    # Step 2: her close is refused in the identity layer's words, and the station locks.
    assert not close(console)
    assert console.answers.asked == [] and closed_by(console) == []
    assert console.controller.locked
    assert console.live.lock_bar.reason.text() == DISABLED
    assert console.live.lock_bar.message.text() == f"{NOT_CLOSED} {DISABLED} {LOCKED_MESSAGE}."


def test_a_locked_station_whose_log_cannot_record_a_sign_in_can_still_be_closed(console):
    console.t(LOCK_AFTER_S)
    # Step 1: another program holds the log's write lock: the sign-in cannot be recorded.
    console.log.set_busy_timeout(0)
    other = sqlite3.connect(console.log.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        said = sign_in(console, ANA, ANA_PIN)
        assert said.startswith("Sign-in cannot be recorded now, so the station stays locked")
        # Step 2: nobody can sign in, so the close is asked (the console must stay closable),
        # saying that it is recorded with nobody signed in.
        assert close(console)
    finally:
        other.execute("ROLLBACK")
        other.close()
    asked = console.answers.asked[-1]
    assert "Closing the console stops its alarms" in asked
    assert "the sign-in cannot be recorded now" in asked and "nobody signed in" in asked
    # Step 3: the log takes writes again (held records are tried every 2 s): the close is in
    # it, with nobody signed in.
    console.t(5)
    assert closed_by(console) == [(locked_actor(ANA),)]


def test_a_shutdown_of_a_locked_station_is_not_asked(console):
    console.t(LOCK_AFTER_S)
    # SIGTERM at a shutdown: logged by the system, never asked, never refused.
    console.window.stopped_by_signal("SIGTERM")
    assert console.answers.asked == [] and closed_by(console) == [("system",)]

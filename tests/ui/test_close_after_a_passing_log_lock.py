"""A sign-in refused while another program held the log for a moment (a backup tool) left the
locked station closable by anyone, with no sign-in, for as long as nobody tried to sign in
again, and its close still said "the sign-in cannot be recorded now" an hour later. Closing
stops every alarm of the session: the log is asked again at the close (README, idle lock). Real
engine, real SQLite log, real Argon2id at its smallest cost, a clock moved by hand."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from console.session.lock import LOCKED_MESSAGE
from tests.ui.test_close_on_a_locked_station import (  # noqa: F401 - fixture
    NOT_CLOSED,
    close,
    closed_by,
    console,
    sign_in,
)
from tests.ui.test_lock_closes_the_consoles_questions import Console
from tests.ui.test_lock_screen import ANA, ANA_PIN, LOCK_AFTER_S


@contextmanager
def log_held(console: Console) -> Iterator[None]:
    """Another program holds the log's write lock (the console does not wait for it)."""
    console.log.set_busy_timeout(0)
    other = sqlite3.connect(console.log.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_log_lock_that_has_passed_no_longer_opens_the_close_to_anyone(console):
    # Step 1: the nurse has left the chair; the idle lock comes.
    console.t(LOCK_AFTER_S)
    # Step 2: 02:00, the backup tool holds the log for a moment as Ana tries to sign in.
    with log_held(console):
        said = sign_in(console, ANA, ANA_PIN)
    assert said.startswith("Sign-in cannot be recorded now, so the station stays locked")
    # Step 3: an hour later the log takes writes: a passer-by's close is refused, nothing
    # asked, as on any locked station.
    console.t(3600)
    assert not console.controller.sign_in_unrecorded
    assert not close(console)
    assert console.answers.asked == [] and closed_by(console) == []
    assert console.live.lock_bar.message.text() == f"{NOT_CLOSED} {LOCKED_MESSAGE}."
    # Step 4: Ana signs in: the close is asked, without "the sign-in cannot be recorded now".
    assert sign_in(console, ANA, ANA_PIN) == f"Signed in as {ANA}."
    assert close(console)
    assert "cannot be recorded" not in console.answers.asked[-1]
    assert closed_by(console) == [(ANA,)]


def test_a_log_still_held_at_the_close_keeps_the_console_closable(console):
    console.t(LOCK_AFTER_S)
    with log_held(console):
        assert sign_in(console, ANA, ANA_PIN).startswith("Sign-in cannot be recorded now")
        console.t(3600)
        # Asked again at the close: still held, so nobody can sign in and the close is asked.
        assert console.controller.sign_in_unrecorded
        assert close(console)
    assert "the sign-in cannot be recorded now" in console.answers.asked[-1]

"""`infusion-console review [--db PATH]`: the review window on its own.

The log is opened read-only (a missing file is reported, never created); annotations open it for
writing only for the moment of the write. Failures a user can cause (no log, not a log, a newer
log, unreadable) end in one line on stderr, a dialog when there is a screen, and exit status 2.

On a log with staff accounts (issue 13) a sign-in comes first (console/review/access.py): a
reviewer, prescriber or administrator; a nurse-only account is refused with the role it needs. A
cancelled sign-in opens nothing (exit status 2, saying why). The same happens when the review is
started from the console (Ctrl+R): it is this program.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtGui, QtWidgets

from console.clock import Clock, SystemClock
from console.paths import default_db_path, user_path
from console.review.access import ReviewAccess, needs_sign_in
from console.review.queries import MissingLogError, open_readonly
from console.session.lock import DEFAULT_LOCK_AFTER_S, idle_minutes
from console.store import LogError, classify, is_environmental
from console.ui import theme
from console.ui.app import dispose, exec_until_signal
from console.ui.refusal_box import refusal_box
from console.ui.review_window import ReviewDialogs, ReviewWindow, build_review_window
from console.version import VERSION
from devices.usage import OneLineParser
from protocols.loader import default_protocol_dirs, load_protocols

PROG = "infusion-console review"


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog=PROG, description="Review past sessions of the session log (read-only; "
                               "annotations are added as new attributed notes).")
    p.add_argument("--db", type=user_path, default=None,
                   help=f"session log file (default {default_db_path()})")
    p.add_argument("--theme", choices=tuple(theme.THEMES), default=theme.DEFAULT,
                   help="light, or dim for a dimmed room (Ctrl+R from the console passes its own)")
    p.add_argument("--lock-after", type=idle_minutes, default=DEFAULT_LOCK_AFTER_S / 60.0,
                   metavar="MIN",
                   help="on a log with staff accounts: hide the records after MIN minutes "
                        "without a key or click until the reader signs in again (default 10)")
    return p


SignIn = Callable[[Path, Clock], "ReviewAccess | None"]
"""Asks for the review's sign-in on the log at the path; the access, or None when cancelled."""


class ReviewRefused(Exception):
    """The review was not opened: no sign-in (cancelled), or the account may not review."""


def dialog_sign_in(db: Path, clock: Clock) -> ReviewAccess | None:
    """The review's sign-in dialog (until a good sign-in or Cancel)."""
    from console.identity.staff import SIGN_IN_NOT_RECORDED  # noqa: PLC0415
    from console.ui.staff_dialogs import SignInDialog  # noqa: PLC0415

    found: list[ReviewAccess] = []

    def check(name_or_badge: str, secret: str) -> str | None:
        try:
            answer = ReviewAccess.sign_in(db, name_or_badge, secret, clock, VERSION)
        except LogError as exc:   # every attempt is recorded before it is answered
            return SIGN_IN_NOT_RECORDED.format(cause=exc.message)
        if isinstance(answer, str):
            return answer
        found[:] = [answer]
        return None

    dialog = SignInDialog(
        "Sign in to the review", "Past sessions hold patients' records: the review opens for a "
        "reviewer, prescriber or administrator, and every session you read or export is logged "
        "with your name.", check)
    dialog.exec()
    return found[0] if found else None


def build(args: argparse.Namespace, dialogs: ReviewDialogs | None = None,
          sign_in: SignIn | None = None, clock: Clock | None = None) -> ReviewWindow:
    """The window over the log the options name (not yet shown), after a sign-in when the log
    has staff accounts (`sign_in`, default the dialog).

    Raises:
        MissingLogError: no log at the path.
        LogError: the file cannot be read as a session log, or the access log not written. (A
            log damaged further in opens: the list, or each session that cannot be read, says
            so in the window.)
        ReviewRefused: a sign-in was needed and none was given.
    """
    db = args.db if args.db is not None else default_db_path()
    clock = clock if clock is not None else SystemClock()
    conn = open_readonly(db)
    try:
        needed = needs_sign_in(conn)
    except sqlite3.Error as exc:   # its staff table damaged: said as the store says it
        if not is_environmental(exc):
            raise
        raise classify(exc, db) from exc
    finally:
        conn.close()
    access = None
    if needed:
        access = (sign_in or dialog_sign_in)(db, clock)
        if access is None:
            raise ReviewRefused("the review was not opened: this session log has staff "
                                "accounts, and it opens only after a sign-in of a reviewer, "
                                "prescriber or administrator")
    protocols = load_protocols(default_protocol_dirs()).protocols
    if access is None:
        return with_close_keys(build_review_window(db, clock, protocols, VERSION,
                                                   dialogs=dialogs))
    from console.identity import IdentityError  # noqa: PLC0415 - a log with accounts only

    try:
        return with_close_keys(build_review_window(
            db, clock, protocols, VERSION, dialogs=dialogs, access=access,
            lock_after_s=60.0 * getattr(args, "lock_after", DEFAULT_LOCK_AFTER_S / 60.0)))
    except IdentityError as exc:   # e.g. disabled between the sign-in and the first read
        raise ReviewRefused(f"the review was not opened: {exc}") from exc


def with_close_keys(window: ReviewWindow) -> ReviewWindow:
    """Ctrl+W and Ctrl+Q close the review: it opens maximized over the live console, and where
    the window manager draws no title bar (a kiosk station, a walk on X) nothing closed it; the
    console's alarms were behind it until its process was ended."""
    # Written out: the platform's standard Close is Ctrl+F4 on some desktops.
    for keys in ("Ctrl+W", "Ctrl+Q"):
        QtGui.QShortcut(QtGui.QKeySequence(keys), window, window.close)
    return window


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    from console.ui.display_check import missing_display  # noqa: PLC0415

    if (no_display := missing_display()) is not None:   # before Qt aborts the process
        print(f"{PROG}: {no_display}", file=sys.stderr)
        return 2
    existing = QtWidgets.QApplication.instance()
    app = existing if isinstance(existing, QtWidgets.QApplication) else QtWidgets.QApplication(sys.argv[:1])
    theme.apply(app, theme.THEMES[args.theme])   # before any widget: each is built in its look
    try:
        window = build(args)
    except (MissingLogError, LogError, ReviewRefused) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        if QtWidgets.QApplication.platformName() != "offscreen":
            refusal_box("Infusion console review", str(exc)).exec()
        return 2
    try:
        return exec_until_signal(app, window)
    finally:
        window.close_log()
        dispose(window)   # before the interpreter's exit (console/ui/app.py says why)

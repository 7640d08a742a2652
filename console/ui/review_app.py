"""`infusion-console review [--db PATH]`: the review window on its own.

The log is opened read-only (a missing file is reported, never created); annotations open it for
writing only for the moment of the write. Failures a user can cause (no log, not a log, a newer
log, unreadable) end in one line on stderr, a dialog when there is a screen, and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6 import QtWidgets

from console.clock import SystemClock
from console.paths import default_db_path
from console.review.queries import MissingLogError
from console.store import LogError
from console.ui import theme
from console.ui.app import dispose, exec_until_signal
from console.ui.review_window import ReviewDialogs, ReviewWindow, build_review_window
from console.version import VERSION
from protocols.loader import default_protocol_dirs, load_protocols

PROG = "infusion-console review"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG, description="Review past sessions of the session log (read-only; "
                               "annotations are added as new attributed notes).")
    p.add_argument("--db", type=Path, default=None,
                   help=f"session log file (default {default_db_path()})")
    p.add_argument("--theme", choices=tuple(theme.THEMES), default=theme.DEFAULT,
                   help="light, or dim for a dimmed room (Ctrl+R from the console passes its own)")
    return p


def build(args: argparse.Namespace, dialogs: ReviewDialogs | None = None) -> ReviewWindow:
    """The window over the log the options name (not yet shown).

    Raises:
        MissingLogError: no log at the path.
        LogError: the file cannot be read as a session log.
    """
    db = args.db if args.db is not None else default_db_path()
    protocols = load_protocols(default_protocol_dirs()).protocols
    return build_review_window(db, SystemClock(), protocols, VERSION, dialogs=dialogs)


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    existing = QtWidgets.QApplication.instance()
    app = existing if isinstance(existing, QtWidgets.QApplication) else QtWidgets.QApplication(sys.argv[:1])
    theme.apply(app, theme.THEMES[args.theme])   # before any widget: each is built in its look
    try:
        window = build(args)
    except (MissingLogError, LogError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        if QtWidgets.QApplication.platformName() != "offscreen":
            QtWidgets.QMessageBox.critical(None, "Infusion console review", str(exc))
        return 2
    try:
        return exec_until_signal(app, window)
    finally:
        window.close_log()
        dispose(window)   # before the interpreter's exit (console/ui/app.py says why)

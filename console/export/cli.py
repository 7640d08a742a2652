"""`infusion-console export`: one session to PDF, CSV, FHIR or the REMS form, from the command line.

    infusion-console export SESSION_ID (--pdf FILE | --csv DIR | --fhir FILE | --rems FILE)
                            --account NAME [--secret-fd N]
                            [--deidentify] [--db PATH] [--page-size A4|Letter]

On a log with staff accounts every export needs a sign-in (issue 13): `--account` names a reviewer, prescriber or
administrator (name or badge id) whose PIN or password is typed at the terminal prompt, or read
from `--secret-fd N` (one line on file descriptor N); never an argument. A reviewer without a
nurse, prescriber or administrator role gets a de-identified export whether `--deidentify` was
given or not (console/identity/roles.py). Each export is an `access_log` row, written before the
file (so the log is opened for writing: the sign-in and the access are recorded in it; nothing
else changes); an export whose file is then not written adds a second row saying so, and why.
Every file is written whole or not at all (console/export/files.py). Tests and QA scripts create
an account first (`infusion-console staff add ... --secret-fd N`, or tests/identity/accounts.py)
and pass its PIN on a pipe with `--secret-fd`. A log without accounts (the transitional rule,
README "Staff and signatures") exports without a sign-in, as the review window does, and says
that the export is not logged and how to add the first administrator.

Every failure a user can cause (no sign-in, a refused one, no log, unknown session, a file that
cannot be written, REMS asked for a non-esketamine session) ends in one line on stderr and exit
status 2; never a traceback. No Qt here (the PDF writer is imported only for --pdf).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, NoReturn

from console.export.files import not_written_cause
from console.paths import default_db_path

if TYPE_CHECKING:   # only for the annotations: the review model is loaded when a command runs
    from console.review.model import SessionDetail
    from console.store import EventLog

PROG = "infusion-console export"
STATION = "command line"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block) with exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Export one session of the session log.")
    p.add_argument("session_id", type=int, metavar="SESSION_ID", help="the session's id (number)")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--pdf", type=Path, metavar="FILE", help="session report as PDF")
    out.add_argument("--csv", type=Path, metavar="DIR",
                     help="observations and events as two CSV files in DIR")
    out.add_argument("--fhir", type=Path, metavar="FILE", help="HL7 FHIR R4 Bundle (JSON)")
    out.add_argument("--rems", type=Path, metavar="FILE",
                     help="esketamine REMS Patient Monitoring Form values (.json: JSON, "
                          "otherwise labelled text)")
    p.add_argument("--account", metavar="NAME",
                   help="sign in as this reviewer, prescriber or administrator (name or badge "
                        "id); the PIN or password is asked for at the terminal")
    p.add_argument("--secret-fd", type=int, metavar="N",
                   help="read the account's PIN or password from file descriptor N (one line) "
                        "instead of the terminal")
    p.add_argument("--deidentify", action="store_true",
                   help="pseudonymise the patient, shift dates, replace names, remove free text "
                        "(always, for a reviewer without a clinical or administrator role)")
    p.add_argument("--db", type=Path, default=None,
                   help=f"session log file (default {default_db_path()})")
    p.add_argument("--page-size", choices=("A4", "Letter"), default="A4",
                   help="PDF page size (default A4)")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except _Failure as failure:
        print(f"{PROG}: {failure}", file=sys.stderr)
        return 2


class _Failure(Exception):
    """A user-caused failure, already worded for the user."""


def _run(args: argparse.Namespace) -> int:
    from console.identity.errors import IdentityError
    from console.identity.terminal import InputError, preread
    from console.review.queries import MissingLogError
    from console.store import EventLog, LogError
    from console.version import VERSION

    from console.review.access import needs_sign_in

    try:   # before any file is opened (console/identity/terminal.py)
        args.secret = preread(args.secret_fd)
    except InputError as exc:
        raise _Failure(str(exc)) from exc
    db = args.db if args.db is not None else default_db_path()
    if not db.is_file():
        raise _Failure(str(MissingLogError(db)))   # an export never creates a log
    try:
        log = EventLog.open(db, VERSION)
    except LogError as exc:
        raise _Failure(str(exc)) from exc
    try:
        if needs_sign_in(log.conn):
            if args.account is None:
                raise _Failure("an export needs a sign-in: --account NAME (a reviewer, "
                               "prescriber or administrator; the PIN or password is asked for, "
                               "or read from --secret-fd N)")
            detail, note = _signed_in_read(args, log, db)
        else:
            detail, note = _unlogged_read(args, log, db)
    except (IdentityError, InputError, LogError) as exc:
        raise _Failure(str(exc)) from exc
    finally:
        log.close()
    if args.deidentify:
        from console.export.deidentify import deidentify

        detail = deidentify(detail)
    target, write = _writer(args)
    try:
        done = write(detail)
    except (OSError, ValueError) as exc:
        cause = not_written_cause(exc)
        unrecorded = _record_not_written(args, db, cause) if args.account_ref is not None else ""
        if isinstance(exc, OSError):
            raise _Failure(f"cannot write {exc.filename or target}: {cause}; choose another "
                           f"place to write to{unrecorded}") from exc
        raise _Failure(cause + unrecorded) from exc
    print(f"session {args.session_id}: {done}")
    if note:
        print(f"session {args.session_id}: {note}")
    return 0


_FORMATS: Final = ("pdf", "csv", "fhir", "rems")


def _format(args: argparse.Namespace) -> str:
    return next(f for f in _FORMATS if getattr(args, f) is not None)


def _target(args: argparse.Namespace) -> Path:
    """The output as the access log names it: absolute, since an auditor reading the log later
    cannot know where the command ran (QA: 'to out1/s1.pdf')."""
    return Path(getattr(args, _format(args))).resolve()


def _record_not_written(args: argparse.Namespace, db: Path, cause: str) -> str:
    """Add an `access_log` row saying the export's file was not written, and why.

    The export's row is written before the file (the rule of console/identity/access.py) and
    names it; without this second row the log would claim a file that is not there. Returns ''
    or a clause for the error line when the log cannot take the row either.
    """
    from console.identity.access import AccessKind, AccessLog
    from console.identity.errors import IdentityError
    from console.store import EventLog, LogError
    from console.version import VERSION

    try:
        with EventLog.open(db, VERSION) as log:
            AccessLog(log).record_access(
                args.account_ref, AccessKind.EXPORT, args.session_id, _format(args),
                bool(args.deidentify), datetime.now(UTC), where=STATION,
                detail=f"NOT WRITTEN: {_target(args)}: {cause}")
    except (IdentityError, LogError):
        return "; the access log could not record that it was not written"
    return ""


def _signed_in_read(args: argparse.Namespace, log: EventLog, db: Path) -> tuple[SessionDetail, str]:
    """Sign in, decide (de-identified or not), read the session, record the access.

    Sets `args.deidentify` to what the account gets. Returns the session and the note to print
    when de-identification was imposed.
    """
    from console.identity.access import AccessKind, AccessLog
    from console.identity.roles import Action, access_decision
    from console.identity.staff import Purpose, Staff
    from console.identity.terminal import read_secret
    from console.review.queries import load_signatures

    # An entry point reads the clock: here, and for the row of an export not written.
    now = datetime.now(UTC)
    secret = read_secret(args.secret, f"PIN or password of {args.account}: ")
    result = Staff(log).sign_in(args.account, secret, now, where=STATION, purpose=Purpose.EXPORT)
    if not result.ok or result.account is None:
        raise _Failure(f"sign-in refused: {result.message}")
    decision = access_decision(result.account, Action.EXPORT, bool(args.deidentify))
    if not decision.allowed:
        raise _Failure(decision.message)
    args.deidentify = decision.deidentified
    detail = _load(args, log, db)
    fmt = _format(args)
    # The PDF prints who signed what (21 CFR Part 11), as the review's does; a de-identified
    # report names no staff (console/review: signatures are kept apart from the exported record).
    args.signatures = (load_signatures(log.conn, args.session_id)
                       if args.pdf is not None and not decision.deidentified else None)
    args.account_ref = result.account   # for the row of an export not written
    AccessLog(log).record_access(result.account, AccessKind.EXPORT, args.session_id, fmt,
                                 decision.deidentified, now, detail=f"to {_target(args)}",
                                 where=STATION)
    return detail, decision.message if decision.forced else ""


def _unlogged_read(args: argparse.Namespace, log: EventLog,
                   db: Path) -> tuple[SessionDetail, str]:
    """Read the session of a log without staff accounts: no sign-in, no access_log row.

    The transitional rule (README, "Staff and signatures"): identity is enforced once the log
    holds an account. Until then there is nobody to sign in as, so asking for one would only
    refuse; the export goes ahead and says it is not logged, with the way to start logging.
    """
    from console.review.access import NOT_LOGGED

    detail = _load(args, log, db)
    args.signatures = None        # no account, so nothing is signed
    args.account_ref = None       # and no access_log row to add to if the file fails
    return detail, (f"{NOT_LOGGED}; the first administrator is added with: infusion-console "
                    f"staff add --db {db} --name NAME --roles administrator")


def _load(args: argparse.Namespace, log: EventLog, db: Path) -> SessionDetail:
    from console.review.queries import load_session
    from console.store import UnknownSessionError

    try:
        return load_session(log.conn, args.session_id,
                            with_observations=bool(args.csv or args.fhir or args.pdf))
    except UnknownSessionError as exc:
        raise _Failure(f"session {args.session_id} is not in the session log {db}; "
                       "the review list shows the ids") from exc


def _writer(args: argparse.Namespace) -> tuple[Path, Callable[[SessionDetail], str]]:
    """The output path and a function writing the detail there, returning what it wrote."""
    if args.csv is not None:
        def csv_out(detail: SessionDetail) -> str:
            from console.export.csv_export import write_session_csv

            paths = write_session_csv(detail, args.csv)
            return "wrote " + " and ".join(str(p) for p in paths.values())
        return args.csv, csv_out
    if args.fhir is not None:
        def fhir_out(detail: SessionDetail) -> str:
            from console.export.fhir import write_session_fhir

            count = write_session_fhir(detail, args.fhir,
                                       pseudonymised=args.deidentify)
            return f"wrote a FHIR R4 Bundle of {count} resources to {args.fhir}"
        return args.fhir, fhir_out
    if args.rems is not None:
        def rems_out(detail: SessionDetail) -> str:
            from console.export.rems import write_rems

            form = write_rems(detail, args.rems)
            missing = f" (missing: {', '.join(form.missing)})" if form.missing else ""
            return f"wrote the REMS form values to {args.rems}{missing}"
        return args.rems, rems_out

    def pdf_out(detail: SessionDetail) -> str:
        try:
            from console.export.pdf import write_session_pdf
        except ImportError as exc:
            raise _Failure(f"PDF export is not available in this installation ({exc})") from exc
        pages = write_session_pdf(detail, args.pdf, page_size=args.page_size,
                                  signatures=args.signatures)
        return f"wrote a {pages}-page PDF report to {args.pdf}"
    return args.pdf, pdf_out

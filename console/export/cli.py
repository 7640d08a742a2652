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
When the log cannot take that row (a write-protected copy, a locked or full disk) the export is
not made, as the review's rule says (README "Staff and signatures"). Every file is written whole
or not at all (console/export/files.py). Tests and QA scripts create an account first
(`infusion-console staff add ... --secret-fd N`, or tests/identity/accounts.py) and pass its PIN
on a pipe with `--secret-fd`. A log without accounts (the transitional rule, README "Staff and
signatures") exports without a sign-in, as the review window does, and says that the export is
not logged and how to add the first administrator.

The session is read through a read-only connection (console/review/queries.py `open_readonly`),
so a log without accounts is never written, and a path that is not a session log (an empty file,
another program's database) is refused as `verify` and `review` refuse it. An export never
creates, migrates or repairs a log: the write connection of a log with accounts is opened only
once the read-only one has shown a log of this console's schema (EventLog.open would otherwise
build or update one).

Every export first holds the session's rows to the log's hash chain (console/review/queries.py
`check_session_chain`, the check the review window makes when it opens a session). A session
whose record was changed outside the console leaves the clinic only as a PDF that says so: the
report prints the review's warning under its title and on every page's footer. A CSV, a FHIR
bundle or a REMS form cannot carry it: sent to a referrer, a registry or an insurer, a changed
value (a blood pressure, a time of acknowledgement) would reach its reader as the clinic's record,
and that reader cannot run `verify`; those are refused, naming the first changed row in `verify`'s
words (the review window refuses them the same way). The check costs little beside the export
itself (measured on a 40-minute IV session at 1 Hz and a 2-hour esketamine session: README
"Reviewing and exporting past sessions").

Exit status: 0 written (a PDF of a changed session with its warning); 1 not written: a CSV, FHIR
or REMS export of a session whose rows were changed outside the console (or changed bytes that
SQLite still reads), the first one named; 2 for every failure a user can cause
(no sign-in, a refused one, no log or not a log, unknown session, a file that cannot be written,
REMS asked for a non-esketamine session, an export the access log cannot record); 3 when the
session log is damaged: SQLite cannot read what the export needs, or the rows read are values the
console never writes (their hash chain, walked only then). No file is written; `infusion-console
verify` checks the whole log. Each ends in one line on stderr; never a traceback. Ctrl+C ends
it with 130 (console/cli.py), SIGTERM and SIGHUP with 128 + the signal's number, each with the
access log's NOT WRITTEN row and no temporary file left. No Qt here (the PDF writer is imported
only for --pdf).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Final, NoReturn

from console.export.files import ExistsAlready, never_replacing, not_written_cause, write_files
from console.held_signals import signals_held
from console.log_command import EXIT_DAMAGED, EXIT_REFUSED, CommandFailure, LogCommand
from console.paths import default_db_path, user_path

if TYPE_CHECKING:   # only for the annotations: the review model is loaded when a command runs
    from console.review.model import SessionDetail
    from console.store import EventLog, LogError

PROG = "infusion-console export"
STATION = "command line"

# Its other exit statuses, 2 (refused) and 3 (damaged), are console/log_command.py's.
EXIT_CHANGED: Final = 1   # the session's rows were changed outside the console (as verify's 1)

# A log the export cannot use: "cannot read session 12 from DB: ...; no file was written. ..."
_EXPORT: Final = LogCommand(not_done="no file was written", preposition="from")

_EXITS: Final = f"""exit status:
  0  the file was written
  {EXIT_CHANGED}  no file was written: the session's record was changed outside the console (the
     first changed row is named); a CSV, FHIR or REMS file cannot carry the warning a PDF prints
  {EXIT_REFUSED}  no file was written: a usage error, no sign-in or a refused one, no session log
     or not one, an unknown session, a file that cannot be written, or (on a log with staff
     accounts) the access log cannot record the export
  {EXIT_DAMAGED}  no file was written: the session log is damaged (check it with
     `infusion-console verify --db PATH`, keep a copy, restore it from the last backup after
     removing its -wal and -shm files)
  128+N  no file was written: ended by signal N (130: Ctrl+C; 129: SIGHUP; 143: SIGTERM)"""


class Ended(BaseException):
    """SIGTERM or SIGHUP ended the export (`_signals_end_the_export`); not an Exception, so no
    handler of a failure takes it for one, as Ctrl+C's KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"ended by {signal.Signals(signum).name}")


@contextlib.contextmanager
def _signals_end_the_export() -> Iterator[None]:
    """Within it, SIGTERM and SIGHUP raise `Ended`, as Ctrl+C raises KeyboardInterrupt: by
    Python's default they end the process at once, and an export ended so left its access row
    "to FILE" with no NOT WRITTEN row, and its temporary file of patient data (a review of the
    command line). A signal ignored already (`nohup`) stays ignored."""
    def ended(signum: int, _frame: FrameType | None) -> NoReturn:
        raise Ended(signum)

    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGHUP)}
    for signum, handler in previous.items():
        if handler is signal.SIG_DFL:
            signal.signal(signum, ended)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block) with exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def _output(value: str) -> Path:
    """An output option's path (`user_path`); an empty one is refused: Path("") is the current
    folder, and `--csv ""` (a variable left unset) wrote the files there without a word."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path: give the file or folder to write to")
    return user_path(value)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Export one session of the session log.",
                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EXITS)
    p.add_argument("session_id", type=int, metavar="SESSION_ID", help="the session's id (number)")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--pdf", type=_output, metavar="FILE", help="session report as PDF")
    out.add_argument("--csv", type=_output, metavar="DIR",
                     help="observations and events as two CSV files in DIR")
    out.add_argument("--fhir", type=_output, metavar="FILE", help="HL7 FHIR R4 Bundle (JSON)")
    out.add_argument("--rems", type=_output, metavar="FILE",
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
    p.add_argument("--db", type=user_path, default=None,
                   help=f"session log file (default {default_db_path()})")
    p.add_argument("--page-size", choices=("A4", "Letter"), default="A4",
                   help="PDF page size (default A4)")
    return p


def main(argv: list[str]) -> int:
    from console.store.schema import SQLITE_INTEGER

    args = parser().parse_args(argv)
    try:
        if args.session_id not in SQLITE_INTEGER:   # OverflowError in SQLite, not "not found"
            raise CommandFailure(f"session {args.session_id} is not in any session log: "
                                 "session ids run from 1 to at most "
                                 f"{SQLITE_INTEGER.stop - 1}")
        with _signals_end_the_export():
            return _run(args)
    except CommandFailure as failure:
        print(f"{PROG}: {failure}", file=sys.stderr)
        return failure.exit_status
    except Ended as ended:
        with contextlib.suppress(OSError):   # SIGHUP: the terminal may be gone
            print(f"{PROG}: {ended}: nothing more was done", file=sys.stderr)
        return 128 + ended.signum   # as a shell reports a program the signal stopped


def _run(args: argparse.Namespace) -> int:
    from console.identity.errors import IdentityError
    from console.identity.terminal import InputError, preread
    from console.review.access import needs_sign_in

    try:   # before any file is opened (console/identity/terminal.py)
        args.secret = preread(args.secret_fd)
    except InputError as exc:
        raise CommandFailure(str(exc)) from exc
    args.target = _absolute_target(args)   # as the access log names it, before the sign-in
    db = args.db if args.db is not None else default_db_path()
    conn = _EXPORT.open_readonly(db)
    try:
        with _EXPORT.reading(db):
            signed = needs_sign_in(conn)
            if not signed:
                _refuse_lost_accounts(conn, db)
        if signed:
            if args.account is None:
                raise CommandFailure("an export needs a sign-in: --account NAME (a reviewer, "
                                     "prescriber or administrator; the PIN or password is "
                                     "asked for, or read from --secret-fd N)")
            detail, note = _signed_in_read(args, conn, db)
        else:
            detail, note = _unlogged_read(args, conn, db)
    except (IdentityError, InputError) as exc:
        raise CommandFailure(str(exc)) from exc
    finally:
        conn.close()   # a signed-in read closed it already, before its write log: a no-op then
    if args.deidentify:
        from console.export.deidentify import deidentify

        detail = deidentify(detail)
    target, write = _writer(args)
    _refuse_existing(args, detail, db)
    _refuse_missing_folder(args, target, db)
    try:
        with never_replacing():   # a file made at the name while this one was built is kept
            done = write(detail)
    except ExistsAlready as exc:
        cause = _exists_cause(args, exc.filename or target)
        raise CommandFailure(cause + _record_not_written(args, db, cause)) from exc
    except (OSError, ValueError) as exc:
        if isinstance(exc, FileNotFoundError):
            # The folder removed while the file was built: said as when it was never there.
            _refuse_missing_folder(args, target, db)
        cause = not_written_cause(exc)
        unrecorded = _record_not_written(args, db, cause)
        if isinstance(exc, OSError):
            raise CommandFailure(f"cannot write {exc.filename or target}: {cause}; choose "
                                 f"another place to write to{unrecorded}") from exc
        raise CommandFailure(cause + unrecorded) from exc
    except CommandFailure as failure:   # the PDF writer cannot be imported
        raise CommandFailure(str(failure) + _record_not_written(args, db, str(failure)),
                             failure.exit_status) from failure
    except BaseException as stopped:
        # Ctrl+C (exit 130 in console/cli.py), SIGTERM or SIGHUP (`Ended`), or a bug: the row
        # "to FILE" is written already, and the file is not; the log must not claim it (the
        # module docstring's promise).
        _record_not_written(args, db, "interrupted" if isinstance(stopped, KeyboardInterrupt)
                            else str(stopped) if isinstance(stopped, Ended)
                            else f"the export stopped ({type(stopped).__name__})")
        raise
    print(f"session {args.session_id}: {done}")
    if note:
        print(f"session {args.session_id}: {note}")
    return 0


def _refuse_lost_accounts(conn: sqlite3.Connection, db: Path) -> None:
    """Refuse a log whose staff table is empty although the log recorded rows in it.

    Without accounts the export needs no sign-in and logs nothing (the transitional rule), so
    rows removed from `staff` outside the console, or a damaged table that reads as empty,
    would otherwise turn every export into an unlogged one. The chain head in meta (written in
    the same transaction as each staff row, console/store/log.py) still counts them.
    """
    from console.store.log import read_head

    head = read_head(conn, "staff")
    if head is None or head[0] == 0:
        return
    raise _EXPORT.cannot_read(db, f"it recorded {head[0]} staff account row(s) and its staff "
                              "table holds none: the file is damaged or was edited outside the "
                              "console")


def _open_for_logging(conn: sqlite3.Connection, db: Path) -> EventLog:
    """The log at `db` for writing, to record the sign-in and the export in it.

    Only a log of this console's schema: EventLog.open migrates an older one, and a console still
    running the older version at a chair would then refuse the log it is writing (newer schema).
    A log that cannot be written (write-protected, locked, a full disk) is refused: an export on
    a log with staff accounts is recorded before its file is written, or not made (README "Staff
    and signatures").
    """
    from console.store import EventLog, LogError, schema
    from console.version import VERSION

    with _EXPORT.reading(db):
        applied = set(schema.applied_migrations(conn))
        version = schema.stored_schema_version(conn)
    if any(name not in applied for name, _ in schema.MIGRATIONS):
        raise CommandFailure(f"the export was not made: the session log {db} is of schema "
                             f"version {version if version is not None else 'older'}, and "
                             "recording the export in its access log would update it to version "
                             f"{schema.SCHEMA_VERSION}, which a console of an older version still "
                             "writing it could not read. Update the consoles that use this log "
                             "(the first to open it updates it), then export again")
    try:
        return EventLog.open(db, VERSION)
    except LogError as exc:
        raise _not_recorded(exc, db) from exc


def _not_recorded(error: LogError, db: Path) -> CommandFailure:
    """The line for an export the access log could not record (so it was not made)."""
    if error.cause == "corrupt":
        return _EXPORT.log_failure(error, db)
    return CommandFailure("the export was not made: it could not be recorded in the access log "
                          f"of {db}, and every export from a log with staff accounts is recorded "
                          f"there before its file is written. {error}")


_FORMATS: Final = ("pdf", "csv", "fhir", "rems")


def _format(args: argparse.Namespace) -> str:
    return next(f for f in _FORMATS if getattr(args, f) is not None)


def _absolute_target(args: argparse.Namespace) -> str:
    """The output as the access log names it: absolute, since an auditor reading the log later
    cannot know where the command ran (QA: 'to out1/s1.pdf'). Found before the sign-in: a
    relative name needs the current folder, and one removed meanwhile (a USB stick taken out)
    ended a signed-in export in a traceback (a review of the command line).

    Raises:
        CommandFailure: the current folder is not there (or cannot be read).
    """
    given = getattr(args, _format(args))
    try:
        # realpath, not Path.resolve: that raises RuntimeError on a link to itself.
        return _loggable(os.path.realpath(given))
    except OSError as exc:
        raise CommandFailure(f"cannot write {given}: the current folder no longer exists (or "
                             f"cannot be read: {exc.strerror}); give the file's full path, or "
                             "change to a folder that is there") from exc


def _loggable(text: str) -> str:
    """`text` as the access log can hold it: the log's text is UTF-8 (its rows' hashes too), and
    a path that is not (a Latin-1 folder "S\xe9ance") holds a surrogate escape for each byte
    that is not; such a byte becomes U+FFFD, as the bus's messages do (console/network/pcd.py)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _record_not_written(args: argparse.Namespace, db: Path, cause: str) -> str:
    """Add an `access_log` row saying the export's file was not written, and why (only when
    the export was signed in, so recorded).

    The export's row is written before the file (the rule of console/identity/access.py) and
    names it; without this second row the log would claim a file that is not there. Returns ''
    or a clause for the error line when the log cannot take the row either.
    """
    if args.account_ref is None:
        return ""
    from console.identity.access import AccessKind, AccessLog
    from console.identity.errors import IdentityError
    from console.store import EventLog, LogError
    from console.version import VERSION

    try:
        with EventLog.open(db, VERSION) as log:
            AccessLog(log).record_access(
                args.account_ref, AccessKind.EXPORT, args.session_id, _format(args),
                bool(args.deidentify), datetime.now(UTC), where=STATION,
                detail=f"NOT WRITTEN: {args.target}: {_loggable(cause)}")
    except (IdentityError, LogError):
        return "; the access log could not record that it was not written"
    return ""


def _signed_in_read(args: argparse.Namespace, conn: sqlite3.Connection,
                    db: Path) -> tuple[SessionDetail, str]:
    """Sign in, decide (de-identified or not), read the session, record the access.

    The session is read through `conn` (read-only); the sign-in and the access row are written
    through a write connection opened for them and closed before the file is written, `conn`
    with it and first (`_close_writer_last`). Sets `args.deidentify` to what the account gets.
    Returns the session and the note to print when de-identification was imposed.
    """
    from console.identity.access import AccessKind, AccessLog
    from console.identity.roles import Action, access_decision
    from console.identity.staff import Purpose, Staff
    from console.identity.terminal import read_secret
    from console.review.queries import load_signatures
    from console.store import LogError

    log = _open_for_logging(conn, db)
    try:
        # An entry point reads the clock: here, and for the row of an export not written.
        now = datetime.now(UTC)
        secret = read_secret(args.secret, f"PIN or password of {args.account}: ")
        with _EXPORT.reading(db):   # the identity layer reads the staff tables as they are
            # The role is checked before the attempt's row is written: a nurse-only account's
            # right PIN is logged as "export refused: …", not as an export sign-in.
            result = Staff(log).sign_in(args.account, secret, now, where=STATION,
                                        purpose=Purpose.EXPORT, may=Action.EXPORT)
        if result.refused:
            raise CommandFailure(result.message)
        if not result.ok or result.account is None:
            raise CommandFailure(f"sign-in refused: {result.message}")
        decision = access_decision(result.account, Action.EXPORT, bool(args.deidentify))
        if not decision.allowed:
            raise CommandFailure(decision.message)
        args.deidentify = decision.deidentified
        try:
            detail = _load(args, conn, db)
        except CommandFailure as refused:
            if refused.exit_status != EXIT_CHANGED:
                raise
            # The refusal shows the changed row to whoever signed in: that reading is
            # recorded, as the file it did not write (it went unrecorded: an audit).
            with _EXPORT.reading(db):
                AccessLog(log).record_access(
                    result.account, AccessKind.EXPORT, args.session_id, _format(args),
                    decision.deidentified, now, where=STATION,
                    detail=f"NOT WRITTEN: {args.target}: the session's record was changed "
                           "outside the console")
            raise
        fmt = _format(args)
        # The PDF prints who signed what (21 CFR Part 11), as the review's does, and the REMS
        # draft who signed a prescriber's decision on the pressure before the dose; a
        # de-identified report names no staff (console/review: signatures are kept apart from
        # the record).
        with _EXPORT.reading(db, f"the signatures of session {args.session_id}"):
            args.signatures = (load_signatures(conn, args.session_id)
                               if (args.pdf is not None or args.rems is not None)
                               and not decision.deidentified else None)
        args.account_ref = result.account   # for the row of an export not written
        with _EXPORT.reading(db):
            AccessLog(log).record_access(result.account, AccessKind.EXPORT, args.session_id,
                                         fmt, decision.deidentified, now,
                                         detail=f"to {args.target}", where=STATION)
        return detail, decision.message if decision.forced else ""
    except LogError as exc:   # the sign-in or the access row could not be written
        raise _not_recorded(exc, db) from exc
    finally:
        _close_writer_last(conn, log)


def _close_writer_last(conn: sqlite3.Connection, log: EventLog) -> None:
    """Close the read-only `conn`, then `log`.

    SQLite moves the -wal into the log file and removes the -wal and -shm only when the last
    connection to the file closes, and a read-only one cannot: closed after the writer, it left
    both behind, the sign-in and the access row only in the -wal (a copy of the log file alone,
    a backup, lacked them).
    """
    try:
        conn.close()
    finally:
        log.close()


def _unlogged_read(args: argparse.Namespace, conn: sqlite3.Connection,
                   db: Path) -> tuple[SessionDetail, str]:
    """Read the session of a log without staff accounts: no sign-in, no access_log row, and
    not a byte written to the log (`conn` is read-only).

    The transitional rule (README, "Staff and signatures"): identity is enforced once the log
    holds an account. Until then there is nobody to sign in as, so asking for one would only
    refuse; the export goes ahead and says it is not logged, with the way to start logging.
    """
    from console.review.access import NOT_LOGGED

    detail = _load(args, conn, db)
    args.signatures = None        # no account, so nothing is signed
    args.account_ref = None       # and no access_log row to add to if the file fails
    return detail, (f"{NOT_LOGGED}; the first administrator is added with: infusion-console "
                    f"staff add --db {shlex.quote(str(db))} --name NAME --roles administrator")


def _load(args: argparse.Namespace, conn: sqlite3.Connection, db: Path) -> SessionDetail:
    from console.review.queries import clock_stepped, load_session
    from console.store import LogError, UnknownSessionError

    what = f"session {args.session_id}"
    try:
        with _EXPORT.reading(db, what):
            # A REMS draft reads the rows only to place its records against the dose across
            # a logged clock step (`clock_steps.RowPlaces`): a step logged after this look
            # leaves them placed by their times, UNCERTAIN where a step back hides which side.
            rows = (bool(args.csv or args.fhir or args.pdf)
                    or clock_stepped(conn, args.session_id))
            detail = load_session(conn, args.session_id, with_observations=rows)
    except UnknownSessionError as exc:
        raise CommandFailure(f"session {args.session_id} is not in the session log {db}; "
                             "the review list shows the ids") from exc
    except LogError as exc:   # the review's reader classifies what it cannot read itself
        raise _EXPORT.log_failure(exc, db, what) from exc
    except CommandFailure:
        raise
    except Exception as exc:
        failure = _changed_rows(conn, db, what)
        if failure is None:
            raise   # the rows are as written: a bug, not dressed up as damage
        raise failure from exc
    _refuse_changed(args, conn, db)
    return detail


def _refuse_changed(args: argparse.Namespace, conn: sqlite3.Connection, db: Path) -> None:
    """Refuse the export of a session whose rows do not match the log's hash chain (the module
    docstring says why: the file leaves the clinic without the review's warning).

    A de-identified export's line names only the row's table and number, as the review's
    de-identified banner does: `verify`'s sentence and the row may hold a date or free text.
    """
    from console.clock import local_stamp
    from console.review.queries import check_session_chain
    from console.store import LogError
    from console.store.errors import one_line

    what = f"session {args.session_id}"
    try:
        with _EXPORT.reading(db, what):
            check = check_session_chain(conn, args.session_id)
    except LogError as exc:   # the review's reader classifies what it cannot read itself
        raise _EXPORT.log_failure(exc, db, what) from exc
    if check.ok or check.first_bad is None:
        return
    if args.pdf is not None:   # the report carries the review's warning on its pages
        from console.review.content import chain_banner

        args.changed_warning = chain_banner(check, None, str(db), with_record=not args.deidentify)
        return
    if args.deidentify:
        table, row_id = check.first_bad
        said = f"{table} row {row_id} does not match the log's hash chain"
    else:
        said = one_line(check.message, 600)
        if check.record:
            when = f", recorded {local_stamp(check.record_at)}" if check.record_at else ""
            said += f" (the row: {one_line(check.record, 200)}{when})"
    if check.bad_rows > 1:
        more = check.bad_rows - 1
        said += f"; {more} more row{'s' if more != 1 else ''} of the session differ as well"
    raise CommandFailure(f"session {args.session_id} was not exported: its record in {db} was "
                         f"changed outside the console: {said}. This file would leave the clinic "
                         "without the review's warning, so none was written (a PDF report, "
                         "--pdf, prints the warning on its pages). Check the whole log with "
                         f"`infusion-console verify --db {shlex.quote(str(db))}` and compare "
                         "the session with the last backup; the review shows the session with the changed row named",
                         EXIT_CHANGED)


def _changed_rows(conn: sqlite3.Connection, db: Path, what: str) -> CommandFailure | None:
    """The line for a session that could not be read because the log's rows are not as the
    console wrote them, or None when they are (the failure is then a bug, and stays one).

    A few damaged bytes inside a row leave the file readable to SQLite but put a value there that
    the console never wrote: a time that is no time, bytes where it wrote text (found by
    overwriting bytes of a real log). The reader then fails on the value; the hash chain, walked
    only on this path (a whole log takes seconds), tells damage or an edit from a bug.
    """
    from console.store.log import verify_log

    with _EXPORT.reading(db, what):
        report = verify_log(conn)
    if report.ok:
        return None
    return _EXPORT.cannot_read(db, "the log does not hold what the console wrote "
                               f"({report.message})", what)


def _refuse_existing(args: argparse.Namespace, detail: SessionDetail, db: Path) -> None:
    """An export never replaces a file: a second export to the same name (a de-identified copy
    over the identified one, or the reverse, or last week's report) is refused, naming it."""
    if args.csv is not None:
        from console.export.csv_export import csv_paths

        if os.path.isfile(args.csv):   # QA: "cannot write s2.pdf: File exists"
            cause = (f"--csv takes a folder, and {args.csv} is a file: give the folder to write "
                     "the two CSV files into")
            unrecorded = _record_not_written(args, db, cause)
            raise CommandFailure(cause + unrecorded)
        paths = list(csv_paths(detail, args.csv).values())
    else:
        paths = [args.pdf or args.fhir or args.rems]
    # A folder or a device in the way is the writer's to refuse, in its own words.
    existing = next((p for p in paths if os.path.isfile(p) or os.path.islink(p)), None)
    if existing is None:
        return
    cause = _exists_cause(args, existing)
    unrecorded = _record_not_written(args, db, cause)
    raise CommandFailure(cause + unrecorded)


def _refuse_missing_folder(args: argparse.Namespace, target: Path, db: Path) -> None:
    """A PDF, FHIR or REMS file into a folder that is not there is refused naming the folder,
    before the file is built: the writer's "cannot write nodir/x.json: No such file or
    directory" read as the file missing, which the export was to make (a review of the exports).
    `--csv` makes its folder (`write_session_csv`): it names one to write into."""
    cause = None if args.csv is not None else _missing_folder(target)
    if cause is not None:
        raise CommandFailure(f"cannot write {target}: {cause}"
                             + _record_not_written(args, db, cause))


def _missing_folder(target: Path) -> str | None:
    """Why `target` cannot be written when its folder is not there, or None: it is, or a file
    stands where the path needs a folder (the writer's own "Not a directory" says so)."""
    folder = target.parent
    if os.path.lexists(folder):
        return None
    nearest = next((p for p in folder.parents if os.path.lexists(p)), None)
    if nearest is not None and not os.path.isdir(nearest):
        return None
    return (f"the folder {folder} does not exist (create it first, or give a file in a folder "
            "that exists)")


def _exists_cause(args: argparse.Namespace, existing: str | os.PathLike[str]) -> str:
    """Why an export to a name that is taken was not written (before it was built, or found
    when its file was put in place: `files.never_replacing`)."""
    return (f"{existing} exists already: an export never replaces a file (remove it first, "
            f"or give another {'folder' if args.csv is not None else 'file name'})")


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
            from console.review.model import SessionSignatures

            # None only from a log without staff accounts (`_unlogged_read`): nothing in it is
            # signed, which the empty answer says (not "not checked"). A de-identified REMS
            # draft is refused before this (`export` writes none).
            signed = args.signatures if args.signatures is not None else SessionSignatures()
            form = write_rems(detail, args.rems, signatures=signed)
            missing = f" (missing: {', '.join(form.missing_words())})" if form.missing else ""
            return f"wrote the REMS form values to {args.rems}{missing}"
        return args.rems, rems_out

    def pdf_out(detail: SessionDetail) -> str:
        warning: str = getattr(args, "changed_warning", "")
        with signals_held():   # Qt imported and drawing; the file is written after
            try:
                from console.export.pdf import render_session_pdf
            except ImportError as exc:
                raise CommandFailure("PDF export is not available in this installation "
                                     f"({exc})") from exc
            data, pages = render_session_pdf(detail, page_size=args.page_size,
                                             signatures=args.signatures, integrity=warning)
        write_files({args.pdf: data})
        warned = ("; its record was changed outside the console, and the report says so on "
                  "every page" if warning else "")
        return f"wrote a {pages}-page PDF report to {args.pdf}{warned}"
    return args.pdf, pdf_out

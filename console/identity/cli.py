"""`infusion-console staff ...` and `infusion-console access-log`: accounts and the access log
from the command line. No Qt.

    infusion-console staff add --name NAME --roles nurse,prescriber [--badge ID] [--password]
    infusion-console staff disable ACCOUNT --reason TEXT
    infusion-console staff reset ACCOUNT [--password | --pin]
    infusion-console staff list
        each with [--db PATH] [--admin NAME --admin-secret-fd N] [--secret-fd N]
    infusion-console access-log [--session N] [--db PATH]

Every `staff` command needs an administrator's sign-in (`--admin` name or badge; the PIN or
password is typed at the terminal prompt, or read from `--admin-secret-fd N`), except `staff
add` while the log has no active administrator: that one creates the first, and must give it the
administrator role. A new PIN or password is typed twice at the prompt, or read once from
`--secret-fd N`; never from an argument. ACCOUNT is a badge id, a name, or an account id.

`access-log` prints who read or exported which session, when, in which format and whether
de-identified (the `access_log` table); it opens the log read-only and needs no sign-in: it holds
account names and session numbers, no patient data.

Every failure a user can cause is one line on stderr and exit status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from console.clock import iso
from console.identity.errors import IdentityError, UnknownAccountError
from console.identity.roles import Action, refusal
from console.identity.secrets import SecretKind
from console.identity.staff import Account, Purpose, Staff
from console.identity.terminal import InputError, preread, read_new_secret, read_secret
from console.paths import default_db_path
from console.store import EventLog, LogError
from console.store import identity_store as store
from console.store.schema import SQLITE_INTEGER
from console.version import VERSION

STAFF_PROG = "infusion-console staff"
ACCESS_PROG = "infusion-console access-log"
STATION = "command line"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block) with exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


class _Failure(Exception):
    """A user-caused failure, already worded for the user."""


def _fd(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a file descriptor number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is not a file descriptor number (0 or more)")
    return value


def staff_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--db", type=Path, default=None,
                        help=f"session log file (default {default_db_path()})")
    common.add_argument("--admin", metavar="NAME",
                        help="the administrator signing in (name or badge id)")
    common.add_argument("--admin-secret-fd", type=_fd, metavar="N",
                        help="read the administrator's PIN or password from file descriptor N "
                             "(one line) instead of the terminal")
    p = _Parser(prog=STAFF_PROG, description="Manage the staff accounts of the session log.")
    sub = p.add_subparsers(dest="command", required=True, metavar="add|disable|reset|list")
    add = sub.add_parser("add", parents=[common], help="create an account",
                         description="Create an account. The first account of a log must be an "
                                     "administrator; it needs no sign-in.")
    add.add_argument("--name", required=True, help="display name (printed on signatures)")
    add.add_argument("--roles", required=True,
                     help="comma-separated: nurse, prescriber, reviewer, administrator")
    add.add_argument("--badge", help="badge id (unique among active accounts)")
    add.add_argument("--password", action="store_true",
                     help="a password (8 characters or more) instead of a PIN (4-12 digits)")
    add.add_argument("--secret-fd", type=_fd, metavar="N",
                     help="read the new PIN or password from file descriptor N (one line) "
                          "instead of typing it twice")
    disable = sub.add_parser("disable", parents=[common], help="disable an account",
                             description="Disable an account: it signs in nowhere from now on.")
    disable.add_argument("account", metavar="ACCOUNT", help="badge id, name or account id")
    disable.add_argument("--reason", required=True, help="why (kept in the account's history)")
    reset = sub.add_parser("reset", parents=[common], help="give an account a new secret",
                           description="Give an account a new PIN or password (this also ends "
                                       "a lock-out).")
    reset.add_argument("account", metavar="ACCOUNT", help="badge id, name or account id")
    kind = reset.add_mutually_exclusive_group()
    kind.add_argument("--password", action="store_const", const="password", dest="kind",
                      help="the new secret is a password")
    kind.add_argument("--pin", action="store_const", const="pin", dest="kind",
                      help="the new secret is a PIN")
    reset.add_argument("--secret-fd", type=_fd, metavar="N",
                       help="read the new PIN or password from file descriptor N (one line)")
    sub.add_parser("list", parents=[common], help="list the accounts",
                   description="List every account with its roles and state (never a secret).")
    return p


def staff_main(argv: list[str]) -> int:
    """`infusion-console staff`; returns the exit status."""
    args = staff_parser().parse_args(argv)
    try:
        return _staff(args)
    except _Failure as failure:
        print(f"{STAFF_PROG} {args.command}: {failure}", file=sys.stderr)
        return 2


def _staff(args: argparse.Namespace) -> int:
    try:   # descriptors first, before any file is opened (terminal.preread)
        args.admin_secret = preread(args.admin_secret_fd, "--admin-secret-fd")
        args.new_secret = preread(getattr(args, "secret_fd", None))
    except InputError as exc:
        raise _Failure(str(exc)) from exc
    db: Path = args.db if args.db is not None else default_db_path()
    if args.command != "add" and not db.is_file():
        raise _Failure(f"no session log at {db}: check the path, or choose the log with --db")

    existed = db.is_file()
    try:
        log = EventLog.open(db, VERSION)
    except LogError as exc:
        raise _Failure(str(exc)) from exc
    try:
        return _staff_command(args, log, created=not existed)
    except (IdentityError, InputError, LogError) as exc:
        raise _Failure(str(exc)) from exc
    finally:
        log.close()


def _staff_command(args: argparse.Namespace, log: EventLog, created: bool) -> int:
    staff = Staff(log)
    by = _administrator(args, staff)
    now = datetime.now(UTC)
    if args.command == "add":
        kind = SecretKind.PASSWORD if args.password else SecretKind.PIN
        staff.check_new(args.name, args.roles, by, badge=args.badge)   # before the secret
        secret = read_new_secret(args.new_secret, kind, args.name)
        account = staff.add(args.name, args.roles, secret, kind, by, now, badge=args.badge)
        if created:
            print(f"created the session log {log.path}")
        badge = f", badge {account.badge}" if account.badge else ""
        print(f"added account {account.id}: {account.name} ({account.roles_text}; "
              f"{account.kind.label}{badge})")
        return 0
    if args.command == "list":
        _print_accounts(staff.list())
        return 0
    assert by is not None
    target = _resolve(staff, args.account)
    if args.command == "disable":
        account = staff.disable(target, by, args.reason, now)
        print(f"disabled account {account.id}: {account.name} ({account.reason})")
        return 0
    kind = SecretKind(args.kind) if args.kind else target.kind
    secret = read_new_secret(args.new_secret, kind, target.name)
    account = staff.reset(target, secret, by, now, kind=kind)
    print(f"reset the {account.kind.label} of account {account.id}: {account.name}")
    return 0


def _administrator(args: argparse.Namespace, staff: Staff) -> Account | None:
    """The signed-in administrator, or None when `staff add` creates the first one."""
    if not staff.has_any_administrator():
        if args.command != "add":
            raise _Failure("there is no administrator in this log yet: add the first with "
                           "'infusion-console staff add --name NAME --roles administrator'")
        if args.admin is not None:
            raise _Failure("there is no administrator in this log yet, so nobody to sign in as: "
                           "leave out --admin (the first account must be an administrator)")
        return None
    if args.admin is None:
        raise _Failure("this needs an administrator's sign-in: --admin NAME (the PIN or "
                       "password is asked for, or read from --admin-secret-fd N)")
    secret = read_secret(args.admin_secret, f"PIN or password of {args.admin}: ",
                         option="--admin-secret-fd")
    result = staff.sign_in(args.admin, secret, datetime.now(UTC), where=STATION,
                           purpose=Purpose.ADMINISTRATION)
    if not result.ok or result.account is None:
        raise _Failure(f"sign-in refused: {result.message}")
    why = refusal(result.account, Action.MANAGE_STAFF)
    if why is not None:
        raise _Failure(why)
    return result.account


def _resolve(staff: Staff, text: str) -> Account:
    found = staff.find(text)
    if found is not None:
        return found
    number = text.removeprefix("#")
    if number.isdigit():
        try:
            return staff.get(int(number))
        except UnknownAccountError:
            pass
    raise _Failure(f"no account has the badge, name or id {text!r}: "
                   "'infusion-console staff list' shows them")


def _print_accounts(accounts: list[Account]) -> None:
    rows = [("id", "name", "badge", "roles", "secret", "state", "changed")]
    for a in accounts:
        rows.append((str(a.id), a.name, a.badge or "-", a.roles_text.replace(" ", ","),
                     a.kind.label, "active" if a.active else "disabled",
                     f"{iso(a.changed_at)} ({a.reason})"))
    _print_table(rows)
    if len(rows) == 1:
        print("(no accounts)")


def _print_table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


# --- access-log ---


def access_log_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=ACCESS_PROG,
                description="Print who read or exported which session, when, in which format "
                            "and whether de-identified.")
    p.add_argument("--session", type=int, metavar="N", help="only this session")
    p.add_argument("--db", type=Path, default=None,
                   help=f"session log file (default {default_db_path()})")
    return p


def access_log_main(argv: list[str]) -> int:
    """`infusion-console access-log`; returns the exit status."""
    args = access_log_parser().parse_args(argv)
    try:
        return _access_log(args)
    except _Failure as failure:
        print(f"{ACCESS_PROG}: {failure}", file=sys.stderr)
        return 2


def _access_log(args: argparse.Namespace) -> int:
    from console.review.queries import MissingLogError, open_readonly

    db: Path = args.db if args.db is not None else default_db_path()
    if args.session is not None and args.session not in SQLITE_INTEGER:
        raise _Failure(f"--session {args.session}: there is no such session (session ids "
                       f"run from 1 to at most {SQLITE_INTEGER.stop - 1}); leave out --session "
                       "to see the rows of every session")
    try:
        conn = open_readonly(db)
    except (MissingLogError, LogError) as exc:
        raise _Failure(str(exc)) from exc
    try:
        rows = store.access_rows(conn, args.session) if store.has_access_log(conn) else []
    except LogError as exc:
        raise _Failure(str(exc)) from exc
    finally:
        conn.close()
    if not rows:
        which = f"of session {args.session} " if args.session is not None else ""
        print(f"no read or export {which}is recorded in {db}")
        return 0
    table = [("id", "at", "who", "what", "session", "format", "de-identified", "station",
              "detail")]
    for r in rows:
        table.append((str(r.id), iso(r.at), f"{r.name} (#{r.account})", r.what,
                      "-" if r.session_id is None else str(r.session_id), r.format or "-",
                      "yes" if r.deidentified else "no", r.station or "-", r.detail or "-"))
    _print_table(table)
    return 0

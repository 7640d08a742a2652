"""`infusion-console staff ...` and `infusion-console access-log`: accounts and the access log
from the command line. No Qt.

    infusion-console staff add --name NAME --roles nurse,prescriber [--badge ID] [--password]
    infusion-console staff disable ACCOUNT --reason TEXT
    infusion-console staff enable ACCOUNT --reason TEXT [--password | --pin]
    infusion-console staff roles ACCOUNT --roles nurse,reviewer --reason TEXT
    infusion-console staff reset ACCOUNT [--password | --pin]
    infusion-console staff list
    infusion-console staff history ACCOUNT
        each with [--db PATH] [--admin NAME --admin-secret-fd N] [--secret-fd N]
    infusion-console access-log [--session N] [--db PATH]

Every `staff` command needs an administrator's sign-in (`--admin` name or badge; the PIN or
password is typed at the terminal prompt, or read from `--admin-secret-fd N`), except `staff
add` while the log has no active administrator: that one creates the first, and must give it the
administrator role. A new PIN or password is typed twice at the prompt, or read once from
`--secret-fd N`; never from an argument. ACCOUNT is a badge id, a name, or an account id; a
badge or name is looked up as at a sign-in (`Staff.find`: an active account's badge, then its
name, before a disabled account's), and `#N` is always account N.

`enable` and `roles` write a new version of the same account (its id, its records and signatures
stay), naming the administrator. `enable` always sets a new PIN or password (asked for as by
`reset`): the console does not know whether the account was disabled for cause, and its old
secret may have been known to others meanwhile (console/identity/staff.py). `roles` gives the
whole set of roles, and neither it nor `disable` may leave the log without an active
administrator. `history` prints every version of one account, oldest first: when, what changed
(never the secret nor its hash: only that it was reset), by whom, and why; `list` shows who made
each account's latest change.

`access-log` prints who read or exported which session, when, in which format and whether
de-identified (the `access_log` table); it opens the log read-only and needs no sign-in: it holds
account names and session numbers, no patient data. It also holds the table to its hash chain
(its rows alone, in one read transaction with the rows printed): an audit must not take a row
edited or deleted outside the console for the record. Text is printed with every character that
does not print shown as "?": a file name chosen by whoever exported holds any byte, and control
sequences in it could otherwise rewrite the auditor's screen. Its exit statuses, as `verify`'s
and `export`'s (console/cli.py, console/export/cli.py):

    0  printed (or nothing is recorded), every row as the console wrote it
    1  printed, but the access log was changed outside the console: the line after the rows
       names the first changed row, in `verify`'s words
    2  nothing printed: a usage error, no session log or not one, a log that cannot be read
       (permission, a lock), or one from before the access log (schema version 1 or 2)
    3  nothing printed: the session log is damaged (SQLite cannot read it, its access log is not
       there though the log recorded it, or holds values the console never writes)

Every failure a user can cause is one line on stderr; never a traceback. `staff` exits 2 on each.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, NoReturn

from console.clock import local_stamp
from console.identity.errors import IdentityError, UnknownAccountError
from console.identity.roles import Action
from console.identity.secrets import SecretKind
from console.identity.staff import Account, Purpose, Staff
from console.identity.terminal import InputError, preread, read_new_secret, read_secret
from console.log_command import EXIT_DAMAGED, EXIT_REFUSED, CommandFailure, LogCommand
from console.paths import default_db_path, user_path
from console.store import EventLog, LogError, VerifyReport
from console.store import identity_store as store
from console.store.errors import classify, printable
from console.store.log import link_into_place, log_path_is, remove_built, where_to_build
from console.store.schema import SQLITE_INTEGER
from console.version import VERSION

STAFF_PROG = "infusion-console staff"
ACCESS_PROG = "infusion-console access-log"
STATION = "command line"

# `staff` and `access-log` exit EXIT_REFUSED (2) on every failure a user can act on, and
# `access-log` EXIT_DAMAGED (3) on a damaged log (console/log_command.py); its other one:
ACCESS_CHANGED: Final = 1   # printed, but a row was edited, deleted or added outside the console

# A log `access-log` cannot use: "cannot read the access log of DB: ...; nothing was printed. ..."
_ACCESS: Final = LogCommand(not_done="nothing was printed", preposition="of")

_ACCESS_EXITS: Final = f"""exit status:
  0  printed (or nothing is recorded), every row as the console wrote it
  {ACCESS_CHANGED}  printed, but the access log was changed outside the console: the line after
     the rows names the first changed row
  {EXIT_REFUSED}  nothing printed: a usage error, no session log or not one, a log that cannot be
     read (permission, a lock), or a log from before the access log (schema version 1 or 2)
  {EXIT_DAMAGED}  nothing printed: the session log is damaged (check it with `infusion-console
     verify --db PATH`, keep a copy, restore it from the last backup after removing its -wal
     and -shm files)"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block) with exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


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
    common.add_argument("--db", type=user_path, default=None,
                        help=f"session log file (default {default_db_path()})")
    common.add_argument("--admin", metavar="NAME",
                        help="the administrator signing in (name or badge id)")
    common.add_argument("--admin-secret-fd", type=_fd, metavar="N",
                        help="read the administrator's PIN or password from file descriptor N "
                             "(one line) instead of the terminal")
    p = _Parser(prog=STAFF_PROG, description="Manage the staff accounts of the session log.")
    sub = p.add_subparsers(dest="command", required=True,
                           metavar="add|disable|enable|roles|reset|list|history")
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
    enable = sub.add_parser("enable", parents=[common],
                            help="enable a disabled account, with a new secret",
                            description="Enable a disabled account again (the same account id) "
                                        "with a new PIN or password: its old one never signs in "
                                        "again, as it may have been disabled for cause.")
    enable.add_argument("account", metavar="ACCOUNT", help="badge id, name or account id")
    enable.add_argument("--reason", required=True, help="why (kept in the account's history)")
    _secret_options(enable)
    roles = sub.add_parser("roles", parents=[common], help="change an account's roles",
                           description="Give an account these roles (the whole set: the ones "
                                       "not given are taken away). Its signatures keep the role "
                                       "they were made under.")
    roles.add_argument("account", metavar="ACCOUNT", help="badge id, name or account id")
    roles.add_argument("--roles", required=True,
                       help="comma-separated: nurse, prescriber, reviewer, administrator")
    roles.add_argument("--reason", required=True, help="why (kept in the account's history)")
    reset = sub.add_parser("reset", parents=[common], help="give an account a new secret",
                           description="Give an account a new PIN or password (this also ends "
                                       "a lock-out).")
    reset.add_argument("account", metavar="ACCOUNT", help="badge id, name or account id")
    _secret_options(reset)
    sub.add_parser("list", parents=[common], help="list the accounts",
                   description="List every account with its roles and state, and who made its "
                               "latest change (never a secret).")
    history = sub.add_parser("history", parents=[common], help="every version of an account",
                             description="Print every version of an account, oldest first: "
                                         "when, what changed, by whom, why (never a secret).")
    history.add_argument("account", metavar="ACCOUNT", help="badge id, name or account id")
    return p


def _secret_options(command: argparse.ArgumentParser) -> None:
    """--password | --pin and --secret-fd N, for a command that sets a new secret."""
    kind = command.add_mutually_exclusive_group()
    kind.add_argument("--password", action="store_const", const="password", dest="kind",
                      help="the new secret is a password")
    kind.add_argument("--pin", action="store_const", const="pin", dest="kind",
                      help="the new secret is a PIN")
    command.add_argument("--secret-fd", type=_fd, metavar="N",
                         help="read the new PIN or password from file descriptor N (one line)")


def staff_main(argv: list[str]) -> int:
    """`infusion-console staff`; returns the exit status."""
    args = staff_parser().parse_args(argv)
    try:
        return _staff(args)
    except CommandFailure as failure:
        print(f"{STAFF_PROG} {args.command}: {failure}", file=sys.stderr)
        return failure.exit_status


def _staff(args: argparse.Namespace) -> int:
    new_fd = getattr(args, "secret_fd", None)
    if new_fd is not None and new_fd == args.admin_secret_fd:
        # One descriptor gives one line: the second read found it spent (QA: "no file
        # descriptor 3 is open").
        raise CommandFailure(f"--admin-secret-fd and --secret-fd both name descriptor {new_fd}: "
                             "the administrator's secret and the new one need one each")
    try:   # descriptors first, before any file is opened (terminal.preread)
        args.admin_secret = preread(args.admin_secret_fd, "--admin-secret-fd")
        args.new_secret = preread(new_fd)
    except InputError as exc:
        raise CommandFailure(str(exc)) from exc
    db: Path = args.db if args.db is not None else default_db_path()
    try:
        existed = log_path_is(db, Path.is_file)
    except LogError as exc:   # a folder closed to this user, a name too long: one line
        raise CommandFailure(str(exc)) from exc
    # Only the first administrator's `add` (no --admin) creates a log: a mistyped --db with an
    # administrator's sign-in had left a new, empty log behind its refusal (QA).
    if (args.command != "add" or args.admin is not None) and not existed:
        raise CommandFailure(f"no session log at {db}: check the path, or choose the log with "
                             "--db")

    if existed and not (args.command == "add" and args.admin is None
                        and db.stat().st_size == 0):
        # Refused as `verify` refuses it before anything is written: EventLog.open builds its
        # schema in an empty file and turns another program's database to WAL and 0600, and a
        # mistyped --db had both changed behind the refusal (review 39).
        _ACCESS.open_readonly(db).close()
    if not existed:
        return _first_account(args, db)
    try:
        log = EventLog.open(db, VERSION)
    except LogError as exc:
        raise CommandFailure(str(exc)) from exc
    try:
        return _staff_command(args, log, shown_as=db)
    except (IdentityError, InputError, LogError) as exc:
        raise CommandFailure(str(exc)) from exc
    finally:
        log.close()


def _first_account(args: argparse.Namespace, db: Path) -> int:
    """The first administrator's `add`, the only command that creates a log: built beside it
    under a name of its own and put in place only once the account is in it, never over a file
    that appeared meanwhile. README: a refused first account (not an administrator, a weak PIN,
    Ctrl+C at the prompt) leaves no log behind; removing the refused one afterwards could remove
    a log a console had opened on that path while the secret was typed (a review of the change:
    its readings then went to a file no longer on disk).

    Built where the console's first start makes the log (`where_to_build`): beside the file a
    link names, not beside the link (linked onto the link, it was refused as "a file appeared");
    a link into a folder that is not there is refused as the console refuses it. Messages name
    `db`, the path given. It is put in place as the console's first start puts its log
    (`link_into_place`: a hard link, a rename on a disk without them, a FAT or exFAT USB disk
    or an SMB share), and only then are the log and the account said to be made. The build name
    is removed as soon as the log is in place: a log with two names is refused by every console
    (`_refuse_second_name`), and the name it is built under is the one such name a console
    opening it meanwhile passes over."""
    try:
        real = where_to_build(db)
    except OSError as exc:
        raise CommandFailure(str(classify(exc, db))) from exc
    new_folders = [folder for folder in real.parents if not folder.exists()]
    building = real.with_name(f".{real.name}.new-{os.getpid()}")
    try:
        try:
            log = EventLog.open(building, VERSION)
        except LogError as exc:
            raise CommandFailure(str(_named_as_given(exc, building, db))) from exc
        said: list[str] = []   # printed once the log is in place, not before (a CLI review)
        try:
            status = _staff_command(args, log, shown_as=db, created=True, say=said.append)
        except LogError as exc:
            raise CommandFailure(str(_named_as_given(exc, building, db))) from exc
        except (IdentityError, InputError) as exc:
            raise CommandFailure(str(exc)) from exc
        finally:
            log.close()   # the last connection: SQLite folds its -wal into the file
        try:
            # As the console's first start puts its log in place: a link, or on a disk
            # without hard links (FAT, SMB) a rename; never over a file there now.
            placed = link_into_place(building, real)
        except OSError as exc:
            raise CommandFailure(f"cannot create the session log {db}: {exc.strerror}") from exc
        remove_built(building)   # now: the log has one name again (`_refuse_second_name`)
        if not placed:
            raise CommandFailure(f"a file appeared at {db} while this command ran (a console "
                                 "started on it?): the account was not added to it; run the "
                                 "command again to add the first administrator there, with "
                                 "--admin if it has accounts now")
        for line in said:
            print(line)
        return status
    finally:
        remove_built(building)
        _remove_folders(new_folders, keep=real)


def _named_as_given(exc: LogError, building: Path, db: Path) -> LogError:
    """`exc` naming `db`, the log given, when it names the hidden file the log is built under
    (as `EventLog._build` does): a read-only folder or a full disk named
    ".sessions.sqlite3.new-9151", a file clinic IT could not find."""
    if exc.path != building:
        return exc
    return LogError(db, exc.cause, exc.detail.replace(str(building), str(db)),
                    folder_read_only=exc.folder_read_only)


def _remove_folders(new_folders: Sequence[Path], keep: Path) -> None:
    """Remove the folders this command made (the deepest first), unless `keep` is in one."""
    if keep.exists():
        return
    for folder in new_folders:
        try:
            folder.rmdir()
        except OSError:
            break


def _staff_command(args: argparse.Namespace, log: EventLog, shown_as: Path,
                   created: bool = False, say: Callable[[str], object] = print) -> int:
    staff = Staff(log)
    by = _administrator(args, staff, shown_as)
    now = datetime.now(UTC)
    if args.command == "add":
        kind = SecretKind.PASSWORD if args.password else SecretKind.PIN
        staff.check_new(args.name, args.roles, by, badge=args.badge)   # before the secret
        secret = read_new_secret(args.new_secret, kind, args.name)
        account = staff.add(args.name, args.roles, secret, kind, by, now, badge=args.badge)
        if created:
            say(f"created the session log {shown_as}")
        badge = f", badge {account.badge}" if account.badge else ""
        say(f"added account {account.id}: {account.name} ({account.roles_text}; "
            f"{account.kind.label}{badge})")
        return 0
    if args.command == "list":
        _print_accounts(staff, staff.list(), now)
        return 0
    assert by is not None
    target = _resolve(staff, args.account)
    if args.command == "disable":
        account = staff.disable(target, by, args.reason, now)
        print(f"disabled account {account.id}: {account.name} ({account.reason})")
        return 0
    if args.command == "history":
        _print_history(staff, target)
        return 0
    if args.command == "roles":
        account = staff.change_roles(target, args.roles, by, args.reason, now)
        print(f"changed the roles of account {account.id}: {account.name} "
              f"({_roles(target)} -> {_roles(account)})")
        return 0
    if args.command == "enable":
        staff.check_enable(target, by, args.reason)   # before the new secret is asked for
        kind = SecretKind(args.kind) if args.kind else target.kind
        secret = read_new_secret(args.new_secret, kind, target.name)
        account = staff.enable(target, secret, by, args.reason, now, kind=kind)
        print(f"enabled account {account.id}: {account.name} ({_roles(account)}; new "
              f"{account.kind.label})")
        return 0
    # Before the new secret is asked for, as `enable` checks first: a disabled account had the
    # administrator type a new PIN twice, then was refused without the way forward.
    staff.check_reset(target, by, enable_how=(
        f"enable it with a new PIN or password: {STAFF_PROG} enable "
        f"{shlex.quote(args.account)} --reason TEXT"))
    kind = SecretKind(args.kind) if args.kind else target.kind
    secret = read_new_secret(args.new_secret, kind, target.name)
    account = staff.reset(target, secret, by, now, kind=kind)
    print(f"reset the {account.kind.label} of account {account.id}: {account.name}")
    return 0


def _administrator(args: argparse.Namespace, staff: Staff, db: Path) -> Account | None:
    """The signed-in administrator, or None when `staff add` creates the first one."""
    if not staff.has_any_administrator():
        if args.command != "add":
            raise CommandFailure("there is no administrator in this log yet: add the first with "
                                 "'infusion-console staff add --db "
                                 f"{shlex.quote(str(db))} --name NAME "
                                 "--roles administrator'")
        if args.admin is not None:
            raise CommandFailure("there is no administrator in this log yet, so nobody to sign "
                                 "in as: leave out --admin (the first account must be an "
                                 "administrator)")
        return None
    if args.admin is None:
        raise CommandFailure("this needs an administrator's sign-in: --admin NAME (the PIN or "
                             "password is asked for, or read from --admin-secret-fd N)")
    secret = read_secret(args.admin_secret, f"PIN or password of {args.admin}: ",
                         option="--admin-secret-fd")
    result = staff.sign_in(args.admin, secret, datetime.now(UTC), where=STATION,
                           purpose=Purpose.ADMINISTRATION, may=Action.MANAGE_STAFF)
    if result.refused:   # the right secret of an account that may not manage staff
        raise CommandFailure(result.message)
    if not result.ok or result.account is None:
        raise CommandFailure(f"sign-in refused: {result.message}")
    return result.account


def _resolve(staff: Staff, text: str) -> Account:
    """The account `text` names: "#N" is account N; otherwise a badge, a name or an account id,
    and a text that names two accounts (a badge "24" and account 24) is refused, naming both:
    QA disabled the account with badge 24 when account 24 was meant."""
    number = text.strip().removeprefix("#")
    by_id = None
    # ASCII digits only, within SQLite's integers: "²" passes isdigit() and int() refuses it,
    # and an id past 2**63 - 1 is an OverflowError in SQLite; neither can name a row, so they
    # fall through to the one-line "no account has ..." (each had ended in a traceback).
    if number.isascii() and number.isdigit() and int(number) in SQLITE_INTEGER:
        try:
            by_id = staff.get(int(number))
        except UnknownAccountError:
            pass
    if text.strip().startswith("#"):
        if by_id is None:
            raise CommandFailure(f"there is no account {text.strip()}: "
                                 "'infusion-console staff list' shows them")
        return by_id
    found = staff.find(text)
    if found is not None and by_id is not None and found.id != by_id.id:
        raise CommandFailure(
            f"{text!r} names two accounts: account {found.id} ({found.name}"
            f"{', badge ' + found.badge if found.badge else ''}) and account {by_id.id} "
            f"({by_id.name}); give #{by_id.id} for account {by_id.id}, or the other's name")
    chosen = found if found is not None else by_id
    if chosen is not None:
        return chosen
    raise CommandFailure(f"no account has the badge, name or id {text!r}: "
                         "'infusion-console staff list' shows them")


def _print_accounts(staff: Staff, accounts: list[Account], now: datetime) -> None:
    names = {a.id: a.name for a in accounts}
    rows = [("id", "name", "badge", "roles", "secret", "state", "changed")]
    for a in accounts:
        rows.append((str(a.id), a.name, a.badge or "-", _roles(a), a.kind.label,
                     staff.state_text(a, now),
                     f"{local_stamp(a.changed_at)} ({a.reason}) by {_by(a.changed_by, names)}"))
    _print_table(rows)
    if len(rows) == 1:
        print("(no accounts)")


def _print_history(staff: Staff, account: Account) -> None:
    """Every version of `account`, oldest first: when, what changed, by whom, why."""
    names = {a.id: a.name for a in staff.list()}
    badge = f", badge {account.badge}" if account.badge else ""
    print(f"history of account {account.id}: {account.name}{badge}, oldest first")
    rows = [("version", "at", "by", "changed", "reason")]
    for change in staff.changes(account):
        rows.append((str(change.version), local_stamp(change.at), _by(change.by, names),
                     "; ".join(change.what), change.reason))
    _print_table(rows)


def _roles(account: Account) -> str:
    """"nurse,prescriber", as `list` shows roles."""
    return account.roles_text.replace(" ", ",")


def _by(account: int | None, names: dict[int, str]) -> str:
    """Who made a change: "Ada Admin (#1)"; the first administrator was added with nobody to
    sign in (changed_by NULL)."""
    if account is None:
        return "nobody signed in (the first administrator)"
    return f"{names.get(account, 'unknown account')} (#{account})"



def _print_table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


# --- access-log ---


def access_log_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=ACCESS_PROG,
                description="Print who read or exported which session, when, in which format "
                            "and whether de-identified.",
                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_ACCESS_EXITS)
    p.add_argument("--session", type=int, metavar="N", help="only this session")
    p.add_argument("--db", type=user_path, default=None,
                   help=f"session log file (default {default_db_path()})")
    return p


def access_log_main(argv: list[str]) -> int:
    """`infusion-console access-log`; returns the exit status."""
    args = access_log_parser().parse_args(argv)
    try:
        return _access_log(args)
    except CommandFailure as failure:
        print(f"{ACCESS_PROG}: {failure}", file=sys.stderr)
        return failure.exit_status


def _access_log(args: argparse.Namespace) -> int:
    db: Path = args.db if args.db is not None else default_db_path()
    if args.session is not None and args.session not in SQLITE_INTEGER:
        raise CommandFailure(f"--session {args.session}: there is no such session (session "
                             f"ids run from 1 to at most {SQLITE_INTEGER.stop - 1}); leave out "
                             "--session to see the rows of every session")
    conn = _ACCESS.open_readonly(db)
    try:
        rows, report = _read_access_log(conn, db, args.session)
        with _ACCESS.reading(db, "the staff accounts"):
            accounts = bool(rows) or conn.execute("SELECT 1 FROM staff LIMIT 1").fetchone()
        unknown = False
        if args.session is not None and not rows:
            # Said apart from "none recorded": a mistyped number is not a session nobody read.
            with _ACCESS.reading(db, "the sessions"):
                unknown = conn.execute("SELECT 1 FROM sessions WHERE id = ?",
                                       [args.session]).fetchone() is None
    finally:
        conn.close()
    if unknown:
        print(f"session {args.session} is not in {db}: no read or export of it can be "
              "recorded there (leave out --session to see the rows of every session)")
    elif not rows:
        which = f"of session {args.session} " if args.session is not None else ""
        # The transitional rule (README, "Staff and signatures"): until the first account,
        # nobody signs in, so nothing is recorded; "none recorded" alone reads as "none made".
        why = ("" if accounts else ": this log has no staff accounts, and reads and exports are "
               "recorded from the first one on (infusion-console staff add --db "
               f"{shlex.quote(str(db))} --name NAME --roles administrator)")
        print(f"no read or export {which}is recorded in {db}{why}")
    else:
        table = [("id", "at", "who", "what", "session", "format", "de-identified", "station",
                  "detail")]
        for r in rows:
            table.append((str(r.id), local_stamp(r.at), f"{r.name} (#{r.account})", r.what,
                          "-" if r.session_id is None else str(r.session_id), r.format or "-",
                          "yes" if r.deidentified else "no", r.station or "-", r.detail or "-"))
        _print_table([[printable(cell) for cell in row] for row in table])
    if report.ok:
        return 0
    sys.stdout.flush()   # the rows first, then the line about them
    print(f"{ACCESS_PROG}: the access log of {db} was changed outside the console: "
          f"{report.message}; the rows above are as the file holds them now, not as they were "
          "recorded. Check the whole log with `infusion-console verify --db "
          f"{shlex.quote(str(db))}` and compare it with the last backup", file=sys.stderr)
    return ACCESS_CHANGED


def _read_access_log(conn: sqlite3.Connection, db: Path,
                     session: int | None) -> tuple[list[store.AccessRow], VerifyReport]:
    """The rows to print and what the hash chain says of the access log, in one snapshot.

    A few changed bytes in a row can leave a value SQLite reads but the console never wrote (a
    time that is no time): reading it fails, and the chain tells damage from a bug (found by
    overwriting bytes of a real log's access_log pages).
    """
    from console.store.log import read_snapshot

    with _ACCESS.reading(db, "the access log"), read_snapshot(conn):
        if not store.has_access_log(conn):
            raise _no_access_log(conn, db)
        try:
            rows = store.access_rows(conn, session)
        except sqlite3.Error:
            raise   # _ACCESS.reading's
        except Exception as exc:
            report = store.check_access_log(conn)
            if report.ok:
                raise   # the rows are as written: a bug, not dressed up as damage
            raise _ACCESS.cannot_read(db, "it does not hold what the console wrote "
                                      f"({report.message})", "the access log") from exc
        return rows, store.check_access_log(conn)


def _no_access_log(conn: sqlite3.Connection, db: Path) -> CommandFailure:
    """The line for a log without the access_log table: one from before it (refused: there is
    nothing to print), or one that recorded it (damaged, or the table removed outside)."""
    from console.store import schema
    from console.store.log import read_head, removed_table

    applied = schema.applied_migrations(conn)
    head = read_head(conn, "access_log")
    if head is not None or schema.STAFF_MIGRATION in applied:
        return _ACCESS.cannot_read(db, f"{removed_table('access_log', head)}, or the file is "
                                   "damaged", "the access log")
    return CommandFailure(f"the session log {db} is of schema version {len(applied)}, from "
                          "before the access log (schema version "
                          f"{_version_made_by(schema.STAFF_MIGRATION)} added it, with staff "
                          "accounts): no read or export of it was recorded. A console of this "
                          "version adds the access log when it next opens this log; reads and "
                          "exports are recorded from then on, once the log has a staff account")


def _version_made_by(name: str) -> int:
    """The schema version a migration brings a log to (its place among the migrations, from 1)."""
    from console.store import schema

    return [n for n, _ in schema.MIGRATIONS].index(name) + 1

"""`infusion-console`: the window by default, and subcommands for scripts and support.

    infusion-console [--db PATH] [--shown-log FILE] [--theme light|dim]
                     [--demo | --device URL (--format FMT | --device-profile NAME)
                     --protocol ID --patient ID --weight KG --nurse NAME
                     [--dose-mg MG] [--confirm patient|weight]]

With --protocol and --patient of a session still open in the log, that session is resumed
(console/ui/app.py).
    infusion-console decode --format hl7|masimo|ansar-b|intellivue FILE
    infusion-console devices                                          (monitors it can read)
    infusion-console verify [--db PATH]      (exit 1: a row edited outside; 3: the file damaged)
    infusion-console backup [--db PATH] [--replace] DEST   (a consistent copy, a console writing
                                             the log or not; exit 2: nothing written; 3: the
                                             log damaged)
    infusion-console export SESSION_ID (--pdf FILE | --csv DIR | --fhir FILE | --rems FILE)
                            --account NAME [--secret-fd N]
                            [--deidentify] [--db PATH] [--page-size A4|Letter]
                                             (exit 1: the session's rows changed outside the
                                              console; 2: refused; 3: the file damaged)
    infusion-console review [--db PATH]
    infusion-console central --broker URL [--name NAME] [--db PATH]   (the clinic's central station)
    infusion-console network setup --chairs N ...                    (broker files for a clinic)
    infusion-console network undelivered|resend ...   (messages refused or given up: listed,
                                             and sent again with the same control ids)
    infusion-console staff add|disable|reset|list ...                (staff accounts, issue 13)
    infusion-console access-log [--session N] [--db PATH]            (who read or exported what;
                                             exit 1: a row changed outside the console;
                                             2: refused; 3: the file damaged)

Every failure a user can cause ends in one line that says what is wrong and what to do, with a
non-zero exit; never a traceback (a wrong option: exit 2, `devices.usage.OneLineParser`; Ctrl+C
on a subcommand, or while the window starts: exit 130).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Final

from console import collector_hold
from console.paths import default_db_path
from console.paths import user_path as user_path  # its old home: the name stays importable
from console.session.lock import idle_minutes
from devices.usage import OneLineParser, stdout_closed

PROG: Final = "infusion-console"


def _decode(argv: list[str]) -> int:
    from devices.decode_tool import main as decode_main

    return decode_main(argv)


def _devices(argv: list[str]) -> int:
    from devices.list_tool import main as devices_main

    return devices_main(argv)


def _protocols(argv: list[str]) -> int:
    from protocols.list_tool import main as protocols_main

    return protocols_main(argv)


# `infusion-console verify`'s exit statuses (README, "Running the console"; its --help).
VERIFY_OK: Final = 0         # every row matches its chain and SQLite finds the file sound
VERIFY_EDITED: Final = 1     # a row (or a table, or meta's schema_version) removed, edited, added
VERIFY_UNCHECKED: Final = 2  # nothing checked: a usage error, no log, not a log, unreadable
VERIFY_DAMAGED: Final = 3    # the file is damaged: SQLite cannot read it whole, finds it unsound,
                             # or meta.schema_version holds what no console writes

_VERIFY_EXITS: Final = f"""exit status:
  {VERIFY_OK}  the log is sound and no row was changed outside the console
  {VERIFY_EDITED}  a row was edited, deleted or added outside the console (the first one is named),
     a record table was removed, an append-only trigger or the alarms view is not as the log's
     schema changes made it (dropped, redefined or added), or meta's schema_version row was
     deleted
  {VERIFY_UNCHECKED}  nothing was checked: no log at --db, not a session log, or it cannot be read
  {VERIFY_DAMAGED}  the file is damaged (SQLite cannot read it whole or finds it unsound, or meta's
     schema_version row holds another number than the schema changes the log recorded): keep
     the copy for review and restore the log from the last backup, removing its -wal and -shm
     files first"""


def _verify(argv: list[str]) -> int:
    import sqlite3

    from console.review.queries import open_readonly
    from console.store import LogError, classify, is_environmental
    from console.store.errors import printable, sqlite_words
    from console.store.log import integrity_problems, log_path_is, verify_log
    from console.store.schema import version_problem

    parser = OneLineParser(prog="infusion-console verify",
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description="Check the session log for edits made outside "
                                                 "the console, and the file for damage. The file "
                                                 "is only read: a copy under audit stays byte for "
                                                 "byte as it was.",
                                     epilog=_VERIFY_EXITS)
    parser.add_argument("--db", type=user_path, default=default_db_path(),
                        help="the session log file")
    args = parser.parse_args(argv)
    try:
        there = log_path_is(args.db, Path.exists)
    except LogError as exc:   # a folder closed to this user, a name too long: not an edit
        print(f"infusion-console verify: {exc}", file=sys.stderr)
        return VERIFY_UNCHECKED
    if not there:
        print(f"infusion-console verify: no session log at {args.db}", file=sys.stderr)
        return VERIFY_UNCHECKED
    from console.store.wal_check import wal_damage

    try:   # before SQLite reads it: it passes over a damaged frame and all after in silence
        wal = wal_damage(args.db)
    except OSError as exc:
        print(f"infusion-console verify: cannot read {args.db}-wal: {exc.strerror or exc}",
              file=sys.stderr)
        return VERIFY_UNCHECKED
    if wal is not None:
        return _verify_damaged(args.db, wal.message)
    try:
        conn = open_readonly(args.db, tables_removed_ok=True)   # verify_log names them
    except UnicodeDecodeError as exc:   # SQLite's message quotes damaged bytes (errors.py)
        return _verify_damaged(args.db, sqlite_words(exc))
    except (LogError, OSError) as exc:
        if isinstance(exc, LogError) and exc.cause in ("corrupt", "newer-schema"):
            # Opening reads meta.schema_version: a damaged one can be why it was refused.
            said = _version_damage(args.db)
            if said is not None:
                return _verify_damaged(args.db, said)
        if isinstance(exc, LogError) and exc.cause == "corrupt":
            return _verify_damaged(args.db, sqlite_words(exc))
        print(f"infusion-console verify: {exc}", file=sys.stderr)
        return VERIFY_UNCHECKED
    try:
        report = verify_log(conn)
        problems = integrity_problems(conn, args.db)
        version = version_problem(conn)
    except UnicodeDecodeError as exc:
        return _verify_damaged(args.db, sqlite_words(exc))
    except (LogError, sqlite3.Error) as exc:
        # A damaged page stops the walk where it is read (a traceback from chain.py before).
        if isinstance(exc, sqlite3.Error) and not is_environmental(exc):
            raise   # a bug: not dressed up as damage
        error = classify(exc, args.db)   # a LogError comes back as it is
        if error.cause != "corrupt":
            print(f"infusion-console verify: {error}", file=sys.stderr)
            return VERIFY_UNCHECKED
        return _verify_damaged(args.db, sqlite_words(exc))
    finally:
        conn.close()
    if problems:
        # Damage can also change a row's bytes, so a chain mismatch may be the damage itself.
        chain = (f"all {report.rows_checked} rows read match their hash chains" if report.ok
                 else f"{report.message}, which the damage may explain")
        return _verify_damaged(args.db, f"SQLite's integrity check found: {problems[0]} ({chain})")
    if version is not None and version.damaged:
        chain = (f"all {report.rows_checked} rows match their hash chains" if report.ok
                 else report.message)
        return _verify_damaged(args.db, f"{version.message} ({chain})")
    if not report.ok:
        print(f"{printable(str(args.db))}: {report.message}")
        return VERIFY_EDITED
    if version is not None:   # the row, or the record of the migrations, deleted outside
        print(f"{printable(str(args.db))}: {version.message}")
        return VERIFY_EDITED
    print(f"{printable(str(args.db))}: ok ({report.rows_checked} rows checked, integrity ok)")
    return VERIFY_OK


def _verify_damaged(db: Path, words: str) -> int:
    """Report a damaged log: one line on stdout (the check's finding, as an edited row is), with
    the next step for the person at the terminal (its -wal and -shm go first: `RESTORE_STEP`)."""
    from console.store.errors import RESTORE_STEP, printable

    print(f"{printable(str(db))}: the file is damaged: {words}; keep this copy for review and "
          f"{RESTORE_STEP}")
    return VERIFY_DAMAGED


def _version_damage(db: Path) -> str | None:
    """What is wrong with meta.schema_version when opening the log refused it for that row: as
    a newer console's (a flipped bit turns '4' into '5' or '6', and the migrations recorded are
    all this console's, so it is damage), or as damaged bytes that are not text. None when the
    row is sound (the log is a newer console's, or damaged elsewhere) or cannot be read here.
    """
    import sqlite3
    from urllib.parse import quote

    from console.store.schema import version_problem

    try:   # open_readonly refused it, so plainly: read-only, nothing checked but the schema
        conn = sqlite3.connect(f"file:{quote(os.fsencode(db.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        problem = version_problem(conn)
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    if problem is None or not problem.damaged:
        return None
    return problem.message


def _backup(argv: list[str]) -> int:
    from console.backup_command import backup_main

    return backup_main(argv)


def _export(argv: list[str]) -> int:
    from console.export.cli import main as export_main

    return export_main(argv)


def _review(argv: list[str]) -> int:
    def review(argv: list[str]) -> int:
        from console.ui.review_app import main as review_main   # Qt only for the window

        return review_main(argv)

    return _with_qt(f"{PROG} review", review, argv)


def _central(argv: list[str]) -> int:
    def central(argv: list[str]) -> int:
        from console.central.app import main as central_main   # Qt only for the window

        return central_main(argv)

    return _with_qt(f"{PROG} central", central, argv)


def _with_qt(prog: str, window: Callable[[list[str]], int], argv: list[str]) -> int:
    """Run a window command; Qt that cannot be imported for a library not installed (libxcb1
    on a station set up without root) is one line, exit 2, not a traceback."""
    from console.ui.display_check import missing_display, qt_unloadable

    try:
        return window(argv)
    except ImportError as exc:
        if (unloadable := qt_unloadable(exc)) is None:
            raise   # a bug, not the station
        # With libxcb not loadable the display's socket was not asked yet: no display first.
        print(f"{prog}: {missing_display() or unloadable}", file=sys.stderr)
        return 2


def _network(argv: list[str]) -> int:
    from console.network.broker_setup import main as network_main

    return network_main(argv)


def _staff(argv: list[str]) -> int:
    from console.identity.cli import staff_main

    return staff_main(argv)


def _access_log(argv: list[str]) -> int:
    from console.identity.cli import access_log_main

    return access_log_main(argv)


SUBCOMMANDS: dict[str, Callable[[list[str]], int]] = {
    "decode": _decode,
    "devices": _devices,
    "protocols": _protocols,
    "verify": _verify,
    "backup": _backup,
    "export": _export,
    "review": _review,
    "central": _central,
    "network": _network,
    "staff": _staff,
    "access-log": _access_log,
}


def gui_parser() -> argparse.ArgumentParser:
    """The window's options; a wrong one is refused in one line, exit 2 (`OneLineParser`)."""
    parser = OneLineParser(
        prog=PROG,
        description="Nurse monitoring console for ketamine infusion sessions. "
                    f"Subcommands: {', '.join(SUBCOMMANDS)} (each with --help).",
    )
    parser.add_argument("--db", type=user_path, default=None,
                        help=f"session log file (default {default_db_path()})")
    parser.add_argument("--demo", action="store_true",
                        help="open a demo session fed by the built-in simulated device")
    parser.add_argument("--device", help="port or pyserial URL of the bedside monitor")
    device_kind = parser.add_mutually_exclusive_group()
    # No default here: argparse lets a value equal to the default pass its exclusive group
    # (`--format hl7 --device-profile X`); the default is applied in console/ui/app.py.
    device_kind.add_argument("--format", default=None,
                             help="device format: hl7 (the default), masimo, ansar-b or "
                                  "intellivue")
    # Its own destination: a refusal names the option the nurse typed (console/ui/app.py).
    device_kind.add_argument("--device-profile", dest="device_profile", metavar="NAME",
                             default=None,
                             help="a monitor model (`infusion-console devices` lists them): "
                                  "its format, code map, polling and silence watchdog")
    parser.add_argument("--protocol", help="protocol id, e.g. iv-ketamine")
    parser.add_argument("--patient", help="patient identifier")
    # Text, not float: console/session/start_checks.py reads it exactly as the start screen does.
    parser.add_argument("--weight", help="patient weight in kg, 1-400")
    parser.add_argument("--nurse", help="nurse name")
    parser.add_argument("--dose-mg", dest="dose_mg", metavar="MG",
                        help="a nasal-device protocol's dose, one of its doses (esketamine: 56 "
                             "or 84): required for it, as the start screen asks; refused for a "
                             "dose by weight")
    parser.add_argument("--confirm", action="append", default=[], choices=("patient", "weight"),
                        help="confirm on purpose a placeholder-looking --patient or an unusual "
                             "--weight (outside 30-250 kg), as the start screen's tick boxes do "
                             "(repeatable)")
    parser.add_argument("--scenario", help="simulator scenario for --demo (default: normal)")
    parser.add_argument("--kiosk", action="store_true",
                        help="a dedicated station: the window takes the whole screen, no frame")
    parser.add_argument("--resume", type=int, default=None, metavar="SESSION",
                        help="resume this open session from its log (what 'Restart and resume' "
                             "after a console fault runs); --device overrides its monitor")
    parser.add_argument("--start-screen-device", dest="start_screen_device", metavar="PORT",
                        default=None,
                        help="with --resume: the Device the start screens after that session "
                             "open with ('Restart and resume' keeps a chair's --device this way)")
    parser.add_argument("--start-screen-monitor", dest="start_screen_monitor", metavar="NAME",
                        default=None,
                        help="with --resume: the Monitor (a format or device profile) the start "
                             "screens after that session open with")
    parser.add_argument("--new-session", action="store_true",
                        help="start a new session even when one of this patient and protocol "
                             "was left open (it stays open; without this, one left open in the "
                             "last 12 hours is resumed and an older one is refused), or when "
                             "the patient has a session open under another protocol (without "
                             "this, the start is refused naming it)")
    parser.add_argument("--theme", choices=("light", "dim"), default=None,
                        help="the window's look: light or dim, dark greys for a darkened "
                             "treatment room; Ctrl+D switches between them at any time, and the "
                             "last choice is kept for the next launch (default: that, else light)")
    network = parser.add_argument_group(
        "clinic network", "the same keys as network.toml in the user's config folder (the "
        "options win); without a broker or a forward the console runs alone")
    network.add_argument("--broker", metavar="URL",
                         help="the clinic bus, mqtts://host:8883 (mqtt:// on loopback)")
    network.add_argument("--chair", metavar="NAME", help="this chair's name on the bus")
    network.add_argument("--room", help="the room as people read it (default: the chair name)")
    network.add_argument("--forward", metavar="URL",
                         help="the interface engine, mllps://host:port (mllp:// on loopback)")
    network.add_argument("--username", help="broker user name (default: the chair name)")
    network.add_argument("--password-file", metavar="FILE",
                         help="a file holding the broker password (never the password itself)")
    network.add_argument("--ca-file", metavar="FILE",
                         help="the CA certificate that signed the broker's (and the engine's, "
                              "unless --forward-ca-file)")
    network.add_argument("--forward-ca-file", metavar="FILE",
                         help="the CA certificate that signed the interface engine's, when it "
                              "is not --ca-file's")
    network.add_argument("--allow-plaintext", action="store_true",
                         help="allow mqtt:// or mllp:// to a host that is not loopback "
                              "(patient data unencrypted; the status line says so)")
    network.add_argument("--quiet-room", action="store_true",
                         help="softer bedside tone while a central station confirms alarms")
    network.add_argument("--network-config", type=user_path, metavar="FILE",
                         help="the network settings file (default: network.toml in the user's "
                              "config folder)")
    parser.add_argument("--lock-after", type=idle_minutes, default=10.0, metavar="MIN",
                        help="lock the session window after MIN minutes without a key or click "
                             "(default 10); only on a log with staff accounts. Alarms can be "
                             "acknowledged (F2) and audio paused (F3) while it is locked")
    parser.add_argument("--secret-fd", type=int, default=None, metavar="N",
                        help="on a log with staff accounts: read the PIN or password of --nurse "
                             "from file descriptor N (one line), never from an argument")
    parser.add_argument("--shown-log", type=user_path, default=None, metavar="FILE",
                        help="append what the session window shows to FILE, one JSON line per "
                             "record (QA and crash analysis: compare it with the log)")
    return parser


# What a shell reports for a program stopped by SIGINT (128 + 2), Ctrl+C.
INTERRUPTED_STATUS: Final = 130


def _paths_printable() -> None:
    """Let stdout write a path that is not UTF-8 (a log in a Latin-1 folder "S\xe9ance") as
    stderr does, with a backslash escape, instead of ending the command in a UnicodeEncodeError
    at the line naming it (`access-log`'s, `export`'s "wrote ... to PATH")."""
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.errors == "strict":
        sys.stdout.reconfigure(errors="backslashreplace")


def _subcommand(name: str, command: Callable[[list[str]], int], argv: list[str]) -> int:
    """Run a subcommand; a reader that went away (`| head`) ends it quietly, and Ctrl+C in one
    line, never with a traceback (QA: `network setup ... | head -3`; review 36: `decode --format
    hl7 -` waiting on a terminal, then Ctrl+C)."""
    try:
        status = command(argv)
        sys.stdout.flush()
    except KeyboardInterrupt:
        # What was written before stays written (a file already saved, a line printed): only
        # the rest is not done. Wording as the staff command's "cancelled: nothing was done".
        print(f"{PROG} {name}: interrupted: nothing more was done", file=sys.stderr)
        return INTERRUPTED_STATUS
    except BrokenPipeError:
        return stdout_closed()
    return status


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _paths_printable()
    if argv and argv[0] in SUBCOMMANDS:
        return _subcommand(argv[0], SUBCOMMANDS[argv[0]], argv[1:])
    if argv and not argv[0].startswith("-"):
        # The window takes options only (no positional argument), so a first word that is no
        # option is a command mistyped: argparse said "unrecognized arguments: verfy", naming
        # no command (as `network bogus` names its own).
        print(f"{PROG}: unknown command {argv[0]!r}; the commands are: "
              f"{', '.join(SUBCOMMANDS)} ({PROG} --help)", file=sys.stderr)
        return 2
    try:
        return _window(argv)
    except KeyboardInterrupt:
        # Ctrl+C in the first second, while Qt is imported and the window built (the running
        # window handles its own SIGINT): one line, as a subcommand's, not a traceback.
        print(f"{PROG}: interrupted: nothing more was done", file=sys.stderr)
        return INTERRUPTED_STATUS


def _window(argv: list[str]) -> int:
    args = gui_parser().parse_args(argv)
    # No display is said by run()'s own check, or by `_with_qt` where Qt cannot be imported:
    # checked here too, a second X connection was held for the process.
    collector_hold.hold()   # until the window is built (console/collector_hold.py: P7)
    try:
        def window(argv: list[str]) -> int:
            # Ctrl+C while PySide6 is imported aborted the process (shiboken): held until the
            # import is done, then it ends the start as anywhere else in it.
            from console.held_signals import signals_held

            with signals_held():
                from console.ui.app import run   # Qt is imported only for the window

            return run(args)

        return _with_qt(PROG, window, argv)
    finally:
        collector_hold.release()


if __name__ == "__main__":
    raise SystemExit(main())

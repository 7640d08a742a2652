"""`infusion-console network undelivered` and `network resend`: the messages a destination refused
or that were given up, listed for the clinic's IT person, and sent again on request.

    infusion-console network undelivered [--db PATH] [--network-config FILE]
    infusion-console network resend (--all | CONTROL_ID ...) [--db PATH]
                                    [--network-config FILE] [--wait SECONDS]

A message *failed* at a destination when its last `deliveries` row there says so: the engine
answered AR/CR, or AE (or closed the connection on it) three times, or the broker refused it
(its ACL). The console never sends an engine's failure again by itself: an AR says "do not
send this again", and sending at every start would put three more tries on the engine's one
ordered connection ahead of every newer message, alarms included. A message the broker refused
goes again at the console's next start too (link.py: its ACL is the clinic's to fix, and while
it refuses the central station lacks the message, which is the bus's alarm). Only the person who
fixed the channel knows when it is fixed, so `resend` sends then, without a restart:

- with the SAME control id (MSH-10) and text as the outbox row holds them: a receiver that did
  take it after all drops the copy by its control id;
- through the chair's own settings (network.toml, as the console reads them): the engine over
  a connection of its own, the bus under the account the kit gives resend (`resend_username`,
  `resend_password_file`: `<chair>.resend`, written by `network setup`), so a console running
  beside it keeps its connections. Not under the chair's account: the set-up's broker makes
  every client id its account's (`use_username_as_clientid`, so that no account can take
  another's session), and resend would take the console's connection, the chair offline at
  the central station meanwhile. A kit without a resend account has its bus messages refused
  here (nothing done): the console sends them again at its next start;
- each answer is a new `deliveries` row (`delivered`, or `failed` with the reason), never an
  update: the log is append-only and hash-chained (console/store/SCHEMA.md).

A message with no delivery row at all is still the console's to send (in flight, or sent again
at its next start): it is counted, not listed, and `resend` does not take it. Unless another
chair wrote it (its PV1-3.3 is not the chair this station's settings name): a console sends at
its start only its own chair's backlog (link.py: a log two chairs share), so what a chair renamed
in its settings, or a chair taken out of service, left unanswered would wait for a console that
never comes. `undelivered` lists those saying whose they are; `resend` takes the engine's of them
(same control id and text: receivers drop duplicates by MSH-10). It never publishes another
chair's message on the bus: the topics name the chair, and under this chair's that patient would
show on this chair's card at the central station (a renamed chair's card under its old name
would come back with an old patient and its alarms); those stay to that chair's console.

A log from before the clinic network (no outbox, no deliveries: schema 1) is said to have sent
nothing, and is left as it is: `resend` opens the log to write only when it has something to send.

Exit status: 0 every message named was delivered (or, for `undelivered`, the list was read);
1 some were refused again or not answered within --wait (they stay listed); 2 nothing was done
(a usage mistake, no log, a setting wrong, a control id not listed); 3 nothing was done: the
log is damaged, or not as the console wrote it (one line, as `verify`, `export` and `access-log`
say it: console/log_command.py; a traceback's exit 1 read as "refused again").
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, NoReturn

from console.clock import Clock, SystemClock
from console.log_command import CommandFailure, LogCommand
from console.network import bus_topics as topics
from console.network.pcd_read import unescape
from console.paths import default_db_path, user_path
from console.store.outbox import BUS, DELIVERED, ENGINE, FAILED, Delivery

if TYPE_CHECKING:
    from console.network.config import NetworkConfig
    from console.store import EventLog

COMMANDS: Final = ("undelivered", "resend")
DELIVERED_ALL: Final = 0
NOT_ALL_DELIVERED: Final = 1
NOTHING_DONE: Final = 2
# How long `resend` waits for every answer: the engine's own ACK time-out (10 s) and a
# reconnect fit in it, as do the broker's connection and PUBACKs.
DEFAULT_WAIT_S: Final = 30.0
# The longest --wait taken: a day is more than any fix takes to show, and a wait beyond the
# platform's time_t ended in an OverflowError traceback (threading's wait; the review: --wait inf).
MAX_WAIT_S: Final = 24 * 3600.0
# How each command words a log it cannot read (console/log_command.py, as export and access-log),
# and what it was reading then.
_UNDELIVERED: Final = LogCommand(not_done="nothing was listed", preposition="in")
_RESEND: Final = LogCommand(not_done="nothing was sent", preposition="in")
_MESSAGES: Final = "the network's messages"
_RESEND_HINT: Final = ("once the channel is fixed, send them again with the same control ids "
                       "(receivers drop duplicates):\n  infusion-console network resend --all"
                       "      (or: network resend CONTROL_ID ...)")


class CommandError(Exception):
    """A mistake the user can fix: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message} (see {self.prog} --help)")


@dataclass(frozen=True, slots=True)
class GivenUp:
    """An outbox row whose last answer from one destination was a failure.

    Attributes:
        outbox_id, control_id, session_id, kind, message: the outbox row (control_id: MSH-10).
        destination: `bus` or `engine`.
        at: when that last failure was heard (ISO UTC, as the log stores it).
        reason: its reason, as the sender said it.
        tries: failed rows it has there (1 + each resend refused again).
    """

    outbox_id: int
    control_id: str
    session_id: int
    kind: str
    message: str
    destination: str
    at: str
    reason: str
    tries: int


# The last delivery row per (message, destination) is its state there: a failure since which
# nothing was delivered. (deliveries(outbox_id, destination) is indexed.)
_GIVEN_UP_SQL: Final = """
SELECT o.id, o.control_id, o.session_id, o.kind, o.message, d.destination, d.at, d.detail,
       (SELECT count(*) FROM deliveries AS f WHERE f.outbox_id = o.id
          AND f.destination = d.destination AND f.outcome = :failed)
FROM deliveries AS d JOIN outbox AS o ON o.id = d.outbox_id
WHERE d.outcome = :failed AND d.id = (
    SELECT max(l.id) FROM deliveries AS l
    WHERE l.outbox_id = d.outbox_id AND l.destination = d.destination)
ORDER BY o.id, d.destination
"""

_NO_ANSWER_YET_SQL: Final = """
SELECT count(*) FROM outbox AS o, (SELECT :bus AS name UNION ALL SELECT :engine) AS t
WHERE (' ' || o.destinations || ' ') LIKE '% ' || t.name || ' %'
  AND NOT EXISTS (SELECT 1 FROM deliveries AS d
                  WHERE d.outbox_id = o.id AND d.destination = t.name)
"""


_NO_ANSWER_ROWS_SQL: Final = """
SELECT o.id, o.control_id, o.session_id, o.kind, o.message, t.name, o.created_at
FROM outbox AS o, (SELECT :bus AS name UNION ALL SELECT :engine) AS t
WHERE (' ' || o.destinations || ' ') LIKE '% ' || t.name || ' %'
  AND NOT EXISTS (SELECT 1 FROM deliveries AS d
                  WHERE d.outbox_id = o.id AND d.destination = t.name)
ORDER BY o.id, t.name
"""


def chair_in_message(message: str) -> str:
    """PV1-3.3 of an HL7 v2 message (the chair that wrote it: pcd.py), or "" when it has none."""
    if len(message) < 8 or not message.startswith("MSH"):
        return ""
    field, component = message[3], message[4]
    for segment in message.replace("\n", "\r").split("\r"):
        if segment.startswith("PV1" + field):
            fields = segment.split(field)
            location = fields[3].split(component) if len(fields) > 3 else []
            return unescape(location[2]) if len(location) > 2 else ""
    return ""


def of_other_chairs(conn: sqlite3.Connection, chair: str) -> list[GivenUp]:
    """The messages with no answer yet from a destination that another chair than `chair` (this
    station's settings name) wrote (module docstring), in outbox order, `tries` 0, `at` when
    written, `reason` whose they are."""
    rows = conn.execute(_NO_ANSWER_ROWS_SQL, {"bus": BUS, "engine": ENGINE}).fetchall()
    found = []
    for outbox_id, control_id, session_id, kind, message, destination, created in rows:
        writer = chair_in_message(message)
        if writer != chair:
            found.append(GivenUp(outbox_id, control_id, session_id, kind, message, destination,
                                 created, f"no answer yet; written by {_chair_words(writer)}, "
                                 f"not this station's chair {chair!r}", 0))
    return found


def _chair_words(chair: str) -> str:
    return f"chair {chair!r}" if chair else "no chair (PV1-3.3 empty)"


# Since the destination's last delivered row (ids: the log is append-only), its failures.
_FAILING_SQL: Final = """
SELECT min(o.created_at), max(d.at) FROM deliveries AS d JOIN outbox AS o ON o.id = d.outbox_id
WHERE d.destination = :destination AND d.outcome = :failed
  AND d.id > (SELECT coalesce(max(l.id), 0) FROM deliveries AS l
              WHERE l.destination = :destination AND l.outcome = :delivered)
"""


def failing_since_delivered(conn: sqlite3.Connection, destination: str
                            ) -> tuple[str, str] | None:
    """Since `destination` last confirmed a message: when the oldest message that failed there
    since was written, and when the latest failure was heard (ISO UTC, as logged); None when
    nothing failed there since (link.py reads back "taking no messages" with it)."""
    first, latest = conn.execute(_FAILING_SQL, {"destination": destination, "failed": FAILED,
                                                "delivered": DELIVERED}).fetchone()
    return (first, latest) if first is not None and latest is not None else None


def given_up(conn: sqlite3.Connection) -> list[GivenUp]:
    """Every message refused or given up at a destination and not delivered there since, in
    outbox order."""
    rows = conn.execute(_GIVEN_UP_SQL, {"failed": FAILED}).fetchall()
    return [GivenUp(*row) for row in rows]


def no_answer_yet(conn: sqlite3.Connection) -> int:
    """Messages (per destination) with no delivery row yet: still the console's to send."""
    return int(conn.execute(_NO_ANSWER_YET_SQL, {"bus": BUS, "engine": ENGINE}).fetchone()[0])


# --- undelivered ---------------------------------------------------------------------------------


def undelivered_main(argv: Sequence[str]) -> int:
    parser = _Parser(prog="infusion-console network undelivered",
                     description="List the messages the interface engine or the broker refused, "
                                 "or that were given up, with their control id (MSH-10), "
                                 "session, kind, destination and reason, and those another "
                                 "chair wrote that have no answer yet. Only reads the log.")
    parser.add_argument("--db", type=user_path, default=None,
                        help=f"the chair's session log (default {default_db_path()})")
    parser.add_argument("--network-config", type=user_path, default=None, metavar="FILE",
                        help="this station's network settings, for its chair's name (default: "
                             "network.toml in the user's config folder, as the console reads it)")
    args = parser.parse_args(argv)
    db: Path = args.db or default_db_path()
    chair, unknown = _station_chair(args.network_config, strict=False)
    with _log_read(db, _UNDELIVERED) as conn:
        if (never := _never_sent(conn, db, _UNDELIVERED)) is None:
            listed, waiting = given_up(conn), no_answer_yet(conn)
            others = of_other_chairs(conn, chair) if chair is not None else []
    if never is not None:
        print(never)
        return 0
    # Another chair's bus messages refused or given up are not `resend`'s to take: listed apart
    # (they were in the table whose hint said to resend them, and resend then refused them).
    listed, kept = _not_misfiled(listed, chair)
    print(listing(listed, waiting - len(others), db, others, chair, unknown, kept))
    return 0


def listing(listed: Sequence[GivenUp], waiting: int, db: Path,
            others: Sequence[GivenUp] = (), chair: str | None = None,
            chair_unknown: str | None = None, kept: Sequence[GivenUp] = ()) -> str:
    """What `undelivered` prints: one line per message and destination, then what to run.

    Args:
        waiting: this chair's messages with no answer yet (the console sends them itself).
        others: another chair's with no answer yet (`of_other_chairs`), `chair` this station's.
        chair_unknown: why this station's chair is not known (no settings), or None.
        kept: another chair's bus messages refused or given up (`_not_misfiled`): listed
            apart, `resend` does not take them.
    """
    lines = []
    to_engine = [g for g in others if g.destination == ENGINE]
    if not listed and not to_engine:
        lines.append(f"No message was refused or given up in {db}: nothing to resend.")
    if listed:
        count = len(listed)
        lines.append(f"{count} message{'s' if count > 1 else ''} refused or given up in {db}, "
                     "oldest first:")
        lines += _table([(g.control_id, str(g.session_id), g.kind, g.destination, str(g.tries),
                          g.at, g.reason) for g in listed],
                        ("control id", "session", "kind", "to", "tries", "last tried (UTC)",
                         "reason"))
    if others:
        lines += _others_words(others, chair or "")
    if kept:
        count = len(kept)
        lines.append(f"{count} message{'s' if count > 1 else ''} for the central station (bus) "
                     f"refused or given up belong to another chair than this station's settings "
                     f"name ({chair!r}): `resend` here does not take them (the bus topics name the "
                     "chair: they would show on this chair's card); that chair's console sends "
                     "them at its next start. The session's record is in this log either way.")
        lines += _table([(g.control_id, str(g.session_id), g.kind, g.destination,
                          chair_in_message(g.message) or "-", g.at) for g in kept],
                        ("control id", "session", "kind", "to", "chair", "last tried (UTC)"))
    if listed or to_engine:
        lines.append(_RESEND_HINT[:1].upper() + _RESEND_HINT[1:])
    if waiting:
        lines.append(f"{waiting} more have no answer yet from a destination: the console sends "
                     "them itself (again at its next start); they are not listed.")
        if chair_unknown is not None:
            lines.append(f"Which chair wrote them is not checked: {chair_unknown}. A console "
                         "sends at its start only its own chair's (PV1-3.3); give this "
                         "station's network.toml with --network-config FILE to list another "
                         "chair's.")
    return "\n".join(lines)


def _others_words(others: Sequence[GivenUp], chair: str) -> list[str]:
    """`undelivered`'s part for another chair's messages with no answer yet."""
    chairs = ", ".join(dict.fromkeys(_chair_words(chair_in_message(g.message)) for g in others))
    count = len(others)
    lines = [f"{count} message{'s' if count > 1 else ''} with no answer yet belong to another "
             f"chair than this station's settings name ({chair!r}): {chairs}. This console "
             "does not send them: that chair's console sends them at its next start, or "
             "`network resend` here sends the engine's (the same control ids; receivers drop "
             "duplicates). A chair renamed or taken out of service has no next start: send "
             "them from here."]
    lines += _table([(g.control_id, str(g.session_id), g.kind, g.destination,
                      chair_in_message(g.message) or "-", g.at) for g in others],
                    ("control id", "session", "kind", "to", "chair", "written (UTC)"))
    on_bus = sum(1 for g in others if g.destination == BUS)
    if on_bus:
        lines.append(f"{on_bus} of them {'are' if on_bus > 1 else 'is'} for the central station "
                     "(bus): only that chair's console publishes them, under its own topics "
                     "(published from here they would show on this chair's card); `resend` "
                     "does not take them.")
    return lines


def _table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    """Rows under a header, each column but the last padded to its widest cell."""
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    return ["  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]])
            for row in table]


def _station_chair(path: Path | None, strict: bool) -> tuple[str | None, str | None]:
    """This station's chair as its network settings name it (the chair its console writes in
    PV1-3.3), and None with why when there are no settings; settings that do not load are a
    CommandError when `strict`, else such a why."""
    from console.network.config import default_config_path, load  # noqa: PLC0415

    try:
        config = load(path)
    except ValueError as exc:
        if strict:
            raise CommandError(str(exc)) from None
        return None, f"the network settings do not load ({exc})"
    if not config.enabled:
        return None, f"no network settings at {path or default_config_path()}"
    return config.chair, None


@contextmanager
def _log_read(db: Path, command: LogCommand) -> Iterator[sqlite3.Connection]:
    """The log at `db` read-only, in one snapshot. SQLite failing to read it inside (damage, a
    lock) ends in the command's one line, exit 3 for damage: a traceback had exit 1, which for
    `resend` says "refused again"."""
    from console.store.log import read_snapshot  # noqa: PLC0415

    _present(db)
    conn = command.open_readonly(db)
    try:
        with command.reading(db, _MESSAGES), read_snapshot(conn):
            yield conn
    finally:
        conn.close()


def _never_sent(conn: sqlite3.Connection, db: Path, command: LogCommand) -> str | None:
    """The line for a log from before the clinic network (neither outbox nor deliveries: it never
    sent a message), or None for a log with both. A log that recorded them and lacks one lost it
    outside the console, or is damaged (`verify`'s words): the command's line for that."""
    from console.store import schema  # noqa: PLC0415
    from console.store.log import read_head, removed_table  # noqa: PLC0415

    tables = ("outbox", "deliveries")
    missing = [table for table in tables if table not in schema.user_tables(conn)]
    if not missing:
        return None
    made_by = schema.made_by("outbox") or ""
    applied = schema.applied_migrations(conn)
    heads = {table: read_head(conn, table) for table in missing}
    if len(missing) < len(tables) or made_by in applied or any(heads.values()):
        table = missing[0]
        raise command.cannot_read(db, f"{removed_table(table, heads[table])}, or the file is "
                                  "damaged", _MESSAGES)
    added = [name for name, _ in schema.MIGRATIONS].index(made_by) + 1
    return (f"No message was ever sent to the clinic network from {db}: it is of schema version "
            f"{len(applied)}, from before the network (schema version {added} added it): "
            "nothing to resend.")


def _present(db: Path) -> None:
    """Refuses a `db` that is no file in the IT person's words (these commands never make a
    log: EventLog.open would make a new, empty one)."""
    try:
        present = db.is_file()
    except OSError as exc:   # a folder closed to this account, a name too long
        raise CommandError(f"{db} cannot be read ({exc.strerror}): give the chair's log with "
                           "--db") from None
    if not present:
        raise CommandError(f"no session log at {db}: give the chair's log with --db")


# --- resend --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """What a destination said of a message sent again (`delivered`, or `failed` and why),
    and when it was heard."""

    outcome: str
    detail: str
    at: datetime


def resend_main(argv: Sequence[str], clock: Clock | None = None) -> int:
    parser = _Parser(prog="infusion-console network resend",
                     description="Send the messages refused or given up (network undelivered "
                                 "lists them) again, with the same control ids, through this "
                                 "chair's network settings, and record each answer in the log "
                                 "as a new delivery row.")
    parser.add_argument("control_ids", nargs="*", metavar="CONTROL_ID",
                        help="the messages to send again (their MSH-10, as listed)")
    parser.add_argument("--all", action="store_true", help="every message listed")
    parser.add_argument("--db", type=user_path, default=None,
                        help=f"the chair's session log (default {default_db_path()})")
    parser.add_argument("--network-config", type=user_path, default=None, metavar="FILE",
                        help="the chair's network settings (default: network.toml in the "
                             "user's config folder, as the console reads it)")
    parser.add_argument("--wait", type=float, default=DEFAULT_WAIT_S, metavar="SECONDS",
                        help=f"how long to wait for the answers (default {DEFAULT_WAIT_S:g})")
    args = parser.parse_args(argv)
    if args.all == bool(args.control_ids):
        raise CommandError("name the messages to send again (their control ids, as `infusion-"
                           "console network undelivered` lists them), or give --all; not both")
    if not 0 < args.wait <= MAX_WAIT_S:   # NaN fails both
        raise CommandError(f"--wait {args.wait:g}: give a number of seconds above 0 and at "
                           f"most {MAX_WAIT_S:g} (24 h)")
    db: Path = args.db or default_db_path()
    chair, _ = _station_chair(args.network_config, strict=True)
    # Read first: the log is opened to write (EventLog.open, which brings an older log to this
    # console's schema) only when something is to be sent.
    with _log_read(db, _RESEND) as conn:
        never = _never_sent(conn, db, _RESEND)
        listed = _resendable(conn, chair) if never is None else []
    if never is not None and args.all:
        print(never)
        return DELIVERED_ALL
    chosen, kept = _not_misfiled(_chosen(listed, args.control_ids, db), chair)
    if not chosen:
        print("\n".join(_kept_words(kept) + ["Nothing sent."]) if kept else
              f"No message was refused or given up in {db}: nothing to resend.")
        # --all left only what is not this station's to send: nothing failed (named by
        # control id, the request was not done: 1).
        return NOT_ALL_DELIVERED if kept and not args.all else DELIVERED_ALL
    config = _settings(args.network_config, chosen)
    log = _open_log(db)
    try:
        answers, unreached = resend(chosen, config, clock or SystemClock(), args.wait)
        _record(log, chosen, answers)
    finally:
        log.close()
    print("\n".join([report(chosen, answers, args.wait, unreached), *_kept_words(kept)]))
    # With --all, another chair's rows kept back are no failure (as when they are all that is
    # left): the run that delivered every message of this chair exited 1 (review 45).
    delivered = all(a.outcome == DELIVERED for a in answers.values()) \
        and len(answers) == len(chosen) and (args.all or not kept)
    return DELIVERED_ALL if delivered else NOT_ALL_DELIVERED


def _resendable(conn: sqlite3.Connection, chair: str | None) -> list[GivenUp]:
    """What `resend` may take, in outbox order: every message refused or given up, and the
    engine's messages of another chair with no answer yet (module docstring; `chair` None:
    this station's is not known, so none is another's)."""
    others = of_other_chairs(conn, chair) if chair is not None else []
    return sorted([*given_up(conn), *(g for g in others if g.destination == ENGINE)],
                  key=lambda g: (g.outbox_id, g.destination))


def _not_misfiled(chosen: list[GivenUp], chair: str | None
                  ) -> tuple[list[GivenUp], list[GivenUp]]:
    """`chosen` without another chair's bus messages (they would be published under this
    chair's topics: module docstring), and those kept back."""
    def misfiled(g: GivenUp) -> bool:
        return g.destination == BUS and chair is not None and chair_in_message(g.message) != chair

    return [g for g in chosen if not misfiled(g)], [g for g in chosen if misfiled(g)]


def _kept_words(kept: Sequence[GivenUp]) -> list[str]:
    """`resend`'s lines for another chair's bus messages it did not send."""
    return [f"{g.control_id} ({g.kind}, session {g.session_id}) to {g.destination}: not sent "
            f"from here: written by {_chair_words(chair_in_message(g.message))}, and the bus "
            "topics name the chair (it would show on this chair's card at the central "
            "station); that chair's console sends it at its next start" for g in kept]


def _open_log(db: Path) -> EventLog:
    """The log at `db` to record the answers in; damage found opening it is `resend`'s line,
    exit 3 (not sent yet)."""
    from console.store import EventLog, LogError  # noqa: PLC0415
    from console.version import VERSION  # noqa: PLC0415

    _present(db)   # gone since it was read: EventLog.open would make a new, empty log
    try:
        return EventLog.open(db, VERSION)
    except LogError as exc:
        raise _RESEND.log_failure(exc, db) from None


def _chosen(listed: list[GivenUp], control_ids: Sequence[str], db: Path) -> list[GivenUp]:
    """The listed messages named (every destination each is listed for), or all when none is."""
    if not control_ids:
        return listed
    known = {g.control_id for g in listed}
    unknown = [c for c in dict.fromkeys(control_ids) if c not in known]
    if unknown:
        raise CommandError(f"{', '.join(unknown)}: not a message refused or given up in {db} "
                           "(`infusion-console network undelivered` lists them; one delivered "
                           "since is not listed)")
    wanted = set(control_ids)
    return [g for g in listed if g.control_id in wanted]


def _settings(path: Path | None, chosen: Sequence[GivenUp]) -> NetworkConfig:
    """The chair's settings, checked to have each destination the messages go to; for the bus,
    with resend's own account and password in place of the chair's (module docstring)."""
    from console.network.config import default_config_path, load, read_password  # noqa: PLC0415

    try:
        config = load(path)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if not config.enabled:
        raise CommandError(f"no network settings at {path or default_config_path()}: give the "
                           "chair's network.toml with --network-config FILE")
    needed = {g.destination for g in chosen}
    for destination, address, key, who in ((ENGINE, config.forward, "forward", "engine"),
                                           (BUS, config.broker, "broker", "bus")):
        if destination in needed and not address:
            raise CommandError(f"a message failed on the {who} is to be sent again, but "
                               f"{config.source} has no {key}: give the chair's network.toml "
                               "with --network-config FILE, or name only the other messages")
    if BUS not in needed:
        return config
    if config.resend_username is None or config.resend_password_file is None:
        raise CommandError(
            f"a message failed on the bus is to be sent again, but {config.source} names no "
            "account for resend (resend_username, resend_password_file): on the chair's own, "
            "the broker would give this command the running console's connection. Give resend "
            "an account of its own (network setup writes <chair>.resend into each kit), or "
            "restart the chair's console, which sends them at its start; or name only the "
            "other messages")
    try:
        password = read_password(config.resend_password_file,
                                 f"{config.source}: resend_password_file")
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    return replace(config, username=config.resend_username, password=password)


def resend(chosen: Sequence[GivenUp], config: NetworkConfig, clock: Clock, wait_s: float
           ) -> tuple[dict[tuple[int, str], Answer], dict[str, str]]:
    """Send `chosen` again (the engine's in outbox order over one connection, the bus's with
    QoS 1).

    Returns:
        The answers heard within `wait_s` real seconds, by (outbox id, destination) (one not
        answered is not in it); and, by destination, why its last connection failed when it was
        not connected at the end (names the peer and the cause, e.g. a certificate not
        accepted), so an unanswered message is not put down to a slow peer.
    """
    answers: dict[tuple[int, str], Answer] = {}
    heard = threading.Condition()

    def answer(outbox_id: int, destination: str, outcome: str, detail: str = "") -> None:
        said = Answer(outcome, detail, clock.now().wall)   # on a sender's thread
        with heard:
            answers[(outbox_id, destination)] = said
            heard.notify_all()

    channels: dict[str, _Channel] = {}
    unreached: dict[str, str] = {}
    try:
        engine_rows = [g for g in chosen if g.destination == ENGINE]
        if engine_rows:
            channels[ENGINE] = _to_engine(engine_rows, config, clock, answer)
        bus_rows = [g for g in chosen if g.destination == BUS]
        if bus_rows:
            channels[BUS] = _to_bus(bus_rows, config, clock, answer)
        with heard:
            heard.wait_for(lambda: len(answers) == len(chosen), wait_s)
        for destination, channel in channels.items():
            if (why := channel.unreached()) is not None:
                unreached[destination] = why
    finally:
        for channel in channels.values():
            channel.stop()
    with heard:
        return dict(answers), unreached


# Hears one answer: (outbox id, destination, outcome, detail).
_Answered = Callable[[int, str, str, str], None]


@dataclass(frozen=True, slots=True)
class _Channel:
    """A destination's sender, started: its stop, and why it is not connected now (the
    sender's own words for its last connection failure, as the console's status line shows
    them), None when it is."""

    stop: Callable[[], None]
    unreached: Callable[[], str | None]


def _to_engine(rows: Sequence[GivenUp], config: NetworkConfig, clock: Clock,
               answer: _Answered) -> _Channel:
    """Start an MLLP sender of this command's own with `rows`. Its TLS is the console's
    (link.py): the engine's certificate is checked against `engine_ca_file` (forward_ca_file,
    else ca_file); resend used ca_file, and every message to an engine with a CA of its own
    stayed "no answer" (the review)."""
    from console.network.mllp_sender import (  # noqa: PLC0415
        MllpSender,
        SenderState,
        client_tls_context,
    )

    assert config.forward is not None
    by_control = {g.control_id: g.outbox_id for g in rows}
    sender = MllpSender(
        config.forward, clock=clock,
        on_delivered=lambda cid: answer(by_control[cid], ENGINE, DELIVERED, ""),
        on_failed=lambda cid, why: answer(by_control[cid], ENGINE, FAILED, why),
        ssl_context=client_tls_context(config.forward, config.engine_ca_file),
        # The setting to fix named, as at the console (engine_worker.py): an engine's certificate
        # not accepted had been said in OpenSSL's words alone (a review).
        ca_file=config.engine_ca_file, ca_key=config.engine_ca_key)
    sender.start()
    for row in rows:
        sender.submit(row.control_id, row.message)

    def unreached() -> str | None:
        status = sender.status()
        if status.state in (SenderState.CONNECTING, SenderState.BACKING_OFF):
            return status.last_error
        return None

    return _Channel(lambda: sender.stop(timeout=5.0), unreached)


def _to_bus(rows: Sequence[GivenUp], config: NetworkConfig, clock: Clock,
            answer: _Answered) -> _Channel:
    """Publish `rows` on the chair's topics with a client of this command's own, under resend's
    account (`_settings` put it in `config`): a console running beside it stays connected."""
    from console.network.mqtt_bus import (  # noqa: PLC0415 - paho here only
        BusClient,
        BusConfig,
        BusState,
    )

    assert config.broker is not None
    client = BusClient(BusConfig(config.broker, username=config.username,
                                 password=config.password, ca_file=config.ca_file,
                                 allow_plaintext=config.allow_plaintext),
                       client_id=f"chair-{config.chair}-resend", clock=clock)
    for row in rows:
        kind = _bus_kind(row.kind)
        if kind is None:
            answer(row.outbox_id, BUS, FAILED, f"a {row.kind} message has no bus topic")
            continue
        delivered, refused = _bus_answers(answer, row.outbox_id)
        client.publish(topics.chair_topic(config.chair, kind, config.topic_prefix),
                       row.message.encode("utf-8"), on_delivered=delivered, on_refused=refused)
    client.start()

    def unreached() -> str | None:
        status = client.status()
        if status.state in (BusState.DISCONNECTED, BusState.REFUSED):
            return status.detail
        return None

    return _Channel(lambda: client.stop(timeout=1.0), unreached)


def _bus_answers(answer: _Answered, outbox_id: int
                 ) -> tuple[Callable[[], None], Callable[[str], None]]:
    """The bus's two callbacks for one message (its PUBACK, or the broker's refusal)."""
    def delivered() -> None:
        answer(outbox_id, BUS, DELIVERED, "")

    def refused(reason: str) -> None:
        answer(outbox_id, BUS, FAILED, f"refused by the broker: {reason}")

    return delivered, refused


def _bus_kind(kind: str) -> topics.Kind | None:
    if kind == "pcd01":
        return "pcd01"
    if kind == "pcd04":
        return "pcd04"
    return None


def _record(log: EventLog, chosen: Sequence[GivenUp],
            answers: dict[tuple[int, str], Answer]) -> None:
    """Each answer heard as a new deliveries row (append-only: a failure stays in the log)."""
    from console.store import LogError  # noqa: PLC0415

    rows = [Delivery(g.outbox_id, g.destination, said.outcome, said.at, said.detail[:300])
            for g in chosen if (said := answers.get((g.outbox_id, g.destination))) is not None]
    try:
        log.record_deliveries(rows)
    except LogError as exc:
        raise CommandError(f"the answers could not be recorded: {exc}; the messages stay "
                           "listed (receivers drop a copy sent again)") from None


def report(chosen: Sequence[GivenUp], answers: dict[tuple[int, str], Answer],
           wait_s: float, unreached: Mapping[str, str] | None = None) -> str:
    """What `resend` prints: one line per message and destination, then a count.

    Args:
        unreached: by destination, why it could not be reached (`resend`): said after "no
            answer" for its unanswered messages, instead of "check the connection".
    """
    lines = []
    for g in chosen:
        said = answers.get((g.outbox_id, g.destination))
        why = (unreached or {}).get(g.destination)
        if said is None and why is not None:
            words = (f"no answer within {wait_s:g} s: {why}; nothing recorded, it stays "
                     "listed: run this again once that is fixed")
        elif said is None:
            words = (f"no answer within {wait_s:g} s; nothing recorded, it stays listed: run "
                     "this again (check the connection)")
        elif said.outcome == DELIVERED:
            words = "delivered"
        else:
            words = f"refused again: {said.detail}"
        lines.append(f"{g.control_id} ({g.kind}, session {g.session_id}) to {g.destination}: "
                     f"{words}")
    done = sum(1 for said in answers.values() if said.outcome == DELIVERED)
    lines.append(f"{done} of {len(chosen)} delivered")
    return "\n".join(lines)


# --- the commands --------------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    """`infusion-console network undelivered|resend ...` (argv[0] is the command)."""
    command = undelivered_main if argv[0] == "undelivered" else resend_main
    try:
        return command(argv[1:])
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except CommandError as exc:
        print(f"infusion-console network {argv[0]}: {exc}", file=sys.stderr)
        return NOTHING_DONE
    except CommandFailure as failure:   # the log's (console/log_command.py): 2, or 3 for damage
        print(f"infusion-console network {argv[0]}: {failure}", file=sys.stderr)
        return failure.exit_status

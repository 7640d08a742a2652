"""The access log: every read of a session's record and every export, attributed (HIPAA).

One `access_log` row per access, append-only and hash-chained (verify covers it): who (account
id and the name it had), when, what (`read` or `export`), which session (None for a read of the
session list), which format (`pdf`, `csv`, `fhir`, `rems`; `review` for the review window, `list`
for its session list), de-identified or not, the station, and a detail (e.g. the file written).

Who calls it: the review when it opens a session (and its list), every export (the review's
buttons, `infusion-console export`). The row is written *before* the data leaves: an export whose
file then fails to be written still shows as an access, so the log never has less than happened.
Whether the account may read, and whether it must get de-identified data, is decided first with
`console.identity.roles.access_decision`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final

from console.identity.errors import IdentityError, UnknownAccountError
from console.identity.staff import AccountRef, Staff
from console.store import EventLog
from console.store import identity_store as store
from console.store.identity_store import AccessRow

FORMATS: Final = frozenset({"pdf", "csv", "fhir", "rems", "review", "list", ""})
# What an export records is "to <the file's absolute path>": kept whole up to Linux's PATH_MAX
# (4096), so the row names the file written (500 cut a deep path to one that does not exist).
DETAIL_MAX: Final = 4096 + 16


class AccessKind(StrEnum):
    READ = "read"
    EXPORT = "export"


class AccessLog:
    """Writing and reading `access_log` on one writable log."""

    def __init__(self, log: EventLog) -> None:
        self._log = log

    def record_access(self, account: AccountRef, what: AccessKind | str, session: int | None,
                      fmt: str, deidentified: bool, now: datetime, detail: str = "",
                      where: str = "") -> int:
        """Append one access; returns its row id.

        Args:
            account: the signed-in account (its current name is recorded with its id).
            what: `read` or `export`.
            session: the session read or exported; None for the session list.
            fmt: pdf, csv, fhir, rems, review, list, or "".
            deidentified: whether the data shown or written was de-identified.
            now: when.
            detail: a short note (the file written, the view opened).
            where: the station.

        Raises:
            IdentityError: an unknown kind or format, or no such account (UnknownAccountError)
                or session.
            LogError: the log cannot be written (the caller must not show or write the data).
        """
        try:
            kind = AccessKind(what)
        except ValueError:
            raise IdentityError(f"an access is 'read' or 'export', not {what!r}") from None
        if fmt not in FORMATS:
            raise IdentityError(f"unknown format {fmt!r}: one of "
                                f"{', '.join(sorted(f for f in FORMATS if f))} or empty")
        who = Staff(self._log).get(account)   # reads only: no secret is checked
        with self._log.appending() as w:
            if session is not None and w.conn.execute(
                    "SELECT 1 FROM sessions WHERE id = ?", [session]).fetchone() is None:
                raise IdentityError(f"session {session} is not in the session log "
                                    f"{self._log.path}")
            return store.append_access(w, now, who.id, who.name, kind.value, session, fmt,
                                       deidentified, where.strip()[:100],
                                       detail.strip()[:DETAIL_MAX])

    def access_log(self, session: int | None = None) -> list[AccessRow]:
        """The access log in order (of one session, or all)."""
        with self._log.environment_errors():
            return store.access_rows(self._log.conn, session)


__all__ = ["AccessKind", "AccessLog", "AccessRow", "UnknownAccountError"]

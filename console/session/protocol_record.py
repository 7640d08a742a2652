"""The protocol a session runs under: logged whole at its start, taken back at a restart. No Qt.

A protocol sets the session's doses, checks and alarm limits: the session's order. A clinic may
edit its protocol file at any time (a tighter SpO2 limit, a new check); that edit is for the
sessions that start after it. A running session keeps the protocol it started with, and so does
the same session after a crash and restart: the alarm audit edited a limit and removed a rule
while the console was stopped, and the restarted session took the new limits without a word in
its record (no `threshold_changed`), while the removed rule's open alarm could never end (no rule
left to see its condition cease), blocking discharge and reminding every 150 s.

So the session's first step logs the protocol file's text (`PROTOCOL_IN_FORCE`, with its
SHA-256), the restart takes the session's protocol from that text, and the review and exports
draw its limits from it. A session logged before this record existed, or a logged text this
version of the console cannot read, takes the installed file, and the restart's
`session_resumed` event says which protocol it took and why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol as Shape

from protocols.loader import ProtocolError, protocol_from_text
from protocols.model import Protocol

PROTOCOL_IN_FORCE: Final = "protocol_in_force"


class Logged(Shape):
    """An `events` row as the engine (`EventRecord`) or the review (`LoggedEvent`) holds it."""

    @property
    def kind(self) -> str: ...

    @property
    def detail(self) -> Mapping[str, Any]: ...


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def protocol_detail(protocol: Protocol) -> dict[str, Any] | None:
    """The `PROTOCOL_IN_FORCE` event's detail, or None for a protocol built in code (no text)."""
    if not protocol.text:
        return None
    return {"protocol_id": protocol.id, "version": protocol.version,
            "sha256": digest(protocol.text), "text": protocol.text}


def logged_protocol(events: Iterable[Logged], session_id: int) -> Protocol | None:
    """The protocol a session logged at its start, or None (none logged, or unreadable)."""
    found, _ = _logged(events, session_id)
    return found


class ProtocolMissing(ValueError):
    """A session cannot run again here: its protocol is neither installed nor in its log."""


@dataclass(frozen=True, slots=True)
class Taken:
    """The protocol a restarted session runs under.

    Attributes:
        said: what the restart logs of it (`session_resumed`'s "protocol").
        kept_because: why the log's copy is used instead of the installed file, in a nurse's
            words ("its file changed since"), or "" when the installed file is used.
    """

    protocol: Protocol
    said: str
    kept_because: str = ""


def protocol_in_force(installed: Protocol | None, events: Iterable[Logged], session_id: int,
                      protocol_id: str = "") -> Taken:
    """The protocol a restarted session runs under, and what the restart logs of it.

    Raises:
        ProtocolMissing: no protocol file `protocol_id` is installed and the log has no copy.
    """
    logged, problem = _logged(events, session_id)
    if logged is None:
        if installed is None:
            held = (f"its logged protocol text cannot be read by this console: {problem}"
                    if problem else "its log holds no copy of it (it started before the console"
                    " kept one)")
            raise ProtocolMissing(
                f"session {session_id} cannot be resumed on this console: its protocol "
                f"{protocol_id!r} is not installed here, and {held}; install that protocol file"
                " and start the console again")
        return Taken(installed, f"the installed file: the protocol logged at the start cannot be"
                     f" read by this console ({problem})" if problem
                     else "the installed file (no protocol text in this session's log)")
    if installed is None:
        return Taken(logged, f"as started, version {logged.version}, from this session's log: "
                     "its protocol file is not installed on this console",
                     "its file is not installed here")
    if logged.text == installed.text:
        return Taken(installed, "as started (the installed file is unchanged)")
    return Taken(logged, f"as started, version {logged.version}, from this session's log: the "
                 f"installed file changed since (version {installed.version} now); the change "
                 "applies to sessions started after it", "its file changed since")


def _logged(events: Iterable[Logged], session_id: int) -> tuple[Protocol | None, str]:
    """The protocol a session logged, read as a text that already ran (`authoring=False`: a
    clinic file a newer console refuses for new sessions still reads), or None and why not ("" when
    no text was logged)."""
    detail: Mapping[str, Any] | None = next(
        (e.detail for e in events if e.kind == PROTOCOL_IN_FORCE), None)
    if detail is None or not isinstance(detail.get("text"), str):
        return None, ""
    try:
        return protocol_from_text(detail["text"], f"session {session_id}'s logged protocol",
                                  authoring=False), ""
    except ProtocolError as exc:
        return None, str(exc)

"""Which of a patient's earlier sessions count in the course a new session joins, in one place for
the start screen and the command line.

A course is the sessions of one route: the IV protocols share one (the titration protocol is
"session 1 of the usual six-session IV course", protocols/iv-ketamine-titration.toml) and
esketamine nasal spray has its own (8 sessions of induction, protocols/esketamine.toml). Both
counted every session of the patient: a first esketamine session after an IV course was
suggested as "session 7 of 8 in the usual course", and numbered 7 from the command line.

A session of a protocol no longer installed counts when its id is the new session's, else it is
of another course (its route is not known here); the start screen says how many were left out.

No Qt here (style rule 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from protocols.model import Protocol

__all__ = ["CourseCount", "earlier_in_course", "route_words"]

_ROUTE_WORDS = {"iv": "IV", "intranasal": "intranasal"}


@dataclass(frozen=True, slots=True)
class CourseCount:
    """A patient's earlier sessions: `same` in the new session's course, `other` not."""

    same: int
    other: int


def earlier_in_course(protocol_ids: Iterable[str], protocol: Protocol,
                      installed: Mapping[str, Protocol]) -> CourseCount:
    """Count the earlier sessions (their protocol ids) in `protocol`'s course and outside it."""
    same = other = 0
    for protocol_id in protocol_ids:
        known = installed.get(protocol_id)
        if protocol_id == protocol.id or (known is not None and known.route == protocol.route):
            same += 1
        else:
            other += 1
    return CourseCount(same, other)


def route_words(protocol: Protocol) -> str:
    """The route as a nurse reads it: "IV", "intranasal"."""
    return _ROUTE_WORDS.get(protocol.route, protocol.route)

"""The protocol of a logged session, for the review and the exports that need its rules. No Qt."""

from __future__ import annotations

from collections.abc import Iterable

from console.session.protocol_record import Logged, logged_protocol
from protocols.model import Protocol


def find_protocol(protocol_id: str, events: Iterable[Logged] = (),
                  session_id: int = 0) -> Protocol | None:
    """The protocol the session logged at its start (`events`: its rows), else the installed
    file with this id, else None: its limits are the ones the session ran under, whatever the
    file says today."""
    logged = logged_protocol(events, session_id)
    if logged is not None:
        return logged
    from protocols.loader import default_protocol_dirs, load_protocols

    return load_protocols(default_protocol_dirs()).protocols.get(protocol_id)

"""The installed protocol file of a logged session, for the exports that need its rules. No Qt."""

from __future__ import annotations

from protocols.model import Protocol


def find_protocol(protocol_id: str) -> Protocol | None:
    """The installed protocol file with this id, or None."""
    from protocols.loader import default_protocol_dirs, load_protocols

    return load_protocols(default_protocol_dirs()).protocols.get(protocol_id)

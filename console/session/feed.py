"""Turns what the device transport reports into engine calls, and answers the device once they are
committed. No Qt: the UI calls `apply` on its own thread with the events it received by signal;
tests call it directly."""

from __future__ import annotations

from collections import Counter

from console.clock import Moment
from console.session.engine import SessionEngine
from devices.stream import KEPT_NOTICES, NOTHING_NEW, OUT_OF_HARD_RANGE
from devices.transport import ConnectionState, DeviceEvent, EventKind

# What the engine calls each transport state (STOPPED is the owner's own doing: not a fault).
ENGINE_STATES = {
    ConnectionState.CONNECTING: "connecting",
    ConnectionState.CONNECTED: "connected",
    ConnectionState.STALE: "stale",
    ConnectionState.DISCONNECTED: "disconnected",
}


def apply(engine: SessionEngine, event: DeviceEvent, now: Moment) -> bool:
    """Feed one transport event to the engine: readings, state changes, and what was dropped.

    The readings of one event (one read of the port, or the reads held while the event before
    was committed: devices/transport.py, group commit) and the count of what was dropped (by
    reason, with the first example) are one transaction, so nothing a device sent disappears without trace.

    Returns:
        True when the event's content is committed to the log (its messages may be answered
        AA), False when it is not (held in memory while the log cannot take writes, or the
        session has ended: AE, the monitor keeps it).
    """
    if event.kind is EventKind.STATE:
        if event.state in ENGINE_STATES:
            engine.device_state_changed(ENGINE_STATES[event.state], now, event.detail)
        return True
    stored = False
    try:
        counts = Counter(d.reason for d in event.dropped if d.reason not in NOTHING_NEW)
        # A doubt about a value the decoder kept (a code and name that disagree) is logged apart
        # from what was dropped: the nurse's "not used" line must not count values in use.
        warnings = {r: n for r, n in counts.items() if r in KEPT_NOTICES}
        dropped = {r: n for r, n in counts.items() if r not in KEPT_NOTICES}
        # The example says what was not used, when anything was: a message refused for its
        # missing segment terminators had been logged with its unknown character set's warning.
        example = next((d.detail for d in event.dropped if d.reason in dropped),
                       next((d.detail for d in event.dropped if d.reason in warnings), ""))
        implausible = next((d.detail for d in event.dropped if d.reason == OUT_OF_HARD_RANGE), "")
        stored = engine.ingest_message(event.readings, now, dropped, example, event.url,
                                       warnings=warnings, implausible=implausible)
    except BaseException as exc:
        # The engine put itself back as it was: the decoder must forget the NIBP it counted as
        # reported too, or the resend (an Ivy's next frame) drops it as a repeat and it is lost.
        # Not when a rule's bug was raised after the message's values were committed or held
        # (the engine's `values_kept` mark, `_message_by_parts`): forgotten, an untimed NIBP
        # the monitor repeats was logged again with every frame while the bug stood.
        if getattr(exc, "values_kept", False) is not True:
            event.rolled_back()
        raise
    finally:
        # The device hears only now, after the commit (AA), or that it must resend (AE),
        # whatever happened above: an error in the engine is AE, never silence or AA.
        event.settle(stored)
    return stored

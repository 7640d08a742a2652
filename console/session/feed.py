"""Turns what the device transport reports into engine calls. No Qt: the UI calls `apply` on its
own thread with the events it received by signal; tests call it directly."""

from __future__ import annotations

from collections import Counter

from console.clock import Moment
from console.session.engine import SessionEngine
from devices.transport import ConnectionState, DeviceEvent, EventKind

# What the engine calls each transport state (STOPPED is the owner's own doing: not a fault).
ENGINE_STATES = {
    ConnectionState.CONNECTING: "connecting",
    ConnectionState.CONNECTED: "connected",
    ConnectionState.STALE: "stale",
    ConnectionState.DISCONNECTED: "disconnected",
}


def apply(engine: SessionEngine, event: DeviceEvent, now: Moment) -> None:
    """Feed one transport event to the engine: readings, state changes, and what was dropped.

    Dropped values are logged (counted by reason, with the first example) so nothing a device sent
    disappears without trace.
    """
    if event.kind is EventKind.STATE:
        if event.state in ENGINE_STATES:
            engine.device_state_changed(ENGINE_STATES[event.state], now, event.detail)
        return
    if event.readings:
        engine.ingest_all(event.readings, now)   # one message, one transaction
    if event.dropped:
        counts = Counter(d.reason for d in event.dropped)
        engine.device_dropped(event.url, dict(counts), event.dropped[0].detail, now)

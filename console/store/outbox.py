"""Store and forward for the clinic network: what the log keeps about outgoing messages.

The rule (issue 12, "nothing lost, nothing twice"): every message the console sends to the clinic
bus or the interface engine is first an `outbox` row, committed in the same transaction as the
records it reports, so a message exists exactly when its records do. Its delivery to a destination
is a later `deliveries` row, never an update. What has no delivery row for a destination is sent
(again) in outbox order after a reconnect or a restart, with the same control id (MSH-10), and
receivers drop duplicates by that id.

The store does not know HL7 or MQTT: an `OutboxComposer`, attached by the network layer, turns
committed records into messages. A composer that fails (a bug) never stops the records from being
committed: the failure is reported to `on_error` and the network layer raises its technical alarm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from console.records import Record

# Where a message goes: the clinic's MQTT bus, the interface engine over MLLP.
BUS: Final = "bus"
ENGINE: Final = "engine"
DESTINATIONS: Final = frozenset({BUS, ENGINE})

DELIVERED: Final = "delivered"
FAILED: Final = "failed"   # refused for good (an engine's AR/CR, or its AE three times)
OUTCOMES: Final = frozenset({DELIVERED, FAILED})


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message the composer built, before it is an outbox row.

    Attributes:
        session_id: the session it reports.
        control_id: the id the log gave it (its MSH-10: receivers drop duplicates by it).
        kind: what it is, e.g. `pcd01` (observations) or `pcd04` (one alarm phase).
        message: the text, as it will be sent.
        destinations: where it goes (`BUS`, `ENGINE`).
        created_at: when it was built (MSH-7), from the composer's clock.
    """

    session_id: int
    control_id: str
    kind: str
    message: str
    destinations: frozenset[str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One committed outbox row."""

    id: int
    session_id: int
    control_id: str
    kind: str
    destinations: frozenset[str]
    created_at: datetime
    message: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a sender reports about one row at one destination."""

    outbox_id: int
    destination: str
    outcome: str
    at: datetime
    detail: str = ""


class OutboxComposer(Protocol):
    def compose(self, records: Sequence[Record],
                next_control_id: Callable[[], str]) -> list[Outgoing]:
        """The messages reporting `records` (one commit), each built with the control id that
        `next_control_id()` gives it; called inside the log's write transaction."""
        ...


@dataclass(slots=True)
class OutboxHooks:
    """What the network layer attaches to the log.

    Attributes:
        composer: builds the messages of each commit.
        on_committed: hears the new rows after their transaction committed (to queue them).
        on_error: hears a composer failure (the records were committed without messages) or a
            failure of `on_committed` (the rows are in the outbox, not yet handed on).
    """

    composer: OutboxComposer
    on_committed: Callable[[list[OutboxRow]], None]
    on_error: Callable[[BaseException], None]

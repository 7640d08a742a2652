"""The monitor must hear AA only once its reading is committed.

`feed.apply` answering the ticket before `engine.ingest_message` (console/session/feed.py) passes
every existing test: they read the ticket's verdict only after `apply` returns, by which time the
`finally: event.settle(stored)` has overwritten it. The transport thread does not wait for that:
it sends its answer the moment the ticket is settled. This test looks at the ticket while the log
is being written: nothing may have been said to the monitor yet (a kill at that instant would
leave an AA'd reading missing from the log: R9)."""

from __future__ import annotations

from collections.abc import Sequence

from console.records import Record
from console.session import feed
from devices.reading import Reading
from devices.transport import DeviceEvent, EventKind, ReplyTicket
from tests.session.helpers import Session


def test_the_monitor_hears_nothing_while_its_reading_is_being_written():
    s = Session()
    s.to_infusion()
    seen_during_write: list[bool | None] = []
    ticket = ReplyTicket()
    inner = s.recorder

    class Watching:
        def write(self, records: Sequence[Record]) -> list[int]:
            seen_during_write.append(ticket.verdict)   # what the transport could send now
            return inner.write(records)

        def __getattr__(self, name: str) -> object:
            return getattr(inner, name)

    s.engine.recorder = s.engine.writes.recorder = Watching()   # type: ignore[assignment]
    now = s.now()
    event = DeviceEvent(EventKind.DATA, "/dev/pts/3", now.wall, now.mono, frames=1,
                        readings=(Reading("spo2", 97, "%", now.wall, now.wall, "hl7:SIM"),),
                        ticket=ticket)
    assert feed.apply(s.engine, event, s.now()) is True
    assert seen_during_write, "the reading was never written"
    assert seen_during_write == [None] * len(seen_during_write), (
        f"the monitor's ticket was already settled {seen_during_write} while its reading was "
        "being written: AA before the commit")
    assert ticket.verdict is True

"""A chair for central-station tests: a real session engine (tests/session/helpers.Session) whose
status, PCD-04 and PCD-01 messages are built by the chair's own code (chair_status.build_status,
pcd.pcd04, pcd.pcd01), and a central clock moved by hand.

The central's clock and the chair's run from the same instant (START), so `t(seconds)` moves
both and the chair's `sent_at` and the central's receive time agree, as on a clinic network
whose machines keep time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import zlib
from itertools import count
from typing import Any

from console.central.board import Board
from console.clock import ManualClock, Moment
from console.network import bus_topics
from console.network.chair_status import build_status
from console.network.pcd import PatientShown, Station, pcd01, pcd04
from console.records import AlarmTransition, ObservationRecord
from tests.session.helpers import START, Session

_ids = count(1)


@dataclass
class Sent:
    topic: str
    payload: bytes
    qos: int
    retain: bool

    @property
    def json(self) -> dict[str, Any]:
        obj = bus_topics.decode(self.payload)
        assert obj is not None
        return obj


@dataclass
class Bus:
    """Records what the board publishes."""

    sent: list[Sent] = field(default_factory=list)

    def __call__(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        self.sent.append(Sent(topic, payload, qos, retain))

    def on(self, suffix: str) -> list[Sent]:
        return [s for s in self.sent if s.topic.endswith(suffix)]


class Chair:
    """One chair: a real engine, and the messages its console would publish."""

    def __init__(self, name: str, room: str, clock: ManualClock, patient: str = "K-0042",
                 session: bool = True) -> None:
        self.name = name
        self.room = room
        self.clock = clock
        self.patient = patient
        self.seq = 0
        self.s = Session() if session else None
        if self.s is not None:
            self.s.clock = clock   # one clock for the chair and the central
            self.s.origin = clock.now().mono
            # Its monitor is connected: the bedside shows its values as current (tile_view).
            self.s.engine.device_state_changed("connected", clock.now())
        self.station = Station(f"02000000{zlib.crc32(name.encode()):08X}", facility="Clinic",
                               room=room, bed=name)
        self._sent_records = 0

    # ---- what happens at the chair -----------------------------------------------------------

    def start_infusion(self) -> None:
        assert self.s is not None
        self.s.to_infusion()

    def device(self, name: str, value: float, **reading: Any) -> None:
        """A device value now; `reading` fields as `Reading`'s (flags=...)."""
        assert self.s is not None
        self.s.device(name, value, **reading)
        self.s.engine.tick(self.clock.now())

    def monitor(self, values: dict[str, float]) -> None:
        """One round of the monitor's values at once (after a jump in time, none of them is
        missing when the engine next looks)."""
        assert self.s is not None
        for name, value in values.items():
            self.s.device(name, value)
        self.s.engine.tick(self.clock.now())

    def occurrences(self) -> list[Any]:
        assert self.s is not None
        return self.s.engine.alarms()

    def acknowledge_at_bedside(self, occurrence: int) -> None:
        assert self.s is not None
        self.s.engine.acknowledge(occurrence, "nurse.ana", self.clock.now())

    # ---- what its console publishes ----------------------------------------------------------

    def topic(self, kind: bus_topics.Kind) -> str:
        return bus_topics.chair_topic(self.name, kind)

    def status(self, session: dict[str, Any] | None = None, **override: Any
               ) -> tuple[str, bytes]:
        """The retained status now, built by the chair's own code (console/network/
        chair_status.build_status) from the engine; the patient as this chair shows it;
        `session` changes fields of its session object, `override` fields of the status."""
        self.seq += 1
        now = self.clock.now()
        view = self.s.engine if self.s is not None else None
        obj = build_status(view, now, chair=self.name, room=self.room, patient_shown="id",
                           audio="full", network="ok", seq=self.seq)
        if obj["session"] is not None:
            obj["session"]["patient"] = self.patient
            obj["session"].update(session or {})
        obj.update(override)
        return self.topic("status"), bus_topics.encode(obj)

    def will(self) -> tuple[str, bytes]:
        return self.topic("status"), bus_topics.encode(
            {"chair": self.name, "room": self.room, "online": False, "reason": "connection lost"})

    def transitions(self) -> list[AlarmTransition]:
        assert self.s is not None
        return [r for r in self.s.recorder.records if isinstance(r, AlarmTransition)]

    def pcd04(self, transition: AlarmTransition, control_id: str | None = None) -> tuple[str, bytes]:
        message = pcd04(transition, control_id=control_id or f"ALM-{next(_ids)}",
                        sent_at=transition.at, station=self.station,
                        patient=PatientShown(self.patient))
        return self.topic("pcd04"), message.encode("utf-8")

    def new_pcd04s(self) -> Iterator[tuple[str, bytes]]:
        """A PCD-04 for each alarm transition not sent yet."""
        assert self.s is not None
        records = self.s.recorder.records
        for record in records[self._sent_records:]:
            if isinstance(record, AlarmTransition) and record.transition in (
                    "raised", "escalated", "deescalated", "acknowledged", "reminded",
                    "cleared", "reset"):
                yield self.pcd04(record)
        self._sent_records = len(records)

    def pcd01(self, records: list[ObservationRecord], control_id: str | None = None
              ) -> tuple[str, bytes]:
        message = pcd01(records, control_id=control_id or f"OBS-{next(_ids)}",
                        sent_at=self.clock.now().wall, station=self.station,
                        patient=PatientShown(self.patient))
        return self.topic("pcd01"), message.encode("utf-8")

    def observations(self) -> list[ObservationRecord]:
        assert self.s is not None
        return self.s.recorder.observations()


class Central:
    """A board with its recording bus, a log (real or stand-in) and the shared clock."""

    def __init__(self, log: Any, clock: ManualClock | None = None, station: str = "desk") -> None:
        self.clock = clock or ManualClock(START, mono=1000.0)
        self.bus = Bus()
        self.log = log
        self.board = Board(station, log, self.bus)
        self.board.set_bus(True, "Connected to mqtt://broker", self.clock.now())
        self.origin = self.clock.now().mono

    def now(self) -> Moment:
        return self.clock.now()

    def t(self, seconds: float) -> Moment:
        """Move the clock to `seconds` after the start and let the board tick."""
        now = self.clock.advance(self.origin + seconds - self.clock.now().mono)
        self.board.tick(now)
        return now

    def chair(self, name: str, room: str, **kw: Any) -> Chair:
        return Chair(name, room, self.clock, **kw)

    def deliver(self, message: tuple[str, bytes]) -> None:
        self.board.receive(message[0], message[1], self.clock.now())

    def card(self, chair: str) -> Any:
        return self.board.card(chair, self.clock.now())

    def acknowledge(self, chair: str, nurse: str = "B. Central") -> str:
        """The nurse presses Acknowledge on `chair`'s card as it is drawn now (the window passes
        the alarm its card shows: `CardView.target`)."""
        now = self.clock.now()
        seen = self.board.card(chair, now).target if chair in self.board.chairs else None
        return self.board.acknowledge(chair, nurse, now, seen)

    def acknowledge_highest(self, nurse: str = "B. Central") -> str:
        """F2 with no card chosen, as the window does it: the chair whose alarm comes first,
        its card as drawn now."""
        chair = self.board.highest_chair(self.clock.now())
        if chair is None:
            return self.board.no_chair_sounds(self.clock.now())
        return self.acknowledge(chair, nurse)

    def sounding(self) -> str | None:
        p = self.board.audio(self.clock.now())
        return p.label if p is not None else None


class MemoryLog:
    """The central log's two methods in memory (for tests that are not about the file)."""

    uid = "mem"

    def __init__(self) -> None:
        self.received: list[tuple[str | None, str, str, datetime, str]] = []
        self.actions: list[tuple[datetime, str, str, int | None, int | None, str,
                                 dict[str, Any]]] = []
        self.fail: Exception | None = None

    def add_received(self, control_id: str | None, chair: str, kind: str,
                     received_at: datetime, payload: str) -> bool:
        if self.fail is not None:
            raise self.fail
        if control_id is not None and any(r[0] == control_id for r in self.received):
            return False
        self.received.append((control_id, chair, kind, received_at, payload))
        return True

    def add_action(self, at: datetime, nurse: str, chair: str, session: int | None,
                   occurrence: int | None, kind: str, detail: dict[str, Any]) -> int:
        if self.fail is not None:
            raise self.fail
        self.actions.append((at, nurse, chair, session, occurrence, kind, detail))
        return len(self.actions)

    def kinds(self, chair: str | None = None) -> list[str]:
        return [r[2] for r in self.received if chair is None or r[1] == chair]


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)

"""Scenario helpers for engine tests: a recording recorder, a clock, readings, a protocol."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from console.clock import ManualClock, Moment
from console.records import AlarmTransition, EventRecord, ObservationRecord, Record, SessionOpened
from console.session.engine import Patient, SessionEngine
from console.store.errors import LogError
from protocols.vitals import metric
from devices.reading import Reading
from protocols.model import (
    AlarmRule,
    ChecklistItem,
    DischargeGate,
    Dose,
    DoseMode,
    Phase,
    PhaseKind,
    Priority,
    Protocol,
    VitalsCheck,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HIGH, MEDIUM, LOW, INFO = Priority.HIGH, Priority.MEDIUM, Priority.LOW, Priority.INFO

BASELINE = {"bp_systolic": 124.0, "bp_diastolic": 78.0, "heart_rate": 70.0, "spo2": 98.0,
            "resp_rate": 14.0, "moaas": 5.0, "dissociation": 0.0}
"""A usual pre-dose value of each vital and score a checklist item attests (`attested`)."""


def attested(item: ChecklistItem, latest: Callable[[str], object | None]) -> list[tuple[str, float]]:
    """The values a checklist item attests were recorded (its gate's vitals, its `needs`) that
    have none yet (`latest(name)` is None), each with its usual `BASELINE` value: what a nurse
    types before ticking it ("Baseline BP, HR, SpO2 and RR recorded"). Of a need's
    alternatives (heart rate or pulse rate) the first is typed."""
    entries = [(name,) for name, _ in item.gate] + list(item.needs)
    return [(names[0], BASELINE[names[0]]) for names in entries
            if all(latest(name) is None for name in names)]


def type_attested(engine: SessionEngine, item: ChecklistItem, actor: str, now: Moment) -> None:
    """Type into `engine` the values `item` attests that have none yet (`attested`)."""
    for name, value in attested(item, engine.latest):
        engine.enter_manual(name, value, actor, now)


class LockedLog:
    """A session log another program holds locked: every write is refused (the engine holds
    what it commits in memory: `SessionEngine.unsaved`)."""

    def write(self, records: Sequence[Record]) -> list[int]:
        raise LogError(Path("/clinic/log.sqlite3"), "locked", "database is locked")


class MemoryRecorder:
    """Keeps what the engine commits, in order, like the log would."""

    def __init__(self) -> None:
        self.opened: list[SessionOpened] = []
        self.records: list[Record] = []
        self.writes: list[list[Record]] = []   # one entry per transaction

    def start_session(self, opened: SessionOpened) -> int:
        self.opened.append(opened)
        return len(self.opened)

    def write(self, records: Sequence[Record]) -> list[int]:
        first = len(self.records)
        self.records.extend(records)
        self.writes.append(list(records))
        return list(range(first + 1, first + 1 + len(records)))

    def transitions(self, condition: str | None = None) -> list[tuple[str, str, str]]:
        return [(r.condition, r.transition, r.priority) for r in self.records
                if isinstance(r, AlarmTransition) and (condition is None or r.condition == condition)]

    def events(self, kind: str) -> list[EventRecord]:
        return [r for r in self.records if isinstance(r, EventRecord) and r.kind == kind]

    def observations(self) -> list[ObservationRecord]:
        return [r for r in self.records if isinstance(r, ObservationRecord)]


def rule(metric_name: str, priority: Priority, direction: str, **limits: float) -> AlarmRule:
    return AlarmRule(metric=metric_name, priority=priority, direction=direction, source="test", **limits)  # type: ignore[arg-type]


def default_rules() -> tuple[AlarmRule, ...]:
    """The clinical-defaults.md threshold table."""
    return (
        AlarmRule("bp_systolic", MEDIUM, "high", at_or_above=180, rise_above_baseline=40,
                  confirm_repeat_minutes=5, escalate_to=HIGH),
        rule("bp_systolic", HIGH, "high", at_or_above=200),
        AlarmRule("bp_diastolic", MEDIUM, "high", at_or_above=110, rise_above_baseline=25,
                  confirm_repeat_minutes=5, escalate_to=HIGH),
        rule("bp_diastolic", HIGH, "high", at_or_above=120),
        rule("heart_rate", MEDIUM, "high", above=110),
        rule("heart_rate", MEDIUM, "low", below=50),
        rule("heart_rate", HIGH, "high", at_or_above=131),
        rule("heart_rate", HIGH, "low", at_or_below=40),
        rule("heart_rate", HIGH, "high", above=120, sustained_seconds=300),
        rule("resp_rate", MEDIUM, "high", at_or_above=25),
        rule("resp_rate", MEDIUM, "low", at_or_below=11),
        rule("resp_rate", HIGH, "low", at_or_below=8),
        AlarmRule("resp_rate", HIGH, "low", absent_seconds=20),
        rule("spo2", MEDIUM, "low", at_or_below=93),
        rule("spo2", HIGH, "low", at_or_below=90),
        rule("moaas", MEDIUM, "low", at_or_below=3),
        rule("moaas", HIGH, "low", at_or_below=1),
    )


def iv_protocol(min_from_t0: float | None = None) -> Protocol:
    bp = VitalsCheck("BP and HR", (("bp_systolic",), ("bp_diastolic",), ("heart_rate",)),
                     every_minutes=10)
    return Protocol(
        id="test-iv", version="1", name="Test IV ketamine", route="iv",
        dose=Dose(DoseMode.WEIGHT, "test", mg_per_kg=0.5, infusion_minutes=40, bag_volume_ml=100),
        phases=(
            Phase("pre", "Pre-session checks", PhaseKind.PRE, checklist=(
                ChecklistItem("consent", "Consent current", True),
                ChecklistItem("baseline_bp", "Baseline BP below 140/90", True,
                              gate=(("bp_systolic", 141), ("bp_diastolic", 91))),
                ChecklistItem("fasting", "Fasting per clinic policy", False),
            )),
            Phase("infusion", "Infusion", PhaseKind.DOSING, checks=(bp,), duration_minutes=40),
            Phase("observation", "Observation", PhaseKind.OBSERVATION,
                  checks=(VitalsCheck("BP and HR", bp.metrics, every_minutes=15),),
                  min_minutes=30, exit_bp_within_baseline_mmhg=20, exit_min_moaas=5),
            Phase("discharge", "Discharge", PhaseKind.DISCHARGE, checklist=(
                ChecklistItem("escort", "Responsible adult escort present", True),
            )),
        ),
        alarms=default_rules(),
        discharge=DischargeGate(min_minutes_from_t0=min_from_t0, min_aldrete=9),
        course_sessions=6,
    )


class Session:
    """An engine with its clock and recorder, driven in seconds from the session start."""

    def __init__(self, protocol: Protocol | None = None) -> None:
        self.clock = ManualClock(START)
        self.recorder = MemoryRecorder()
        self.engine = SessionEngine.open(
            protocol or iv_protocol(), self.recorder, Patient("P-001", 70.0), "nurse.ana",
            self.clock.now(),
        )
        self.origin = self.clock.now().mono

    def t(self, seconds: float) -> Moment:
        """Move the clock to `seconds` after the session opened and tick the engine."""
        now = self.clock.advance(self.origin + seconds - self.clock.now().mono)
        self.engine.tick(now)
        return now

    def now(self) -> Moment:
        return self.clock.now()

    def device(self, name: str, value: float, measured_at: datetime | None = None, **kw: object) -> int | None:
        now = self.clock.now()
        return self.engine.ingest(Reading(name, value, metric(name).unit, measured_at or now.wall,
                                          now.wall, "hl7:SIM", **kw), now)  # type: ignore[arg-type]

    def manual(self, name: str, value: float, confirmed: bool = False) -> object:
        return self.engine.enter_manual(name, value, "nurse.ana", self.clock.now(), confirmed)

    def bp(self, systolic: float, diastolic: float) -> None:
        self.manual("bp_systolic", systolic)
        self.manual("bp_diastolic", diastolic)

    def shown(self) -> list[tuple[str, str, str]]:
        """(condition, priority, state) of every occurrence on the board, as the bar shows them."""
        return [(o.condition, o.priority.label, o.state.value) for o in self.engine.alarms()]

    def sounding(self) -> str | None:
        p = self.engine.audio(self.clock.now()).priority
        return p.label if p is not None else None

    def to_infusion(self, systolic: float = 120) -> None:
        """Baseline systolic/80 HR 70, pre-checks ticked, infusion started at the current time."""
        self.bp(systolic, 80)
        self.manual("heart_rate", 70)
        for item in ("consent", "baseline_bp"):
            assert self.engine.tick_item(item, "nurse.ana", self.now(),
                                         gate_decision="Dr Lee: proceed").done
        assert self.engine.advance_phase("nurse.ana", self.now()).done

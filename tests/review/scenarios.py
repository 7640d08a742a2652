"""Whole sessions through the real engine into one real SQLite log, for review and export tests.

`build(path)` writes these sessions with `ManualClock`s (no sleeps) and returns `Facts`: the ids
and what each session did, so tests compare the review and the exports with the sessions:

    label        patient    protocol     start (UTC)       what happened
    surge        MRN-4711   iv-ketamine  2026-03-02 09:00  monitor HR/SpO2 each minute to 09:34;
                                                           baseline BP 146/88 passes the gate with
                                                           a prescriber decision; T0 09:05; BP
                                                           150/88 at 09:15, 160/90 at 09:25 with
                                                           MOAA/S 4 but no RR (the RR check,
                                                           due 09:20, is overdue 09:25-09:35,
                                                           never acknowledged); 182/104
                                                           at 09:35 (medium, acknowledged after
                                                           30 s, audio paused), 186/100 at 09:40
                                                           (high, acknowledged after 20 s); a
                                                           mistyped 250 corrected to 150; note;
                                                           discharge refused once; override of the
                                                           observation; the T+70 check's vitals
                                                           at 10:13; discharged 10:20
    esketamine   MRN-5820   esketamine   2026-03-06 10:00  84 mg; monitor HR/SpO2/RR each minute,
                                                           SpO2 dip 92 at 11:00; BP at T+40 and
                                                           T+115; dissociation 6 → 0; discharged
    demo         DEMO-0001  iv-ketamine  2026-03-07 11:00  demo session, discharged
    quiet        MRN-4711   iv-ketamine  2026-03-09 09:00  session 2, peak 141/84, discharged
    open         mrn-9999   esketamine   2026-03-10 08:00  still running (no end)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.vitals import metric
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import type_attested

MIN = 60
MONITOR = "hl7:AcmeInc^ACDE48234567ABCD^EUI-64"
CHANNELS = {"heart_rate": "147842", "spo2": "150456", "resp_rate": "151562",
            "bp_systolic": "150021", "bp_diastolic": "150022", "pulse_rate": "149530"}


@dataclass
class Facts:
    """What the builder did, to compare the review and the exports with."""

    ids: dict[str, int] = field(default_factory=dict)
    corrected_id: int = 0          # the observation id of the mistyped 250


class Driver:
    """One session on the shared log, driven in minutes from its start."""

    def __init__(self, log: EventLog, protocol_id: str, patient: str, weight: float, nurse: str,
                 start: datetime, number: int, chosen_mg: float | None = None,
                 demo: bool = False) -> None:
        self.clock = ManualClock(start)
        self.nurse = nurse
        self.protocol = load_protocol(builtin_protocols_dir() / f"{protocol_id}.toml")
        self.engine = SessionEngine.open(self.protocol, log, Patient(patient, weight), nurse,
                                         self.clock.now(), session_number=number,
                                         chosen_mg=chosen_mg, demo=demo)
        self.origin = self.clock.now().mono

    @property
    def id(self) -> int:
        return self.engine.session_id

    def at(self, minutes: float) -> None:
        now = self.clock.advance(self.origin + minutes * MIN - self.clock.now().mono)
        self.engine.tick(now)

    def manual(self, **values: float) -> None:
        for name, value in values.items():
            verdict = self.engine.enter_manual(name, value, self.nurse, self.clock.now())
            assert type(verdict).__name__ == "Accepted", verdict

    def device(self, **values: float) -> list[int | None]:
        now = self.clock.now()
        return [self.engine.ingest(Reading(name, value, metric(name).unit, now.wall, now.wall,
                                           MONITOR, CHANNELS[name]), now)
                for name, value in values.items()]

    def tick_required(self, gate_decision: str = "") -> None:
        for item in self.engine.phase.checklist:
            if item.required:   # the baseline vitals and scores it attests, if a story did not
                type_attested(self.engine, item, self.nurse, self.clock.now())
            if item.required:
                outcome = self.engine.tick_item(item.id, self.nurse, self.clock.now(),
                                                note=typed_answer(item.asks),
                                                gate_decision=gate_decision)
                assert outcome.done, outcome.message

    def advance(self, override_reason: str = "") -> None:
        outcome = self.engine.advance_phase(self.nurse, self.clock.now(), override_reason)
        assert outcome.done, outcome.message

    def ack_all(self) -> None:
        self.engine.acknowledge_all(self.nurse, self.clock.now())

    def discharge(self) -> None:
        outcome = self.engine.discharge(self.nurse, self.clock.now())
        assert outcome.done, outcome.message


def typed_answer(asks: str) -> str:
    """What a nurse types with a tick that asks something (protocols' `asks`)."""
    if not asks:
        return ""
    if asks == "Yes or no":
        return "yes"
    if asks.startswith("Minutes"):
        return "90"
    if asks.startswith("Yes or no for each"):
        return "no to each"
    return "lot T-1"


def _surge(log: EventLog, facts: Facts) -> int:
    r = Driver(log, "iv-ketamine", "MRN-4711", 72.0, "nurse.ana", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
    r.device(heart_rate=72, spo2=98)
    r.manual(bp_systolic=146, bp_diastolic=88, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required(gate_decision="Dr Lee: proceed, BP 146/88 acceptable today")
    r.at(5); r.advance()                                    # T0 09:05
    # The monitor's HR/SpO2 each minute and the nurse's entries in the minute she makes them: the
    # clock only moves forward, as the console writes its log (test_scenario_order.py).
    for minute in range(6, 35):
        r.at(minute); r.device(heart_rate=74, spo2=98)
        if minute == 15:
            r.manual(bp_systolic=150, bp_diastolic=88)
        if minute == 25:                                    # no RR: its check is overdue
            r.manual(bp_systolic=160, bp_diastolic=90, moaas=4, nausea=1, dissociation=8)
    # Sedation scored with the RR: the check due at T+30 asks both (its own window's values).
    r.at(35); r.manual(moaas=4); r.manual(bp_systolic=182, bp_diastolic=104, heart_rate=88, resp_rate=16)
    r.at(35.5); r.ack_all()                                 # 30 s to acknowledge
    r.engine.pause_audio(r.nurse, r.clock.now())
    r.at(40); r.manual(bp_systolic=186, bp_diastolic=100)   # the repeat confirms: high
    r.at(40 + 20 / MIN); r.ack_all()
    r.engine.note("Prescriber informed of BP 186/100, infusion continued", r.nurse, r.clock.now())
    r.at(45); r.manual(bp_systolic=158, bp_diastolic=90, heart_rate=80, spo2=97, resp_rate=15,
                       nausea=2, dissociation=12, hallucinations=1, fatigue=1, moaas=4)
    r.tick_required(); r.advance()                          # observation 09:45
    r.at(45 + 10 / MIN)   # the BP back inside 10 s: its reminded alarm ends (a seen one)
    r.at(50); r.manual(bp_systolic=250)                     # mistyped (cuff read 150)
    wrong = log.conn.execute("SELECT max(id) FROM observations WHERE value = 250").fetchone()[0]
    facts.corrected_id = wrong
    r.engine.correct(wrong, "bp_systolic", 150, r.nurse, r.clock.now(),
                     reason="typed 250, cuff read 150")
    r.ack_all()
    r.at(60)
    r.manual(bp_systolic=140, bp_diastolic=84, heart_rate=72, spo2=98, resp_rate=14, moaas=5)
    r.at(70)
    # 25 of the observation's 30 minutes: ended early with a prescriber's reason.
    r.advance(override_reason="Dr Lee reviewed: BP settled, patient alert")
    refused = r.engine.discharge(r.nurse, r.clock.now())   # no Aldrete yet: refused, logged
    assert not refused.done
    # The observation's T+70 check, which goes on in Discharge, met in its window: overdue at
    # 10:20 it is an alarm, and it would refuse the discharge.
    r.at(73)
    r.manual(bp_systolic=140, bp_diastolic=84, heart_rate=72, spo2=98, resp_rate=14, moaas=5)
    r.at(80); r.manual(aldrete=10, nausea=0, fatigue=0, dissociation=0, hallucinations=0)
    r.tick_required()
    r.ack_all()
    r.discharge()
    return r.id


def _esketamine(log: EventLog) -> int:
    r = Driver(log, "esketamine", "MRN-5820", 64.0, "nurse.ben", datetime(2026, 3, 6, 10, 0, tzinfo=UTC), 1,
               chosen_mg=84)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                                   # T0 10:10: first device
    r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot 4711A")
    r.at(15); r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot 4711A")
    r.at(20); r.advance(override_reason="Device 3 not given: patient declined")   # observation
    for minute in range(21, 131):
        r.at(minute)
        r.device(heart_rate=72, spo2=92 if minute == 60 else 97, resp_rate=14)
        if minute == 50:                                    # T+40
            r.manual(bp_systolic=148, bp_diastolic=90, heart_rate=76, moaas=4, dissociation=6)
            r.ack_all()
        if minute in (65, 80, 95, 110):
            r.manual(moaas=5, dissociation={65: 4, 80: 2, 95: 1, 110: 0}[minute])
            r.ack_all()
        if minute == 125:                                   # T+115: pre-discharge BP
            r.manual(bp_systolic=134, bp_diastolic=82, heart_rate=72, nausea=1)
            r.ack_all()
    r.at(131)
    r.manual(moaas=5, aldrete=10)
    r.advance()
    r.tick_required()
    r.ack_all()
    r.discharge()
    return r.id


def _quiet(log: EventLog, patient: str, start: datetime, number: int, demo: bool = False) -> int:
    r = Driver(log, "iv-ketamine", patient, 72.0, "nurse.ana", start, number, demo=demo)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()
    for minute, systolic in ((15, 132), (25, 138), (35, 141), (45, 136)):
        r.at(minute)
        r.manual(bp_systolic=systolic, bp_diastolic=84, heart_rate=76, spo2=97, resp_rate=13,
                 moaas=5)
    r.manual(nausea=0, dissociation=2)
    r.tick_required(); r.advance()
    for minute in (60, 75, 77):
        r.at(minute)
        r.manual(bp_systolic=128, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14, moaas=5)
    r.advance()
    r.manual(aldrete=10)
    r.tick_required()
    r.ack_all()
    r.discharge()
    return r.id


def _open(log: EventLog) -> int:
    r = Driver(log, "esketamine", "mrn-9999", 80.0, "nurse.ana", datetime(2026, 3, 10, 8, 0, tzinfo=UTC), 1,
               chosen_mg=56)
    r.manual(bp_systolic=120, bp_diastolic=78)
    r.at(3)
    return r.id


def build(path: Path) -> Facts:
    """Write the sessions of the module docstring into a new log at `path` (closed afterwards)."""
    facts = Facts()
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        facts.ids["surge"] = _surge(log, facts)
        facts.ids["esketamine"] = _esketamine(log)
        facts.ids["demo"] = _quiet(log, "DEMO-0001", datetime(2026, 3, 7, 11, 0, tzinfo=UTC), 1,
                                   demo=True)
        facts.ids["quiet"] = _quiet(log, "MRN-4711", datetime(2026, 3, 9, 9, 0, tzinfo=UTC), 2)
        facts.ids["open"] = _open(log)
    finally:
        log.close()
    return facts


@dataclass(frozen=True)
class ScenarioLog:
    """The built log (closed) and its facts; tests that write copy the file first."""

    path: Path
    facts: Facts


@pytest.fixture(scope="session")
def scenario_log(tmp_path_factory: pytest.TempPathFactory) -> ScenarioLog:
    """The scenario sessions, built once per test run; read-only for tests."""
    path = tmp_path_factory.mktemp("review") / "sessions.sqlite3"
    return ScenarioLog(path, build(path))

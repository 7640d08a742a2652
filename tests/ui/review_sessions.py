"""A session log for review tests: whole simulated sessions driven through the real engine.

`build_review_log(path)` writes five sessions into one SQLite log through `SessionEngine` with a
`ManualClock` (no sleeps), as a clinic's log would hold them:

    id  patient   protocol      date (UTC)        what happened
    1   MRN-4711  iv-ketamine   2026-03-02 09:00  quiet session, nausea 1, discharged
    2   MRN-4711  iv-ketamine   2026-03-05 09:00  BP surge: medium at T+30 acknowledged after
                                                  45 s, audio paused, escalated to high at T+35
                                                  (acknowledged after 20 s); override ending the
                                                  observation early; a note; discharged
    3   MRN-5820  esketamine    2026-03-06 10:00  84 mg, monitor feeding HR/SpO2/RR each minute,
                                                  SpO2 dip to 92 (medium), BP at T+40, discharged
    4   DEMO-0001 iv-ketamine   2026-03-07 11:00  demo session (left out of clinical lists)
    5   MRN-4711  iv-ketamine   2026-03-09 09:00  quiet session, fatigue 2, discharged

The same builder feeds the review window tests, the PDF tests and docs/screenshots/render_review.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from console.store import EventLog
from tests.review.scenarios import Driver  # one session driver for every review test



@dataclass
class Facts:
    """What the builder did, for tests to compare the review with."""

    ids: dict[str, int] = field(default_factory=dict)   # label -> session id




def _quiet_iv(log: EventLog, start: datetime, number: int, *, nausea: float = 0,
              fatigue: float = 0, patient: str = "MRN-4711", demo: bool = False,
              nurse: str = "nurse.ana") -> Driver:
    r = Driver(log, "iv-ketamine", patient, 72.0, nurse, start, number, demo=demo)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()
    for minute, systolic in ((15, 132), (25, 138), (35, 141), (45, 136)):
        r.at(minute)
        r.manual(bp_systolic=systolic, bp_diastolic=84, heart_rate=76, spo2=98, resp_rate=14,
                 moaas=5 if minute != 35 else 4)
    r.manual(nausea=nausea, fatigue=fatigue, dissociation=1)
    r.tick_required(); r.advance()              # observation
    for minute in (60, 75, 77):
        r.at(minute)
        r.manual(bp_systolic=128, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14, moaas=5)
    r.advance()                                  # discharge phase
    r.manual(aldrete=10)
    r.tick_required()
    r.discharge()
    return r


def _surge_iv(log: EventLog, start: datetime) -> Driver:
    r = Driver(log, "iv-ketamine", "MRN-4711", 72.0, "nurse.ben", start, 2)
    r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                         # T0 at 09:05
    r.at(15); r.manual(bp_systolic=145, bp_diastolic=85, heart_rate=78, spo2=97)
    r.at(20); r.manual(resp_rate=15, moaas=4)
    r.at(25); r.manual(bp_systolic=155, bp_diastolic=85, heart_rate=78, spo2=97)
    # T+30: 182/104 raises a medium alarm; the nurse acknowledges 45 s later and pauses audio.
    r.at(35); r.manual(bp_systolic=182, bp_diastolic=104, heart_rate=88, spo2=97, resp_rate=16,
                       moaas=4)
    r.at(35.75); r.ack_all()
    r.engine.pause_audio(r.nurse, r.clock.now())
    # T+35: the repeat confirms: escalated to high; acknowledged 20 s later.
    r.at(40); r.manual(bp_systolic=186, bp_diastolic=100)
    r.at(40 + 20 / 60); r.ack_all()
    r.engine.note("Prescriber Dr Lee informed of BP 186/100; infusion continued", r.nurse,
                  r.clock.now())
    r.at(45); r.manual(bp_systolic=158, bp_diastolic=90, heart_rate=80, spo2=98, resp_rate=15,
                       moaas=4)
    r.manual(nausea=2, dissociation=3, hallucinations=1, fatigue=1)
    r.tick_required(); r.advance()               # observation at 09:45
    r.at(45 + 10 / 60)   # the BP back inside 10 s: its reminded alarm ends (a seen one)
    r.at(60); r.manual(bp_systolic=150, bp_diastolic=86, heart_rate=74, spo2=98, resp_rate=14,
                       moaas=5)
    # 20 min into a 30-min observation: ended early with a prescriber's reason.
    r.at(65); r.manual(bp_systolic=144, bp_diastolic=84, heart_rate=72, moaas=5)
    r.advance(override_reason="Dr Lee reviewed: BP settling, patient alert")
    # The observation's 15-minute checks go on in Discharge: taken at 09:15 past the hour.
    r.at(75); r.manual(bp_systolic=140, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14,
                       moaas=5)
    r.at(80); r.manual(bp_systolic=138, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14,
                       aldrete=10, nausea=1, hallucinations=0)
    r.tick_required()
    r.discharge()
    return r


def _esketamine(log: EventLog, start: datetime) -> Driver:
    r = Driver(log, "esketamine", "MRN-5820", 64.0, "nurse.cruz", start, 1, chosen_mg=84)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                        # T0: first device
    r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot T-1")
    r.at(15)                                     # the 5-minute rest after each device
    r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot T-1")
    r.at(20); r.advance(override_reason="Device 3 not given: patient declined")   # observation
    for minute in range(21, 131):
        r.at(minute)
        r.device(heart_rate=72 + (minute % 5), spo2=92 if minute == 60 else 97, resp_rate=14)
        if minute in (35, 50, 65, 80, 95, 110, 125):
            r.manual(moaas=4 if minute == 35 else 5)
        if minute in (50, 80, 110):
            r.manual(dissociation={50: 2, 80: 1, 110: 0}[minute])
        if minute == 51:                         # BP at T+40, a minute late
            r.manual(bp_systolic=140, bp_diastolic=86, heart_rate=74)
            r.ack_all()
        if minute == 80:
            r.manual(nausea=1)
        if minute == 125:                        # pre-discharge BP at T+115
            r.manual(bp_systolic=134, bp_diastolic=82, heart_rate=72)
    r.at(131)
    r.manual(aldrete=10)
    r.engine.advance_phase(r.nurse, r.clock.now(), override_reason="checks done early")
    r.tick_required()
    r.ack_all()
    r.discharge()
    return r


def check_every_session(window) -> None:
    """Hold every session the review window asked for to the hash chain now, in the test's
    thread, and show the outcome as the checks' thread would wake the window: for a window
    given a `ChainSweep` it did not start (console/review/integrity.py), so what the list
    shows does not depend on when a thread ran."""
    while window.records.step() is not None:
        pass
    window.records_woke.emit()


def build_review_log(path: Path) -> Facts:
    """Write the five sessions into a new log at `path` (closed afterwards)."""
    facts = Facts()
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        facts.ids["quiet-1"] = _quiet_iv(log, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1,
                                         nausea=1).id
        facts.ids["surge"] = _surge_iv(log, datetime(2026, 3, 5, 9, 0, tzinfo=UTC)).id
        facts.ids["esketamine"] = _esketamine(log, datetime(2026, 3, 6, 10, 0, tzinfo=UTC)).id
        facts.ids["demo"] = _quiet_iv(log, datetime(2026, 3, 7, 11, 0, tzinfo=UTC), 1,
                                      patient="DEMO-0001", demo=True, nurse="demo nurse").id
        facts.ids["quiet-3"] = _quiet_iv(log, datetime(2026, 3, 9, 9, 0, tzinfo=UTC), 3,
                                         fatigue=2).id
    finally:
        log.close()
    return facts

"""Esketamine sessions whose first nasal device is given after the T0 confirmation, written
through the real engine into a real log (`ManualClock`s, no sleeps), for the review's tests of
the first-dose time (README, "Esketamine": the label's times count from the first device).

`late_device(path, device_after_t0)` (d = `device_after_t0`, in minutes):

    minute (from the start)      what happened
    0                            baseline 132/84, HR 70, SpO2 98, RR 14, MOAA/S 5, dissociation 0
    10                           "Start Nasal devices (T0)" confirmed (T0)
    10 + d                       device 1 given (the first dose)
    15 + d                       device 2 given; on to the observation
    50 + d  (dose + 40)          BP 150/92, HR 76, MOAA/S 4, dissociation 6 (the T+40 BP)
    70, 100, 125 + d             BP 134/82 and the rest (dose + 60, + 90, + 115)
    135 + d (dose + 125)         Aldrete 10, nausea 0, dissociation 0; discharged
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.store import EventLog
from tests.review.scenarios import Driver

PATIENT = "MRN-E1"
START = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
T0_MINUTE = 10


def late_device(path: Path, device_after_t0: float) -> int:
    """The session above, written to the log at `path`; its id."""
    log = EventLog.open(path, "test")
    try:
        r = Driver(log, "esketamine", PATIENT, 64.0, "nurse.ben", START, 1, chosen_mg=56)
        r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(T0_MINUTE); r.advance()                                  # T0 confirmed
        dose = T0_MINUTE + device_after_t0
        r.at(dose)                                                    # the first dose
        assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A").done
        r.at(dose + 5)
        assert r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A").done
        r.advance()                                                   # observation
        r.at(dose + 40)                                               # the label's T+40 BP
        r.manual(bp_systolic=150, bp_diastolic=92, heart_rate=76, moaas=4, dissociation=6)
        r.ack_all()
        for minute in (dose + 60, dose + 90, dose + 115):
            r.at(minute)
            r.manual(bp_systolic=134, bp_diastolic=82, heart_rate=72, moaas=5,
                     dissociation=0, spo2=97, resp_rate=14)
            r.ack_all()
        r.at(dose + 125)
        # Dissociation scored again: its check (every 30 min), overdue, would refuse discharge.
        r.manual(aldrete=10, nausea=0, dissociation=0)
        r.advance()                                                   # discharge phase
        r.tick_required()
        r.ack_all()
        r.discharge()
        return r.id
    finally:
        log.close()

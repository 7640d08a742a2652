"""A patient's course written through the real engine, for the course trend's tests.

`build_course(path)` writes these sessions of MRN-2024 into a new log (`ManualClock`s, no sleeps)
and returns their ids by label:

    label    no.  date (UTC)        what happened
    first    1    2026-03-02 09:00  T0 at 09:05; at T0 + 10 a systolic typed 250, corrected to
                                    150 (diastolic 85); at T0 + 20 the monitor's HR 80, pulse 81
                                    and SpO2 97 beside a TEST HR 190; at T0 + 25 an SpO2 typed
                                    80, entered in error; at T0 + 30 BP 170/95; discharged
                                    against the gate at T0 + 40
    late_t0  2    2026-03-05 09:00  long pre-dose checks: T0 at 09:12; at T0 + 30 BP 226/90;
                                    discharged against the gate at T0 + 40
    demo     3    2026-03-07 11:00  a demo session: the monitor's DEMO SpO2 88 and SpO2 96 at
                                    11:10
    undosed  4    2026-03-09 09:00  never dosed: BP 150/95 at its start, 148/92 at 10 min; sent
                                    home (discharged against the gate)
    open     5    2026-03-12 09:00  T0 at 09:05, BP 140/85 at T0 + 10, still open
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.store import EventLog
from devices.reading import Reading
from protocols.vitals import metric
from tests.review.scenarios import MONITOR, Driver

PATIENT = "MRN-2024"


def _dosed(log: EventLog, start: datetime, number: int, pre_minutes: float) -> Driver:
    """A session whose baseline is taken and whose T0 is `pre_minutes` after its start."""
    r = Driver(log, "iv-ketamine", PATIENT, 72.0, "nurse.ana", start, number)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
    r.tick_required()
    r.at(pre_minutes); r.advance()                               # T0
    return r


def monitor(r: Driver, flags: frozenset[str] = frozenset(), **values: float) -> None:
    """One message of the monitor, its readings carrying `flags` (a monitor in TEST mode)."""
    now = r.clock.now()
    assert r.engine.ingest_message(
        [Reading(name, value, metric(name).unit, now.wall, now.wall, MONITOR, "", flags)
         for name, value in values.items()], now)


def _send_home(r: Driver) -> None:
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="sent home").done


def _first(log: EventLog) -> int:
    r = _dosed(log, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1, 5)
    r.at(15)
    verdict, typo = r.engine.enter_manual_row("bp_systolic", 250, r.nurse, r.clock.now(),
                                              confirmed=True)
    assert typo is not None, verdict
    assert r.engine.correct(typo, "bp_systolic", 150, r.nurse, r.clock.now(),
                            reason="typed 250, cuff read 150")
    r.manual(bp_diastolic=85)
    r.at(25)
    monitor(r, heart_rate=80, pulse_rate=81, spo2=97)
    monitor(r, frozenset({"TEST"}), heart_rate=190)
    r.at(30)
    _, wrong = r.engine.enter_manual_row("spo2", 80, r.nurse, r.clock.now(), confirmed=True)
    assert wrong is not None
    assert r.engine.void(wrong, "spo2", r.nurse, r.clock.now(), "the next patient's").done
    r.at(35); r.manual(bp_systolic=170, bp_diastolic=95)
    r.at(45); _send_home(r)
    return r.id


def _late_t0(log: EventLog) -> int:
    r = _dosed(log, datetime(2026, 3, 5, 9, 0, tzinfo=UTC), 2, 12)
    r.at(42); r.manual(bp_systolic=226, bp_diastolic=90)
    r.at(52); _send_home(r)
    return r.id


def _demo(log: EventLog) -> int:
    r = Driver(log, "iv-ketamine", PATIENT, 72.0, "nurse.ana",
               datetime(2026, 3, 7, 11, 0, tzinfo=UTC), 3, demo=True)
    r.manual(bp_systolic=120, bp_diastolic=78)
    r.at(10)
    monitor(r, frozenset({"DEMO"}), spo2=88)
    monitor(r, spo2=96)
    _send_home(r)
    return r.id


def _undosed(log: EventLog) -> int:
    r = Driver(log, "iv-ketamine", PATIENT, 72.0, "nurse.ana",
               datetime(2026, 3, 9, 9, 0, tzinfo=UTC), 4)
    r.manual(bp_systolic=150, bp_diastolic=95, heart_rate=88)
    r.at(10); r.manual(bp_systolic=148, bp_diastolic=92)
    _send_home(r)
    return r.id


def _open(log: EventLog) -> int:
    r = _dosed(log, datetime(2026, 3, 12, 9, 0, tzinfo=UTC), 5, 5)
    r.at(15); r.manual(bp_systolic=140, bp_diastolic=85)
    return r.id


def build_course(path: Path) -> dict[str, int]:
    """Write the course of the module docstring into a new log at `path` (closed afterwards)."""
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        return {"first": _first(log), "late_t0": _late_t0(log), "demo": _demo(log),
                "undosed": _undosed(log), "open": _open(log)}
    finally:
        log.close()

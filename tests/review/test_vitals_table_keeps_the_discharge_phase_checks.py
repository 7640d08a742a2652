"""The review's "Vitals at each check" (screen and PDF: `content.vital_rows`) left out the checks
the chair asked in the Discharge phase: the chair keeps the checks running when Discharge starts
(`Schedule.start_phase`: "the patient is observed at the observation's cadence until they
leave") and raised "Vitals overdue" at 10:31 for the check due at 10:26, but the review counted
only each phase's own checks, and the shipped Discharge phases have none: nothing read missed
between the last vitals and the discharge (an IV walk through the real window).

    minute (from 09:00)     what happened
    0                       baseline vitals, MOAA/S 5, dissociation 0
    1                       T0 (infusion)
    11, 21, 31, 41          vitals (the infusion's 10-min checks); on to the observation
    56, 71                  vitals (the observation's 15-min checks); on to Discharge at 10:11
    106 (10:46)             vitals, Aldrete 10, dissociation 0; discharged

A Discharge phase of the chair's own with a check of a running one's name takes it over
(`Schedule._add_recurring`), at the running one's next time where that comes before its own
first: the review places it so too.

An esketamine session moved to Discharge early is asked its pre-discharge BP at T+115 there
(`Schedule.start_phase`: a check timed after T0 is due whatever the phase): the review counted
it only up to the end of the observation it is written in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Protocol, VitalsCheck
from tests.review.scenarios import Driver

IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
ESKETAMINE = load_protocol(builtin_protocols_dir() / "esketamine.toml")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MISSED = "not recorded (scheduled check)"
VITALS = dict(bp_systolic=128, bp_diastolic=84, heart_rate=72, spo2=98, resp_rate=14, moaas=5)


class _Driver(Driver):
    """`Driver` on a protocol given whole (a clinic's own Discharge checks)."""

    def __init__(self, log: EventLog, protocol: Protocol) -> None:
        self.clock = ManualClock(START)
        self.nurse = "nurse.ana"
        self.protocol = protocol
        self.engine = SessionEngine.open(protocol, log, Patient("MRN-2040", 72.0), self.nurse,
                                         self.clock.now(), session_number=1)
        self.origin = self.clock.now().mono


def _with_discharge_check(every_minutes: float) -> Protocol:
    """IV ketamine whose Discharge phase asks the observation's "Vitals and sedation" itself,
    every `every_minutes`."""
    observation = IV.phase("observation").checks[0]
    own = VitalsCheck(observation.name, observation.metrics, every_minutes=every_minutes)
    return replace(IV, phases=tuple(replace(p, checks=(own,)) if p.id == "discharge" else p
                                    for p in IV.phases))


def _late_escort(path: Path, protocol: Protocol) -> int:
    """The session of the table above, written through the real engine; its id."""
    log = EventLog.open(path, "test")
    try:
        r = _Driver(log, protocol)
        r.manual(**VITALS, dissociation=0)
        r.tick_required()
        r.at(1); r.advance()                                      # T0 09:01
        for minute in (11, 21, 31, 41):                           # the infusion's checks
            r.at(minute); r.manual(**VITALS); r.ack_all()
        r.tick_required(); r.advance()                            # observation 09:41
        for minute in (56, 71):                                   # the observation's checks
            r.at(minute); r.manual(**VITALS); r.ack_all()
        r.advance()                                               # Discharge 10:11
        # The escort is late: 35 minutes in Discharge with no vitals, the console ticking.
        for minute in range(72, 107):
            r.at(minute)
        r.manual(**VITALS, aldrete=10, dissociation=0)            # 10:46
        r.tick_required()
        r.ack_all()
        r.discharge()
        return r.id
    finally:
        log.close()


def _asked(path: Path, query: str, sid: int) -> list[tuple[str, ...]]:
    """What the chair logged: `query`'s rows for the session `sid`."""
    conn = open_readonly(path)
    try:
        return [tuple(row) for row in conn.execute(query, [sid])]
    finally:
        conn.close()


def _missed(path: Path, sid: int, protocol: Protocol) -> list[str]:
    """The times of the table's rows of checks nobody answered."""
    conn = open_readonly(path)
    try:
        detail = load_session(conn, sid, with_observations=True)
    finally:
        conn.close()
    return [row[0] for row in rc.vital_rows(detail, UTC, protocol) if row[-1] == MISSED]


def test_the_vitals_table_shows_the_check_the_chair_asked_in_discharge_and_nobody_answered(
        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    sid = _late_escort(path, IV)
    asked = _asked(path, "SELECT priority, transition, at FROM alarm_events WHERE session_id = ?"
                   " AND condition = 'vitals_due:Vitals and sedation'"
                   " AND at > '2026-03-02T10:11:00.000Z' ORDER BY id", sid)
    # The chair asked the check at 10:26, overdue from 10:31, until the vitals at 10:46.
    assert asked[:2] == [("info", "raised", "2026-03-02T10:26:00.000Z"),
                         ("medium", "escalated", "2026-03-02T10:31:00.000Z")], asked
    # The review reads it missed; the 10:41 check stands answered by the 10:46 vitals.
    assert [at for at in _missed(path, sid, IV) if at >= "10:11"] == ["10:26"]


@pytest.mark.parametrize(("every", "missed"), [
    # Its own first (10:41) after the running one's next (10:26): the running one's time stays.
    (30, ["10:26"]),
    # Its own first (10:21) sooner: the running one's 10:26 is no longer asked.
    (10, ["10:21", "10:31"]),
])
def test_a_discharge_check_of_a_running_ones_name_takes_it_over_in_the_vitals_table(
        tmp_path: Path, every: float, missed: list[str]) -> None:
    path = tmp_path / "log.sqlite3"
    protocol = _with_discharge_check(every)
    sid = _late_escort(path, protocol)
    assert [at for at in _missed(path, sid, protocol) if at >= "10:11"] == missed


def test_the_vitals_table_shows_the_pre_discharge_bp_asked_after_an_early_move_to_discharge(
        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test")
    try:
        r = Driver(log, "esketamine", "MRN-E2", 64.0, "nurse.ben",
                   datetime(2026, 3, 6, 10, 0, tzinfo=UTC), 1, chosen_mg=56)
        r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(10); r.advance()                                     # T0 10:10, device 1
        assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A").done
        r.at(15)
        assert r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A").done
        r.advance()                                               # observation
        for minute in range(16, 111):
            r.at(minute)
            if minute in (25, 40, 50, 55, 70, 85, 100):            # its checks, BP at T+40
                r.manual(bp_systolic=134, bp_diastolic=82, heart_rate=72, moaas=5,
                         dissociation=0, spo2=97, resp_rate=14)
                r.ack_all()
        # T+100: on to Discharge early, a reason given; the T+115 BP (12:05) is still asked.
        r.advance(override_reason="Dr Lee: patient settled, wait in the discharge area")
        for minute in range(111, 136):
            r.at(minute)
        sid = r.id
    finally:
        log.close()
    asked = _asked(path, "SELECT at FROM alarm_events WHERE session_id = ? AND condition ="
                   " 'vitals_due:Pre-discharge BP at T+115' AND transition = 'raised'", sid)
    assert asked == [("2026-03-06T12:05:00.000Z",)], asked
    assert "12:05" in _missed(path, sid, ESKETAMINE)

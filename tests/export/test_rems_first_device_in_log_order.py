"""The REMS form's first device is the one the engine counted the two hours from: the first
ticked in the log's order (the engine's monotonic clock), not the earliest wall time. With the
station's clock set back between device 1 and device 2, the form took device 2 for the dose
and stated 115 monitored minutes where the engine enforced 120 (review 45)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.clock import Moment
from console.export.rems import render_text
from console.store import EventLog
from tests.export.test_rems import at, form_of
from tests.review.scenarios import Driver


def _stepped(r, minutes: float) -> None:
    """The station's clock set `minutes` (negative: back) while the console runs."""
    now = r.clock.now()
    r.clock._now = Moment(now.mono, now.wall + timedelta(minutes=minutes))


def _at_t0(tmp_path, patient: str) -> tuple[EventLog, Driver]:
    """An esketamine session with its pre-dose values and checks, dosing started at 10:10."""
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "esketamine", patient, 64.0, "nurse.ben", at(10, 0), 1, chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10)
    r.advance()                                              # T0 10:10
    return log, r


def _discharged_two_hours_after(r, minute: int) -> None:
    """The engine's 2 h from the first device run out at `minute` (real minutes after 10:00)."""
    r.at(minute - 1)
    assert r.engine.discharge_wait_s(r.clock.now()) == 60
    r.at(minute)
    assert r.engine.discharge_wait_s(r.clock.now()) is None
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="for the test").done


def test_the_first_device_logged_is_the_dose_when_the_clock_was_set_back_before_device_2(
        tmp_path):
    log, r = _at_t0(tmp_path, "MRN-STEP2")
    r.at(20)
    assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A").done  # 10:20
    r.at(21)
    _stepped(r, -10)                                         # NTP: the clock 10 min back
    r.at(22)                                                 # logged: clock_stepped -10 min
    r.at(25)
    assert r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A").done  # "10:15"
    r.at(30); r.advance()                                    # Observation
    _discharged_two_hours_after(r, 140)                      # 120 min after device 1
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    text = render_text(form, tz=UTC)
    assert [(d.item, d.at) for d in form.devices] == [("device-1", at(10, 20)),
                                                      ("device-2", at(10, 15))]
    assert form.observation_start == at(10, 20)
    assert form.total_monitoring_minutes == 120.0
    assert "Start of observation (first device, T0): 10:20\n" in text
    assert "Total monitoring time (minutes): 120\n" in text


def test_device_1_reading_before_t0_after_a_step_back_is_still_the_dose(tmp_path):
    # T0 10:10; NTP sets the clock back 10 min at 10:15; device 1, ticked 8 real minutes after
    # T0, reads 10:08. The engine counts its 2 h from device 1 (its monotonic clock).
    log, r = _at_t0(tmp_path, "MRN-STEP3")
    r.at(15)
    _stepped(r, -10)
    r.at(16)                                                 # logged: clock_stepped -10 min
    r.at(18)
    assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A").done  # "10:08"
    r.at(24)
    assert r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A").done  # "10:14"
    r.at(25); r.advance()                                    # Observation
    _discharged_two_hours_after(r, 138)
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    assert form.observation_start == at(10, 8)               # device 1's tick, as logged
    assert form.total_monitoring_minutes == 120.0

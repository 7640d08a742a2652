"""The REMS form's monitoring time across a wall-clock step (NTP) the console logged: the time
the patient was monitored, as the console's timers counted it, not the difference of two wall
times a step lies between (review 45: 125 monitored minutes read "95", below the 2 hours)."""

from __future__ import annotations

from datetime import timedelta

from console.clock import Moment
from console.export.rems import render_text
from console.review.queries import load_session, open_readonly
from tests.export.test_rems import dosed, form_of


def _stepped(r, minutes: float) -> None:
    """The station's clock set `minutes` (negative: back) while the console runs."""
    now = r.clock.now()
    r.clock._now = Moment(now.mono, now.wall + timedelta(minutes=minutes))


def _events(tmp_path, session):
    conn = open_readonly(tmp_path / "s.sqlite3")
    try:
        return load_session(conn, session).events
    finally:
        conn.close()


def test_total_monitoring_time_is_not_moved_by_a_clock_set_back(tmp_path):
    # Device 1 at T0 (10:10). 30 min later NTP sets the station's clock (30 min fast) back 30
    # min; discharged 125 real minutes after device 1.
    log, r = dosed(tmp_path, "MRN-STEP")
    r.at(40)
    _stepped(r, -30)
    r.at(41)                                                   # logged: clock_stepped -30 min
    r.at(135)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="for the test").done
    session = r.id
    log.close()
    events = _events(tmp_path, session)
    assert [e.detail["step_s"] for e in events if e.kind == "clock_stepped"] == [-1800.0]
    (discharged,) = [e for e in events if e.kind == "discharged"]
    assert discharged.detail["minutes_from_t0"] == 125.0       # the engine's own count
    form = form_of(tmp_path, session)
    assert form.total_monitoring_minutes == 125.0
    assert "Total monitoring time (minutes): 125\n" in render_text(form)


def test_a_later_device_and_a_clock_set_forward_count_from_the_device(tmp_path):
    # Device 1 ticked at T0; device 2 later. The first device is the dose: the step of +60 min
    # 20 min after it, discharge 121 real minutes after it; a BP 40 real minutes after the
    # dose is the form's T+40 one (its wall time reads T+100).
    log, r = dosed(tmp_path, "MRN-FWD")
    r.at(30)
    _stepped(r, 60)
    r.at(31)                                                   # logged: clock_stepped +60 min
    r.at(50)
    r.manual(bp_systolic=128, bp_diastolic=82)
    r.at(131)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="for the test").done
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    assert form.total_monitoring_minutes == 121.0
    assert form.bp_t_plus_40 is not None and form.bp_t_plus_40.minutes_after_dose == 40.0

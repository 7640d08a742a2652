"""The REMS form's "n min before discharge" of the last BP across a wall-clock step (NTP) the
console logged: as the console's timers ran (review 45, `clock_steps.seconds_to_time`). A step
of an hour forward between the BP and the discharge made a reading 25 minutes old "85 min
before discharge"; a step back around it printed a negative age."""

from __future__ import annotations

from datetime import timedelta

from console.clock import Moment
from console.export.rems import render_text
from tests.export.test_rems import dosed, form_of


def _discharged_after_a_step(tmp_path, minutes: float):
    # Device 1 at T0 (10:10); the last BP at real T+90 (11:40); 10 min later the station's
    # clock is set `minutes`; discharged at real T+115.
    log, r = dosed(tmp_path, "MRN-DISCH")
    r.at(100)
    r.manual(bp_systolic=128, bp_diastolic=82)
    r.at(110)
    now = r.clock.now()
    r.clock._now = Moment(now.mono, now.wall + timedelta(minutes=minutes))
    r.at(111)                                                  # logged: clock_stepped
    r.at(125)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="for the test").done
    session = r.id
    log.close()
    return form_of(tmp_path, session)


def _discharge_line(form) -> str:
    (line,) = [x for x in render_text(form).splitlines()
               if x.startswith("Blood pressure before discharge:")]
    return line


def test_the_last_bp_before_discharge_is_as_old_as_the_console_counted(tmp_path):
    form = _discharged_after_a_step(tmp_path, 60)
    assert form.total_monitoring_minutes == 115.0
    assert form.bp_pre_discharge is not None and form.bp_pre_discharge.minutes_after_dose == 90.0
    assert _discharge_line(form).endswith(", T+90 min, 25 min before discharge"), \
        _discharge_line(form)                                  # not "85 min"


def test_a_bp_a_step_back_leaves_unplaced_has_no_age_at_discharge(tmp_path):
    # Set back 30 min at real 11:50 (it read 11:20): the BP's 11:40 was read twice.
    form = _discharged_after_a_step(tmp_path, -30)
    line = _discharge_line(form)
    assert form.bp_pre_discharge is not None, line            # the reading is still the last
    assert "128/82 mmHg at 11:40" in line, line
    assert "UNCERTAIN" in line and "before discharge" not in line.split(":", 1)[1], line

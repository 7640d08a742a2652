"""The REMS form's "blood pressure about 40 minutes after dose" is the BP that met the console's
"BP at T+40" check, by the engine's rule (the first from the check's time less its early
minutes, however late): "REMS form fields complete" waits for that check, and a BP first taken
at T+65 ticked it beside a form that said NOT RECORDED (its window was T+25..T+60; review 45).
"""

from __future__ import annotations

from datetime import UTC

from console.export.rems import render_text
from tests.export.test_rems import at, dosed, form_of


def _line(text: str) -> str:
    return next(line for line in text.splitlines() if "40 minutes after" in line)


def _to_discharge(r) -> bool:
    """Device 2, Observation, the pre-discharge BP, Discharge; whether the REMS form item
    ticks."""
    r.at(10 + 115)
    r.manual(bp_systolic=128, bp_diastolic=80, heart_rate=70)
    r.at(10 + 121)
    r.advance("test")                                        # Discharge
    return r.engine.tick_item("rems-form", r.nurse, r.clock.now()).done


def _observing(tmp_path, patient: str):
    log, r = dosed(tmp_path, patient)                        # T0 = device 1 at 10:10
    r.at(15)
    assert r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A").done
    r.at(20); r.advance()                                    # Observation
    return log, r


def test_a_late_t40_bp_that_ticked_the_form_complete_is_on_the_form_said_late(tmp_path):
    log, r = _observing(tmp_path, "MRN-T40")
    r.at(10 + 65)                                            # the T+40 BP overdue, taken at T+65
    r.manual(bp_systolic=130, bp_diastolic=82, heart_rate=72)
    assert r.engine.schedule.done("BP at T+40")
    ticked = _to_discharge(r)
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    assert ticked
    bp = form.bp_t_plus_40
    assert bp is not None and (bp.at, bp.systolic, bp.minutes_after_dose) == (
        at(11, 15), 130.0, 65.0)
    assert "bp_t_plus_40" not in form.missing
    assert _line(render_text(form, tz=UTC)) == (
        "Blood pressure about 40 minutes after dose: 130/82 mmHg at 11:15, T+65 min "
        "(later than about 40 min: the first BP taken for the console's T+40 check)")


def test_the_t40_bp_is_the_first_from_the_checks_time_not_the_nearest_to_40(tmp_path):
    log, r = _observing(tmp_path, "MRN-T39")
    r.at(10 + 30); r.manual(bp_systolic=140, bp_diastolic=88, heart_rate=75)   # too early
    r.at(10 + 39); r.manual(bp_systolic=136, bp_diastolic=86, heart_rate=74)   # met the check
    r.at(10 + 40); r.manual(bp_systolic=150, bp_diastolic=95, heart_rate=80)
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    bp = form.bp_t_plus_40
    assert bp is not None and (bp.systolic, bp.minutes_after_dose) == (136.0, 39.0)
    assert _line(render_text(form, tz=UTC)).endswith("at 10:49, T+39 min")


def test_no_bp_from_the_checks_time_is_not_recorded_and_the_form_item_refused(tmp_path):
    log, r = _observing(tmp_path, "MRN-T30")
    r.at(10 + 30); r.manual(bp_systolic=140, bp_diastolic=88, heart_rate=75)   # before T+38
    r.at(10 + 115)
    r.manual(heart_rate=70, spo2=98)
    assert not r.engine.schedule.done("BP at T+40")
    r.at(10 + 121)
    r.advance("test")
    ticked = r.engine.tick_item("rems-form", r.nurse, r.clock.now()).done
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    assert not ticked
    assert form.bp_t_plus_40 is None and "bp_t_plus_40" in form.missing
    assert _line(render_text(form, tz=UTC)).endswith(": NOT RECORDED")

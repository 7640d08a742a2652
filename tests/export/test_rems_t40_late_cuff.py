"""A cuff measured before the T+40 window and delivered late (a link outage) does not meet the
console's "BP at T+40" check, which the REMS draft's "about 40 minutes after dose" BP answers:
the check and the draft place a cuff at its measured time alike. Counted at its arrival, a cuff
of T+30 delivered at T+45 met the check, "REMS form fields complete" ticked, and the draft named
the BP of T+115 "the first BP taken for the console's T+40 check" while the console had never
asked for one after the cuff (an esketamine/REMS review)."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

from console.export.rems import render_text
from console.store import EventLog
from devices.reading import Reading
from protocols.vitals import metric
from tests.export.test_rems import at, form_of
from tests.export.test_rems_t40_bp_is_the_engines_check import _line, _observing, _to_discharge
from tests.review.scenarios import CHANNELS, MONITOR, Driver


def _cuff_measured_before(r: Driver, minutes_before: float, **values: float) -> None:
    """The monitor's NIBP measured `minutes_before` now, delivered now (the link was down)."""
    now = r.clock.now()
    measured = now.wall - timedelta(minutes=minutes_before)
    for name, value in values.items():
        r.engine.ingest(Reading(name, value, metric(name).unit, measured, now.wall, MONITOR,
                                CHANNELS[name]), now)


def _cuff_at_t45(tmp_path: Path, patient: str, measured_at_t: float) -> tuple[EventLog, Driver]:
    """Device 1 at 10:10 (the dose), device 2, Observation; the monitor's HR each few minutes
    (its clock reads right); at T+45 the cuff measured at T+`measured_at_t` arrives."""
    log, r = _observing(tmp_path, patient)
    for minute in (22, 30, 40):
        r.at(minute); r.device(heart_rate=72)
    r.at(55)                                            # T+45: the link is back
    r.device(heart_rate=74)
    _cuff_measured_before(r, 45 - measured_at_t, bp_systolic=150, bp_diastolic=92)
    return log, r


def test_a_cuff_of_t30_delivered_at_t45_leaves_the_t40_bp_asked_and_the_draft_agrees(
        tmp_path: Path) -> None:
    log, r = _cuff_at_t45(tmp_path, "MRN-7002", measured_at_t=30)
    assert not r.engine.schedule.done("BP at T+40")     # still asked: no BP of T+38 on
    ticked = _to_discharge(r)                           # the typed BP of T+115 meets it
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    assert ticked
    bp = form.bp_t_plus_40
    assert bp is not None and (bp.at, bp.systolic, bp.minutes_after_dose) == (
        at(12, 5), 128.0, 115.0)
    assert _line(render_text(form, tz=UTC)) == (
        "Blood pressure about 40 minutes after dose: 128/80 mmHg at 12:05, T+115 min "
        "(later than about 40 min: the first BP taken for the console's T+40 check)")


def test_a_cuff_of_t39_delivered_at_t45_is_the_t40_bp_of_the_check_and_the_draft(
        tmp_path: Path) -> None:
    log, r = _cuff_at_t45(tmp_path, "MRN-7003", measured_at_t=39)
    assert r.engine.schedule.done("BP at T+40")
    session = r.id
    log.close()
    form = form_of(tmp_path, session)
    bp = form.bp_t_plus_40
    assert bp is not None and (bp.systolic, bp.minutes_after_dose) == (150.0, 39.0)
    assert _line(render_text(form, tz=UTC)).endswith("at 10:49, T+39 min")

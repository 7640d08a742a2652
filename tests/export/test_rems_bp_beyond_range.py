"""A blood pressure beyond the monitor's range reads on the REMS draft as the limit it is.

A cuff's systolic above the monitor's scale comes as SN `>^250` and is kept as 250 flagged `>`
(devices/hl7/decoder.py). The review's table, the course, the PDF and FHIR say ">250"; the REMS
draft, which goes to the regulator, printed "250/120 mmHg", a measured 250, and its JSON had no
flag."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from console.export.rems import RemsForm, render_text, write_rems
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from devices.reading import Reading
from protocols.vitals import metric
from tests.export.test_rems import at
from tests.review.scenarios import CHANNELS, MONITOR, Driver


def _monitor_bp(r: Driver, systolic: tuple[float, str], diastolic: tuple[float, str]) -> None:
    """One cuff measurement from the monitor, each value with its flag ('>' beyond the top of
    the monitor's range, '<' below it, '' measured)."""
    now = r.clock.now()
    for name, (value, flag) in (("bp_systolic", systolic), ("bp_diastolic", diastolic)):
        r.engine.ingest(Reading(name, value, metric(name).unit, now.wall, now.wall, MONITOR,
                                CHANNELS[name], frozenset({flag} - {""})), now)


Value = tuple[float, str]   # a value and its flag


def _session(tmp_path, *after_dose: tuple[float, Value, Value]) -> tuple[RemsForm, dict]:
    """The monitor's cuff below its diastolic scale at 10:08 (132/<30), device 1 at 10:10,
    then its pressures `after_dose` (minute of the session, systolic, diastolic); the draft
    as text and as JSON."""
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "esketamine", "MRN-7101", 64.0, "nurse.ben", at(10, 0), 1, chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(8)
    _monitor_bp(r, (132, ""), (30, "<"))
    r.at(10)
    r.advance()
    r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A")
    r.at(15)
    r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A")
    r.at(20)
    r.advance()
    for minute, systolic, diastolic in after_dose:
        r.at(minute)
        _monitor_bp(r, systolic, diastolic)
        r.ack_all()
    session = r.id
    log.close()
    conn = open_readonly(tmp_path / "s.sqlite3")
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    form = write_rems(detail, tmp_path / "rems.txt", tz=UTC)
    write_rems(detail, tmp_path / "rems.json", tz=UTC)
    return form, json.loads((tmp_path / "rems.json").read_text(encoding="utf-8"))


def _above_the_scale_at_t40(tmp_path) -> tuple[RemsForm, dict]:
    # Above the monitor's systolic scale at T+40 (10:50).
    return _session(tmp_path, (50, (250, ">"), (120, "")))


def _line(form: RemsForm, start: str) -> str:
    return next(x for x in render_text(form, tz=UTC).splitlines() if x.startswith(start))


def test_a_bp_above_the_monitors_range_reads_as_the_limit_on_the_draft(tmp_path):
    form, _ = _above_the_scale_at_t40(tmp_path)
    assert _line(form, "Blood pressure about 40 minutes after dose:") == (
        "Blood pressure about 40 minutes after dose: >250/120 mmHg at 10:50, T+40 min")
    assert _line(form, "Blood pressure before discharge:").startswith(
        "Blood pressure before discharge: >250/120 mmHg at 10:50")


def test_a_bp_below_the_monitors_range_before_the_dose_reads_as_the_limit(tmp_path):
    form, _ = _above_the_scale_at_t40(tmp_path)
    assert _line(form, "Blood pressure before dose:") == (
        "Blood pressure before dose: 132/<30 mmHg at 10:08, T-2 min")
    assert _line(form, "Blood pressures before dose, each against the threshold:").endswith(
        "; 132/<30 mmHg at 10:08 (below)")
    assert "the last before the dose, 132/<30 mmHg at 10:08, was below the threshold" in (
        _line(form, "Prescriber's decision on the blood pressure before dose:"))


def test_the_highest_bp_after_the_dose_reads_as_the_limit(tmp_path):
    # No BP alarm: the highest pressure after the dose is named beside the "No", compared by
    # its number (118/30 above 118/28 and 112/64).
    form, _ = _session(tmp_path, (40, (112, ""), (64, "")), (50, (118, ""), (30, "<")),
                       (60, (118, ""), (28, "")))
    line = _line(form, "  Increased blood pressure (BP high alarm):")
    assert line == ("  Increased blood pressure (BP high alarm): No - no BP alarm; highest after "
                    "the dose 118/<30 mmHg at 10:50"), line


def test_at_an_equal_number_a_limit_below_the_scale_is_not_the_highest(tmp_path):
    # "<30" is less than a measured 30 (a ">250" more than a measured 250).
    form, _ = _session(tmp_path, (50, (118, ""), (30, "<")), (60, (118, ""), (30, "")))
    line = _line(form, "  Increased blood pressure (BP high alarm):")
    assert line.endswith("highest after the dose 118/30 mmHg at 11:00"), line


def test_the_json_says_which_value_was_beyond_the_monitors_range(tmp_path):
    # The mark beside the number, only where the monitor's value was beyond its range (as
    # FHIR's comparator): a measured value reads as before.
    _, data = _above_the_scale_at_t40(tmp_path)
    t40 = data["bp_t_plus_40"]
    assert (t40["systolic"], t40["systolic_beyond"], t40["diastolic"]) == (250, ">", 120)
    assert "diastolic_beyond" not in t40
    before = data["bp_before_dose"]
    assert (before["systolic"], before["diastolic"], before["diastolic_beyond"]) == (132, 30, "<")
    assert "systolic_beyond" not in before
    assert data["pre_dose_bp"]["readings"][-1]["diastolic_beyond"] == "<"

"""The FHIR Encounter of a session during which the station's clock was set back (NTP correcting
a clock an hour fast): its period had ended 40 minutes before it started (start 10:00, end
09:20), which FHIR R4 forbids (invariant per-1: start not after end): a validating EHR refuses
the whole Bundle, another files a session of minus 40 minutes. The period ends at the logged end
and lasts what the console's timers counted; the Encounter says why, where a reader sees it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

fhir_resources = pytest.importorskip("fhir.resources")
from fhir.resources.bundle import Bundle  # noqa: E402

from console.clock import Moment  # noqa: E402
from console.export.fhir import build_bundle  # noqa: E402
from console.review.queries import load_session, open_readonly  # noqa: E402
from console.store import EventLog  # noqa: E402
from tests.review.scenarios import Driver  # noqa: E402

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _encounter_and_bundle(path, step_minutes: float, length: float = 20) -> tuple[dict, dict]:
    """A session of `length` minutes whose station clock is set `step_minutes` at 10:12, with
    a BP at 10:13 real time."""
    with EventLog.open(path, "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-STEP", 72.0, "nurse.ana", START, 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
        r.at(12)
        now = r.clock.now()
        r.clock._now = Moment(now.mono, now.wall + timedelta(minutes=step_minutes))
        r.at(13)                                     # logged: clock_stepped
        r.manual(bp_systolic=130, bp_diastolic=80)
        r.at(length)
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="for the test").done
        session = r.id
    conn = open_readonly(path)
    try:
        bundle = build_bundle(load_session(conn, session, with_observations=True))
    finally:
        conn.close()
    (encounter,) = [e["resource"] for e in bundle["entry"]
                    if e["resource"]["resourceType"] == "Encounter"]
    return encounter, bundle


def _period(encounter: dict) -> tuple[datetime, datetime]:
    period = encounter["period"]
    return datetime.fromisoformat(period["start"]), datetime.fromisoformat(period["end"])


def test_the_period_does_not_end_before_it_starts_across_a_clock_set_back(tmp_path):
    encounter, bundle = _encounter_and_bundle(tmp_path / "log.sqlite3", -60)
    start, end = _period(encounter)
    assert start <= end, encounter["period"]
    # Ends at the logged end (on the clock as set right), 20 minutes after its start as the
    # console's timers counted them.
    assert end == datetime(2026, 3, 2, 9, 20, tzinfo=UTC)
    assert end - start == timedelta(minutes=20)
    assert encounter["length"] == {"value": 20, "unit": "min",
                                   "system": "http://unitsofmeasure.org", "code": "min"}
    # Said where a reader of the Encounter sees it: its narrative.
    assert encounter["text"]["status"] == "additional"
    said = encounter["text"]["div"]
    assert "clock was set back" in said and "2026-03-02T10:00:00" in said, said
    Bundle.parse_obj(bundle)


def test_no_reading_is_dated_before_the_encounter_across_a_clock_set_back(tmp_path):
    encounter, bundle = _encounter_and_bundle(tmp_path / "log.sqlite3", -60)
    start, _ = _period(encounter)
    dated = [datetime.fromisoformat(e["resource"]["effectiveDateTime"]) for e in bundle["entry"]
             if e["resource"]["resourceType"] == "Observation"]
    assert dated and min(dated) >= start


def test_a_session_without_a_clock_step_keeps_its_logged_period(tmp_path):
    encounter, _ = _encounter_and_bundle(tmp_path / "log.sqlite3", 0)
    assert _period(encounter) == (START, START + timedelta(minutes=20))
    assert "length" not in encounter and "text" not in encounter


def test_a_clock_set_forward_keeps_the_logged_period_and_gives_the_length(tmp_path):
    # 10:00 to 11:20 as logged: a valid period, but not a session of 80 minutes.
    encounter, bundle = _encounter_and_bundle(tmp_path / "log.sqlite3", 60)
    assert _period(encounter) == (START, START + timedelta(minutes=80))
    assert encounter["length"]["value"] == 20
    assert "clock was set forward" in encounter["text"]["div"]
    Bundle.parse_obj(bundle)


def test_a_smaller_set_back_starts_the_period_on_the_clock_as_set_right(tmp_path):
    # 40 minutes, set back 30 min at 10:12: logged 10:00 to 10:10, a valid period, but the BP
    # after the step is logged 09:43, before its start. The period is the session's 40 min
    # ending at 10:10.
    encounter, bundle = _encounter_and_bundle(tmp_path / "log.sqlite3", -30, length=40)
    start, end = _period(encounter)
    assert (start, end) == (START - timedelta(minutes=30), START + timedelta(minutes=10))
    assert encounter["length"]["value"] == 40
    dated = [datetime.fromisoformat(e["resource"]["effectiveDateTime"]) for e in bundle["entry"]
             if e["resource"]["resourceType"] == "Observation"]
    assert START - timedelta(minutes=17) in dated and min(dated) >= start
    assert "clock was set back" in encounter["text"]["div"]
    Bundle.parse_obj(bundle)

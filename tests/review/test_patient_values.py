"""What counts as the patient's values in the review, the report, the course and FHIR: never an
NIBP of unknown age (perhaps the previous patient's) nor a monitor's TEST value, as the live
trend and the alarms already leave them out. The audit of the data path found a TEST 230/130
and an undated 210/120 printed in a report's "Vitals at each check" and in the course's peak."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from console.clock import ManualClock
from console.export.fhir import build_bundle
from console.review import content as rc
from console.review.queries import load_course, load_session, open_readonly
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from devices.reading import AGE_UNKNOWN, Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.vitals import metric

MONITOR = "hl7:ACME^0001^EUI-64"


def reading(name: str, value: float, clock: ManualClock, *, dated: bool = True,
            flags: frozenset[str] = frozenset()) -> Reading:
    now = clock.now()
    return Reading(name, value, metric(name).unit, now.wall if dated else None, now.wall,
                   MONITOR, "", flags)


def test_an_undated_nibp_and_test_values_are_not_the_patients(tmp_path):
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = SessionEngine.open(protocol, log, Patient("MRN-4711", 72.0), "ana", clock.now())
    undated = frozenset({AGE_UNKNOWN})
    engine.ingest_message([reading("bp_systolic", 210, clock, dated=False, flags=undated),
                           reading("bp_diastolic", 120, clock, dated=False, flags=undated)],
                          clock.now())
    clock.advance(60)
    engine.ingest_message([reading("spo2", 70, clock, flags=frozenset({"TEST"})),
                           reading("bp_systolic", 230, clock, flags=frozenset({"TEST"})),
                           reading("bp_diastolic", 130, clock, flags=frozenset({"TEST"}))],
                          clock.now())
    engine.ingest_message([reading("spo2", 98, clock), reading("heart_rate", 72, clock)],
                          clock.now())
    clock.advance(60)
    engine.ingest_message([reading("bp_systolic", 128, clock), reading("bp_diastolic", 80, clock)],
                          clock.now())
    session = engine.session_id
    log.close()

    conn = open_readonly(tmp_path / "log.sqlite3")
    detail = load_session(conn, session, with_observations=True)
    assert list(detail.vitals["bp_systolic"].values) == [128]
    assert list(detail.vitals["spo2"].values) == [98]
    table = " ".join(" ".join(row) for row in rc.vital_rows(detail, UTC, protocol))
    assert "210/120" not in table and "230/130" not in table and " 70 " not in f" {table} "
    (course,) = load_course(conn, "MRN-4711")
    assert (course.peak_systolic, course.min_spo2) == (128, 98)
    fhir = [json.dumps(entry["resource"]) for entry in build_bundle(detail)["entry"]
            if entry["resource"]["resourceType"] == "Observation"]
    assert len(fhir) == 3   # SpO2 98, HR 72, BP 128/80 (one resource), and nothing else
    assert not any(f'"value": {v}.0' in text for v in (70, 210, 120, 230, 130) for text in fhir)
    # The rows list keeps every row, with its flags: nothing in the log is hidden from it.
    assert len(detail.observations) == 9

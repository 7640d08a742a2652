"""The monitor's first message carries its last cuff, measured 3 h before the session opened (the
previous patient's). The review's vitals table, the course and the REMS draft leave it out
(`queries.before_the_session`: none of this session's values). The FHIR Bundle had filed it as
this patient's blood pressure, 3 h before the Encounter began: an EHR charted the previous
patient's 196/104 in this patient's record (a review of the exports).

The observations CSV is the log's complete record and keeps the row, marked `before_session` = 1
as it marks a value that no longer counts (`corrected`)."""
from __future__ import annotations

import csv
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from console.export.csv_export import OBSERVATION_COLUMNS, observation_rows, write_session_csv
from console.export.fhir import build_bundle
from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import START
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401

fhir_resources = pytest.importorskip("fhir.resources")
from fhir.resources.bundle import Bundle  # noqa: E402

OLD_CUFF = START - timedelta(hours=3)


def _detail(log: EventLog) -> SessionDetail:  # noqa: F811
    """A session whose monitor's first message carries a cuff of 196/104 measured 3 h before the
    session opened; the nurse types 118/76 two minutes later."""
    s = LoggedSession(log)
    s.engine.device_state_changed("connected", s.now())
    s.t(5)   # the monitor's first message: HR now, its last cuff of 3 h ago
    s.device("heart_rate", 72)
    s.device("bp_systolic", 196, measured_at=OLD_CUFF)
    s.device("bp_diastolic", 104, measured_at=OLD_CUFF)
    s.t(60); s.device("heart_rate", 73)
    s.t(120)   # this patient's BP, typed
    s.manual("bp_systolic", 118, confirmed=True); s.manual("bp_diastolic", 76, confirmed=True)
    s.t(180); s.device("heart_rate", 74)
    session = s.engine.session_id
    log.close()
    conn = open_readonly(log.path)
    try:
        return load_session(conn, session, with_observations=True)
    finally:
        conn.close()


def _pressures(bundle: dict) -> list[tuple[str, list[float]]]:
    """(effectiveDateTime, values) of each blood pressure Observation: panels and lone parts."""
    codes = {"85354-9", "8480-6", "8462-4", "8478-0"}
    out = []
    for entry in bundle["entry"]:
        r = entry["resource"]
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] in codes:
            values = [c["valueQuantity"]["value"] for c in r.get("component", [])]
            if "valueQuantity" in r:
                values.append(r["valueQuantity"]["value"])
            out.append((r["effectiveDateTime"], values))
    return out


def test_the_previous_patients_cuff_is_not_filed_as_this_patients_blood_pressure(
        log: EventLog) -> None:  # noqa: F811
    detail = _detail(log)
    # The review leaves it out: not this session's value.
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    assert not any("196" in r[2] for r in rc.vital_rows(detail, UTC, protocol))
    bundle = build_bundle(detail)
    Bundle.parse_obj(bundle)
    encounter = next(e["resource"] for e in bundle["entry"]
                     if e["resource"]["resourceType"] == "Encounter")
    pressures = _pressures(bundle)
    filed = [p for p in pressures if {196, 104} & set(p[1])]
    assert not filed, (f"the previous patient's cuff filed as this patient's BP: {filed}; "
                       f"the Encounter starts {encounter['period']['start']}")
    # This patient's typed BP and the monitor's heart rates are filed as before.
    assert [values for _, values in pressures] == [[118, 76]]
    rates = [e["resource"]["valueQuantity"]["value"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "Observation"
             and e["resource"]["code"]["coding"][0]["code"] == "8867-4"]
    assert rates == [72, 73, 74]


def test_the_observations_csv_keeps_the_previous_patients_cuff_marked_before_the_session(
        log: EventLog, tmp_path: Path) -> None:  # noqa: F811
    detail = _detail(log)
    column = OBSERVATION_COLUMNS.index("before_session")
    marked = {(row[5], row[7]): row[column] for row in observation_rows(detail)}
    assert marked[("bp_systolic", "196")] == "1"
    assert marked[("bp_diastolic", "104")] == "1"
    assert marked[("bp_systolic", "118")] == "0"
    assert marked[("heart_rate", "72")] == "0"
    # As a spreadsheet reads the file: the column named in its header.
    path = write_session_csv(detail, tmp_path / "out")["observations"]
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["value"], r["before_session"]) for r in rows if r["metric"] == "bp_systolic"] == [
        ("196", "1"), ("118", "0")]


def test_the_previous_patients_cuff_corrected_at_the_chair_is_still_none_of_this_patients(
        log: EventLog) -> None:  # noqa: F811
    # The nurse, seeing 196 on the stale tile, corrects the monitor's systolic: the correction
    # stands for that measurement (`effectiveDateTime` its time, 3 h before the Encounter), so
    # it goes with it; it had been filed as this patient's BP, corrected, at 06:00.
    s = LoggedSession(log)
    s.engine.device_state_changed("connected", s.now())
    s.t(5)
    s.device("heart_rate", 72)
    row = s.device("bp_systolic", 196, measured_at=OLD_CUFF)
    s.device("bp_diastolic", 104, measured_at=OLD_CUFF)
    assert row is not None
    s.t(30)
    verdict = s.engine.correct(row, "bp_systolic", 150, "nurse.ana", s.now(),
                               "the previous patient's reading")
    assert type(verdict).__name__ == "Accepted", verdict
    session = s.engine.session_id
    log.close()
    conn = open_readonly(log.path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    bundle = build_bundle(detail)
    Bundle.parse_obj(bundle)
    assert _pressures(bundle) == []
    # The CSV keeps all three rows, each marked.
    column = OBSERVATION_COLUMNS.index("before_session")
    assert sorted((row[5], row[7], row[column]) for row in observation_rows(detail)
                  if row[5].startswith("bp_")) == [
        ("bp_diastolic", "104", "1"), ("bp_systolic", "150", "1"), ("bp_systolic", "196", "1")]

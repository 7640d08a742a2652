"""A demo session's CSV and FHIR files say the values are simulated, de-identified too. The PDF
prints "DEMO SESSION: simulated data"; a de-identified CSV or FHIR file of a demo session made
the patient "DEMO-0001" a pseudonym and nothing else said it, so it read as a real patient's
session. The FHIR Bundle and its Patient carry the HL7 security label HTEST (test health data);
every CSV row has `demo` = 1."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

fhir_resources = pytest.importorskip("fhir.resources")
from fhir.resources.bundle import Bundle  # noqa: E402

from console.export.csv_export import write_session_csv  # noqa: E402
from console.export.deidentify import deidentify  # noqa: E402
from console.export.fhir import build_bundle  # noqa: E402
from console.review.queries import load_session, open_readonly  # noqa: E402
from console.store import EventLog  # noqa: E402
from tests.review.scenarios import _quiet  # noqa: E402

HTEST = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST",
         "display": "test health data"}


def _session(tmp_path, demo: bool):
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC)) as log:
        patient = "DEMO-0001" if demo else "MRN-4711"
        session = _quiet(log, patient, datetime(2026, 3, 7, 11, 0, tzinfo=UTC), 1, demo=demo)
    conn = open_readonly(path)
    try:
        return load_session(conn, session, with_observations=True)
    finally:
        conn.close()


def _labels(resource: dict) -> list[dict]:
    return resource.get("meta", {}).get("security", [])


def _patient(bundle: dict) -> dict:
    (patient,) = [e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Patient"]
    return patient


def test_a_deidentified_bundle_of_a_demo_session_is_labelled_test_data(tmp_path):
    bundle = build_bundle(deidentify(_session(tmp_path, demo=True)), pseudonymised=True)
    assert HTEST in _labels(bundle) and HTEST in _labels(_patient(bundle))
    assert "PSEUDED" in {c["code"] for c in _labels(bundle)}          # still pseudonymised
    Bundle.parse_obj(bundle)


def test_an_identified_bundle_of_a_demo_session_is_labelled_test_data(tmp_path):
    bundle = build_bundle(_session(tmp_path, demo=True))
    assert _labels(bundle) == [HTEST] and _labels(_patient(bundle)) == [HTEST]
    Bundle.parse_obj(bundle)


def test_a_patients_bundle_has_no_test_data_label(tmp_path):
    bundle = build_bundle(_session(tmp_path, demo=False))
    assert "meta" not in bundle and "meta" not in _patient(bundle)


def _rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.mark.parametrize("demo", [True, False])
def test_every_csv_row_says_whether_the_session_is_a_demo(tmp_path, demo):
    detail = deidentify(_session(tmp_path, demo=demo))
    paths = write_session_csv(detail, tmp_path / "out")
    for name in ("observations", "events"):
        rows = _rows(paths[name])
        assert rows and {row["demo"] for row in rows} == {"1" if demo else "0"}, name
        assert not rows[0]["patient_id"].startswith("DEMO")           # the pseudonym

"""FHIR R4 export: validated with fhir.resources (R4 4.0.1 models) and its codes checked."""

from __future__ import annotations

import json
import sqlite3

import pytest

fhir_resources = pytest.importorskip("fhir.resources")
from fhir.resources.bundle import Bundle  # noqa: E402

from console.export.fhir import build_bundle, write_session_fhir  # noqa: E402
from console.review.queries import load_session, open_readonly  # noqa: E402

LOINC = "http://loinc.org"
MDC = "urn:iso:std:iso:11073:10101"
UCUM = "http://unitsofmeasure.org"


def test_validator_is_fhir_r4():
    assert fhir_resources.__fhir_version__ == "4.0.1"


@pytest.fixture
def detail(scenario_log):
    conn = open_readonly(scenario_log.path)
    yield lambda label: load_session(conn, scenario_log.facts.ids[label], with_observations=True)
    conn.close()


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codes(concept, system):
    return [c["code"] for c in concept["coding"] if c["system"] == system]


def test_bundle_validates_as_fhir_r4_and_round_trips_through_the_file(detail, tmp_path):
    surge = detail("surge")
    path = tmp_path / "surge.json"
    count = write_session_fhir(surge, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    parsed = Bundle.parse_obj(data)
    assert parsed.type == "collection" and len(parsed.entry) == count == len(data["entry"])
    assert len({e["fullUrl"] for e in data["entry"]}) == count         # unique ids
    assert build_bundle(surge) == data                                  # same session, same ids


def test_patient_and_encounter_describe_the_session(detail):
    bundle = build_bundle(detail("surge"))
    [patient] = resources(bundle, "Patient")
    assert patient["identifier"][0]["value"] == "MRN-4711"
    [encounter] = resources(bundle, "Encounter")
    assert encounter["status"] == "finished"
    assert encounter["period"] == {"start": "2026-03-02T09:00:00.000+00:00",
                                   "end": "2026-03-02T10:20:00.000+00:00"}
    assert encounter["class"]["code"] == "AMB"
    urls = {e["resource"]["resourceType"]: e["fullUrl"] for e in bundle["entry"]}
    assert encounter["subject"]["reference"] == urls["Patient"]
    for obs in resources(bundle, "Observation"):
        assert obs["subject"]["reference"] == urls["Patient"]
        assert obs["encounter"]["reference"] == urls["Encounter"]
    running = build_bundle(detail("open"))
    assert resources(running, "Encounter")[0]["status"] == "in-progress"
    assert "end" not in resources(running, "Encounter")[0]["period"]


def test_one_observation_per_reading_with_bp_as_a_panel(detail, scenario_log):
    surge = detail("surge")
    bundle = build_bundle(surge)
    observations = resources(bundle, "Observation")
    stored = sqlite3.connect(scenario_log.path).execute(
        "SELECT metric, count(*) FROM observations WHERE session_id = ? GROUP BY metric",
        [surge.summary.id]).fetchall()
    counts = dict(stored)
    panels = [o for o in observations if codes(o["code"], LOINC) == ["85354-9"]]
    # Every diastolic joined its systolic; the mistyped 250 and its correction stand alone.
    assert len(panels) == counts["bp_systolic"] == counts["bp_diastolic"] + 2
    assert len(observations) == sum(counts.values()) - counts["bp_diastolic"]
    assert sorted(len(p["component"]) for p in panels) == [1, 1] + [2] * 8
    surge_panel = next(p for p in panels if p["effectiveDateTime"].startswith("2026-03-02T09:35"))
    assert [(codes(c["code"], LOINC), c["valueQuantity"]["value"], c["valueQuantity"]["code"])
            for c in surge_panel["component"]] == [(["8480-6"], 182.0, "mm[Hg]"),
                                                    (["8462-4"], 104.0, "mm[Hg]")]
    assert surge_panel["category"][0]["coding"][0]["code"] == "vital-signs"
    assert surge_panel["performer"] == [{"display": "nurse.ana"}]
    assert "device" not in surge_panel and not codes(surge_panel["code"], MDC)


def test_device_readings_carry_mdc_codes_and_their_device(detail):
    bundle = build_bundle(detail("esketamine"))
    [device] = resources(bundle, "Device")
    assert device["identifier"][0]["value"] == "hl7:AcmeInc^ACDE48234567ABCD^EUI-64"
    device_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is device)
    observations = resources(bundle, "Observation")
    dip = [o for o in observations if "59408-5" in codes(o["code"], LOINC)
           and o["valueQuantity"]["value"] == 92.0]
    assert len(dip) == 1
    [spo2] = dip
    assert codes(spo2["code"], LOINC) == ["59408-5", "2708-6"]
    assert codes(spo2["code"], MDC) == ["150456"]
    assert spo2["valueQuantity"] == {"value": 92.0, "unit": "%", "system": UCUM, "code": "%"}
    assert spo2["effectiveDateTime"] == "2026-03-06T11:00:00.000+00:00"
    assert spo2["device"] == {"reference": device_url}
    expected = {"8867-4": ("147842", "/min"), "9279-1": ("151562", "/min")}
    for loinc, (mdc, unit) in expected.items():
        from_device = [o for o in observations if codes(o["code"], LOINC) == [loinc] and "device" in o]
        assert from_device and all(codes(o["code"], MDC) == [mdc] for o in from_device)
        assert all(o["valueQuantity"]["code"] == unit for o in from_device)
    manual_hr = [o for o in observations if codes(o["code"], LOINC) == ["8867-4"] and "device" not in o]
    assert manual_hr and all(not codes(o["code"], MDC) for o in manual_hr)


def test_scales_are_survey_observations_with_a_local_code(detail):
    bundle = build_bundle(detail("esketamine"))
    moaas = [o for o in resources(bundle, "Observation")
             if codes(o["code"], "urn:infusion-console:metric") == ["moaas"]]
    assert [o["valueQuantity"]["value"] for o in moaas] == [5.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0]
    assert all(o["category"][0]["coding"][0]["code"] == "survey" for o in moaas)


def test_a_corrected_value_is_entered_in_error_and_its_correction_corrected(detail, scenario_log):
    bundle = build_bundle(detail("surge"))
    statuses = {}
    for o in resources(bundle, "Observation"):
        if "component" in o:
            statuses.setdefault(o["status"], []).append(o["component"][0]["valueQuantity"]["value"])
    assert statuses["entered-in-error"] == [250.0]
    assert statuses["corrected"] == [150.0]
    Bundle.parse_obj(bundle)

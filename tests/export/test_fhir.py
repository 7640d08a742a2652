"""FHIR R4 export: validated with fhir.resources (R4 4.0.1 models) and its codes checked."""

from __future__ import annotations

import json
import sqlite3

import pytest

fhir_resources = pytest.importorskip("fhir.resources")
from fhir.resources.bundle import Bundle  # noqa: E402

from console.export.fhir import build_bundle, write_session_fhir  # noqa: E402
from console.review.queries import load_session, open_readonly  # noqa: E402
from tests.review.logged_session import logged_session  # noqa: E402

LOINC = "http://loinc.org"
MDC = "urn:iso:std:iso:11073:10101"
UCUM = "http://unitsofmeasure.org"
# FHIR R4's blood pressure profile (http://hl7.org/fhir/StructureDefinition/bp), which the HL7
# validator applies to every 85354-9: component 2..*, SystolicBP 1..1, DiastolicBP 1..1 (open
# slicing, so a mean may come along). A one-component "panel" fails it: "Observation.component:
# minimum required = 2, but only found 1 (from http://hl7.org/fhir/StructureDefinition/bp|4.0.1)".
SYSTOLIC, DIASTOLIC, MEAN, PANEL = "8480-6", "8462-4", "8478-0", "85354-9"
MMHG = {"unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}


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
    panels = [o for o in observations if codes(o["code"], LOINC) == [PANEL]]
    # Every diastolic joined its systolic; the 250 typed alone and its correction stand alone,
    # each a systolic blood pressure (8480-6) of its own, not a one-component panel.
    assert len(panels) == counts["bp_diastolic"] == counts["bp_systolic"] - 2
    assert len(observations) == sum(counts.values()) - counts["bp_diastolic"]
    assert [sorted(codes(c["code"], LOINC)[0] for c in p["component"]) for p in panels] == (
        [[DIASTOLIC, SYSTOLIC]] * 8)
    lone = [o for o in observations if codes(o["code"], LOINC) == [SYSTOLIC]]
    assert [(o["status"], o["valueQuantity"]) for o in lone] == [
        ("entered-in-error", {"value": 250.0, **MMHG}), ("corrected", {"value": 150.0, **MMHG})]
    assert all("component" not in o and o["category"][0]["coding"][0]["code"] == "vital-signs"
               for o in lone)
    surge_panel = next(p for p in panels if p["effectiveDateTime"].startswith("2026-03-02T09:35"))
    assert [(codes(c["code"], LOINC), c["valueQuantity"]["value"], c["valueQuantity"]["code"])
            for c in surge_panel["component"]] == [([SYSTOLIC], 182.0, "mm[Hg]"),
                                                    ([DIASTOLIC], 104.0, "mm[Hg]")]
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
        if codes(o["code"], LOINC) == [SYSTOLIC]:
            statuses.setdefault(o["status"], []).append(o["valueQuantity"]["value"])
    assert statuses == {"entered-in-error": [250.0], "corrected": [150.0]}
    Bundle.parse_obj(bundle)


# Blood pressures as the engine logs them (tests/review/logged_session.py): 09:00 onwards.

def blood_pressures(bundle):
    """Each BP Observation as (status, {LOINC code: value}): a panel's components, or the one
    value of a lone systolic, diastolic or mean."""
    out = []
    for o in resources(bundle, "Observation"):
        [code] = codes(o["code"], LOINC)
        if code == PANEL:
            out.append((o["status"], {codes(c["code"], LOINC)[0]: c["valueQuantity"]["value"]
                                      for c in o["component"]}))
        elif code in (SYSTOLIC, DIASTOLIC, MEAN):
            out.append((o["status"], {code: o["valueQuantity"]["value"]}))
    return out


def assert_bp_profile(bundle):
    """Every 85354-9 has one systolic and one diastolic component (R4 bp profile); the Bundle
    is valid R4."""
    for o in resources(bundle, "Observation"):
        if PANEL in codes(o["code"], LOINC):
            parts = [codes(c["code"], LOINC)[0] for c in o["component"]]
            assert parts.count(SYSTOLIC) == parts.count(DIASTOLIC) == 1, (o["status"], parts)
            assert "valueQuantity" not in o
    Bundle.parse_obj(bundle)


def typo_corrected(tmp_path):
    """250/88 typed at 09:00 (its unusual pulse pressure confirmed, as the form asks), the
    systolic corrected to 150 at 09:05."""
    s = logged_session(tmp_path)
    now = s.clock.now()
    _, typo = s.engine.enter_manual_row("bp_systolic", 250, "ana", now, confirmed=True)
    assert typo is not None
    s.engine.enter_manual("bp_diastolic", 88, "ana", now)
    later = s.clock.advance(300)
    assert s.engine.correct(typo, "bp_systolic", 150, "ana", later, reason="cuff read 150")
    return s


def test_every_bp_panel_has_its_systolic_and_diastolic_components(detail, tmp_path):
    for bundle in (build_bundle(typo_corrected(tmp_path).detail(with_observations=True)),
                   *(build_bundle(detail(label)) for label in ("surge", "esketamine", "open"))):
        assert_bp_profile(bundle)


def test_the_corrected_measurement_reaches_the_ehr_as_one_blood_pressure(tmp_path):
    bundle = build_bundle(typo_corrected(tmp_path).detail(with_observations=True))
    # The 250/88 taken back whole, the 150/88 in its place; no lone 88 or 150.
    assert blood_pressures(bundle) == [
        ("entered-in-error", {SYSTOLIC: 250.0, DIASTOLIC: 88.0}),
        ("corrected", {SYSTOLIC: 150.0, DIASTOLIC: 88.0})]
    wrong, right = (o for o in resources(bundle, "Observation")
                    if codes(o["code"], LOINC) == [PANEL])
    # Both at the measurement's time; the correction issued when it was made.
    assert wrong["effectiveDateTime"] == right["effectiveDateTime"] == (
        "2026-03-02T09:00:00.000+00:00")
    assert (wrong["issued"], right["issued"]) == ("2026-03-02T09:00:00.000+00:00",
                                                  "2026-03-02T09:05:00.000+00:00")
    # The nurse confirmed the 250/88 as measured (review 39: logged unconfirmed, the EHR never
    # saw it was doubted and checked).
    assert wrong["note"] == [{"text": "implausible value confirmed by the nurse; Systolic BP "
                                      "corrected to 150: cuff read 150"}]
    assert right["note"] == [{"text": "Systolic BP corrected from 250 to 150: cuff read 150"}]
    assert right["performer"] == [{"display": "ana"}]


def test_both_halves_corrected_one_after_the_other(tmp_path):
    s = typo_corrected(tmp_path)
    diastolic = s.log.conn.execute(
        "SELECT id FROM observations WHERE metric = 'bp_diastolic'").fetchone()[0]
    assert s.engine.correct(diastolic, "bp_diastolic", 80, "ana", s.clock.advance(60),
                            reason="cuff read 80")
    bundle = build_bundle(s.detail(with_observations=True))
    # As the measurement stood after each correction; only the last one stands.
    assert blood_pressures(bundle) == [
        ("entered-in-error", {SYSTOLIC: 250.0, DIASTOLIC: 88.0}),
        ("entered-in-error", {SYSTOLIC: 150.0, DIASTOLIC: 88.0}),
        ("corrected", {SYSTOLIC: 150.0, DIASTOLIC: 80.0})]
    assert_bp_profile(bundle)


def test_a_half_taken_back_leaves_the_other_half_on_its_own(tmp_path):
    s = logged_session(tmp_path)
    now = s.clock.now()
    _, typo = s.engine.enter_manual_row("bp_systolic", 250, "ana", now, confirmed=True)
    assert typo is not None
    s.engine.enter_manual("bp_diastolic", 88, "ana", now)
    assert s.engine.void(typo, "bp_systolic", "ana", s.clock.advance(60), "wrong patient").done
    bundle = build_bundle(s.detail(with_observations=True))
    assert blood_pressures(bundle) == [
        ("entered-in-error", {SYSTOLIC: 250.0, DIASTOLIC: 88.0}), ("final", {DIASTOLIC: 88.0})]
    assert_bp_profile(bundle)


def test_a_lone_systolic_or_mean_is_its_own_vital_sign(tmp_path):
    s = logged_session(tmp_path)
    s.engine.enter_manual("bp_systolic", 130, "ana", s.clock.now())
    s.engine.enter_manual("bp_mean", 95, "ana", s.clock.advance(60))
    now = s.clock.advance(60)
    for metric, value in (("bp_systolic", 128), ("bp_diastolic", 82), ("bp_mean", 97)):
        s.engine.enter_manual(metric, value, "ana", now)
    bundle = build_bundle(s.detail(with_observations=True))
    # A mean taken with the pair stays in the panel (the profile's slicing is open).
    assert blood_pressures(bundle) == [
        ("final", {SYSTOLIC: 130.0}), ("final", {MEAN: 95.0}),
        ("final", {SYSTOLIC: 128.0, DIASTOLIC: 82.0, MEAN: 97.0})]
    lone = [o for o in resources(bundle, "Observation")
            if codes(o["code"], LOINC) in ([SYSTOLIC], [MEAN])]
    # What the R4 vital-signs profile asks of a single value: category, LOINC code, subject,
    # effective time and a UCUM quantity.
    for o, value in zip(lone, (130.0, 95.0), strict=True):
        assert o["category"] == [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs", "display": "Vital Signs"}], "text": "Vital Signs"}]
        assert o["valueQuantity"] == {"value": value, **MMHG}
        assert "component" not in o and o["subject"]["reference"].startswith("urn:uuid:")
        assert o["effectiveDateTime"] and o["performer"] == [{"display": "ana"}]
    assert [o["code"]["text"] for o in lone] == ["Systolic BP", "Mean BP"]
    assert_bp_profile(bundle)

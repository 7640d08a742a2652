"""A monitor's value beyond its range reaches the EHR as a limit, not as a measured value.

A Dräger Infinity sends "RR below 5" as the structured numeric `<^5`; the console keeps it as 5
flagged `<` (devices/hl7/decoder.py; the PCD-01 sends it in OBX-8, HL7 table 0078 "below
absolute low-off instrument scale"). The FHIR export sent valueQuantity {value: 5} and only a
note "flags: <": an EHR filed a respiratory rate of exactly 5 /min. R4's Quantity.comparator says
"< 5" in the value itself; a blood pressure panel's components carry theirs.
"""

from __future__ import annotations

import pytest

fhir_resources = pytest.importorskip("fhir.resources")
from fhir.resources.bundle import Bundle  # noqa: E402

from console.export.fhir import build_bundle  # noqa: E402
from devices.hl7.decoder import decode_message  # noqa: E402
from devices.profiles import code_maps  # noqa: E402
from tests.review.logged_session import logged_session  # noqa: E402

MMHG = "266016^MDC_DIM_MMHG^MDC"


def monitor_sends(s, *obx: str) -> None:
    """One ORU message of the monitor, decoded as the console decodes it, into the session."""
    now = s.clock.now()
    at = now.wall.strftime("%Y%m%d%H%M%S+0000")
    message = (f"MSH|^~\\&|Infinity Gateway|DRAEGER|||{at}||ORU^R01|D1|P|2.3\r"
               f"OBR|1|||MONITORING|||{at}\r" + "".join(f"{row}\r" for row in obx))
    result = decode_message(message.encode(), now.wall, dialects=code_maps())
    assert not result.dropped, result.dropped
    for reading in result.readings:
        s.engine.ingest(reading, now)


def observations(bundle, code: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Observation"
            and any(c["code"] == code for c in e["resource"]["code"]["coding"])]


def test_values_beyond_the_monitors_range_carry_their_comparator(tmp_path):
    s = logged_session(tmp_path)
    s.engine.device_state_changed("connected", s.clock.now())
    at = s.clock.now().wall.strftime("%Y%m%d%H%M%S+0000")
    monitor_sends(
        s,
        "OBX|1|SN|RR^^local^9279-1&1^^LOINC||<^5|/min^^ISO+|||||F",
        # A cuff's systolic above the monitor's scale, its diastolic measured.
        f"OBX|2|SN|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.1|>^250|{MMHG}|||||R|||{at}",
        f"OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.2|120|{MMHG}|||||R|||{at}",
        "OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.9.3|97|262688^MDC_DIM_PERCENT^MDC|||||R",
    )
    bundle = build_bundle(s.detail(with_observations=True))
    Bundle.parse_obj(bundle)   # R4's comparator codes: <, <=, >=, >

    [rr] = observations(bundle, "9279-1")
    assert rr["valueQuantity"]["value"] == 5
    assert rr["valueQuantity"]["comparator"] == "<"     # had none: "RR 5 /min", exactly

    [panel] = observations(bundle, "85354-9")
    systolic, diastolic = panel["component"]
    assert (systolic["valueQuantity"]["value"], systolic["valueQuantity"]["comparator"]) == (
        250, ">")
    assert diastolic["valueQuantity"]["value"] == 120
    assert "comparator" not in diastolic["valueQuantity"]   # measured: the value itself

    [spo2] = observations(bundle, "59408-5")
    assert spo2["valueQuantity"]["value"] == 97 and "comparator" not in spo2["valueQuantity"]

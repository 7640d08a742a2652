"""FHIR export: the pulse an NIBP cuff measured with its pressures (MDC_PULS_RATE_NON_INV, logged
with the NIBP flag) was exported as the oximeter's pulse, LOINC 8889-8 "Heart rate by Pulse
oximetry" and MDC 149530 MDC_PULS_OXIM_PULS_RATE, while the PCD-01 of the same session names it
the cuff's (pcd.py CUFF_PULSE_TERM). It is exported as the cuff's: MDC 149546
MDC_PULS_RATE_NON_INV, LOINC 8867-4 "Heart rate" (no LOINC term says non-invasive pulse); an
oximeter's pulse stays 8889-8 / 149530."""

from __future__ import annotations

import pytest

pytest.importorskip("fhir.resources")

from console.export.fhir import CUFF_PULSE_MDC, build_bundle  # noqa: E402
from devices.hl7 import codes  # noqa: E402
from devices.hl7.decoder import decode_message  # noqa: E402
from devices.profiles import code_maps  # noqa: E402
from tests.review.logged_session import logged_session  # noqa: E402

MMHG = "266016^MDC_DIM_MMHG^MDC"
BPM = "264864^MDC_DIM_BEAT_PER_MIN^MDC"
PERCENT = "262688^MDC_DIM_PERCENT^MDC"
LOINC = "http://loinc.org"
MDC = "urn:iso:std:iso:11073:10101"


def test_a_cuffs_pulse_is_exported_as_the_cuffs_not_as_pulse_oximetry(tmp_path):
    s = logged_session(tmp_path)
    s.engine.device_state_changed("connected", s.clock.now())
    now = s.clock.now()
    at = now.wall.strftime("%Y%m%d%H%M%S+0000")
    # One monitor message: a cuff (with its pulse, 78) and the oximeter (SpO2 and its pulse, 81).
    message = (f"MSH|^~\\&|MON|ICU|||{at}||ORU^R01|D1|P|2.6\r"
               f"OBR|1|||MONITORING|||{at}\r"
               f"OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.1|131|{MMHG}|||||F|||{at}\r"
               f"OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.2|84|{MMHG}|||||F|||{at}\r"
               f"OBX|3|NM|149546^MDC_PULS_RATE_NON_INV^MDC|1.1.9.3|78|{BPM}|||||F|||{at}\r"
               f"OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.3.1|97|{PERCENT}|||||F|||{at}\r"
               f"OBX|5|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.1.3.2|81|{BPM}|||||F|||{at}\r")
    result = decode_message(message.encode(), now.wall, dialects=code_maps())
    assert not result.dropped, result.dropped
    assert [sorted(r.flags) for r in result.readings if r.metric == "pulse_rate"] == [["NIBP"],
                                                                                      []]
    for reading in result.readings:
        s.engine.ingest(reading, now)
    bundle = build_bundle(s.detail(with_observations=True))
    pulses = {e["resource"]["valueQuantity"]["value"]: e["resource"] for e in bundle["entry"]
              if e["resource"]["resourceType"] == "Observation"
              and e["resource"].get("valueQuantity", {}).get("value") in (78, 81)}
    codings = {value: [(c["system"], c["code"]) for c in pulse["code"]["coding"]]
               for value, pulse in pulses.items()}
    assert codings == {78: [(LOINC, "8867-4"), (MDC, "149546")],
                       81: [(LOINC, "8889-8"), (MDC, "149530")]}
    # The term is the one the console's decoder reads as a cuff's pulse (devices/hl7/codes.py).
    assert codes.code_for_name(CUFF_PULSE_MDC[1]) == f"MDC {CUFF_PULSE_MDC[0]}"

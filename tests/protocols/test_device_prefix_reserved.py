"""A checklist id that begins "device-" is a nasal device's, device-1 … device-N of the first
dosing phase (protocols/README.md, "Device items"). The console knows a device by its id alone, and a
clinic's "device-instructions" (a pre-dose item: the patient shown how to use the spray) loaded,
was then taken for device 1: the label's 2 hours and "BP at T+40" counted from its tick, the
prescriber's gate before device 1 was skipped, 56 mg read as 84 mg given (a review of the
protocols). A new file with such an id is refused, naming the file, the phase and the item; a text
a session logged under an older console still reads (the console then counts only `device-<n>`:
tests/session/test_item_named_device_is_no_nasal_device.py)."""

from __future__ import annotations

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, protocol_from_text
from tests.session.test_item_named_device_is_no_nasal_device import with_item

ESKETAMINE = (builtin_protocols_dir() / "esketamine.toml").read_text(encoding="utf-8")
IV = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
INSTRUCTIONS = "Patient shown how to use the nasal spray device"


def _refusal(text: str) -> ProtocolError:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(text, "clinic-esketamine.toml")
    return refused.value


def test_a_pre_dose_item_named_device_is_refused_naming_the_file_the_phase_and_the_item() -> None:
    refused = _refusal(with_item(ESKETAMINE, "rems-enrolment", "device-instructions",
                                 INSTRUCTIONS))
    assert str(refused) == (
        "clinic-esketamine.toml: phases[0].checklist[1].id: 'device-instructions' (phase 'pre')"
        " begins with \"device-\", which is reserved for the nasal devices, device-1 … device-3"
        " of the dosing phase 'dosing': the console takes any item of such an id ticked for a"
        " device given (the label's 2 hours and the BP at T+40 count from the first, the"
        " prescriber's gate is asked before it, the dose given is counted in them); give this"
        " item an id that does not begin with \"device-\"")


def test_a_device_item_outside_the_dosing_phase_is_refused() -> None:
    refused = _refusal(with_item(ESKETAMINE, "alert", "device-4", "Device 4 given"))
    assert refused.key == "phases[3].checklist[0].id"
    assert refused.reason.startswith(
        "'device-4' (phase 'discharge') begins with \"device-\", which is reserved for the nasal"
        " devices, device-1 … device-3 of the dosing phase 'dosing':")


def test_a_device_beyond_the_largest_dose_is_refused() -> None:
    # 84 mg is 3 devices: a fourth is no device of any dose the file allows.
    refused = _refusal(with_item(ESKETAMINE, "device-3", "device-4", "Device 4 given"))
    assert refused.key == "phases[1].checklist[2].id"
    assert refused.reason.startswith("'device-4' (phase 'dosing') begins with \"device-\"")


def test_a_device_number_written_with_a_leading_zero_is_refused() -> None:
    # "device-01" is no `device-<n>` the console counts: device 1 would stay open beside it.
    refused = _refusal(with_item(ESKETAMINE, "device-1", "device-01", "Device 1 again"))
    assert refused.key == "phases[1].checklist[0].id"
    assert refused.reason.startswith("'device-01' (phase 'dosing') begins with \"device-\"")


def test_an_item_named_device_in_a_protocol_dosed_by_weight_is_refused() -> None:
    refused = _refusal(with_item(IV, "consent", "device-pump-checked", "Pump checked"))
    assert str(refused) == (
        "clinic-esketamine.toml: phases[0].checklist[1].id: 'device-pump-checked' (phase 'pre')"
        " begins with \"device-\", which is reserved for the nasal devices of a dose in devices"
        " mode (device-1, device-2, … of its dosing phase), and this protocol's dose is by"
        " weight: the console takes any item of such an id ticked for a device given (the"
        " label's 2 hours and the BP at T+40 count from the first, the prescriber's gate is"
        " asked before it, the dose given is counted in them); give this item an id that does"
        " not begin with \"device-\"")


def test_the_shipped_device_items_load() -> None:
    protocol = protocol_from_text(ESKETAMINE, "esketamine.toml")
    assert [i.id for i in protocol.phase("dosing").checklist] == [
        "device-1", "device-2", "device-3"]


def test_a_text_that_ran_with_an_item_named_device_is_still_read() -> None:
    # A session started under such a clinic file (an older console let it load) is resumed and
    # reviewed under its logged text (README "These rules are for new files").
    protocol = protocol_from_text(
        with_item(ESKETAMINE, "rems-enrolment", "device-instructions", INSTRUCTIONS),
        "session 7's logged protocol", authoring=False)
    assert protocol.phase("pre").checklist[1].id == "device-instructions"

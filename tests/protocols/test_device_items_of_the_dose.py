"""A protocol dosed by nasal devices lists an item per device of its largest dose (review 46).

The engine knows a device only as the dosing phase's item `device-<n>` (its time and lot number
are fields of the REMS Patient Monitoring Form, clinical-defaults.md). A clinic's esketamine file
without `device-3` loaded: an 84 mg session moved on after two devices, asked nothing, and device 3
could never be recorded. The loader refuses it, naming the phase's checklist, the missing item and
the items the dose needs.
"""

from __future__ import annotations

import re

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, protocol_from_text

TEXT = (builtin_protocols_dir() / "esketamine.toml").read_text(encoding="utf-8")
ITEM = r'\[\[phases\.checklist\]\]\nid = "device-{}"\n.*?\n\n'


def _without(*devices: int) -> str:
    text = TEXT
    for device in devices:
        text, found = re.subn(ITEM.format(device), "", text, count=1, flags=re.S)
        assert found == 1, device
    return text


def _refusal(text: str) -> ProtocolError:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(text, "clinic-esketamine.toml")
    return refused.value


def test_an_84_mg_protocol_without_device_3_is_refused() -> None:
    refused = _refusal(_without(3))
    assert refused.key == "phases[1].checklist"
    assert refused.reason.startswith(
        "has no item device-3: a dose in devices mode records each device as its own item,"
        " device-1 … device-3 in its first dosing phase (the largest dose allowed, 84 mg, is 3"
        " devices of 28 mg)")
    assert refused.reason.endswith('add a [[phases.checklist]] item with id = "device-3"')


def test_a_protocol_with_no_device_items_is_refused_naming_each() -> None:
    refused = _refusal(_without(1, 2, 3))
    assert refused.key == "phases[1].checklist"
    assert refused.reason.startswith("has no items device-1, device-2, device-3:")


def test_a_56_mg_only_protocol_needs_two() -> None:
    text = _without(3).replace("\nallowed_mg = [56, 84]", "\nallowed_mg = [56]", 1)
    assert protocol_from_text(text, "clinic-esketamine.toml").dose.allowed_mg == (56,)


def test_a_text_that_ran_without_them_is_still_read() -> None:
    # A session that ran under such a file is resumed and reviewed under its text.
    protocol = protocol_from_text(_without(3), "logged.toml", authoring=False)
    assert [i.id for i in protocol.phases[1].checklist] == ["device-1", "device-2"]

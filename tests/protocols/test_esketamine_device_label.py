"""An esketamine nasal spray protocol keeps the label's device size and rest, as its doses.

clinical-defaults.md, Protocol timings: "Esketamine dosing | 28 mg per device (2 sprays), 5-min
rest after each device; 56 mg = 2 devices, 84 mg = 3 | Spravato label [V]". The loader held a
protocol of route intranasal in devices mode to the label's doses and 2 hours, but
`mg_per_device = 14` (the mg per spray, an easy slip) loaded and the chair read "Dose 56 mg:
4 devices of 14 mg", and `rest_minutes = 0.5` loaded and device 2 followed device 1 after 30 s
without a question (review 41).
"""

from __future__ import annotations

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, protocol_from_text

TEXT = (builtin_protocols_dir() / "esketamine.toml").read_text(encoding="utf-8")
LABEL = ("the Spravato label gives 28 mg per device (2 sprays) and a 5-min rest after each"
         " device (shared/design/clinical-defaults.md, Esketamine dosing [V])")


@pytest.mark.parametrize(("line", "changed", "key", "reason"), [
    ("mg_per_device = 28", "mg_per_device = 14", "dose.mg_per_device",
     f"14 mg is not the device of esketamine nasal spray: {LABEL}; set it to 28"),
    ("mg_per_device = 28", "mg_per_device = 42", "dose.mg_per_device",
     f"42 mg is not the device of esketamine nasal spray: {LABEL}; set it to 28"),
    ("rest_minutes = 5", "rest_minutes = 0.5", "dose.rest_minutes",
     f"0.5 min is outside the allowed range for esketamine nasal spray, 5–720 min: {LABEL}"),
    ("rest_minutes = 5", "rest_minutes = 4.9", "dose.rest_minutes",
     f"4.9 min is outside the allowed range for esketamine nasal spray, 5–720 min: {LABEL}"),
])
def test_esketamine_device_size_and_rest_off_the_label_are_refused_in_one_line(
    line: str, changed: str, key: str, reason: str
) -> None:
    assert f"\n{line}\n" in TEXT
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(TEXT.replace(f"\n{line}\n", f"\n{changed}\n", 1),
                           "clinic-esketamine.toml")
    assert refused.value.key == key
    assert refused.value.reason == reason
    assert "\n" not in str(refused.value)


def test_esketamine_may_rest_longer_than_the_label() -> None:
    # The label's 5 min is a least: a clinic resting 10 min between devices loads.
    protocol = protocol_from_text(TEXT.replace("\nrest_minutes = 5\n", "\nrest_minutes = 10\n", 1),
                                  "clinic-esketamine.toml")
    assert protocol.dose.rest_minutes == 10
    assert protocol.dose.mg_per_device == 28


def test_a_nasal_device_protocol_other_than_esketamine_keeps_its_own_device() -> None:
    # Only route intranasal in devices mode is esketamine's label; another route's device
    # protocol (a hypothetical one) is held only to the general bounds.
    # Its doses in the esketamine file's three device items: 2 and 3 devices of 14 mg.
    text = (TEXT.replace('route = "intranasal"', 'route = "im"', 1)
            .replace("\nmg_per_device = 28\n", "\nmg_per_device = 14\n", 1)
            .replace("\nallowed_mg = [56, 84]", "\nallowed_mg = [28, 42]", 1)
            .replace("\nrest_minutes = 5\n", "\nrest_minutes = 1\n", 1))
    protocol = protocol_from_text(text, "clinic-im.toml")
    assert (protocol.dose.mg_per_device, protocol.dose.rest_minutes) == (14, 1)

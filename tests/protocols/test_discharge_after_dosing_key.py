"""`[discharge] min_minutes_after_dosing`: the gate's wait counted from the end of dosing.

The shipped IV protocols set it to 30 (clinical-defaults.md, IV vitals cadence: "until ≥30 min
post-infusion"); a clinic's copy with a value no clinic means is refused in one line naming the
key, the value and what is allowed (review 41).
"""

from __future__ import annotations

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, protocol_from_text

TEXT = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
LINE = "\nmin_minutes_after_dosing = 30\n"


def with_value(value: str) -> str:
    assert LINE in TEXT
    return TEXT.replace(LINE, f"\nmin_minutes_after_dosing = {value}\n", 1)


@pytest.mark.parametrize("name", ["iv-ketamine.toml", "iv-ketamine-titration.toml"])
def test_the_shipped_iv_protocols_wait_30_minutes_after_the_infusion(name: str) -> None:
    protocol = protocol_from_text((builtin_protocols_dir() / name).read_text(encoding="utf-8"), name)
    assert protocol.discharge.min_minutes_after_dosing == 30
    assert protocol.discharge.min_minutes_from_t0 == 70


def test_esketamine_keeps_its_2_hours_from_the_first_device_only() -> None:
    text = (builtin_protocols_dir() / "esketamine.toml").read_text(encoding="utf-8")
    gate = protocol_from_text(text, "esketamine.toml").discharge
    assert (gate.min_minutes_from_t0, gate.min_minutes_after_dosing) == (120, None)


@pytest.mark.parametrize(("value", "expected"), [("0", 0.0), ("45.5", 45.5), ("720", 720.0)])
def test_a_wait_from_0_to_720_minutes_loads(value: str, expected: float) -> None:
    protocol = protocol_from_text(with_value(value), "clinic-iv.toml")
    assert protocol.discharge.min_minutes_after_dosing == expected


@pytest.mark.parametrize(("value", "reason"), [
    ("-5", "-5 min is outside the allowed range, 0–720 min: a wait after the end of dosing"
           " cannot be negative"),
    ("1800", "1800 min is outside the allowed range, 0–720 min: no session lasts that long"
             " (seconds or hours typed as minutes?)"),
    ('"30"', "expected a number, got text ('30')"),
    ("true", "expected a number, got true/false (true)"),
    ("nan", "nan is not a finite number"),
])
def test_a_wait_that_is_no_number_of_minutes_is_refused_in_one_line(value: str,
                                                                    reason: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(with_value(value), "clinic-iv.toml")
    assert refused.value.key == "discharge.min_minutes_after_dosing"
    assert refused.value.reason == reason
    assert "\n" not in str(refused.value)


def test_a_misspelt_key_names_the_right_one() -> None:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(TEXT.replace(LINE, "\nmin_minutes_after_dose = 30\n", 1),
                           "clinic-iv.toml")
    assert "did you mean 'min_minutes_after_dosing'?" in refused.value.reason


def test_the_wait_after_dosing_counts_in_the_timeline_an_alarm_delay_must_fit() -> None:
    # No gate from T0, 10 min of observation: 40 + 10 = 50 min without the wait after dosing,
    # 40 + 30 = 70 with it; an hour-long sustained_seconds fits the latter only. (HR > 120 and
    # its pulse rate twin both: a twin apart is refused, loader.check_pulse_watched.)
    assert TEXT.count("sustained_seconds = 300\n") == 2
    text = (TEXT.replace("\nmin_minutes_from_t0 = 70\n", "\n", 1)
            .replace("min_minutes = 30", "min_minutes = 10", 1)
            .replace("sustained_seconds = 300\n", "sustained_seconds = 3600\n"))
    protocol = protocol_from_text(text, "clinic-iv.toml")
    assert max(r.sustained_seconds or 0 for r in protocol.alarms) == 3600
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(text.replace(LINE, "\n", 1), "clinic-iv.toml")
    assert "50 min from the start to the earliest discharge" in refused.value.reason

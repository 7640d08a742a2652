"""A sustained time on a vital the console judges only when a value comes (an NIBP cuff's
pressure, a typed score) is refused when the protocol loads.

The engine counts a violation's persistence only when a new value arrives
(console/session/conditions.py `on_value`), and a spot value counts for 20 min: a clinic's
"systolic ≥160 for 5 min" loaded, a 170 stood 10 min on the tile without an alarm, and cuffs
25 min apart restarted the count every time (a review of the protocols). The loader already
refuses `absent_seconds` on such vitals for the same reason (`check_absence_watchable`).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from protocols.loader import (
    builtin_protocols_dir,
    load_protocol,
    load_protocols,
    protocol_from_text,
)
from tests.protocols.test_loader import refusal, valid, write

pytestmark = pytest.mark.faults

# A clinic's extra rule on the shipped IV protocol: "systolic 160 or more for 5 min".
SUSTAINED_SYSTOLIC = """
[[alarms]]
metric = "bp_systolic"
priority = "medium"
direction = "high"
at_or_above = 160
sustained_seconds = 300
source = "Clinic A: systolic 160 or more for 5 min [S]"
"""

ALLOWED = ("sustained_seconds is allowed on heart_rate, pulse_rate, resp_rate, spo2, the vitals a"
           " monitor sends continuously")


def clinic_text() -> str:
    shipped = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    return shipped.replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1) + SUSTAINED_SYSTOLIC


def test_a_systolic_limit_sustained_for_5_minutes_is_refused_naming_the_confirmation(
    tmp_path: Path,
) -> None:
    # One cuff reading is no sustained condition: the clinic is told why, and what to write instead.
    path = tmp_path / "clinic-iv.toml"
    path.write_text(clinic_text(), encoding="utf-8")
    count = len(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml").alarms)

    assert refusal(path) == (
        f"clinic-iv.toml: alarms[{count}].sustained_seconds: 300 s is not allowed on"
        " bp_systolic: a cuff or typed value is one measurement (an NIBP cuff's pressures are"
        " spot values, one per measurement), so a sustained time would count how long one"
        " reading stands on the tile (current for 20 min), not a condition that lasted, and"
        " readings further apart start it again; use a plain"
        " limit (remove sustained_seconds), or, to confirm a single reading,"
        " confirm_repeat_minutes with escalate_to (a repeat measurement after that many minutes"
        f" escalates the alarm); {ALLOWED}")
    # Refused at loading, named for a start that chose it (not "unknown").
    loaded = load_protocols([tmp_path])
    assert [(e.protocol_id, e.key) for e in loaded.errors] == [
        ("clinic-iv", f"alarms[{count}].sustained_seconds")]


def test_a_typed_score_sustained_is_refused_with_a_plain_limit_as_the_way_out(
    tmp_path: Path,
) -> None:
    # A MOAA/S is typed by the nurse: the next score may come 15 min later, or never.
    document = copy.deepcopy(valid())
    document["alarms"].append({"metric": "moaas", "priority": "medium", "direction": "low",
                               "at_or_below": 3, "sustained_seconds": 120, "source": "s [M]"})
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: alarms[4].sustained_seconds: 120 s is not allowed on moaas: a cuff or"
        " typed value is one measurement (moaas is typed by the nurse, never sent by a device),"
        " so a sustained time would count how long one reading stands on the tile (current for"
        " 20 min), not a condition that lasted, and readings further apart start it again; use"
        " a plain limit (remove sustained_seconds);"
        f" {ALLOWED}")


def test_a_sustained_time_of_0_on_a_cuff_pressure_loads(tmp_path: Path) -> None:
    # 0 is the default, "at once": nothing waits.
    document = copy.deepcopy(valid())
    document["alarms"][1]["sustained_seconds"] = 0
    assert load_protocol(write(tmp_path, document)).alarms[1].sustained_seconds == 0


def test_a_sustained_spo2_limit_still_loads(tmp_path: Path) -> None:
    # A monitor sends SpO2 every second: "SpO2 ≤94 for 1 min" is counted as it runs.
    document = copy.deepcopy(valid())
    document["alarms"] += [
        {"metric": "spo2", "priority": "low", "direction": "low", "at_or_below": 94,
         "sustained_seconds": 60, "source": "s [M]"}]
    assert load_protocol(write(tmp_path, document)).alarms[4].sustained_seconds == 60


def test_a_session_text_that_ran_with_it_is_still_read() -> None:
    # A session logged under such a file before this refusal is resumed and reviewed under it.
    protocol = protocol_from_text(clinic_text(), "clinic-iv.toml", authoring=False)
    assert protocol.alarms[-1].sustained_seconds == 300

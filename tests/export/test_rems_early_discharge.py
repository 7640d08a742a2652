"""The REMS form of an esketamine session discharged against the discharge gate, and its blood
pressure before discharge (nurse walk of 2 Dec 2026: MRN-5530 discharged at T0 + 6 min read
"Total monitoring time (minutes): 6.3 … Discharged: Yes"; MRN-2719's BP typed a minute before
discharge read "Blood pressure before discharge: NOT RECORDED")."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from console.export.rems import rems_form, render_text, write_rems
from tests.export.test_rems import dosed, form_of
from tests.review.early_discharge import STATEMENT, build_early_discharges, detail_of



@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    path = tmp_path_factory.mktemp("walk") / "log.sqlite3"
    return path, build_early_discharges(path)


def lines_of(walk, label: str) -> list[str]:
    path, ids = walk
    return render_text(rems_form(detail_of(path, ids[label]), tz=UTC), tz=UTC).splitlines()


def test_a_discharge_against_the_gate_says_so_beside_the_minutes_and_on_discharged(walk):
    lines = lines_of(walk, "early_discharge")
    # Where the reader of 6.3 minutes looks, and on the answer "Discharged".
    total = lines.index("Total monitoring time (minutes): 6.3")
    assert lines[total + 1] == STATEMENT
    assert ("Discharged: Yes, against the discharge gate (see under the total monitoring time)"
            in lines)


def test_the_json_names_the_override_of_the_discharge(walk, tmp_path):
    path, ids = walk
    target = tmp_path / "rems.json"
    write_rems(detail_of(path, ids["early_discharge"]), target, tz=UTC)
    override = json.loads(target.read_text(encoding="utf-8"))["discharge_override"]
    assert override["who"] == "J. Alvarez"
    assert override["reason"].startswith("Dr M. Chen: transfer to ED")
    assert any(b.startswith("Observation must reach 120 min") for b in override["blockers"])


def test_a_discharge_the_gate_allowed_reads_as_before(tmp_path):
    # The scenario's esketamine session: discharged after every check passed.
    from tests.review.scenarios import build

    path = tmp_path / "s.sqlite3"
    facts = build(path)
    lines = render_text(rems_form(detail_of(path, facts.ids["esketamine"]), tz=UTC),
                        tz=UTC).splitlines()
    assert "Discharged: Yes" in lines
    assert not [line for line in lines if "GATE" in line.upper()]


def test_the_bp_typed_a_minute_before_discharge_is_the_bp_before_discharge(walk):
    lines = lines_of(walk, "late_typed_bp")
    # 150/95 typed at 14:24 after the monitor's 135/85 at 14:22; discharged 14:25. It is also the
    # reading nearest T+40, and still the last one before discharge.
    assert ("Blood pressure before discharge: 150/95 mmHg at 14:24, T+40 min, 1 min before "
            "discharge") in lines
    assert "blood pressure before discharge" not in lines[-1]


def test_the_bp_before_discharge_says_how_long_before_discharge_it_was(walk):
    # The monitor's 129/80 between device 1 and device 2 is the last BP of that session: it is
    # what the log has, and the form says it was taken 3.6 min before the discharge.
    lines = lines_of(walk, "early_discharge")
    assert ("Blood pressure before discharge: 129/80 mmHg at 13:48, T+2.7 min, 3.6 min before "
            "discharge") in lines


def test_a_monitor_bp_after_the_typed_one_is_the_bp_before_discharge(tmp_path):
    log, r = dosed(tmp_path, "MRN-1240")
    r.at(50); r.manual(bp_systolic=150, bp_diastolic=95)      # typed, T+40
    r.at(53); r.device(bp_systolic=138, bp_diastolic=86)      # the monitor's, T+43
    r.at(60); r.device(heart_rate=72)                         # no BP after it
    log.close()
    form = form_of(tmp_path, r.id)
    assert (form.bp_t_plus_40.systolic, form.bp_pre_discharge.systolic) == (150.0, 138.0)


def test_no_bp_after_the_dose_is_not_recorded(tmp_path):
    # Only the pre-dose BP: it says nothing about the patient leaving after the drug.
    log, r = dosed(tmp_path, "MRN-1241")
    log.close()
    form = form_of(tmp_path, r.id)
    assert form.bp_pre_discharge is None and "bp_pre_discharge" in form.missing
    assert "Blood pressure before discharge: NOT RECORDED" in render_text(form, tz=UTC)

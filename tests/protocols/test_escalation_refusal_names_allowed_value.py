"""A check's escalation held to the timeline names a value its key allows (review 43).

d375acd held a check's first due time + escalate_after_minutes to the protocol's timeline. A check
whose first time alone reached the timeline (a 'T+75' check in a 70-min IV protocol, a 90-min
cadence in the open-ended observation) was refused at a key the file does not write, asking for
"escalate_after_minutes at most -5 min", a value that key refuses. A time after T0 the plan never
reaches is now refused at its own key, naming its largest allowed value; a cadence in a phase that
lasts until its exit conditions hold can come due, and loads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, load_protocol, protocol_from_text
from tests.protocols.test_loader import valid, write
from tests.session.helpers import Session

IV = (builtin_protocols_dir() / "iv-ketamine.toml").read_text("utf-8")
OLD = 'every_minutes = 15\nsource = "BP/HR every 15 min after the infusion'


def _observation_check(**times: Any) -> str:
    assert OLD in IV
    written = "\n".join(f"{key} = {value}" for key, value in times.items())
    return IV.replace(OLD, f'{written}\nsource = "BP/HR every 15 min after the infusion')


@pytest.mark.parametrize("times", [{"at_minutes_after_t0": [75]}, {"every_minutes": 90}],
                         ids=["T+75", "every 90 min"])
def test_the_refusal_never_asks_for_a_negative_escalation(times: dict[str, Any]) -> None:
    try:
        protocol_from_text(_observation_check(**times), "clinic.toml")
    except ProtocolError as refused:
        said = str(refused)
        allowed = re.search(r"escalate_after_minutes at most (-?[\d.]+) min", said)
        assert allowed is None or float(allowed.group(1)) > 0, said


def test_a_time_after_t0_past_the_timeline_is_refused_at_that_time() -> None:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(_observation_check(at_minutes_after_t0=[75]), "clinic.toml")
    assert str(refused.value) == (
        "clinic.toml: phases[2].checks[0].at_minutes_after_t0[0]: the first time 'Vitals and"
        " sedation' is due, 75 min after T0, is at or past this protocol's whole timeline, 70 min"
        " from the start to the earliest discharge (its phases' duration_minutes, min_minutes and"
        " min_minutes_from_t0, the infusion and the discharge gate), so in a session run to plan"
        " the check would not come due before the patient may leave, nor a missed 'Vitals and"
        " sedation' escalate to a medium alarm; at_minutes_after_t0[0] at most 65 min here (a"
        " missed reading escalates escalate_after_minutes 5 min after it)")
    # The value named loads.
    assert protocol_from_text(_observation_check(at_minutes_after_t0=[65]), "clinic.toml")


def test_a_time_after_t0_the_discharge_waits_for_loads(tmp_path: Path) -> None:
    # A discharge item needing the T+75 reading keeps the session open until it is taken.
    document = valid()
    document["phases"][2]["checks"] = [{"name": "BP at T+75", "metrics": ["bp_systolic"],
                                        "at_minutes_after_t0": [75], "source": "clinic [S]"}]
    document["phases"][3]["checklist"].append(
        {"id": "late-bp", "text": "BP at T+75 taken", "required": True,
         "needs_checks": ["BP at T+75"]})
    assert load_protocol(write(tmp_path, document)).phases[2].checks[0].at_minutes_after_t0 == (
        75,)


def test_a_cadence_in_an_open_ended_observation_loads_and_escalates(tmp_path: Path) -> None:
    # The observation lasts until its exit conditions hold: every 90 min comes due in a
    # session that stays (the patient not yet alert), and a missed reading becomes medium.
    document = valid()
    document["phases"][2]["checks"] = [{"name": "Vitals", "metrics": ["resp_rate"],
                                        "every_minutes": 90, "source": "clinic [S]"}]
    s = Session(load_protocol(write(tmp_path, document)))
    for name, value in (("bp_systolic", 124), ("bp_diastolic", 78)):
        s.manual(name, value)
    for item in s.engine.phase.checklist:
        assert s.engine.tick_item(item.id, "nurse.ana", s.now()).done
    assert s.engine.advance_phase("nurse.ana", s.now()).done   # T0
    for minute in range(10, 41, 10):   # the infusion's BP checks, on time
        s.t(minute * 60)
        for name, value in (("bp_systolic", 124), ("bp_diastolic", 78)):
            s.manual(name, value)
    assert s.engine.advance_phase("nurse.ana", s.now()).done   # Observation at T+40
    assert s.engine.phase.kind.value == "observation"
    s.t((40 + 90 + 6) * 60)   # the 90-min reading 6 min overdue
    assert ("vitals_due:Vitals", "medium") in [(c, p) for c, p, _ in s.shown()]


def test_an_open_ended_cadence_still_holds_its_escalation_to_the_timeline() -> None:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(_observation_check(every_minutes=90, escalate_after_minutes=71),
                           "clinic.toml")
    assert refused.value.key == "phases[2].checks[0].escalate_after_minutes"
    assert str(refused.value).endswith("escalate_after_minutes at most 70 min here")

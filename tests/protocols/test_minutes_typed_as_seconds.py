"""Minutes typed as seconds are refused where the 720-min bound alone let them load.

protocols/README.md, Conventions: "Durations are in minutes, except sustained_seconds and
absent_seconds", and "Upper bounds. A figure no clinic means (a unit or decimal-point slip) is
refused rather than loaded". The alarm rules beside them are written in seconds, so "5 min" typed
as 300 and "10 min" as 600 is the slip to expect; 900 (15 min) is above 720 and was refused, 300
and 600 loaded:

- esketamine's `rest_minutes = 300` (the label's 5-min rest in seconds): each rest 5 hours, the
  two of an 84 mg dose longer than the whole 120-min protocol; device 2, given after the label's
  5 min, was refused as "early" and needed a reason in every session;
- `every_minutes = 600` (10 min) on a check of the IV observation, which has no
  duration_minutes: first due 600 min into the phase, so in a 70-min protocol its vitals prompt
  never came.

A review of the protocols; proof /tmp/s56/proofs/protocols/test_minutes_typed_as_seconds.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, load_or_refusal

pytestmark = pytest.mark.faults

OBS = ('name = "Vitals and sedation"\nmetrics = ["bp_systolic", "bp_diastolic", ["heart_rate",'
       ' "pulse_rate"], "spo2", "resp_rate", "moaas"]\nevery_minutes = 15')


def _copy(tmp_path: Path, shipped: str, old: str, new: str) -> Path:
    """A clinic copy (its own id) of the shipped protocol `shipped`, its `old` made `new`."""
    text = (builtin_protocols_dir() / f"{shipped}.toml").read_text(encoding="utf-8")
    text = text.replace(f'id = "{shipped}"\n', 'id = "clinic-copy"\n', 1)
    assert text.count(old) == 1, old
    path = tmp_path / "clinic-copy.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_an_esketamine_rest_of_5_min_typed_as_300_is_refused(tmp_path: Path) -> None:
    outcome = load_or_refusal(_copy(tmp_path, "esketamine", "rest_minutes = 5\n",
                                    "rest_minutes = 300\n"))
    assert isinstance(outcome, ProtocolError), (
        "loaded: device 2, given after the label's 5-min rest, is refused as early")
    assert str(outcome) == (
        "clinic-copy.toml: dose.rest_minutes: 300 min after each device is too long: the rests"
        " between the 3 devices of the largest dose (84 mg), 2 × 300 min = 600 min, are longer"
        " than this protocol's whole timeline, 120 min from the start to the earliest discharge"
        " (its phases' duration_minutes, min_minutes and min_minutes_from_t0, the infusion and"
        " the discharge gate), so a device given on time would be refused as early and the last"
        " would come after the patient may leave (seconds typed as minutes?); rest_minutes at"
        " most 60 min here")


@pytest.mark.parametrize("rest", [10, 60])
def test_a_longer_rest_that_fits_the_timeline_loads(tmp_path: Path, rest: int) -> None:
    # The label's rest is at least 5 min; a prescriber's longer rest is the clinic's choice.
    outcome = load_or_refusal(_copy(tmp_path, "esketamine", "rest_minutes = 5\n",
                                    f"rest_minutes = {rest}\n"))
    assert not isinstance(outcome, ProtocolError), str(outcome)
    assert outcome.dose.rest_minutes == rest


def test_a_ten_minute_cadence_typed_as_600_in_an_open_ended_observation_is_refused(
        tmp_path: Path) -> None:
    outcome = load_or_refusal(_copy(tmp_path, "iv-ketamine", OBS,
                                    OBS.replace("every_minutes = 15", "every_minutes = 600")))
    assert isinstance(outcome, ProtocolError), (
        "loaded: the observation's vitals check every 600 min (10 h) in a 70-min protocol")
    assert str(outcome) == (
        "clinic-copy.toml: phases[2].checks[0].every_minutes: 600 min is longer than twice this"
        " protocol's whole timeline, 70 min from the start to the earliest discharge (its"
        " phases' duration_minutes, min_minutes and min_minutes_from_t0, the infusion and the"
        " discharge gate): the phase lasts until its exit conditions hold, so 'Vitals and"
        " sedation' comes due only in a session that stays in it past its plan, but a cadence"
        " longer than twice the whole plan is none a clinic means (seconds typed as minutes?);"
        " every_minutes at most 140 min here")


def test_a_cadence_longer_than_the_plan_in_an_open_ended_observation_still_loads(
        tmp_path: Path) -> None:
    # Review 43: every 90 min comes due in a session that stays (the patient not yet alert).
    outcome = load_or_refusal(_copy(tmp_path, "iv-ketamine", OBS,
                                    OBS.replace("every_minutes = 15", "every_minutes = 90")))
    assert not isinstance(outcome, ProtocolError), str(outcome)
    assert outcome.phases[2].checks[0].every_minutes == 90

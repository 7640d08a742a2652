"""A lower-priority limit met only where the higher one is, in the vital's steps, is refused as
"low > high" (protocols/README.md, [[alarms]]).

Values are judged as the nurse reads them, in whole numbers for every vital (protocols/vitals.py
`as_shown`), so a medium SpO2 `below = 91` is met exactly where the high `at_or_below = 90` is
(90 % and under), and a medium HR `above = 130` exactly where the high `at_or_above = 131` is.
The review: both loaded, the loader comparing the limits as real numbers (91 > 90, 130 < 131),
and the medium alarm could never show on its own: the first warning was the high alarm.
"""

from __future__ import annotations

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, protocol_from_text

TEXT = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
SPO2_MEDIUM = 'direction = "low"\nat_or_below = 93\n'     # alarms[18]; the high is ≤90
HR_MEDIUM = 'direction = "high"\nabove = 110\nsource = "APA [M]; NEWS2 pulse bands [V]"'
# alarms[4]; the high is ≥131 (alarms[6])
PULSE_MEDIUM = 'direction = "high"\nabove = 110\nsource = "as heart_rate: APA [M]; NEWS2 pulse'
# alarms[9], the heart rate's pulse rate twin (a twin apart is refused: loader.check_pulse_watched)


def _changed(old: str, new: str) -> str:
    assert TEXT.count(old) == 1
    return TEXT.replace(old, new)


def _refusal(text: str) -> str:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(text, "clinic.toml")
    return str(refused.value)


def test_a_medium_spo2_below_91_beside_the_high_at_or_below_90_is_refused() -> None:
    message = _refusal(_changed(SPO2_MEDIUM, SPO2_MEDIUM.replace("at_or_below = 93",
                                                                 "below = 91")))
    assert message == (
        "clinic.toml: alarms[19].at_or_below: medium limit <91 for spo2_low is at or beyond the"
        " high limit ≤90 (alarms[18] and this rule; spo2 is judged in whole %, as the nurse"
        " reads it, so <91 is ≤90): the medium limit must be reached first (low > high)")


def test_a_medium_hr_above_130_beside_the_high_at_or_above_131_is_refused() -> None:
    message = _refusal(_changed(HR_MEDIUM, HR_MEDIUM.replace("above = 110", "above = 130")))
    assert message == (
        "clinic.toml: alarms[6].at_or_above: medium limit >130 for heart_rate_high is at or"
        " beyond the high limit ≥131 (alarms[4] and this rule; heart_rate is judged in whole"
        " beats/min, as the nurse reads it, so >130 is ≥131): the medium limit must be reached"
        " first (low > high)")


@pytest.mark.parametrize(("old", "new"), [
    # ≤91: the medium alarm has 91 % to itself.
    (SPO2_MEDIUM, SPO2_MEDIUM.replace("at_or_below = 93", "below = 92")),
    # ≥130: the medium alarm has 130 /min to itself.
    (HR_MEDIUM, HR_MEDIUM.replace("above = 110", "at_or_above = 130")),
], ids=["spo2 medium below 92", "hr medium at or above 130"])
def test_a_medium_limit_one_step_before_the_high_one_loads(old: str, new: str) -> None:
    text = _changed(old, new)
    if old == HR_MEDIUM:   # and its pulse rate twin
        assert text.count(PULSE_MEDIUM) == 1
        text = text.replace(PULSE_MEDIUM, PULSE_MEDIUM.replace("above = 110", "at_or_above = 130"))
    protocol = protocol_from_text(text, "clinic.toml")
    assert len(protocol.alarms) == 23

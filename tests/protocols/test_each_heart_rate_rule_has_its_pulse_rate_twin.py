"""Each heart_rate rule with a limit has a pulse_rate twin of the same priority, direction,
limits and timing, and the other way round; a file without one is refused at the rule left
without its twin, naming the twin to write.

A pulse oximeter alone (no ECG) sends its pulse as pulse_rate, and the console judges it by the
pulse_rate rules only (console/session/engine.py `_evaluate`). The loader asked only for *some*
pulse_rate limit on a side: a clinic copy whose prescriber lowered the high tachycardia limit to
HR >= 125 in the heart_rate block (the defaults table's one "Heart rate" row) loaded with the
pulse_rate twin still at >= 131, and at a chair with the oximeter alone a pulse of 128 raised the
medium alarm (> 110) where the file says high. A review of the protocols; proof
/tmp/s56/proofs/protocols/test_pulse_twin_partial.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols.loader import (
    ProtocolError,
    builtin_protocols_dir,
    load_or_refusal,
    load_protocols,
    protocol_from_text,
)
from tests.session.helpers import Session

pytestmark = pytest.mark.faults

SHIPPED = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
HR_HIGH = 'metric = "heart_rate"\npriority = "high"\ndirection = "high"\nat_or_above = 131\n'
PULSE_HIGH = HR_HIGH.replace("heart_rate", "pulse_rate")
PULSE_SUSTAINED = ('metric = "pulse_rate"\npriority = "high"\ndirection = "high"\nabove = 120\n'
                   'sustained_seconds = 300\n')


def _clinic_copy(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    """The shipped IV protocol as clinic-iv.toml, each (old, new) of `changes` made once."""
    text = SHIPPED.replace('id = "iv-ketamine"\n', 'id = "clinic-iv"\n', 1)
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "clinic-iv.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _alarm_index(path: Path, metric: str, **limits: float) -> int:
    """The alarms[] index of the rule of `metric` with these limits, as the file counts them."""
    protocol = protocol_from_text(path.read_text(encoding="utf-8"), path.name, authoring=False)
    return next(i for i, r in enumerate(protocol.alarms) if r.metric == metric
                and all(getattr(r, name) == value for name, value in limits.items()))


def test_a_heart_rate_limit_lowered_without_its_pulse_rate_twin_is_refused(
        tmp_path: Path) -> None:
    path = _clinic_copy(tmp_path, (HR_HIGH, HR_HIGH.replace("131", "125")))
    hr, pulse = _alarm_index(path, "heart_rate", at_or_above=125), _alarm_index(
        path, "pulse_rate", at_or_above=131)

    refused = load_or_refusal(path)

    assert isinstance(refused, ProtocolError), "loaded: heart_rate ≥125 has no pulse_rate twin"
    assert refused.key == f"alarms[{hr}].metric"
    assert refused.reason == (
        f"heart_rate rule alarms[{hr}] (high, direction high, at_or_above = 125) has no"
        " pulse_rate twin: a pulse oximeter (SpO2 and pulse, no ECG) sends its pulse as"
        " pulse_rate, never heart_rate, and the console judges it by the pulse_rate rules only,"
        " so its pulse would be judged by other limits than the heart rate's (the nearest,"
        f" alarms[{pulse}], differs in at_or_above = 131); write the twin: [[alarms]] metric ="
        ' "pulse_rate", priority = "high", direction = "high", at_or_above = 125 (source = "as'
        ' heart_rate: …"), or change that rule to it')
    # Refused at loading, under its id, for a start that chose it.
    assert [(e.protocol_id, e.key) for e in load_protocols([tmp_path]).errors] == [
        ("clinic-iv", f"alarms[{hr}].metric")]


def test_the_oximeters_pulse_alarms_at_the_priority_the_file_gives_the_heart_rate(
        tmp_path: Path) -> None:
    # Lowered in both blocks, the file loads, and the oximeter's pulse of 128 is high.
    protocol = load_or_refusal(_clinic_copy(tmp_path, (HR_HIGH, HR_HIGH.replace("131", "125")),
                                            (PULSE_HIGH, PULSE_HIGH.replace("131", "125"))))
    assert not isinstance(protocol, ProtocolError), str(protocol)
    s = Session(protocol)
    s.t(1)
    s.device("spo2", 98)
    s.device("pulse_rate", 128)     # a pulse oximeter alone: no ECG heart rate
    s.t(2)
    assert [(c, p) for c, p, _ in s.shown() if c.startswith("pulse_rate")] == [
        ("pulse_rate_high", "high")]


def test_a_pulse_rate_rule_timed_apart_from_its_heart_rate_twin_is_refused(
        tmp_path: Path) -> None:
    # The 5-min wait changed on the pulse rate alone: an ECG's heart rate would be judged by
    # the heart_rate rule's 5 min, the oximeter's pulse by 10. The heart_rate rule comes first
    # in the file and is refused, naming the twin it lacks.
    path = _clinic_copy(tmp_path, (PULSE_SUSTAINED, PULSE_SUSTAINED.replace("300", "600")))
    hr = _alarm_index(path, "heart_rate", above=120)
    pulse = _alarm_index(path, "pulse_rate", above=120)

    refused = load_or_refusal(path)

    assert isinstance(refused, ProtocolError)
    assert refused.key == f"alarms[{hr}].metric"
    assert refused.reason.endswith(
        f"(the nearest, alarms[{pulse}], differs in sustained_seconds = 600); write the twin:"
        ' [[alarms]] metric = "pulse_rate", priority = "high", direction = "high", above = 120,'
        ' sustained_seconds = 300 (source = "as heart_rate: …"), or change that rule to it')


def test_a_pulse_rate_rule_no_heart_rate_rule_matches_is_refused_naming_the_heart_rate_twin(
        tmp_path: Path) -> None:
    # A second, stricter pulse rule added alone: an ECG's heart rate of 126 would raise nothing
    # where the oximeter's pulse raises the high alarm.
    extra = ('\n[[alarms]]\nmetric = "pulse_rate"\npriority = "high"\ndirection = "high"\n'
             'at_or_above = 125\nsource = "clinic [S]"\n')
    path = _clinic_copy(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    pulse = _alarm_index(path, "pulse_rate", at_or_above=125)

    refused = load_or_refusal(path)

    assert isinstance(refused, ProtocolError)
    assert refused.key == f"alarms[{pulse}].metric"
    assert refused.reason.startswith(
        f"pulse_rate rule alarms[{pulse}] (high, direction high, at_or_above = 125) has no"
        " heart_rate twin: a monitor with an ECG sends the heart rate as heart_rate, and while it"
        " does the console judges the heart by the heart_rate rules only")
    # Every heart_rate rule of the side has its own twin already: none is offered to change.
    assert refused.reason.endswith(
        ', so a heart rate from an ECG or typed by the nurse would be judged by other limits'
        ' than the pulse rate\'s; write the twin: [[alarms]] metric = "heart_rate", priority ='
        ' "high", direction = "high", at_or_above = 125')


def test_the_shipped_protocols_have_a_twin_of_each_rule() -> None:
    loaded = load_protocols([builtin_protocols_dir()])
    assert loaded.errors == [] and len(loaded.protocols) == 3


def test_a_session_text_that_ran_with_a_twin_apart_is_still_read(tmp_path: Path) -> None:
    # A session logged under such a file before this refusal is resumed and reviewed under it.
    path = _clinic_copy(tmp_path, (HR_HIGH, HR_HIGH.replace("131", "125")))
    protocol = protocol_from_text(path.read_text(encoding="utf-8"), "logged", authoring=False)
    assert {r.at_or_above for r in protocol.rules_for("heart_rate")} >= {125}

"""An oximeter's pulse rate is measured by its probe: with the probe off it goes with the SpO2.

Review 47: on a pulse oximeter without ECG (a Masimo: SpO2 and pulse rate), "Pulse rate 115"
acknowledged, then the probe off: "No SpO2" was raised, but the pulse alarm stood and was
reminded "(reminder: still present)" at 150 s, no pulse measured for minutes (pulse_rate has no
absence rule, so its last value counted for ever). Once the SpO2's absence holds, the pulse the
pulse alarms judged, from the SpO2's monitor and itself as long silent, counts no more
(conditions.py `GOES_WITH`), without an absence alarm of its own; a cuff's pulse (NIBP_PULSE)
feeds no pulse alarm and changes nothing; an ECG's heart rate is not the probe's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from console.records import AlarmTransition
from console.session.alarm_area import row_text
from console.store import EventLog
from devices.reading import NIBP_PULSE
from protocols.loader import load_protocol
from tests.session.helpers import Session
from tests.session.test_absent_vital_value_no_longer_counted import _monitor, _restart, _rows
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401

PROTOCOLS = Path(__file__).parents[2] / "protocols"
NURSE = "nurse.ana"


def _transitions(s: Session) -> list[AlarmTransition]:
    """The alarm rows written, in order (a `LoggedSession`'s from its log)."""
    if isinstance(s.recorder, EventLog):
        return [r for _, r in s.recorder.alarm_events(s.engine.session_id)]
    return [r for r in s.recorder.records if isinstance(r, AlarmTransition)]


def _reminded(s: Session, condition: str) -> list[str]:
    return [r.message for r in _transitions(s)
            if r.condition == condition and r.transition == "reminded"]


def _ended(s: Session, occurrence: int) -> tuple[str, str]:
    last = [r for r in _transitions(s) if r.occurrence == occurrence][-1]
    return last.transition, last.message


def _oximeter_pulse(s: Session, pulse: float, acknowledge: bool = True) -> int:
    """A pulse oximeter alone (SpO2 and pulse rate, no ECG): the pulse at `pulse` at 70 s."""
    s.engine.device_state_changed("connected", s.now())
    _monitor(s, 60, 70, spo2=97, pulse_rate=80)
    _monitor(s, 70, 71, spo2=97, pulse_rate=pulse)
    (alarm,) = s.engine.alarms()
    if acknowledge:
        assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    return alarm.id


def test_an_oximeter_pulse_alarm_ends_with_the_probe_off_and_is_not_reminded() -> None:
    s = Session(load_protocol(PROTOCOLS / "iv-ketamine.toml"))
    pulse = _oximeter_pulse(s, 115)
    _monitor(s, 71, 100)   # the probe off: neither SpO2 nor pulse
    assert [r[0] for r in _rows(s)] == ["pulse_rate_high"]
    _monitor(s, 100, 101)   # no SpO2 for 30 s
    # "No SpO2" alone: the pulse raises no absence alarm of its own.
    assert _rows(s) == [("spo2_low", "medium", "active", "No SpO2 for 30 s")]
    assert _ended(s, pulse) == (
        "cleared", "Pulse rate 115 beats/min, limit >110 (its value no longer counts: no SpO2 "
                   "for 30 s)")
    _monitor(s, 101, 300)
    assert [r[0] for r in _rows(s)] == ["spo2_low"]
    assert _reminded(s, "pulse_rate_high") == []
    # The probe back: SpO2 first, the pulse a frame later. The pulse of minutes ago does not
    # count again with the SpO2; the next pulse counts, judged as any.
    _monitor(s, 300, 302, spo2=97)
    assert _rows(s) == []
    _monitor(s, 302, 303, spo2=97, pulse_rate=116)
    assert [r[:3] for r in _rows(s)] == [("pulse_rate_high", "medium", "active")]


def test_an_unseen_high_oximeter_pulse_latches_with_the_probe_off() -> None:
    s = Session(load_protocol(PROTOCOLS / "iv-ketamine.toml"))
    pulse = _oximeter_pulse(s, 135, acknowledge=False)
    _monitor(s, 71, 101)
    assert sorted(s.shown()) == [("pulse_rate_high", "high", "latched"),
                                 ("spo2_low", "medium", "active")]
    assert [o.id for o in s.engine.alarms() if o.condition == "pulse_rate_high"] == [pulse]


def test_a_cuff_pulse_during_the_probe_off_does_not_keep_the_oximeter_pulse() -> None:
    # A cuff measured at 85 s, its pulse flagged NIBP: a spot value of the cuff, no pulse alarm
    # judges it (engine `_accept`), and it does not make the probe's pulse of 70 s a value now.
    s = Session(load_protocol(PROTOCOLS / "iv-ketamine.toml"))
    pulse = _oximeter_pulse(s, 115)
    _monitor(s, 71, 85)
    s.t(85)
    s.device("bp_systolic", 120); s.device("bp_diastolic", 80)
    s.device("pulse_rate", 112, flags=frozenset({NIBP_PULSE}))
    _monitor(s, 86, 101)
    assert _rows(s) == [("spo2_low", "medium", "active", "No SpO2 for 30 s")]
    assert _ended(s, pulse)[0] == "cleared"


def test_a_pulse_still_measured_while_the_spo2_is_missing_keeps_counting() -> None:
    # The oximeter sends a pulse but no saturation: the pulse is measured now, and its alarm
    # is the patient's (the rule is about a pulse as old as the SpO2's silence).
    s = Session(load_protocol(PROTOCOLS / "iv-ketamine.toml"))
    _oximeter_pulse(s, 115)
    _monitor(s, 71, 300, pulse_rate=115)
    assert [r[0] for r in _rows(s)] == ["pulse_rate_high", "spo2_low"]
    assert _reminded(s, "pulse_rate_high") == [
        "Pulse rate 115 beats/min, limit >110 (reminder: still present)"]


def test_an_ecg_heart_rate_alarm_keeps_counting_with_the_probe_off() -> None:
    # A monitor with ECG and an oximeter: the heart rate is the ECG's, not the probe's.
    s = Session(load_protocol(PROTOCOLS / "iv-ketamine.toml"))
    s.engine.device_state_changed("connected", s.now())
    _monitor(s, 60, 70, spo2=97, pulse_rate=80, heart_rate=80, resp_rate=14)
    _monitor(s, 70, 71, spo2=97, pulse_rate=115, heart_rate=115, resp_rate=14)
    (fast,) = s.engine.alarms()
    assert fast.condition == "heart_rate_high"
    assert s.engine.acknowledge(fast.id, NURSE, s.now()).done
    _monitor(s, 71, 230, heart_rate=115, resp_rate=14)   # the probe off, the ECG on
    assert _rows(s) == [
        ("heart_rate_high", "medium", "active",    # reminded: measured, still present
         "Heart rate 115 beats/min, limit >110"),
        ("spo2_low", "medium", "active", "No SpO2 for 159 s")]
    assert _reminded(s, "heart_rate_high") == [
        "Heart rate 115 beats/min, limit >110 (reminder: still present)"]


@pytest.mark.parametrize("before_the_tick", [False, True], ids=["ended live", "console stopped"])
def test_a_restart_with_the_probe_off_gives_the_same_board(
        log: EventLog, before_the_tick: bool) -> None:  # noqa: F811
    # An oximeter with a respiration rate, no ECG: the RR goes on logging through the probe off.
    protocol = load_protocol(PROTOCOLS / "iv-ketamine.toml")
    s = LoggedSession(log, protocol)
    s.engine.device_state_changed("connected", s.now())
    _monitor(s, 60, 70, spo2=97, pulse_rate=80, resp_rate=14)
    _monitor(s, 70, 71, spo2=97, pulse_rate=115, resp_rate=14)
    (pulse,) = s.engine.alarms()
    assert s.engine.acknowledge(pulse.id, NURSE, s.now()).done
    if before_the_tick:
        # The console stopped after a frame 30 s into the probe off, before its tick: the
        # restart ends the pulse alarm, as the tick would have (and raises "No SpO2").
        _monitor(s, 71, 100, resp_rate=14)
        s.clock.advance(1)
        s.device("resp_rate", 14)
        assert [r[0] for r in _rows(s)] == ["pulse_rate_high"]
    else:
        _monitor(s, 71, 105, resp_rate=14)
    live = [(*row, row_text(o)) for row, o in zip(_rows(s), s.engine.alarms(), strict=True)]
    _restart(s, protocol)
    if before_the_tick:
        assert _ended(s, pulse.id) == (
            "cleared", "Pulse rate 115 beats/min, limit >110 (its value no longer counts: no "
                       "SpO2 for 30 s)")
        assert _rows(s) == [("spo2_low", "medium", "active", "No SpO2 for 30 s")]
    else:
        assert [(*row, row_text(o)) for row, o in zip(_rows(s), s.engine.alarms(),
                                                      strict=True)] == live
    s.engine.device_state_changed("connected", s.now())
    _monitor(s, 106, 300, resp_rate=14)
    assert [r[0] for r in _rows(s)] == ["spo2_low"]
    assert _reminded(s, "pulse_rate_high") == []

"""A sustained limit raised while its value was current comes back after a restart as it was
raised, at any moment (README: "A restart restores every alarm as it was"; "A sustained limit
counts readings that came one after another ... live and after a restart").

A heart rate of 130 typed at a chair with no monitor (current 20 min) was raised high, "limit
>120 for 5 min", 5 min after it was typed; the nurse acknowledged it; more than 20 min after the
value, a restart brought the same occurrence back as a medium ">110": the replay judged the
5 minutes at the restart's moment only, when the value no longer counted as current, though no
heart rate had come since (a review of the engine). Each test compares the board live with the
board a restart at that very moment rebuilds from the log: before the 5 min, at them, once the
value went stale (a monitor's after 30 s, or its vital's own shorter absence limit), and after a
new value inside the limits."""

from __future__ import annotations

import dataclasses

from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import SessionEngine
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Protocol
from tests.session.helpers import HIGH, MemoryRecorder, Session, iv_protocol, rule

IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
NURSE = "nurse.ana"
MIN = 60


def restarted(s: Session, protocol: Protocol) -> SessionEngine:
    """The session as "Restart and resume" rebuilds it at this very moment, from a copy of its
    log: the live engine and its log carry on as they are."""
    log = MemoryRecorder()
    log.opened, log.records = list(s.recorder.opened), list(s.recorder.records)
    records = log.records
    return SessionEngine.resume(
        protocol, log, 1, log.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], s.now(),
        observation_ids=[i + 1 for i, r in enumerate(records) if isinstance(r, ObservationRecord)])


def board(engine: SessionEngine, condition: str) -> list[tuple[int, str, str, str]]:
    """(id, priority, state, message) of the condition's occurrences, as the alarm bar shows."""
    return [(o.id, o.priority.label, o.state.value, o.message) for o in engine.alarms()
            if o.condition == condition]


def as_after_a_restart(s: Session, protocol: Protocol,
                       condition: str) -> list[tuple[int, str, str, str]]:
    """The condition's board live, checked equal to a restart's at this moment."""
    live = board(s.engine, condition)
    at = s.now().mono - s.origin
    assert board(restarted(s, protocol), condition) == live, f"restart at {at} s"
    return live


def acknowledge(s: Session, condition: str) -> None:
    (alarm,) = [o for o in s.engine.alarms() if o.condition == condition]
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done


def priorities(live: list[tuple[int, str, str, str]]) -> list[str]:
    """The priorities shown (acknowledged or sounding again: its reminder comes after 150 s)."""
    return [priority for _, priority, _, _ in live]


HR_130_HIGH = "Heart rate 130 beats/min, limit >120 for 5 min"


def test_an_acknowledged_high_of_a_typed_heart_rate_is_high_after_a_restart_once_stale() -> None:
    s = Session(IV)
    s.t(10 * MIN); s.manual("heart_rate", 130)   # no monitor: a typed HR, current 20 min
    for minute in range(11, 32):                  # the window's timer ticks the engine
        s.t(minute * MIN)
        if minute == 25:                          # the nurse acknowledges the high
            acknowledge(s, "heart_rate_high")
    # 21 min after the value, nothing measured since: the high it was raised at stands.
    live = board(s.engine, "heart_rate_high")
    assert [(id_, p, message) for id_, p, _, message in live] == [(1, "high", HR_130_HIGH)]
    assert board(restarted(s, IV), "heart_rate_high") == live


def test_a_typed_heart_rates_sustained_high_is_the_same_after_a_restart_at_any_moment() -> None:
    s = Session(IV)
    s.t(10 * MIN); s.manual("heart_rate", 130)   # typed at minute 10
    s.t(12 * MIN)                                 # before its 5 minutes: medium
    assert priorities(as_after_a_restart(s, IV, "heart_rate_high")) == ["medium"]
    s.t(15 * MIN)                                 # its 5 minutes: high
    assert as_after_a_restart(s, IV, "heart_rate_high") == [(1, "high", "active", HR_130_HIGH)]
    acknowledge(s, "heart_rate_high")
    for minute in (16, 30, 31, 45):               # current till minute 30; stale after it
        s.t(minute * MIN)
        shown = as_after_a_restart(s, IV, "heart_rate_high")
        assert [(id_, p, message) for id_, p, _, message in shown] == [
            (1, "high", HR_130_HIGH)], minute
    s.t(46 * MIN); s.manual("heart_rate", 90)     # a new value inside the limits
    s.t(47 * MIN)
    assert as_after_a_restart(s, IV, "heart_rate_high") == []


def test_a_monitors_sustained_high_is_the_same_after_a_restart_once_it_stopped_sending() -> None:
    s = Session(IV)
    s.engine.device_state_changed("connected", s.t(MIN))
    for second in range(2 * MIN, 2 * MIN + 291):  # an ECG's HR 125 at 1 Hz for 4 min 50 s
        s.t(second); s.device("heart_rate", 125)
    s.t(2 * MIN + 200)                            # (the last at 2 min + 290 s)
    s.t(2 * MIN + 300)                            # its 5 minutes, the last 10 s old: high
    assert priorities(as_after_a_restart(s, IV, "heart_rate_high")) == ["high"]
    acknowledge(s, "heart_rate_high")
    for second in (301, 320, 321, 330, 600):      # current 30 s: till 2 min + 320 s
        s.t(2 * MIN + second)
        assert priorities(as_after_a_restart(s, IV, "heart_rate_high")) == ["high"], second
    s.t(2 * MIN + 601); s.device("heart_rate", 90)   # it sends again, inside the limits
    for second in range(602, 613):                # an acknowledged alarm ends 10 s after
        s.t(2 * MIN + second); s.device("heart_rate", 90)
    assert priorities(as_after_a_restart(s, IV, "heart_rate_high")) == []


def test_a_monitors_run_that_went_stale_before_its_5_min_raises_no_high_after_a_restart() -> None:
    s = Session(IV)
    s.engine.device_state_changed("connected", s.t(MIN))
    for second in range(2 * MIN, 2 * MIN + 250):  # HR 125 at 1 Hz, then nothing
        s.t(second); s.device("heart_rate", 125)
    acknowledge(s, "heart_rate_high")             # the medium, seen
    for second in range(250, 601, 10):            # the last stale at 2 min + 280 s
        s.t(2 * MIN + second)
        assert "high" not in priorities(as_after_a_restart(
            s, IV, "heart_rate_high")), second


def test_an_oximeters_sustained_pulse_is_the_same_after_a_restart_once_the_probe_is_off() -> None:
    # The pulse goes with its probe's SpO2: off, the SpO2's absence (30 s) holds and the pulse
    # no longer counts, the monitor lost later or not.
    s = Session(IV)
    s.engine.device_state_changed("connected", s.t(MIN))
    for second in range(2 * MIN, 2 * MIN + 291):  # no ECG: the oximeter's pulse 125 and SpO2
        s.t(second); s.device("spo2", 97); s.device("pulse_rate", 125)
    s.t(2 * MIN + 300)
    assert priorities(as_after_a_restart(s, IV, "pulse_rate_high")) == ["high"]
    acknowledge(s, "pulse_rate_high")
    s.t(2 * MIN + 305)
    assert priorities(as_after_a_restart(s, IV, "pulse_rate_high")) == ["high"]
    for second in (320, 330):                     # "No SpO2" 30 s after the last: it ends
        s.t(2 * MIN + second)
        assert as_after_a_restart(s, IV, "pulse_rate_high") == [], second
    s.engine.device_state_changed("disconnected", s.t(2 * MIN + 400), "cable unplugged")
    for second in (401, 600):                     # and stays ended with the monitor lost
        s.t(2 * MIN + second)
        assert as_after_a_restart(s, IV, "pulse_rate_high") == [], second


def test_a_lost_oximeters_sustained_pulse_is_the_same_after_a_restart_once_stale() -> None:
    # The monitor lost before the SpO2's absence limit: no absence is expected of it, its last
    # pulse goes stale 30 s after it came, and the high raised while it was current stands.
    s = Session(IV)
    s.engine.device_state_changed("connected", s.t(MIN))
    for second in range(2 * MIN, 2 * MIN + 291):  # the last at 2 min + 290 s
        s.t(second); s.device("spo2", 97); s.device("pulse_rate", 125)
    s.engine.device_state_changed("disconnected", s.t(2 * MIN + 295), "cable unplugged")
    s.t(2 * MIN + 300)
    assert priorities(as_after_a_restart(s, IV, "pulse_rate_high")) == ["high"]
    acknowledge(s, "pulse_rate_high")
    for second in (320, 321, 600):                # stale after 2 min + 320 s
        s.t(2 * MIN + second)
        assert priorities(as_after_a_restart(s, IV, "pulse_rate_high")) == ["high"], second


def _sustained(metric_name: str, direction: str, **limits: float) -> Protocol:
    """The test protocol with a high sustained rule on `metric_name` (as a clinic may load one:
    `sustained_seconds` is taken on heart rate, pulse rate, RR and SpO2)."""
    protocol = iv_protocol()
    return dataclasses.replace(protocol, alarms=(
        *protocol.alarms, rule(metric_name, HIGH, direction, **limits, sustained_seconds=120)))


def test_a_sustained_low_spo2_is_the_same_after_a_restart_once_it_stopped_sending() -> None:
    protocol = _sustained("spo2", "low", at_or_below=92)
    s = Session(protocol)
    s.engine.device_state_changed("connected", s.t(MIN))
    for second in range(2 * MIN, 2 * MIN + 111):  # SpO2 92 at 1 Hz for 1 min 50 s
        s.t(second); s.device("spo2", 92)
    s.t(2 * MIN + 119)
    assert priorities(as_after_a_restart(s, protocol, "spo2_low")) == ["medium"]
    s.t(2 * MIN + 120)                            # its 2 minutes, the last 10 s old: high
    assert priorities(as_after_a_restart(s, protocol, "spo2_low")) == ["high"]
    acknowledge(s, "spo2_low")
    s.engine.device_state_changed("disconnected", s.t(2 * MIN + 125), "cable unplugged")
    for second in (130, 141, 300):                # stale after 2 min + 140 s
        s.t(2 * MIN + second)
        assert priorities(as_after_a_restart(s, protocol, "spo2_low")) == ["high"], second


def test_a_lost_monitors_sustained_high_rr_is_the_same_after_a_restart_once_stale() -> None:
    # RR stops being current after its absence limit (20 s), sooner than a tile's 30 s; the
    # monitor lost, no RR is expected of it, so no absence takes its place.
    protocol = _sustained("resp_rate", "high", at_or_above=25)
    s = Session(protocol)
    s.engine.device_state_changed("connected", s.t(MIN))
    for second in range(2 * MIN, 2 * MIN + 106):  # RR 26 at 1 Hz, the last at 2 min + 105 s
        s.t(second); s.device("resp_rate", 26)
    s.engine.device_state_changed("disconnected", s.t(2 * MIN + 110), "cable unplugged")
    s.t(2 * MIN + 120)                            # its 2 minutes, the last 15 s old: high
    assert priorities(as_after_a_restart(s, protocol, "resp_rate_high")) == ["high"]
    acknowledge(s, "resp_rate_high")
    for second in (125, 126, 300):                # stale after 2 min + 125 s
        s.t(2 * MIN + second)
        assert priorities(as_after_a_restart(s, protocol, "resp_rate_high")) == ["high"], second


def test_a_sustained_high_rr_ends_after_a_restart_as_live_once_its_absence_holds() -> None:
    protocol = _sustained("resp_rate", "high", at_or_above=25)
    s = Session(protocol)
    s.engine.device_state_changed("connected", s.t(MIN))
    for second in range(2 * MIN, 2 * MIN + 106):  # RR 26 at 1 Hz, the last at 2 min + 105 s
        s.t(second); s.device("resp_rate", 26)
    s.t(2 * MIN + 120)
    assert priorities(as_after_a_restart(s, protocol, "resp_rate_high")) == ["high"]
    acknowledge(s, "resp_rate_high")
    s.t(2 * MIN + 124)                            # its last still counts
    assert priorities(as_after_a_restart(s, protocol, "resp_rate_high")) == ["high"]
    for second in (125, 300):                     # "No respiratory rate" holds: it ends
        s.t(2 * MIN + second)
        assert as_after_a_restart(s, protocol, "resp_rate_high") == [], second


def test_a_rr_run_that_stopped_counting_before_its_time_raises_no_high_after_a_restart() -> None:
    protocol = _sustained("resp_rate", "high", at_or_above=25)
    s = Session(protocol)
    s.engine.device_state_changed("connected", s.t(MIN))
    for second in range(2 * MIN, 2 * MIN + 95):   # the last at 2 min + 94 s: stale at 114 s
        s.t(second); s.device("resp_rate", 26)
    s.engine.device_state_changed("disconnected", s.t(2 * MIN + 96), "cable unplugged")
    for second in range(100, 301, 5):
        s.t(2 * MIN + second)
        assert "high" not in priorities(as_after_a_restart(
            s, protocol, "resp_rate_high")), second

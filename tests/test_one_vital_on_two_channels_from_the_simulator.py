"""QA plays one vital on two channels with `infusion-sim`, no hardware: the simulated monitor
on a real pseudo-terminal (HL7) or a real loopback UDP port (IntelliVue on the LAN), the
console's decoder and engine, the log. The README: "One vital on two channels: the worse is
judged"; before, the simulator sent one channel of each vital, so QA could not see it.

- `obstructed-airway`: capnography's airway RR falls to 6 while the chest-impedance RR keeps
  counting 14.
- `probe-disagreement`: one SpO2 probe reads 85, the other 97.

The scenario's expected alarm is the one the console raises, once, standing (judged one
channel after the other it was raised and cleared every second), and the other channel's rows
are logged, flagged OTHER_CHANNEL."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from console.store import EventLog
from devices.profiles import Poll, Profile
from devices.reading import OTHER_CHANNEL
from devices.simulator import cli
from devices.simulator.answering import answer_in_thread
from devices.simulator.scenario import ALARM_METRICS, ScenarioError, load_builtin
from tests.test_asked_devices_to_log import SPEED, START, Chair
from tests.test_serial_to_log import run_scenario

PHYSIOLOGICAL = {condition for condition, metric in ALARM_METRICS.items() if metric is not None}


def raised(log: EventLog, session_id: int) -> Counter[tuple[str, str]]:
    """(condition, transition) of each alarm step of the patient's vitals in the log."""
    return Counter((t.condition, t.transition) for _, t in log.alarm_events(session_id)
                   if t.condition in PHYSIOLOGICAL)


def rows_by_frame(log: EventLog, session_id: int, metric: str, by_arrival: bool = False,
                  ) -> dict[datetime | None, list[tuple[float, str, bool]]]:
    """Each frame's (value, channel, flagged OTHER_CHANNEL) rows of `metric`, by its time: the
    device's (an HL7 OBX-14), or with `by_arrival` when it was handed on (an IntelliVue poll's
    numerics carry no time of their own)."""
    frames: dict[datetime | None, list[tuple[float, str, bool]]] = defaultdict(list)
    for _, row in log.observations(session_id):
        if row.metric == metric:
            at = row.received_at if by_arrival else row.measured_at
            frames[at].append((row.value, row.channel, OTHER_CHANNEL in row.flags))
    return frames


@pytest.mark.parametrize(("scenario", "metric", "worse", "judged", "other"), [
    # (the vital, the worse channel's limit, the judged channel, the other channel and its value)
    ("obstructed-airway", "resp_rate", 8, "1.4.1.1", ("1.1.2.1", 14)),   # airway beside chest
    ("probe-disagreement", "spo2", 90, "1.2.1.1", ("1.2.2.1", 97)),      # probe 1 beside probe 2
])
def test_a_scenario_on_two_channels_raises_its_expected_alarm_once_over_a_pty(
        tmp_path: Path, scenario: str, metric: str, worse: float, judged: str,
        other: tuple[str, float]) -> None:
    log, engine, _ = run_scenario(tmp_path, scenario)
    assert engine is not None
    steps = raised(log, engine.session_id)
    condition, = load_builtin(scenario).expect.alarms
    # The alarm the scenario promises, and only it.
    assert {c for c, transition in steps if transition == "raised"} == {condition}, steps
    # Raised once and standing while the other channel reads normal: it ends at most once,
    # when the patient recovers (it had been raised and cleared every second).
    assert steps[condition, "raised"] == 1, steps
    assert steps[condition, "cleared"] + steps[condition, "latched"] <= 1, steps
    frames = rows_by_frame(log, engine.session_id, metric)
    assert frames
    for rows in frames.values():
        # Both channels logged, one judged (unflagged), the other flagged OTHER_CHANNEL.
        assert sorted(channel for _, channel, _ in rows) == sorted([judged, other[0]]), rows
        assert [flag for *_, flag in rows].count(False) == 1, rows
    breaching = [rows for rows in frames.values()
                 if any(channel == judged and value <= worse for value, channel, _ in rows)]
    assert len(breaching) >= 60, "the worse channel was not sent for the scenario's minutes"
    for rows in breaching:
        # The worse value is judged; the other channel's normal value logged, flagged.
        assert {(channel, flag) for _, channel, flag in rows} == {(judged, False),
                                                                   (other[0], True)}, rows
        assert [value for value, channel, _ in rows if channel == other[0]] == [other[1]]
    assert log.verify().ok


def test_obstructed_airway_over_an_intellivue_on_the_lan(tmp_path: Path) -> None:
    # The airway RR numeric (0x5012) beside the impedance RR (0x500A), in each poll's reply.
    device = answer_in_thread("obstructed-airway", "intellivue-lan", speed=SPEED, start=START)
    profile = Profile(name="intellivue", model="Philips IntelliVue", format="intellivue",
                      connection="udp", poll=Poll(period_seconds=0.5))
    chair = Chair(tmp_path, device.port_path, profile)
    try:
        chair.start()
        assert chair.engine is not None
        session = chair.engine.session_id

        def rr_polls() -> list[dict[str, tuple[float, bool]]]:
            """Each poll's RR rows, channel -> (value, flagged OTHER_CHANNEL), in log order (an
            IntelliVue's numerics carry no time of their own): the impedance's, then the
            airway's."""
            rows = [(r.channel.split(":")[0], r.value, OTHER_CHANNEL in r.flags)
                    for _, r in chair.log.observations(session) if r.metric == "resp_rate"]
            assert [ch for ch, *_ in rows] == ["RESP_RATE", "AWAY_RESP_RATE"] * (len(rows) // 2) \
                + ["RESP_RATE"] * (len(rows) % 2), rows
            return [{ch: (v, flag) for ch, v, flag in rows[i:i + 2]}
                    for i in range(0, len(rows) - 1, 2)]

        def obstructed() -> list[dict[str, tuple[float, bool]]]:
            return [poll for poll in rr_polls() if poll["AWAY_RESP_RATE"][0] <= 8]

        # Minute 10 to 25 of the scenario: 7.5 s at x120, a poll every 0.5 s.
        chair.pump_until(lambda: len(obstructed()) >= 8, 30,
                         "eight polls' airway RR of the obstruction")
        steps = raised(chair.log, session)
        assert {c for c, transition in steps if transition == "raised"} == {"resp_rate_low"}
        assert steps["resp_rate_low", "raised"] == 1, steps
        assert steps["resp_rate_low", "cleared"] == steps["resp_rate_low", "latched"] == 0, steps
        assert [o.condition for o in chair.engine.alarms()
                if o.category == "physiological"] == ["resp_rate_low"]
        for poll in rr_polls():
            # Each poll: one channel judged, the other logged flagged; the impedance reads 14.
            assert [flag for _, flag in poll.values()].count(False) == 1, poll
            assert poll["RESP_RATE"][0] == 14.0, poll
        for poll in obstructed():
            assert poll["AWAY_RESP_RATE"][1] is False and poll["RESP_RATE"][1] is True, poll
        assert chair.log.verify().ok
    finally:
        chair.close(device)


@pytest.mark.parametrize(("scenario", "what", "formats"), [
    ("obstructed-airway", "the chest-impedance RR beside capnography's airway RR",
     "hl7, intellivue, intellivue-lan"),
    ("probe-disagreement", "a second pulse-oximeter probe", "hl7"),
])
@pytest.mark.parametrize("fmt", ["masimo", "ansar-b"])
def test_a_format_that_cannot_carry_a_second_channel_refuses_it_in_one_line(
        capsys: pytest.CaptureFixture[str], scenario: str, what: str, formats: str,
        fmt: str) -> None:
    # Never played on one channel: QA would wait for the judging it came to test.
    argv = ["--scenario", scenario, "--format", fmt, "--no-wait", "--speed", "1000000",
            "--duration-minutes", "40"]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"infusion-sim: error: {scenario}.toml: second_channel.{metric_of(scenario)}: the {fmt} "
        f"simulator cannot send {what} (one vital on two channels); formats that can: "
        f"{formats} (give one of them with --format)\n")


def metric_of(scenario: str) -> str:
    return next(iter(load_builtin(scenario).second_channels))


@pytest.mark.parametrize("fmt", ["philips-efficia", "draeger-gateway", "mindray-gateway",
                                 "mindray-bedside"])
def test_an_asked_device_with_one_rr_refuses_the_obstruction_before_a_port_opens(
        fmt: str) -> None:
    with pytest.raises(ScenarioError, match="cannot send the chest-impedance RR beside"):
        answer_in_thread("obstructed-airway", fmt, 1000.0, bed="192.0.2.21")

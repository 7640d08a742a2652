"""`infusion-sim --duration-minutes` shorter than a scenario's steps is refused, never played
without them (a review of the simulator).

`infusion-sim --scenario disconnect --duration-minutes 5` exited 0 having never unplugged: the
run ended before the disconnect at minute 10, and the device_lost `--list` promises never came,
without a word, though a scenario file with the same step after its own `duration_minutes` is
refused ("must be before the end"). In a scenario that expects alarms a ramp is played to its
end (tests/devices/test_simulator_duration_plays_each_ramp_to_its_end.py). A scenario that
promises no alarm (`normal`) may still be cut short in its drift: half a minute of it is the
QA's quick check of the port."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devices.simulator import cli
from devices.simulator.scenario import ScenarioError, check_duration, load_builtin
from tests.devices.test_simulator_cli import run_sim, stopper


def refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The program's one line for `argv`, which it refuses (exit 2) before any port opens."""
    assert cli.main(argv) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""   # no port printed: none was opened
    (line,) = captured.err.splitlines()
    return line


def test_a_run_that_ends_before_the_disconnect_is_refused_naming_it_and_the_least_duration(
        capsys: pytest.CaptureFixture[str]) -> None:
    # disconnect.toml: its one disconnect is at minute 10, its expected alarm device_lost; its BP
    # drift (minute 3 to 33) is no vital of that alarm and needs only to be reached.
    # (--no-wait, fast: played as before, it ends on its own with 0, it does not hang)
    line = refusal(["--scenario", "disconnect", "--duration-minutes", "5", "--speed", "100000",
                    "--no-wait"], capsys)
    assert line == (
        "infusion-sim: error: disconnect.toml: --duration-minutes 5: ends the run before its "
        "disconnect at minute 10, which would not be played (the scenario expects device_lost); "
        "give more than 10 (its last step is at minute 10), or leave --duration-minutes out "
        "(the scenario's 40)")


def test_a_run_that_ends_before_the_ramp_its_alarm_needs_is_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    # tachypnea.toml: RR climbs from minute 10 to 18 (resp_rate_high), back down from minute 30
    # (a recovery, needing only to be reached).
    line = refusal(["--scenario", "tachypnea", "--duration-minutes", "5", "--speed", "100000",
                    "--no-wait"], capsys)
    assert line == (
        "infusion-sim: error: tachypnea.toml: --duration-minutes 5: ends the run before its "
        "ramp of resp_rate from minute 10 reaches 29 at minute 18, which would not be played "
        "whole (the scenario expects resp_rate_high); give more than 30 (its last step is at "
        "minute 30), or leave --duration-minutes out (the scenario's 45)")


def test_an_asked_device_is_held_to_the_same_rule_before_its_port_opens(
        stoppers: list[Callable[[], object]]) -> None:
    # In its own process: an asked device, played, answers until it is stopped.
    proc = run_sim("--scenario", "tachypnea", "--format", "philips-efficia",
                   "--duration-minutes", "29.5")
    stoppers.append(stopper(proc))
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out) == (cli.EXIT_USAGE, "")
    assert err.startswith("infusion-sim: error: tachypnea.toml: --duration-minutes 29.5: ends "
                          "the run before its ramp of resp_rate at minute 30, ")
    assert err.count("\n") == 1


def test_a_run_past_the_last_step_plays_every_step() -> None:
    # The file check's rule: a step at minute 10 needs a duration of more than 10; a ramp toward
    # an expected alarm's limit, one that lasts to its end (tachypnea's RR up: minute 18; its
    # ramp back down from minute 30 is a step to reach).
    check_duration(load_builtin("disconnect"), 10.5)
    check_duration(load_builtin("tachypnea"), 30.01)
    check_duration(load_builtin("tachypnea"), None)   # the scenario's own duration
    with pytest.raises(ScenarioError, match="before its disconnect at minute 10,"):
        check_duration(load_builtin("disconnect"), 10)


def test_a_scenario_that_promises_no_alarm_may_be_cut_short_in_its_drift() -> None:
    # normal.toml: BP ramps from minute 3 and back from 37, no alarm expected.
    normal = load_builtin("normal")
    assert normal.expect.alarms == () and {s.action for s in normal.steps} == {"ramp"}
    check_duration(normal, 0.5)

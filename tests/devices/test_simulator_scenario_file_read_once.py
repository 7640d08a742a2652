"""`infusion-sim --scenario-file FILE` reads and checks the file once, before it waits for a
reader, and plays that scenario whatever happens to the file meanwhile.

Before: it read the file again when the console opened the port, outside its handling of
scenario errors. A QA engineer editing the file for the next run while the simulator waited got
a Python traceback (the module docstring promises one line, exit 2, for bad arguments), and a
valid edit was played silently under the header line of the scenario announced before it.
The program runs in its own process on real time; the test waits on its output lines, not on
time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from devices.simulator.scenario import compile_timeline, load_scenario
from devices.transport import DeviceConnection
from tests.devices.test_simulator_cli import ROOT, T0, S, rest_of_stderr, run_sim, stopper
from tests.devices.test_transport import EventLog

NORMAL = (ROOT / "devices/simulator/scenarios/normal.toml").read_text(encoding="utf-8")

EDITS: dict[str, Callable[[Path], object]] = {
    "deleted": Path.unlink,
    "saved half-way": lambda path: path.write_text("duration_minutes = \n", encoding="utf-8"),
    "another scenario": lambda path: path.write_text(
        NORMAL.replace('name = "normal"', 'name = "tweaked"')
              .replace("heart_rate = 76", "heart_rate = 130"), encoding="utf-8"),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_scenario_file_changed_while_waiting_for_the_console_plays_as_announced(
        stoppers: list[Callable[[], object]], tmp_path: Path, edit: str) -> None:
    scenario = tmp_path / "mine.toml"
    scenario.write_text(NORMAL.replace('name = "normal"', 'name = "mine"'), encoding="utf-8")
    announced = compile_timeline(load_scenario(scenario), "hl7", 1, T0, 0.1)
    proc = run_sim("--scenario-file", str(scenario), "--speed", "20", "--duration-minutes", "0.1")
    stoppers.append(stopper(proc))
    assert proc.stdout is not None and proc.stderr is not None
    port = proc.stdout.readline().strip()
    assert proc.stderr.readline().startswith("# mine: hl7, 0.1 min at x20")
    assert proc.stderr.readline() == f"# waiting for a reader on {port}\n"
    EDITS[edit](scenario)   # the next run's tweak, while this one waits for the console

    events = EventLog()
    conn = DeviceConnection(port, "hl7", events)
    stoppers.append(conn.stop)
    conn.start()
    events.wait_state(S.DISCONNECTED, timeout=30)   # the program closes its port at the end
    lines = rest_of_stderr(proc)   # exit 0, no traceback
    # The console read the scenario announced, as the file said when the simulator started.
    heart_rates = [r.value for r in events.readings() if r.metric == "heart_rate"]
    assert heart_rates == [truth["heart_rate"] for _, truth in announced.truths]
    assert lines[-1].startswith(f"# finished: {announced.valid_frames()} frames written, "
                                "0 not delivered ")

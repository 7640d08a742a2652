"""A simulated bedside device: physiology, scenario files, encoders for the real formats, a player.

The simulator speaks what real monitors send (HL7 PCD-01 over MLLP, Masimo ASCII lines, Ivy
ANSAR-B) over a real pseudo-terminal, so the console's serial path is tested end to end; a device
that must be asked answers on the connection its device profile names (a pty, or a loopback TCP
or UDP port).
Entry points: `start_in_thread` (the console's --demo and tests), `replay`, and the
`infusion-sim` command (`devices.simulator.cli:main`).
"""

from devices.simulator.player import SimulatorHandle, replay, start_in_thread
from devices.simulator.scenario import (
    Scenario,
    ScenarioError,
    Timeline,
    builtin_names,
    compile_timeline,
    load_builtin,
    load_scenario,
)

__all__ = [
    "Scenario",
    "ScenarioError",
    "SimulatorHandle",
    "Timeline",
    "builtin_names",
    "compile_timeline",
    "load_builtin",
    "load_scenario",
    "replay",
    "start_in_thread",
]

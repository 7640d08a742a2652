"""Two chairs, two `infusion-sim` runs: each simulated monitor says who it is, as a real one does
(a review of the simulator).

Every run had sent the same identity (HL7 MSH-3 `INFUSION-SIM^0200000000ABCDEF^EUI-64`, Masimo
`SN=0000012345`, IntelliVue system id `0009fb000001`, Mindray `MINDRAY-SIM`), so a console reading
the other chair's simulator (a swapped or leftover link: the walk that led to the engine's
"Another monitor is sending", `SessionEngine._monitor_identity`) took its values silently: the
engine compares what devices say they are. Each run now is its own monitor, named on its stderr
header; `--device-id` names it (the same monitor run again). The console's demo keeps one fixed
identity: its session, resumed after a restart, reads a new simulator as the same monitor.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from console.session.alarms import DEVICE_CHANGED
from devices.profiles import resolve
from devices.reading import Reading
from devices.simulator import cli
from devices.simulator.encode import DEFAULT_IDENTITY
from devices.simulator.scenario import compile_timeline, load_builtin
from devices.transport import ConnectionState, DeviceConnection
from tests.devices.test_simulator_cli import rest_of_stderr, run_sim, stopper
from tests.devices.test_simulator_serves_profiles import chair_profile, clinic_folder
from tests.devices.test_transport import EventLog
from tests.session.helpers import Session

__all__ = ["clinic_folder"]   # the fixture, used by name

DEVICE_ID = "02C0FFEE00000001"
DEVICES = {
    # what `--format` plays -> how the console reads it (a format, or a shipped device profile)
    "hl7": "hl7",
    "masimo": "masimo",
    "philips-efficia": "philips-efficia-cm",
    "intellivue": "philips-intellivue-mib",
    "intellivue-lan": "philips-intellivue-lan",
    "mindray-bedside": "mindray-bedside",
    "mindray-gateway": "mindray-gateway",
    "draeger-gateway": "draeger-infinity-gateway",
}
BEDS = {"mindray-gateway": "192.0.2.21", "draeger-gateway": "ICU1/Bed3"}


def chair_monitor(stoppers: list[Callable[[], object]], reads: str, *args: str,
                  to_the_end: bool = False) -> tuple[str, list[list[Reading]]]:
    """Run `infusion-sim` with `args` as QA does for one chair, and read it as the console does
    (`reads`: a format or a profile); returns its stderr header and the readings of each message
    read: its first values, or with `to_the_end` all it plays."""
    proc = run_sim(*args)
    stoppers.append(stopper(proc))
    assert proc.stdout is not None and proc.stderr is not None
    address = proc.stdout.readline().strip()
    header = proc.stderr.readline()
    events = EventLog()
    conn = DeviceConnection(address, reads if reads in ("hl7", "masimo") else resolve(reads),
                            events)
    stoppers.append(conn.stop)
    conn.start()
    if to_the_end:
        events.wait_state(ConnectionState.DISCONNECTED, timeout=30)   # it closes its port
    else:
        events.wait_for(lambda e: bool(e.readings), timeout=20, what="values")
        conn.stop()
        proc.terminate()   # SIGTERM: it closes its port and exits 0
    assert "Traceback" not in "\n".join(rest_of_stderr(proc))
    return header, [list(e.readings) for e in events.seen if e.readings]


def sources(messages: list[list[Reading]]) -> set[str]:
    return {r.source for readings in messages for r in readings}


def read_in_one_session(*chairs: list[list[Reading]]) -> Session:
    """A session in its infusion reading the chairs' messages one after the other, a second
    apart, all on one port (a swapped or leftover link)."""
    s = Session()
    s.to_infusion()
    t = 60.0
    for messages in chairs:
        for readings in messages:
            s.t(t)
            s.engine.ingest_message(readings, s.now(), device="/dev/ttyUSB0")
            t += 1
    return s


def another_monitor(s: Session) -> list[str]:
    return [o.message for o in s.engine.alarms() if o.condition == DEVICE_CHANGED]


def test_a_console_reading_the_other_chairs_simulator_says_another_monitor_is_sending(
        stoppers: list[Callable[[], object]]) -> None:
    # Chair A's and chair B's simulated monitors, each run as QA runs it.
    short = ("--speed", "60", "--duration-minutes", "0.05")
    header_a, from_a = chair_monitor(stoppers, "hl7", "--scenario", "normal", *short,
                                     to_the_end=True)
    header_b, from_b = chair_monitor(stoppers, "hl7", "--scenario", "normal", "--seed", "2",
                                     *short, to_the_end=True)
    assert from_a and from_b
    # Each is its own monitor, and its header line says which.
    (a,), (b,) = sources(from_a), sources(from_b)
    assert a != b, f"both simulators say they are {a}"
    assert a.removeprefix("hl7:") in header_a and b.removeprefix("hl7:") in header_b
    # Chair A's console reads its own monitor, then (a swapped cable, a leftover link) chair B's.
    s = read_in_one_session(from_a, from_b)
    assert another_monitor(s) == [
        "Another monitor is sending: check that it is on this patient, then reset"]


def test_a_simulator_run_again_with_its_device_id_is_the_same_monitor(
        stoppers: list[Callable[[], object]]) -> None:
    short = ("--speed", "60", "--duration-minutes", "0.05", "--device-id", DEVICE_ID)
    header, first = chair_monitor(stoppers, "hl7", *short, to_the_end=True)
    _, again = chair_monitor(stoppers, "hl7", *short, to_the_end=True)   # the QA restarts it
    assert sources(first) == sources(again) == {f"hl7:INFUSION-SIM^{DEVICE_ID}^EUI-64"}
    assert header.startswith(f"# normal: hl7, 0.05 min at x60, as device {DEVICE_ID} (MSH-3 "
                             f"INFUSION-SIM^{DEVICE_ID}^EUI-64)")
    assert another_monitor(read_in_one_session(first, again)) == []


@pytest.mark.parametrize("fmt", sorted(DEVICES))
def test_each_run_of_a_simulated_device_is_another_monitor_its_header_names(
        fmt: str, clinic_folder: Path, stoppers: list[Callable[[], object]]) -> None:
    reads = DEVICES[fmt]
    if fmt in BEDS:   # the clinic's copy of the gateway's profile, with the chair's bed
        reads = chair_profile(reads, clinic_folder)
    args = ("--format", fmt, *(("--bed", BEDS[fmt]) if fmt in BEDS else ()))
    runs = [chair_monitor(stoppers, reads, *args) for _ in range(2)]
    said = [sources(messages) for _, messages in runs]
    assert [len(s) for s in said] == [1, 1] and said[0] != said[1], said
    for (header, _), (source,) in zip(runs, said, strict=True):
        # What the console logs as the device (`monitor_changed`), in what the header names.
        assert source.split(":", 1)[1] in header, (source, header)
    # Given, the identity is the one named.
    header, messages = chair_monitor(stoppers, reads, *args, "--device-id", DEVICE_ID)
    assert f"as device {DEVICE_ID} (" in header
    (source,) = sources(messages)
    assert source.split(":", 1)[1] in header


@pytest.mark.parametrize("device_id", ["12345", "02C0FFEE000000011", "02C0FFEE0000000G",
                                       "01C0FFEE00000001", "00C0FFEE00000001"])
def test_a_device_id_no_simulator_can_be_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], device_id: str) -> None:
    # (short and fast: were it ignored, this would play and exit 0, not hang)
    assert cli.main(["--device-id", device_id, "--duration-minutes", "0.01", "--speed", "60",
                     "--no-wait"]) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"infusion-sim: error: argument --device-id: must be 16 hex digits, the second of them "
        f"2, 6, A or E (a locally administered EUI-64: no vendor's monitor has one), got "
        f"{device_id!r}; e.g. {DEVICE_ID}\n")


def test_a_capture_replayed_keeps_its_own_monitor(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--replay", "capture.bin", "--device-id", DEVICE_ID]) == cli.EXIT_USAGE
    assert capsys.readouterr().err == (
        "infusion-sim: error: --replay plays a capture as it is, as the monitor captured: "
        "--device-id cannot change it; leave it out\n")


def test_the_demos_monitor_is_the_same_monitor_whenever_it_is_made() -> None:
    # The console's --demo plays `start_in_thread` with the library's fixed identity: a session
    # resumed after a restart reads the new process's simulator as the monitor it had.
    first = compile_timeline(load_builtin("normal"), "hl7", duration_minutes=0.05)
    again = compile_timeline(load_builtin("normal"), "hl7", duration_minutes=0.05)
    assert first.data() == again.data()
    assert f"|{DEFAULT_IDENTITY.sending_app}|".encode() in first.data()

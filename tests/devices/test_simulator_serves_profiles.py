"""Every shipped device profile against `infusion-sim`, as QA runs them: the program in its own
process, its first stdout line given to the console as the device address, the console's start
check on that address, then the console's transport (`DeviceConnection` through the profile)
reading real values from it.

The gateway profiles name a TCP connection: before, the simulator served them on a pty only,
which the console's start check refuses for such a profile ("talks over the network (TCP)"),
so a gateway profile could not be run against the simulator end to end.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from console.session.start_checks import device_problems
from devices.profiles import Poll, Profile, builtin_profiles_dir, format_for, load_profile, resolve
from devices.transport import DeviceConnection
from tests.devices.test_simulator_cli import rest_of_stderr, run_sim, stopper
from tests.devices.test_transport import EventLog

PLAYED_BY = {
    "draeger-infinity": ("--format", "hl7"),
    "nihon-kohden-pvm": ("--format", "hl7"),
    "philips-efficia-cm": ("--format", "philips-efficia"),
    "philips-intellivue-mib": ("--format", "intellivue"),
    "philips-intellivue-lan": ("--format", "intellivue-lan"),
    "mindray-bedside": ("--format", "mindray-bedside"),
    "mindray-gateway": ("--format", "mindray-gateway", "--bed", "192.0.2.21"),
    "draeger-infinity-gateway": ("--format", "draeger-gateway", "--bed", "ICU1/Bed3"),
}
"""The `infusion-sim` arguments that play each shipped profile's device (a gateway's `--bed` is
the one set in the clinic's copy of its profile)."""
ADDRESS_KINDS = {"serial": "/", "tcp": "socket://127.0.0.1:", "udp": "udp://127.0.0.1:"}
"""How the address the simulator prints begins, by the profile's connection."""


@pytest.fixture
def clinic_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The clinic's device profile folder, under this test's own configuration home."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "config" / "infusion-console" / "devices" / "profiles"
    folder.mkdir(parents=True)
    return folder


def chair_profile(name: str, clinic_folder: Path) -> str:
    """The profile a chair uses: the shipped one, or for a gateway the clinic's copy of it with
    this chair's bed set (a shipped gateway profile names no bed and cannot be chosen)."""
    args = PLAYED_BY[name]
    if "--bed" not in args:
        return name
    bed = args[args.index("--bed") + 1]
    text = (builtin_profiles_dir() / f"{name}.toml").read_text(encoding="utf-8")
    assert 'bed = ""' in text
    (clinic_folder / f"chair-3-{name}.toml").write_text(text.replace('bed = ""', f'bed = "{bed}"'),
                                                        encoding="utf-8")
    return f"chair-3-{name}"


def test_every_shipped_profile_has_a_simulated_device() -> None:
    shipped = {p.stem for p in builtin_profiles_dir().glob("*.toml")}
    assert shipped == set(PLAYED_BY)


@pytest.mark.parametrize("name", sorted(PLAYED_BY))
def test_the_simulator_serves_a_shipped_profile_where_and_as_the_console_opens_it(
    name: str, clinic_folder: Path, stoppers: list[Callable[[], object]],
) -> None:
    profile_name = chair_profile(name, clinic_folder)
    connection = load_profile(builtin_profiles_dir() / f"{name}.toml").connection
    proc = run_sim(*PLAYED_BY[name])
    stoppers.append(stopper(proc))
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    # The address is of the kind the profile names, and the console's start check takes it.
    assert address.startswith(ADDRESS_KINDS[connection]), (connection, address)
    if connection == "serial":
        assert os.path.exists(address)
    assert device_problems(address, profile_name) == []
    events = EventLog()
    conn = DeviceConnection(address, resolve(profile_name), events)
    stoppers.append(conn.stop)
    conn.start()
    events.wait_for(lambda e: bool(events.counts["heart_rate"] and events.counts["spo2"]),
                    timeout=20, what="a heart rate and an SpO2")
    # The scenario's patient (normal: HR 76, SpO2 98); a gateway's other bed (HR +30, SpO2 -10)
    # never reaches the chair.
    heart_rates = [r.value for r in events.readings("heart_rate")]
    spo2 = [r.value for r in events.readings("spo2")]
    assert all(60 <= v <= 95 for v in heart_rates) and all(v >= 93 for v in spo2), (
        heart_rates, spo2)
    conn.stop()
    proc.terminate()   # SIGTERM: it closes its port and exits 0
    assert "Traceback" not in "\n".join(rest_of_stderr(proc))


def test_a_gateway_is_still_served_on_a_pty_when_asked_for(
    stoppers: list[Callable[[], object]],
) -> None:
    proc = run_sim("--format", "draeger-gateway", "--bed", "ICU1/Bed3", "--connection", "serial")
    stoppers.append(stopper(proc))
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    assert os.path.islink(address)
    # A profile that reads the gateway through a port path.
    profile = Profile(name="gateway-on-a-line", model="Dräger gateway on a line",
                      format="hl7-polled", dialect="draeger-infinity", connection="serial",
                      poll=Poll(period_seconds=5, query="draeger-gateway", bed="ICU1/Bed3"))
    events = EventLog()
    conn = DeviceConnection(address, format_for(profile), events)
    stoppers.append(conn.stop)
    conn.start()
    events.wait_for(lambda e: bool(events.counts["heart_rate"]), timeout=20, what="a heart rate")
    conn.stop()
    proc.terminate()
    assert "Traceback" not in "\n".join(rest_of_stderr(proc))

"""A monitor's code map refused as its port opens is a disconnection retried, never the reader's
end.

A profile that names a code map (Dräger Infinity, Nihon Kohden) reads the code maps again at every
(re)open. A clinic copy saved with a typo, or its folder unreadable for a moment, refused the
decoder outside the open's guard: the reader thread ended ("reader failed", then stopped) and the
monitor was never read again until a restart, the file put right and the cable fine, under a
"Device disconnected: reading it failed" a replug did nothing for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import serial

from devices.transport import ConnectionState, DeviceConnection
from tests.devices.test_transport import EventLog, start

S = ConnectionState


def test_a_code_map_refused_at_an_open_is_disconnected_naming_the_file_then_read_once_put_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stoppers: list[Callable[[], object]]
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    clinic = tmp_path / "infusion-console" / "devices" / "dialects" / "draeger-infinity.toml"
    ports: list[serial.SerialBase] = []

    def loop(url: str) -> serial.SerialBase:
        ports.append(serial.serial_for_url("loop://", do_not_open=True))
        return ports[-1]

    events = EventLog()
    conn = DeviceConnection("loop://", "draeger-infinity", events, serial_factory=loop,
                            backoff_first=0.05, backoff_cap=0.2)
    # IT saves the clinic's copy of the code map with a typo while the session runs.
    clinic.parent.mkdir(parents=True)
    clinic.write_text("this is = = not toml\n", encoding="utf-8")
    start(conn, stoppers)
    # Step 1: the port opens but its decoder cannot be built: disconnected, the file and the
    # reason in one line, the port closed again.
    refused = events.wait_state(S.DISCONNECTED)
    assert refused.detail.startswith(f"cannot read {clinic}: (file): not valid TOML: ")
    assert "\n" not in refused.detail
    assert ports and not ports[0].is_open
    assert conn.is_running
    # Step 2: the file put right, the next try of the back-off reads the monitor.
    clinic.unlink()
    events.wait_state(S.CONNECTING, timeout=3)
    assert conn.is_running and conn.stats.opens == 1
    assert events.states() == [S.DISCONNECTED, S.CONNECTING]

"""The trend snapshot a chair publishes every 30 s for the central station (network_bridge.py
`_publish`): the session's values so far and where its device lines break. Each period reads
only what the log took since the last one; an unplug logged between two periods must still break
the central's line, and a value logged between them must still be drawn."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

from console.clock import ManualClock
from console.network.config import NetworkConfig
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from console.ui.network_bridge import NetworkBridge
from devices.reading import Reading
from protocols.vitals import metric
from tests.session.helpers import START, iv_protocol


class _Link(types.SimpleNamespace):
    """The link's face the bridge publishes through; keeps each trend snapshot."""

    def __init__(self, log: EventLog) -> None:
        super().__init__(config=NetworkConfig(chair="chair-1"), log=log, status_seq=0,
                         trends=[])

    def publish_status(self, status: dict[str, Any]) -> None:
        pass

    def publish_trend(self, trend: dict[str, Any]) -> None:
        self.trends.append(trend)


def test_an_unplug_between_two_snapshots_breaks_the_central_line_and_later_values_come(
        tmp_path: Path, qtbot) -> None:
    clock = ManualClock(START)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = SessionEngine.open(iv_protocol(), log, Patient("P-001", 70.0), "nurse.ana",
                                clock.now())
    link = _Link(log)
    bridge = NetworkBridge(link, clock)   # type: ignore[arg-type]
    bridge.controller = types.SimpleNamespace(view=engine)   # type: ignore[assignment]

    def heart_rate(value: float) -> None:
        now = clock.now()
        engine.ingest(Reading("heart_rate", value, metric("heart_rate").unit, now.wall,
                              now.wall, "hl7:SIM"), now)

    def period() -> None:
        bridge._publish(clock.now().mono)

    for second in range(0, 40):
        heart_rate(80)
        clock.advance(1)
    period()   # the first snapshot: HR 80, no break yet
    unplugged = clock.now().wall
    engine.device_state_changed("disconnected", clock.now())
    clock.advance(20)
    engine.device_state_changed("connected", clock.now())
    for second in range(0, 20):
        heart_rate(140)
        clock.advance(1)
    period()   # the second: the unplug and HR 140, read since the first
    first, second = link.trends[0], link.trends[-1]
    assert len(link.trends) == 2
    assert first["breaks"] == []
    assert second["breaks"] == [unplugged.timestamp()]
    values = {value for _, value in second["series"]["heart_rate"]}
    assert values == {80.0, 140.0}
    log.close()


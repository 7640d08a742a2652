"""P12's P3 row says the network was live only when the trials' PCD-04s reached both the bus and
the interface engine: an engine that received only other messages (the warm-up's PCD-01s, the
trials' own PCD-01s) does not count. The bus, the P3 child processes and the engine are fakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks import p12_network_overhead as p12
from console.network import mqtt_bus
from console.network.config import NetworkConfig

TRIALS = 20


def _pcd04(cid: str) -> bytes:
    return (f"MSH|^~\\&|CONSOLE||||20260105090000||ORU^R40^ORU_R40|{cid}|P|2.6\r"
            "OBR|1|x\r").encode()


class _Engine:
    def __init__(self) -> None:
        self.ids: list[str] = [f"warm-{i}" for i in range(50)]

    def received(self) -> int:
        return len(self.ids)

    def control_ids(self) -> list[str]:
        return list(self.ids)


def _run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine_gets_pcd04: bool) -> Any:
    listeners: list[Any] = []

    class _Bus:
        def __init__(self, config: Any, client_id: str, clock: Any, on_message: Any) -> None:
            self.on_message = on_message
            listeners.append(self)

        def subscribe(self, topic: str) -> None: ...
        def start(self) -> None: ...
        def stop(self, timeout: float) -> None: ...

    engine = _Engine()
    runs = [0]

    def p3_run(folder: Path, trials: int, network: NetworkConfig | None) -> dict[str, Any]:
        if network is not None:   # "on": each trial raised an alarm; its PCD-04 went on the bus
            runs[0] += 1
            for i in range(trials):
                cid = f"log{runs[0]}-{i}"
                listeners[0].on_message("pcd04", _pcd04(cid))
                engine.ids.append(cid if engine_gets_pcd04 else f"pcd01-{cid}")
        return {"results": [{"painted_ms": 5.0, "audio_ms": 6.0} for _ in range(trials)],
                "failure": [], "details": {}}

    monkeypatch.setattr(mqtt_bus, "BusClient", _Bus)
    monkeypatch.setattr(p12, "_p3_run", p3_run)
    monkeypatch.setattr(p12.time, "sleep", lambda s: None)
    network = NetworkConfig(broker="mqtt://127.0.0.1:1", chair=p12.CHAIR, room="Room 1",
                            forward="mllp://127.0.0.1:2", source="test")
    return p12.alarm(tmp_path, network, engine, TRIALS, 1)   # type: ignore[arg-type]


def test_p12_p3_is_live_when_the_engine_got_the_trials_pcd04s(monkeypatch, tmp_path):
    row = _run(monkeypatch, tmp_path, engine_gets_pcd04=True)
    assert row.details["pcd04_at_engine_from_on_runs"] == TRIALS
    assert row.passed, row.details


def test_p12_p3_does_not_count_other_messages_as_the_engine_getting_the_pcd04s(
        monkeypatch, tmp_path):
    row = _run(monkeypatch, tmp_path, engine_gets_pcd04=False)
    d = row.details
    assert d["engine_messages_from_on_runs"] >= TRIALS      # the engine got messages ...
    assert d["pcd04_at_engine_from_on_runs"] == 0           # ... none of them a trial's PCD-04
    assert row.passed is False, d


def test_control_id_is_msh_10():
    assert p12.control_id(_pcd04("abc-12")) == "abc-12"
    assert p12.control_id(b"garbage") == ""

"""The clinic as real processes on one machine: two bedside consoles fed by `infusion-sim` on
pseudo-terminals, a real Mosquitto, the central station, and an MLLP peer standing in for the
interface engine (python-hl7's server). Issue 12's "done when": the central station has the
alarms of both chairs, and the engine receives every PCD-01/PCD-04 message exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.clock import ManualClock
from console.network import bus_topics
from console.network.mqtt_bus import BusClient, BusConfig
from tests.mosquitto import Broker, wait_until
from tests.network.mllp_peer import HOST, MllpPeer, always, reserve_port

BIN = Path(sys.executable).parent
# Alarms in the first minute of each session, so the test is short (the simulator at 60x).
SURGE = """name = "surge-now"
description = "systolic 214 from the first cuff"
duration_minutes = 30
nibp_interval_minutes = 1
[baseline]
bp_systolic = 214
bp_diastolic = 96
heart_rate = 84
resp_rate = 15
spo2 = 97
[expect]
text = "Systolic >= 200 (high) at the first cuff"
alarms = ["bp_systolic_high"]
"""
DESATURATION = """name = "desaturation-now"
description = "SpO2 86 from the start"
duration_minutes = 30
nibp_interval_minutes = 5
[baseline]
bp_systolic = 120
bp_diastolic = 74
heart_rate = 72
resp_rate = 14
spo2 = 86
[expect]
text = "SpO2 <= 90 (high) at once"
alarms = ["spo2_low"]
"""


def rows(db: Path, query: str) -> list[tuple[object, ...]]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute(query).fetchall()
    except sqlite3.OperationalError:   # not created yet
        return []


def central_online(url: str, name: str, timeout: float = 60.0) -> None:
    """Wait until the central station `name` says on the bus that it is online (its retained
    presence), failing after `timeout` real seconds (a real process starting: Qt, its log)."""
    said: list[dict[str, Any]] = []
    lock = threading.Lock()

    def on_message(topic: str, payload: bytes) -> None:
        with lock:
            said.append(bus_topics.decode(payload) or {})

    def online() -> bool:
        with lock:
            return any(obj.get("online") is True for obj in said)

    watcher = BusClient(BusConfig(url), client_id="e2e-watcher", clock=ManualClock(),
                        on_message=on_message)
    watcher.subscribe(bus_topics.central_status_topic(name))
    watcher.start()
    try:
        wait_until(online, f"the central station {name} to say on the bus it is online", timeout)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; its status topic held: {said}") from None
    finally:
        watcher.stop(timeout=2.0)


@pytest.fixture
def engine_port() -> Iterator[int]:
    with reserve_port() as port:
        yield port


def test_two_chairs_a_central_station_and_an_interface_engine(tmp_path: Path,
                                                              engine_port: int) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    broker = Broker(tmp_path / "broker").start()
    engine = MllpPeer(engine_port, always("AA"))
    engine.listen()
    processes: list[subprocess.Popen[str]] = []

    def start(*argv: object) -> subprocess.Popen[str]:
        process = subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=env)
        processes.append(process)
        return process

    try:
        central_db = tmp_path / "central.sqlite3"
        start(BIN / "infusion-console", "central", "--broker", broker.url,
                        "--name", "desk", "--db", central_db)
        # The chairs start once the central listens: their first alarms come within a second
        # and are not retained, so a central subscribing later would never see them. It
        # subscribes on connecting and only then publishes its retained presence (on that
        # connection, which the broker reads in order: mqtt_bus.py `_handle_connect`), so its
        # presence seen on the bus means its subscription is in place.
        central_online(broker.url, "desk")
        chairs = {"chair-1": SURGE, "chair-2": DESATURATION}
        for number, (chair, scenario) in enumerate(chairs.items(), start=1):
            (tmp_path / f"{chair}.toml").write_text(scenario, encoding="utf-8")
            sim = start(BIN / "infusion-sim", "--scenario-file", tmp_path / f"{chair}.toml",
                        "--speed", "60")
            assert sim.stdout is not None
            port = sim.stdout.readline().strip()
            assert Path(port).exists(), f"the simulator printed {port!r}"
            start(BIN / "infusion-console", "--db", tmp_path / f"{chair}.sqlite3",
                  "--device", port, "--format", "hl7", "--protocol", "iv-ketamine",
                  "--patient", f"MRN-{number}", "--weight", "70", "--nurse", "qa",
                  "--broker", broker.url, "--chair", chair, "--room", f"Room {number}",
                  "--forward", f"mllp://{HOST}:{engine_port}")
        # The central station receives a high alarm of each chair (bounded wait on real processes).
        wanted = {("chair-1", "bp_systolic_high"), ("chair-2", "spo2_low")}
        deadline = time.monotonic() + 60
        seen: set[tuple[str, str]] = set()
        while time.monotonic() < deadline and not wanted <= seen:
            for chair, payload in rows(central_db, "SELECT chair, payload FROM received "
                                                   "WHERE kind = 'pcd04'"):
                for condition in ("bp_systolic_high", "spo2_low"):
                    if f"^{condition}^" in str(payload):
                        seen.add((str(chair), condition))
            time.sleep(0.2)   # another process's file: there is no clock to inject here
        assert wanted <= seen, f"the central station has only {seen}"
        # The chairs stop cleanly (SIGTERM): they say goodbye on the bus and flush what is due.
        for process in processes[2::2]:
            process.send_signal(signal.SIGTERM)
        for process in processes[2::2]:
            _, err = process.communicate(timeout=30)
            assert process.returncode == 0 and "Traceback" not in err, err[-2000:]
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.communicate(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        engine.close()
        broker.stop()

    # The engine received every message of both chairs' outboxes, each exactly once.
    sent = [str(cid) for chair in chairs for (cid,) in rows(
        tmp_path / f"{chair}.sqlite3", "SELECT control_id FROM outbox ORDER BY id")]
    kinds = {str(k) for chair in chairs for (k,) in rows(tmp_path / f"{chair}.sqlite3",
                                                           "SELECT DISTINCT kind FROM outbox")}
    assert kinds == {"pcd01", "pcd04"}
    assert sorted(engine.received) == sorted(sent) and len(set(sent)) == len(sent)
    for chair in chairs:
        undelivered = rows(tmp_path / f"{chair}.sqlite3",
                           "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM "
                           "deliveries d WHERE d.outbox_id = o.id AND d.destination = 'engine')")
        assert undelivered == [(0,)], chair
    # The central station kept each message once.
    received = [str(c) for (c,) in rows(central_db, "SELECT control_id FROM received "
                                                    "WHERE control_id IS NOT NULL")]
    assert len(received) == len(set(received))

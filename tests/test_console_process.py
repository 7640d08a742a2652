"""The console as a separate process (offscreen) reading `infusion-sim` on a real pseudo-terminal,
stopped with SIGTERM: the readings and alarms are in the log and the session can be resumed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def count(db: Path, query: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute(query).fetchone()[0] or 0
    except sqlite3.OperationalError:   # not created yet
        return 0


def test_console_process_logs_a_hypertensive_surge_from_the_simulator_and_stops_on_sigterm(tmp_path):
    db = tmp_path / "log.sqlite3"
    sim = subprocess.Popen([BIN / "infusion-sim", "--scenario", "hypertensive-surge", "--speed", "60"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    console = None
    try:
        port = sim.stdout.readline().strip()
        assert port, "the simulator printed no port"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        console = subprocess.Popen(
            [BIN / "infusion-console", "--db", str(db), "--device", port, "--format", "hl7",
             "--protocol", "iv-ketamine", "--patient", "MRN-E2E", "--weight", "70", "--nurse", "qa"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        # Wait (bounded) for the surge to reach the log: systolic >= 200 and its alarm.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and console.poll() is None:
            if count(db, "SELECT count(*) FROM alarm_events WHERE condition = 'bp_systolic_high' "
                         "AND priority = 'high'"):
                break
            time.sleep(0.5)   # polling another process's file: there is no clock to inject here
        console.send_signal(signal.SIGTERM)
        out, err = console.communicate(timeout=30)
        assert console.returncode == 0, err[-2000:]
        assert "Traceback" not in err
    finally:
        if console is not None and console.poll() is None:
            console.kill()
        sim.terminate()
        sim.wait(timeout=10)
    assert count(db, "SELECT max(value) FROM observations WHERE metric = 'bp_systolic'") >= 200
    assert count(db, "SELECT count(*) FROM observations WHERE metric = 'heart_rate' AND source LIKE 'hl7:%'") > 10
    assert count(db, "SELECT count(*) FROM alarm_events WHERE condition = 'bp_systolic_high' AND transition = 'raised'") >= 1
    # Stopped without discharge: the session is still open, to be offered for resumption.
    assert count(db, "SELECT count(*) FROM sessions WHERE ended_at IS NULL") == 1
    # The stop is in the record, by the system: the gap it leaves is explained (a records
    # audit found a SIGTERM left nothing).
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT actor, json_extract(detail, '$.signal') FROM events "
                            "WHERE kind = 'console_closed'").fetchall() == [("system", "SIGTERM")]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

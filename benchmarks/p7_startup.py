"""P7, start-up: launch to main window shown and idle, against a bare PySide6 + pyqtgraph window.

Each launch is a fresh process (`benchmarks/startup_child.py`), offscreen, timed from just before
`Popen` to the `READY` line the child prints once its window has painted and the event queue is
empty; the child also reports its resident memory (VmRSS) at that moment. Console and peer launch
alternately, `runs` times each; figures are medians. Two console cases: a plain launch (the start
screen: the bar's case) and a session opened from the command line (the live window with its
trend plot), both against the same peer. Each launch gets its own copy of an existing log with
no session left open (schema in place; for the start screen, the clinic's administrator account),
as on any day but the first.

The project's modules are byte-compiled first (`compileall`), as an installed wheel is: with
PYTHONDONTWRITEBYTECODE set, a checkout would otherwise compile them on every launch.
"""

from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Row, median
from console.store import EventLog

DEFAULTS = {"runs": 11}   # five were not enough: the median ratio moved 1.44–1.71× in one hour (2026-12-02)
QUICK = {"runs": 1}
BAR = 1.5
TIMEOUT_S = 60.0


def _launch(args: list[str]) -> tuple[float, float]:
    """One launch: (seconds to idle, RSS MiB at idle)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "benchmarks.startup_child", *args],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        ready = time.perf_counter()
        out, err = child.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise RuntimeError(f"start-up child {args[:1]} did not finish within {TIMEOUT_S:g} s")
    if not line.startswith("READY "):
        raise RuntimeError(f"start-up child {args[:1]} failed: {line.strip()} {err[-1500:]}")
    return ready - start, float(line.split()[1])


def run(params: dict[str, Any]) -> list[Row]:
    runs = int(params["runs"])
    for package in ("console", "devices", "protocols", "resources", "benchmarks"):
        compileall.compile_dir(str(ROOT / package), quiet=1)
    # Each case: the child's arguments for a given log path.
    cases: dict[str, Callable[[str], list[str]]] = {
        "peer": lambda db: ["peer"],
        "start": lambda db: ["console", "--db", db],
        "session": lambda db: ["console", "--db", db, "--protocol", "iv-ketamine", "--patient",
                               "P-BENCH", "--weight", "70", "--nurse", "bench"],
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    rss: dict[str, list[float]] = {k: [] for k in cases}
    with tempfile.TemporaryDirectory(prefix="bench-p7-", dir=params.get("tmpdir")) as tmp:
        # A console starts on the log it used yesterday: schema in place, no session left open.
        # Every launch gets its own copy of such a log (a first start on a new file also
        # creates the schema, importing sqlite-utils for the migrations: not the usual case).
        plain = Path(tmp) / "template.sqlite3"
        EventLog.open(plain, "bench").close()
        # Since staff identity (issue 13) a clinic's log holds its accounts: the start screen's
        # case starts on such a log (on a log with neither an account nor a session, the first
        # start opens the first-administrator dialog: a one-time case). The command-line case
        # keeps a log without accounts, as QA's command lines run (no sign-in to time).
        staffed = Path(tmp) / "template-staff.sqlite3"
        with EventLog.open(staffed, "bench") as log:
            from datetime import UTC, datetime

            from console.identity import Staff
            from console.identity.secrets import Argon2Hasher, SecretKind

            Staff(log, Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)).add(
                "Bench Admin", "administrator,nurse", "2718", SecretKind.PIN, None,
                datetime.now(UTC))

        def fresh(case: str, label: str) -> str:
            path = Path(tmp) / f"{label}.sqlite3"
            shutil.copyfile(staffed if case == "start" else plain, path)
            path.chmod(0o600)
            return str(path)

        # One unrecorded launch of each warms the file cache, as on a machine in use.
        for name, make in cases.items():
            _launch(make(fresh(name, f"warm-{name}")))
        for i in range(runs):
            for name, make in cases.items():
                seconds, mib = _launch(make(fresh(name, f"{name}-{i}")))
                times[name].append(seconds)
                rss[name].append(mib)
    peer_t, peer_m = median(times["peer"]), median(rss["peer"])
    rows = []
    for name, label in (("start", "start screen"), ("session", "CLI session")):
        t, m = median(times[name]), median(rss[name])
        details = {"runs": runs, "seconds": times[name], "peer_seconds": times["peer"],
                   "rss_mib": rss[name], "peer_rss_mib": rss["peer"],
                   "peer": "QMainWindow 1366x768 with a pyqtgraph PlotWidget, one 60-point curve"}
        case = "" if name == "start" else label
        rows.append(Row(
            id="P7", case=case, what=f"launch → idle, {label}, wall", figure=t,
            unit="s", peer=peer_t, ratio=t / peer_t, bar=f"≤ {BAR:g}× bare PySide6 + pyqtgraph",
            passed=t / peer_t <= BAR, details=details))
        rows.append(Row(
            id="P7", case=f"{case}, memory" if case else "memory",
            what=f"launch → idle, {label}, RSS", figure=m, unit="MiB", peer=peer_m,
            ratio=m / peer_m, bar=f"≤ {BAR:g}× bare PySide6 + pyqtgraph", passed=m / peer_m <= BAR,
            details=details))
    return rows

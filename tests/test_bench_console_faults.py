"""P8 and P3 (so P3b and P12's P3, which run P3's trials) build the console's window with the
console's FaultHandler, as `infusion-console` does, and do not pass a run in which it took a fault
(review 46).

Built without it, an exception in a Qt slot was printed by PySide6 and the run went on: a soak
whose live window raised at every change of the session said "no crash", every reading being
committed before the window is told. In the console the same exception is the high-priority
"Console fault" alarm and a crash file. Each run here is tiny and in a child process, as the
benchmark program runs them (tests/test_bench_none_lost.py says why).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

_BREAK_THE_WINDOW = """
from console.ui import live_window

original = live_window.LiveWindow.refresh
calls = [0]

def broken_refresh(self):
    original(self)
    calls[0] += 1
    if calls[0] > 5:   # not while the window is built: in the slot, at later changes
        raise RuntimeError("injected: a bug in the live window's redraw")

if sys.argv[2] == "broken":
    live_window.LiveWindow.refresh = broken_refresh
"""

_P8 = """
import json, sys
from benchmarks import p8_soak
""" + _BREAK_THE_WINDOW + """
[row] = p8_soak.run({"hours": 0.02, "warmup_hours": 0.01, "window": 8,
                     "sample_minutes": 0.25, "tmpdir": sys.argv[1]})
print(json.dumps({"passed": row.passed, "details": row.details}, default=str))
"""

_P3 = """
import json, sys
from benchmarks import p3_alarm
""" + _BREAK_THE_WINDOW + """
results, failure, details = p3_alarm.measure({"trials": 3, "tmpdir": sys.argv[1]})
# The verdict as at full size: 200 trials of these times.
row = p3_alarm.latency_row("P3", "alarm latency", results * 67, failure, details)
print(json.dumps({"failure": failure, "passed": row.passed, "details": row.details},
                 default=str))
"""


def _child(code: str, tmp_path: Path, window: str) -> tuple[dict[str, Any], str]:
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path), window],
                            capture_output=True, text=True, timeout=300, cwd=ROOT,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def test_p8_does_not_pass_a_soak_whose_window_raises_at_every_change(tmp_path):
    out, stderr = _child(_P8, tmp_path, "broken")
    d = out["details"]
    assert "injected: a bug" in stderr
    assert d["rows_in_log"] == d["rows_expected"]   # every reading committed all the same
    assert out["passed"] is False, d
    assert d["console_faults"] and "injected: a bug" in d["console_faults"][0], d
    assert "injected: a bug" in d["failure"], d


@pytest.mark.parametrize("window", ["broken", "sound"])
def test_p3_trials_fail_when_the_console_faults(tmp_path, window):
    out, _stderr = _child(_P3, tmp_path, window)
    if window == "sound":
        assert out["failure"] == [] and out["details"]["console_faults"] == [], out
        return
    assert any("console fault: RuntimeError: injected" in f for f in out["failure"]), out
    assert out["passed"] is False, out["details"]

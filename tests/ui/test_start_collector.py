"""Python's cyclic collector is held while the console starts (console/collector_hold.py, P7) and
runs again once the window is up: a console left on for a whole clinic day must not keep every
cycle it makes. A refused start turns it back on too. While their loops run, the bedside, the
review and the central station collect on their GUI thread only (console/ui/gui_collector.py): a
collection on one of their reader threads could free a Qt object there and freeze the window.

Each case is a fresh console process (as the `infusion-console` script runs it): the hold is a
process-wide state, and the window's loop installs signal handlers of its own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs console.cli.main; once Qt's loop runs, prints the collector's state, makes cycles, says
# whether they were collected on the GUI thread (within 5 s) and quits.
CHILD = """
import gc, sys, threading
from PySide6 import QtCore, QtWidgets
on_gui_thread = []
gc.callbacks.append(lambda phase, _info: phase == "start" and on_gui_thread.append(
    threading.current_thread() is threading.main_thread()))
exec_ = QtWidgets.QApplication.exec
def looking_exec(self=None):
    def look():
        print("LOOP", gc.isenabled(), gc.get_freeze_count() > 0, flush=True)
        before = len(on_gui_thread)
        for _ in range(5000):
            a = []
            a.append(a)
        ticks = QtCore.QTimer(QtWidgets.QApplication.instance())
        waited = [0]
        def check():
            waited[0] += 1
            if len(on_gui_thread) > before or waited[0] > 100:
                print("COLLECTED", len(on_gui_thread) > before and all(on_gui_thread[before:]),
                      flush=True)
                ticks.stop()
                QtWidgets.QApplication.instance().quit()
        ticks.timeout.connect(check)
        ticks.start(50)
    QtCore.QTimer.singleShot(0, look)
    return exec_()
QtWidgets.QApplication.exec = looking_exec
from console.cli import main
code = main(sys.argv[1:])
print("AFTER", code, gc.isenabled(), flush=True)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def console(tmp_path: Path, *args: str) -> list[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    result = subprocess.run([sys.executable, "-c", CHILD, *args, "--db",
                             str(tmp_path / "log.sqlite3")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stdout.splitlines()
             if line.startswith(("LOOP", "COLLECTED", "AFTER"))]
    assert lines, result.stderr[-2000:]
    return lines


def test_the_session_window_collects_again_once_up_and_on_its_gui_thread_only(tmp_path):
    lines = console(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-1", "--weight",
                    "70", "--nurse", "ana")
    # In the loop: start-up's objects frozen out of the way, automatic collection off and the
    # cycles collected on the GUI thread's timer; automatic collection given back after the loop.
    assert lines == ["LOOP False True", "COLLECTED True", "AFTER 0 True"]


def test_the_review_collects_on_its_gui_thread_only(tmp_path):
    from console.store import EventLog

    EventLog.open(tmp_path / "log.sqlite3", "test").close()
    lines = console(tmp_path, "review")
    assert lines[:2] == ["LOOP False False", "COLLECTED True"]
    assert lines[2].endswith("True")


def test_the_central_station_freezes_its_start_and_collects_on_its_gui_thread_only(tmp_path):
    # No broker answers on this port: the station runs, saying so, and its loop is what is
    # looked at.
    lines = console(tmp_path, "central", "--broker", f"mqtt://127.0.0.1:{free_port()}",
                    "--name", "desk")
    # Start-up's objects frozen out of its collections too (a full one walked them: 50 ms).
    assert lines == ["LOOP False True", "COLLECTED True", "AFTER 0 True"]


def test_a_refused_start_turns_the_collector_back_on(tmp_path):
    lines = console(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-1", "--weight",
                    "700", "--nurse", "ana")
    assert lines == ["AFTER 2 True"]

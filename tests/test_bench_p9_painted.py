"""P9's "card painted" is the central station's own paint of the card's alarm line, delivered by its
event loop: the benchmark forces no paint (review 50, as review 48 did for P3:
tests/test_bench_p3_painted.py).

Its probe had called `card.repaint()` inside `window.refresh`: a synchronous paint the station
never does there, so the figure timed an alarm line the benchmark painted. The central child
(`p9_central_alarm.central_main`, the probe as P9 runs it) runs here in a child process on a
fake station, no broker: one card whose alarm line changes in a refresh, as `show_view` changes
it (the words set, the paint left to the loop).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_CENTRAL = r"""
import enum, json, sys, time
from types import SimpleNamespace
from PySide6 import QtCore, QtWidgets
from console.central import app as central_app
from benchmarks import p9_central_alarm as p9

class Priority(enum.IntEnum):
    HIGH = 3

refreshing = [False]
paints = {"inside_refresh": 0, "from_loop": []}   # the alarm line's; monotonic at each end

class Words(QtWidgets.QLabel):
    shown = None   # called after the first paint: the window is on screen (exposed)

    def paintEvent(self, event):
        super().paintEvent(event)
        if refreshing[0]:
            paints["inside_refresh"] += 1
        else:
            paints["from_loop"].append(time.monotonic())
        if self.shown is not None:
            QtCore.QTimer.singleShot(0, self.shown)
            self.shown = None

class Card(QtWidgets.QFrame):   # ChairCard's shape: the alarm line's words in card.alarm.text
    def __init__(self, parent):
        super().__init__(parent)
        self.view = SimpleNamespace(alarm=None, connected=True)
        self.alarm = QtWidgets.QFrame(self)
        self.alarm.setGeometry(0, 100, 300, 40)
        self.alarm.text = Words(self.alarm)
        self.alarm.text.setGeometry(5, 1, 290, 38)

class Window(QtWidgets.QMainWindow):
    def __init__(self):
        super().__init__()
        self.nurse = QtWidgets.QLineEdit(self)
        self.card = Card(self)
        self.card.setGeometry(10, 40, 300, 150)
        self.cards = {"chair-1": self.card}
        self.card.alarm.text.shown = self.alarm   # the alarm comes to a station on screen

    def refresh(self, now=None):
        view = self.card.view   # what show_view does: the words set, the paint asked for
        self.card.alarm.text.setText(view.alarm.text if view.alarm else "")

    def alarm(self):
        self.card.view = SimpleNamespace(connected=True, alarm=SimpleNamespace(
            occurrence=1, priority=Priority.HIGH, text="SpO2 86 %", note="", flashing=True))
        refreshing[0] = True
        try:
            self.refresh()   # the probe's wrapper: central_main replaced window.refresh
        finally:
            refreshing[0] = False

    def acknowledge(self, chair):
        pass

central_app.build = lambda args, **kwargs: SimpleNamespace(
    window=Window(), close=lambda: None, clock=None, board=None)
p9.central_main(["--broker", "mqtt://127.0.0.1:1", "--db", sys.argv[1]])
print("PAINTS " + json.dumps(paints), flush=True)
"""


def _central(tmp_path: Path) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """Run the fake station under P9's probe until it reports chair-1 painted (or 20 s went by
    without), then quit it as the benchmark does; (its reports, the alarm line's paints,
    stderr)."""
    proc = subprocess.Popen([sys.executable, "-c", _CENTRAL, str(tmp_path / "central.sqlite3")],
                            cwd=ROOT, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdin is not None and proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    reports: list[dict[str, Any]] = []
    paints: dict[str, Any] = {}
    try:
        with contextlib.suppress(queue.Empty):   # never painted: quit all the same
            while not any(r.get("ev") == "painted" for r in reports):
                line = lines.get(timeout=20)
                if not line:
                    break
                if line.startswith("{"):
                    reports.append(json.loads(line))
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        proc.stdin.close()
        while line := lines.get(timeout=60):
            if line.startswith("PAINTS "):
                paints = json.loads(line[len("PAINTS "):])
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.stderr is not None
    return reports, paints, proc.stderr.read()


def test_p9_times_the_paint_the_central_station_does_itself(tmp_path):
    reports, paints, stderr = _central(tmp_path)
    assert paints, (reports, stderr[-3000:])
    card = next(r for r in reports if r.get("ev") == "card" and r["alarm"])   # the alarm seen
    assert paints["inside_refresh"] == 0, paints   # no paint forced by the benchmark
    # "Painted" is the end of a paint of the card's alarm line that the station's loop
    # delivered after the change.
    painted = next(r for r in reports[reports.index(card):] if r.get("ev") == "painted")
    assert painted["chair"] == "chair-1", reports
    assert any(card["t_refresh"] <= at <= painted["t_painted"] + 1e-6
               for at in paints["from_loop"]), (card, painted, paints)

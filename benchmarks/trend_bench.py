"""P5, live trend redraw: one refresh of a 4-hour, 1 Hz, six-vital session in `TrendPlot`, against
a bare pyqtgraph peer drawing the same arrays with the same pens in an equally sized plot.

One "refresh" is what the live window's timer does each tick: one new value per vital, then
`TrendPlot.refresh()` and a synchronous repaint of the plot area (its panels and, in the follow
view, the whole-session strip beside the buttons, which is its own view). The peer does the same
with a plain `PlotWidget`: `setData` of the full arrays on six curves (plus the manual points,
set once), then a repaint. Both run in the same process, side by side, offscreen.

Not a test: run `QT_QPA_PLATFORM=offscreen python benchmarks/trend_bench.py [--rounds N]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.ui.trend import COLOURS, TrendPlot  # noqa: E402
from protocols.loader import load_protocol  # noqa: E402

VITALS = ("bp_systolic", "bp_diastolic", "bp_mean", "heart_rate", "resp_rate", "spo2")
SECONDS = 4 * 3600
SIZE = (1280, 760)


def session(seconds: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Minutes and one noisy array per vital."""
    rng = np.random.default_rng(3)
    minutes = np.arange(seconds, dtype=np.float64) / 60.0
    centre = {"bp_systolic": 125, "bp_diastolic": 78, "bp_mean": 94, "heart_rate": 72,
              "resp_rate": 15, "spo2": 97}
    return minutes, {n: c + rng.normal(0, 2, seconds) for n, c in centre.items()}


def manual_points(minutes: np.ndarray) -> np.ndarray:
    return minutes[::900]   # a manual check every 15 minutes


def time_widget(app: QtCore.QCoreApplication, rounds: int, view: str) -> list[float]:
    minutes, values = session(SECONDS + rounds)
    plot = TrendPlot(load_protocol(Path(__file__).resolve().parents[1] / "protocols" / "iv-ketamine.toml"))
    plot.resize(*SIZE)
    for name in VITALS:
        for m, v in zip(minutes[:SECONDS], values[name][:SECONDS]):
            plot.add_reading(name, float(v), float(m), manual=False)
        for m in manual_points(minutes[:SECONDS]):
            plot.add_reading(name, float(values[name][int(m * 60)]), float(m), manual=True)
    plot.set_baseline("bp_systolic", 125)
    plot.add_marker(10.0, "T0 dose", "dose")
    plot.set_view(view)
    plot.show()
    plot.refresh()
    app.processEvents()
    viewports = [plot.graphics.viewport()]
    if plot.overview.isVisible():
        viewports.append(plot.overview.viewport())
    times = []
    for i in range(SECONDS, SECONDS + rounds):
        start = time.perf_counter()
        for name in VITALS:
            plot.add_reading(name, float(values[name][i]), float(minutes[i]), manual=False)
        plot.refresh()
        for viewport in viewports:
            viewport.repaint()
        times.append((time.perf_counter() - start) * 1000)
    plot.close()
    return times


def time_peer(app: QtCore.QCoreApplication, rounds: int, window: int | None) -> list[float]:
    """Bare pyqtgraph: the same arrays and pens, full `setData` every round, no reduction.

    `window` = None draws the whole session; a number draws only the last `window` seconds
    (the peer of the follow view, as given in quality-bars.md: 900 points).
    """
    minutes, values = session(SECONDS + rounds)
    widget = pg.PlotWidget()
    widget.resize(*SIZE)
    curves = {n: widget.plot(pen=pg.mkPen(COLOURS[n], width=1), antialias=False) for n in VITALS}
    manual = manual_points(minutes[:SECONDS])
    for name in VITALS:
        widget.plot(manual, values[name][(manual * 60).astype(int)], pen=None, symbol="d",
                    symbolSize=13, symbolPen=pg.mkPen(COLOURS[name], width=1), symbolBrush="k")
    widget.show()
    app.processEvents()
    times = []
    for i in range(SECONDS, SECONDS + rounds):
        first = 0 if window is None else i + 1 - window
        start = time.perf_counter()
        for name in VITALS:
            curves[name].setData(minutes[first:i + 1], values[name][first:i + 1])
        widget.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
    widget.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    rows = [
        ("whole session (14,400 pts/curve)", time_widget(app, args.rounds, "whole"),
         time_peer(app, args.rounds, None)),
        ("follow, last 15 min", time_widget(app, args.rounds, "follow"),
         time_peer(app, args.rounds, 900)),
    ]
    print(f"P5 trend refresh, {len(VITALS)} vitals at 1 Hz over 4 h, {SIZE[0]}x{SIZE[1]} px, "
          f"median of {args.rounds}")
    print(f"{'case':36} {'TrendPlot ms':>13} {'bare peer ms':>13} {'ratio':>7} "
          f"{'TrendPlot max':>14} {'peer max':>9}  bar")
    for case, mine, peer in rows:
        m, p = statistics.median(mine), statistics.median(peer)
        verdict = "pass" if m <= 16 and m <= p else "FAIL"
        print(f"{case:36} {m:13.2f} {p:13.2f} {m / p:7.2f} {max(mine):14.2f} {max(peer):9.2f}"
              f"  median ≤16 ms and ≤1.0x: {verdict}")


if __name__ == "__main__":
    main()

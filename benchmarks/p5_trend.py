"""P5, live trend redraw: `benchmarks/trend_bench.py`'s method, folded into the table.

One refresh is what the live window's timer does each tick: one new value per vital, then
`TrendPlot.refresh()` and a synchronous repaint of the plot (panels, and the whole-session strip
in the follow view), for a 4-hour session at 1 Hz of six
vitals plus manual points every 15 minutes, a baseline and threshold lines, 1280x760 px
offscreen. The peer is a bare pyqtgraph `PlotWidget` of the same size given the same full arrays
with the same pens (`setData`) and repainted. Two views: the whole session (the bar's case: the
peer draws all 14,400 points per curve) and the follow view (the last 15 minutes; the peer draws
the last 900 points).
"""

from __future__ import annotations

import os
import statistics
from typing import Any

from benchmarks.common import Row

DEFAULTS = {"rounds": 40}
QUICK = {"rounds": 5}
BAR_MS = 16.0


def run(params: dict[str, Any]) -> list[Row]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtWidgets

    from benchmarks import trend_bench

    rounds = int(params["rounds"])
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    rows = []
    for case, view, window, primary in (
        ("", "whole", None, True),
        ("follow view, last 15 min", "follow", 900, False),
    ):
        mine = trend_bench.time_widget(app, rounds, view)
        peer = trend_bench.time_peer(app, rounds, window)
        m, p = statistics.median(mine), statistics.median(peer)
        what = ("trend refresh 4 h × 6 vitals, whole" if primary
                else "trend refresh 4 h × 6 vitals, last 15 min")
        rows.append(Row(
            id="P5", case=case, what=what, figure=m, unit="ms", peer=p, ratio=m / p,
            bar=f"median ≤ {BAR_MS:g} ms and ≤ 1.0× bare pyqtgraph",
            passed=m <= BAR_MS and m <= p,
            details={"rounds": rounds, "max_ms": max(mine), "peer_max_ms": max(peer),
                     "points_per_curve": trend_bench.SECONDS,
                     "peer_points_per_curve": window or trend_bench.SECONDS,
                     "size_px": list(trend_bench.SIZE),
                     "peer": "bare pyqtgraph PlotWidget, setData of the full arrays, same pens"},
        ))
    return rows

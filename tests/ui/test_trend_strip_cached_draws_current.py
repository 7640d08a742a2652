"""The whole-session strip's items are drawn from pixmaps kept between repaints (P5: the follow
view repaints the strip at every refresh). Kept, they must never show an old picture: after new
values, a value far off the usual scale (the strip widens) and an alarm's tick, the strip is the
same image as the same strip drawn afresh each time."""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui, QtWidgets

from console.ui.trend import TrendPlot
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Priority


def _strip_images(qtbot, cached: bool) -> list[QtGui.QImage]:
    plot = TrendPlot(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"))
    qtbot.addWidget(plot)
    plot.resize(1280, 760)
    if not cached:
        for item in plot._overview_drawn():
            item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.NoCache)
    minutes = np.arange(0, 60, 1 / 60)
    for i, m in enumerate(minutes[:3000]):
        plot.add_reading("heart_rate", 70 + 5 * np.sin(i / 50), float(m), manual=False)
        plot.add_reading("bp_systolic", 125.0, float(m), manual=False)
        plot.add_reading("bp_diastolic", 80.0, float(m), manual=False)
    for m in (5.0, 20.0, 35.0):
        plot.add_reading("bp_systolic", 150.0, m, manual=True)
        plot.add_reading("bp_diastolic", 95.0, m, manual=True)
        plot.add_reading("heart_rate", 90.0, m, manual=True)
    plot.set_view("follow")
    plot.show()
    images = []
    for step, (value, marker) in enumerate(((72.0, False), (190.0, True), (74.0, True))):
        for i in range(3000 + step * 30, 3030 + step * 30):
            plot.add_reading("heart_rate", value, float(minutes[i]), manual=False)
        if marker:
            plot.add_marker(float(minutes[3000 + step * 30]), "*** HR", "alarm", Priority.HIGH)
        plot.refresh()
        QtWidgets.QApplication.processEvents()
        plot.overview.viewport().repaint()
        images.append(plot.overview.grab().toImage())
    return images


def test_the_cached_strip_draws_what_a_fresh_one_draws_after_each_change(qtbot) -> None:
    cached, fresh = _strip_images(qtbot, True), _strip_images(qtbot, False)
    assert cached[0] != cached[1] != cached[2]   # each change shows
    for step, (kept, drawn) in enumerate(zip(cached, fresh, strict=True)):
        assert kept == drawn, f"step {step}: the cached strip differs from one drawn afresh"

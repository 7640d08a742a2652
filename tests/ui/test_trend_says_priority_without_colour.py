"""The trend says an alarm's priority without colour too, as the alarm rows and the central's
cards do (IEC 60601-1-8, clinical-defaults.md alarm behaviour 1: "***" high, "**" medium, "*"
low): an alarm marker's label starts with its marks, and a limit line's priority is in
its pen (high dashed, medium dotted), the key saying which is which ("╌ high ··· medium").

A theme review: a high SpO2 88 and a medium HR 118 read "SpO2 88" in #ff5252 and "HR 118" in
#ffb300 (to a red-green colour-blind nurse, two near-identical warm labels), and BP's "S ≥200"
(high) and "S ≥180" (medium) were the same dashed line and label in red or amber."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtCore

from console.ui.trend import TrendPlot
from protocols.loader import load_protocol
from protocols.model import Priority
from tests.ui.conftest import shown_live_window

PROTOCOL_FILE = Path(__file__).resolve().parents[2] / "protocols" / "iv-ketamine.toml"


@pytest.fixture
def shown(qtbot):
    """A trend at the size it gets in the live window at 1366x768, on screen."""
    widget = TrendPlot(load_protocol(PROTOCOL_FILE))
    qtbot.addWidget(widget)
    widget.resize(565, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_live_trends_alarm_markers_start_with_their_priority(qtbot, live):
    controller, _journal, _clock, _log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    controller.enter_manual("heart_rate", 118)           # medium (above 110)
    controller.enter_manual("spo2", 88, confirmed=True)   # high (90 or less)
    controller.tick()
    window.refresh()
    window.trend.refresh()
    # The alarm rows say it; the trend's markers now too.
    assert {r.split(" ")[0] for r in window.alarm_bar.rows()} == {"***", "**"}
    labels = window.trend.lane_labels()
    assert {t for t in labels if "SpO2" in t or "HR" in t} == {"*** SpO2 88", "** HR 118"}, labels


def test_each_priority_has_its_marks_and_other_markers_none(shown):
    shown.add_marker(5.0, "T0 dose", "dose")
    shown.add_marker(7.0, "Systolic 205", "alarm", Priority.HIGH)
    shown.add_marker(9.5, "HR 118", "alarm", Priority.MEDIUM)
    shown.add_marker(12.0, "RR 10", "alarm", Priority.LOW)
    shown.refresh()
    assert shown.lane_labels() == ["T0 dose", "*** Systolic 205", "** HR 118", "* RR 10"]
    # What was logged is not changed: the marks are the label's.
    assert [text for _, text, _ in shown.markers()] == ["T0 dose", "Systolic 205", "HR 118",
                                                         "RR 10"]


def test_a_limit_lines_priority_is_in_its_pen_and_the_key_says_which(shown):
    shown.refresh()
    pens = {(e.metric, round(e.line.value())): e.line.pen.style() for e in shown._thresholds
            if e.line.isVisible()}
    high, medium = QtCore.Qt.PenStyle.DashLine, QtCore.Qt.PenStyle.DotLine
    assert (pens[("bp_systolic", 200)], pens[("bp_systolic", 180)]) == (high, medium)
    assert (pens[("bp_diastolic", 120)], pens[("bp_diastolic", 110)]) == (high, medium)
    assert (pens[("spo2", 90)], pens[("spo2", 93)]) == (high, medium)
    assert (pens[("resp_rate", 8)], pens[("resp_rate", 11)]) == (high, medium)
    # The key says which is which without colour, by the line's look.
    key = shown.key.text()
    assert "╌ high" in key and "··· medium" in key, key
    # The labels are as they were (marks there took 20 px of the plots at 1366x768).
    assert shown.limit_labels(0) == ["S ≥200", "S ≥180", "D ≥120", "D ≥110"]

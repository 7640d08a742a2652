"""The live window's layout at the two screen sizes the issue names: with two high alarms on the
bar, every tile's text fits inside its tile and the alarm rows are whole; values grow on a large
screen."""

from __future__ import annotations

import pytest

from console.ui.live_window import LiveWindow
from tests.ui.conftest import Answers


def _two_high_alarms(controller, clock):
    engine = controller.engine
    for name, value in (("bp_systolic", 128), ("bp_diastolic", 82), ("heart_rate", 76), ("resp_rate", 15),
                        ("spo2", 98), ("bp_mean", 97), ("pulse_rate", 76)):
        engine.enter_manual(name, value, "ana", clock.now())
    clock.advance(60)
    engine.enter_manual("bp_systolic", 205, "ana", clock.now())
    engine.enter_manual("spo2", 88, "ana", clock.now(), confirmed=True)
    engine.tick(clock.now())
    assert len([o for o in engine.alarms() if o.priority.label == "high"]) == 2


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_tiles_and_alarm_rows_fit_with_two_alarms(qtbot, live, size):
    controller, journal, clock, log = live
    _two_high_alarms(controller, clock)
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.refresh()
    qtbot.waitExposed(window)
    for name, tile in window.tiles.tiles.items():
        margins = tile.layout().contentsMargins()
        needed = margins.top() + margins.bottom() + sum(
            label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
            for label in (tile.title, tile.value, tile.detail, tile.limits) if label.text())
        for label in (tile.title, tile.unit_label, tile.value):   # one line each, never cut
            assert label.sizeHint().width() <= label.width(), f"{name}: {label.text()!r} cut at {size}"
        assert needed <= tile.height(), f"{name} tile needs {needed} px, has {tile.height()} at {size}"
    bar = window.alarm_bar.list
    for row in range(bar.count()):
        rect = bar.visualItemRect(bar.item(row))
        assert rect.bottom() <= bar.viewport().height(), f"alarm row {row} cut off at {size}"


def test_values_are_larger_on_a_larger_screen(qtbot, live):
    controller, journal, clock, log = live
    _two_high_alarms(controller, clock)
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    points = {}
    for size in ((1366, 768), (1920, 1080)):
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        points[size] = window.tiles.tiles["heart_rate"].value_points
    assert points[(1366, 768)] >= 28 and points[(1920, 1080)] > points[(1366, 768)]

"""No text of the trend prints over another or is cut off, at 1366x768 and 1920x1080, in the live
window of a session with alarms at several limits and many events.

Geometry, not pixels: every text the trend shows (limit labels, marker labels, panel titles,
axis tick labels, the strip's caption, buttons, key, notice) comes from `TrendPlot.text_boxes()`
as a rectangle mapped to the widget's coordinates, with the rectangle it must stay inside (its
panel, its label column, the lane, the widget). Planted once to see it fail: with
`spread_labels` returning the wished centres unchanged, the BP labels "S ≥180" and "S ≥168"
overlap at 1366x768 and the test names them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import combinations

import pytest
from PySide6 import QtCore

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal
from console.store import EventLog
from console.ui.controller import SessionController
from console.ui.live_window import LiveWindow
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.vitals import metric
from tests.session.helpers import type_attested
from tests.ui.conftest import Answers

SIZES = [(1366, 768), (1920, 1080)]


def problems(boxes) -> list[str]:
    """Overlapping pairs and boxes outside their bounds, named (empty when the layout is clean)."""
    found = []
    for (a, ra, _), (b, rb, _) in combinations(boxes, 2):
        both = ra.intersected(rb)
        if both.width() > 0.5 and both.height() > 0.5:
            found.append(f"{a!r} overlaps {b!r}")
    for name, rect, bounds in boxes:
        if not bounds.adjusted(-0.5, -0.5, 0.5, 0.5).contains(rect):
            found.append(f"{name!r} is cut off: {rect.getRect()} outside {bounds.getRect()}")
    return found


@pytest.fixture
def busy_window(tmp_path, qtbot):
    """Forty minutes of an IV session: T0 at 5, a hypertensive surge with systolic, diastolic,
    heart-rate, SpO2 and respiratory alarms at several limits, observations every few minutes,
    notes, typed checks."""
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    journal = Journal(log)
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    engine = SessionEngine.open(protocol, journal, Patient("MRN-2040", 72), "ana", clock.now())
    engine.device_state_changed("connected", clock.now())
    for name, value in (("bp_systolic", 128), ("bp_diastolic", 82)):
        engine.enter_manual(name, value, "ana", clock.now())
    for item in engine.phase.checklist:
        type_attested(engine, item, "ana", clock.now())   # baseline HR, SpO2, RR and scores
        engine.tick_item(item.id, "ana", clock.now())
    clock.advance(300)
    engine.advance_phase("ana", clock.now())
    for second in range(0, 35 * 60, 5):
        clock.advance(5)
        now = clock.now()
        minute = second / 60
        surge = 22 <= minute < 32
        values = {"heart_rate": 135 if surge else 82, "pulse_rate": 134 if surge else 81,
                  "spo2": 88 if 25 <= minute < 28 else 97, "resp_rate": 7 if 26 <= minute < 29 else 15}
        if second % 120 == 0 or (surge and second % 60 == 0):
            values |= {"bp_systolic": 210 if surge else 132, "bp_diastolic": 124 if surge else 84,
                       "bp_mean": 152 if surge else 100}
        engine.ingest_message([Reading(n, v, metric(n).unit, now.wall, now.wall, "hl7:MONITOR")
                           for n, v in values.items()], now)
        if second % 240 == 0:
            engine.enter_manual("moaas", 4 if surge else 5, "ana", now)
        if second % 420 == 0:
            engine.enter_manual("nausea", 1, "ana", now)
        engine.tick(now)
    controller = SessionController(engine, clock)
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    yield window
    controller.stop()
    log.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view", ["follow", "whole"])
def test_no_text_of_the_trend_overlaps_or_is_cut_off(busy_window, qtbot, size, view):
    window = busy_window
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.refresh()
    window.trend.set_view(view)
    QtCore.QCoreApplication.processEvents()
    trend = window.trend
    boxes = trend.text_boxes()
    names = [name for name, _, _ in boxes]
    # The check looks at what matters: limits of every panel, markers, ticks on both axes.
    assert sum(n.startswith("limit ") for n in names) >= 10
    assert sum(n.startswith("marker ") for n in names) >= 3
    assert any(n.startswith("tick ") and n.endswith(" min") for n in names)
    assert problems(boxes) == []
    # And the trend itself is whole inside the window.
    corner = trend.mapTo(window, QtCore.QPoint(trend.width(), trend.height()))
    assert corner.x() <= window.width() and corner.y() <= window.height()


def test_the_check_names_labels_printed_over_each_other(busy_window, qtbot, monkeypatch):
    """The check itself: labels left where their lines are print over each other."""
    import console.ui.trend as trend_module

    monkeypatch.setattr(trend_module, "spread_labels", lambda wanted, h, top, bottom: list(wanted))
    monkeypatch.setattr(trend_module, "MAX_SHIFT", 1e9)
    window = busy_window
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.refresh()
    found = problems(window.trend.text_boxes())
    assert any("'limit S ≥180' overlaps" in p or "overlaps 'limit S ≥180'" in p for p in found)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_review_trend_of_that_session_has_no_overlap_either(busy_window, qtbot, size):
    from console.review.queries import open_readonly
    from console.ui.review_window import ReviewWindow

    log = busy_window.journal.inner
    busy_window.controller.stop()   # the session is over; the review reads its log
    protocol = busy_window.controller.view.protocol
    review = ReviewWindow(open_readonly(log.path), protocols={protocol.id: protocol},
                          clock=busy_window.controller.clock)
    qtbot.addWidget(review)
    try:
        review.resize(*size)
        review.show()
        qtbot.waitExposed(review)
        review.open_session(busy_window.controller.view.session_id)
        QtCore.QCoreApplication.processEvents()
        trend = review.detail_page.trend
        assert trend is not None and trend.view == "whole"
        boxes = trend.text_boxes()
        assert sum(name.startswith("marker ") for name, _, _ in boxes) >= 3
        assert problems(boxes) == []
    finally:
        review.close_log()

"""A console fault at 1366x768: the red fault bar is one line (its whole text on hover, the
fault whole in its alarm row), so the window still fits the screen (word-wrapped, the bar took
the window to 789 px, the entry form's last rows off the screen); and a fault the engine could
not take (`SessionController.fallback_alarms`, ids -2, -3, ...) brings the console over the
review as any new alarm does (it sounded high under the review)."""

from __future__ import annotations

from PySide6 import QtWidgets

from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture
from tests.ui.test_front_on_alarm import SESSION, active_window, in_front

SUMMARY = "RuntimeError: 'NoneType' object has no attribute 'mono'"


def test_the_window_fits_1366x768_with_the_fault_bar_and_its_text_stays_reachable(
        started, tmp_path, qtbot):
    window = started(options(tmp_path, *SESSION))
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    crash = str(tmp_path / "crash-2026-03-02T09-00-00.txt")
    window._on_fault(SUMMARY, crash)
    window.controller.console_fault(SUMMARY)
    QtWidgets.QApplication.processEvents()
    assert window.fault_bar.isVisible() and window.restart_button.isVisible()
    assert window.minimumSizeHint().height() <= 768, window.minimumSizeHint().height()
    label = window.fault_label
    assert label.height() <= window.fault_bar.height()   # one line
    assert label.text().startswith(f"Console fault: {SUMMARY}")   # what failed stays in sight
    assert label.toolTip() == label.full_text() and crash in label.toolTip()
    assert "the session resumes from its log: what is recorded is kept" in label.toolTip()
    assert any(row.startswith(f"*** Console fault: {SUMMARY}")
               for row in window.live.alarm_bar.rows())


def test_a_console_fault_the_engine_could_not_take_brings_the_console_over_the_review(
        started, tmp_path, qtbot, monkeypatch):
    window = started(options(tmp_path, *SESSION))
    in_front(qtbot, window)
    review = QtWidgets.QWidget()   # the review (Ctrl+R) in front of the console
    qtbot.addWidget(review)
    review.resize(1366, 768)
    in_front(qtbot, review)

    def broken(*args, **kwargs):
        raise OSError("engine failed")

    monkeypatch.setattr(window.controller._engine, "console_fault", broken)
    window.controller.console_fault("RuntimeError: redraw failed")
    assert window.controller.fallback_faults   # the fallback path, not the engine's
    assert any(row.startswith("*** Console fault") for row in window.live.alarm_bar.rows())
    assert window.fronted == 1
    qtbot.waitUntil(lambda: active_window() is window, timeout=2000)

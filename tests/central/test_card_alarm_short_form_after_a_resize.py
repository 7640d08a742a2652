"""A card's steady alarm line (acknowledged at the bedside, or low) keeps its short form when
the card's fonts change size (the window maximized at start, a chair joining or leaving the
grid): set again without it, the long text stayed, cut in the middle of its limit ("limit ≥1…"),
until the alarm changed (a review)."""
from __future__ import annotations

from PySide6 import QtWidgets

from tests.central.clinic import busy_clinic
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for


def _text(card) -> str:
    return card.alarm.text.text().replace("\n", " ")


def test_an_acknowledged_alarm_line_keeps_its_limit_readable_at_1920(qtbot):
    central = Central(MemoryLog())
    busy_clinic(central)   # Room 5: Systolic 186, medium, acknowledged at the bedside (steady)
    window = window_for(qtbot, central, (1920, 1080))
    card = window.cards["chair-5"]
    assert not card.flashing()
    shown = _text(card)
    # The limit must be read whole (the short form "limit ≥180 or base +40" fits).
    assert not card.alarm.text.cut, f"Room 5's alarm reads {shown!r}"


def test_a_steady_alarm_line_keeps_its_limit_after_the_window_grows(qtbot):
    central = Central(MemoryLog())
    busy_clinic(central)
    window = window_for(qtbot, central, (1366, 768))
    card = window.cards["chair-5"]
    assert not card.alarm.text.cut, _text(card)
    window.resize(1920, 1080)   # maximized on a 1920x1080 screen
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    window.refresh()
    QtWidgets.QApplication.processEvents()
    assert not card.alarm.text.cut, f"after the resize Room 5's alarm reads {_text(card)!r}"

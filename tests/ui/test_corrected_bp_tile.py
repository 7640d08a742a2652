"""The BP tile after the nurse corrects a typed systolic from the Events tab (review 45).

BP 185/95 typed at 09:00; at 09:19 the systolic is corrected to 150 (a typo). The measurement
is still the 09:00 one: the tile reads 150/95 of 09:00 and greys it at 09:20, when a typed BP
is no longer current. It had read "150/—" ("no diastolic with this reading") and "manual
09:19 · 0 s ago", and at 09:25 still current.
"""

from datetime import UTC, datetime

from PySide6 import QtCore

from tests.ui.conftest import Answers, live, shown_live_window  # noqa: F401 - the fixture

Key = QtCore.Qt.Key
METRIC_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1


def _typed_bp_corrected_at_09_19(window, live, qtbot, asker: Answers) -> None:
    controller, _journal, clock, _log = live
    entry = window.entry
    entry.fields["bp"].setText("185/95")
    qtbot.keyClick(entry.fields["bp"], Key.Key_Return)
    assert entry.message.text() == "Recorded: BP 185/95 mmHg"
    clock.advance(19 * 60)
    controller.tick()
    events = window.events
    row = next(i for i in range(events.count())
               if events.item(i).data(METRIC_ROLE) == "bp_systolic")
    events.setCurrentRow(row)
    events.item(row).setSelected(True)
    answers = iter(["150", "typed 185, cuff read 150"])
    asker.ask = lambda *a, **k: next(answers)
    window.events_tab.correct_button.click()
    assert window.events_tab.message.text().startswith("Corrected: ")


def test_a_corrected_systolic_is_shown_with_its_diastolic_of_its_measurement_time(live, qtbot):
    asker = Answers()
    window = shown_live_window(qtbot, live, (1366, 768), asker)
    _typed_bp_corrected_at_09_19(window, live, qtbot, asker)
    window.refresh()
    tile = window.tiles.tiles["bp_systolic"].view
    assert tile.value == "150/95", f"BP tile reads {tile.value!r} ({tile.detail})"
    assert tile.detail.startswith(f"manual {_hhmm(9, 0)}"), tile.detail
    assert not tile.stale


def test_a_corrected_typed_bp_is_stale_20_min_after_its_measurement(live, qtbot):
    controller, _journal, clock, _log = live
    asker = Answers()
    window = shown_live_window(qtbot, live, (1366, 768), asker)
    _typed_bp_corrected_at_09_19(window, live, qtbot, asker)
    clock.advance(6 * 60)   # 09:25: the measurement is 25 min old
    controller.tick()
    tile = window.tiles.tiles["bp_systolic"].view
    assert tile.stale, f"a BP measured 25 min ago shown current: {tile.detail!r}"


def _hhmm(hour: int, minute: int) -> str:
    """A time of the session's day (its clock is in UTC) as the tile shows it, local."""
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC).astimezone().strftime("%H:%M")

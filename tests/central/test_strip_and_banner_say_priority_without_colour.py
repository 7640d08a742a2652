"""The central station says an alarm's priority without colour wherever it shows one (IEC
60601-1-8, clinical-defaults.md alarm behaviour 1: "***" high, "**" medium, "*" low) and flashes
an unacknowledged high at 2 Hz, a medium at 0.5 Hz. The card did; a chair's trend strip, which
keeps the other chairs' alarms in sight while the trend covers the grid, read "Room 1: SpO2 84 %,
limit ≤90" in steady red, and the station's own banner ("Central station not connected to the
clinic bus") said its priority by its colour alone (a theme review)."""

from __future__ import annotations

from PySide6 import QtWidgets

from console.ui.alarm_bar import COLOURS, OFF_PHASE_BACKGROUND
from protocols.model import Priority
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for

LONG_ROOM = "Infusion suite, north wing"


def room_1_alarms_under_room_2s_trend(qtbot, vital: str, value: float):
    """Rooms 1 and 2 in infusion, `vital` at `value` in Room 1, and Room 2's trend open over the
    grid: (central, window, dialog, Room 1's chair)."""
    central = Central(MemoryLog())
    alarming, viewed = central.chair("chair-1", "Room 1"), central.chair("chair-2", "Room 2")
    for chair in (alarming, viewed):
        chair.start_infusion()
        central.deliver(chair.status())
    central.t(5)
    alarming.device(vital, value)
    for message in alarming.new_pcd04s():
        central.deliver(message)
    for chair in (alarming, viewed):
        central.deliver(chair.status())
    window = window_for(qtbot, central)
    dialog = window.open_trend("chair-2")
    qtbot.waitExposed(dialog)
    dialog.strip_timer.timeout.emit()
    return central, window, dialog, alarming


def drawn_colours(label: QtWidgets.QLabel) -> tuple[str, str]:
    """(background, text) as the label's style sheet draws them."""
    style = dict(part.split(":", 1) for part in label.styleSheet().split(";") if ":" in part)
    return style["background"], style["color"]


def strip_colours_over_two_seconds(window, dialog) -> list[tuple[str, str]]:
    """The strip's (background, text) at each of eight 250-ms ticks of the station's timer, the
    strip's own timer firing between them."""
    seen = []
    for tick in range(8):
        window.tick = tick
        window.refresh()
        dialog.strip_timer.timeout.emit()
        seen.append(drawn_colours(dialog.elsewhere))
        assert drawn_colours(dialog.elsewhere_more) == seen[-1]   # "+1 more" flashes with it
    return seen


def test_the_trend_strip_says_the_priority_as_the_card_does(qtbot):
    central, window, dialog, _ = room_1_alarms_under_room_2s_trend(qtbot, "spo2", 84)
    # The card says "*** SpO2 84 %…"; the strip over it, in the same words, with where it is.
    assert window.cards["chair-1"].alarm.full_text().startswith("*** SpO2 84 %")
    assert dialog.elsewhere.full_text() == "*** Room 1: SpO2 84 %, limit ≤90"
    dialog.close()


def test_the_trend_strip_says_a_medium_alarm_with_two_marks(qtbot):
    central, window, dialog, _ = room_1_alarms_under_room_2s_trend(qtbot, "heart_rate", 118)
    assert dialog.elsewhere.full_text().startswith("** Room 1: Heart rate 118")
    dialog.close()


def test_the_trend_strip_flashes_an_unacknowledged_alarm_with_its_card(qtbot):
    central, window, dialog, alarming = room_1_alarms_under_room_2s_trend(qtbot, "spo2", 84)
    red, dark = COLOURS[Priority.HIGH], (OFF_PHASE_BACKGROUND, "#ff5252")
    # High, not acknowledged: 2 Hz, in step with Room 1's card (beside the dialog at 1366).
    seen = strip_colours_over_two_seconds(window, dialog)
    assert seen == [red, dark] * 4
    assert window.cards["chair-1"].alarm_colours == seen[-1]
    # Acknowledged at the bedside: steady, as on the card.
    (occurrence,) = alarming.occurrences()
    alarming.acknowledge_at_bedside(occurrence.id)
    for message in alarming.new_pcd04s():
        central.deliver(message)
    central.deliver(alarming.status())
    assert strip_colours_over_two_seconds(window, dialog) == [red] * 8
    dialog.close()


def test_the_trend_strip_flashes_a_medium_alarm_at_half_a_hertz(qtbot):
    central, window, dialog, _ = room_1_alarms_under_room_2s_trend(qtbot, "heart_rate", 118)
    yellow = COLOURS[Priority.MEDIUM]
    dark = (OFF_PHASE_BACKGROUND, COLOURS[Priority.MEDIUM][0])
    assert strip_colours_over_two_seconds(window, dialog) == [yellow] * 4 + [dark] * 4
    dialog.close()


def test_a_narrow_strip_keeps_the_marks_the_chair_and_the_value(qtbot):
    # The marks take 36 px of a 527-px strip (the dialog on the test's 800-px screen): beside
    # "Infusion suite, north wing, bay 3 · chair-3" they left "***  · chai…: Systolic BP
    # 212…".
    # The words take their short form first (the card's: value and limit whole), then the room.
    central = Central(MemoryLog())
    window = window_for(qtbot, central)
    viewed, alarming = central.chair("chair-1", "Room 1"), central.chair("chair-3",
                                                                         f"{LONG_ROOM}, bay 3")
    for chair in (viewed, alarming):
        chair.start_infusion()
        central.deliver(chair.status())
    dialog = window.open_trend("chair-1")
    qtbot.waitExposed(dialog)
    alarming.device("bp_systolic", 212)
    for message in alarming.new_pcd04s():
        central.deliver(message)
    central.deliver(alarming.status())
    dialog.strip_timer.timeout.emit()
    QtWidgets.QApplication.processEvents()
    strip = dialog.elsewhere
    assert strip.full_text() == f"*** {LONG_ROOM}, bay 3: Systolic BP 212 mmHg, limit ≥200"
    assert strip.toolTip() == strip.full_text()
    shown = QtWidgets.QLabel.text(strip)
    assert strip.fontMetrics().horizontalAdvance(shown) <= strip.width()
    assert shown.startswith("*** "), shown
    assert shown.endswith("bay 3: Systolic 212, limit ≥200"), shown
    dialog.close()


def test_the_station_banner_says_its_priority_without_colour(qtbot):
    central = Central(MemoryLog())
    window = window_for(qtbot, central)
    central.board.set_bus(False, "Reconnecting to mqtts://broker:8883 (connection refused)",
                          central.now())
    central.t(11)
    window.refresh()
    assert window.banner.line is not None and window.banner.line.priority is Priority.MEDIUM
    assert window.banner.text.full_text() == "** Central station not connected to the clinic bus"
    # A fault of the station: high.
    central.board.station_fault("ValueError: cannot convert float NaN to integer")
    window.refresh()
    assert window.banner.text.full_text().startswith(
        "*** Central station fault: ValueError: cannot convert float NaN to integer; restart the "
        "central station")


def test_a_long_banner_at_1366_keeps_its_marks_and_count_and_cuts_its_words(qtbot):
    # A second console started as chair-6 in the next bay, with the speaker lost: 1,650 px of
    # text on a 1,248-px line. The marks lead it and the count of the others ends it: what
    # gives way is the end of the alarm's words (whole in the tooltip).
    central = Central(MemoryLog())
    window = window_for(qtbot, central, (1366, 768))
    six = central.chair("chair-6", f"{LONG_ROOM}, bay 3")
    six.start_infusion()
    central.deliver(six.status(instance="run-a"))
    central.t(2)
    central.deliver(six.status(instance="run-b", room=f"{LONG_ROOM}, bay 4"))
    central.t(4)
    central.deliver(six.status(instance="run-a"))
    central.board.set_audio(False, "paplay failed (exit 1): Connection refused")
    window.refresh()
    QtWidgets.QApplication.processEvents()
    banner = window.banner.text
    whole = banner.full_text()
    assert whole.startswith("** Two chairs use the name chair-6 ("), whole
    assert whole.endswith("give each chair its own name and settings  (+1 more: 1 low)"), whole
    shown = QtWidgets.QLabel.text(banner)
    assert banner.is_cut() and banner.toolTip() == whole
    assert shown.startswith("** Two chairs use the name chair-6 ("), shown
    assert shown.endswith("…  (+1 more: 1 low)"), shown
    assert banner.fontMetrics().horizontalAdvance(shown) <= banner.width()

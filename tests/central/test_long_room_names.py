"""Long room names on the central station at 1366x768 (a clinic's "Infusion suite, north wing,
bay 3"): what tells an alarm or a card apart stays in sight, and the room's name gives way, from
its start (console/ui/central_card.title_parts).

A code review: the trend strip said "Infusion suite, north wing, bay 3 · chair-3: Sy…", the
alarm's vital and value cut beside Acknowledge and Back; and at 20 chairs two chairs of that
room both read "Infusion suite, nor…" on their cards."""

from __future__ import annotations

from PySide6 import QtWidgets

from tests.central.clinic import busy_clinic
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for

ROOM = "Infusion suite, north wing, bay 3"


def test_the_trend_strip_keeps_the_alarm_and_its_chair_whatever_the_rooms_name(qtbot):
    central = Central(MemoryLog())
    window = window_for(qtbot, central, (1366, 768))
    viewed = central.chair("chair-1", "Room 1")
    alarming = central.chair("chair-3", ROOM)
    neighbour = central.chair("chair-4", ROOM)
    for chair in (viewed, alarming, neighbour):
        chair.start_infusion()
        central.deliver(chair.status())
    window.refresh()
    dialog = window.open_trend("chair-1")
    qtbot.waitExposed(dialog)
    alarming.device("bp_systolic", 212)
    for message in alarming.new_pcd04s():
        central.deliver(message)
    central.deliver(alarming.status())
    dialog.strip_timer.timeout.emit()
    QtWidgets.QApplication.processEvents()
    assert dialog.width() <= 1366
    shown = dialog.elsewhere.text()
    assert dialog.elsewhere.full_text() == \
        f"*** {ROOM} · chair-3: Systolic BP 212 mmHg, limit ≥200"
    # The alarm's words in their short form (the card's), value and limit whole, then the
    # room's start gave way; the priority marks never do.
    assert shown.endswith(" · chair-3: Systolic 212, limit ≥200"), shown
    assert shown.startswith("*** …"), shown
    assert dialog.elsewhere.toolTip() == dialog.elsewhere.full_text()


def _clinic_with(rooms: dict[int, str], qtbot):
    central = Central(MemoryLog())
    chairs = busy_clinic(central)   # 20 chairs
    for n, room in rooms.items():
        chairs[n].room = room
        central.deliver(chairs[n].status())
    window = window_for(qtbot, central, (1366, 768))
    QtWidgets.QApplication.processEvents()
    window.refresh()
    return window


def test_two_chairs_of_one_long_named_room_read_apart_on_their_cards(qtbot):
    window = _clinic_with({2: ROOM, 3: ROOM}, qtbot)
    a, b = window.cards["chair-2"].room, window.cards["chair-3"].room
    assert a.full_text() == f"{ROOM} · chair-2"
    assert a.is_cut()   # the test is of a title that does not fit
    assert a.text().endswith("bay 3 · chair-2"), a.text()
    assert b.text().endswith("bay 3 · chair-3"), b.text()


def test_two_long_room_names_that_differ_at_their_end_read_apart(qtbot):
    window = _clinic_with({2: "Infusion suite, north wing, bay 3",
                           3: "Infusion suite, north wing, bay 4"}, qtbot)
    a, b = window.cards["chair-2"].room, window.cards["chair-3"].room
    assert a.is_cut()
    assert a.text().endswith("bay 3"), a.text()
    assert b.text().endswith("bay 4"), b.text()

"""The Events tab: decisions first, the monitor's readings behind a filter, drops as one summary
line a minute, and "Correct…" for a value typed by hand (the alarm follows the corrected value)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from PySide6 import QtCore, QtWidgets

from console.records import EventRecord
from console.ui.event_list import EventsTab
from devices.reading import Reading
from tests.ui.conftest import Answers, shown_live_window


class Replies(Answers):
    """Answers the dialogs in turn."""

    def __init__(self, *replies: str) -> None:
        super().__init__()
        self.replies = list(replies)

    def ask(self, title: str, message: str, action: str = "Record", refresh=None) -> str:
        self.asked.append(message)
        return self.replies.pop(0) if self.replies else ""


def texts(tab: EventsTab) -> list[str]:
    return [tab.list.item(i).text().split("  ", 1)[1] for i in range(tab.list.count())]


def device(controller, name: str, value: float, dropped: dict[str, int] | None = None) -> None:
    now = controller.clock.now()
    controller._engine.ingest_message([Reading(name, value, "%", now.wall, now.wall, "hl7:MON")], now,
                                      dropped, "OBX|9|NM|12345^LOCAL", "/dev/ttyUSB0")


def test_device_readings_are_behind_a_filter(qtbot, live):
    controller, journal, clock, log = live
    tab = EventsTab(journal, controller, Replies(), Answers())
    qtbot.addWidget(tab)
    controller.enter_manual("heart_rate", 70)
    device(controller, "spo2", 97)
    controller.note("comfortable")
    tab.refresh()
    assert texts(tab)[:2] == ["Note: comfortable — ana", "Heart rate 70 beats/min — ana"]
    tab.device_filter.setChecked(True)
    assert "SpO2 97 % — hl7:MON" in texts(tab)
    tab.device_filter.setChecked(False)
    assert not any("hl7:MON" in t for t in texts(tab))


def test_a_scale_reads_as_the_nurse_chose_it(qtbot, live):
    # Walked: the panel said "moderate" and "present", the Events tab "Nausea 2 score" and
    # "Hallucinations 1 score".
    controller, journal, clock, log = live
    tab = EventsTab(journal, controller, Replies(), Answers())
    qtbot.addWidget(tab)
    for name, value in (("nausea", 2), ("hallucinations", 1), ("moaas", 4), ("aldrete", 9)):
        controller.enter_manual(name, value)
    tab.refresh()
    assert texts(tab)[:4] == ["Aldrete 9/10 — ana", "MOAA/S 4 — ana", "Hallucinations present — ana",
                              "Nausea moderate — ana"]


def test_drops_are_one_summary_line_a_minute(qtbot, live):
    controller, journal, clock, log = live
    tab = EventsTab(journal, controller, Replies(), Answers())
    qtbot.addWidget(tab)
    for _ in range(5):   # five messages in 20 s, each with values the console could not use
        device(controller, "spo2", 97, {"unknown-code": 2})
        tab.refresh()
        clock.advance(4)
    drops = [t for t in texts(tab) if t.startswith("Device data not used")]
    assert drops == ["Device data not used (for a minute from here): unknown-code ×10"]
    clock.advance(60)
    device(controller, "spo2", 97, {"no-value": 1})
    tab.refresh()
    drops = [t for t in texts(tab) if t.startswith("Device data not used")]
    assert drops == ["Device data not used (for a minute from here): no-value ×1",
                     "Device data not used (for a minute from here): unknown-code ×10"]
    # Every message's drops are in the log, in the message's own transaction.
    assert log.conn.execute("SELECT count(*) FROM events WHERE kind = 'device_dropped'").fetchone() == (6,)


def test_correct_a_typed_value_and_the_alarm_follows(qtbot, live):
    controller, journal, clock, log = live
    answers = Replies("95", "typed 85, the probe read 95")
    tab = EventsTab(journal, controller, answers, Answers())
    qtbot.addWidget(tab)
    controller.enter_manual("spo2", 85)   # a typo: high alarm
    assert [o.condition for o in controller.view.alarms() if o.category == "physiological"] == ["spo2_low"]
    device(controller, "spo2", 96)        # device readings are not correctable...
    tab.device_filter.setChecked(True)
    tab.list.setCurrentRow(0)             # ...the newest row is the device's
    assert not tab.correct_button.isEnabled()
    typed = next(i for i in range(tab.list.count()) if "SpO2 85 % — ana" in tab.list.item(i).text())
    tab.list.setCurrentRow(typed)
    assert tab.correct_button.isEnabled()
    qtbot.mouseClick(tab.correct_button, QtCore.Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Corrected: SpO2 95 %"
    row = log.conn.execute("SELECT value, corrects FROM observations WHERE corrects IS NOT NULL").fetchone()
    original = log.conn.execute("SELECT id FROM observations WHERE metric = 'spo2' AND value = 85").fetchone()
    assert row == (95.0, original[0])
    reason = log.conn.execute("SELECT json_extract(detail, '$.reason') FROM events "
                              "WHERE kind = 'correction'").fetchone()
    assert reason == ("typed 85, the probe read 95",)
    # The monitor's 96 came after the typo: it stays the latest value (the correction of an
    # older row does not overtake it), and the alarm the typo alone raised ends with it.
    assert controller.view.latest("spo2").reading.value == 96
    states = [(o.condition, o.state.value) for o in controller.view.alarms() if o.category == "physiological"]
    assert states == []


def test_a_correction_without_a_reason_is_refused_and_nothing_written(qtbot, live):
    controller, journal, clock, log = live
    tab = EventsTab(journal, controller, Replies("120", ""), Answers())
    qtbot.addWidget(tab)
    controller.enter_manual("heart_rate", 150)
    tab.refresh()
    tab.list.setCurrentRow(next(i for i in range(tab.list.count())
                                if "Heart rate 150 beats/min — ana" in tab.list.item(i).text()))
    tab.correct_button.click()
    assert tab.message.text() == "Not corrected: a correction needs a reason."
    assert log.conn.execute("SELECT count(*) FROM observations WHERE corrects IS NOT NULL").fetchone() == (0,)


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_every_row_is_whole_in_the_live_windows_events_column(qtbot, live, size):
    # Walked at 1366x768: the column is about 280 px and rows ran past it under a sideways
    # scroll bar ("20:06:04 Alarm raised (medium): S"). Rows wrap to the column's width now.
    controller = live[0]
    window = shown_live_window(qtbot, live, size)
    controller.note("patient anxious, music on, eyeshades in place, partner waiting outside")
    window.refresh()
    events = window.events_tab.list
    window.findChild(QtWidgets.QTabWidget).setCurrentWidget(window.events_tab)
    qtbot.waitUntil(lambda: events.isVisible())
    assert not events.horizontalScrollBar().isVisible()
    metrics = events.fontMetrics()
    for row in range(events.count()):
        item = events.item(row)
        rect = events.visualItemRect(item)
        assert rect.right() < events.viewport().width(), item.text()
        # Tall enough for its text wrapped at that width.
        needed = metrics.boundingRect(QtCore.QRect(0, 0, rect.width(), 10_000),
                                      QtCore.Qt.TextFlag.TextWordWrap, item.text()).height()
        assert rect.height() >= needed, item.text()
    note = next(events.item(r) for r in range(events.count()) if "Note:" in events.item(r).text())
    assert events.visualItemRect(note).height() >= 2 * metrics.lineSpacing()

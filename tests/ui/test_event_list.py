"""The Events tab: decisions first, the monitor's readings behind a filter, drops as one summary
line a minute, and "Correct…" for a value typed by hand (the alarm follows the corrected value)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from PySide6 import QtCore, QtWidgets

from console.records import AlarmTransition, EventRecord, ObservationRecord, Record
from console.session.journal import Journal
from console.ui.event_list import EventList, EventsTab
from devices.reading import Reading
from tests.session.helpers import MemoryRecorder
from tests.ui.conftest import Answers, shown_live_window

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


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


# ---- review 37: Correct… and the list's words -----------------------------------------------


def select(tab: EventsTab, text: str) -> None:
    tab.refresh()
    tab.list.setCurrentRow(next(i for i in range(tab.list.count())
                                if text in tab.list.item(i).text()))


def test_a_row_corrected_already_is_not_offered_its_correction_is(qtbot, live):
    # SpO2 85 typed for 95, corrected to 95; 96 was right. The 85 row stayed correctable, and a
    # second correction of it said "Corrected: SpO2 96 %" while 95 stayed the value.
    controller, journal, clock, log = live
    tab = EventsTab(journal, controller, Replies("95", "typo", "96", "second look: 96"), Answers())
    qtbot.addWidget(tab)
    controller.enter_manual("spo2", 85)
    select(tab, "SpO2 85 % — ana")
    tab.correct_button.click()
    assert tab.message.text() == "Corrected: SpO2 95 %"
    select(tab, "SpO2 85 % — ana")
    assert not tab.correct_button.isEnabled()
    why = "This SpO2 value was corrected to 95 % at 09:00:00: select that correction to correct it again."
    assert tab.correct_button.toolTip() == why
    select(tab, "Phase started")
    select(tab, "SpO2 85 % — ana")   # chosen again: the reason is said
    assert tab.message.text() == why
    select(tab, "SpO2 95 % — ana (corrects SpO2 85 % of 09:00:00)")
    assert tab.correct_button.isEnabled()
    tab.correct_button.click()
    assert tab.message.text() == "Corrected: SpO2 96 %"
    assert controller.view.latest("spo2").reading.value == 96


def test_a_value_entered_in_error_is_not_offered_for_correction(qtbot, live):
    # MOAA/S 2 undone; its row corrected to 4 later said "Corrected: … 4", MOAA/S still none.
    controller, journal, clock, log = live
    tab = EventsTab(journal, controller, Replies("4", "patient rousable to voice"), Answers())
    qtbot.addWidget(tab)
    answer, row_id = controller.enter_manual_row("moaas", 2.0)
    select(tab, "MOAA/S 2 — ana")
    assert tab.correct_button.isEnabled()
    assert controller.void(row_id, "moaas", reason="undone by the nurse within 10 s").done
    assert not tab.correct_button.isEnabled()   # selected before: off as the void commits
    select(tab, "MOAA/S 2 — ana")
    assert tab.message.text() == ("This Sedation (MOAA/S) value was entered in error: it counts "
                                  "nowhere. Record the right value as a new one.")
    tab.correct_button.click()   # a click that gets through anyway writes nothing
    assert log.conn.execute("SELECT count(*) FROM observations WHERE corrects IS NOT NULL").fetchone() == (0,)


def test_correcting_a_systolic_below_its_diastolic_is_refused(qtbot, live):
    # The form refuses "70/84"; Correct… of the systolic of 128/84 to 70 recorded BP 70/84.
    controller, journal, clock, log = live
    answers = Replies("70", "typed 128, cuff read 70")
    tab = EventsTab(journal, controller, answers, Answers())
    qtbot.addWidget(tab)
    controller.enter_manual("bp_systolic", 128)
    controller.enter_manual("bp_diastolic", 84)
    select(tab, "Systolic BP 128")
    tab.correct_button.click()
    assert tab.message.text() == ("Diastolic 84 must be lower than systolic 70: check the order, "
                                  "for example 128/84.")
    assert len(answers.asked) == 1   # refused before a reason is asked for
    assert log.conn.execute("SELECT count(*) FROM observations WHERE corrects IS NOT NULL").fetchone() == (0,)


def test_correction_checks_the_value_before_asking_for_a_reason(qtbot, live):
    # 90.5 was asked about as "Why is SpO2 corrected to 90 %?", then refused after the reason.
    controller, journal, clock, log = live
    answers = Replies("90.5", "probe read 90.5")
    tab = EventsTab(journal, controller, answers, Answers())
    qtbot.addWidget(tab)
    controller.enter_manual("spo2", 85)
    select(tab, "SpO2 85 % — ana")
    tab.correct_button.click()
    assert answers.asked == ["New value of SpO2 (%), 0–100 %:"]
    assert "whole number" in tab.message.text()
    # An unusual value is asked about first, and the reason question quotes it as recorded.
    confirmer = Answers()
    answers = Replies("45", "probe read 45")
    tab = EventsTab(journal, controller, answers, confirmer)
    qtbot.addWidget(tab)
    select(tab, "SpO2 85 % — ana")
    tab.correct_button.click()
    assert "SpO2 45 % is unusual" in confirmer.asked[0]
    assert answers.asked[1] == "Why is it corrected to SpO2 45 %? (logged with the correction)"
    assert tab.message.text() == "Corrected: SpO2 45 %"


def test_correcting_a_worded_scale_asks_and_takes_its_words(qtbot, live):
    # "Hallucinations present" mis-clicked: Correct… asked for "0–1 score" and refused "absent".
    controller, journal, clock, log = live
    answers = Replies("Absent", "mis-click")
    tab = EventsTab(journal, controller, answers, Answers())
    qtbot.addWidget(tab)
    controller.enter_manual_row("hallucinations", 1.0)
    select(tab, "Hallucinations present")
    tab.correct_button.click()
    assert answers.asked == [
        "New value of Hallucinations (score), 0 absent, 1 present (number or words):",
        "Why is it corrected to Hallucinations absent? (logged with the correction)"]
    assert tab.message.text() == "Corrected: Hallucinations absent"
    assert controller.view.latest("hallucinations").reading.value == 0
    answers = Replies("sever")
    tab = EventsTab(journal, controller, answers, Answers())
    qtbot.addWidget(tab)
    controller.enter_manual_row("nausea", 1.0)
    select(tab, "Nausea mild")
    tab.correct_button.click()
    assert tab.message.text() == ("Nausea 'sever' is not a number: enter 0–3 score (whole numbers). "
                                  "Nausea takes 0 none, 1 mild, 2 moderate, 3 severe (number or "
                                  "words).")


def test_a_correction_names_what_it_corrected(qtbot, live):
    # "SpO2 95 % — ana (corrects #1)", "Correction of #1: typo": the list shows no row numbers,
    # and with an 85 and an 88 the nurse could not tell which one was corrected.
    controller, journal, clock, log = live
    tab = EventsTab(journal, controller, Replies("95", "typo"), Answers())
    qtbot.addWidget(tab)
    controller.enter_manual("spo2", 85)
    clock.advance(60)
    controller.enter_manual("spo2", 88)
    select(tab, "SpO2 85 % — ana")
    tab.correct_button.click()
    tab.refresh()
    assert texts(tab)[:2] == ["Correction of SpO2 85 % of 09:00:00 to SpO2 95 %: typo — ana",
                              "SpO2 95 % — ana (corrects SpO2 85 % of 09:00:00)"]


def test_an_override_and_a_flag_read_in_a_nurses_words(qtbot, live):
    # "Override (end_phase): prescriber: proceed" and "SpO2 95 % — ana [REPLACES_DEVICE]": the
    # log's names, not which phase was left, nor what was overridden.
    controller, journal, clock, log = live
    tab = EventsTab(journal, controller, Replies(), Answers())
    qtbot.addWidget(tab)
    device(controller, "spo2", 86)   # a high alarm the typed value replaces
    assert controller.enter_manual("spo2", 95, confirmed=True).__class__.__name__ == "Accepted"
    blockers = controller.phase_blockers()
    assert not controller.advance_phase().done
    assert controller.advance_phase(override_reason="prescriber: proceed").done
    tab.refresh()
    override = next(t for t in texts(tab) if t.startswith("Override"))
    assert override == (f"Override: Pre-session checks ended with {len(blockers)} checks not met. "
                        "Reason: prescriber: proceed — ana")
    assert "SpO2 95 % — ana [typed in place of the monitor's reading]" in texts(tab)
    blockers = controller.discharge_blockers()
    assert controller.discharge(override_reason="transfer to ward").done
    tab.refresh()
    assert (f"Override: Discharged with {len(blockers)} checks not met. Reason: transfer to ward "
            "— ana") in texts(tab)


def _resumed(monitor_seconds: int) -> list[Record]:
    """A session's log as a restart reads it: the nurse's T0, a note and an alarm, then a monitor
    sending six values a second for `monitor_seconds`, then the resume."""
    def at(seconds: float) -> datetime:
        return START + timedelta(seconds=seconds)

    history: list[Record] = [
        EventRecord(1, at(0), "dosing_started", "ana", {}),
        EventRecord(1, at(5), "note", "ana", {"text": "pump started"}),
        AlarmTransition(1, 1, "spo2_low", "physiological", "high", "raised", at(8), "SpO2 86 %"),
    ]
    history += [ObservationRecord(1, name, 80, "", "hl7:MON", at(s), at(s), "")
                for s in range(10, 10 + monitor_seconds)
                for name in ("heart_rate", "spo2", "pulse_rate", "resp_rate", "bp_systolic",
                             "bp_diastolic")]
    history.append(EventRecord(1, at(10 + monitor_seconds), "session_resumed", "ana", {}))
    return history


def _listed(events: EventList) -> list[str]:
    return [events.item(i).text().split("  ", 1)[1] for i in range(events.count())]


@pytest.mark.parametrize("monitor_seconds", [150, 2 * 3600])
def test_a_resumed_session_lists_what_the_nurse_did_before_the_restart(qtbot, monitor_seconds):
    # The list had read only the newest 500 records of the history, all but the resume the
    # monitor's (hidden): T0, the note and the alarm of 2 minutes before were missing; and the
    # journal kept only the newest 5,000 records of a 2-hour session, all the monitor's.
    journal = Journal(MemoryRecorder())
    history = _resumed(monitor_seconds)
    journal.preload(history, range(1, len(history) + 1))
    events = EventList(journal)
    qtbot.addWidget(events)
    events.refresh()
    assert _listed(events) == ["Session resumed after a restart — ana",
                               "Alarm raised (high): SpO2 86 %",
                               "Note: pump started — ana",
                               "Dosing started (T0) — ana"]
    events.set_show_device(True)    # the same rows, the monitor's newest between them
    listed = _listed(events)
    assert listed[0] == "Session resumed after a restart — ana"
    assert len(listed) == EventList.MAX_ROWS
    events.set_show_device(False)
    assert _listed(events)[-1] == "Dosing started (T0) — ana"

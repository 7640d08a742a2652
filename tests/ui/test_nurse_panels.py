"""The nurse's panels driven through their widgets: what is on screen and what is in the log."""

from __future__ import annotations

import sqlite3

from PySide6 import QtCore

from console.ui.checklist_panel import REQUIRED_ROLE, ChecklistPanel
from console.ui.entry_panel import EntryPanel
from console.ui.event_list import EventList
from tests.ui.conftest import Answers


def rows(log, query):
    with sqlite3.connect(log.path) as conn:
        return conn.execute(query).fetchall()


def entry(qtbot, controller, answers=None):
    panel = EntryPanel(controller, answers or Answers())
    qtbot.addWidget(panel)
    return panel


def type_and_enter(qtbot, panel, **fields):
    for key, text in fields.items():
        panel.fields[key].clear()
        qtbot.keyClicks(panel.fields[key], text)
    qtbot.keyClick(panel.fields["bp"], QtCore.Qt.Key.Key_Return)


def test_vitals_typed_in_one_form_are_recorded_and_the_form_clears(qtbot, live):
    controller, journal, clock, log = live
    panel = entry(qtbot, controller)
    type_and_enter(qtbot, panel, bp="128/84", resp_rate="16", heart_rate="72", spo2="98")
    assert panel.message.text() == "Recorded: BP 128/84 mmHg, RR 16/min, HR 72/min, SpO2 98%"
    assert all(not f.text() for f in panel.fields.values())
    assert rows(log, "SELECT metric, value, source, entered_by FROM observations ORDER BY id") == [
        ("bp_systolic", 128.0, "manual", "ana"), ("bp_diastolic", 84.0, "manual", "ana"),
        ("resp_rate", 16.0, "manual", "ana"), ("heart_rate", 72.0, "manual", "ana"), ("spo2", 98.0, "manual", "ana")]


def test_bad_values_are_refused_with_the_allowed_range_and_nothing_is_written(qtbot, live):
    controller, journal, clock, log = live
    panel = entry(qtbot, controller)
    type_and_enter(qtbot, panel, bp="999/80", heart_rate="70")
    assert panel.message.text() == "Systolic BP 999 mmHg is outside the allowed range 20–300 mmHg."
    type_and_enter(qtbot, panel, bp="80/120")
    assert panel.message.text() == "Diastolic 120 must be lower than systolic 80: check the order, for example 128/84."
    type_and_enter(qtbot, panel, bp="", resp_rate="four hundred")
    assert panel.message.text() == "Respiratory rate 'four hundred' is not a number: enter 0–150 breaths/min."
    assert rows(log, "SELECT count(*) FROM observations") == [(0,)]
    # The typed values stay so the nurse can fix them.
    assert panel.fields["resp_rate"].text() == "four hundred"


def test_an_unusual_value_is_recorded_only_when_confirmed(qtbot, live):
    controller, journal, clock, log = live
    answers = Answers()
    panel = entry(qtbot, controller, answers)
    answers.yes = False
    type_and_enter(qtbot, panel, resp_rate="3")
    assert answers.asked == ["Respiratory rate 3 breaths/min is unusual (expected 4–60 breaths/min). "
                             "Confirm to record it as measured."]
    assert rows(log, "SELECT count(*) FROM observations") == [(0,)]
    answers.yes = True
    type_and_enter(qtbot, panel, resp_rate="3")
    assert rows(log, "SELECT metric, value, confirmed FROM observations") == [("resp_rate", 3.0, 1)]


def test_a_thousands_separator_is_refused_not_recorded_as_a_decimal_point(qtbot, live):
    # Review 37: HR "1,000" asked "Heart rate 1,000 beats/min is unusual", and "Record it"
    # logged HR 1 (the comma read as a decimal point) and raised a high HR ≤40 alarm.
    controller, journal, clock, log = live
    answers = Answers()
    panel = entry(qtbot, controller, answers)
    type_and_enter(qtbot, panel, heart_rate="1,000")
    assert answers.asked == []
    assert panel.message.text() == ("Heart rate 1,000: enter it without a thousands separator, "
                                    "0–300 beats/min.")
    assert rows(log, "SELECT count(*) FROM observations") == [(0,)]
    assert controller.view.alarms() == []


def test_observations_are_one_click_and_sedation_alarms(qtbot, live):
    controller, journal, clock, log = live
    panel = entry(qtbot, controller)
    qtbot.mouseClick(panel.observation_buttons[("moaas", 3)], QtCore.Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.observation_buttons[("nausea", 2)], QtCore.Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.findChild(type(panel.record_button), "obs_vomiting"), QtCore.Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.note, "feels floaty, reassured")
    qtbot.keyClick(panel.note, QtCore.Qt.Key.Key_Return)
    assert rows(log, "SELECT metric, value FROM observations ORDER BY id") == [("moaas", 3.0), ("nausea", 2.0)]
    assert rows(log, "SELECT kind, json_extract(detail, '$.text'), actor FROM events WHERE kind IN ('note', 'observation') ORDER BY id") == [
        ("observation", "Vomiting", "ana"), ("note", "feels floaty, reassured", "ana")]
    assert [o.condition for o in controller.view.alarms()] == ["moaas_low"]


def test_checklist_ticks_are_logged_and_moving_on_with_items_open_needs_a_reason(qtbot, live):
    controller, journal, clock, log = live
    answers = Answers()
    panel = ChecklistPanel(controller, answers)
    qtbot.addWidget(panel)
    panel.refresh()
    first = panel.items.item(0)
    assert first.text() == "Identity confirmed with two identifiers (e.g. full name and date of birth)"
    assert first.data(REQUIRED_ROLE) is True   # drawn as a red dot, not as text
    assert first.toolTip().endswith("Required. Not ticked yet (Space or a click ticks it).")
    first.setCheckState(QtCore.Qt.CheckState.Checked)
    panel.refresh()
    local = clock.now().wall.astimezone().strftime("%H:%M")
    assert panel.items.item(0) is first   # updated in place, not rebuilt
    assert first.toolTip() == ("Identity confirmed with two identifiers (e.g. full name and date of birth)\n"
                               f"Required. Ticked by ana at {local}.")
    assert first.checkState() == QtCore.Qt.CheckState.Checked
    assert not first.flags() & QtCore.Qt.ItemFlag.ItemIsUserCheckable   # a logged tick stays
    assert rows(log, "SELECT json_extract(detail, '$.item'), actor FROM events WHERE kind = 'checklist_ticked'") == [("identity", "ana")]
    # Next phase with items open: the nurse is asked why; no answer means no move.
    answers.reply = ""
    qtbot.mouseClick(panel.next_button, QtCore.Qt.MouseButton.LeftButton)
    assert controller.view.phase.id == "pre"
    assert panel.message.text().startswith("Not moved: Required item open: Consent")
    answers.reply = "consent on paper, scanning later"
    qtbot.mouseClick(panel.next_button, QtCore.Qt.MouseButton.LeftButton)
    assert controller.view.phase.id == "infusion"
    assert rows(log, "SELECT json_extract(detail, '$.reason') FROM events WHERE kind = 'override'") == [
        ("consent on paper, scanning later",)]


def test_event_list_shows_the_newest_first(qtbot, live):
    controller, journal, clock, log = live
    events = EventList(journal)
    qtbot.addWidget(events)
    controller.enter_manual("heart_rate", 70)
    clock.advance(60)
    controller.note("patient comfortable")
    events.refresh()
    first = clock.now().wall.astimezone().strftime("%H:%M:%S")
    assert events.item(0).text() == f"{first}  Note: patient comfortable — ana"
    assert events.item(1).text().endswith("  Heart rate 70 beats/min — ana")


def test_no_vitals_field_shows_a_number_it_was_not_given(qtbot, live):
    """Grey placeholders "128/84", "16", "72", "97" looked like values entered (a nurse walk on X:
    "SpO2 % 97" under a tile reading 86)."""
    panel = entry(qtbot, live[0])
    assert all(not any(ch.isdigit() for ch in field.placeholderText())
               for field in panel.fields.values())

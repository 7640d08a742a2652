"""R4: bad manual entries typed into the session window's entry form are refused.

Each case is typed into the real `EntryPanel` and submitted with Enter, as a nurse does. The
message on screen must say what is wrong and what is allowed; nothing may reach SQLite (every
record table is counted before and after, so neither the value nor an alarm or event it would
have caused slips in); the typed text stays so it can be corrected. tests/ui/test_nurse_panels.py
already covers BP 999/80, 80/120 and RR "four hundred"; these are the rest of the bar's list
(text, empty, negative, absurd, diastolic >= systolic) and their neighbours.
"""

from __future__ import annotations

import sqlite3

import pytest
from PySide6 import QtCore

from console.ui.entry_panel import EntryPanel
from tests.ui.conftest import Answers

pytestmark = pytest.mark.faults

TABLES = ("sessions", "observations", "alarm_events", "events")


def rows_in(db) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


# (what, fields typed, the exact message)
CASES = [
    ("empty form", {}, "Type at least one value, for example BP 128/84."),
    ("blanks only", {"bp": "   ", "heart_rate": "  "}, "Type at least one value, for example BP 128/84."),
    ("HR as text", {"heart_rate": "seventy"},
     "Heart rate 'seventy' is not a number: enter 0–300 beats/min."),
    ("SpO2 with a percent sign", {"spo2": "97%"}, "SpO2 '97%' is not a number: enter 0–100 %."),
    ("HR not a number (nan)", {"heart_rate": "nan"},
     "Heart rate 'nan' is not a number: enter 0–300 beats/min."),
    ("RR infinite", {"resp_rate": "inf"},
     "Respiratory rate 'inf' is not a number: enter 0–150 breaths/min."),
    ("negative HR", {"heart_rate": "-5"},
     "Heart rate -5 beats/min is outside the allowed range 0–300 beats/min."),
    ("negative SpO2", {"spo2": "-1"}, "SpO2 -1 % is outside the allowed range 0–100 %."),
    ("negative BP", {"bp": "-120/80"},
     "Systolic BP -120 mmHg is outside the allowed range 20–300 mmHg."),
    ("RR 400", {"resp_rate": "400"},
     "Respiratory rate 400 breaths/min is outside the allowed range 0–150 breaths/min."),
    ("BP 999/999", {"bp": "999/999"},
     "Systolic BP 999 mmHg is outside the allowed range 20–300 mmHg. "
     "Diastolic BP 999 mmHg is outside the allowed range 10–250 mmHg."),
    ("SpO2 101", {"spo2": "101"}, "SpO2 101 % is outside the allowed range 0–100 %."),
    # Refused as no number at all: a number spelled 1e2 (or 9_8) was taken as 100 (review 37).
    ("HR in exponent form", {"heart_rate": "1e3"},
     "Heart rate '1e3' is not a number: enter 0–300 beats/min."),
    ("diastolic equal to systolic", {"bp": "120/120"},
     "Diastolic 120 must be lower than systolic 120: check the order, for example 128/84."),
    ("diastolic above systolic", {"bp": "90/140"},
     "Diastolic 140 must be lower than systolic 90: check the order, for example 128/84."),
    ("BP as one number", {"bp": "128"},
     "Blood pressure '128' is not in the form systolic/diastolic, for example 128/84."),
    ("BP without diastolic", {"bp": "128/"},
     "Blood pressure '128/' is not in the form systolic/diastolic, for example 128/84."),
    ("BP with three parts", {"bp": "128/84/60"},
     "Blood pressure '128/84/60' is not in the form systolic/diastolic, for example 128/84."),
    ("BP diastolic as text", {"bp": "128/low"},
     "Diastolic BP 'low' is not a number: enter 10–250 mmHg."),
    # One bad field spoils the form: the good ones are not recorded either.
    ("good HR beside RR 400", {"heart_rate": "72", "resp_rate": "400"},
     "Respiratory rate 400 breaths/min is outside the allowed range 0–150 breaths/min."),
    ("good BP beside SpO2 as text", {"bp": "128/84", "spo2": "ninety"},
     "SpO2 'ninety' is not a number: enter 0–100 %."),
]


@pytest.mark.parametrize(("fields", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_entry_is_refused_with_what_is_wrong_and_what_is_allowed_and_nothing_is_written(
    qtbot, live, fields: dict[str, str], message: str
) -> None:
    controller, journal, clock, log = live
    panel = EntryPanel(controller, Answers())
    qtbot.addWidget(panel)
    before = rows_in(log.path)
    for key, text in fields.items():
        panel.fields[key].setText(text)
    qtbot.keyClick(panel.fields["bp"], QtCore.Qt.Key.Key_Return)
    assert panel.message.text() == message
    assert rows_in(log.path) == before
    assert controller.view.latest("heart_rate") is None   # nothing reached the tiles either
    for key, text in fields.items():
        assert panel.fields[key].text() == text   # kept for the nurse to correct


def test_an_empty_note_is_refused_and_nothing_is_written(qtbot, live) -> None:
    controller, journal, clock, log = live
    panel = EntryPanel(controller, Answers())
    qtbot.addWidget(panel)
    before = rows_in(log.path)
    qtbot.keyClicks(panel.note, "   ")
    qtbot.keyClick(panel.note, QtCore.Qt.Key.Key_Return)
    assert panel.message.text() == "The note is empty: write what you observed."
    assert rows_in(log.path) == before


def test_after_a_refusal_the_corrected_entry_is_recorded_once(qtbot, live) -> None:
    controller, journal, clock, log = live
    panel = EntryPanel(controller, Answers())
    qtbot.addWidget(panel)
    panel.fields["bp"].setText("140/140")
    qtbot.keyClick(panel.fields["bp"], QtCore.Qt.Key.Key_Return)
    assert panel.message.text().startswith("Diastolic 140 must be lower than systolic 140")
    panel.fields["bp"].setText("140/90")
    qtbot.keyClick(panel.fields["bp"], QtCore.Qt.Key.Key_Return)
    assert panel.message.text() == "Recorded: BP 140/90 mmHg"
    with sqlite3.connect(log.path) as conn:
        assert conn.execute("SELECT metric, value FROM observations ORDER BY id").fetchall() == [
            ("bp_systolic", 140.0), ("bp_diastolic", 90.0)]

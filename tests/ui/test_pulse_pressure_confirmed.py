"""A BP whose unusual pulse pressure the nurse confirmed is logged as confirmed, both values."""

from __future__ import annotations

import sqlite3

from PySide6 import QtCore

from console.ui.entry_panel import EntryPanel
from tests.ui.conftest import Answers


def test_a_confirmed_unusual_pulse_pressure_is_logged_as_confirmed(qtbot, live):
    # Review 39: BP 150/40 and Return; the form asks "BP 150/40 mmHg: a pulse pressure of 110
    # mmHg is unusual (expected 20–100 mmHg); check for a slipped digit. Confirm to record it
    # as measured." The nurse re-checks the cuff and answers "Record it". Both rows said
    # confirmed = 0, as a BP recorded without a question: the review, the CSV's "confirmed"
    # column and the FHIR note could not tell a checked 150/40 from a slip nobody looked at.
    controller, journal, clock, log = live
    answers = Answers()   # answers yes
    panel = EntryPanel(controller, answers)
    qtbot.addWidget(panel)
    qtbot.keyClicks(panel.fields["bp"], "150/40")
    qtbot.keyClick(panel.fields["bp"], QtCore.Qt.Key.Key_Return)
    assert len(answers.asked) == 1 and "pulse pressure of 110 mmHg is unusual" in answers.asked[0]
    assert panel.message.text() == "Recorded: BP 150/40 mmHg"
    with sqlite3.connect(log.path) as conn:
        written = conn.execute("SELECT metric, value, confirmed FROM observations ORDER BY id"
                               ).fetchall()
    assert written == [("bp_systolic", 150.0, 1), ("bp_diastolic", 40.0, 1)]

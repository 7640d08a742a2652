"""The form asks a typed BP's pulse pressure even when one half is unusual alone, in one
question, and a Yes logs both halves confirmed: "255/40" (a slip for 255/140) was asked only
about the 255 and its 40 logged as never doubted; "140/20" only about the 20, its 140 so too.
A No records nothing and leaves the BP as typed for correction."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6 import QtCore

from console.ui.entry_panel import EntryPanel
from tests.ui.conftest import Answers


def logged(log) -> list[tuple[str, float, int]]:
    with sqlite3.connect(log.path) as conn:
        return conn.execute("SELECT metric, value, confirmed FROM observations ORDER BY id"
                            ).fetchall()


def enter_bp(qtbot, live, typed: str, yes: bool = True) -> tuple[EntryPanel, Answers]:
    controller, _journal, _clock, _log = live
    answers = Answers()
    answers.yes = yes
    panel = EntryPanel(controller, answers)
    qtbot.addWidget(panel)
    qtbot.keyClicks(panel.fields["bp"], typed)
    qtbot.keyClick(panel.fields["bp"], QtCore.Qt.Key.Key_Return)
    return panel, answers


@pytest.mark.parametrize(("typed", "unusual", "pulse_pressure"), [
    ("255/40", "systolic 255 mmHg is unusual", 215),
    ("140/20", "diastolic 20 mmHg is unusual", 120),
])
def test_one_question_says_the_half_and_the_pair_and_a_yes_confirms_both(
        qtbot, live, typed, unusual, pulse_pressure):
    log = live[3]
    panel, answers = enter_bp(qtbot, live, typed)
    assert len(answers.asked) == 1, answers.asked
    assert unusual in answers.asked[0]
    assert f"pulse pressure of {pulse_pressure} mmHg is unusual" in answers.asked[0]
    assert "check for a slipped digit" in answers.asked[0]
    systolic, diastolic = (float(x) for x in typed.split("/"))
    assert logged(log) == [("bp_systolic", systolic, 1), ("bp_diastolic", diastolic, 1)]
    assert panel.message.text() == f"Recorded: BP {typed} mmHg"


def test_a_no_records_nothing_and_keeps_the_bp_as_typed(qtbot, live):
    log = live[3]
    panel, answers = enter_bp(qtbot, live, "255/40", yes=False)
    assert len(answers.asked) == 1
    assert logged(log) == []
    assert panel.fields["bp"].text() == "255/40"
    assert panel.message.text().startswith("Not recorded: BP 255/40 mmHg: systolic 255 mmHg")


@pytest.mark.parametrize(("typed", "asked", "confirmed"), [
    ("250/40", ["pulse pressure of 210 mmHg"], [1, 1]),      # the pair alone, as before
    ("110/20", ["Diastolic BP 20 mmHg is unusual"], [0, 1]),  # a half alone, pair usual
    ("128/84", [], [0, 0]),
])
def test_plain_cases_are_asked_and_logged_as_before(qtbot, live, typed, asked, confirmed):
    log = live[3]
    _panel, answers = enter_bp(qtbot, live, typed)
    assert len(answers.asked) == len(asked)
    assert all(words in question for words, question in zip(asked, answers.asked))
    assert [row[2] for row in logged(log)] == confirmed

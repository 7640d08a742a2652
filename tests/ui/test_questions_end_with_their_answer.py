"""A question that says itself again while open ("Override needed", "Discharge refused",
"Discharge against the gate": `DialogAsker`'s `refresh`) ends with its answer. Answered, it stayed
hidden, a child of the console window, its 1-second timer recomputing the gate of the session it
was asked in for the life of the process (after that session had ended and another begun,
keeping the old engine alive): one more per question asked at a chair that runs for weeks."""

from __future__ import annotations

import shiboken6
from PySide6 import QtCore, QtWidgets

from console.ui.checklist_panel import REFRESH_MS, DialogAsker
from tests.ui.test_checklist_panel import shown_panel


def answer_when_asked(reply) -> dict:
    """Answers the question the console opens next, as the nurse does (`reply(question)`);
    what was open when she answered: the question and its refresh timer."""
    seen: dict = {}

    def answer() -> None:
        question = QtWidgets.QApplication.activeModalWidget()
        (timer,) = [t for t in question.findChildren(QtCore.QTimer) if t.interval() == REFRESH_MS]
        assert timer.isActive()   # it says itself again while open
        seen.update(question=question, timer=timer)
        reply(question)

    QtCore.QTimer.singleShot(0, answer)
    return seen


def ended(qtbot, seen: dict) -> None:
    """The question's timer stopped as it was answered, and the question is gone."""
    timer = seen["timer"]
    assert not shiboken6.isValid(timer) or not timer.isActive()
    qtbot.waitUntil(lambda: not shiboken6.isValid(seen["question"]), timeout=2000)


def test_override_questions_cancelled_at_next_phase_stop_recomputing_the_gate(qtbot, live):
    controller, _journal, _clock, _log = live
    panel = shown_panel(qtbot, controller)
    panel.asker = DialogAsker(panel)   # the console's own dialogs
    recomputed = []
    blockers = controller.phase_blockers
    controller.phase_blockers = lambda: recomputed.append(1) or blockers()
    for _ in range(3):   # Next phase with the checklist open: "Override needed", cancelled
        seen = answer_when_asked(lambda question: question.reject())
        panel.next_button.click()
        assert seen, "no question was asked"
        ended(qtbot, seen)
    assert panel.message.text().startswith("Not moved: ")
    assert panel.findChildren(QtWidgets.QDialog) == []
    qtbot.wait(REFRESH_MS + 200)   # long enough for a timer left running to have fired
    assert recomputed == []   # never asked again once answered


def test_a_question_agreed_to_ends_with_its_answer(qtbot, live):
    controller, _journal, _clock, _log = live
    panel = shown_panel(qtbot, controller)
    asked = []
    seen = answer_when_asked(lambda box: box.buttons()[0].click())   # "Discharge anyway"
    assert DialogAsker(panel).agree("Discharge against the gate", "Discharge MRN-7 although…",
                                    "Discharge anyway", refresh=lambda: asked.append(1) or "…")
    ended(qtbot, seen)
    qtbot.wait(REFRESH_MS + 200)   # long enough for a timer left running to have fired
    assert panel.findChildren(QtWidgets.QDialog) == [] and asked == []


def test_a_question_answered_but_kept_says_itself_no_more(qtbot):
    # Whoever answers it and keeps it (not deleted, as `agree` does): its timer stops with the
    # answer, not with the dialog's deletion.
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    asked = []
    box, _yes = DialogAsker(parent).build_agree(
        "Discharge against the gate", "Discharge MRN-7 although…", "Discharge anyway",
        refresh=lambda: asked.append(1) or "…")
    seen = answer_when_asked(lambda question: question.reject())
    box.exec()
    qtbot.wait(REFRESH_MS + 200)
    assert shiboken6.isValid(box) and seen["question"] is box
    assert not seen["timer"].isActive() and asked == []

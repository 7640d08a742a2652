"""The station locks (the idle time, or an account an administrator disabled): what the locked
window had asked or said belongs to the lock, not to the nurse who signs in next.

- A question left open is answered "no": the T0 question ("Start Infusion (T0) now? … Start the
  pump as you confirm") stood over the sign-in form after the idle lock, whoever came next had
  to answer it first, and its Start was refused: the pump ran with no T0 in the record.
- A refusal said before the lock goes at the sign-in: the entry form and the checklist still
  said in red "Ana Nurse's account is disabled … Locked — sign in to continue" to Ben, signed in
  on an unlocked station (a review of the change)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.session.lock import LOCKED_MESSAGE
from console.ui.checklist_panel import DialogAsker
from tests.ui.conftest import ready_for_t0
from tests.ui.test_lock_screen import ADMIN, ANA, BEN, BEN_PIN, chair, sign_in  # noqa: F401

IDLE_PAST_THE_LOCK_S = 11 * 60


def _open_question() -> QtWidgets.QMessageBox | None:
    return next((w for w in QtWidgets.QApplication.topLevelWidgets()
                 if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()), None)


def test_the_idle_lock_answers_the_t0_question_left_open_no(chair):  # noqa: F811
    controller = chair.controller
    ready_for_t0(controller)
    panel = chair.window.checklist
    panel.asker = DialogAsker(chair.window)   # the real question, in its own event loop
    seen: dict[str, object] = {}

    def walk_away() -> None:
        box = _open_question()
        seen["asked"] = box.text() if box is not None else None
        chair.clock.advance(IDLE_PAST_THE_LOCK_S)   # nobody at the chair: the tick locks
        controller.tick()
        seen["open_after_the_lock"] = _open_question() is not None
        QtCore.QTimer.singleShot(0, close_what_stands)

    def close_what_stands() -> None:   # so the test ends whatever the code did
        box = _open_question()
        if box is not None:
            box.reject()

    QtCore.QTimer.singleShot(0, walk_away)
    panel.next_button.click()   # returns when the question is answered (or closed)
    assert str(seen["asked"]).startswith("Start Infusion (T0) now?"), seen
    assert controller.locked and seen["open_after_the_lock"] is False
    assert _open_question() is None
    assert controller.view.phase.id == "pre" and controller.view.t0 is None
    assert chair.rows("SELECT count(*) FROM events WHERE kind = 'phase_started'") == [(1,)]


def _refused_then_ben_signs_in(chair, act) -> None:  # noqa: F811
    """Ana's account disabled, her `act` refused (the station locks), Ben signs in 10 s later."""
    staff = chair.staff
    chair.t(30)
    staff.disable(staff.find(ANA).id, staff.find(ADMIN), "left the clinic", chair.clock.now().wall)
    act()
    assert chair.controller.locked
    chair.t(10)
    assert sign_in(chair, BEN, BEN_PIN).startswith(f"Signed in as {BEN}")
    chair.t(1)


def test_the_entry_form_says_no_refusal_of_the_lock_after_the_next_sign_in(chair):  # noqa: F811
    entry = chair.window.entry
    _refused_then_ben_signs_in(chair, entry.observation_buttons[("moaas", 4)].click)
    shown = entry.message.text() + " | " + entry.message.toolTip()
    assert LOCKED_MESSAGE not in shown and "disabled" not in shown, shown


def test_the_checklist_says_no_refusal_of_the_lock_after_the_next_sign_in(chair):  # noqa: F811
    panel = chair.window.checklist
    _refused_then_ben_signs_in(chair, panel.next_button.click)
    shown = panel.message.text() + " | " + panel.message.toolTip()
    assert LOCKED_MESSAGE not in shown and "disabled" not in shown, shown

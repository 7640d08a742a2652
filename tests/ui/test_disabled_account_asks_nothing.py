"""An administrator disables Ana (or takes her nurse role away) while she is at the chair: the
station refuses her next act and locks (console/ui/controller.py). Two things follow in the real
live window:

- What is on screen says why: the lock bar names the reason ("Ana Nurse's account is disabled:
  ask an administrator.") beside the sign-in form, not only "Locked — sign in to continue" (the
  refusal had gone to the entry panel's message, which the lock hides at that very moment);
  the next sign-in clears it.
- Nothing is asked of an account the station no longer accepts: the refusal comes first, in
  words, and no question. Next phase had asked "Start Infusion (T0) now? … Start the pump as you
  confirm", then refused the move: the pump ran, the record had no T0. And a lock is not a gate
  a prescriber overrides: Next phase and Discharge asked for an override reason after it.

Real engine, real SQLite log, real Argon2id at its smallest cost, a clock moved by hand."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.ui.checklist_panel import ITEM_ID_ROLE
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import PhaseKind
from tests.ui import test_lock_screen
from tests.ui.conftest import ready_for_t0
from tests.ui.test_lock_screen import (  # noqa: F401 (fixture)
    ADMIN,
    ANA,
    ANA_PIN,
    BEN,
    BEN_PIN,
    Chair,
    chair,
    sign_in,
)
from tests.ui.test_signatures_at_chair import Signer

DISABLED = f"{ANA}'s account is disabled: ask an administrator."
START_PHASE = "pre"


def disable_ana(chair) -> None:  # noqa: F811
    staff = chair.staff
    staff.disable(staff.find(ANA).id, staff.find(ADMIN), "left the clinic", chair.clock.now().wall)


def visible_texts(window) -> str:
    return "\n".join(label.text() for label in window.findChildren(QtWidgets.QLabel)
                     if label.isVisibleTo(window) and label.text())


def test_the_lock_after_a_disabled_account_says_why_on_screen(chair, qtbot):  # noqa: F811
    # Step 1: Ana at work; an administrator disables her; she types HR 82 and presses Record.
    chair.t(30)
    disable_ana(chair)
    entry = chair.window.entry
    qtbot.keyClicks(entry.fields["heart_rate"], "82")
    entry.record_button.click()
    # Step 2: refused, nothing written, the station locked, and the lock bar says why.
    assert chair.controller.locked and chair.window.lock_bar.isVisible()
    assert chair.rows("SELECT count(*) FROM observations WHERE metric='heart_rate'") == [(0,)]
    shown = visible_texts(chair.window)
    assert "disabled" in shown, f"the station locked and nothing on screen says why:\n{shown}"
    assert chair.window.lock_bar.reason.text() == DISABLED
    assert chair.controller.lock_reason == DISABLED


def test_the_lock_reason_is_cleared_by_the_next_sign_in(chair):  # noqa: F811
    disable_ana(chair)
    assert not chair.controller.note("patient comfortable").done
    bar = chair.window.lock_bar
    assert bar.reason.isVisibleTo(chair.window)
    # Ana herself is refused at the sign-in: the reason stays on screen.
    sign_in(chair, ANA, ANA_PIN)
    assert chair.controller.locked and bar.reason.text() == DISABLED
    # Ben signs in and takes over: the reason goes; the next idle lock shows none.
    sign_in(chair, BEN, BEN_PIN)
    assert not chair.controller.locked and chair.controller.lock_reason == ""
    chair.t(test_lock_screen.LOCK_AFTER_S + 1)
    assert chair.controller.locked and bar.isVisible()
    assert not bar.reason.isVisibleTo(chair.window)
    assert "disabled" not in visible_texts(chair.window)


def test_next_phase_asks_nothing_of_a_disabled_account(chair):  # noqa: F811
    controller = chair.controller
    ready_for_t0(controller)
    assert controller.dose_starts_unasked()
    disable_ana(chair)
    panel = chair.window.checklist
    asker = panel.asker
    asker.yes, asker.reply = True, "pump already running"
    panel.next_button.click()
    assert controller.view.phase.id == START_PHASE, controller.view.phase.id   # refused
    assert controller.locked
    assert asker.asked == [], (
        "questions were asked for a move the station then refused:\n" + "\n---\n".join(asker.asked))
    assert chair.rows("SELECT count(*) FROM events WHERE kind = 'override'") == [(0,)]


def test_next_phase_refused_by_the_lock_asks_no_override_reason(chair):  # noqa: F811
    """Items open (not the T0 question): the refusal is the account's, not the checklist's."""
    controller = chair.controller
    disable_ana(chair)
    panel = chair.window.checklist
    panel.asker.reply = "walk on"
    panel.next_button.click()
    assert controller.locked and controller.view.phase.id == START_PHASE
    assert panel.asker.asked == []
    assert DISABLED in panel.message.toolTip() or DISABLED in chair.window.lock_bar.reason.text()


def test_discharge_asks_no_override_reason_of_a_disabled_account(chair):  # noqa: F811
    controller = chair.controller
    signer = Signer()
    signer.answers = [(ANA, ANA_PIN)]
    controller.signature_service = signer
    while controller.view.phase.kind is not PhaseKind.DISCHARGE:   # on to the Discharge phase
        assert controller.advance_phase(override_reason="walk to discharge").done
    chair.t(60)
    disable_ana(chair)
    panel = chair.window.checklist
    assert panel.discharge_button.isEnabled()
    asker = panel.asker
    asker.reply = ""
    panel.discharge_button.click()
    assert controller.locked and not controller.view.discharged
    assert asker.asked == [], (
        "an override of the discharge gate was asked for on an account the station refused:\n"
        + "\n---\n".join(asker.asked))


def test_an_unusual_value_is_not_questioned_for_a_disabled_account(chair, qtbot):  # noqa: F811
    disable_ana(chair)
    entry = chair.window.entry
    confirmer = entry.confirmer
    qtbot.keyClicks(entry.fields["heart_rate"], "25")   # a value the form asks about
    entry.record_button.click()
    assert chair.controller.locked
    assert confirmer.asked == []
    assert chair.rows("SELECT count(*) FROM observations WHERE metric='heart_rate'") == [(0,)]


def test_a_tick_that_asks_a_note_asks_nothing_of_a_disabled_account(tmp_path, qtbot,
                                                                    monkeypatch):
    """Esketamine's concomitant medications item asks the REMS answers before its tick."""
    esketamine = load_protocol(builtin_protocols_dir() / "esketamine.toml")
    monkeypatch.setattr(test_lock_screen, "load_protocol", lambda _path: esketamine)
    chair = Chair(tmp_path, qtbot)  # noqa: F811
    try:
        disable_ana(chair)
        panel = chair.window.checklist
        panel.asker.reply = "no to each"
        row = next(r for r in range(panel.items.count())
                   if panel.items.item(r).data(ITEM_ID_ROLE) == "concomitant-medications")
        widget = panel.items.item(row)
        widget.setCheckState(QtCore.Qt.CheckState.Checked)
        assert chair.controller.locked
        assert panel.asker.asked == []
        assert chair.rows("SELECT count(*) FROM events WHERE kind = 'checked'") == [(0,)]
        assert panel.items.item(row).checkState() == QtCore.Qt.CheckState.Unchecked
    finally:
        chair.close()


def test_an_account_disabled_while_t0_is_asked_gets_no_override_question(chair):  # noqa: F811
    """Disabled while the T0 question is open: the move is refused at the act, and the lock is
    reported, not offered as a gate to override."""
    controller = chair.controller
    ready_for_t0(controller)
    panel = chair.window.checklist
    asker = panel.asker
    agreed = asker.agree

    def agree_while_disabled(*args, **kwargs) -> bool:
        disable_ana(chair)   # an administrator, at that moment
        return agreed(*args, **kwargs)

    asker.agree = agree_while_disabled
    asker.yes, asker.reply = True, "pump already running"
    panel.next_button.click()
    assert controller.locked and controller.view.phase.id == START_PHASE
    assert len(asker.asked) == 1 and asker.asked[0].startswith("Start Infusion (T0) now?")
    assert chair.window.lock_bar.reason.text() == DISABLED
    assert chair.rows("SELECT count(*) FROM events WHERE kind = 'override'") == [(0,)]


def test_a_discharge_refused_by_the_lock_at_the_act_asks_no_override(chair,  # noqa: F811
                                                                     monkeypatch):
    """The lock comes between the panel's check and the discharge itself (the account disabled
    in that instant): the refusal is reported, no prescriber's override is offered."""
    controller = chair.controller
    while controller.view.phase.kind is not PhaseKind.DISCHARGE:
        controller.signature_service = Signer()
        controller.signature_service.answers = [(ANA, ANA_PIN)]
        assert controller.advance_phase(override_reason="walk to discharge").done
    discharge = controller.discharge

    def disabled_in_that_instant(*args, **kwargs):   # after the panel's check, before the act
        disable_ana(chair)
        return discharge(*args, **kwargs)

    monkeypatch.setattr(controller, "discharge", disabled_in_that_instant)
    panel = chair.window.checklist
    panel.asker.reply = "walk out"
    panel.discharge_button.click()
    assert controller.locked and not controller.view.discharged
    assert panel.asker.asked == []
    assert "disabled" in panel.message.toolTip() + panel.message.text()


def test_a_correction_asks_nothing_of_a_disabled_account(chair, qtbot):  # noqa: F811
    # The new value, an unusual value's confirmation and a reason had all been asked, then the
    # correction refused.
    from console.ui.event_list import EventsTab
    from tests.ui.conftest import Answers
    from tests.ui.test_event_list import Replies

    assert chair.controller.enter_manual("heart_rate", 150).__class__.__name__ == "Accepted"
    replies = Replies("120", "typed 150 for 120")
    tab = EventsTab(chair.window.journal, chair.controller, replies, Answers())
    qtbot.addWidget(tab)
    disable_ana(chair)
    tab.refresh()
    tab.list.setCurrentRow(next(i for i in range(tab.list.count())
                                if "Heart rate 150 beats/min — " in tab.list.item(i).text()))
    assert tab.correct_button.isEnabled()
    tab.correct_button.click()
    assert replies.asked == []
    assert chair.controller.locked and chair.window.lock_bar.reason.text() == DISABLED
    assert chair.rows("SELECT count(*) FROM observations WHERE corrects IS NOT NULL") == [(0,)]


def test_a_discharge_whose_signature_is_cancelled_asks_no_override(chair):  # noqa: F811
    """Nothing refuses the discharge, and the nurse cancels her signature (or her PIN is
    wrong): the session goes on, and no prescriber's override is asked (the signature's refusal
    had been offered as a gate to override, its reason asked)."""
    controller = chair.controller
    signer = Signer()
    signer.answers = [(ANA, ANA_PIN)]
    controller.signature_service = signer
    while controller.view.phase.kind is not PhaseKind.DISCHARGE:
        assert controller.advance_phase(override_reason="walk to discharge").done
    chair.t(60)
    # The gate clear (as after the 70 minutes, every score and item: built by the engine's
    # tests): only the signature stands between the nurse and the discharge.
    chair.engine.discharge_blockers = lambda now: []
    signer.answers = []   # she cancels the dialog
    panel = chair.window.checklist
    panel.asker.reply = "this must not be asked"
    panel.discharge_button.click()
    assert not controller.view.discharged
    assert panel.asker.asked == [], "\n---\n".join(panel.asker.asked)
    assert panel.message.text().startswith("Discharge refused: ")

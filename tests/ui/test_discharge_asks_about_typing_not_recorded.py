"""Typing left in the vitals form when the nurse presses Discharge or starts T0 (a review):
every discharge condition met, "132/84" typed without Return, "Discharge MRN-7 and end the
session?" did not name it; her Yes ended the record, and only then did the form say "Not recorded,
cleared at the discharge: BP 132/84." Restart and close name it before (`UNSAVED_LOST`). Now the
discharge's question names it, "Not yet" (the default answer) keeps it, and where a signature
alone would have confirmed the discharge (a log with accounts) it is asked about first. The T0
question names a pre-dose value typed and not recorded: Return after T0 records it as a value
after the dose."""

from __future__ import annotations

from PySide6 import QtCore

from protocols.model import PhaseKind
from tests.ui.conftest import (  # noqa: F401 - the fixture
    Answers,
    live,
    ready_for_t0,
    record_attested,
    shown_live_window,
)
from tests.ui.test_lock_screen import ANA, ANA_PIN
from tests.ui.test_signatures_at_chair import SignedChair, to_discharge_phase

LEFT = QtCore.Qt.MouseButton.LeftButton
VITALS = (("bp_systolic", 120), ("bp_diastolic", 80), ("heart_rate", 70), ("spo2", 98),
          ("resp_rate", 14))


def lost(what: str) -> str:
    """The discharge question's paragraph on the typing (`UNSAVED_LOST`, as a restart's)."""
    return (f"{what} typed and not recorded will be lost. To record it, choose “Not yet” and "
            "press Return in the form first.")


CLEAN_QUESTION = ("Discharge MRN-7 and end the session?\n\nIts record is then closed: nothing more "
                  "can be recorded at the chair.")


def clean_discharge_phase(controller, clock) -> None:
    """A session run through to its Discharge phase with every gate met (no override): values
    every minute, each phase's required items ticked; the station used all the while (a log
    with accounts would lock when idle)."""
    for name, value in VITALS + (("moaas", 5), ("dissociation", 0), ("aldrete", 10)):
        controller.enter_manual(name, value)
    ready_for_t0(controller)
    assert controller.advance_phase().done
    for _minute in range(300):   # the protocol's phases, a minute at a time
        if controller.view.phase.kind is PhaseKind.DISCHARGE:
            break
        clock.advance(60)
        controller.note_activity()
        for name, value in VITALS + (("moaas", 5),):
            controller.enter_manual(name, value)
        controller.tick()
        for item in controller.view.phase.checklist:
            if item.required and item.id not in controller.view.ticks():
                record_attested(controller, item)
                assert controller.tick_item(item.id).done, item.id
        controller.advance_phase()
    assert controller.view.phase.kind is PhaseKind.DISCHARGE
    for name, value in VITALS + (("moaas", 5), ("dissociation", 0), ("aldrete", 10), ("nausea", 0)):
        controller.enter_manual(name, value)
    for item in controller.view.phase.checklist:
        if item.required:
            record_attested(controller, item)
            assert controller.tick_item(item.id).done, item.id
    assert controller.discharge_blockers() == []


def systolics(log, value: float) -> int:
    return log.conn.execute("SELECT count(*) FROM observations WHERE metric = 'bp_systolic' "
                            "AND value = ?", (value,)).fetchone()[0]


def test_discharge_names_a_bp_typed_and_not_recorded_and_not_yet_keeps_it(qtbot, live):  # noqa: F811
    controller, _journal, clock, log = live
    clean_discharge_phase(controller, clock)
    answers = Answers()
    window = shown_live_window(qtbot, live, (1366, 768), asker=answers)
    bp = window.entry.fields["bp"]
    qtbot.keyClicks(bp, "118/78")                                 # typed, Return not pressed
    # She presses Discharge: the question names the BP; "Not yet" (the default) keeps it.
    answers.yes = False
    qtbot.mouseClick(window.checklist.discharge_button, LEFT)
    assert answers.asked == [f"{CLEAN_QUESTION}\n\n{lost('BP 118/78')}"]
    assert not controller.view.discharged and bp.text() == "118/78"
    assert window.checklist.message.text() == "Not discharged: the session goes on."
    # Return in the form records it; the discharge then asks its plain question.
    qtbot.keyClick(bp, QtCore.Qt.Key.Key_Return)
    assert systolics(log, 118) == 1
    answers.yes = True
    qtbot.mouseClick(window.checklist.discharge_button, LEFT)
    assert answers.asked[-1] == CLEAN_QUESTION
    assert controller.view.discharged


def test_discharge_anyway_drops_the_typing_it_named(qtbot, live):  # noqa: F811
    controller, _journal, clock, log = live
    clean_discharge_phase(controller, clock)
    answers = Answers()
    window = shown_live_window(qtbot, live, (1366, 768), asker=answers)
    qtbot.keyClicks(window.entry.fields["bp"], "132/84")
    qtbot.keyClicks(window.entry.fields["heart_rate"], "72")
    answers.yes = True                                            # she means it
    qtbot.mouseClick(window.checklist.discharge_button, LEFT)
    assert answers.asked[-1] == f"{CLEAN_QUESTION}\n\n{lost('BP 132/84, HR 72')}"
    assert controller.view.discharged and systolics(log, 132) == 0
    assert window.entry.message.text() == ("Not recorded, cleared at the discharge: BP 132/84, "
                                           "HR 72.")


def test_a_discharge_against_the_gate_names_the_typing_not_recorded(qtbot, live):  # noqa: F811
    controller, _journal, clock, _log = live
    answers = Answers()
    window = shown_live_window(qtbot, live, (1366, 768), asker=answers)
    while controller.view.phase.kind is not PhaseKind.DISCHARGE:
        assert controller.advance_phase(override_reason="walk").done
    clock.advance(60)
    controller.enter_manual("spo2", 85, confirmed=True)           # a high alarm, holding
    qtbot.keyClicks(window.entry.fields["bp"], "132/84")
    answers.reply, answers.yes = "Dr X agrees", False
    qtbot.mouseClick(window.checklist.discharge_button, LEFT)
    question = answers.asked[-1]
    assert question.startswith("Discharge MRN-7 and end the session although:\n• Alarm not "
                               "resolved: SpO2 85")
    assert question.endswith("Its record is then closed and its alarms end: nothing more is "
                             f"recorded or sounded at the chair.\n\n{lost('BP 132/84')}")
    assert answers.agree_refresh().endswith(lost("BP 132/84"))   # said again as it stands
    assert not controller.view.discharged
    assert window.entry.fields["bp"].text() == "132/84"


def test_with_accounts_the_typing_is_asked_about_before_the_discharges_signature(tmp_path, qtbot):
    """A log with accounts: the nurse's signature ("This ends the session.") was the only
    question of a clean discharge, and it names no typing."""
    chair = SignedChair(tmp_path, qtbot, with_window=True)
    try:
        assert chair.window is not None
        chair.window.show()
        chair.signer.answers = [(ANA, ANA_PIN)]
        clean_discharge_phase(chair.controller, chair.clock)
        qtbot.keyClicks(chair.window.entry.fields["bp"], "132/84")
        asked_to_sign = len(chair.signer.requests)
        chair.answers.yes = False
        qtbot.mouseClick(chair.window.checklist.discharge_button, LEFT)
        assert chair.answers.asked[-1] == f"{CLEAN_QUESTION}\n\n{lost('BP 132/84')}"
        assert len(chair.signer.requests) == asked_to_sign        # no PIN asked for it
        assert not chair.engine.discharged
        # With nothing typed, the signature alone confirms it, as before.
        chair.window.entry.fields["bp"].clear()
        asked = len(chair.answers.asked)
        qtbot.mouseClick(chair.window.checklist.discharge_button, LEFT)
        assert len(chair.answers.asked) == asked
        assert chair.signer.requests[-1].meanings == ("discharge",)
        assert chair.engine.discharged
    finally:
        chair.close()


def test_with_accounts_a_discharge_against_the_gate_asks_about_the_typing(tmp_path, qtbot):
    chair = SignedChair(tmp_path, qtbot, with_window=True)
    try:
        assert chair.window is not None
        chair.window.show()
        to_discharge_phase(chair)
        qtbot.keyClicks(chair.window.entry.fields["bp"], "132/84")
        asked_to_sign = len(chair.signer.requests)
        chair.answers.reply, chair.answers.yes = "prescriber agreed by phone", False
        qtbot.mouseClick(chair.window.checklist.discharge_button, LEFT)
        assert chair.answers.asked[-1].startswith("Discharge MRN-7 and end the session although:")
        assert chair.answers.asked[-1].endswith(lost("BP 132/84"))
        assert len(chair.signer.requests) == asked_to_sign        # no PIN asked for it
        assert not chair.engine.discharged
    finally:
        chair.close()


def test_the_t0_question_names_a_pre_dose_bp_typed_and_not_recorded(qtbot, live):  # noqa: F811
    """T0 leaves the form as it is: the BP typed before it is recorded, at its Return, after the
    dose started, a value after the dose. The question says so; "Not yet" lets her record it
    before T0."""
    controller, _journal, _clock, log = live
    ready_for_t0(controller)
    answers = Answers()
    window = shown_live_window(qtbot, live, (1366, 768), asker=answers)
    bp = window.entry.fields["bp"]
    qtbot.keyClicks(bp, "132/84")
    answers.yes = False
    qtbot.mouseClick(window.checklist.next_button, LEFT)
    assert answers.asked[-1] == (
        "Start Infusion (T0) now?\n\nT0 is this moment: the dose's timer, the checks after the "
        "dose and the baseline count from it. Start the pump as you confirm.\n\nBP 132/84 typed "
        "and not recorded would count after T0, as a value after the dose. To record it before "
        "T0, choose “Not yet” and press Return in the form first.")
    assert controller.view.t0 is None and bp.text() == "132/84"
    qtbot.keyClick(bp, QtCore.Qt.Key.Key_Return)                  # recorded before T0
    assert systolics(log, 132) == 1
    answers.yes = True
    qtbot.mouseClick(window.checklist.next_button, LEFT)
    assert answers.asked[-1].endswith("Start the pump as you confirm.")
    assert controller.view.t0 is not None

"""A signature dialog left open past the idle lock (README: while locked "Entry, the checklist,
next phase, discharge, notes and corrections are refused until a sign-in"): the lock closes it as
cancelled, and a signed action asks the lock again after its signatures, before the engine acts,
so nobody who comes by records a correction on a locked station in the name of the nurse who
walked away. Real engine, real SQLite log, real Argon2id at its smallest cost, a clock moved by
hand: nothing sleeps."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.session.entry import Accepted, Rejected
from console.session.signing import CORRECTION, SignatureRequest
from console.ui.controller import SIGNED_ON_A_LOCKED_STATION
from console.ui.signature_dialog import DialogSignatureService
from tests.ui.test_lock_screen import ANA, BEN, BEN_PIN
from tests.ui.test_signatures_at_chair import chair  # noqa: F401  (fixture)

IDLE_PAST_THE_LOCK_S = 11 * 60


class LeftOpenSigner:
    """The nurse opens the signature dialog and walks away; the station locks behind it; Ben
    comes by and signs in the dialog that is still open (a service that cannot be closed)."""

    def __init__(self, chair) -> None:
        self.chair = chair
        self.locked_while_open = False

    def sign(self, request, check) -> bool:
        self.chair.clock.advance(IDLE_PAST_THE_LOCK_S)
        self.chair.controller.tick()
        self.locked_while_open = self.chair.controller.locked
        return check(BEN, BEN_PIN) is None


def test_a_correction_signed_in_a_dialog_left_open_past_the_lock_is_not_recorded(chair):  # noqa: F811
    controller = chair.controller
    # Step 1: Ana types 88 and asks to correct it to 68; the signature is asked.
    verdict, row = controller.enter_manual_row("heart_rate", 88)
    assert isinstance(verdict, Accepted) and row is not None
    signer = LeftOpenSigner(chair)
    controller.signature_service = signer
    # Step 2: the station locks while the dialog is open; Ben signs in it.
    verdict = controller.correct(row, "heart_rate", 68, "typed 88, monitor read 68")
    assert signer.locked_while_open and controller.locked
    # Step 3: refused, nothing recorded, no hand-over.
    assert isinstance(verdict, Rejected) and verdict.message == SIGNED_ON_A_LOCKED_STATION
    assert chair.rows("SELECT actor FROM events WHERE kind = 'correction'") == []
    assert chair.rows("SELECT actor FROM events WHERE kind = 'handed_over'") == []
    assert chair.rows("SELECT count(*) FROM signatures")[0][0] == 0
    assert controller.view.nurse == ANA


def test_the_lock_closes_an_open_signature_dialog_as_cancelled(chair, qtbot):  # noqa: F811
    controller = chair.controller
    service = DialogSignatureService(None)
    controller.signature_service = service
    checked: list[tuple[str, str]] = []
    # Step 1: the dialog is open, Ben's name typed, nobody pressed Sign.
    dialog = service.build(SignatureRequest((CORRECTION,), "heart rate 88", ANA),
                           lambda name, secret: checked.append((name, secret)))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.signer.setText(BEN)
    assert dialog.isVisible()
    # Step 2: idle past the lock: the tick locks the station and closes the dialog, cancelled.
    chair.clock.advance(IDLE_PAST_THE_LOCK_S)
    with qtbot.waitSignal(controller.lock_changed) as blocker:
        controller.tick()
    assert blocker.args == [True] and controller.locked
    assert not dialog.isVisible() and not dialog.approved
    assert dialog.result() == QtWidgets.QDialog.DialogCode.Rejected.value
    assert checked == []   # nothing was checked, nothing signed


def test_a_correction_whose_dialog_the_lock_closed_says_the_station_locked(chair, qtbot):  # noqa: F811
    controller = chair.controller
    service = DialogSignatureService(None)
    controller.signature_service = service
    verdict, row = controller.enter_manual_row("heart_rate", 88)
    assert isinstance(verdict, Accepted) and row is not None
    left_open: list[bool] = []

    def walk_away() -> None:
        # Inside the dialog's own event loop: the nurse is gone, the 2 Hz tick locks.
        left_open.append(service.last is not None and service.last.isVisible())
        chair.clock.advance(IDLE_PAST_THE_LOCK_S)
        controller.tick()
        QtCore.QTimer.singleShot(0, never_hang)

    def never_hang() -> None:
        if service.last is not None and service.last.isVisible():
            left_open.append(True)   # the lock did not close it: fail, not hang
            service.last.reject()

    QtCore.QTimer.singleShot(0, walk_away)
    verdict = controller.correct(row, "heart_rate", 68, "typed 88, monitor read 68")
    assert left_open == [True], "the dialog was not open, or the lock did not close it"
    assert isinstance(verdict, Rejected) and verdict.message == SIGNED_ON_A_LOCKED_STATION
    assert chair.rows("SELECT count(*) FROM events WHERE kind = 'correction'")[0][0] == 0

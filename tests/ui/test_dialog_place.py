"""Dialogs that wait for typing (a reason, a signature's PIN) open below the alarm area of the
session window, never over its rows (IEC 60601-1-8: an active alarm stays perceivable)."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from console.session.signing import SignatureRequest
from console.ui.checklist_panel import DialogAsker
from console.ui.dialog_place import place_below_alarms
from console.ui.live_window import LiveWindow
from console.ui.signature_dialog import DialogSignatureService
from tests.ui.conftest import Answers


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_a_signature_and_a_reason_dialog_open_below_the_alarm_area(qtbot, live, size) -> None:
    controller, journal, clock, log = live
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    bar = window.alarm_bar
    alarms_bottom = bar.mapToGlobal(QtCore.QPoint(0, bar.height())).y()

    signature = DialogSignatureService(window).build(
        SignatureRequest(meanings=("phase ended against its checklist or rules",),
                         subject="'Identity confirmed with two identifiers (e.g. full name "
                                 "and date of birth)'; 'Consent for the ketamine course is "
                                 "current'; 'Weight measured today; dose and pump rate "
                                 "calculated and second-checked'; and 14 more",
                         signer="Ada Admin"),
        lambda name, secret: None)
    reason = DialogAsker(window).build("Override", "Why is the phase advanced without them?")
    for dialog in (signature, reason):
        # As tall as the signature dialog is on a real screen with its fonts (about 350 of
        # 768 px, centred its top sits at 162 px, over the alarm area's second row).
        dialog.setMinimumHeight(int(size[1] * 0.6))
        place_below_alarms(dialog, window)
        dialog.show()   # as exec() shows it: Qt centres a dialog that was not moved
        assert dialog.frameGeometry().top() >= alarms_bottom, \
            f"{type(dialog).__name__} opens over the alarm area ({dialog.frameGeometry()})"

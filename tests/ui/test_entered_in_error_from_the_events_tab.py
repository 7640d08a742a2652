"""A typed value taken back from the Events tab as entered in error (a review): the entry
form's docstring and the README promise it ("Correct…, or entered in error"), the controller has
it (`void`), and the tab offered only Correct…, which asks for a number the nurse never measured.
HR 38 typed into the wrong chair's console raised the ≤40 high alarm and could not be taken
back."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from tests.ui.conftest import live, shown_live_window  # noqa: F401 - the fixture
from tests.ui.test_event_list import Replies, device, select, texts
from tests.ui.test_lock_screen import ANA, ANA_PIN
from tests.ui.test_signatures_at_chair import WRONG, SignedChair

LEFT = QtCore.Qt.MouseButton.LeftButton
WHY = "typed at chair 3 for the patient at chair 4"
ASKED = ("Why is Heart rate 38 beats/min of 09:00:00 entered in error? It then counts nowhere: "
         "its alarms, the trend and the report leave it out; the row stays in the record, marked. "
         "(The reason is logged with it.)")


def physiological(controller) -> list[str]:
    return [o.condition for o in controller.view.alarms() if o.category == "physiological"]


def voided(log) -> list[tuple]:
    return log.conn.execute("SELECT json_extract(detail, '$.observation'), "
                            "json_extract(detail, '$.metric'), json_extract(detail, '$.reason') "
                            "FROM events WHERE kind = 'entered_in_error'").fetchall()


def test_a_typed_hr_38_entered_in_error_ends_its_high_alarm_and_is_logged(qtbot, live):  # noqa: F811
    controller, _journal, _clock, log = live
    answers = Replies(WHY)
    window = shown_live_window(qtbot, live, (1366, 768), asker=answers)
    entry = window.entry
    qtbot.keyClicks(entry.fields["heart_rate"], "38")
    qtbot.keyClick(entry.fields["heart_rate"], QtCore.Qt.Key.Key_Return)
    assert entry.message.text() == "Recorded: HR 38/min"
    assert physiological(controller) == ["heart_rate_low"]        # the ≤40 high alarm
    tab = window.events_tab
    select(tab, "Heart rate 38 beats/min — ana")
    assert tab.void_button.isEnabled() and tab.correct_button.isEnabled()
    qtbot.mouseClick(tab.void_button, LEFT)
    assert answers.asked == [ASKED]
    assert tab.message.text() == ("Taken back: Heart rate 38 beats/min of 09:00:00 (logged as "
                                  "entered in error).")
    assert physiological(controller) == []
    row = log.conn.execute("SELECT id FROM observations WHERE metric = 'heart_rate' "
                           "AND value = 38").fetchone()[0]
    assert voided(log) == [(row, "heart_rate", WHY)]
    # The list shows it taken back, and its alarm ended for it; neither act is offered for it
    # again, and the tip says why.
    tab.refresh()
    assert texts(tab)[:2] == [
        "Alarm cleared (high): Heart rate 38 beats/min, limit ≤40 (its value was entered in "
        "error, by ana)",
        f"Heart rate 38 beats/min of 09:00:00 entered in error: {WHY} — ana"]
    assert not tab.void_button.isEnabled() and not tab.correct_button.isEnabled()
    assert tab.void_button.toolTip() == ("This Heart rate value was entered in error: it counts "
                                         "nowhere. Record the right value as a new one.")


def test_entered_in_error_without_a_reason_takes_nothing_back(qtbot, live):  # noqa: F811
    controller, _journal, _clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768), asker=Replies(""))
    controller.enter_manual("heart_rate", 38)
    tab = window.events_tab
    select(tab, "Heart rate 38 beats/min — ana")
    qtbot.mouseClick(tab.void_button, LEFT)
    assert tab.message.text() == "Not taken back: a value entered in error needs a reason."
    assert voided(log) == [] and physiological(controller) == ["heart_rate_low"]


def test_entered_in_error_is_offered_where_correct_is(qtbot, live):  # noqa: F811
    controller, _journal, _clock, _log = live
    window = shown_live_window(qtbot, live, (1366, 768), asker=Replies("4", "rousable"))
    tab = window.events_tab
    controller.enter_manual("spo2", 97)
    device(controller, "spo2", 96)
    tab.device_filter.setChecked(True)
    select(tab, "SpO2 96 % — hl7:MON")                            # the monitor's: neither
    assert not tab.void_button.isEnabled() and not tab.correct_button.isEnabled()
    select(tab, "SpO2 97 % — ana")                                # typed: both
    assert tab.void_button.isEnabled() and tab.correct_button.isEnabled()
    controller.enter_manual("moaas", 2)
    select(tab, "MOAA/S 2 — ana")
    qtbot.mouseClick(tab.correct_button, LEFT)                    # corrected to 4: neither
    select(tab, "MOAA/S 2 — ana")
    assert not tab.void_button.isEnabled() and not tab.correct_button.isEnabled()
    select(tab, "MOAA/S 4 — ana (corrects")                       # its correction: both
    assert tab.void_button.isEnabled() and tab.correct_button.isEnabled()
    assert controller.discharge(override_reason="transfer").done  # ended: neither
    window.refresh()
    select(tab, "SpO2 97 % — ana")
    assert not tab.void_button.isEnabled() and not tab.correct_button.isEnabled()


def test_with_accounts_entered_in_error_is_signed_as_the_undo_is(tmp_path, qtbot):
    chair = SignedChair(tmp_path, qtbot, with_window=True)
    try:
        assert chair.window is not None
        chair.window.show()
        chair.answers.reply = WHY
        chair.controller.enter_manual("heart_rate", 38)
        tab = chair.window.events_tab
        # A wrong PIN, then a cancel: nothing is written, the alarm stands.
        chair.signer.answers = [(ANA, WRONG)]
        select(tab, f"Heart rate 38 beats/min — {ANA}")
        qtbot.mouseClick(tab.void_button, LEFT)
        assert tab.message.text().startswith("Not taken back: ")
        assert voided(chair.log) == [] and physiological(chair.controller) == ["heart_rate_low"]
        # Her PIN: the entered_in_error event is written and signed.
        chair.signer.answers = [(ANA, ANA_PIN)]
        qtbot.mouseClick(tab.void_button, LEFT)
        request = chair.signer.requests[-1]
        assert (request.meanings, request.subject) == (
            ("correction",), "Heart rate 38 beats/min of 09:00:00 entered in error")
        event_id, event_hash = chair.event("entered_in_error")
        assert chair.signatures()[-1][2:6] == ("correction", "events", event_id, event_hash)
        assert physiological(chair.controller) == []
    finally:
        chair.close()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_events_tabs_buttons_fit_and_leave_the_tiles_their_width(qtbot, live, size):  # noqa: F811
    """Beside the filter "Show device readings", Correct… and Entered in error… did not fit the
    Events column at 1366x768 (about 290 px): the column grew to 377 px and took it from the
    tiles (494 → 409 px). The buttons have their own row; the tab asks no more width than the
    checklist beside it does."""
    controller = live[0]
    window = shown_live_window(qtbot, live, size)
    controller.enter_manual("heart_rate", 38)
    window.side.setCurrentWidget(window.events_tab)
    tab = window.events_tab
    qtbot.waitUntil(tab.isVisible)
    for widget in (tab.device_filter, tab.correct_button, tab.void_button):
        place = QtCore.QRect(widget.mapTo(tab, QtCore.QPoint(0, 0)), widget.size())
        assert tab.rect().contains(place), (widget.objectName(), place, tab.rect())
        assert widget.width() >= widget.sizeHint().width(), widget.objectName()
    assert not tab.correct_button.geometry().intersects(tab.void_button.geometry())
    assert tab.minimumSizeHint().width() <= window.checklist.minimumSizeHint().width()
    assert tab.list.height() >= 8 * tab.list.fontMetrics().lineSpacing()


def test_entered_in_error_asks_nothing_of_a_disabled_account(tmp_path, qtbot):
    """As Correct…: the station refuses the act before any question (the account disabled since
    it signed in: it locks), and nothing is taken back."""
    from tests.ui.test_disabled_account_asks_nothing import DISABLED, disable_ana

    chair = SignedChair(tmp_path, qtbot, with_window=True)
    try:
        assert chair.window is not None
        chair.window.show()
        chair.answers.reply = WHY
        chair.controller.enter_manual("heart_rate", 38)
        tab = chair.window.events_tab
        select(tab, f"Heart rate 38 beats/min — {ANA}")
        disable_ana(chair)
        tab.void_button.click()
        assert chair.answers.asked == [] and chair.signer.requests == []
        assert tab.message.text().startswith(f"Not taken back: {DISABLED}")
        assert chair.controller.locked
        assert voided(chair.log) == [] and physiological(chair.controller) == ["heart_rate_low"]
    finally:
        chair.close()

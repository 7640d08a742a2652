"""A typed value that `void` can no longer take back is not offered "Entered in error…" (a review,
deep54b): HR 38 typed at a monitored chair leaves the last KEEP_ROWS heart rates in about 20 s
of the monitor's 1 Hz values, and the Events tab asked the nurse's reason (and, with accounts,
her signature) only to refuse it then, saying to correct it with a value she never measured.
Now the button is off, its tip and the tab's message say why, and nothing is asked or logged."""

from __future__ import annotations

from console.session.engine import KEEP_ROWS
from tests.ui.conftest import live, shown_live_window  # noqa: F401 - the fixture
from tests.ui.test_entered_in_error_from_the_events_tab import WHY, voided
from tests.ui.test_event_list import Replies, device, select

GONE = ("Heart rate 38 beats/min of 09:00:00 came before the last 20 Heart rate values: it can "
        "no longer be entered in error. Correct it (Correct…) with the value measured.")


def test_a_typed_hr_past_the_last_values_is_not_offered_entered_in_error(qtbot, live):  # noqa: F811
    controller, _journal, clock, log = live
    answers = Replies(WHY)
    window = shown_live_window(qtbot, live, (1366, 768), asker=answers)
    controller.enter_manual("heart_rate", 38)           # typed at the wrong chair
    # The chair's own monitor sends its HR once a second: the typed 38 leaves the last values.
    for _ in range(KEEP_ROWS + 5):
        clock.advance(1)
        device(controller, "heart_rate", 72)
    tab = window.events_tab
    tab.refresh()
    select(tab, "Heart rate 38 beats/min — ana")
    # Off, and saying why, before anything is asked; Correct… stays offered.
    assert not tab.void_button.isEnabled()
    assert tab.void_button.toolTip() == GONE
    assert tab.message.text() == GONE
    assert tab.correct_button.isEnabled()
    tab.void_button.click()                            # a click on a disabled button does nothing
    assert answers.asked == [] and voided(log) == []


def test_a_typed_hr_still_among_the_last_values_is_offered_entered_in_error(qtbot, live):  # noqa: F811
    controller, _journal, clock, _log = live
    window = shown_live_window(qtbot, live, (1366, 768), asker=Replies(WHY))
    controller.enter_manual("heart_rate", 38)
    # One fewer monitor value than the engine keeps after it: the 38 is still among them.
    for _ in range(KEEP_ROWS - 1):
        clock.advance(1)
        device(controller, "heart_rate", 72)
    tab = window.events_tab
    tab.refresh()
    select(tab, "Heart rate 38 beats/min — ana")
    assert tab.void_button.isEnabled() and tab.message.text() == ""

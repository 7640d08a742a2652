"""Correct… from the Events tab of a value typed before the monitor's last 20 values (a review).

The engine keeps each vital's 20 newest values, the monitor's included: a typed SpO2 leaves them
after 20 s of a 1 Hz oximeter, a typed BP after 100 min of a 5-min cuff. Corrected then, the typo's
latched high alarm stayed ("SpO2 85 %", to reset by hand) and a systolic was no longer checked
against the diastolic typed with it (the record held BP 70/84). The engine-level live and restart
cases: tests/session/test_older_typed_value_corrected_beyond_the_kept_rows.py.
"""

from __future__ import annotations

from PySide6 import QtCore

from devices.reading import Reading
from tests.ui.conftest import live, shown_live_window  # noqa: F401 - the fixture
from tests.ui.test_event_list import Replies

LEFT = QtCore.Qt.MouseButton.LeftButton


def device(controller, *values: tuple[str, float, str]) -> None:
    """One monitor message carrying `values` (name, value, unit), measured now."""
    now = controller.clock.now()
    controller._engine.ingest_message(
        [Reading(name, value, unit, now.wall, now.wall, "hl7:MON") for name, value, unit in values],
        now)


def correct(qtbot, window, row_text: str) -> None:
    """Select the Events tab's row showing `row_text` and press Correct…."""
    tab = window.events_tab
    tab.refresh()
    tab.list.setCurrentRow(next(i for i in range(tab.list.count())
                                if row_text in tab.list.item(i).text()))
    assert tab.correct_button.isEnabled()
    qtbot.mouseClick(tab.correct_button, LEFT)


def test_a_spo2_typo_corrected_25_s_later_ends_the_latched_alarm_it_raised(qtbot, live):  # noqa: F811
    controller, journal, clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768),
                               asker=Replies("95", "typo: the probe read 95"))
    # SpO2 "85" typed for 95: the high alarm "SpO2 85 %".
    controller.enter_manual("spo2", 85, confirmed=True)
    assert [(o.condition, o.state.value) for o in controller.view.alarms()] == [("spo2_low", "active")]
    # The oximeter goes on sending 96 once a second; nobody saw the alarm: it latches.
    for _ in range(25):
        clock.advance(1)
        device(controller, ("spo2", 96, "%"))
    controller.tick()
    assert [(o.condition, o.state.value) for o in controller.view.alarms()] == [("spo2_low", "latched")]
    # The nurse checks the patient and the probe first, then corrects the typo.
    correct(qtbot, window, "SpO2 85 % — ana")
    assert window.events_tab.message.text() == "Corrected: SpO2 95 %"
    controller.tick()
    assert [(o.condition, o.state.value) for o in controller.view.alarms()] == []


def test_an_older_typed_systolic_corrected_below_its_diastolic_is_refused(qtbot, live):  # noqa: F811
    controller, journal, clock, log = live
    answers = Replies("70", "typed 128, cuff read 70")
    window = shown_live_window(qtbot, live, (1366, 768), asker=answers)
    controller.enter_manual("bp_systolic", 128)
    controller.enter_manual("bp_diastolic", 84)
    # 100 min of the monitor's cuff, one every 5 min.
    for _ in range(20):
        clock.advance(300)
        device(controller, ("bp_systolic", 125, "mmHg"), ("bp_diastolic", 80, "mmHg"))
    correct(qtbot, window, "Systolic BP 128 mmHg — ana")
    assert window.events_tab.message.text() == ("Diastolic 84 must be lower than systolic 70: "
                                                "check the order, for example 128/84.")
    assert len(answers.asked) == 1   # refused before a reason is asked for
    assert log.conn.execute("SELECT count(*) FROM observations WHERE corrects IS NOT NULL"
                            ).fetchone() == (0,)

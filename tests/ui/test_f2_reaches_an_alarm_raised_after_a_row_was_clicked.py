"""F2 reaches the alarm that sounds, not a row the nurse clicked earlier to read it.

The live window at 1366x768: a row clicked before an alarm existed (new, risen, reminded) is not
what the next F2 is meant for, and a row already acknowledged has nothing for F2 to do. Before
(a review): F2 went to such a row, nothing was acknowledged, and a high SpO2 alarm sounded on while the
button read "Acknowledge (F2)". The clock is a `ManualClock`, advanced by arithmetic."""

from __future__ import annotations

from PySide6 import QtCore

from console.session.alarms import AlarmState
from protocols.model import Priority
from tests.ui.conftest import live, ready_for_t0, shown_live_window  # noqa: F401 - fixture

Key = QtCore.Qt.Key
SIZE = (1366, 768)


def baseline(controller) -> None:
    for name, value in (("bp_systolic", 128), ("bp_diastolic", 82), ("heart_rate", 76),
                        ("resp_rate", 15), ("spo2", 98)):
        controller.enter_manual(name, value)


def window_in_front(qtbot, live):
    window = shown_live_window(qtbot, live, SIZE)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    return window


def click_row(qtbot, view, row: int) -> None:
    rows = view.list
    qtbot.mouseClick(rows.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=rows.visualItemRect(rows.item(row)).center())


def f2_from_the_vitals_form(qtbot, window) -> None:
    field = window.entry.fields["bp"]
    field.setFocus()
    qtbot.keyClick(field, Key.Key_F2)


def alarm(controller, condition_start: str):
    return next(o for o in controller.view.alarms() if o.condition.startswith(condition_start))


def high_alarm(controller):
    return next(o for o in controller.view.alarms() if o.priority is Priority.HIGH)


def test_f2_acknowledges_a_high_alarm_raised_after_an_acknowledged_row_was_clicked(qtbot, live):
    controller, _journal, clock, _log = live
    baseline(controller)
    w = window_in_front(qtbot, live)
    # RR 27 (medium, >= 25): F2 with no row selected acknowledges it.
    clock.advance(10)
    controller.enter_manual("resp_rate", 27)
    controller.tick()
    w.refresh()
    f2_from_the_vitals_form(qtbot, w)
    assert alarm(controller, "resp_rate").state is AlarmState.ACKNOWLEDGED
    # She clicks its row to read it: selected, but F2 has nothing to do there.
    click_row(qtbot, w.alarm_bar.patient, 0)
    assert w.alarm_bar.selected_id() == alarm(controller, "resp_rate").id
    assert w.alarm_bar.ack_button.text() == "Acknowledge all (F2)"
    # A minute later SpO2 86 (high, <= 90): a new alarm, shown first, flashing; the row chosen
    # before it existed is let go, and the button says what F2 will do.
    clock.advance(60)
    controller.enter_manual("spo2", 86, confirmed=True)
    controller.tick()
    w.refresh()
    assert high_alarm(controller).id == w.alarm_bar.shown_ids()[0]
    assert w.alarm_bar.selected_id() is None
    assert w.alarm_bar.ack_button.text() == "Acknowledge all (F2)"
    # F2 from the vitals form acknowledges the high alarm: silent.
    f2_from_the_vitals_form(qtbot, w)
    assert high_alarm(controller).state is AlarmState.ACKNOWLEDGED
    assert controller.audio(clock.now()).priority is None


def test_f2_reaches_a_high_alarm_raised_after_a_prompt_row_was_clicked(qtbot, live):
    controller, _journal, clock, _log = live
    w = window_in_front(qtbot, live)
    ready_for_t0(controller)
    assert controller.advance_phase().done
    # 10 min after T0 "Vitals due" is shown; she clicks it to read it (not acknowledged).
    clock.advance(600)
    controller.tick()
    w.refresh()
    assert w.alarm_bar.rows()[0].startswith("Vitals due")
    click_row(qtbot, w.alarm_bar.equipment, 0)
    prompt = w.alarm_bar.selected_id()
    assert prompt is not None and w.alarm_bar.ack_button.text() == "Acknowledge (F2)"
    # 5 s later SpO2 86: the high alarm did not exist when the prompt was chosen.
    clock.advance(5)
    controller.enter_manual("spo2", 86, confirmed=True)
    controller.tick()
    w.refresh()
    assert w.alarm_bar.selected_id() is None
    assert w.alarm_bar.ack_button.text() == "Acknowledge all (F2)"
    f2_from_the_vitals_form(qtbot, w)
    assert high_alarm(controller).state is AlarmState.ACKNOWLEDGED
    assert controller.audio(clock.now()).priority is None


def test_f2_with_an_acknowledged_row_selected_acknowledges_the_alarm_sounding_beside_it(
        qtbot, live):
    controller, _journal, clock, _log = live
    baseline(controller)
    w = window_in_front(qtbot, live)
    # RR 27 (medium) and SpO2 86 (high) at once; she clicks the high row and presses F2.
    clock.advance(10)
    controller.enter_manual("resp_rate", 27)
    controller.enter_manual("spo2", 86, confirmed=True)
    controller.tick()
    w.refresh()
    click_row(qtbot, w.alarm_bar.patient, 0)
    assert w.alarm_bar.selected_id() == high_alarm(controller).id
    f2_from_the_vitals_form(qtbot, w)
    assert high_alarm(controller).state is AlarmState.ACKNOWLEDGED
    assert alarm(controller, "resp_rate").state is AlarmState.ACTIVE   # still sounding
    # She clicks the acknowledged high row again to read it: no new alarm came, so the click
    # stands, but F2 is for the medium alarm still sounding, and the button says so.
    high_row = w.alarm_bar.shown_ids().index(high_alarm(controller).id)
    click_row(qtbot, w.alarm_bar.patient, high_row)
    assert w.alarm_bar.selected_id() == high_alarm(controller).id
    assert w.alarm_bar.ack_button.text() == "Acknowledge all (F2)"
    f2_from_the_vitals_form(qtbot, w)
    assert alarm(controller, "resp_rate").state is AlarmState.ACKNOWLEDGED
    assert controller.audio(clock.now()).priority is None

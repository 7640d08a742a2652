"""The start screen, driven as a nurse drives it: typing, tabbing, choosing, pressing Enter.

Real widgets, the shipped protocol files, and for "Test connection" a real simulated monitor on a
pseudo-terminal. Only the connection-test timer's end is driven by hand (a fake connection), so no
test waits for wall-clock time except the ones that need a real device.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from console.ui.start_screen import CHOOSE_DOSE, MANUAL_ENTRY, StartRequest, StartScreen
from devices.simulator import start_in_thread
from devices.transport import ConnectionState, DeviceEvent, EventKind
from protocols.loader import builtin_protocols_dir, load_protocols

ENTER = QtCore.Qt.Key.Key_Return


@pytest.fixture(scope="module")
def protocols():
    loaded = load_protocols([builtin_protocols_dir()])
    assert not loaded.errors
    return loaded.protocols


@pytest.fixture
def make_screen(qtbot, protocols):
    screens: list[StartScreen] = []

    def make(previous=lambda pid: [], errors=(), **kwargs) -> StartScreen:
        screen = StartScreen(protocols, list(errors), previous, port_lister=lambda: [], **kwargs)
        qtbot.addWidget(screen)
        screen.resize(1366, 768)
        screen.show()
        screens.append(screen)
        return screen

    yield make
    for screen in screens:
        screen.stop_test()   # never leave a reader thread behind


def choose_protocol(screen: StartScreen, protocol_id: str) -> None:
    index = screen.protocol_combo.findData(protocol_id)
    assert index >= 0, protocol_id
    screen.protocol_combo.setCurrentIndex(index)


def fill(qtbot, screen: StartScreen, *, patient="MRN-1042", weight="72", nurse="Ana Lima",
         protocol="iv-ketamine") -> None:
    qtbot.keyClicks(screen.patient_edit, patient)
    qtbot.keyClicks(screen.weight_edit, weight)
    choose_protocol(screen, protocol)
    qtbot.keyClicks(screen.nurse_edit, nurse)


# ------------------------------------------------------------------ dose and session number


def test_iv_protocol_shows_dose_and_pump_rate_from_the_weight(qtbot, make_screen):
    screen = make_screen()
    fill(qtbot, screen, protocol="iv-ketamine")
    assert screen.summary.text() == (
        "Dose 36 mg (0.5 mg/kg × 72 kg) — pump 150 mL/h for 40 min (100 mL bag)"
    )
    assert screen.summary_source.text().startswith("Source: Sanacora")
    assert not screen.dose_combo.isVisible()   # weight-based: no dose to choose
    assert screen.start_button.isEnabled()


def test_dose_follows_the_weight_as_it_is_retyped(qtbot, make_screen):
    screen = make_screen()
    fill(qtbot, screen, weight="80")
    assert screen.summary.text().startswith("Dose 40 mg (0.5 mg/kg × 80 kg)")
    screen.weight_edit.clear()
    assert screen.summary.text() == "Dose: enter the weight (0.5 mg/kg over 40 min)"
    qtbot.keyClicks(screen.weight_edit, "72,5")   # a decimal comma is read as a point
    assert screen.summary.text().startswith("Dose 36.25 mg (0.5 mg/kg × 72.5 kg)")


def test_protocol_cap_is_shown_with_the_uncapped_figure(qtbot, make_screen):
    screen = make_screen()
    fill(qtbot, screen, weight="130")
    assert screen.summary.text() == (
        "Dose 60 mg (capped at the protocol maximum 60 mg; 0.5 mg/kg × 130 kg = 65 mg)"
        " — pump 150 mL/h for 40 min (100 mL bag)"
    )


def test_session_number_is_suggested_from_the_log(qtbot, make_screen):
    asked: list[str] = []

    def previous(patient_id: str) -> list[str]:
        asked.append(patient_id)
        return ["iv-ketamine"] * 2 if patient_id == "MRN-1042" else []

    screen = make_screen(previous)
    fill(qtbot, screen, patient="MRN-1042")
    assert asked[-1] == "MRN-1042"
    assert screen.session_spin.value() == 3
    assert screen.session_spin.text() == "session 3"
    assert screen.session_of_label.text() == " of 6 in the usual course"
    assert screen.session_message.text() == "Suggested 3: 2 earlier IV sessions of MRN-1042 in the log."


def test_the_session_number_counts_only_the_course_of_the_chosen_route(qtbot, make_screen):
    # A patient's first esketamine session after an IV course was suggested as "session 7 of 8
    # in the usual course": every earlier session counted, whatever its route.
    earlier = ["iv-ketamine-titration"] + ["iv-ketamine"] * 5
    screen = make_screen(lambda pid: earlier)
    fill(qtbot, screen, protocol="esketamine")
    assert screen.session_spin.value() == 1
    assert screen.session_message.text() == (
        "Suggested 1: no earlier intranasal session of MRN-1042 in the log "
        "(6 of another course not counted).")
    # The two IV protocols are one course: the titration session is its session 1.
    choose_protocol(screen, "iv-ketamine")
    assert screen.session_spin.value() == 7
    assert screen.session_message.text().startswith(
        "Suggested 7: 6 earlier IV sessions of MRN-1042 in the log.")


def test_session_number_can_be_changed_and_beyond_the_course_is_flagged(qtbot, make_screen):
    screen = make_screen(lambda pid: ["iv-ketamine"] * 6)
    fill(qtbot, screen)
    assert screen.session_spin.value() == 7
    assert "Session 7 is beyond the usual course of 6 for this protocol: check the number." in (
        screen.session_message.text())
    assert screen.start_button.isEnabled()   # advice, not a refusal
    screen.session_spin.selectAll()
    qtbot.keyClicks(screen.session_spin, "2")
    assert screen.session_spin.value() == 2
    assert "beyond" not in screen.session_message.text()


# ------------------------------------------------------------------ validation messages


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "“abc” is not a number. Enter the weight in kg, 1–400 (e.g. 72 or 72.5)."),
        ("0", "0 kg is outside the allowed range 1–400 kg. Enter the weight in kg."),
        ("500", "500 kg is outside the allowed range 1–400 kg. Enter the weight in kg."),
        ("nan", "“nan” is not a number. Enter the weight in kg, 1–400 (e.g. 72 or 72.5)."),
    ],
)
def test_bad_weight_names_the_range_and_disables_start(qtbot, make_screen, typed, message):
    screen = make_screen()
    fill(qtbot, screen, weight=typed)
    assert screen.weight_message.isVisible()
    assert screen.weight_message.text() == message
    assert not screen.start_button.isEnabled()
    assert screen.missing_label.text() == "Start needs: weight."
    assert screen.request() is None


def test_unusual_weight_must_be_confirmed(qtbot, make_screen):
    screen = make_screen()
    fill(qtbot, screen, weight="25")
    assert screen.weight_message.text() == (
        "25 kg is unusual (below 30 kg): check it is in kg, then confirm it or correct it."
    )
    assert screen.weight_confirm.isVisible()
    assert screen.weight_confirm.text() == "Yes, 25 kg is correct"
    assert not screen.start_button.isEnabled()
    assert screen.missing_label.text() == "Start needs: weight confirmation."
    # The dose is still shown, so the nurse sees what the weight would mean.
    assert screen.summary.text().startswith("Dose 12.5 mg (0.5 mg/kg × 25 kg)")
    qtbot.keyClick(screen.weight_confirm, QtCore.Qt.Key.Key_Space)   # ticked from the keyboard
    assert screen.start_button.isEnabled()
    # A retyped weight needs a new confirmation.
    qtbot.keyClicks(screen.weight_edit, "0")   # 250 kg: at the edge, plausible
    assert not screen.weight_confirm.isVisible()
    qtbot.keyClicks(screen.weight_edit, "\b1")  # 251 kg
    assert "251 kg is unusual (above 250 kg)" in screen.weight_message.text()
    assert not screen.weight_confirm.isChecked()
    assert not screen.start_button.isEnabled()


@pytest.mark.parametrize("placeholder", ["unknown", "TEST", "test1", "n/a", "xxx", "?"])
def test_placeholder_patient_id_is_questioned(qtbot, make_screen, placeholder):
    screen = make_screen()
    fill(qtbot, screen, patient=placeholder)
    assert screen.patient_message.text() == (
        f"“{placeholder}” looks like a placeholder: enter the MRN, or confirm it is this "
        "patient's identifier."
    )
    assert screen.patient_confirm.text() == f"Yes, “{placeholder}” is this patient's identifier"
    assert not screen.start_button.isEnabled()
    screen.patient_confirm.setChecked(True)
    assert screen.start_button.isEnabled()


def test_required_fields_say_what_they_need(qtbot, make_screen):
    screen = make_screen()
    assert not screen.start_button.isEnabled()
    assert screen.patient_message.text() == (
        "Required: the patient identifier (e.g. the MRN), as on the wristband.")
    assert screen.weight_message.text() == "Required: the weight measured today, 1–400 kg."
    assert screen.protocol_combo.currentText() == "— choose the protocol —"   # never preselected
    assert screen.protocol_message.text() == "Required: the protocol ordered for this session."
    assert screen.nurse_message.text() == "Required: the name of the nurse running this session."
    assert screen.missing_label.text() == "Start needs: patient ID, weight, protocol, nurse."
    assert screen.summary.text() == ""
    qtbot.keyClicks(screen.patient_edit, "   ")   # blanks are not an identifier
    assert screen.missing_label.text() == "Start needs: patient ID, weight, protocol, nurse."


def test_no_protocol_loaded_shows_the_refused_files(qtbot):
    screen = StartScreen({}, ["bad.toml: dose.mg_per_kg: 5 is above 2"], lambda pid: [])
    qtbot.addWidget(screen)
    assert screen.protocol_errors_label.text() == (
        "Protocol file refused: bad.toml: dose.mg_per_kg: 5 is above 2")
    assert screen.protocol_message.text().startswith("No protocol loaded")
    assert "protocol" in screen.missing_label.text()


def test_protocol_load_errors_are_shown_under_the_choice(make_screen):
    screen = make_screen(errors=["clinic.toml: alarms[2].priority: 'urgent' is not one of ..."])
    assert screen.protocol_errors_label.isVisible()
    assert "Protocol file refused: clinic.toml: alarms[2].priority" in screen.protocol_errors_label.text()


# ------------------------------------------------------------------ esketamine


def choose_dose(screen: StartScreen, mg: float) -> None:
    index = screen.dose_combo.findData(mg)
    assert index >= 0, mg
    screen.dose_combo.setCurrentIndex(index)


def test_esketamine_offers_56_or_84_mg_as_devices(qtbot, make_screen):
    screen = make_screen()
    fill(qtbot, screen, protocol="esketamine")
    assert screen.dose_combo.isVisible()
    assert [screen.dose_combo.itemText(i) for i in range(screen.dose_combo.count())] == [
        CHOOSE_DOSE, "56 mg = 2 devices", "84 mg = 3 devices"]
    choose_dose(screen, 56.0)
    assert screen.summary.text() == "56 mg = 2 devices of 28 mg, 5 min apart"
    choose_dose(screen, 84.0)
    assert screen.summary.text() == "84 mg = 3 devices of 28 mg, 5 min apart"
    assert screen.session_of_label.text() == " of 8 in the usual course"


def test_an_esketamine_start_waits_for_a_dose_chosen_on_purpose(qtbot, make_screen):
    # Preselected at 56 mg, the dose of a patient whose course was at 84 mg was never chosen:
    # Start alone started 56 mg (the command line refuses a missing --dose-mg for this reason).
    screen = make_screen(lambda pid: ["esketamine", "esketamine"])
    fill(qtbot, screen, protocol="esketamine")
    assert screen.dose_combo.currentText() == CHOOSE_DOSE
    assert not screen.start_button.isEnabled() and screen.request() is None
    assert screen.missing_label.text() == "Start needs: dose."
    assert screen.summary.text() == "Required: the dose ordered for this session, 56 or 84 mg."
    with qtbot.assertNotEmitted(screen.start_requested):
        qtbot.keyClick(screen.nurse_edit, ENTER)
    assert screen.focusWidget() is screen.dose_combo   # Enter goes to what is missing
    choose_dose(screen, 84.0)
    assert screen.start_button.isEnabled() and screen.request().chosen_mg == 84.0
    # Another protocol and back: the dose is chosen again, never carried over.
    choose_protocol(screen, "iv-ketamine")
    choose_protocol(screen, "esketamine")
    assert screen.dose_combo.currentText() == CHOOSE_DOSE and screen.request() is None


def test_start_emits_the_esketamine_request(qtbot, make_screen):
    screen = make_screen(lambda pid: ["esketamine"])
    fill(qtbot, screen, patient="  MRN-77 ", weight="64.5", nurse=" Bo Chen ", protocol="esketamine")
    choose_dose(screen, 84.0)
    with qtbot.waitSignal(screen.start_requested, timeout=1000) as blocker:
        qtbot.mouseClick(screen.start_button, QtCore.Qt.MouseButton.LeftButton)
    assert blocker.args == [StartRequest(
        patient_id="MRN-77", weight_kg=64.5, protocol_id="esketamine", chosen_mg=84.0,
        session_number=2, nurse="Bo Chen", device_url=None, device_format=None,
    )]


def test_a_patient_typed_with_a_combining_accent_is_asked_as_the_same_patient(qtbot, make_screen):
    # A decomposed "Zoë" (e + U+0308) read as another patient: no earlier sessions found, and
    # a second course begun (the review audit). The log keeps the composed form (NFC).
    asked = []
    screen = make_screen(lambda pid: asked.append(pid) or ["iv-ketamine"] * 3)
    fill(qtbot, screen, patient="Z")
    screen.patient_edit.setText("Zoe\u0308-7")   # as pasted: a test key press cannot make U+0308
    assert asked[-1] == "Zo\u00eb-7"
    with qtbot.waitSignal(screen.start_requested, timeout=1000) as blocker:
        qtbot.mouseClick(screen.start_button, QtCore.Qt.MouseButton.LeftButton)
    assert blocker.args[0].patient_id == "Zo\u00eb-7"
    assert blocker.args[0].session_number == 4


# ------------------------------------------------------------------ keyboard


def test_enter_starts_a_valid_form_with_the_device_binding(qtbot, make_screen, tmp_path):
    screen = make_screen(lambda pid: ["iv-ketamine"] * 2)
    fill(qtbot, screen)
    screen.port_combo.setCurrentText("socket://monitor-3:4001")
    screen.format_combo.setCurrentIndex(screen.format_combo.findData("masimo"))
    with qtbot.waitSignal(screen.start_requested, timeout=1000) as blocker:
        qtbot.keyClick(screen.nurse_edit, ENTER)
    assert blocker.args == [StartRequest(
        patient_id="MRN-1042", weight_kg=72.0, protocol_id="iv-ketamine", chosen_mg=None,
        session_number=3, nurse="Ana Lima", device_url="socket://monitor-3:4001",
        device_format="masimo",
    )]


def test_enter_on_an_invalid_form_starts_nothing_and_goes_to_the_problem(qtbot, make_screen):
    screen = make_screen()
    fill(qtbot, screen, weight="abc")
    screen.nurse_edit.setFocus()
    with qtbot.assertNotEmitted(screen.start_requested):
        qtbot.keyClick(screen.nurse_edit, ENTER)
    assert screen.focusWidget() is screen.weight_edit


def test_tab_goes_down_the_form_in_reading_order(qtbot, make_screen):
    screen = make_screen()
    screen.activateWindow()
    screen.patient_edit.setFocus()
    order = []
    for _ in range(5):
        order.append(screen.focusWidget().objectName())
        screen.focusNextChild()
    # Hidden confirm boxes and the hidden dose choice (weight protocol) are skipped.
    assert order == ["patient", "weight", "protocol", "session", "nurse"]
    choose_protocol(screen, "esketamine")
    screen.protocol_combo.setFocus()
    screen.focusNextChild()
    assert screen.focusWidget() is screen.dose_combo   # shown for a device protocol


def test_tab_from_the_nurse_goes_to_the_pin_on_a_log_with_accounts(qtbot, make_screen):
    # Review 39: the PIN field was not in the chain; a PIN typed after Tab from Nurse went into
    # the editable Device field, in clear ("De&vice: 61829305"), taken as a port path.
    screen = make_screen()
    screen.activateWindow()   # offscreen, the window must be active for focus to be given
    qtbot.waitUntil(screen.isActiveWindow, timeout=2000)
    screen.require_sign_in(True)   # what MainWindow does on a log with staff accounts
    screen.nurse_edit.setFocus()
    qtbot.keyClicks(screen.nurse_edit, "B-0042")
    qtbot.keyClick(screen.nurse_edit, QtCore.Qt.Key.Key_Tab)
    assert screen.focusWidget() is screen.secret_edit
    qtbot.keyClicks(screen.secret_edit, "61829305")
    assert screen.secret_edit.text() == "61829305"
    assert screen.secret_edit.echoMode() is QtWidgets.QLineEdit.EchoMode.Password
    assert screen.port_combo.currentText() == MANUAL_ENTRY
    qtbot.keyClick(screen.secret_edit, QtCore.Qt.Key.Key_Tab)
    assert screen.focusWidget() is screen.port_combo   # then on down the form


def test_fields_use_large_fonts(make_screen):
    screen = make_screen()
    for widget in (screen.patient_edit, screen.weight_message, screen.summary, screen.start_button,
                   screen.test_result, screen.format_combo):
        assert widget.font().pointSizeF() >= 14, widget.objectName()


def test_the_filled_screen_fits_1366_by_768(qtbot, make_screen):
    screen = make_screen(lambda pid: ["iv-ketamine"] * 2,
                         errors=["clinic.toml: dose.mg_per_kg: 5 is above 2"])
    fill(qtbot, screen, weight="25", patient="test", protocol="esketamine")
    screen.port_combo.setCurrentText("/dev/ttyUSB9")   # adds the "does not exist" note
    qtbot.wait(10)   # let the layout settle after the messages appeared
    assert screen.minimumSizeHint().width() <= 1366
    # Every message at once still fits: nothing scrolls, Start is on screen.
    assert screen.form_area.verticalScrollBar().maximum() == 0
    bottom = screen.start_button.mapTo(screen, screen.start_button.rect().bottomLeft()).y()
    assert bottom <= 768


# ------------------------------------------------------------------ device binding and test


def test_manual_entry_disables_format_and_test(qtbot, make_screen):
    screen = make_screen()
    assert screen.port_combo.currentText() == MANUAL_ENTRY
    assert not screen.format_combo.isEnabled()
    assert not screen.test_button.isEnabled()
    assert screen.port_message.text() == "No device: every vital is typed in by hand."
    screen.port_combo.setCurrentText("/dev/ttyUSB0")
    assert screen.format_combo.isEnabled() and screen.test_button.isEnabled()
    screen.port_combo.setCurrentText("")
    assert screen.port_message.text() == (
        "The port is empty. Give a port (e.g. /dev/ttyUSB0) or URL (e.g. socket://host:4001), or"
        " no device at all (“Manual entry only”).")


def test_port_list_offers_present_ports(qtbot, protocols):
    screen = StartScreen(protocols, [], lambda pid: [],
                         port_lister=lambda: ["/dev/serial/by-id/usb-FTDI-if00", "/dev/ttyUSB0"])
    qtbot.addWidget(screen)
    items = [screen.port_combo.itemText(i) for i in range(screen.port_combo.count())]
    assert items == [MANUAL_ENTRY, "/dev/serial/by-id/usb-FTDI-if00", "/dev/ttyUSB0"]


def test_connection_test_shows_first_readings_from_a_simulated_monitor(qtbot, make_screen):
    handle = start_in_thread("normal", "hl7", speed=50, seed=1, autostart=False)
    screen = make_screen()
    try:
        screen.port_combo.setCurrentText(handle.port_path)
        screen.format_combo.setCurrentIndex(screen.format_combo.findData("hl7"))
        qtbot.mouseClick(screen.test_button, QtCore.Qt.MouseButton.LeftButton)
        assert not screen.test_button.isEnabled()   # one test at a time
        # pyserial flushes the input when it opens the port: play only once it is open.
        qtbot.waitUntil(lambda: screen.test_state is ConnectionState.CONNECTING, timeout=5000)
        assert screen.test_result.text() == "connecting: port open, waiting for the first frame …"
        handle.go()
        qtbot.waitUntil(lambda: "HR " in screen.test_result.text(), timeout=5000)
        assert screen.test_result.text().startswith("connected, reading hl7: HR ")
    finally:
        screen.stop_test()
        handle.stop()
    assert screen.test_button.isEnabled()


def test_connection_test_of_a_missing_port_shows_the_error(qtbot, make_screen, tmp_path):
    screen = make_screen()
    missing = str(tmp_path / "ttyUSB9")
    screen.port_combo.setCurrentText(missing)
    assert screen.port_message.text().startswith(f"{missing} does not exist now")
    with qtbot.waitSignal(screen.test_finished, timeout=5000) as blocker:
        qtbot.mouseClick(screen.test_button, QtCore.Qt.MouseButton.LeftButton)
    text = blocker.args[0]
    assert text.startswith(f"Not connected: cannot open {missing}: ")
    assert "No such file or directory" in text
    assert text.endswith("Check the port name and the cable, or choose “Manual entry only”.")
    assert screen.test_result.text() == text
    assert screen.test_button.isEnabled()


class FakeConnection:
    """Records what the screen asks of a connection; the test plays the transport's events."""

    def __init__(self, url, fmt, on_event):
        self.url, self.fmt, self.on_event = url, fmt, on_event
        self.started = self.stopped = False

    def start(self):
        self.started = True

    def stop(self, timeout=2.0):
        self.stopped = True
        return True

    def state(self, state, detail=""):
        self.on_event(DeviceEvent(EventKind.STATE, self.url, datetime.now(UTC), 0.0,
                                  state=state, detail=detail))


def test_connection_test_ends_on_its_timer_and_names_a_silent_port(qtbot, make_screen):
    made: list[FakeConnection] = []

    def factory(url, fmt, on_event):
        made.append(FakeConnection(url, fmt, on_event))
        return made[-1]

    screen = make_screen(connection_factory=factory)
    screen.port_combo.setCurrentText("socket://monitor:4001")
    screen.format_combo.setCurrentIndex(screen.format_combo.findData("ansar-b"))
    qtbot.mouseClick(screen.test_button, QtCore.Qt.MouseButton.LeftButton)
    (connection,) = made
    assert (connection.url, connection.fmt, connection.started) == (
        "socket://monitor:4001", "ansar-b", True)
    # The event crosses a queued connection, as it does from the worker thread.
    connection.state(ConnectionState.CONNECTING, "opened")
    qtbot.waitUntil(lambda: screen.test_state is ConnectionState.CONNECTING, timeout=1000)
    # The test interval ends: fire its timer instead of waiting five seconds.
    with qtbot.waitSignal(screen.test_finished, timeout=1000) as blocker:
        screen._test_timer.timeout.emit()
    assert blocker.args == ["No complete frame in 5 s: the port opens but the data is not this "
                            "format, or the monitor is not sending."]
    assert connection.stopped
    # A late event from the ended test changes nothing.
    connection.state(ConnectionState.CONNECTED, "frames arriving")
    qtbot.wait(10)
    assert screen.test_state is ConnectionState.CONNECTING


def test_start_stops_a_running_connection_test(qtbot, make_screen):
    made: list[FakeConnection] = []
    screen = make_screen(connection_factory=lambda *a: made.append(FakeConnection(*a)) or made[-1])
    fill(qtbot, screen)
    screen.port_combo.setCurrentText("socket://monitor:4001")
    qtbot.mouseClick(screen.test_button, QtCore.Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(screen.start_requested, timeout=1000):
        qtbot.mouseClick(screen.start_button, QtCore.Qt.MouseButton.LeftButton)
    assert made[0].stopped   # the session will open the port itself


def test_fields_stay_where_they_are_when_messages_and_tick_boxes_appear(qtbot, make_screen):
    # Fields moved ~50 px as hints appeared, and a click meant for Weight missed it.
    screen = make_screen()
    qtbot.waitExposed(screen)

    def places() -> list[int]:
        return [w.mapTo(screen, w.rect().topLeft()).y()
                for w in (screen.weight_edit, screen.nurse_edit, screen.start_button)]

    before = places()
    qtbot.keyClicks(screen.patient_edit, "unknown")   # a message and a tick box appear under it
    screen.weight_edit.setFocus()
    qtbot.keyClicks(screen.weight_edit, "700")        # a refusal under Weight
    assert screen.patient_confirm.isVisible() and screen.weight_message.text()
    assert places() == before


def test_a_monitor_that_must_be_asked_is_tested_through_its_profile_and_the_answer_shows(
        qtbot, make_screen):
    # An IntelliVue on the LAN: the test associates and polls it through the profile, says how it
    # reads it and which vitals it sees, and the answer is scrolled into view at 1366x768.
    from devices.simulator.answering import answer_in_thread

    device = answer_in_thread("normal", "intellivue-lan", speed=1)
    screen = make_screen()
    screen.resize(1366, 520)   # the fields' height on a real 1366x768 screen with its fonts
    try:
        screen.port_combo.setCurrentText(device.port_path)
        screen.format_combo.setCurrentIndex(screen.format_combo.findData("philips-intellivue-lan"))
        assert "asked every 1 s" in screen.format_message.text()
        qtbot.mouseClick(screen.test_button, QtCore.Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "SpO2 " in screen.test_result.text(), timeout=8000)
        assert screen.test_result.text().startswith("connected, reading intellivue: HR ")
        viewport = screen.form_area.viewport()
        qtbot.waitUntil(lambda: viewport.rect().contains(
            screen.test_result.mapTo(viewport, screen.test_result.rect().bottomLeft())),
            timeout=2000)
    finally:
        screen.stop_test()
        device.stop()


def wheel_over(widget: QtWidgets.QWidget, steps: int = -1) -> None:
    """One notch of the mouse wheel with the pointer over `widget` (down for a negative step)."""
    centre = QtCore.QPointF(widget.rect().center())
    event = QtGui.QWheelEvent(centre, QtCore.QPointF(widget.mapToGlobal(centre.toPoint())),
                              QtCore.QPoint(), QtCore.QPoint(0, 120 * steps),
                              QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
                              QtCore.Qt.ScrollPhase.NoScrollPhase, False)
    QtWidgets.QApplication.sendEvent(widget, event)


def test_scrolling_over_the_choosers_changes_none_of_them(qtbot, make_screen):
    """A walk on X: scrolling the page with the pointer over "Monitor" switched it from hl7 to
    intellivue without a word. A chooser takes the wheel only once the nurse has focused it."""
    screen = make_screen()
    choose_protocol(screen, "esketamine")
    choosers = (screen.protocol_combo, screen.dose_combo, screen.session_spin,
                screen.format_combo)
    before = [c.currentIndex() if isinstance(c, QtWidgets.QComboBox) else c.value()
              for c in choosers]
    screen.activateWindow()   # offscreen, the window must be active for focus to be given
    qtbot.waitUntil(screen.isActiveWindow, timeout=2000)
    screen.nurse_edit.setFocus()
    for chooser in choosers:
        wheel_over(chooser)
    after = [c.currentIndex() if isinstance(c, QtWidgets.QComboBox) else c.value()
             for c in choosers]
    assert after == before
    # Focused, the wheel works as the nurse expects.
    screen.session_spin.setFocus()
    qtbot.waitUntil(screen.session_spin.hasFocus, timeout=2000)
    wheel_over(screen.session_spin, steps=1)
    assert screen.session_spin.value() == before[2] + 1

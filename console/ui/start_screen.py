"""The start screen: who, what, which session, which device; the dose shown back for confirmation.

The screen shows what `console.session.start_checks.check_start` says about the input (the same
checks the command line makes, with the same messages) and decides nothing itself. The dose and
the pump rate come from the protocol (`Protocol.dose`), never from arithmetic here, so what the
nurse confirms is what the session will use. A nasal-device dose is chosen on purpose (the box
starts on "— choose the dose —"), except where Start resumes a session left open, whose logged
dose stands and is shown. Nothing is ever asked in a modal dialog: a doubtful value (a
placeholder-looking identifier, an unusual weight) shows an inline "tick to confirm" box under
the field, so the whole screen stays keyboard-driven and a test can read every question it asks.

"Test connection" opens the chosen port with the real transport for a few seconds. The transport
reports on its worker thread; its callback only emits a queued signal, so every widget update
happens on the GUI thread. A `QTimer` ends the test (no sleeping anywhere).
"""

from __future__ import annotations

import glob
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from typing import Protocol as TypingProtocol

from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import format_span
from console.session.course import earlier_in_course, route_words
from console.session.dosing import pump_rate_text
from console.session.start_checks import (
    MAX_PATIENT_ID_LENGTH,
    MAX_SESSION_NUMBER,
    Field,
    Kind,
    Problem,
    StartEntry,
    check_start,
    parse_weight,
    patient_key,
    weight_text,
)
from console.store import LogError
from console.ui import theme
from console.ui.wheel_guard import guard_wheel
from protocols.vitals import METRICS
from devices.formats import FORMATS
from devices.profiles import Catalogue, default_catalogue
from devices.transport import ConnectionState, DeviceConnection, DeviceEvent, EventKind
from protocols.model import DoseMode, Protocol

if TYPE_CHECKING:
    from console.session.left_open import LeftOpen

__all__ = [
    "CHOOSE_DOSE",
    "CHOOSE_PROTOCOL",
    "MANUAL_ENTRY",
    "StartRequest",
    "StartScreen",
    "list_serial_ports",
]

CHOOSE_PROTOCOL = "— choose the protocol —"
"""The protocol combo's first entry: nothing chosen yet."""
CHOOSE_DOSE = "— choose the dose —"
"""The dose combo's first entry (nasal-device protocols): nothing chosen yet."""
MANUAL_ENTRY = "Manual entry only"
"""The device choice that binds no device (the nurse types every value)."""
START = "Start session  (Enter)"
"""The Start button's words, unless Start resumes a session left open (`_show_resumed`)."""

TEST_SECONDS = 5.0
"""How long "Test connection" listens. HL7 senders push every 1-5 s (devices/formats.py), so five
seconds shows at least one message from a working monitor without keeping the nurse waiting."""

# What "Start needs: …" calls each field.
_NEEDS = {
    Field.PATIENT: "patient ID",
    Field.WEIGHT: "weight",
    Field.PROTOCOL: "protocol",
    Field.DOSE: "dose",
    Field.NURSE: "nurse",
    Field.DEVICE: "device",
    Field.FORMAT: "monitor model",
    Field.SESSION: "session number",
}
# How a field's message looks for each kind of problem (style sheet roles below).
_ROLES = {Kind.MISSING: "hint", Kind.REFUSED: "error", Kind.CONFIRM: "error", Kind.ADVICE: "warning"}

# Short names for the test result line ("connected: HR 72, SpO2 97"); BP is joined as sys/dia.
_SHORT_NAMES = {
    "heart_rate": "HR",
    "pulse_rate": "PR",
    "spo2": "SpO2",
    "resp_rate": "RR",
}


def _base_style(t: theme.Theme) -> str:
    """The screen's style sheet in theme `t`'s colours."""
    return f"""
QWidget {{ font-size: 15pt; color: {t.text}; }}
QLabel[role="title"] {{ font-size: 19pt; font-weight: bold; }}
QScrollArea, QWidget#fields {{ background: transparent; }}
QCheckBox::indicator {{ width: 22px; height: 22px; }}
QGroupBox {{ font-size: 16pt; font-weight: bold; border: 1px solid {t.border}; border-radius: 6px;
            margin-top: 14px; padding: 10px 8px 6px 8px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; }}
QLabel[role="error"] {{ color: {t.error_text}; font-weight: bold; }}
QLabel[role="hint"] {{ color: {t.muted_text}; }}
QLabel[role="ok"] {{ color: {t.ok_text}; font-weight: bold; }}
QLabel[role="warning"] {{ color: {t.warn_text}; }}
QLabel[role="summary"] {{ font-size: 18pt; font-weight: bold; background: {t.accent_bg};
                         border: 2px solid {t.accent_border}; border-radius: 6px; padding: 8px; }}
QLabel[role="summary-empty"] {{ font-size: 16pt; background: {t.alt_panel};
                               border: 2px solid {t.border}; border-radius: 6px; padding: 8px; }}
QLineEdit, QComboBox {{ min-height: 34px; padding: 2px 6px; }}
QSpinBox {{ min-height: 34px; }}
QCheckBox {{ color: {t.error_text}; font-weight: bold; }}
QPushButton {{ min-height: 38px; padding: 4px 16px; }}
QPushButton#start {{ font-size: 18pt; font-weight: bold; min-height: 48px; padding: 6px 28px;
                    background: {t.go_bg}; color: {t.go_text}; border-radius: 6px; }}
QPushButton#start:disabled {{ background: {t.disabled_bg}; color: {t.disabled_text}; }}
"""


@dataclass(frozen=True, slots=True)
class StartRequest:
    """Everything needed to open a session, as confirmed on the start screen.

    Attributes:
        patient_id: trimmed identifier (confirmed by the nurse if it looked like a placeholder).
        weight_kg: within 1-400 kg (confirmed if outside 30-250 kg; console/session/start_checks.py).
        protocol_id: a key of the protocols the screen was given.
        chosen_mg: DEVICES-mode protocols: the chosen dose (one of `allowed_mg`); None for WEIGHT,
            and for none chosen where Start resumes a session at its logged dose.
        session_number: this session's number in the patient's course (1 = first).
        nurse: trimmed name of the nurse running the session.
        device_url: port path or pyserial URL; None for manual entry only.
        device_format: a device profile name (`devices.profiles`) or a bare format name of
            `devices.formats.FORMATS`; None for manual entry only.
        secret: the nurse's PIN or password when the log has staff accounts (checked by the
            window, never kept); "" otherwise.
    """

    patient_id: str
    weight_kg: float
    protocol_id: str
    chosen_mg: float | None
    session_number: int
    nurse: str
    device_url: str | None
    device_format: str | None
    secret: str = field(default="", repr=False, compare=False)


class ProbeConnection(TypingProtocol):
    """What the screen needs from a device connection (`DeviceConnection` satisfies it)."""

    def start(self) -> None: ...

    def stop(self, timeout: float = ...) -> bool: ...


ConnectionFactory = Callable[[str, str, Callable[[DeviceEvent], None]], ProbeConnection]


def list_serial_ports() -> list[str]:
    """Serial ports present now: USB adapters, CDC-ACM devices, and their stable by-id names."""
    ports: list[str] = []
    for pattern in ("/dev/serial/by-id/*", "/dev/ttyUSB*", "/dev/ttyACM*"):
        ports.extend(sorted(glob.glob(pattern)))
    return ports


def _num(value: float) -> str:
    """A number without a useless fraction: 36.0 -> '36', 36.25 -> '36.25'."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


class _PortCombo(QtWidgets.QComboBox):
    """Editable port choice that rescans the serial ports each time its list is opened,
    so an adapter plugged in after the screen appeared can be picked without a restart."""

    def __init__(self, lister: Callable[[], list[str]], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._lister = lister
        self.setEditable(True)
        # Typing a URL must not add it to the list on Enter (Enter starts the session).
        self.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        self.rescan()

    def rescan(self) -> None:
        current = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItem(MANUAL_ENTRY)
        self.addItems(self._lister())
        self.setCurrentText(current or MANUAL_ENTRY)
        self.blockSignals(False)

    def showPopup(self) -> None:  # noqa: N802 - Qt override
        self.rescan()
        super().showPopup()


class _SessionBox(QtWidgets.QSpinBox):
    """The session number. "session ?" (the number unread from the log) gives way to digits typed
    or pasted into it, as the score boxes' dash does: clicked into, the box took "session ?3"
    for no number and refused the nurse's count without a word (review 45)."""

    def validate(self, text: str, pos: int) -> tuple[QtGui.QValidator.State, str, int]:
        special = self.specialValueText()
        if special and self.value() == self.minimum() and text != special:
            digits = "".join(ch for ch in text if ch.isdigit())
            if digits:
                text = self.prefix() + digits
                return super().validate(text, len(text))[0], text, len(text)
        state, text, pos = super().validate(text, pos)
        return state, text, pos


class StartScreen(QtWidgets.QWidget):
    """The form a nurse fills in to open a session.

    Args:
        protocols: loaded protocols by id (from `load_protocols(...).protocols`).
        protocol_errors: one line per refused protocol file, shown under the protocol choice.
        previous_sessions: the protocol ids of the given patient's sessions in the log (only
            those of the chosen protocol's course count: console/session/course.py).
        resumes: (patient id, protocol id) -> the session left open that Start would resume
            (`console.session.left_open.left_open_for`, a recent one no other console runs),
            else None: its number and its logged dose are shown (a nasal-device one: no dose
            is asked of it). Asked again by `look_again`.
        parent: the Qt parent.
        connection_factory: builds the connection "Test connection" opens, called as
            `factory(url, profile_or_format_name, on_event)`; tests inject a fake.
        device_catalogue: the monitor models offered (shipped and the clinic's profiles);
            None reads them now.

    Signals:
        start_requested(StartRequest): the nurse pressed Start (or Enter) on a valid form.
        validity_changed(bool): the form became valid or invalid (Start enabled or not).
        test_finished(str): a connection test ended; carries the final result text.
        _device_event(int, object): internal; carries a DeviceEvent (with the test's number)
            from the transport's worker thread to the GUI thread.
    """

    start_requested = QtCore.Signal(object)
    validity_changed = QtCore.Signal(bool)
    test_finished = QtCore.Signal(str)
    _device_event = QtCore.Signal(int, object)

    def __init__(
        self,
        protocols: dict[str, Protocol],
        protocol_errors: list[str],
        previous_sessions: Callable[[str], list[str]],
        parent: QtWidgets.QWidget | None = None,
        connection_factory: ConnectionFactory = DeviceConnection,
        *,
        port_lister: Callable[[], list[str]] = list_serial_ports,
        device_catalogue: Catalogue | None = None,
        resumes: Callable[[str, str], LeftOpen | None] = lambda _patient, _protocol: None,
    ) -> None:
        super().__init__(parent)
        self._devices = device_catalogue if device_catalogue is not None else default_catalogue()
        self._protocols = protocols
        self._previous_sessions = previous_sessions
        self._resumes = resumes
        self._resumed: LeftOpen | None = None   # the session left open Start would resume
        self._resumed_mg: float | None = None   # its logged dose
        self._connection_factory = connection_factory
        self._valid = False
        self._suggestion = ""  # the session-number suggestion shown under the field
        # The log could not be read for the patient typed: the number box shows "session ?"
        # and Start waits for the nurse to set it (`_ask_session_number`).
        self._number_unread = False
        self._number_by_hand = False   # the nurse set the number: a look does not suggest again
        # Widgets with a problem, in tab order (the first gets the focus on a refused Enter).
        self._problems: list[QtWidgets.QWidget] = []
        # Only while a connection test runs:
        self._test: ProbeConnection | None = None
        self._test_state: ConnectionState | None = None
        self._test_error = ""
        self._test_values: dict[str, float] = {}
        self._test_reads = ""   # how the tested device is read: "hl7, nihon-kohden codes"
        # Bumped at every test start and change of port or model (`_drop_test`), so late events
        # of an earlier test are ignored.
        self._test_generation = 0

        self.setObjectName("startScreen")
        self.setStyleSheet(_base_style(theme.current()))
        theme.signals().changed.connect(self._on_theme_changed)
        self._build(protocol_errors, port_lister)
        self._device_event.connect(
            self._on_device_event, QtCore.Qt.ConnectionType.QueuedConnection
        )
        self._test_timer = QtCore.QTimer(self)
        self._test_timer.setSingleShot(True)
        self._test_timer.setInterval(int(TEST_SECONDS * 1000))
        self._test_timer.timeout.connect(self._on_test_timeout)
        self._on_protocol_changed()
        self._on_port_changed()
        self._revalidate()
        self.patient_edit.setFocus()

    def _on_theme_changed(self, now: theme.Theme) -> None:
        self.setStyleSheet(_base_style(now))

    # ------------------------------------------------------------------ building

    def _build(self, protocol_errors: list[str], port_lister: Callable[[], list[str]]) -> None:
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(16, 8, 16, 8)
        outer.setSpacing(6)
        title = QtWidgets.QLabel("Start a session")
        title.setProperty("role", "title")
        outer.addWidget(title)

        # The fields scroll if every message shows at once on a small screen; the dose to confirm
        # and the Start button stay below, always in view.
        form_area = QtWidgets.QScrollArea()
        form_area.setWidgetResizable(True)
        form_area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        form_area.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form_area = form_area
        fields = QtWidgets.QWidget()
        fields.setObjectName("fields")
        form_area.setWidget(fields)
        outer.addWidget(form_area, 1)
        columns = QtWidgets.QHBoxLayout(fields)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(16)

        # -- left: patient, protocol, dose
        patient_box = QtWidgets.QGroupBox("Patient and protocol")
        left = QtWidgets.QFormLayout(patient_box)
        self._tune_form(left)
        # The left column holds the long protocol names; the right one wraps its messages.
        columns.addWidget(patient_box, 11)

        self.patient_edit = QtWidgets.QLineEdit()
        self.patient_edit.setObjectName("patient")
        self.patient_edit.setMaxLength(MAX_PATIENT_ID_LENGTH + 1)  # one over, so the message shows
        self.patient_message = self._message()
        self.patient_confirm = self._confirm_box()
        self._add_row(left, "&Patient ID", self.patient_edit, self.patient_message, self.patient_confirm)

        self.weight_edit = QtWidgets.QLineEdit()
        self.weight_edit.setObjectName("weight")
        weight_row = QtWidgets.QHBoxLayout()
        weight_row.addWidget(self.weight_edit, 1)
        weight_row.addWidget(QtWidgets.QLabel("kg"))
        self.weight_message = self._message()
        self.weight_confirm = self._confirm_box()
        self._add_row(left, "&Weight", weight_row, self.weight_message, self.weight_confirm,
                      buddy=self.weight_edit)

        self.protocol_combo = QtWidgets.QComboBox()
        self.protocol_combo.setObjectName("protocol")
        # No protocol is preselected: the one ordered for this patient must be chosen on purpose,
        # never inherited from a list's alphabetical order.
        self.protocol_combo.addItem(CHOOSE_PROTOCOL, None)
        for protocol in sorted(self._protocols.values(), key=lambda p: p.name):
            # Id first: a long name is cut at the right edge, and the id is what tells two
            # variants of one drug apart. The full name is repeated, wrapped, under the combo.
            self.protocol_combo.addItem(f"{protocol.id} — {protocol.name}", protocol.id)
        self.protocol_combo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.protocol_combo.setMinimumContentsLength(20)
        self.protocol_message = self._message()
        self.protocol_errors_label = self._message()
        self.protocol_errors_label.setProperty("role", "error")
        self.protocol_errors_label.setText(
            "\n".join(f"Protocol file refused: {error}" for error in protocol_errors)
        )
        self.protocol_errors_label.setVisible(bool(protocol_errors))
        self._add_row(left, "P&rotocol", self.protocol_combo, self.protocol_message,
                      self.protocol_errors_label)

        self.dose_combo = QtWidgets.QComboBox()
        self.dose_combo.setObjectName("dose")
        self.dose_label = QtWidgets.QLabel("D&ose")
        self.dose_label.setBuddy(self.dose_combo)
        left.addRow(self.dose_label, self.dose_combo)

        # -- right: session, nurse, device
        device_box = QtWidgets.QGroupBox("Session, nurse and device")
        right = QtWidgets.QFormLayout(device_box)
        self._tune_form(right)
        columns.addWidget(device_box, 9)

        self.session_spin = _SessionBox()
        self.session_spin.setObjectName("session")
        self.session_spin.setRange(1, MAX_SESSION_NUMBER)
        self.session_spin.setPrefix("session ")
        self.session_of_label = QtWidgets.QLabel("")
        self.session_of_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        session_row = QtWidgets.QHBoxLayout()
        session_row.addWidget(self.session_spin)
        session_row.addWidget(self.session_of_label, 1)
        self.session_message = self._message()
        self._add_row(right, "&Session", session_row, self.session_message, buddy=self.session_spin)


        self.nurse_edit = QtWidgets.QLineEdit()
        self.nurse_edit.setObjectName("nurse")
        # On a log with staff accounts the nurse signs in here (issue 13): the PIN or password
        # beside the name, shown only then (`require_sign_in`), emptied after every start.
        self.secret_edit = QtWidgets.QLineEdit()
        self.secret_edit.setObjectName("nurse_secret")
        self.secret_edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.secret_edit.setPlaceholderText("PIN")
        self.secret_edit.setToolTip("The nurse's PIN or password (never shown, never stored)")
        self.secret_edit.setVisible(False)
        nurse_row = QtWidgets.QHBoxLayout()
        nurse_row.addWidget(self.nurse_edit, 2)
        nurse_row.addWidget(self.secret_edit, 1)
        self.nurse_message = self._message()
        self._add_row(right, "&Nurse", nurse_row, self.nurse_message, buddy=self.nurse_edit)

        self.port_combo = _PortCombo(port_lister)
        self.port_combo.setObjectName("port")
        self.port_message = self._message()
        self._add_row(right, "De&vice", self.port_combo, self.port_message)

        # The monitor model: the bare formats (any monitor speaking them), then the profiles of
        # named models (their code map, polling and watchdog). The line under it says which.
        self.format_combo = QtWidgets.QComboBox()
        self.format_combo.setObjectName("format")
        for name in [*FORMATS, *self._devices.names()]:
            profile = self._devices.find(name)
            if profile is None or profile.needs_bed:
                continue   # a gateway profile without its bed is not a choice (start_checks)
            self.format_combo.addItem(name, name)
            self.format_combo.setItemData(self.format_combo.count() - 1, profile.describe(),
                                          QtCore.Qt.ItemDataRole.ToolTipRole)
        self.format_message = self._message()
        self.format_message.setProperty("role", "hint")
        self._add_row(right, "&Monitor", self.format_combo, self.format_message)

        guard_wheel(self.protocol_combo, self.dose_combo, self.session_spin, self.port_combo,
                    self.format_combo)

        self.test_button = QtWidgets.QPushButton("&Test connection")
        self.test_button.setObjectName("test")
        self.test_result = self._message()
        self.test_result.setProperty("role", "hint")
        self.test_result.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self._add_row(right, "", self.test_button, self.test_result)

        # -- bottom: what will be given, and Start
        self.summary = QtWidgets.QLabel("")
        self.summary.setObjectName("summary")
        self.summary.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # the patient as typed
        self.summary.setWordWrap(True)
        self.summary.setMinimumHeight(56)
        outer.addWidget(self.summary)
        self.summary_source = QtWidgets.QLabel("")
        self.summary_source.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.summary_source.setWordWrap(True)
        self.summary_source.setProperty("role", "hint")
        self.summary_source.setStyleSheet("font-size: 14pt;")
        outer.addWidget(self.summary_source)

        bottom = QtWidgets.QHBoxLayout()
        self.missing_label = QtWidgets.QLabel("")
        self.missing_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.missing_label.setWordWrap(True)
        self.missing_label.setProperty("role", "hint")
        bottom.addWidget(self.missing_label, 1)
        self.start_button = QtWidgets.QPushButton(START)
        self.start_button.setObjectName("start")
        bottom.addWidget(self.start_button)
        outer.addLayout(bottom)

        # Keyboard order follows the reading order: down the left column, then the right. The
        # PIN comes right after the nurse's name (hidden, Tab skips it): left out, a PIN typed
        # after Tab went into the Device field, in clear (review 39).
        chain: list[QtWidgets.QWidget] = [
            self.patient_edit, self.patient_confirm, self.weight_edit, self.weight_confirm,
            self.protocol_combo, self.dose_combo, self.session_spin, self.nurse_edit,
            self.secret_edit, self.port_combo, self.format_combo, self.test_button,
            self.start_button,
        ]
        for first, second in zip(chain, chain[1:]):
            QtWidgets.QWidget.setTabOrder(first, second)

        self.patient_edit.textChanged.connect(self._on_patient_changed)
        self.patient_confirm.toggled.connect(self._revalidate)
        self.weight_edit.textChanged.connect(self._on_weight_changed)
        self.weight_confirm.toggled.connect(self._revalidate)
        self.protocol_combo.currentIndexChanged.connect(self._on_protocol_changed)
        self.dose_combo.currentIndexChanged.connect(self._revalidate)
        self.session_spin.valueChanged.connect(self._on_session_changed)
        self.nurse_edit.textChanged.connect(self._revalidate)
        self.port_combo.currentTextChanged.connect(self._on_port_changed)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.test_button.clicked.connect(self._on_test_clicked)
        self.start_button.clicked.connect(self._on_start_clicked)

    @staticmethod
    def _tune_form(form: QtWidgets.QFormLayout) -> None:
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(4)

    @staticmethod
    def _message() -> QtWidgets.QLabel:
        """A field's message line. Its line is reserved, shown or not: a message appearing
        under one field must not move the fields below it (a click once missed Weight)."""
        label = QtWidgets.QLabel("")
        # It quotes what was typed and what a device answered: never drawn as markup.
        label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setProperty("role", "hint")
        label.setMinimumHeight(2 * label.fontMetrics().lineSpacing())   # most wrap to two
        return label

    @staticmethod
    def _confirm_box() -> QtWidgets.QCheckBox:
        box = QtWidgets.QCheckBox("")
        policy = box.sizePolicy()
        policy.setRetainSizeWhenHidden(True)   # its row keeps its height while it is hidden
        box.setSizePolicy(policy)
        box.setFixedHeight(box.fontMetrics().height() + 10)   # the same, with or without text
        box.setVisible(False)
        return box

    @staticmethod
    def _add_row(
        form: QtWidgets.QFormLayout,
        label: str,
        field: QtWidgets.QWidget | QtWidgets.QLayout,
        *below: QtWidgets.QWidget,
        buddy: QtWidgets.QWidget | None = None,
    ) -> None:
        """One field with its messages stacked under it, all in the field column."""
        column = QtWidgets.QVBoxLayout()
        column.setSpacing(2)
        if isinstance(field, QtWidgets.QLayout):
            column.addLayout(field)
        else:
            column.addWidget(field)
        for widget in below:
            column.addWidget(widget)
        caption = QtWidgets.QLabel(label)
        target = buddy if buddy is not None else field
        if isinstance(target, QtWidgets.QWidget):
            caption.setBuddy(target)
        form.addRow(caption, column)

    # ------------------------------------------------------------------ current values

    def current_protocol(self) -> Protocol | None:
        """The protocol chosen, or None when none is loaded."""
        protocol_id = self.protocol_combo.currentData()
        return self._protocols.get(protocol_id) if isinstance(protocol_id, str) else None

    def is_valid(self) -> bool:
        """Whether Start is allowed now."""
        return self._valid

    def _weight(self) -> float | None:
        """The typed weight if it is a finite number, else None (comma accepted as decimal point)."""
        return parse_weight(self.weight_edit.text())

    def _chosen_mg(self) -> float | None:
        data = self.dose_combo.currentData()
        return float(data) if isinstance(data, (int, float)) else None

    def _device_url(self) -> str | None:
        text = self.port_combo.currentText().strip()
        return None if text == MANUAL_ENTRY else text

    # ------------------------------------------------------------------ change handlers

    def _on_patient_changed(self) -> None:
        # A different patient makes an earlier "yes, this identifier" meaningless.
        self.patient_confirm.setChecked(False)
        self._number_by_hand = False   # suggested for this patient (as before)
        self._look_up_resumed()
        self._suggest_session_number()
        self._revalidate()

    def _on_weight_changed(self) -> None:
        # A confirmation is for one value: a retyped weight must be confirmed again.
        self.weight_confirm.setChecked(False)
        self._revalidate()

    def _on_protocol_changed(self) -> None:
        protocol = self.current_protocol()
        self.dose_combo.blockSignals(True)
        self.dose_combo.clear()
        devices = protocol is not None and protocol.dose.mode is DoseMode.DEVICES
        if protocol is not None and devices:
            # No dose preselected, as no protocol is: the one ordered is chosen on purpose
            # (preselected at 56 mg, a course at 84 mg was started at 56 mg by Start alone).
            self.dose_combo.addItem(CHOOSE_DOSE, None)
            dose = protocol.dose
            for mg in dose.allowed_mg:
                count = dose.device_count(mg)
                self.dose_combo.addItem(f"{_num(mg)} mg = {count} device{'s' * (count != 1)}", mg)
        self.dose_combo.blockSignals(False)
        self.dose_label.setVisible(devices)
        self.dose_combo.setVisible(devices)
        self._number_by_hand = False
        self._look_up_resumed()
        self._suggest_session_number()
        self._revalidate()

    def _on_port_changed(self) -> None:
        self.format_combo.setEnabled(self._device_url() is not None)
        self._on_format_changed()

    def _on_format_changed(self) -> None:
        self._drop_test()   # enables Test connection for a port
        self._revalidate()   # shows the format's description

    def _suggest_session_number(self) -> None:
        """Suggest the earlier sessions of the chosen protocol's course + 1 for the typed patient
        (console/session/course.py); the nurse may change it. Where Start resumes a session left
        open, its number instead, and that Start resumes it (`_show_resumed`)."""
        patient = patient_key(self.patient_edit.text())
        protocol = self.current_protocol()
        course = f" of {protocol.course_sessions} in the usual course" if protocol else ""
        self.session_of_label.setText(course)
        if self._show_resumed():
            return
        if not patient or protocol is None:
            self._suggestion = ""
            return
        try:
            count = earlier_in_course(self._previous_sessions(patient), protocol, self._protocols)
        except LogError as exc:
            # The log is an edge: the nurse can still type the number, but must know why the
            # usual suggestion is missing.
            self._suggestion = f"Could not read earlier sessions from the log ({exc}): enter the number."
            self._ask_session_number()
            return
        previous, route = count.same, route_words(protocol)
        self.session_spin.blockSignals(True)
        self._keep_session_number()
        self.session_spin.setValue(min(previous + 1, MAX_SESSION_NUMBER))
        self.session_spin.blockSignals(False)
        earlier = {0: f"no earlier {route} session", 1: f"1 earlier {route} session"}.get(
            previous, f"{previous} earlier {route} sessions"
        )
        others = f" ({count.other} of another course not counted)" if count.other else ""
        self._suggestion = f"Suggested {previous + 1}: {earlier} of {patient} in the log{others}."

    def _look_up_resumed(self) -> None:
        """Whether Start would resume a session of this patient and protocol, and its logged
        dose."""
        patient = patient_key(self.patient_edit.text())
        protocol = self.current_protocol()
        self._resumed = (self._resumes(patient, protocol.id)
                         if patient and protocol is not None else None)
        mg = self._resumed.row.details.get("dose_mg") if self._resumed is not None else None
        self._resumed_mg = float(mg) if isinstance(mg, int | float) else None

    def _show_resumed(self) -> bool:
        """Say it where Start resumes a session left open: its number in the box (no other can
        be chosen), "Start resumes session N (started …)" under it, and "Resume session N" on
        Start. The next number was suggested, a new dose line and "Start session" shown, and
        Start resumed session 1 and dropped the 2 the nurse believed she opened. False (the
        box free again) where Start opens a new session."""
        resumed = self._resumed
        self.session_spin.setEnabled(resumed is None)
        if resumed is None:
            self.start_button.setText(START)
            return False
        number = resumed.row.session_number
        self.session_spin.blockSignals(True)
        self._keep_session_number()
        self.session_spin.setValue(number)
        self.session_spin.blockSignals(False)
        # Short of the offers' `when_text`: it fits the two lines kept for the message (1366 px).
        started = resumed.row.started_at.astimezone()
        self._suggestion = (f"Start resumes session {number} (started {started:%a %d %b %H:%M}, "
                            f"last entry {format_span(resumed.idle_s)} ago).")
        self.start_button.setText(f"Resume session {number}  (Enter)")
        return True

    @property
    def resumed(self) -> LeftOpen | None:
        """The session left open the form says Start resumes, None where it opens a new one."""
        return self._resumed

    def look_again(self) -> None:
        """Read again what Start would resume (the window's 5-s look, and Start before it acts):
        the session the form names may have ended, or run in another console, since; another may
        have been left open. Read once, the form said "Resume session 1" after its session was
        discharged at another chair, and Enter opened a second "session 1" of the patient. Where
        Start opens a new session before and after, the number is suggested again unless the
        nurse set it: "Suggested 1" had stood after another chair started the patient's session
        1, and Start opened a second "session 1"."""
        before = self._resumed
        self._look_up_resumed()
        if before is None and self._resumed is None and self._number_by_hand:
            return
        self._suggest_session_number()
        self._revalidate()

    def _ask_session_number(self) -> None:
        """Empty the number box ("session ?", value 0, which the checks refuse) until the nurse
        sets it: the number suggested for the patient typed before stayed ready (MRN-1's 5 for
        MRN-2, Start enabled) when the log could not be read (review 45)."""
        self.session_spin.blockSignals(True)
        self.session_spin.setRange(0, MAX_SESSION_NUMBER)
        self.session_spin.setSpecialValueText("session ?")
        self.session_spin.setValue(0)
        self.session_spin.blockSignals(False)
        self._number_unread = True

    def _keep_session_number(self) -> None:
        """The box back to 1–MAX_SESSION_NUMBER once a number is set or suggested."""
        if not self._number_unread:
            return
        self._number_unread = False
        self.session_spin.setSpecialValueText("")
        self.session_spin.setRange(1, MAX_SESSION_NUMBER)

    def _on_session_changed(self) -> None:
        self._number_by_hand = True   # suggestions set it with the box's signals blocked
        if self._number_unread and self.session_spin.value() >= 1:
            self._keep_session_number()
        self._revalidate()

    # ------------------------------------------------------------------ validation

    def entry(self) -> StartEntry:
        """What the form holds now, as typed (the checks live in console/session/start_checks.py)."""
        url = self._device_url()
        protocol_id = self.protocol_combo.currentData()
        return StartEntry(
            patient_id=self.patient_edit.text(),
            weight=self.weight_edit.text(),
            protocol_id=protocol_id if isinstance(protocol_id, str) else None,
            nurse=self.nurse_edit.text(),
            device_url=url,
            device_format=str(self.format_combo.currentData()) if url is not None else None,
            session_number=self.session_spin.value(),
            confirmed=frozenset(f for f, box in ((Field.PATIENT, self.patient_confirm),
                                                 (Field.WEIGHT, self.weight_confirm))
                                if box.isChecked()),
            asks_dose=True, chosen_mg=self._chosen_mg(), resumed_mg=self._resumed_mg,
        )

    def _revalidate(self) -> None:
        """Check the form (`check_start`), show each field's message, the summary and Start."""
        check = check_start(self.entry(), self._protocols)
        fields: dict[Field, QtWidgets.QWidget] = {
            Field.PATIENT: self.patient_edit, Field.WEIGHT: self.weight_edit,
            Field.PROTOCOL: self.protocol_combo, Field.DOSE: self.dose_combo,
            Field.NURSE: self.nurse_edit,
            Field.DEVICE: self.port_combo, Field.FORMAT: self.format_combo,
            Field.SESSION: self.session_spin,
        }
        boxes = {Field.PATIENT: self.patient_confirm, Field.WEIGHT: self.weight_confirm}
        missing: list[str] = []
        problems: list[QtWidgets.QWidget] = []
        for problem in check.blocking():
            confirm = problem.kind is Kind.CONFIRM
            missing.append(_NEEDS[problem.field] + (" confirmation" if confirm else ""))
            problems.append(boxes[problem.field] if confirm else fields[problem.field])

        patient = check.about(Field.PATIENT)
        self._show_problem(self.patient_message, patient)
        self._offer_confirm(self.patient_confirm, patient,
                            f"Yes, “{self.patient_edit.text().strip()}” is this patient's identifier")
        weight = check.about(Field.WEIGHT)
        self._show_problem(self.weight_message, weight)
        # The dose is shown even while an unusual weight awaits confirmation, so the nurse sees
        # what the weight would mean.
        self._offer_confirm(self.weight_confirm, weight,
                            f"Yes, {weight_text(check.weight_kg or 0.0)} kg is correct")
        protocol = check.protocol
        if protocol is not None:
            self._show(self.protocol_message,
                       f"{protocol.name} (id {protocol.id}, version {protocol.version}, "
                       f"route {protocol.route})", "hint")
        else:
            self._show_problem(self.protocol_message, check.about(Field.PROTOCOL))
        session = check.about(Field.SESSION)
        if self._number_unread:
            self._show(self.session_message, self._suggestion, "error")
        elif self._resumed is not None:   # its logged number: no advice on a box not to be set
            self._show(self.session_message, self._suggestion, "warning")
        elif session is None:
            self._show(self.session_message, self._suggestion, "hint")
        else:
            self._show(self.session_message, " ".join(filter(None, (self._suggestion, session.message))),
                       _ROLES[session.kind])
        self._show_problem(self.nurse_message, check.about(Field.NURSE))
        if self._device_url() is None:
            self._show(self.port_message, "No device: every vital is typed in by hand.", "hint")
        else:
            self._show_problem(self.port_message, check.about(Field.DEVICE))
        fmt = check.about(Field.FORMAT)
        if fmt is not None:
            self._show_problem(self.format_message, fmt)
        else:
            profile = self._devices.find(str(self.format_combo.currentData()))
            manual = self._device_url() is None
            self._show(self.format_message, "" if manual or profile is None
                       else profile.describe(), "hint")
        self._problems = problems
        self._update_summary(protocol, check.weight_kg, check.about(Field.DOSE))

        valid = check.ok
        self.start_button.setEnabled(valid)
        self.missing_label.setText(
            "" if valid else "Start needs: " + ", ".join(missing) + "."
        )
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)

    def _show_problem(self, label: QtWidgets.QLabel, problem: Problem | None) -> None:
        """A field's message: its problem (hint, error or warning), or nothing."""
        if problem is None:
            self._show(label, "", "hint")
        else:
            self._show(label, problem.message, _ROLES[problem.kind])

    @staticmethod
    def _offer_confirm(box: QtWidgets.QCheckBox, problem: Problem | None, text: str) -> None:
        """Show the tick box while the field's value needs confirming."""
        if problem is not None and problem.kind is Kind.CONFIRM:
            box.setText(text)
            box.setVisible(True)
        else:
            box.setVisible(False)

    def _update_summary(self, protocol: Protocol | None, weight: float | None,
                        dose_problem: Problem | None) -> None:
        """Show the dose as the protocol computes it, for the nurse to check against the order;
        a nasal-device dose not chosen: what to choose, or the logged one a resume keeps."""
        if protocol is None:
            self._set_summary("", "")
            return
        dose = protocol.dose
        if dose.mode is DoseMode.WEIGHT:
            if weight is None:
                self._set_summary(
                    f"Dose: enter the weight ({_num(dose.mg_per_kg)} mg/kg over "
                    f"{_num(dose.infusion_minutes)} min)", dose.source, empty=True)
                return
            mg = dose.dose_mg(weight)
            text = f"Dose {_num(mg)} mg ({_num(dose.mg_per_kg)} mg/kg × {weight_text(weight)} kg)"
            uncapped = weight * dose.mg_per_kg
            if dose.max_mg is not None and mg < uncapped:
                text = (f"Dose {_num(mg)} mg (capped at the protocol maximum {_num(dose.max_mg)} mg; "
                        f"{_num(dose.mg_per_kg)} mg/kg × {weight_text(weight)} kg = {_num(uncapped)} mg)")
            rate = dose.pump_rate_ml_per_h()
            if rate is not None:
                text += (f" — pump {pump_rate_text(rate)} for {_num(dose.infusion_minutes)} min "
                         f"({_num(dose.bag_volume_ml)} mL bag)")
            self._set_summary(text, dose.source)
            return
        if dose_problem is not None:
            self._set_summary(dose_problem.message, dose.source, empty=True)
            return
        chosen = self._chosen_mg()
        shown = chosen if chosen is not None else self._resumed_mg
        if shown is None:   # not reached: a dose neither chosen nor resumed is a problem
            self._set_summary("", dose.source, empty=True)
            return
        count = dose.device_count(shown)
        text = (f"{_num(shown)} mg = {count} device{'s' * (count != 1)} of "
                f"{_num(dose.mg_per_device)} mg, {_num(dose.rest_minutes)} min apart")
        if chosen is None:
            text += " (logged: Start resumes the session left open)"
        self._set_summary(text, dose.source)

    def _set_summary(self, text: str, source: str, *, empty: bool = False) -> None:
        self.summary.setText(text)
        self._restyle(self.summary, "summary-empty" if empty or not text else "summary")
        self.summary_source.setText(f"Source: {source}" if source else "")

    def _show(self, label: QtWidgets.QLabel, text: str, role: str) -> None:
        label.setText(text)   # an empty message keeps its reserved line (see `_message`)
        self._restyle(label, role)

    @staticmethod
    def _restyle(widget: QtWidgets.QWidget, role: str) -> None:
        if widget.property("role") != role:
            widget.setProperty("role", role)
            # A dynamic property is only re-read by the style sheet after a re-polish.
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    # ------------------------------------------------------------------ start

    def request(self) -> StartRequest | None:
        """The request the form describes now, or None while anything is invalid."""
        protocol = self.current_protocol()
        weight = self._weight()
        if not self._valid or protocol is None or weight is None:
            return None
        url = self._device_url()
        devices = protocol.dose.mode is DoseMode.DEVICES
        return StartRequest(
            patient_id=patient_key(self.patient_edit.text()),
            weight_kg=weight,
            protocol_id=protocol.id,
            # None for a nasal-device dose too when Start resumes a session at its logged one
            chosen_mg=self._chosen_mg() if devices else None,
            session_number=self.session_spin.value(),
            nurse=self.nurse_edit.text().strip(),
            device_url=url,
            device_format=str(self.format_combo.currentData()) if url is not None else None,
            secret=self.secret_edit.text() if self.secret_edit.isVisibleTo(self) else "",
        )

    def _on_start_clicked(self) -> None:
        request = self.request()
        if request is None:
            self._focus_first_problem()
            return
        # The session opens the port itself: a test reader still holding it would compete.
        self.stop_test()
        self.secret_edit.clear()   # the secret goes with the request, never stays on screen
        self.start_requested.emit(request)

    def require_sign_in(self, required: bool) -> None:
        """The nurse signs in to start (a log with staff accounts): name or badge + secret."""
        self.secret_edit.setVisible(required)
        self.nurse_edit.setPlaceholderText("name or badge" if required else "")

    def refuse_sign_in(self, message: str) -> None:
        """The sign-in was refused: say why under the nurse field; nothing was started."""
        self.secret_edit.clear()
        self._show(self.nurse_message, message, "error")
        self.secret_edit.setFocus()

    def ask_nurse(self, message: str) -> None:
        """The nurse's name is needed (a session left open resumed under it): say `message`
        under the nurse field, with the cursor in it. Typing there says the field's own again."""
        self._show(self.nurse_message, message, "error")
        self.nurse_edit.setFocus()

    def _focus_first_problem(self) -> None:
        """Put the cursor where the first problem is, so Enter on an incomplete form helps."""
        if self._problems:
            self._problems[0].setFocus()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Enter starts the session when the form is valid; on a focused button it presses it.

        Line edits, spin boxes and closed combo boxes pass Enter up to here.
        """
        if event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QtWidgets.QPushButton) and focused is not self.start_button:
                focused.click()
            else:
                self._on_start_clicked()
            event.accept()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ connection test

    def _on_test_clicked(self) -> None:
        url = self._device_url()
        fmt = str(self.format_combo.currentData())
        if not url:
            return
        self._drop_test()
        generation = self._test_generation
        profile = self._devices.find(fmt)
        self._test_reads = fmt if profile is None else ", ".join(
            filter(None, (profile.format, profile.dialect and f"{profile.dialect} codes")))
        self._show(self.test_result, f"Testing {url} ({fmt}) for {TEST_SECONDS:g} s …", "hint")
        self.test_button.setEnabled(False)

        def on_event(event: DeviceEvent) -> None:
            # Runs on the transport's worker thread: emitting a (queued) signal is all it may do.
            # A test stores nothing, so the monitor is told so (AE: it keeps what it sent).
            event.settle(False)
            self._device_event.emit(generation, event)

        try:
            self._test = self._connection_factory(url, fmt, on_event)
            self._test.start()
        except (ValueError, OSError, RuntimeError) as exc:
            self._test = None
            self.test_button.setEnabled(True)
            self._show(self.test_result, f"Cannot test {url}: {exc}", "error")
            return
        self._test_timer.start()

    @property
    def test_state(self) -> ConnectionState | None:
        """The state the running (or last) connection test reported, None before any and since
        the port or the monitor model was changed."""
        return self._test_state

    def _drop_test(self) -> None:
        """End a running test and take its answer away: it was said of a port and model no
        longer chosen ("connected, reading hl7: HR 72" stood under a port never tested, and a
        running test's readings came in under the new choice)."""
        self.stop_test()
        self._test_generation += 1   # its events still on their way are ignored
        self._test_state = None
        self._test_error = ""
        self._test_values = {}
        self._show(self.test_result, "", "hint")

    def _on_device_event(self, generation: int, event: DeviceEvent) -> None:
        if generation != self._test_generation or self._test is None:
            return  # a late event from a test already ended
        if event.kind is EventKind.STATE and event.state is not None:
            if event.state is ConnectionState.STOPPED:
                return
            self._test_state = event.state
            if event.state is ConnectionState.DISCONNECTED:
                self._test_error = event.detail
                # The test has its answer; retrying for the rest of the interval adds nothing.
                self._finish_test()
                return
            if event.state is ConnectionState.STALE:
                self._test_error = event.detail
        else:
            for reading in event.readings:
                self._test_values[reading.metric] = reading.value
        self._show(self.test_result, self._test_text(), self._test_role())
        self._reveal_test_result()

    def _reveal_test_result(self) -> None:
        """Scroll the fields so the test's answer is in view (at 1366x768 with a profile's hint
        and field messages showing, it fell below the visible part of the form)."""
        QtCore.QTimer.singleShot(0, self, lambda: self.form_area.ensureWidgetVisible(
            self.test_result, 0, 8))

    def _on_test_timeout(self) -> None:
        self._finish_test()

    def _finish_test(self) -> None:
        self._test_timer.stop()
        self.stop_test()
        text = self._test_text(final=True)
        self._show(self.test_result, text, self._test_role())
        self._reveal_test_result()
        self.test_finished.emit(text)

    def stop_test(self) -> None:
        """End a running connection test (if any) and release its port."""
        test, self._test = self._test, None
        self._test_timer.stop()
        if test is not None:
            # Returns within one read timeout (0.1 s): the worker checks its stop flag every read.
            test.stop()
        self.test_button.setEnabled(self._device_url() is not None)

    def hideEvent(self, event: QtGui.QHideEvent) -> None:  # noqa: N802 - Qt override
        # A screen that is not shown must not hold a port the session is about to open.
        self.stop_test()
        super().hideEvent(event)

    def _test_role(self) -> str:
        if self._test_state is ConnectionState.CONNECTED:
            return "ok"
        if self._test_state in (ConnectionState.DISCONNECTED, ConnectionState.STALE):
            return "error"
        return "hint"

    def _test_text(self, *, final: bool = False) -> str:
        state = self._test_state
        values = self._readings_text()
        if state is ConnectionState.DISCONNECTED:
            return (f"Not connected: {self._test_error}. Check the port name and the cable, "
                    f"or choose “{MANUAL_ENTRY}”.")
        if state is ConnectionState.CONNECTED:
            reads = f"connected, reading {self._test_reads}"
            return f"{reads}: {values}" if values else f"{reads}: frames arriving, no vitals yet"
        if state is ConnectionState.STALE:
            return (f"stale: {self._test_error}. Port open but no complete frame: check the "
                    "format and that the monitor is sending.")
        if state is ConnectionState.CONNECTING:
            if final:
                return (f"No complete frame in {TEST_SECONDS:g} s: the port opens but the data "
                        "is not this format, or the monitor is not sending.")
            return "connecting: port open, waiting for the first frame …"
        return "No answer from the transport." if final else self.test_result.text()

    def _readings_text(self) -> str:
        values = self._test_values
        parts: list[str] = []
        for name, short in _SHORT_NAMES.items():
            if name in values:
                parts.append(f"{short} {METRICS[name].format(values[name])}")
        if "bp_systolic" in values and "bp_diastolic" in values:
            parts.append(f"BP {values['bp_systolic']:.0f}/{values['bp_diastolic']:.0f}")
        return ", ".join(parts)

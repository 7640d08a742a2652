"""Manual entry built for speed, and side-effect observations that show where they stand.

Vitals: BP as "128/84", RR, HR, SpO2 in one keyboard-driven form (Enter records every filled field).
Bad values are refused with the engine's message (what is wrong, what is allowed) and nothing of
that form is recorded; an implausible value, or one that would replace the monitor's alarming
reading, asks the `Confirmer` first (every question before anything is recorded, and again
any question that arose while she answered; her two answers, "the value is right" and "it
replaces the monitor's reading", reach the engine apart: review 46). What was
recorded is said in a nurse's words ("Recorded: BP 150/95 mmHg, RR 16/min"), never in the log's
names.

Observations (issue 11 item 10: a mis-click logged "hallucinations present"; Aldrete came
pre-filled with 10 and one click logged it while BP was 185/118):

- Each scale shows its latest recorded value and when ("3 · 09:12"), and the button of that value
  is marked. The score boxes (dissociation, Aldrete) start empty and go back to empty after each
  record: Record with no score set (or one typed and erased) is refused and says what to set.
  What a box records is what it holds as typed, read as a vitals field reads it; the mouse wheel
  never changes it (review 46).
- After an observation, "Undo" is offered for `UNDO_SECONDS` (counted on the controller's clock,
  so a test moves it by hand; the 2 Hz tick redraws the countdown). Any later message withdraws
  it, so the button always belongs to the message beside it, and so does the value's correction
  (or entered in error) from the Events tab: nothing of it is left to take back. After that,
  "Correct…" in the Events tab is the way.
- What an undo writes (the log is append-only, nothing is deleted): the undone row is entered
  in error (`SessionEngine.void`: an "entered_in_error" event names it, with the reason "undone
  by the nurse within 10 s"), and it counts nowhere from then on. The scale's latest value goes
  back to the one before it, at its own time, or to none; its alarms and the discharge check
  forget the row, a restart skips it, the trend, the review and the report leave it out, and the
  interface engine is told it was wrong (PCD-01, OBX-11 W); the log keeps the row. Undo had
  written the earlier value again as a correction at the undone row's time: a baseline Aldrete
  10 came back as scored after the dose, and the discharge gate let the patient go with no
  Aldrete since the dose. Vitals have no Undo: a typed vital is taken back from the Events tab
  (Correct…, or entered in error). "Vomiting" has the same Undo (a review: a mis-click beside
  the Nausea buttons stayed an episode for good): its event is entered in error
  (`SessionEngine.void_observation`), and the episode leaves the count, after a restart and in
  the review too.

The message area beside the form keeps its height (two lines, elided, the full text on hover), so
nothing around it moves when a message appears.

Review 39 (tests: tests/ui/test_lock_screen.py for the lock and the hand-over,
tests/ui/test_entry_observations.py for the double click and the double Return):

- What is typed and not recorded belongs to the nurse who typed it. When the station locks, or
  another nurse takes the session over, the vitals fields, the note and the score boxes are
  emptied (Ana's HR 72, typed without Return, was recorded as Ben's with his BP after the
  lock), and the nurse who signs in next reads `UNSAVED_CLEARED`. The Undo offer goes too: it
  belongs to the nurse who recorded the value. At the discharge the typing goes as well, and the
  ended form names it (`UNSAVED_AT_DISCHARGE`; review 46: it stood greyed as if entered). A
  restart ("Restart and resume") or a close of the window asks first, naming it (`UNSAVED_LOST`,
  console/ui/main_window.py): the new process's empty form had dropped it unsaid.
- A double click on an observation button is one observation: a second press of the same value
  within the platform's double-click interval (`double_press_s`, measured on the controller's
  clock) is ignored (a double click on Vomiting noted two episodes; one on "present" wrote two
  rows, and Undo then went back to the first mistaken one).
- A second Return (or Record) on the part of the form its record has just emptied, within
  `SECOND_PRESS_S`, does nothing: a red "Type at least one value" in place of "Recorded: …" read
  as nothing recorded, invited the same entry twice and withdrew the Undo. Later, or on another
  part of the form, an empty press is refused in words as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from console.session.engine import OBSERVED, VOMITING
from console.session.entry import (
    Accepted,
    NeedsConfirmation,
    Rejected,
    Verdict,
    check_bp,
    check_number,
    check_value,
    pulse_pressure_question,
)
from console.session.lock import ChairAction
from console.ui.wheel_guard import refuse_wheel
from console.ui import theme
from console.ui.controller import SessionController
from console.ui.markup import plain_tip
from protocols.vitals import (
    MOAAS_CHOICES,
    SCALE_WORDS,
    SEVERITY_CHOICES,
    metric,
    scale_value_words,
    scale_words,
)

# No hint holds a number: "128/84", "16", "72", "97" in grey looked like values entered (a nurse
# walk on X saw "SpO2 % 97" under a tile reading 86 on an ended session); the labels say the form.
FIELDS = (("bp", "BP (sys/dia)", ""), ("resp_rate", "RR /min", ""),
          ("heart_rate", "HR /min", ""), ("spo2", "SpO2 %", ""))

UNDO_SECONDS = 10.0
MESSAGE_KEEP_S = 60.0
"""A panel's message (recorded, refused) stands this long, then the panel is quiet again."""
UNDO_REASON = f"undone by the nurse within {UNDO_SECONDS:g} s"
SECOND_PRESS_S = 3.0
"""An empty form submitted this soon after its own record is the Return after it (a habit, a
bouncing key), not a new entry: the record's line and Undo stay. Later, or on another part of
the form, it is refused in words (an empty score box pressed 20 s after a BP was recorded
said nothing, and the score the nurse meant to record was not: review 39)."""
EMPTY_SCORE = -1   # the score boxes' "no value set" (shown as a dash)
# The score boxes take up to three digits, past any score's maximum: the engine refuses a score
# beyond its range, naming the range. Held to the score's own maximum, Qt's validator dropped the
# keystroke that went past it without a word (review 37: Aldrete "11" recorded as 1, "100" as 10,
# CADSS "93" as 9); a fourth digit is still dropped, but three already make any score refused.
SCORE_TYPED_MAX = 999
UNSAVED_CLEARED = ("Unsaved entries were cleared when the station locked: nothing of them was "
                   "recorded.")
# What was not recorded first: on a 1366 px screen the end of the line is cut.
UNSAVED_AT_DISCHARGE = "Not recorded, cleared at the discharge: {what}."
# Said in the question of a restart or a close (MainWindow), which a new process's empty form
# would otherwise drop unsaid.
UNSAVED_LOST = "{what} typed and not recorded will be lost."

# Names of the theme's colours (console/ui/theme.py), looked up when the message is drawn.
ERROR_COLOUR, DONE_COLOUR, WARN_COLOUR = "error_text", "ok_text", "warn_text"
# A message box's icon is a QLabel too: without its own rule it would be 28em wide, and the text
# far from it (or cut, where the screen is narrow).
DIALOG_STYLE = ("QWidget {font-size:13pt;} QLabel {min-width:28em;}"
                " QLabel#qt_msgboxex_icon_label {min-width:0px;}")

# What a nurse writes on the chart, with the unit the way it is written there. A systolic alone
# is not "BP": it is said by its label ("Systolic BP 150 mmHg"), as a diastolic alone is.
VITAL_WORDS: dict[str, tuple[str, str]] = {
    "bp_mean": ("MAP", " mmHg"), "resp_rate": ("RR", "/min"),
    "heart_rate": ("HR", "/min"), "pulse_rate": ("Pulse", "/min"), "spo2": ("SpO2", "%"),
}


# ---- words (no Qt) ---------------------------------------------------------------------------


def vitals_words(values: Sequence[tuple[str, float]]) -> str:
    """'BP 150/95 mmHg, RR 16/min' for values recorded together (systolic pairs with diastolic)."""
    given = dict(values)
    parts = []
    for name, value in values:
        m = metric(name)
        if name == "bp_diastolic" and "bp_systolic" in given:
            continue   # said with the systolic
        if name == "bp_systolic" and "bp_diastolic" in given:
            parts.append(f"BP {m.format(value)}/{m.format(given['bp_diastolic'])} mmHg")
        elif name in VITAL_WORDS:
            short, unit = VITAL_WORDS[name]
            parts.append(f"{short} {m.format(value)}{unit}")
        else:
            parts.append(f"{m.label} {m.format(value)} {m.unit}")
    return ", ".join(parts)


def double_press_s() -> float:
    """How soon a second press of the same observation button is the same double click: the
    platform's double-click interval (Qt's default 400 ms)."""
    return QtGui.QGuiApplication.styleHints().mouseDoubleClickInterval() / 1000


def scale_meaning(name: str, value: float) -> str:
    """The full meaning of a scale value where it has one (MOAA/S sentences), else ''."""
    return dict(metric(name).choices).get(int(value), "")


@dataclass(frozen=True, slots=True)
class UndoOffer:
    """The last observation recorded, which the nurse may still take back.

    Attributes:
        row_id: the observation's row in the log (what the `entered_in_error` event names); for
            an observation noted with a button, its event's row.
        metric: the scale; for an observation noted with a button, its text ("Vomiting").
        value: what was recorded (1 for an observation noted with a button).
        recorded_mono: when it was recorded (the controller clock's monotonic seconds).
        noted: an observation noted with a button (an event, `SessionEngine.void_observation`),
            not a scale's value.
    """

    row_id: int
    metric: str
    value: float
    recorded_mono: float
    noted: bool = False

    def seconds_left(self, now_mono: float) -> float:
        return max(0.0, UNDO_SECONDS - (now_mono - self.recorded_mono))


# ---- widgets ---------------------------------------------------------------------------------


class Confirmer(Protocol):
    """Asks the nurse a yes/no question (a dialog in the app, a recorder in tests)."""

    def confirm(self, message: str) -> bool: ...


def question_box(parent: QtWidgets.QWidget, title: str, message: str, yes: str,
                 no: str) -> tuple[QtWidgets.QMessageBox, QtWidgets.QPushButton]:
    """A titled question with readable text and its `yes` button (not shown). `no` is the
    default and the Escape answer: Return or Space alone never does the unusual or the
    irreversible thing."""
    box = QtWidgets.QMessageBox(parent)
    box.setWindowTitle(title)
    box.setIcon(QtWidgets.QMessageBox.Icon.Question)
    # Questions quote names, notes and typed values: never drawn as markup (a review).
    box.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    box.setText(message)
    box.setStyleSheet(DIALOG_STYLE)
    yes_button = box.addButton(yes, QtWidgets.QMessageBox.ButtonRole.YesRole)
    no_button = box.addButton(no, QtWidgets.QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no_button)
    box.setEscapeButton(no_button)
    return box, yes_button


class DialogConfirmer:
    """Asks in a titled dialog with readable text; "Do not record" is the default answer."""

    TITLE = "Confirm an unusual value"

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        self.parent = parent

    def build(self, message: str) -> tuple[QtWidgets.QMessageBox, QtWidgets.QPushButton]:
        """The dialog and its "Record it" button (not shown: `confirm` runs it)."""
        return question_box(self.parent, self.TITLE, message, "Record it", "Do not record")

    def confirm(self, message: str) -> bool:
        box, record = self.build(message)
        box.exec()
        return box.clickedButton() is record


class ElidedLabel(QtWidgets.QLabel):
    """A label of a fixed number of lines: the text wraps, the last line is elided, the full text
    is on hover. Its height never depends on the text, so nothing around it moves."""

    def __init__(self, lines: int = 2, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("", parent)
        self._said_at: float | None = None
        self.lines = lines
        self._colour: str | None = None
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # quotes notes and typed values

    def set_message(self, text: str, colour: str | None = None, bold: bool = False,
                    said_at: float | None = None) -> None:
        """`colour`: a theme colour's name ("error_text") or "#rrggbb"; None: the text colour.
        `said_at`: the monotonic time of a message about a moment (`outlived`); None for one
        that stands (a legend)."""
        self._colour = colour
        self._said_at = said_at if text else None
        font = self.font()
        font.setBold(bold)
        self.setFont(font)
        self.setText(text)
        self.setToolTip(plain_tip(text))

    def outlived(self, now_mono: float) -> bool:
        """A message about a moment has stood MESSAGE_KEEP_S: "Recorded: BP 128/80" still stood
        7 minutes later, read as news, and a refused device's "0:16 min after device 1" after
        its rest had ended (a walk on X). The panel then says what it says when quiet."""
        return self._said_at is not None and now_mono - self._said_at >= MESSAGE_KEEP_S

    def sizeHint(self) -> QtCore.QSize:
        margins = self.contentsMargins()
        font = QtGui.QFont(self.font())
        font.setBold(True)   # as tall bold as not: an error (bold) must not move anything
        spacing = max(self.fontMetrics().lineSpacing(), QtGui.QFontMetrics(font).lineSpacing())
        height = self.lines * spacing + margins.top() + margins.bottom()
        return QtCore.QSize(100, height)

    def minimumSizeHint(self) -> QtCore.QSize:
        return self.sizeHint()

    def shown_lines(self, width: int | None = None) -> list[str]:
        """The lines drawn at `width` (the label's own by default), the last one elided."""
        width = self.contentsRect().width() if width is None else width
        return wrap_elided(self.text().replace("\n", " "), self.font(), max(1, width), self.lines)

    def elided(self) -> bool:
        shown = " ".join(line.rstrip("…") for line in self.shown_lines())
        return " ".join(self.text().split()) != " ".join(shown.split())

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:   # noqa: N802 - Qt's name
        painter = QtGui.QPainter(self)
        rect = self.contentsRect()
        metrics = self.fontMetrics()
        painter.setPen(QtGui.QColor(theme.colour(self._colour)) if self._colour
                       else self.palette().color(QtGui.QPalette.ColorRole.WindowText))
        for index, line in enumerate(self.shown_lines()):
            painter.drawText(rect.left(), rect.top() + index * metrics.lineSpacing() + metrics.ascent(), line)
        painter.end()


def wrap_elided(text: str, font: QtGui.QFont, width: int, lines: int) -> list[str]:
    """`text` wrapped at word boundaries to `width` pixels, at most `lines` lines, the last one
    elided when the text goes on."""
    layout = QtGui.QTextLayout(text, font)
    layout.beginLayout()
    spans: list[tuple[int, int]] = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    shown = [text[start:start + length].rstrip() for start, length in spans]
    if len(shown) > lines:
        rest = text[spans[lines - 1][0]:]
        last = QtGui.QFontMetrics(font).elidedText(rest, QtCore.Qt.TextElideMode.ElideRight, width)
        shown = [*shown[:lines - 1], last]
    return shown


@dataclass(slots=True)
class _Scale:
    """One observation scale's widgets: its value buttons (or its score box) and its latest value."""

    name: str
    current: QtWidgets.QLabel
    buttons: dict[int, QtWidgets.QPushButton]
    score: QtWidgets.QSpinBox | None = None
    shown: object = None   # what `current` shows now (skip redrawing the same)


class EntryPanel(QtWidgets.QGroupBox):
    """Vitals form and observation scales, with their latest values and a short undo.

    Signals:
        recorded: what was just recorded, in a nurse's words (for the status line).
    """

    recorded = QtCore.Signal(str)

    def __init__(self, controller: SessionController, confirmer: Confirmer,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("", parent)
        self.controller = controller
        self.confirmer = confirmer
        self.setStyleSheet(_panel_style(theme.current()))
        theme.signals().changed.connect(self._on_theme_changed)
        self._undo: UndoOffer | None = None
        self._refusal_shown = False
        # Which part of the form ("vitals", "note", a scale's name) the standing message says a
        # record of, and when (the clock's monotonic seconds); "" when it says none.
        self._record_shown = ""
        self._recorded_at = 0.0
        # The last observation button pressed and when (the clock's monotonic seconds).
        self._last_press: tuple[tuple[str, int], float] | None = None
        # Whose typing the form holds (a hand-over empties it), and whether typing was cleared
        # at a lock (said to whoever signs in).
        self._nurse = controller.view.nurse
        self._cleared_at_lock = False
        self._ended = False   # the session's discharge was seen (its typing cleared, said)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setSpacing(2)
        layout.setContentsMargins(6, 2, 6, 2)
        form = QtWidgets.QHBoxLayout()
        self.fields: dict[str, QtWidgets.QLineEdit] = {}
        for key, label, placeholder in FIELDS:
            form.addWidget(QtWidgets.QLabel(label))
            edit = QtWidgets.QLineEdit()
            edit.setObjectName(f"entry_{key}")
            edit.setPlaceholderText(placeholder)
            edit.returnPressed.connect(self._on_record_clicked)
            edit.textEdited.connect(self._on_field_edited)
            edit.setMaximumWidth(110)   # "188/110" fits; the rest of the row is the message's
            self.fields[key] = edit
            form.addWidget(edit)
        self.record_button = QtWidgets.QPushButton("Record")
        self.record_button.clicked.connect(self._on_record_clicked)
        form.addWidget(self.record_button)
        # The message sits beside the form, not under it (one row less for the tiles and the
        # trend), in a box of fixed height: a message never pushes the rows around it.
        self.message = ElidedLabel(lines=2)
        self.message.setObjectName("entry_message")
        self.message.setStyleSheet("font-size:12pt;")
        form.addWidget(self.message, 1)
        self.undo_button = QtWidgets.QPushButton("Undo")
        self.undo_button.setObjectName("obs_undo")
        self.undo_button.clicked.connect(self._on_undo_clicked)
        policy = self.undo_button.sizePolicy()
        policy.setRetainSizeWhenHidden(True)   # appearing must not move the message
        self.undo_button.setSizePolicy(policy)
        self.undo_button.hide()
        form.addWidget(self.undo_button)
        layout.addLayout(form)
        self.scales: dict[str, _Scale] = {}
        layout.addLayout(self._observation_rows())
        shortcut = QtGui.QShortcut(QtGui.QKeySequence("Ctrl+E"), self)
        shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(self.focus_entry)
        self._fit_widths()
        controller.changed.connect(self._on_session_changed)
        controller.lock_changed.connect(self._on_lock_changed)
        self._on_session_changed()

    def _on_theme_changed(self, now: theme.Theme) -> None:
        self.setStyleSheet(_panel_style(now))

    def _fit_widths(self) -> None:
        """Widths that do not depend on what is shown, measured in the fonts the style sheet
        gives (so after polishing): the undo button and the latest values never move a row."""
        self.ensurePolished()
        for widget in self.findChildren(QtWidgets.QWidget):
            widget.ensurePolished()
        undo = self.undo_button
        undo.setFixedWidth(undo.fontMetrics().horizontalAdvance("Undo (10 s)") + 24)
        self.vomited.setMinimumWidth(self.vomited.fontMetrics().horizontalAdvance("10× · 00:00") + 6)
        for scale in self.scales.values():
            metrics = scale.current.fontMetrics()
            scale.current.setMinimumWidth(metrics.horizontalAdvance("moderate · 00:00") + 6)
            for button in scale.buttons.values():
                button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 16)

    # ---- vitals -------------------------------------------------------------------------------

    def focus_entry(self) -> None:
        self.fields["bp"].setFocus()
        self.fields["bp"].selectAll()

    def _on_record_clicked(self) -> None:
        verdicts: list[Verdict] = []
        for key, edit in self.fields.items():
            text = edit.text().strip()
            if text:
                verdicts.extend(check_bp(text) if key == "bp" else [check_value(key, text)])
        if not verdicts:
            if not self._record_stands("vitals"):   # else the Return after the record
                self._say("Type at least one value, for example BP 128/84.", error=True)
            return
        rejected = [v for v in verdicts if isinstance(v, Rejected)]
        if rejected:
            self._say(" ".join(v.message for v in rejected), error=True)
            return
        # Every question before anything is written: the form's (an unusual value, the pair's
        # pulse pressure) and the engine's (the value would replace the monitor's alarming
        # reading). A No records nothing of the form (review 37: the diastolic's No came after
        # its systolic was logged). The two answers stay apart up to the engine (review 46: a
        # "Record it" to the pulse pressure was read as "it replaces the monitor's reading").
        entries = [v for v in verdicts if not isinstance(v, Rejected)]
        typed = {v.metric: v.value for v in entries}
        pair_question = (pulse_pressure_question(typed["bp_systolic"], typed["bp_diastolic"])
                         if {"bp_systolic", "bp_diastolic"} <= typed.keys() else None)
        doubted: set[str] = set()
        replacing: dict[str, frozenset[int]] = {}   # a value: the alarms her Yes replaces
        for verdict in entries:
            own = verdict.message if isinstance(verdict, NeedsConfirmation) else None
            if own is not None and own == pair_question and verdict.metric in doubted:
                own = None   # both halves carry the pair's question: her Yes answered it
            engine_question = self.controller.view.manual_question(verdict.metric, verdict.value)
            # The alarms on screen as she is asked (before the dialog lets the monitor move on).
            asked_about = (self._vital_alarms(verdict.metric) if engine_question is not None
                           else frozenset())
            asked = [q for q in (own, engine_question) if q is not None]
            if asked and not self._confirmed(" ".join(asked)):
                return
            if own is not None:   # the pair's question is about both halves
                doubted |= ({"bp_systolic", "bp_diastolic"} if own == pair_question
                            else {verdict.metric})
            if engine_question is not None:
                replacing[verdict.metric] = asked_about
        if not self._ask_arisen(entries, replacing):
            return
        done: list[tuple[str, float]] = []
        for verdict in entries:
            name, value = verdict.metric, verdict.value
            answer = self.controller.enter_manual(name, value, confirmed=name in doubted,
                                                  replaces=name in replacing)
            if isinstance(answer, NeedsConfirmation):
                # A question that arose after the ones above (a value just written changed the
                # engine's answer; every doubt was asked above, so it is the monitor's): nothing
                # of this value is recorded until the nurse says yes.
                if self.confirmer.confirm(answer.message):
                    answer = self.controller.enter_manual(name, value, confirmed=name in doubted,
                                                          replaces=True)
                else:
                    answer = Rejected(name, f"Not recorded: {answer.message}")
            if isinstance(answer, Rejected):   # e.g. the session ended meanwhile
                self._stop_part_way(done, answer.message)
                return
            done.append((name, value))
        for edit in self.fields.values():
            edit.clear()
        words = vitals_words(done)
        self._say(f"Recorded: {words}", recorded="vitals")
        self.recorded.emit(words)
        self.fields["bp"].setFocus()

    def _confirmed(self, question: str) -> bool:
        """The nurse's Yes to `question`; a No (or a lock meanwhile) is said and is False."""
        refused = self.controller.refusal(ChairAction.ENTER)   # asked of nobody refused
        if refused is not None:
            self._say(refused, error=True)
            return False
        if not self.confirmer.confirm(question):
            self._say(f"Not recorded: {question}", error=True)
            return False
        return True

    def _ask_arisen(self, entries: Sequence[Accepted | NeedsConfirmation],
                    replacing: dict[str, frozenset[int]]) -> bool:
        """Ask the engine's questions that arose while the nurse answered (the monitor sent a
        reading that holds an alarm, or another alarm of the vital arose) before anything is
        written: her Yes to one question never answers another she was not asked (review 46:
        the cuff's 185 arrived during the pulse pressure question, and her typed 170 was
        recorded as replacing it, ending its alarm). Her Yes covers the alarms of the vital she
        was asked about, whatever the monitor's value now: an oximeter sends a value a second,
        and a question that came back with each new number could keep her value from ever being
        recorded. False when she said No."""
        while True:   # each question waits for her, and the monitor may send meanwhile
            arisen: list[tuple[str, str, frozenset[int]]] = []
            for v in entries:
                question = self.controller.view.manual_question(v.metric, v.value)
                alarms = self._vital_alarms(v.metric)
                answered = replacing.get(v.metric)
                if question is not None and (answered is None or not alarms <= answered):
                    arisen.append((v.metric, question, alarms))
            if not arisen:
                return True
            for name, question, alarms in arisen:
                if not self._confirmed(question):
                    return False
                replacing[name] = alarms

    def _vital_alarms(self, name: str) -> frozenset[int]:
        """The alarm occurrences of vital `name` shown now (its `<metric>_high` and `_low`
        conditions): what a Yes to replacing the monitor's reading of it is about."""
        conditions = {f"{name}_high", f"{name}_low"}
        return frozenset(o.id for o in self.controller.view.alarms() if o.condition in conditions)

    def _stop_part_way(self, done: list[tuple[str, float]], message: str) -> None:
        """Values before the refused one are in the log: say so, and clear only their fields."""
        if not done:
            self._say(message, error=True)
            return
        recorded = {name for name, _ in done}
        for key, edit in self.fields.items():
            names = ("bp_systolic", "bp_diastolic") if key == "bp" else (key,)
            if all(n in recorded for n in names):
                edit.clear()
        words = vitals_words(done)
        self._say(f"Recorded: {words}. {message}", error=True)
        self.recorded.emit(words)

    def _say(self, text: str, error: bool = False, colour: str | None = None,
             recorded: str = "", stands: bool = False) -> None:
        """Show a message; it replaces the one an undo belonged to, so the offer ends with it.
        It goes after MESSAGE_KEEP_S (`_fade_message`) unless it `stands` (the ended session's
        last word). `recorded`: the part of the form whose record it reports ("vitals", "note",
        a scale's name; `_record_stands`)."""
        self._withdraw_undo()
        self._refusal_shown = error
        self._record_shown = recorded
        now = self.controller.clock.now().mono
        self._recorded_at = now
        self.message.set_message(text, colour or (ERROR_COLOUR if error else DONE_COLOUR),
                                 bold=error, said_at=None if stands else now)

    def _record_stands(self, part: str) -> bool:
        """`part` of the form has just recorded and its "Recorded: …" (and its Undo) is shown:
        an empty `part` submitted now is the Return after it (`SECOND_PRESS_S`). A red refusal
        in its place read as nothing recorded, took the Undo away and invited the same entry
        twice (review 39)."""
        return (self._record_shown == part
                and self.controller.clock.now().mono - self._recorded_at <= SECOND_PRESS_S)

    def _fade_message(self) -> None:
        """The message goes once it has outlived its moment, not while its Undo runs."""
        if self._undo is None and self.message.outlived(self.controller.clock.now().mono):
            self._refusal_shown = False
            self._record_shown = ""
            self.message.set_message("")

    def _on_field_edited(self, _text: str) -> None:
        """A refusal is about what was typed: once the nurse types again it is stale, and a red
        line left beside the form read as a problem with the new value."""
        if self._refusal_shown:
            self._refusal_shown = False
            self.message.set_message("")

    # ---- observations -------------------------------------------------------------------------

    def _observation_rows(self) -> QtWidgets.QGridLayout:
        grid = QtWidgets.QGridLayout()
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(1)
        self.observation_buttons: dict[tuple[str, int], QtWidgets.QPushButton] = {}
        button_scales = (
            ("moaas", "MOAA/S", [(v, str(v), f"MOAA/S {v}: {text}") for v, text in MOAAS_CHOICES]),
            ("nausea", "Nausea", [(v, text, f"Nausea: {text} ({v})") for v, text in SEVERITY_CHOICES]),
            ("fatigue", "Fatigue", [(v, text, f"Fatigue: {text} ({v})") for v, text in SEVERITY_CHOICES]),
            ("hallucinations", "Hallucinations",
             [(0, "absent", "Hallucinations absent"), (1, "present", "Hallucinations present")]),
        )
        for index, (name, label, choices) in enumerate(button_scales):
            row, first = index // 2, (index % 2) * 3   # two scales side by side
            grid.addWidget(QtWidgets.QLabel(label), row, first)
            box = QtWidgets.QHBoxLayout()
            box.setSpacing(2)
            buttons: dict[int, QtWidgets.QPushButton] = {}
            for value, text, tip in choices:
                button = QtWidgets.QPushButton(text)
                button.setToolTip(tip)
                button.setObjectName(f"obs_{name}_{value}")
                button.setProperty("current", False)
                button.clicked.connect(lambda _=False, n=name, v=value: self._on_scale_pressed(n, v))
                self.observation_buttons[(name, value)] = button
                buttons[value] = button
                box.addWidget(button)
            grid.addLayout(box, row, first + 1)
            self.scales[name] = _Scale(name, self._latest_label(name), buttons)
            grid.addWidget(self.scales[name].current, row, first + 2)
        row = 2
        # The discharge gate reads the modified Aldrete score: it must be enterable here, and
        # never pre-filled (one click logged Aldrete 10 while BP was 185/118).
        self.dissociation = self._score_box("dissociation", "Dissociation", "obs_dissociation",
                                            "CADSS total, 0–92 (short form: items 1, 2, 6, 7, 15, 22)",
                                            grid, row, 0)
        self.aldrete = self._score_box("aldrete", "Aldrete", "obs_aldrete",
                                       "Modified Aldrete score, 0–10 (9 or more to discharge)",
                                       grid, row, 3)
        vomiting = QtWidgets.QPushButton(VOMITING)
        vomiting.setObjectName("obs_vomiting")
        vomiting.setToolTip("Note that the patient vomited (an observation event)")
        vomiting.clicked.connect(self._on_vomiting_pressed)
        # How often and when last, as each scale shows its latest: a second click was
        # indistinguishable from a first, and nothing said it had been noted at all.
        self.vomited = self._latest_label("vomiting")
        beside = QtWidgets.QHBoxLayout()
        beside.setSpacing(4)
        beside.addWidget(vomiting)
        beside.addWidget(self.vomited)
        beside.addStretch(1)
        grid.addLayout(beside, 0, 6)   # beside nausea
        self.note = QtWidgets.QLineEdit()
        self.note.setObjectName("obs_note")
        self.note.setPlaceholderText("Note (Enter to add)")   # whole at 1366x768
        self.note.returnPressed.connect(lambda: self._record_note(self.note.text()))
        grid.addWidget(self.note, 2, 6)
        grid.setColumnStretch(6, 1)
        return grid

    def _latest_label(self, name: str) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel("—")
        label.setObjectName(f"obs_{name}_latest")
        label.setProperty("role", "latest")
        return label

    def _score_box(self, name: str, label: str, object_name: str, tip: str,
                   grid: QtWidgets.QGridLayout, row: int, column: int) -> _ScoreBox:
        m = metric(name)
        caption = QtWidgets.QLabel(label)
        caption.setToolTip(tip)
        grid.addWidget(caption, row, column)
        score = _ScoreBox(int(m.hard[1]))
        score.setObjectName(object_name)
        score.setToolTip(tip)
        score.setRange(EMPTY_SCORE, SCORE_TYPED_MAX)
        score.setSpecialValueText("—")   # EMPTY_SCORE: nothing set yet
        score.setValue(EMPTY_SCORE)
        score.setMinimumWidth(score.fontMetrics().horizontalAdvance("92") + 48)
        refuse_wheel(score)   # a score changes by the nurse's keys, never by the wheel
        score.lineEdit().returnPressed.connect(lambda: self._record_score(name, score))
        record = QtWidgets.QPushButton("Record")
        record.setObjectName(f"{object_name}_record")
        record.clicked.connect(lambda: self._record_score(name, score))
        box = QtWidgets.QHBoxLayout()
        box.setSpacing(2)
        box.addWidget(score)
        box.addWidget(record)
        box.addStretch(1)
        grid.addLayout(box, row, column + 1)
        self.scales[name] = _Scale(name, self._latest_label(name), {}, score)
        grid.addWidget(self.scales[name].current, row, column + 2)
        return score

    def _pressed_again(self, name: str, value: int) -> bool:
        """The same observation button pressed again within a double click: one observation. A
        double click comes as press, release, press, release, and the button says `clicked`
        twice: Vomiting was noted twice in one second, and "present" written twice, so Undo
        took back only the second, to the first mistaken one (review 39)."""
        now = self.controller.clock.now().mono
        last, self._last_press = self._last_press, ((name, value), now)
        return last is not None and last[0] == (name, value) and now - last[1] < double_press_s()

    def _on_scale_pressed(self, name: str, value: int) -> None:
        if not self._pressed_again(name, value):
            self._record_scale(name, value)

    def _on_vomiting_pressed(self) -> None:
        if not self._pressed_again(VOMITING, 1):
            self._record_observed(VOMITING)

    def _record_observed(self, text: str) -> None:
        """An observation noted with a button, with the Undo every observation button offers
        (a review: Vomiting, beside the Nausea buttons, had none, and a mis-click stayed an
        adverse event in the count, the review and the report)."""
        outcome, event_id = self.controller.note_row(text, kind=OBSERVED)
        if not outcome.done:
            self._say(outcome.message, error=True)
            return
        self._say(f"Recorded: {text}", recorded=OBSERVED)
        if event_id is not None:   # None while the log holds it in memory: nothing to point at
            self._offer_undo(UndoOffer(event_id, text, 1.0, self.controller.clock.now().mono,
                                       noted=True), text)
        self.recorded.emit(text)

    def _record_score(self, name: str, score: _ScoreBox) -> None:
        """Record what the box holds for the nurse (`_ScoreBox.entered`), read as a vitals field
        reads a value, or nothing: an emptied box is no score (review 46: Aldrete 9 typed, then
        erased, and Return recorded "Aldrete 9/10", the box's last value), and a score is never
        another number than the one typed (full-width "１０" recorded the 9 typed before it)."""
        typed = score.entered()
        if not typed:
            score.clear_score()   # the dash again: what the box shows is what it holds
            if self._record_stands(name):   # the Return after its record: line and Undo stay
                return
            m = metric(name)
            self._say(f"Set the {m.label} score first ({m.describe_range()}), then Record.", error=True)
            score.setFocus()
            return
        verdict = check_value(name, typed)
        if isinstance(verdict, Rejected):
            # A whole number past the range is refused as the engine words it; other text is
            # named as typed (review 45: "4,5" read as 45). Kept in the box until she types
            # again: Return comes here twice (the box's line, then the box, which put its last
            # value back in between).
            self._say(verdict.message if typed.isdecimal() else f"Not recorded: {verdict.message}",
                      error=True)
            score.show_entered()
            score.setFocus()
            score.selectAll()
            return
        if self._record_scale(name, int(verdict.value)):   # "4.0": the whole number it reads
            score.clear_score()   # the next one is set on purpose too

    def _record_scale(self, name: str, value: int) -> bool:
        answer, row_id = self.controller.enter_manual_row(name, float(value))
        if isinstance(answer, NeedsConfirmation):   # not for today's scales; asked if ever
            engine_question = self.controller.view.manual_question(name, float(value))
            if not self.confirmer.confirm(answer.message):
                self._say(f"Not recorded: {answer.message}", error=True)
                return False
            # Each answer for its own question: her Yes replaces a monitor's reading only when
            # that was asked, and doubts the value only when the value was doubted.
            answer, row_id = self.controller.enter_manual_row(
                name, float(value),
                confirmed=isinstance(check_number(metric(name), float(value)), NeedsConfirmation),
                replaces=engine_question is not None and engine_question in answer.message)
        if isinstance(answer, Rejected):
            self._say(answer.message, error=True)
            return False
        words = scale_words(name, value)
        meaning = scale_meaning(name, value)
        self._say(f"Recorded: {words}" + (f" ({meaning})" if meaning and meaning not in words else ""),
                  recorded=name)
        if row_id is not None:   # None while the log holds it in memory: nothing to point at yet
            self._offer_undo(UndoOffer(row_id, name, float(value),
                                       self.controller.clock.now().mono), words)
        self.recorded.emit(words)
        return True

    def _offer_undo(self, offer: UndoOffer, words: str) -> None:
        self._undo = offer
        self.undo_button.setToolTip(f"Take back {words}: marked entered in error")
        self.undo_button.show()
        self._show_undo()

    def _record_note(self, text: str, kind: str = "note") -> None:
        if not text.strip() and self._record_stands(kind):   # the Return after its record
            return
        outcome = self.controller.note(text, kind=kind)
        if not outcome.done:
            self._say(outcome.message, error=True)
            return
        self.note.clear()
        self._say(f"Recorded: {text.strip()}", recorded=kind)
        self.recorded.emit(text.strip())

    # ---- undo ---------------------------------------------------------------------------------

    def undo_offered(self) -> UndoOffer | None:
        """The observation Undo would take back now (None when the button is not offered)."""
        return self._undo

    def _on_undo_clicked(self) -> None:
        offer = self._undo
        if offer is None:
            return
        if offer.seconds_left(self.controller.clock.now().mono) <= 0:
            self._say(f"Too late to undo (more than {UNDO_SECONDS:g} s): " + (
                f"{offer.metric} stays noted; write a note saying it was noted by mistake."
                if offer.noted
                else "select the value in the Events tab and use Correct…."), error=True)
            return
        if offer.noted:
            self._undo_observed(offer)
            return
        words = scale_words(offer.metric, offer.value)
        # Entered in error, never the earlier value written again: a correction is a measurement
        # at the undone row's time, and a pre-dose Aldrete 10 so written passed the discharge
        # gate as scored after the dose. The earlier value stands at its own time.
        outcome = self.controller.void(offer.row_id, offer.metric, reason=UNDO_REASON)
        if not outcome.done:
            self._say(f"Not undone: {outcome.message}", error=True)
            return
        label = SCALE_WORDS[offer.metric]
        standing = self.controller.view.latest(offer.metric)
        if standing is None:
            left = f"{label} has no value now"
        else:   # its time said: a value from before the dose reads as one
            at = standing.reading.received_at.astimezone().strftime("%H:%M")
            left = (f"the latest {label} is "
                    f"{scale_value_words(offer.metric, standing.reading.value)}, recorded at {at}")
        self._say(f"Undone: {words} taken back (logged as entered in error); {left}.")
        self._show_latest(self.scales[offer.metric])

    def _undo_observed(self, offer: UndoOffer) -> None:
        """Take back an observation noted with a button: its episode entered in error, the
        count as before it (`SessionEngine.void_observation`)."""
        outcome = self.controller.void_observation(offer.row_id, reason=UNDO_REASON)
        if not outcome.done:
            self._say(f"Not undone: {outcome.message}", error=True)
            return
        seen = self.controller.view.observed(offer.metric)
        left = (f"{offer.metric.lower()} noted {seen[0]}× now, last at "
                f"{seen[1].astimezone():%H:%M}" if seen is not None
                else f"no {offer.metric.lower()} noted now")
        self._say(f"Undone: {offer.metric} taken back (logged as entered in error); {left}.")
        self._show_vomited()

    def _show_undo(self) -> None:
        offer = self._undo
        if offer is None:
            return
        left = offer.seconds_left(self.controller.clock.now().mono)
        if (left <= 0 or self.controller.view.discharged
                # Put right from the Events tab since (corrected, entered in error): nothing
                # of it is left to take back.
                or (self.controller.view.noted(offer.row_id) is None if offer.noted
                    else self.controller.uncorrectable(offer.row_id, offer.metric) is not None)):
            self._withdraw_undo()
            return
        self.undo_button.setText(f"Undo ({left:.0f} s)")

    # ---- who is at the chair -------------------------------------------------------------------

    def unsaved_words(self) -> list[str]:
        """What the form holds typed and not recorded, as the nurse typed it ("BP 132/84")."""
        words = [f"{'BP' if key == 'bp' else VITAL_WORDS[key][0]} {edit.text().strip()}"
                 for key, edit in self.fields.items() if edit.text().strip()]
        words += [f"{SCALE_WORDS[name]} {box.entered()}"
                  for name, box in (("dissociation", self.dissociation), ("aldrete", self.aldrete))
                  if box.entered()]
        if self.note.text().strip():
            words.append(f"the note “{self.note.text().strip()}”")
        return words

    def _clear_unsaved(self) -> bool:
        """Empty the vitals fields, the note and the score boxes; True if anything was in them."""
        held = False
        for edit in (*self.fields.values(), self.note):
            held = held or bool(edit.text().strip())
            edit.clear()
        for box in (self.dissociation, self.aldrete):
            held = held or bool(box.entered())
            box.clear_score()   # not the next nurse's to record, nor to be told of
        return held

    def _withdraw_undo(self) -> None:
        """The Undo belongs to the nurse who recorded the value, not to whoever signs in next."""
        self._undo = None
        self.undo_button.hide()

    @QtCore.Slot(bool)
    def _on_lock_changed(self, locked: bool) -> None:
        """Locked: what was typed and not recorded goes (it was recorded under the next nurse's
        name with her own entry: review 39). Unlocked: the nurse signing in is told, if it did."""
        if locked:
            self._cleared_at_lock = self._clear_unsaved() or self._cleared_at_lock
            self._withdraw_undo()
            self._last_press = None
        elif self._cleared_at_lock:
            self._cleared_at_lock = False
            self._say(UNSAVED_CLEARED, colour=WARN_COLOUR)
        elif self._refusal_shown:
            # The refusal was the lock's (or the account's it locked for): the nurse who signs
            # in read it in red as her own entry refused (a review).
            self._say("")

    def _on_nurse_changed(self, before: str, now: str) -> None:
        """A hand-over without a lock first: the form is the earlier nurse's, as at a lock."""
        self._withdraw_undo()
        self._last_press = None
        if self._clear_unsaved():
            self._say(f"Unsaved entries were cleared when {now} took the session over from "
                      f"{before}: nothing of them was recorded.", colour=WARN_COLOUR)

    # ---- what the session says ----------------------------------------------------------------

    def _on_ended(self) -> None:
        """The session ended (discharged): what was typed and not recorded goes, and the form
        says what it was. Left in the ended record's disabled form, "132/84" read as entered,
        and neither the review nor the report has it (review 46)."""
        words = self.unsaved_words()
        self._clear_unsaved()
        self._last_press = None
        if words:
            self._say(UNSAVED_AT_DISCHARGE.format(what=", ".join(words)), colour=WARN_COLOUR,
                      stands=True)

    @QtCore.Slot()
    def _on_session_changed(self) -> None:
        nurse = self.controller.view.nurse
        if nurse != self._nurse:
            before, self._nurse = self._nurse, nurse
            self._on_nurse_changed(before, nurse)
        if self.controller.view.discharged and not self._ended:
            self._ended = True
            self._on_ended()
        for scale in self.scales.values():
            self._show_latest(scale)
        self._show_vomited()
        self._show_undo()
        self._fade_message()

    def _show_vomited(self) -> None:
        seen = self.controller.view.observed(VOMITING)
        if seen is None:
            text, tip = "—", "No vomiting noted this session"
        else:
            count, at = seen
            when = at.astimezone().strftime("%H:%M")
            text = f"{count}× · {when}"
            tip = f"Vomiting noted {count} time{'s' if count != 1 else ''}, last at {when}"
        if self.vomited.text() != text:
            self.vomited.setText(text)
            self.vomited.setToolTip(tip)

    def _show_latest(self, scale: _Scale) -> None:
        """Each scale's latest value and its time beside it; the button of that value marked."""
        latest = self.controller.view.latest(scale.name)
        if latest == scale.shown:
            return
        scale.shown = latest
        label = SCALE_WORDS[scale.name]
        if latest is None:
            text, tip, value = "—", f"No {label} recorded yet", None
        else:
            value = int(latest.reading.value)
            at = latest.reading.received_at.astimezone().strftime("%H:%M")
            words = scale_value_words(scale.name, value)
            meaning = scale_meaning(scale.name, value)
            tip = f"Latest {label}: {words}" + (f" ({meaning})" if meaning and meaning != words else "") + f", {at}"
            text = f"{words} · {at}"
        scale.current.setText(text)
        scale.current.setToolTip(tip)
        for choice, button in scale.buttons.items():
            _set_property(button, "current", choice == value)


class _ScoreBox(QtWidgets.QSpinBox):
    """A score box whose dash ("no value set") gives way to the first character typed: a click
    into the box put the cursor after the dash, and "—12" was refused without a word. Typing may
    go past the score's maximum (`SCORE_TYPED_MAX`, refused on Record); the arrow keys stop at it.

    A character a score cannot hold ("4.5", "4,5", "-3", "7a") is kept as typed and never taken
    for the score: Record refuses it, naming it (`entered`). The box dropped "." without
    a word and read "," as a thousands separator: CADSS "4.5" was recorded as 45, ten times the
    score and over the discharge cut-off (review 45)."""

    def __init__(self, top: int) -> None:
        super().__init__()
        self.top = top   # the score's maximum
        # The nurse's own last edit, None when the box was set since (the arrow keys, a record):
        # the box rewrites its text to its last value on Return or when the focus leaves it.
        self._typed: str | None = None
        self.lineEdit().textEdited.connect(self._on_edited)

    def _on_edited(self, text: str) -> None:
        self._typed = text

    def entered(self) -> str:
        """What the box holds for the nurse: her last edit as typed, else the text the box shows
        (a score set with the arrow keys); "" when empty or the dash. Never `value()`: a score
        erased with Backspace left the value typed before it (review 46), and "4,5" read as 45
        (review 45)."""
        text = (self._typed if self._typed is not None else self.lineEdit().text()).strip()
        return "" if text == self.specialValueText() else text

    def show_entered(self) -> None:
        """Show what the nurse typed again (a refusal names it; the box had put its last value
        back)."""
        if self._typed is not None and self.lineEdit().text() != self._typed:
            self.lineEdit().setText(self._typed)

    def forget_typed(self) -> None:
        self._typed = None

    def clear_score(self) -> None:
        """No score set: the dash, and nothing typed."""
        self.forget_typed()
        self.setValue(EMPTY_SCORE)
        self.lineEdit().setText(self.specialValueText())   # whatever half-typed text it held

    def validate(self, text: str, pos: int) -> tuple[QtGui.QValidator.State, str, int]:
        state, text, pos = super().validate(text, pos)
        if state == QtGui.QValidator.State.Invalid and text.strip():
            return QtGui.QValidator.State.Intermediate, text, pos   # kept, never the value
        return state, text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        self.forget_typed()   # the arrows set a score: what was typed before is not the entry
        self.setValue(max(self.minimum(), min(self.top, self.value() + steps)))

    def stepEnabled(self) -> QtWidgets.QAbstractSpinBox.StepEnabledFlag:  # noqa: N802 - Qt's name
        enabled = super().stepEnabled()
        if self.value() >= self.top:
            enabled &= ~QtWidgets.QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        return enabled

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 - Qt's name
        typed = event.text()
        if self.value() == self.minimum() and self.lineEdit().text() == self.specialValueText() \
                and typed.isprintable() and typed.strip():
            self.lineEdit().setText("")
        super().keyPressEvent(event)


def _panel_style(t: theme.Theme) -> str:
    return (
        "QWidget {font-size:13pt;} QLineEdit {font-size:15pt;}"
        " QPushButton {padding:2px 6px;}"
        # Scale buttons: one box model whether marked or not (marking one never moves a
        # row); the button of the scale's latest value is filled, so it reads at a glance.
        f" QPushButton[current=\"false\"], QPushButton[current=\"true\"] {{border:1px solid {t.border};"
        f"border-radius:3px;padding:2px 6px;background:{t.button};color:{t.text};}}"
        f" QPushButton[current=\"false\"]:hover {{background:{t.accent_bg};}}"
        f" QPushButton[current=\"false\"]:pressed {{background:{t.alt_panel};}}"
        f" QPushButton[current=\"true\"] {{background:{t.selected_bg};color:{t.selected_text};"
        f"border-color:{t.selected_border};}}"
        " QPushButton[current=\"false\"]:focus, QPushButton[current=\"true\"]:focus"
        f" {{border-color:{t.focus_border};}}"
        f" QLabel[role=\"latest\"] {{font-size:12pt;color:{t.text};}}"
        # An ended session's scales must look as unusable as they are (a walk showed them lit).
        f" QPushButton[current=\"false\"]:disabled, QPushButton[current=\"true\"]:disabled"
        f" {{color:{t.inactive_text};background:{t.panel};}}")


def _set_property(widget: QtWidgets.QWidget, name: str, value: bool) -> None:
    """Set a property the style sheet reads, and restyle the widget when it changed."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)

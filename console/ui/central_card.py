"""One chair's card on the central station: it draws a `CardView` (console/central/board.py).

Look (the bedside's, console/ui/tiles.py and alarm_bar.py):

- The card is dark like a vital tile (`tile_bg`); red, yellow and cyan appear only where an
  alarm is: a vital over a limit, and the alarm line, in the alarm bar's IEC 60601-1-8 colours
  (`alarm_bar.COLOURS`). The alarm line flashes at the alarm bar's rates while the chair has not
  acknowledged it (high 2 Hz, medium 0.5 Hz: `FLASH_HALF_PERIOD_MS`), alternating with the dark
  phase in its colour so the text stays readable; acknowledged, low and info are steady.
- A value the bedside greys (too old, of unknown age, from a monitor not connected: the chair
  says so in its status) is a grey chip, never in an alarm colour; the alarm line still shows
  the alarm.
- The alarm line: the chair's highest alarm as the bedside words it ("(latched)" after a latched
  one's words), then the count of its others ("+1 more"); the note beside the Acknowledge
  button says only what this station did or knows ("silenced here", "ack not confirmed").
- The second line: patient · monitor state · soft tones · phase · protocol; the protocol, the
  phase, then the patient's label give way, never the monitor's or the sound's state
  (`info_parts`).
- Every text is drawn as written, never as markup (`plain`): the room, the patient's label and
  the alarm's words are what a chair sent ("Bay <B>" was drawn "Bay ", <B> taken for bold).
- While no ECG heart rate comes, the pulse takes the HR's place ("PR 132", board.PULSE_VITAL).
- A chair without connection is a grey card (`stale_bg`) saying "No connection" and since when,
  with nothing else: values that may be old are not shown as if current.
- Every line has its room reserved (header; patient · protocol · phase; BP; HR RR SpO2; alarm;
  Acknowledge and its note), so a card never changes size when an alarm or a note appears. Text
  that does not fit is elided with the whole text as its tooltip (ElidedLabel); a number is never
  elided: the fonts grow with the card (a 1920x1080 screen) and shrink until the widest value
  ("300/300 (300)") fits.

Signals:
    clicked(str): the card was clicked or Enter pressed on it (the chair's name): show its trend.
    acknowledge_clicked(str, object): its Acknowledge button was pressed: the chair's name and
        the alarm the button acted on as drawn (`CardView.target`, an AckTarget or None).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from console.central.board import AckTarget, AlarmLine, CardView, VitalView
from console.session.alarms import priority_marks
from console.session.conditions import short_text
from console.ui import theme
from console.ui.alarm_bar import COLOURS
from console.ui.elided_label import ELLIPSIS, ElidedLabel, GivesWay
from console.ui.markup import plain_tip
from console.ui.tiles import PhraseLabel, flash_colours
from protocols.model import Priority

BASE_HEIGHT = 160     # the card height the base point sizes are for (20 chairs at 1366x768)
MAX_SCALE = 1.6
# Base point sizes at BASE_HEIGHT.
ROOM_PT, ELAPSED_PT, INFO_PT, CAPTION_PT, VALUE_PT, ALARM_PT, BUTTON_PT, OFFLINE_PT = \
    11, 10, 9, 8, 13, 10, 9, 14
WIDEST_BP = "300/300 (300)"
WIDEST_RATE = "300"
ALARM_LINES = 2       # the alarm's text has two lines ("*** Respiratory rate 7 breaths/min, limit ≤8")
VALUE_STYLE = "padding:0 3px;border-radius:3px;"
# A vital drawn in another's place: the pulse where the HR is while no ECG heart rate watches
# the heart (board.PULSE_VITAL), captioned "PR" as a pulse oximeter's own display (Masimo's
# "PR bpm"): "Pulse" is 13 px wider than "HR", and at 20 chairs on 1366x768 every card's values
# would shrink a point and a half for it. Its tooltip says "Pulse rate".
# A vital's label -> (the place it takes, its caption there, the caption's tooltip).
IN_PLACE_OF: dict[str, tuple[str, str, str]] = {
    "Pulse": ("HR", "PR", "Pulse rate, where the HR is while no ECG heart rate comes")}


def ack_label(other: str) -> tuple[str, str]:
    """An Acknowledge button's text and tooltip: "Ack ** HR 125/min" and "Acknowledge ** HR
    125/min, limit >120" when it acts on `other`, an alarm sounding under the one shown
    (`CardView.sounding_other`), else "Acknowledge" (the card's and the trend strip's)."""
    if other:
        return f"Ack {other.split(',')[0]}", f"Acknowledge {other}"
    return "Acknowledge", "Acknowledge this alarm"


def title_parts(title: str, chair: str | None) -> tuple[GivesWay, ...]:
    """A card's title ("room", or "room · chair" when the room has more chairs) as parts of an
    `ElidedLabel` line: on a narrow card the room gives way from its start, word by word
    ("…bay 3 · chair-2"), then the chair's name. What tells two cards apart, the chair's name
    and the end of the room's name ("…bay 3", "…bay 4"), stays: cut at its end, two chairs of
    "Infusion suite, north wing, bay 3" both read "Infusion suite, nor…" (a code review)."""
    tail = f" · {chair}" if chair and title.endswith(f" · {chair}") else ""
    room = title[:len(title) - len(tail)]
    words = room.split(" ")
    shorter = tuple(ELLIPSIS + " ".join(words[i:]) for i in range(1, len(words)))
    return (GivesWay(room, shorter),) + ((GivesWay(tail, rank=1),) if tail else ())


def marks_part(priority: Priority) -> tuple[str, ...]:
    """The priority's marks ("*** ") as the first part of an `ElidedLabel` line, or none."""
    marks = priority_marks(priority)
    return (f"{marks} ",) if marks else ()


INFO_SEPARATOR = " · "


def info_parts(view: CardView) -> tuple[str | GivesWay, ...]:
    """A connected card's second line as parts of an `ElidedLabel` line: the patient, then the
    states a nurse must read, a silent or disconnected monitor (its values are grey meanwhile)
    and a quiet room's soft tones (this station is what its nurse will hear), then the phase,
    whether it ended, and the protocol. The protocol gives way first, then the phase, then the
    patient's label, cut at its end; never those states. Set whole, the line was cut at its
    end, and a 20-letter pseudonym at 20 chairs on 1366x768 read "Pseudonym Blue Heron ·
    Monitor disc…" (a review). Each separator goes with the part after it, or with the first
    part when that one gives way and the next stays: a part left out takes one with it."""
    if not view.has_session:
        return (INFO_SEPARATOR.join(p for p in ("No session", view.device_note) if p),)
    # (words, rank: the order they give way in, None: they stay)
    words: list[tuple[str, int | None]] = [
        (w, rank) for w, rank in (
            ("DEMO" if view.demo else "", None), (view.patient, 2), (view.device_note, None),
            (view.audio_note, None), (view.phase, 1), ("ended" if view.ended else "", None),
            (view.protocol, 0)) if w]
    texts = [w for w, _ in words]
    for i in range(1, len(words)):
        (_, before), (_, after) = words[i - 1], words[i]
        if after is None and before is not None and i - 1 == 0:
            texts[i - 1] += INFO_SEPARATOR   # the first part gives way: its separator after it
        else:
            texts[i] = INFO_SEPARATOR + texts[i]
    return tuple(text if rank is None else GivesWay(text, rank=rank)
                 for text, (_, rank) in zip(texts, words, strict=True))


def plain(label: QtWidgets.QLabel) -> QtWidgets.QLabel:
    """`label`, drawing its text as written: QLabel's AutoText takes a text that looks like
    HTML for markup, and a chair's room "Bay <B>" was drawn "Bay "."""
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    return label


def _font(points: float, bold: bool = False) -> QtGui.QFont:
    font = QtGui.QFont(QtWidgets.QApplication.font())
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def _restyle(widget: QtWidgets.QWidget, sheet: str) -> None:
    """Set a style sheet only when it changes: setting one restyles the widget and all its
    children (20 cards redrawn each second for their elapsed time cost tens of ms)."""
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)


class _Value(QtWidgets.QLabel):
    """A vital's number: its alarm colour behind it, never elided. Always under a style sheet
    (a style sheet changes a label's size hint: the size must not change with the colour)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed,
                           QtWidgets.QSizePolicy.Policy.Fixed)
        self.setStyleSheet(VALUE_STYLE)
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)


def _value_size(font: QtGui.QFont, text: str) -> QtCore.QSize:
    """The size a value label needs for `text` in `font` (measured on a label like it)."""
    probe = _Value("probe")
    probe.setFont(font)
    probe.setText(text)
    probe.ensurePolished()
    return probe.sizeHint()   # the probe has no parent: Python frees it


class AlarmBox(QtWidgets.QFrame):
    """The alarm line: its colour as the frame's background, the text in two lines inside."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("alarm_box")
        self.text = PhraseLabel(ALARM_PT, ALARM_LINES)
        self.text.setObjectName("card_alarm")
        self.text.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(5, 1, 5, 1)
        layout.addWidget(self.text)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Fixed)

    def set_points(self, points: float) -> None:
        font = _font(points, bold=True)
        self.text.setFont(font)
        self.text.lines = ALARM_LINES
        self.text.setFixedHeight(QtGui.QFontMetrics(font).lineSpacing() * ALARM_LINES + 2)
        self.setFixedHeight(self.text.height() + 2)
        # The same text in the new size, its short form kept: set again without it, a steady
        # line (acknowledged at the chair, a low) read "limit ≥1…" on a grown card until
        # its next change (a review).
        self.text.refit()

    def set_text(self, text: str, short: str = "", after: tuple[str, ...] = ()) -> None:
        """`text`, or where it does not fit in the lines `short` (the bedside's short form:
        "limit ≥110 or base +25" for "limit ≥110 or ≥25 above baseline", which 1366x768 cut),
        then the phrases `after` ("+1 more"), each whole on a line."""
        self.text.set_groups([[text, *after]] if text else [],
                             [[short, *after]] if short else None)   # and its tooltip
        if not text:
            self.text.setText("")

    def full_text(self) -> str:
        return self.text.full_text


class ChairCard(QtWidgets.QFrame):
    """One chair (see the module docstring). `show_view` draws a `CardView`."""

    clicked = QtCore.Signal(str)
    acknowledge_clicked = QtCore.Signal(str, object)

    def __init__(self, chair: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.chair = chair
        self.setObjectName("chair_card")
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.view: CardView | None = None
        self.flash_tick = 0
        self.scale = 1.0
        # What the alarm line shows now: (background, text). Tests read it.
        self.alarm_colours: tuple[str, str] | None = None

        self.room = ElidedLabel()
        self.room.setObjectName("card_room")
        self.elapsed = plain(QtWidgets.QLabel())
        self.elapsed.setObjectName("card_elapsed")
        self.elapsed.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight
                                  | QtCore.Qt.AlignmentFlag.AlignVCenter)
        header = QtWidgets.QHBoxLayout()
        header.setSpacing(6)
        header.addWidget(self.room, 1)
        header.addWidget(self.elapsed)

        # The live page: info, vitals, alarm, acknowledge.
        self.info = ElidedLabel()
        self.info.setObjectName("card_info")
        self.captions: dict[str, QtWidgets.QLabel] = {}
        self.values: dict[str, _Value] = {}
        bp_row = QtWidgets.QHBoxLayout()
        bp_row.setSpacing(4)
        rates_row = QtWidgets.QHBoxLayout()
        rates_row.setSpacing(4)
        for label, row in (("BP", bp_row), ("HR", rates_row), ("RR", rates_row),
                           ("SpO2", rates_row)):
            caption = plain(QtWidgets.QLabel(label))
            caption.setObjectName(f"caption_{label}")
            caption.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed,
                                  QtWidgets.QSizePolicy.Policy.Fixed)
            value = _Value(f"value_{label}")
            self.captions[label], self.values[label] = caption, value
            row.addWidget(caption)
            row.addWidget(value)
            row.addSpacing(6)
        bp_row.addStretch(1)
        rates_row.addStretch(1)
        self.alarm = AlarmBox()
        self.ack_button = QtWidgets.QPushButton("Acknowledge")
        self.ack_button.setObjectName("card_ack")
        self.ack_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)   # F2 works on the card
        self.ack_button.setCursor(QtCore.Qt.CursorShape.ArrowCursor)
        self.ack_button.clicked.connect(self._on_ack_clicked)
        self.note = ElidedLabel()
        self.note.setObjectName("card_note")
        # The row keeps its height whether the button shows or not (nothing above it moves); the
        # note starts at the left when there is no button ("acknowledged", "ack sent…").
        self.action_row = QtWidgets.QWidget()
        actions = QtWidgets.QHBoxLayout(self.action_row)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(6)
        actions.addWidget(self.ack_button)
        actions.addWidget(self.note, 1)
        live = QtWidgets.QWidget()
        live_layout = QtWidgets.QVBoxLayout(live)
        live_layout.setContentsMargins(0, 0, 0, 0)
        live_layout.setSpacing(3)
        live_layout.addWidget(self.info)
        live_layout.addLayout(bp_row)
        live_layout.addLayout(rates_row)
        # Room to spare (a large screen) goes between the values and the alarm: the alarm and
        # its button keep their place at the foot of every card.
        live_layout.addStretch(1)
        live_layout.addWidget(self.alarm)
        live_layout.addWidget(self.action_row)
        self.live_layout = live_layout

        # The page of a chair without connection.
        self.offline_title = plain(QtWidgets.QLabel("No connection"))
        self.offline_title.setObjectName("offline_title")
        # Wrapped, not elided: the page has the room, and the reason is what the nurse needs
        # ("(this station is not co…" at 20 chairs on 1366x768: a charge nurse's walk).
        self.offline_detail = plain(QtWidgets.QLabel())   # a Last Will's reason, as sent
        self.offline_detail.setWordWrap(True)
        self.offline_detail.setObjectName("offline_detail")
        offline = QtWidgets.QWidget()
        offline_layout = QtWidgets.QVBoxLayout(offline)
        offline_layout.setContentsMargins(0, 0, 0, 0)
        offline_layout.setSpacing(4)
        offline_layout.addStretch(1)
        offline_layout.addWidget(self.offline_title)
        offline_layout.addWidget(self.offline_detail)
        offline_layout.addStretch(2)

        self.pages = QtWidgets.QStackedWidget()
        self.pages.addWidget(live)
        self.pages.addWidget(offline)
        layout = self._layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 5)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Ignored)
        self._apply_fonts(1.0)
        theme.signals().changed.connect(self._on_theme_changed)

    # ---- size --------------------------------------------------------------------------------

    def _apply_fonts(self, scale: float) -> None:
        self.scale = scale
        self.room.setFont(_font(ROOM_PT * scale, bold=True))
        self.elapsed.setFont(_font(ELAPSED_PT * scale))
        self.info.setFont(_font(INFO_PT * scale))
        for caption in self.captions.values():
            caption.setFont(_font(CAPTION_PT * scale))
        self.alarm.set_points(ALARM_PT * scale)
        self.note.setFont(_font(INFO_PT * scale))
        self.ack_button.setFont(_font(BUTTON_PT * scale, bold=True))
        self.live_layout.setSpacing(round(3 * scale))
        self.offline_title.setFont(_font(OFFLINE_PT * scale, bold=True))
        self.offline_detail.setFont(_font(INFO_PT * scale))
        self._fit_values(self.width())
        self.ack_button.setFixedHeight(QtGui.QFontMetrics(self.ack_button.font()).height() + 8)
        self.action_row.setFixedHeight(self.ack_button.height())

    def _fit_values(self, width: int) -> None:
        """The largest value font (up to the scaled base) with which the widest BP, and the three
        rates side by side, fit the card's width."""
        inner = width - 16
        caption = QtGui.QFontMetrics(_font(CAPTION_PT * self.scale))
        # Each cell: caption, 4 px, value, 6 px after it; a caption as wide as the widest its
        # place may hold ("PR" in the HR's).
        widest = {place: caption.horizontalAdvance(place) for place in ("HR", "RR", "SpO2")}
        for place, shown, _tip in IN_PLACE_OF.values():
            widest[place] = max(widest[place], caption.horizontalAdvance(shown))
        rates_captions = sum(w + 4 + 6 for w in widest.values())
        bp_caption = caption.horizontalAdvance("BP") + 4 + 6
        points = VALUE_PT * self.scale
        while True:
            font = _font(points, bold=True)
            bp, rate = _value_size(font, WIDEST_BP), _value_size(font, WIDEST_RATE)
            if points <= 7 or (bp_caption + bp.width() <= inner
                               and rates_captions + 3 * rate.width() <= inner):
                break
            points -= 0.5
        for label, value in self.values.items():
            value.setFont(font)
            value.setFixedSize(bp if label == "BP" else rate)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 - Qt override
        scale = max(1.0, min(MAX_SCALE, event.size().height() / BASE_HEIGHT))
        if abs(scale - self.scale) > 0.04:
            self._apply_fonts(scale)
        else:
            self._fit_values(event.size().width())
        self._layout.activate()
        super().resizeEvent(event)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt override
        return QtCore.QSize(265, BASE_HEIGHT)

    # ---- content -----------------------------------------------------------------------------

    def _on_theme_changed(self, _theme: theme.Theme) -> None:
        view, self.view = self.view, None
        if view is not None:
            self.show_view(view)

    def show_view(self, view: CardView) -> None:
        """Draw `view` (nothing is redrawn when it is the same)."""
        if view == self.view:
            return
        self.view = view
        t = theme.current()
        connected = view.connected
        background, text = (t.tile_bg, t.tile_text) if connected else (t.stale_bg, t.stale_text)
        _restyle(self,
                 f"ChairCard {{background:{background};border-radius:6px;"
                 f"border:2px solid {background};}}"
                 f"ChairCard:focus {{border:2px solid {t.focus_border};}}"
                 f"QLabel {{color:{text};background:transparent;}}")
        self.room.set_parts(*title_parts(view.title, view.chair))
        self.elapsed.setText(view.elapsed if connected and view.has_session else "")
        self.pages.setCurrentIndex(0 if connected else 1)
        self.setToolTip(plain_tip(view.chair if connected
                                      else f"{view.chair}: {view.connection_text}"))
        if not connected:
            self.offline_detail.setText(view.connection_text.removeprefix("No connection").strip())
            self.alarm_colours = None
            return
        self.info.set_parts(*info_parts(view))
        shown: dict[str, tuple[VitalView | None, str, str]] = {}
        for vital in view.vitals:
            place, words, hint = IN_PLACE_OF.get(vital.label, (vital.label, vital.label, ""))
            shown[place] = (vital, words, hint)
        for label, value in self.values.items():
            in_place, words, hint = shown.get(label, (None, label, ""))
            self.captions[label].setText(words)
            self.captions[label].setToolTip(hint)
            self._show_value(value, in_place, view.has_session)
        for caption in self.captions.values():
            caption.setVisible(view.has_session)
        self.ack_button.setVisible(view.can_acknowledge)
        # An alarm sounding under the one shown: the button names it ("Ack ** HR 125/min"), the
        # note line being too short at 20 chairs to say it (a walk found "+1 more · soundin…").
        text, tip = ack_label(view.sounding_other)
        self.ack_button.setText(text)
        self.ack_button.setToolTip(plain_tip(tip))
        # The central's own words alone: at 20 chairs on 1366x768 this line has some 15
        # letters beside "Ack ** HR 125/min", and the count before them read "+1 more · lat…",
        # "ack not …" (a review). The count is on the alarm's line, a latched state there too.
        self.note.setText(view.alarm.note_beside() if view.alarm is not None else "")
        self._render_alarm()

    def _show_value(self, label: QtWidgets.QLabel, vital: VitalView | None,
                    has_session: bool) -> None:
        if not has_session or vital is None:
            label.setText("")
            _restyle(label, VALUE_STYLE)
            label.setToolTip("")
            return
        label.setText(vital.text)
        label.setToolTip(plain_tip(vital.tooltip))
        if vital.stale:
            t = theme.current()
            _restyle(label, f"background:{t.stale_bg};color:{t.stale_text};{VALUE_STYLE}")
        elif vital.priority is not None and vital.priority > Priority.INFO:
            back, fore = COLOURS[vital.priority]
            _restyle(label, f"background:{back};color:{fore};{VALUE_STYLE}")
        else:
            _restyle(label, VALUE_STYLE)

    def flashing(self) -> bool:
        """The alarm line flashes now."""
        view = self.view
        return view is not None and view.connected and view.alarm is not None \
            and view.alarm.flashing

    def set_flash_tick(self, tick: int) -> None:
        self.flash_tick = tick
        if self.flashing():
            self._render_alarm()

    def _render_alarm(self) -> None:
        view = self.view
        alarm: AlarmLine | None = view.alarm if view is not None else None
        if alarm is None:
            self.alarm.set_text("")
            _restyle(self.alarm, "QFrame#alarm_box {background:transparent;}")
            self.alarm_colours = None
            return
        colours = flash_colours(alarm.priority, alarm.flashing, self.flash_tick)
        self.alarm_colours = colours
        marks = priority_marks(alarm.priority)
        # Latched as the bedside's alarm area says it, right after the alarm's words; then only
        # the count of the others: the vitals' colours and the trend's strip carry their
        # priorities.
        state = " (latched)" if alarm.latched else ""
        more = (f"+{len(alarm.others)} more",) if alarm.others else ()
        # Two consoles under this chair's name: the line names whose alarm it is (the title is
        # whichever's status came last), its short form kept (board.AlarmLine.room).
        where = f"{alarm.room}: " if alarm.room else ""
        self.alarm.set_text(f"{marks} {where}{alarm.text}{state}".strip(),
                            f"{marks} {where}{short_text(alarm.text)}{state}".strip(), more)
        _restyle(self.alarm, f"QFrame#alarm_box {{background:{colours[0]};border-radius:3px;}}"
                             f"QLabel {{color:{colours[1]};background:transparent;}}")

    # ---- input -------------------------------------------------------------------------------

    def shown_target(self) -> AckTarget | None:
        """The alarm this card's Acknowledge acts on as drawn (what the nurse sees), or None."""
        return self.view.target if self.view is not None and self.view.connected else None

    @QtCore.Slot()
    def _on_ack_clicked(self) -> None:
        self.acknowledge_clicked.emit(self.chair, self.shown_target())

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() is QtCore.Qt.MouseButton.LeftButton \
                and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.chair)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            self.clicked.emit(self.chair)
            return
        super().keyPressEvent(event)

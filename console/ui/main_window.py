"""The console's window: the start screen (with any session left open offered for resumption),
then the live session window once a session is open."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import Clock
from console.records import ENGINE, ObservationRecord, Record, Recorder, SessionOpened
from console.session.alarm_area import NewAlarmWatch
from console.session.chair_identity import ChairIdentity
from console.session.engine import Patient, SessionEngine
from console.session.left_open import (
    LeftOpen,
    device_read_last,
    left_open,
    left_open_for,
    open_under_other_protocols,
    plays_new_simulator,
)
from console.session.lock import DEFAULT_LOCK_AFTER_S
from console.session.signing import SignatureService
from console.session.start_checks import RESUME_WITHIN_HOURS
from console.session.journal import Journal, when
from console.session.protocol_record import ProtocolMissing
from console.store.session_claim import SessionClaims, SessionInUse
from console.store import EventLog, LogError, SessionRow
from console.store.identity_store import current_staff
from console.ui import theme
from console.ui.audio import AlarmSounder, AudioOut
from console.ui.checklist_panel import Asker, DialogAsker
from console.ui.controller import SessionController
from console.ui.elided_label import ElidedLabel
from console.ui.entry_panel import UNSAVED_LOST, Confirmer, DialogConfirmer
from console.ui.fault_handler import FaultHandler
from console.ui.live_window import LiveWindow
from console.ui.session_fallback import SessionFallback, discard_half_built, report
from console.ui.shown_log import ShownLog
from console.ui.window_front import TypeAheadGuard, bring_forward
from console.version import VERSION
from devices.formats import FORMATS
from protocols.loader import LoadResult
from protocols.model import DoseMode

if TYPE_CHECKING:
    from console.identity import Staff
    from console.ui.review_launcher import ReviewLauncher
    from console.ui.start_screen import StartRequest, StartScreen   # shown on demand (P7)

EngineFactory = Callable[[Recorder], SessionEngine]
Device = tuple[str, str]   # port or URL, format name

TITLE = "Infusion console"
DEMO_TITLE = f"{TITLE} — DEMO, not patient data"
"""The window's title while a demo session is open: the taskbar, Alt+Tab and a screen-sharing
list show the title, not the header's DEMO banner, and read a demo as a real chair's console."""
QWIDGETSIZE_MAX = (1 << 24) - 1   # Qt's largest widget size (QWIDGETSIZE_MAX)
# The rows a 1366x768 screen has left above the live window (tests/ui/test_live_layout.py):
# the fault bar takes no more, or the entry form's last rows go off the screen. The status line
# has no rows left beside it: the bar's row says its words (`MainWindow._place_status_line`).
FAULT_BAR_HEIGHT = 20
RESTART_NOT_POSSIBLE = "Restart not possible — the console keeps running: call support."
"""The fault bar's line when "Restart and resume" cannot start the new process (its interpreter
gone): what to do, whole at 1366 px; the reason and the fault are in its tooltip."""
RESTART_HELD = "Not restarted: the console runs on until the log is writable."
"""The fault bar's line when "Restart and resume" is pressed while records are held in memory,
or while the log refuses the new process's start (locked, a full disk) with nothing held: the
new process would refuse the log and exit, no console and no alarm left, the records held going
to a file instead of the log. Whole at 1366 px; the log's own words (the cause, what to do)
follow it."""
RESUME_TO_DISCHARGE = "Resume to discharge it"
"""The button of a session left open too long ago for a start to resume (the command line's
words: "To end it, resume it with --resume N and discharge it")."""
ACCOUNTS_APPEARED = ("Staff accounts now exist in this session log: sign in with your name or "
                     "badge and your PIN or password to start.")
OFFERS_IN_SIGHT = 2
"""Offers of sessions left open in sight at once on the start page; more scroll (the start form
and its Start button must stay on a 1366x768 screen)."""
OFFERS_CHECK_MS = 5000
"""How often the start page asks whether a session was opened or ended in the log, or another
console started or stopped running one (`MainWindow.recheck_offers`): a read of the open
sessions and a lock test per session, nothing written."""


def session_words(row: SessionRow, protocol: bool = False) -> str:
    """How the start page names a session: by its number in the course, the number the start
    form shows ("session 1"), the log's number added where it differs, for support (`--resume
    N`): "session 1 (log no. 3, iv-ketamine)". The form said "Resume session 1" and Start then
    asked "Resume session 3?" of the same session."""
    more = [f"log no. {row.id}"] * (row.id != row.session_number) + [row.protocol_id] * protocol
    return f"session {row.session_number}" + (f" ({', '.join(more)})" if more else "")


def _ended_words(row: SessionRow) -> str:
    """"has ended (discharged at 09:45)"."""
    ended = row.ended_at.astimezone() if row.ended_at is not None else None
    return "has ended" + (f" (discharged at {ended:%H:%M})" if ended is not None else "")


class SessionHasEnded(Exception):
    """The session offered (or asked for) has ended since: another console discharged it."""

    def __init__(self, row: SessionRow) -> None:
        self.row = row
        super().__init__(f"{session_words(row).capitalize()} {_ended_words(row)}")


class SessionWindowNotBuilt(Exception):
    """`MainWindow.open_session`: the session opened and runs, but its live window could not be
    built (a bug): its fallback page (console/ui/session_fallback.py) shows its alarms."""


class _WindowKeysFirst(QtCore.QObject):
    """Ctrl+D (the theme switch) and Ctrl+E (to the vitals form) reach the window from a text
    field too.

    Under Qt's X11 key bindings (an X11 desktop session; offscreen Qt uses others) a line edit
    takes Ctrl+D as "delete the character right of the cursor" and Ctrl+E as "go to the end of
    the line", so it claims both keys before any shortcut: with the keyboard in a field, Ctrl+D
    did nothing, and Ctrl+E left the keyboard where it was, so a BP typed after it went into the
    free note ("Note: 150/95", no reading, no alarm: a nurse walk on X). Installed on the widget
    that has the focus, this filter takes that claim away for these keys alone (the event is
    swallowed, not accepted, so the shortcut map dispatches it to the window's shortcut).
    """

    KEYS = frozenset(QtCore.QKeyCombination(QtCore.Qt.KeyboardModifier.ControlModifier, key)
                     for key in (QtCore.Qt.Key.Key_D, QtCore.Qt.Key.Key_E))

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        return (event.type() == QtCore.QEvent.Type.ShortcutOverride
                and isinstance(event, QtGui.QKeyEvent) and event.keyCombination() in self.KEYS)


class _OffersArea(QtWidgets.QScrollArea):
    """The start page's offers of sessions left open: as high as its first OFFERS_IN_SIGHT
    offers wrapped at its width; the others scroll."""

    def __init__(self, offers: QtWidgets.QWidget) -> None:
        super().__init__()
        self.setObjectName("offers_area")
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                           QtWidgets.QSizePolicy.Policy.Fixed)
        self.setWidget(offers)

    def _in_sight_height(self) -> int:
        offers = self.widget()
        layout = offers.layout() if offers is not None else None
        if layout is None:
            return 0
        # Before it is shown its width is Qt's placeholder (about 100 px), wrapping an offer to
        # ten lines: the window grew past the screen at its first show. An offer's own hint
        # then (too tall by a line or two, never by ten).
        width = self.viewport().width() if self.isVisible() else 0
        heights = []
        for index in range(min(OFFERS_IN_SIGHT, layout.count())):
            item = layout.itemAt(index)
            offer = item.widget() if item is not None else None
            if offer is None:
                continue
            offer.ensurePolished()   # its style sheet's font decides its height
            # Wrapped at the width it has (a label's own hint guesses another width: 118 px
            # for a 70 px offer).
            heights.append(offer.heightForWidth(width) if width > 0 and offer.hasHeightForWidth()
                           else offer.sizeHint().height())
        return sum(heights) + max(0, layout.spacing()) * max(0, len(heights) - 1)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt's name
        return QtCore.QSize(super().sizeHint().width(), self._in_sight_height())

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt's name
        return QtCore.QSize(super().minimumSizeHint().width(), self._in_sight_height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()   # the offers wrap anew: the height in sight changes


class MainWindow(QtWidgets.QMainWindow):
    """Hosts the start screen, then one live session.

    Attributes:
        controller / live: set once a session is open (`live` None while `fallback` stands).
        fallback: the page shown in place of a live window that could not be built (a bug).
        start_monitor: (port, monitor) every start screen opens with (`preset_start_monitor`:
            a chair's launcher's `--device` and `--format` / `--device-profile`); None: none.
        shown_log: where `--shown-log` copies what the window shows (None: no copy).

    Signals:
        session_opened: a session (new or resumed) is live; carries its controller.
        session_closed: the ended session's window went (back to the start screen).
    """

    session_opened = QtCore.Signal(object)
    session_closed = QtCore.Signal()

    def __init__(self, log: EventLog, loaded: LoadResult, clock: Clock, audio_out: AudioOut,
                 cleanups: list[Callable[[], None]], confirmer: Confirmer | None = None,
                 asker: Asker | None = None, shown_log: Path | None = None,
                 fault_handler: FaultHandler | None = None, start_page: bool = True,
                 staff: Staff | None = None, lock_after_s: float = DEFAULT_LOCK_AFTER_S,
                 station: str = "chair",
                 signature_service: SignatureService | None = None) -> None:
        """`start_page=False` when a session opens at once (command line, demo, resume): the
        start screen is then built only if the nurse asks for it after that session.

        `staff`: the log's accounts (default: built on first need, with the production
        hasher); `lock_after_s`: the idle lock's time; `station`: this station's name in
        `sign_ins`. Identity is enforced only once the log holds an account (lock.py).
        `signature_service`: asks for a signature's PIN (default: the signature dialog)."""
        super().__init__()
        self.setWindowTitle(TITLE)
        self.resize(1366, 768)
        self.log = log
        self.protocols = loaded.protocols
        self.clock = clock
        self.audio_out = audio_out
        self.cleanups = cleanups
        self.claims = SessionClaims(log.path)   # one console per running session
        cleanups.append(self.claims.close)
        self.confirmer = confirmer or DialogConfirmer(self)
        self.asker = asker or DialogAsker(self)
        self.controller: SessionController | None = None
        self._staff = staff
        self.signature_service = signature_service
        self.lock_after_s = lock_after_s
        self.station = station
        self.network_shown = False   # a clinic network is set up: the status line stays
        # Its state's label in the status line (app.network_label), found once it is shown.
        self._network_state: QtWidgets.QWidget | None = None
        self._unsaved_line = ""   # the status line's NOT SAVED while records are held, else ''
        self.live: LiveWindow | None = None
        self.fallback: SessionFallback | None = None
        self.sounder: AlarmSounder | None = None
        self.new_alarms = NewAlarmWatch()
        self.fronted = 0   # times an alarm brought this window to the front (for tests)
        self.type_ahead: TypeAheadGuard | None = None   # on a question an alarm brought back
        self.shown_log = shown_log
        self.shown: ShownLog | None = None
        self.fault_handler = fault_handler
        self.restart_argv: list[str] = []   # set by "Restart and resume"; run() executes it
        self._held_fault = ""   # the fault bar's line a held-back restart replaced (`RESTART_HELD`)
        # The log refused the restart's try of it with nothing held: said until the next press
        # (no write of what is held will say the log is back).
        self._restart_tried_log = False
        # This chair's own launch options (app.relaunch_options): a restart keeps them.
        self.launch_options: list[str] = []
        # Given again only with a session to resume (a demo's scenario), or only without one
        # (the monitor a start screen's launcher preset): app.relaunch_*_options say why.
        self.launch_options_to_resume: list[str] = []
        # Starts a simulated monitor for a demo session resumed here: (its port and format,
        # what starts it playing once the port is open). Set by the app.
        self.demo_monitor: Callable[[], tuple[Device, Callable[[], None],
                                              Callable[[], None]]] | None = None
        self.fault_bar = self._make_fault_bar()
        if fault_handler is not None:
            fault_handler.fault.connect(self._on_fault)
        self.load_errors = [str(e) for e in loaded.errors]
        self.start_screen: StartScreen | None = None
        self.start_monitor: tuple[str | None, str | None] = (None, None)
        self.resume_buttons: list[QtWidgets.QPushButton] = []
        self._offered_elsewhere: dict[int, bool] = {}   # offer -> "running in another console"
        if start_page:
            self.show_start_page()
        self.statusBar().setObjectName("status")
        self.statusBar().showMessage(f"Session log: {log.path}")
        self.review_action = self.menuBar().addMenu("&Review").addAction("Review past sessions…")
        self.review_action.setShortcut("Ctrl+R")
        self.review_action.triggered.connect(self.open_review)
        self.addAction(self.review_action)   # Ctrl+R still works once the menu bar is hidden
        # Staff ▸ Staff accounts… (issue 13): an administrator's sign-in, then the accounts.
        self.staff_action = self.menuBar().addMenu("&Staff").addAction("Staff accounts…")
        self.staff_action.setObjectName("staff_accounts")
        self.staff_action.triggered.connect(self.open_staff_admin)
        # The dim theme for a darkened room, and back (console/ui/theme.py); like Ctrl+R it is
        # the window's action, so it works while a session hides the menu bar.
        self.theme_action = self.menuBar().addMenu("&View").addAction("Dim theme for a dark room")
        self.theme_action.setObjectName("toggle_theme")
        self.theme_action.setCheckable(True)
        self.theme_action.setShortcut("Ctrl+D")
        self.theme_action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        self.theme_action.triggered.connect(self.toggle_theme)
        self.addAction(self.theme_action)
        theme.signals().changed.connect(self._on_theme_changed)
        self._on_theme_changed(theme.current())
        self._window_keys_first = _WindowKeysFirst(self)
        app = QtWidgets.QApplication.instance()
        if isinstance(app, QtWidgets.QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    @QtCore.Slot()
    def toggle_theme(self) -> None:
        """Ctrl+D: light to dim or back, at once, for the whole console."""
        app = QtWidgets.QApplication.instance()
        if isinstance(app, QtWidgets.QApplication):
            theme.toggle(app)

    def _on_focus_changed(self, _old: QtWidgets.QWidget | None, new: QtWidgets.QWidget | None) -> None:
        if new is not None and new.window() is self:
            new.installEventFilter(self._window_keys_first)   # once per widget: Qt keeps no duplicate

    def _on_theme_changed(self, now: theme.Theme) -> None:
        """Restyle what this window styled itself (the palette does the rest)."""
        self.theme_action.setChecked(now.name == theme.DIM.name)
        # Looked up, not kept: the start page is deleted when a session opens.
        for label in self.findChildren(QtWidgets.QLabel, "start_error"):
            label.setStyleSheet(self._start_error_style())
        for name in ("resume_offer", "first_admin_notice"):
            for box in self.findChildren(QtWidgets.QFrame, name):
                box.setStyleSheet(self._resume_style())

    # ---- staff accounts (issue 13) ------------------------------------------------------------

    def has_accounts(self) -> bool:
        """The log holds a staff account: identity is enforced (the transitional rule)."""
        return bool(current_staff(self.log.conn))

    @property
    def staff(self) -> Staff:
        """The log's staff accounts (the identity layer is loaded on first need: P7)."""
        if self._staff is None:
            from console.identity import Staff  # noqa: PLC0415

            self._staff = Staff(self.log)
        return self._staff

    def _first_admin_notice(self) -> QtWidgets.QFrame:
        """'No staff accounts yet' with the button that creates the first administrator."""
        from console.ui.staff_dialogs import FIRST_ADMIN_NOTICE  # noqa: PLC0415 - on demand (P7)

        box = QtWidgets.QFrame()
        box.setObjectName("first_admin_notice")
        box.setStyleSheet(self._resume_style())
        row = QtWidgets.QHBoxLayout(box)
        label = QtWidgets.QLabel(FIRST_ADMIN_NOTICE)
        label.setObjectName("first_admin_text")
        button = QtWidgets.QPushButton("Create the first administrator…")
        button.setObjectName("first_admin_button")
        button.setAutoDefault(True)   # Enter on it presses it, as on the form below
        button.setStyleSheet("font-size:15pt;padding:6px 14px;")
        button.clicked.connect(self.open_first_admin_dialog)
        self.first_admin_button = button
        row.addWidget(label, 1)
        row.addWidget(button)
        return box

    def open_first_admin_dialog(self) -> QtWidgets.QDialog:
        """The first-administrator dialog (shown, not modal: the station keeps running)."""
        from console.ui.staff_dialogs import FirstAdministratorDialog  # noqa: PLC0415

        dialog = FirstAdministratorDialog(self.staff, self.clock, self)
        dialog.created.connect(self._on_first_admin_created)
        dialog.administrator_exists.connect(self._on_administrator_appeared)
        self.first_admin_dialog = dialog
        dialog.open()
        return dialog

    def _ask_first_admin(self) -> None:
        """First start: open the first-administrator dialog once the start page is up."""
        if self.start_screen is None or self.live is not None \
                or getattr(self, "first_admin_dialog", None) is not None:
            return   # a session already opened (a command-line session): never over it
        try:
            if self.has_accounts():
                return
        except RuntimeError:   # the window is being closed with its log: nobody to ask
            return
        self.open_first_admin_dialog()

    def open_staff_admin(self) -> QtWidgets.QDialog | None:
        """Staff ▸ Staff accounts…: the first administrator on a log without accounts, else an
        administrator's sign-in and the administration dialog (console/ui/staff_dialogs.py).

        One at a time: the one open comes to the front. Chosen again (the first had gone
        behind the window), a second opened, and a session starting closed only that one: the
        first stayed over the live session, signed in as the administrator."""
        if not self.has_accounts():
            return self.open_first_admin_dialog()
        open_now: QtWidgets.QDialog | None = getattr(self, "staff_admin_dialog", None)
        if open_now is not None and open_now.isVisible():
            open_now.raise_()
            open_now.activateWindow()
            return open_now
        from console.ui.staff_dialogs import open_staff_admin  # noqa: PLC0415 - on demand (P7)

        dialog = open_staff_admin(self, self.log, None, self.clock, self.staff,
                                  lock_after_s=self.lock_after_s)
        self.staff_admin_dialog = dialog
        return dialog

    def _on_first_admin_created(self, _account: object) -> None:
        if self.first_admin_notice is not None:
            self.first_admin_notice.hide()
        if self.start_screen is not None:   # from now on a session starts with a sign-in
            self.start_screen.require_sign_in(True)

    def _on_administrator_appeared(self) -> None:
        """The first-administrator dialog found an administrator made meanwhile (IT's `staff
        add` on this log): the page asks for the nurse's sign-in now, as after a Create, not
        first at the next Start (`_accounts_appeared`)."""
        self._on_first_admin_created(None)

    def _signatures(self) -> SignatureService:
        """Who asks for a signature's PIN at this chair (the dialog unless one was given)."""
        if self.signature_service is None:
            from console.ui.signature_dialog import DialogSignatureService  # noqa: PLC0415

            self.signature_service = DialogSignatureService(self)
        return self.signature_service

    def _chair_identity(self) -> ChairIdentity | None:
        if not self.has_accounts():
            return None
        return ChairIdentity(self.staff, self.clock.now().mono, self.lock_after_s, self.station)

    def present(self, kiosk: bool = False) -> None:
        """Show the window filling the screen it is on (maximised; full screen on a kiosk).

        A fixed 1366x768 window left most of a 1920x1080 screen unused and the tiles small.
        """
        if kiosk:
            self.showFullScreen()
        else:
            self.showMaximized()

    def show_start_page(self) -> None:
        """The start screen, with any session left open offered for resumption."""
        from console.ui.start_screen import StartScreen  # noqa: PLC0415 - only when shown (P7)

        self.start_screen = StartScreen(
            self.protocols, self.load_errors,
            lambda patient_id: [row.protocol_id
                                for row in self.log.sessions_for_patient(patient_id)],
            resumes=self._start_resumes)
        self.start_screen.start_requested.connect(self._on_start_requested)
        self.start_screen.require_sign_in(self.has_accounts())
        # The next patient at this chair is on the same monitor: its launcher's, not "Manual
        # entry only" again after each discharge. Offered once already, so offered again.
        with contextlib.suppress(ValueError):
            self._apply_start_monitor(self.start_screen)
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.addWidget(self.fault_bar)
        self.resume_buttons = []
        self.first_admin_notice: QtWidgets.QFrame | None = None
        if not self.has_accounts():   # the transitional rule (console/session/lock.py)
            self.first_admin_notice = self._first_admin_notice()
            layout.addWidget(self.first_admin_notice)
            if self.log.conn.execute(
                    "SELECT NOT EXISTS (SELECT 1 FROM sessions WHERE demo = 0)").fetchone()[0]:
                # First start (a new log: no account, no session yet): the console asks for the
                # first administrator before anything else (issue 13). Cancelled, the notice
                # stays and the log runs under the transitional rule until one is created. A
                # demo's session is no patient's (README "The demo session needs no account"):
                # counted, the README's `./run.sh` took the question from the clinic's first start.
                QtCore.QTimer.singleShot(0, self, self._ask_first_admin)   # not after the window
        # The offers in a box of their own: refreshed when one turns out to be stale. It scrolls,
        # about OFFERS_IN_SIGHT of them high: stacked on the page, eight put the Start button
        # below a 1366x768 screen. A line above says how many there are.
        self.offers_count = QtWidgets.QLabel()
        self.offers_count.setObjectName("offers_count")
        self.offers_count.setStyleSheet("font-size:14pt;font-weight:bold;")   # the offers' size
        self.offers_count.hide()
        layout.addWidget(self.offers_count)
        self.offers = QtWidgets.QWidget()
        QtWidgets.QVBoxLayout(self.offers).setContentsMargins(0, 0, 0, 0)
        self.offers_area = _OffersArea(self.offers)
        layout.addWidget(self.offers_area)
        self._refresh_offers()
        # Another console's session is looked at again: its console may have stopped since (its
        # session then left open, its alarms running nowhere) or resumed one left open here.
        # Built once, the page said "running in another console" with no button for as long as
        # it stood. The page's child: it stops with the page.
        self.offers_check = QtCore.QTimer(page)
        self.offers_check.setInterval(OFFERS_CHECK_MS)
        self.offers_check.timeout.connect(self.recheck_offers)
        self.offers_check.start()
        # A log that stopped taking writes after start-up refuses a new or resumed session here
        # (R5: no session starts on a log that cannot be written), naming the file and the cause.
        self.start_error = QtWidgets.QLabel()
        self.start_error.setObjectName("start_error")
        self.start_error.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # names the log's path
        self.start_error.setWordWrap(True)
        self.start_error.setStyleSheet(self._start_error_style())
        self.start_error.hide()
        layout.addWidget(self.start_error)
        layout.addWidget(self.start_screen, 1)
        self.setCentralWidget(page)
        page.show()   # a page set on a window already shown stays hidden until told
        # Typing starts in the patient ID: the page's first button in tab order (the first
        # administrator's, a session's Resume) took the focus, and an ID typed at once was lost.
        self.start_screen.patient_edit.setFocus()

    def _start_resumes(self, patient_id: str, protocol_id: str) -> LeftOpen | None:
        """The session of this patient and protocol that Start would resume
        (`_on_start_requested`), None when Start opens a new one."""
        try:
            met = left_open_for(self.log, patient_id, protocol_id, self.clock.now().wall)
        except LogError:
            return None   # a new session's number and dose are asked; Start says the refusal
        return met if self.resumed_by_start(met) else None

    def resumed_by_start(self, met: LeftOpen | None) -> bool:
        """Whether Start resumes `met` (`left_open_for`'s): recent, and no other console runs
        it. One run at another chair is not left open: the form had said "Start resumes
        session 1" under an offer saying it runs in another console."""
        return met is not None and met.recent and not self.claims.running_elsewhere(met.row.id)

    def _refresh_offers(self, rows: list[SessionRow] | None = None) -> None:
        """The start page's offers as the log has them now (a session ended since goes), or of
        `rows` (the log's open sessions just read).

        Raises:
            LogError: the log refused the read; the offers shown stay as they were.
        """
        buttons, elsewhere = self.resume_buttons, self._offered_elsewhere
        self.resume_buttons, self._offered_elsewhere = [], {}
        try:   # built before the old ones go: a refused read leaves them on screen
            offers = [self._resume_offer(row)
                      for row in (self.log.open_sessions() if rows is None else rows)]
        except LogError:
            self.resume_buttons, self._offered_elsewhere = buttons, elsewhere
            raise
        layout = self.offers.layout()
        assert layout is not None
        while (item := layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        for offer in offers:
            layout.addWidget(offer)
        self._fit_offers(offers)

    def _fit_offers(self, offers: list[QtWidgets.QWidget]) -> None:
        """The offers' box shown while there are any, and the line saying how many there are
        when some are out of sight."""
        self.offers_area.setVisible(bool(offers))
        self.offers_area.updateGeometry()
        more = len(offers) > OFFERS_IN_SIGHT
        self.offers_count.setText(f"{len(offers)} sessions are offered: scroll the list to see "
                                  "them all." if more else "")
        self.offers_count.setVisible(more)

    @QtCore.Slot()
    def recheck_offers(self) -> None:
        """Rebuild the offers when a session was opened or ended since they were built, or
        another console has started or stopped running one of them (`offers_check`). Only the
        offers box: what the nurse is typing stays as it is."""
        if self.controller is not None or self.log.closed:
            # a session took the page (deleted later); or the console is closing, its log
            # closed first, the window not yet (a timer fired then raised: CI, review 44)
            return
        try:
            # The log's open sessions, not only those offered: one another chair started and
            # left open (its console crashed) after the page was built was never offered.
            rows = self.log.open_sessions()
        except LogError:
            return   # the offers stay as they were (a start or resume says why)
        now = {row.id: self.claims.running_elsewhere(row.id) for row in rows}
        if now == self._offered_elsewhere:
            return
        try:
            self._refresh_offers(rows)
        except LogError:
            # The log refused a read: the offers stay as they were (a start or resume says why).
            self._offered_elsewhere = now
            return   # and so does the form (Start reads it again: `_form_changed`)
        if self.start_screen is not None:
            # What Start resumes changes with the offers: the form said "Resume session 1"
            # after its session was discharged at another chair (Enter opened a second
            # "session 1"), or "Start session" for a session whose console had stopped.
            self.start_screen.look_again()

    def preset_start_monitor(self, port: str | None, monitor: str | None) -> None:
        """Open this start screen and every later one (after each discharge) with the Device
        `port` and the Monitor `monitor` (a format or profile name) chosen; None leaves that
        box as the start screen has it.

        Raises:
            ValueError: the start screen does not offer `monitor` (the preset stays as it was).
        """
        previous = self.start_monitor
        self.start_monitor = (port, monitor)
        if self.start_screen is not None:
            try:
                self._apply_start_monitor(self.start_screen)
            except ValueError:
                self.start_monitor = previous
                raise

    def _apply_start_monitor(self, screen: StartScreen) -> None:
        port, monitor = self.start_monitor
        if monitor is not None:
            index = screen.format_combo.findData(monitor)
            if index < 0:
                raise ValueError(f"{monitor}: the start screen does not offer this monitor")
            screen.format_combo.setCurrentIndex(index)
        if port is not None:
            screen.port_combo.setCurrentText(port)

    def _on_new_session_requested(self) -> None:
        """After a discharge: back to the start screen; the ended session's window goes (asked
        first while the discharge is not in the log yet: `_discharge_left`)."""
        if not self._discharge_left("New session", "Go to a new session anyway?"):
            return
        if self.controller is not None:
            self.controller.stop()
        if self.sounder is not None:
            self.sounder.unbind()   # its timer would go on reading the speaker for nobody
        self.controller, self.live, self.fallback = None, None, None
        self.setWindowTitle(TITLE)
        self.session_closed.emit()
        # The menu bar comes back once the start page has taken the ended session's place: shown
        # above the live window (which needs every row of 1366x768), it grew the window to 774 px
        # for the next patient's whole session (a window never shrinks back by itself).
        self.show_start_page()
        self.menuBar().show()
        self.statusBar().setStyleSheet("")
        self.statusBar().showMessage(f"Session log: {self.log.path}")
        self.statusBar().show()
        self._place_status_line()   # no NOT SAVED of the session left in the fault bar

    # ---- opening a session --------------------------------------------------------------------

    def open_session(self, make_engine: EngineFactory, device: Device | None,
                     on_connecting: Callable[[], None] | None = None,
                     history: list[tuple[int | None, Record]] | None = None,
                     identity: ChairIdentity | None = None) -> LiveWindow:
        """`open_session_or_fallback`, for a caller that needs the live window.

        Raises:
            ClaimUnavailable: as `open_session_or_fallback`.
            SessionWindowNotBuilt: the session opened and runs on its fallback page.
        """
        live = self.open_session_or_fallback(make_engine, device, on_connecting, history,
                                             identity)
        if live is None:
            raise SessionWindowNotBuilt("the session window could not be built: the session "
                                        "runs on its fallback page")
        return live

    def open_session_or_fallback(self, make_engine: EngineFactory, device: Device | None,
                                 on_connecting: Callable[[], None] | None = None,
                                 history: list[tuple[int | None, Record]] | None = None,
                                 identity: ChairIdentity | None = None) -> LiveWindow | None:
        """Open the live window on a new or resumed engine whose records go through a journal;
        None when a bug kept the live window from being built: the session then runs on its
        fallback page (`_open_engine`).

        `history`: what a resumed session had logged, so its event list and trend start full:
        (row id for observations, else None; record), in time order.

        Raises:
            ClaimUnavailable: the lock file claims are taken in cannot be opened; nothing was
                written (a new session had been logged first, and left open at every retry).
        """
        self.claims.ready()   # before `make_engine` writes the new session
        if self.start_screen is not None:
            self.start_screen.stop_test()   # frees the port before the session opens it
        # Never left over a live session (its alarm area), nor an administrator left signed in
        # at the chair: Staff ▸ opens them again, with a new sign-in, once it has ended.
        for name in ("first_admin_dialog", "staff_admin_dialog"):
            dialog = getattr(self, name, None)
            if dialog is not None and dialog.isVisible():
                dialog.reject()
        journal = Journal(self.log)
        journal.preload([r for _, r in history or []], [i for i, _ in history or []])
        engine = make_engine(journal)
        claimed_before = self.claims.holds(engine.session_id)
        self.claims.claim(engine.session_id)   # a new session's: no other console has it
        try:
            # Its monitor's NIBP memory starts from what a resumed session logged (the cuff
            # still repeated after the restart is no new BP: `SessionController.attach_device`),
            # in the log's order (row id): `history` is in time order, and after the station's
            # clock was set back the newest cuff sorted before an older one.
            observations = [(i, r) for i, r in history or [] if isinstance(r, ObservationRecord)]
            logged = [r for _, r in sorted(observations, key=lambda pair: pair[0] or 0)]
            live = self._open_engine(engine, journal, device, on_connecting, identity, logged)
        except BaseException:
            if not claimed_before:   # it does not run here: its own chair may resume it
                self.claims.release(engine.session_id)
            raise
        # At every tick: its lock file deleted or replaced, the claim is taken again in the one
        # at the path, else the other chair's console saw it not running and resumed it too.
        if self.controller is not None:
            self.controller.timer.timeout.connect(self.claims.keep)
        return live

    def _open_engine(self, engine: SessionEngine, journal: Journal, device: Device | None,
                     on_connecting: Callable[[], None] | None,
                     identity: ChairIdentity | None,
                     logged: Sequence[ObservationRecord] = ()) -> LiveWindow | None:
        """`open_session`'s part after the claim: the controller, the live window, the sounder.
        `logged`: a resumed session's observations, oldest first.

        A bug raised while the live window is built is the session's Console fault, and the
        session opens all the same on a fallback page with its alarms (None returned): raised
        out of here it had left the session's alarms nowhere, its timers stopped, and a
        `--resume` ended in a traceback (README: a bug becomes a technical alarm, never
        silence)."""
        # A demo session needs no account (issue 13): it never locks and signs nothing.
        chair = None if engine.demo else identity or self._chair_identity()
        controller = SessionController(engine, self.clock, self, identity=chair,
                                       signature_service=self._signatures() if chair else None)
        if device is not None:
            controller.attach_device(*device, logged=logged)
        if on_connecting is not None:
            controller.device_state.connect(lambda state: state == "connecting" and on_connecting())
        self.sounder = AlarmSounder(self.audio_out, self)
        self.new_alarms = NewAlarmWatch()   # occurrence ids are the new session's own
        if self.fault_handler is not None:
            self.fault_handler.attach(controller)
        # Sounding and the console's session before the live window is built: a bug in
        # building it is a Console fault of this session, and it sounded nowhere (`_on_fault`
        # said no session) when the window's first draw failed.
        self.sounder.bind(controller)
        self.controller = controller
        self.cleanups.append(controller.stop)
        shown: QtWidgets.QWidget
        try:
            shown = self.live = LiveWindow(controller, journal, self.confirmer, self.asker)
        except Exception as exc:  # noqa: BLE001 - every bug is the fault handler's
            self.live = None
            report(exc)   # the Console fault, raised, logged and sounded in this session
            discard_half_built(exc, LiveWindow, keep=self)
            shown = self.fallback = SessionFallback(controller, keep=self)
        else:
            self.fallback = None
            self.live.new_session_requested.connect(self._on_new_session_requested)
        self.setWindowTitle(DEMO_TITLE if engine.demo else TITLE)
        self.session_opened.emit(controller)
        if self.shown_log is not None:   # after the live window: it copies what was just drawn
            self.shown = ShownLog(self.shown_log, journal, controller, self)
            self.cleanups.append(self.shown.close)
        controller.changed.connect(self._on_session_changed)
        page = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.fault_bar)
        column.addWidget(shown, 1)
        # The live window needs every row of a 1366x768 screen; review stays on Ctrl+R. The menu
        # bar goes before the live window comes: laid out with both, the window grows past it.
        self.menuBar().hide()
        self.setCentralWidget(page)
        controller.start()
        self._on_session_changed()
        return self.live

    @QtCore.Slot()
    def _on_session_changed(self) -> None:
        """The status line: the log file, or what is held in memory while it cannot be written."""
        controller = self.controller
        if controller is None:
            return
        session = controller.view
        # The controller's alarms, not only the engine's: a console fault the engine could not
        # take (`SessionController.fallback_alarms`) sounds high and must come forward as well.
        if self.new_alarms.update(controller.alarms(controller.clock.now())):
            self.come_to_front()
        error = session.log_error
        if session.unsaved and error is not None:
            text = (f"NOT SAVED: {session.unsaved} records ({session.unsaved_readings} readings) "
                    "of this session are held in memory until the session log can be written "
                    f"again. {error.message}")
            style = "background:#c40000;color:white;font-weight:bold;font-size:13pt;"
        else:
            text, style = f"Session log: {self.log.path}", ""
        bar = self.statusBar()
        if bar.currentMessage() != text:
            bar.showMessage(text)
            bar.setStyleSheet(style)
        self._unsaved_line = text if style else ""
        if session.unsaved:
            self._restart_tried_log = False   # held now: their writing says the log is back
        elif (not self._restart_tried_log
              and self.fault_label.full_text().startswith(RESTART_HELD)):
            self.fault_label.setText(self._held_fault)   # the log is back: the restart can go
        self._place_status_line()

    def _place_status_line(self) -> None:
        """Show the status line during a session where it has room: its own row, or, while the
        fault bar is shown, the fault bar's row, the line itself hidden. At 1366x768 the live
        window needs 743 px, leaving room for one of the two rows: with both the window needed
        785 px, and NOT SAVED and the network's state went off the bottom of the screen (a
        review). The network's state, once in the fault bar's row, stays there (the bar stays
        until a restart); the start page's line is `_on_new_session_requested`'s."""
        if self.controller is None:
            self._unsaved_line = ""
            self.carried_status.hide()
            return
        bar = self.statusBar()
        unsaved = self._unsaved_line
        network = self._network_state
        if network is None and self.network_shown:
            network = self._network_state = self.findChild(QtWidgets.QWidget, "network_state")
        if not self.fault_bar.isHidden():
            if network is not None and network.parentWidget() is not self.fault_bar:
                bar.removeWidget(network)
                self.fault_row.insertWidget(self.fault_row.indexOf(self.restart_button),
                                            network, 1)
                network.setMaximumWidth(QWIDGETSIZE_MAX)
                network.show()   # removed from the line, it was hidden
            self.carried_status.setText(unsaved)
            self.carried_status.setVisible(bool(unsaved))
            bar.hide()
            return
        if network is not None:
            # The clinic network's state (a permanent widget, stretched) left the message no
            # room: "NOT SAVED" went unseen beside it. While records are held it keeps a third.
            network.setMaximumWidth(bar.width() // 3 if unsaved else QWIDGETSIZE_MAX)
        # During a session the line appears only when it has something to say (records not
        # saved): the live window needs its 22 px at 1366x768. The header's tooltip names the log.
        # The clinic network's state has its place in the line whenever a network is set up.
        bar.setVisible(bool(unsaved) or self.network_shown)


    def come_to_front(self) -> None:
        """An alarm calls (NewAlarmWatch): this window back over any other, the keyboard on the
        live window, never in the vitals form (console/ui/window_front.py)."""
        self.fronted += 1
        self.type_ahead = bring_forward(self, self.live or self.fallback,
                                        lambda: self.clock.now().mono)

    def _on_start_requested(self, request: StartRequest) -> None:
        """Start: the session of this patient and protocol left open is resumed, as from the
        command line (console/session/left_open.py); else a new session opens, beside one left
        open long ago, or one another console runs, only once the nurse says so. Without this,
        the patient of a session a crash had left open 30 minutes before got session 2, its
        alarms not restored (review 39). The form is read again first: a start it no longer
        describes is refused, saying what changed (`_form_changed`)."""
        device = (request.device_url, request.device_format or "hl7") if request.device_url else None
        try:
            met = left_open_for(self.log, request.patient_id, request.protocol_id,
                                self.clock.now().wall)
        except LogError as exc:
            self.start_error.setText(f"The session was not started. {exc}")
            self.start_error.show()
            return
        if self._form_changed(request.patient_id):
            return
        if self.resumed_by_start(met):
            assert met is not None
            # As the command line (app._resumed_by): the typed nurse is recorded on a log
            # without accounts; on a log with accounts the session opens locked and she signs
            # in on its lock bar. Its logged weight and dose stand (fixed at its start).
            if not self._resume_unlike_typed(met, request):
                return
            accounts = self.has_accounts()
            actor = ENGINE if accounts else request.nurse
            # Without accounts the typed nurse takes it over: her acts were logged as the
            # previous nurse's, who had gone home (with accounts her sign-in hands it over).
            nurse = None if accounts else request.nurse
            self._refusing(lambda: self.resume(met.row, device, actor=actor, nurse=nurse))
            return
        if self._accounts_appeared():   # before anything is asked: a new session signs in
            return
        protocol = self.protocols[request.protocol_id]
        if protocol.dose.mode is DoseMode.DEVICES and request.chosen_mg is None:
            # Asked no dose for the session Start was to resume, which has ended or gone stale
            # since: a new session never starts at a dose nobody chose.
            if self.start_screen is not None:
                self.start_screen.look_again()
            self.start_error.setText(
                f"The session was not started: choose its dose. No session of "
                f"{request.patient_id} left open is resumed by Start now.")
            self.start_error.show()
            return
        if met is not None and not (self._new_beside_running(met)
                                    if self.claims.running_elsewhere(met.row.id)
                                    else self._new_beside(met)):
            return
        if not self._beside_other_protocols(request.patient_id, request.protocol_id):
            return
        nurse, identity = request.nurse, None
        if self.has_accounts():
            # The session's nurse is the account signed in, never free text (issue 13).
            now = self.clock.now()
            identity = ChairIdentity(self.staff, now.mono, self.lock_after_s, self.station)
            answer = identity.sign_in(request.nurse, request.secret, now, in_charge="")
            if not answer.ok or answer.account is None:
                if self.start_screen is not None:
                    self.start_screen.refuse_sign_in(answer.message)
                return
            nurse = answer.account.name

        patient = self.log.patient_as_logged(request.patient_id)   # one spelling per patient

        def make(recorder: Recorder) -> SessionEngine:
            return SessionEngine.open(
                protocol, recorder, Patient(patient, request.weight_kg), nurse,
                self.clock.now(), session_number=request.session_number, chosen_mg=request.chosen_mg,
                details={"device": request.device_url, "format": request.device_format},
            )

        self._refusing(lambda: self.open_session_or_fallback(make, device, identity=identity),
                       resuming=False)

    def _form_changed(self, patient_id: str) -> bool:
        """Whether what Start does has changed since the form last said it (the page looks
        every OFFERS_CHECK_MS): the form is read again, and this start refused saying what
        changed; the nurse checks the form and presses Start again. Within those 5 s a session
        discharged at another chair was started again as a new session with its number."""
        screen = self.start_screen
        if screen is None:
            return False
        said, number = screen.resumed, screen.session_spin.value()
        screen.look_again()
        now, suggested = screen.resumed, screen.session_spin.value()
        if (said.row.id if said else None) == (now.row.id if now else None):
            if now is not None or suggested == number:
                return False
            # The number suggested changed (another chair started the patient's session):
            # Start had opened a second "session 1" of the patient.
            what = (f"{patient_id} has had a session logged since the form was filled in: the "
                    f"form now suggests session {suggested}, not session {number}" if suggested
                    else f"session {number} of {patient_id} could not be checked against the log")
        elif now is not None:
            what = (f"Start now resumes {session_words(now.row)} of {now.row.patient_id}, "
                    "left open since the form was filled in")
        else:
            assert said is not None
            what = (f"{session_words(said.row)} of {patient_id}, which Start was to resume, "
                    f"{self._not_resumed_why(said.row)}")
        self.start_error.setText(f"The session was not started: {what}. The form now says "
                                 "what Start does: check it and press Start again.")
        self.start_error.show()
        return True

    def _not_resumed_why(self, row: SessionRow) -> str:
        """Why Start no longer resumes `row`, in words: ended, run elsewhere, or gone stale."""
        with contextlib.suppress(LogError):
            now = self.log.session(row.id)
            if now.ended_at is not None:
                return _ended_words(now)
        if self.claims.running_elsewhere(row.id):
            return "is running in another console on this computer"
        return f"has had nothing logged for {RESUME_WITHIN_HOURS:g} hours"

    def _accounts_appeared(self) -> bool:
        """True when the log holds staff accounts that this start page was built without (IT
        ran `infusion-console staff add` meanwhile): the page now asks for the sign-in, and
        this start is refused saying so. It had refused every Start "Give your PIN or
        password." with no field to type it in."""
        screen = self.start_screen
        if screen is None or screen.secret_edit.isVisibleTo(screen) or not self.has_accounts():
            return False
        screen.require_sign_in(True)
        if self.first_admin_notice is not None:
            self.first_admin_notice.hide()
        screen.refuse_sign_in(ACCOUNTS_APPEARED)
        return True

    def _resume_unlike_typed(self, met: LeftOpen, request: StartRequest) -> bool:
        """Whether Start resumes `met` although its logged weight or dose differs from what was
        typed: the nurse is asked, as the command line says it on stderr. A typed 75 kg was
        dropped without a word, the session resuming at its 70 kg and dose."""
        row = met.row
        unlike = []
        if request.weight_kg != row.weight_kg:
            unlike.append(f"weight {row.weight_kg:g} kg ({request.weight_kg:g} kg typed)")
        logged_mg = row.details.get("dose_mg")
        if request.chosen_mg is not None and request.chosen_mg != logged_mg:
            unlike.append(f"dose {logged_mg:g} mg ({request.chosen_mg:g} mg chosen)"
                          if isinstance(logged_mg, (int, float)) else
                          f"dose ({request.chosen_mg:g} mg chosen)")
        if not unlike:
            return True
        return self.asker.agree(
            "Resume the session",
            f"{row.patient_id}: {session_words(row, protocol=True)} was left open: "
            f"{met.when_text()}. Start resumes it with its logged {' and '.join(unlike)}: a "
            f"session's weight and dose are fixed at its start.\n\nResume session "
            f"{row.session_number}?", "Resume the session")

    def _new_beside(self, met: LeftOpen) -> bool:
        """Whether the nurse starts a new session beside `met`, left open too long ago to be
        resumed by a start (the command line's `--new-session`)."""
        row = met.row
        return self.asker.agree(
            "Start a new session",
            f"{row.patient_id}: {session_words(row, protocol=True)} was left open: "
            f"{met.when_text()}. It is not resumed by a start after {RESUME_WITHIN_HOURS:g} "
            f"hours. To end it, press “{RESUME_TO_DISCHARGE}” beside it and discharge it."
            f"\n\nStart a new session and leave session {row.session_number} open?",
            "Start a new session")

    def _new_beside_running(self, met: LeftOpen) -> bool:
        """Whether the nurse starts a new session beside `met`, which another console on this
        computer runs: asked, "Not yet" the default, as beside a session under another protocol
        (`_beside_other_protocols`): most often the patient typed is the wrong one. Start had
        tried to resume it, and was refused "not resumed" under a form saying "Start session"."""
        row = met.row
        return self.asker.agree(
            "Start a new session",
            f"{row.patient_id}: {session_words(row, protocol=True)} is running in another "
            f"console on this computer: {met.when_text()}. Start does not resume it here: check "
            f"the patient.\n\nStart a new session of {row.patient_id} beside it?",
            "Start a new session")

    def _beside_other_protocols(self, patient_id: str, protocol_id: str) -> bool:
        """Whether a new session of `patient_id` opens beside one of theirs still open under
        another protocol: asked, "Not yet" the default. Unasked, a second chair's nurse who typed
        MRN-1 for MRN-11 put her chair's vitals and alarms into MRN-1's record beside MRN-1's
        session running at another chair."""
        try:
            others = open_under_other_protocols(self.log, patient_id, protocol_id)
        except LogError as exc:
            self.start_error.setText(f"The session was not started. {exc}")
            self.start_error.show()
            return False
        if not others:
            return True
        sessions = ", ".join(
            f"{session_words(row, protocol=True)} open"
            f"{', running at another console' if self.claims.running_elsewhere(row.id) else ''}"
            for row in others)
        return self.asker.agree(
            "Start another session",
            f"{patient_id} has {sessions}: start another session of {patient_id}?",
            "Start another session")

    def _refusing(self, start: Callable[[], LiveWindow | None],
                  resuming: bool = True) -> LiveWindow | None:
        """Open a session, or say on the start page why the log refused it (no session starts).
        `resuming`: False for a new session, whose refused claim is "not started"."""
        try:
            return start()
        except SessionHasEnded as exc:
            # An offer left on this screen while another console discharged its session.
            self._refresh_offers()
            self.start_error.setText(f"{exc}: nothing was resumed.")
            self.start_error.show()
            return None
        except LogError as exc:
            self.start_error.setText(f"The session was not started. {exc}")
            self.start_error.show()
            return None
        except (ProtocolMissing, SessionInUse) as exc:
            done = "resumed" if resuming else "started"
            self.start_error.setText(f"The session was not {done}: {exc}.")
            self.start_error.show()
            return None

    def open_review(self) -> ReviewLauncher:
        """Start the review of this log as its own process (`infusion-console review --db LOG`).

        Nothing of the review runs on this window's thread, which draws and sounds the alarms:
        loading a large log or writing a PDF happens in the review's process. A second Ctrl+R
        while it runs starts nothing and says it is open; when the console stops, the review is
        left running for the clinician reading it (console/ui/review_launcher.py says why).
        """
        from console.ui.review_launcher import ReviewLauncher   # only when asked for (P7)

        launcher = ReviewLauncher.for_window(self, self.log.path, self.lock_after_s)
        launcher.open()
        return launcher

    # ---- faults -------------------------------------------------------------------------------

    def _make_fault_bar(self) -> QtWidgets.QFrame:
        """The red bar above the live window: what failed and the restart. One line of
        FAULT_BAR_HEIGHT, cut at its end with the whole text on hover: word-wrapped at 14 pt it
        took ~80 px and pushed the entry form off a 1366x768 screen. The fault is said whole in
        its own alarm row as well (`SessionController.console_fault`)."""
        bar = QtWidgets.QFrame()
        bar.setObjectName("fault_bar")
        bar.setStyleSheet("QFrame#fault_bar {background:#c40000;} QLabel {color:white;"
                          "font-size:12pt;font-weight:bold;} QPushButton {font-size:12pt;"
                          "font-weight:bold;padding:0 14px;}")
        bar.setFixedHeight(FAULT_BAR_HEIGHT)
        row = QtWidgets.QHBoxLayout(bar)
        row.setContentsMargins(8, 0, 0, 0)
        self.fault_label = ElidedLabel()
        self.fault_label.setObjectName("fault_text")
        self.restart_button = QtWidgets.QPushButton("Restart and resume")
        self.restart_button.setObjectName("restart")
        self.restart_button.setFixedHeight(FAULT_BAR_HEIGHT)
        self.restart_button.setAutoDefault(True)   # Enter on it presses it (no dialog does)
        self.restart_button.clicked.connect(self.restart_and_resume)
        # The status line's NOT SAVED, said here while the bar is shown (`_place_status_line`).
        self.carried_status = ElidedLabel()
        self.carried_status.setObjectName("fault_status_line")
        self.carried_status.setStyleSheet("padding:0 6px;")
        self.carried_status.hide()
        self.fault_row = row
        row.addWidget(self.fault_label, 1)
        row.addWidget(self.carried_status, 1)
        row.addWidget(self.restart_button)
        bar.hide()
        return bar

    @QtCore.Slot(str, str)
    def _on_fault(self, summary: str, crash_file: str) -> None:
        where = f" Details for support: {crash_file}." if crash_file else ""
        in_session = self.controller is not None and not self.controller.view.discharged
        # Not "nothing is lost": typing not yet recorded is (`restart_and_resume` asks first).
        kept = " (the session resumes from its log: what is recorded is kept)" if in_session else ""
        self.fault_label.setText(
            f"Console fault: {summary}. The console may not work as it should: restart it"
            f"{kept}.{where}")
        self.restart_button.show()   # hidden while a restart was not possible: tried again
        if self.controller is not None:
            # Hidden first: a window grown to its minimum with both rows (785 px) stays that
            # tall once the line goes (`_place_status_line`), its bottom off the screen.
            self.statusBar().hide()
        self.fault_bar.show()
        self._place_status_line()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt override
        """A close from the window system (the title bar's X, Alt+F4) while a session runs is
        asked first, "Not yet" by default: closing stops every alarm of the session (IEC
        60601-1-8: the alarm system must not be switched off by a slip). A "yes" is logged
        (`console_closed`); typing not yet recorded is named in the question. The console's own
        ends (SIGTERM at shutdown, "Restart and resume") come through `quit()`, are not
        spontaneous, and are never asked here ("Restart and resume" asks of such typing itself,
        before it quits)."""
        if event.spontaneous() and not self.may_close():
            event.ignore()
            return
        super().closeEvent(event)

    def may_close(self) -> bool:
        """No session runs, or the nurse confirms closing it (then logged).

        On a log with staff accounts the close waits for a sign-in (`close_refusal`): refused
        on the lock bar, nothing asked. When the log cannot record a sign-in the close is asked
        as before, saying it is recorded with nobody signed in."""
        controller = self.controller
        if controller is None:
            return True
        if controller.view.discharged:
            return self._discharge_left("Close the console", "Close the console anyway?")
        refused = controller.close_refusal()
        if refused is not None:
            self._say_not_closed(refused)
            return False
        patient = controller.view.patient.patient_id
        lost = self._typing_lost()
        # Not refused while locked: the log could not record a sign-in, asked just now
        # (`close_refusal`; asked twice, each a wait on a log another program holds).
        nobody = ("\n\nThe station is locked and the sign-in cannot be recorded now: the close "
                  "is recorded with nobody signed in." if controller.locked else "")
        if not self.asker.agree(
                "Close the console",
                f"The session of {patient} is running. Closing the console stops its alarms and "
                "the monitor's readings until the console is started again (the session then "
                "resumes from its log)." + (f"\n\n{lost}" if lost else "") + nobody
                + "\n\nClose the console anyway?", "Close the console"):
            return False
        controller.console_closed()
        return True

    def _discharge_left(self, action: str, question: str) -> bool:
        """True unless a discharge the log could not take yet is held in memory and the nurse
        says "Not yet" to leaving its window (`question`, under the button `action`). Left,
        its records go to an unsaved-records file (`SessionController.stop`), the log showing
        the session open: it had gone unasked, the next start page offering the patient just
        discharged."""
        controller = self.controller
        if controller is None or not controller.view.unsaved:
            return True
        patient = controller.view.patient.patient_id
        return self.asker.agree(
            action,
            f"The discharge of {patient} is not in the session log yet: the log takes no writes "
            "now. It is written as soon as the log takes writes again, while this window stays "
            f"open.\n\nLeft now, its {controller.view.unsaved} records are kept in an "
            "unsaved-records file beside the log, which the next start names; the log shows the "
            "session open until it is discharged again.\n\n" + question, action)

    def _say_not_closed(self, refused: str) -> None:
        """The close was refused by the lock or the account: said on the lock bar (the station
        is locked now), with the sign-in form ready."""
        said = ("The console was not closed: closing it stops every alarm of the session. "
                f"{refused.rstrip('.')}.")
        if self.live is None:
            if self.fallback is not None:   # no lock bar on it: said on the page
                self.fallback.say(said)
            return
        bar = self.live.lock_bar
        bar.message.setText(said)
        bar.name.setFocus()

    def stopped_by_signal(self, signal_name: str) -> None:
        """SIGTERM (a shutdown) or SIGINT ends the console unasked: a session running is logged
        as stopped by the system, so the record's gap says why (it said nothing: a records
        audit). A refusal (the log unwritable) is no reason to stay."""
        controller = self.controller
        if controller is not None and not controller.view.discharged:
            controller.console_stopped(signal_name)

    def _typing_lost(self) -> str:
        """What a restart or a close drops of the vitals form's typing, in words ("" for
        nothing): the new process opens an empty form, and the typing was dropped unsaid."""
        words = self.live.entry.unsaved_words() if self.live is not None else []
        return UNSAVED_LOST.format(what=", ".join(words)) if words else ""

    def restart_and_resume(self) -> None:
        """Quit and start again in a new process on the same log, resuming this session.

        Typing not yet recorded is named and asked about first, "Not yet" the default, so the
        nurse can press Return in the form before the restart.

        A console whose interpreter is gone (its installation upgraded or moved while it ran)
        keeps running and says so: the new process could not start, and quitting left no
        console and no alarm (`app.run` still says what to run if the start fails anyway).

        So does one whose log takes no writes, records held in memory (NOT SAVED, a discharge
        among them or not): the new process refused the log and exited 2, every alarm gone,
        the records held in a file instead of the log. Once the log takes them, it restarts.
        Nothing held, the log is tried as the new process will open it first: refused (locked
        by another program, a full disk), the console runs on and says so the same way."""
        if not os.access(sys.executable, os.X_OK):
            # What to do first, in the bar's one line: after the path it was cut at 1366 px
            # before "keeps running: call support", beside a restart button doing nothing. The
            # path and the fault's own words, for support, on hover.
            if self.fault_label.full_text() == RESTART_NOT_POSSIBLE:
                return   # said already, with the fault's words on hover
            fault = self.fault_label.full_text()
            self.fault_label.setText(RESTART_NOT_POSSIBLE)
            self.fault_label.setToolTip(
                f"Restart not possible: {sys.executable} cannot be run (the console's "
                "installation changed while it ran). The console keeps running: call support "
                f"to restart it.\n\n{fault}")
            self.restart_button.hide()
            self.fault_bar.show()
            return
        if self._restart_held():
            return
        lost = self._typing_lost()
        if lost and not self.asker.agree(
                "Restart and resume",
                f"{lost} To record it, choose “Not yet” and press Return in the form first."
                "\n\nRestart the console now?", "Restart anyway"):
            return
        # This chair as it was launched (its lock time, kiosk, chair name, network...), then
        # the room as dim as it was, and the session.
        argv = [sys.executable, "-m", "console.cli", f"--db={self.log.path.absolute()}",
                *self.launch_options, "--theme", theme.current().name]
        controller = self.controller
        resuming = controller is not None and not controller.view.discharged
        if controller is not None and resuming:
            argv += [*self.launch_options_to_resume, "--resume", str(controller.view.session_id)]
        argv += _preset_words(*self.start_monitor, resuming=resuming)
        self.restart_argv = argv
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.quit()

    def _restart_held(self) -> bool:
        """True, and said in the fault bar, while the new process would refuse the log: records
        are held because the log takes no writes, or, nothing held, the log refuses a start now
        (`_log_refuses_a_start`). What to do first, the log's words (the cause) after, the fault
        on hover."""
        controller = self.controller
        error = controller.view.log_error if controller is not None else None
        held = controller is not None and bool(controller.view.unsaved) and error is not None
        if not held:
            error = self._log_refuses_a_start()
        if error is None:
            return False
        if not self.fault_label.full_text().startswith(RESTART_HELD):
            self._held_fault = self.fault_label.full_text()
        self._restart_tried_log = not held
        self.fault_label.setText(f"{RESTART_HELD} {error.message}")
        then = ("What is held is written as soon as the log takes writes (NOT SAVED then goes); "
                "“Restart and resume” then restarts the console." if held else
                "Nothing is held in memory; “Restart and resume” tries the log again.")
        self.fault_label.setToolTip(f"{RESTART_HELD} {error.message}\n\n{then}"
                                    f"\n\n{self._held_fault}")
        self.fault_bar.show()
        return True

    def _log_refuses_a_start(self) -> LogError | None:
        """The log as the new process will open it (`EventLog.open`, as app.build does: its
        write probe under the start's busy timeout, the stamp it writes), then closed; the
        error it would stop on, or None. A quiet moment of a locked log or a full disk held
        nothing yet, so `_restart_held` had let the console quit for a process that refused
        the log and exited 2: no console, no alarm. A log gone from its path is refused too:
        the new process would make an empty one there."""
        path = self.log.path.absolute()
        if not path.exists():
            return LogError(path, "moved")
        try:
            EventLog.open(path, VERSION).close()
        except LogError as exc:
            return exc
        return None

    # ---- resuming -----------------------------------------------------------------------------

    def _resume_offer(self, row: SessionRow) -> QtWidgets.QWidget:
        """The offer of a session left open: who, what, when (with the year and how long ago
        its last entry was), and its button. One idle RESUME_WITHIN_HOURS or more is shown as a
        warning, its button saying it is resumed only to discharge it: offered like a fresh
        one, "started 24 Jan 10:00", a session left open 400 days before read like today's
        (review 39)."""
        met = left_open(self.log, row, self.clock.now().wall)
        box = QtWidgets.QFrame()
        box.setObjectName("resume_offer")
        box.setStyleSheet(self._resume_style())
        layout = QtWidgets.QHBoxLayout(box)
        texts = QtWidgets.QVBoxLayout()
        what = (f"{row.patient_id} · {row.protocol_id} · nurse {self._nurse_running(row)} · "
                f"{met.when_text()}")
        elsewhere = self._offered_elsewhere[row.id] = self.claims.running_elsewhere(row.id)
        if elsewhere:
            # Another chair's running session is not left open, and is not resumed here: read as
            # "left open", it told the nurse covering both chairs that the other had crashed.
            label = QtWidgets.QLabel(f"{session_words(row).capitalize()} is running in another "
                                     f"console on this computer: {what}")
            label.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # the identifier as typed
            label.setWordWrap(True)
            texts.addWidget(label)
            layout.addLayout(texts, 1)
            return box
        label = QtWidgets.QLabel(f"A session was left open: {what}")
        # The identifier and the nurse as typed: "Bay <B>" was drawn as "Bay " (a review).
        label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        texts.addWidget(label)
        button = QtWidgets.QPushButton("Resume this session")
        if not met.recent:
            warning = QtWidgets.QLabel(
                f"Nothing logged for more than {RESUME_WITHIN_HOURS:g} hours: not today's "
                "session. Resume it only to discharge it; a start does not resume it.")
            warning.setObjectName("resume_stale")
            warning.setWordWrap(True)
            texts.addWidget(warning)
            button.setText(RESUME_TO_DISCHARGE)
        button.setStyleSheet("font-size:15pt;padding:6px 14px;")
        # Enter on the focused button resumes: outside a dialog a QPushButton ignores Return
        # unless it is an auto-default one (only Space worked, which nothing said: review 39).
        button.setAutoDefault(True)
        button.clicked.connect(lambda _=False, r=row, b=button: self._resume_offered(r, b.text()))
        self.resume_buttons.append(button)
        layout.addLayout(texts, 1)
        layout.addWidget(button)
        return box

    def _nurse_running(self, row: SessionRow) -> str:
        """The nurse `row` comes back under: the one its last hand-over went to, else the one who
        opened it, by the rule `SessionEngine.resume` replays (console/session/engine.py,
        `handed_over`). The offer named who opened it: after a hand-over the live header and the
        offer at the restart named two different nurses.

        Raises:
            LogError: the log refused the read.
        """
        nurse = row.nurse
        for _, event in self.log.events(row.id, ("handed_over",)):
            nurse = str(event.detail.get("to") or nurse)
        return nurse

    def _resume_offered(self, row: SessionRow, pressed: str) -> None:
        """An offer's button (`pressed`, its words): resume `row`. On a log without staff
        accounts the nurse typed in the start form takes it over and is recorded resuming it, as
        Start hands it over (`_on_start_requested`); with none typed she is asked for her name
        first, as Start asks it. Resumed by the console, every value she typed was recorded as
        the previous nurse's, and such a log has no other way to hand a session over. With
        accounts the session opens locked and her sign-in hands it over; a demo needs nobody."""
        screen = self.start_screen
        if row.demo or screen is None or self.has_accounts():
            self._refusing(lambda: self.resume(row))
            return
        nurse = screen.nurse_edit.text().strip()
        if not nurse:
            # Within the two lines under the field (1366 px), in the error's bold.
            screen.ask_nurse(f"Who resumes it? Type your name, then “{pressed}” again.")
            return
        self._refusing(lambda: self.resume(row, actor=nurse, nurse=nurse))

    @staticmethod
    def _start_error_style() -> str:
        return f"color:{theme.current().error_text};font-weight:bold;font-size:14pt;"

    @staticmethod
    def _resume_style() -> str:
        t = theme.current()
        return (f"QFrame {{background:{t.banner_bg};border:2px solid {t.banner_border};"
                "border-radius:6px;}"
                f"QLabel {{font-size:15pt;border:none;color:{t.banner_text};}}"
                f"QLabel#resume_stale {{color:{t.error_text};font-weight:bold;}}")

    def resume(self, row: SessionRow, device: Device | None = None, actor: str = ENGINE,
               on_connecting: Callable[[], None] | None = None,
               nurse: str | None = None) -> LiveWindow | None:
        """Resume a session left open: its phase, T0, timers and ticks come back from the log;
        its live window, or None when it runs on the fallback page (`_open_engine`).

        `device`: the port to read now (a monitor can come back under another name); default the
        one the session was started with. `actor`: who resumed it, logged with `session_resumed`.
        `nurse`: on a log without staff accounts, the nurse now at the chair: when she is not
        the session's nurse it is handed over to her (`handed_over`), so her acts are hers.

        Raises:
            SessionInUse: another console runs it. SessionHasEnded: it ended since `row` was
            read. ProtocolMissing, LogError: as `open_session`. None of them leaves it claimed.
        """
        # Before anything is read or logged: another console running it keeps it.
        claimed_before = self.claims.holds(row.id)
        self.claims.claim(row.id)
        try:
            return self._resume_claimed(row, device, actor, on_connecting, nurse)
        except BaseException:
            if not claimed_before:   # not running here: its own chair's restart may claim it
                self.claims.release(row.id)
            raise

    def _resume_claimed(self, row: SessionRow, device: Device | None, actor: str,
                        on_connecting: Callable[[], None] | None,
                        nurse: str | None) -> LiveWindow | None:
        # Read again under the claim: an offer stays on the start screen while another console
        # resumes and discharges its session; resumed from the old row, a session_resumed
        # followed its session_ended.
        row = self.log.session(row.id)
        if row.ended_at is not None:
            raise SessionHasEnded(row)
        protocol = self.protocols.get(row.protocol_id)   # None: the log's copy (or refused)
        logged = self.log.observations(row.id)
        observations = [r for _, r in logged]
        events = [r for _, r in self.log.events(row.id)]
        alarm_events = [r for _, r in self.log.alarm_events(row.id)]
        stop_demo: Callable[[], None] | None = None
        if device is None and self.demo_monitor is not None and plays_new_simulator(row, events):
            # The demo's simulated monitor lived in the process that stopped: a new one plays.
            # (The start screen's button read the dead one's port: review 44.)
            device, on_connecting, stop_demo = self.demo_monitor()
        elif device is None:
            device = device_read_last(row, events)

        def make(recorder: Recorder) -> SessionEngine:
            now = self.clock.now()
            engine = SessionEngine.resume(
                protocol, recorder, row.id,
                SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                              row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
                observations, events, alarm_events, now, actor,
                observation_ids=[i for i, _ in logged],
                # open_session reads `device` and binds the sounder, which reports the speaker
                reads_device=device is not None, reports_audio=True, device=device,
                device_simulated=stop_demo is not None,
                # Records the log never took, left in a file by the console that stopped, are
                # said (the engine's `_unsaved_left`).
                log_path=self.log.path,
            )
            if nurse and nurse.strip():
                engine.hand_over(nurse, now)   # nothing written when she runs it already
            return engine

        history: list[tuple[int | None, Record]] = sorted(
            [*logged, *((None, r) for r in events), *((None, r) for r in alarm_events)],
            key=lambda pair: when(pair[1]))
        try:
            live = self.open_session_or_fallback(make, device, on_connecting=on_connecting,
                                                 history=history)
        except BaseException:
            if stop_demo is not None:
                stop_demo()
            raise
        # On a log with staff accounts a resumed session opens locked: its alarms sound and show
        # at once, and nothing else is done at the chair before a nurse signs in (issue 13).
        if self.controller is not None:
            self.controller.lock_now()
        return live


def _preset_words(port: str | None, monitor: str | None, *, resuming: bool) -> list[str]:
    """The start screen's preset monitor (`MainWindow.start_monitor`) as the options of a
    restarted console: --device and --format or --device-profile on a start screen; with
    --resume, --start-screen-device and --start-screen-monitor, as --device there would be the
    resumed session's monitor. Taken from the window, not from this launch's options: a chair
    restarted and resumed came back with none, and after that discharge its start screen said
    "Manual entry only" with its monitor plugged in."""
    words = []
    if port is not None:
        words.append(f"--start-screen-device={port}" if resuming else f"--device={port}")
    if monitor is not None:
        words.append(f"--start-screen-monitor={monitor}" if resuming
                     else f"--format={monitor}" if monitor in FORMATS
                     else f"--device-profile={monitor}")
    return words

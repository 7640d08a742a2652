"""The live session window: what a nurse looks at for two hours beside the chair.

It only draws and forwards: every decision is the engine's. One controller timer (2 Hz) ticks the
engine and redraws; readings and alarms redraw at once through the controller's `changed` signal.

Layout (works at 1366×768 and 1920×1080):
    header: patient · protocol · session N of M · nurse · phase · device state (DEMO banner);
            beside it, on a log with staff accounts, Lock (Ctrl+L)
    timers: elapsed · phase time left · next vitals due
    left: vital tiles        centre: trend plot          right: checklist / next phase / discharge
    bottom: alarm bar (acknowledge F2, pause F3) · entry form (Ctrl+E) and observations · events
"""

from __future__ import annotations

import sys
from datetime import datetime

from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import format_duration
from console.records import EventRecord, ObservationRecord
from console.session.dosing import devices_rest_kept, devices_ticked, dose_line
from console.session.clock_marks import CLOCK_STEPPED
from console.session.journal import Journal
from console.store import EventLog
from console.ui import theme
from console.ui.alarm_bar import AlarmBar
from console.ui.checklist_panel import Asker, ChecklistPanel
from console.ui.controller import SessionController
from console.ui.elided_label import ElidedLabel, GivesWay
from console.ui.entry_panel import Confirmer, EntryPanel
from console.ui.event_list import EventsTab
from console.ui.lock_bar import ActivityFilter, LockBar
from console.ui.markup import plain_tip
from console.ui.tiles import TilePanel
from console.ui.trend import TrendPlot
from console.ui.window_front import belongs_to
from protocols.model import PhaseKind


class LiveWindow(QtWidgets.QWidget):
    """The session view; `refresh()` redraws from the engine.

    Once the session has ended (discharged) the window is read-only: a banner says when it ended
    and offers "New session"; entry, observations, checklist and alarm actions are disabled, and
    the timers stop (the engine refuses writes to an ended session as well). A console fault
    after the discharge, and the log alarm of a discharge the log has not taken yet, are the
    alarms left: the alarm area acts on them (F2, F3).

    On a log with staff accounts the station locks after its idle time (console/session/lock.py):
    the lock bar takes the entry form's place, the checklist and events are disabled, and the
    alarm area, tiles and trend stay as they are (F2/F3 keep working). A sign-in unlocks it.
    The nurse leaving the chair locks it herself: Lock, beside the header that names her, or
    Ctrl+L, the idle lock's path at once (`SessionController.lock_now`); the next nurse signs
    in on the lock bar and takes the session over. Without accounts there is no Lock (nobody
    could sign in to open it); after the discharge neither (the record takes nothing more).

    Signals:
        new_session_requested: the nurse asked for the start screen after the session ended.
    """

    new_session_requested = QtCore.Signal()

    def __init__(self, controller: SessionController, journal: Journal, confirmer: Confirmer,
                 asker: Asker, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.journal = journal
        engine = controller.view
        self.header = ElidedLabel()
        self.header.setObjectName("header")
        self.header.setStyleSheet("font-size:17pt;font-weight:bold;padding:2px 4px;")
        # The nurse leaving the chair locks the station (a review): only the idle
        # lock, reset by any key, had locked it, and the next nurse, with nowhere to sign in,
        # recorded her values under the previous nurse's name. Beside the header, in its row:
        # at 1366x768 the window has no row to spare (tests/ui/test_live_layout.py).
        self.lock_button = QtWidgets.QPushButton("Lock")
        self.lock_button.setObjectName("lock_station")
        self.lock_button.setToolTip("Lock the station as you leave the chair (Ctrl+L): the next "
                                    "nurse signs in and takes the session over. Alarms can "
                                    "still be acknowledged (F2) and audio paused (F3).")
        self.lock_button.setStyleSheet("font-size:14pt;padding:1px 16px;")
        self.lock_button.clicked.connect(self._on_lock_clicked)
        # Not F2 or F3 (the alarm area's), nor a key a text field takes (Ctrl+D, Ctrl+E under
        # X11's bindings: main_window._WindowKeysFirst); Ctrl+L is neither.
        self.lock_shortcut = QtGui.QShortcut(QtGui.QKeySequence("Ctrl+L"), self)
        self.lock_shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        self.lock_shortcut.activated.connect(self._on_lock_clicked)
        self.lock_shortcut.setEnabled(controller.identity is not None)
        self.lock_button.setVisible(controller.identity is not None)
        self.timers = ElidedLabel()
        self.timers.setObjectName("timers")
        self.timers.setStyleSheet("font-size:19pt;padding:0 4px;")
        self.dosing = ElidedLabel()
        self.dosing.setObjectName("dosing")
        self.ended = QtWidgets.QFrame()
        self.ended.setObjectName("ended_banner")
        self.ended.setFocusPolicy(QtCore.Qt.FocusPolicy.ClickFocus)   # `_show_ended`
        self._style_ended()
        self.ended_text = QtWidgets.QLabel()
        self.ended_text.setObjectName("ended_text")
        self.ended_text.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.new_session_button = QtWidgets.QPushButton("New session")
        self.new_session_button.setObjectName("new_session")
        self.new_session_button.clicked.connect(self.new_session_requested)
        ended_row = QtWidgets.QHBoxLayout(self.ended)
        ended_row.setContentsMargins(8, 2, 8, 2)
        ended_row.addWidget(self.ended_text, 1)
        ended_row.addWidget(self.new_session_button)
        self.ended.hide()
        self.tiles = TilePanel()
        self.trend = TrendPlot(engine.protocol, started_at=engine.started.wall, demo=engine.demo)
        self.checklist = ChecklistPanel(controller, asker)
        self.alarm_bar = AlarmBar()
        self.alarm_bar.bind(controller)
        self.entry = EntryPanel(controller, confirmer)
        self.events_tab = EventsTab(journal, controller, asker, confirmer)
        self.events = self.events_tab.list
        # The discharge and T0 questions name what the form holds typed and not recorded: the
        # ended record cannot take it, and after T0 it counts as a value after the dose.
        self.checklist.typed_unrecorded = self.entry.unsaved_words

        self.lock_bar = LockBar(controller)
        # Signed in on it, the keyboard in the vitals form (what Ctrl+E does): it fell to the
        # next widget, the trend's "Last 15 min" on X, and a BP typed at once went nowhere (a
        # walk). Only then: an alarm bringing the window forward keeps it out of the form.
        self.lock_bar.signed_in.connect(lambda _answer: self.entry.focus_entry())
        self.lock_bar.hide()
        side = QtWidgets.QTabWidget()
        self.side = side
        # Styled before its pages come: set after, the sheet was applied again to every widget
        # of both pages (P7, start-up).
        side.setStyleSheet("QTabBar::tab {font-size:13pt;padding:4px 12px;}")
        side.addTab(self.checklist, "Checklist")
        side.addTab(self.events_tab, "Events")
        middle = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        middle.addWidget(self.tiles)
        middle.addWidget(self.trend)
        middle.addWidget(side)
        middle.setStretchFactor(0, 3)
        middle.setStretchFactor(1, 6)
        middle.setStretchFactor(2, 3)
        middle.setSizes([500, 570, 296])   # the trend gets the room; tiles stay readable
        bottom = self.entry
        layout = QtWidgets.QVBoxLayout(self)
        # Every pixel row counts at 1366x768 (tests/ui/test_live_layout.py: the window fits).
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        header_row = QtWidgets.QHBoxLayout()
        header_row.setSpacing(4)
        header_row.addWidget(self.header, 1)
        header_row.addWidget(self.lock_button)
        layout.addLayout(header_row)
        layout.addWidget(self.timers)
        layout.addWidget(self.ended)
        layout.addWidget(self.dosing)
        layout.addWidget(self.alarm_bar)
        layout.addWidget(middle, 1)
        layout.addWidget(bottom)
        layout.addWidget(self.lock_bar)
        # Return on a focused button presses it, as Space does, as on the start page (review
        # 39): outside a dialog a button takes Return only when auto-default, and "New session"
        # or an observation button reached with Tab did nothing on Return. No dialog here, so
        # none becomes a default that a field's Return would press.
        for button in self.findChildren(QtWidgets.QPushButton):
            button.setAutoDefault(True)
        self._seen = 0
        controller.changed.connect(self.refresh)
        controller.lock_changed.connect(self._on_lock_changed)
        if controller.identity is not None:
            app = QtWidgets.QApplication.instance()
            if app is not None:   # keys and clicks in this window or its dialogs: activity
                app.installEventFilter(ActivityFilter(controller.note_activity, self))
        self._on_lock_changed(controller.locked)
        theme.signals().changed.connect(self._on_theme_changed)
        self._first_draw()

    def _first_draw(self) -> None:
        """The first `refresh`, its bug handled as a slot's is: Qt hands an exception raised in
        a slot to `sys.excepthook` (the fault handler: the Console fault alarm) and carries on.
        Raised out of `__init__`, it had left no window and no tone for the alarms just
        restored, and `--resume` ended in a traceback (README: a bug becomes a technical alarm,
        never silence)."""
        try:
            self.refresh()
        except Exception as exc:  # noqa: BLE001 - every bug is the fault handler's
            sys.excepthook(type(exc), exc, exc.__traceback__)

    @QtCore.Slot()
    def _on_lock_clicked(self) -> None:
        """Lock or Ctrl+L: the station locks now, as at the idle time (the form emptied, the
        console's questions answered no, the lock bar shown). Neither locks an ended session."""
        if self.controller.view.ended_at is None:
            self.controller.lock_now()

    @QtCore.Slot(bool)
    def _on_lock_changed(self, locked: bool) -> None:
        """Locked: the sign-in form in the entry form's place; only the alarm area acts. The
        part that leaves is hidden before the one that comes is shown: both in the layout for a
        moment grew the window to 836 px at 1366x768 at every sign-in on the lock bar, the
        form's last rows off the screen for the rest of the session (a review)."""
        leaving, coming = (self.entry, self.lock_bar) if locked else (self.lock_bar, self.entry)
        leaving.setVisible(False)
        coming.setVisible(True)
        for widget in (self.entry, self.side, self.lock_button):
            widget.setEnabled(not locked)
        if locked:
            self._close_questions()
            self.lock_bar.show_locked()
        self._show_ended(self.controller.view.ended_at)   # an ended session stays read-only

    def _close_questions(self) -> None:
        """The station locked: a question the console left open is answered "no" (rejected),
        so nobody answers the absent nurse's question on a locked station. The T0 question
        ("Start Infusion (T0) now? … Start the pump as you confirm") stood over the sign-in
        form, and its Start was then refused: the pump ran with no T0 in the record (a
        review). The signature dialog is closed the same way (`SessionController`).

        The questions are the console window's (`MainWindow` builds its asker and confirmer
        on itself), so this window's top-level window is their owner: closing only this
        window's own left every real question open (a review)."""
        owner = self.window()
        for widget in QtWidgets.QApplication.topLevelWidgets():
            if (isinstance(widget, QtWidgets.QDialog) and widget.isVisible()
                    and belongs_to(widget, owner)):
                widget.reject()

    def _on_theme_changed(self, _theme: theme.Theme) -> None:
        """The header, dose line and banner are styled by this window: restyle them now."""
        self._style_ended()
        self.refresh()

    def _style_ended(self) -> None:
        t = theme.current()
        self.ended.setStyleSheet(f"QFrame#ended_banner {{background:{t.dark_bg};}} QLabel "
                                 f"{{color:{t.dark_text};font-size:17pt;font-weight:bold;}}"
                                 " QPushButton {font-size:15pt;padding:4px 16px;}")

    @QtCore.Slot()
    def refresh(self) -> None:
        engine, now = self.controller.view, self.controller.clock.now()
        # On a narrow screen the protocol's long name gives way, then the nurse's name, never
        # DEMO, the patient, the session or the device's state (the end of the line was cut).
        demo = "◆ DEMO — not patient data ◆   " if engine.demo else ""
        device = "device released" if engine.ended_at is not None \
            else f"device {engine.device_state}"
        # A 42-letter nurse's name (or a 35-letter identifier) had cut "device disconnected"
        # at 1366x768 when only the protocol's name gave way.
        self.header.set_parts(
            f"{demo}{engine.patient.patient_id}", GivesWay(f" · {engine.protocol.name}"),
            f" · session {engine.session_number} of {engine.protocol.course_sessions}",
            GivesWay(f" · {engine.nurse}", rank=1), f" · {device}")
        log = self.journal.inner
        self.header.setToolTip(plain_tip(   # the identifier and the nurse as typed
            self.header.full_text()
            + (f"\nSession log: {log.path}" if isinstance(log, EventLog) else "")))
        t = theme.current()
        _restyle(self.header, "font-size:17pt;font-weight:bold;padding:2px 4px;"
                 + (f"background:{t.demo_bg};color:{t.demo_text};" if engine.demo else ""))
        times = engine.times(now)
        due = engine.due(now)
        if due:
            first = due[0]
            # Past its time it is due ("DUE … 2:00 min ago"); OVERDUE once its prompt is an alarm.
            late = "OVERDUE " if first.overdue else "DUE " if first.due_in_s < 0 else ""
            ago = " ago" if first.due_in_s < 0 else ""
            # Still to come, it counts down as every wait does, rounded up (below).
            next_due = (f"{late}{first.name} "
                        f"{format_duration(abs(first.due_in_s), round_up=not ago)}{ago}")
        else:
            next_due = "none scheduled"
        left = times.phase_remaining_s
        # In the Discharge phase before the gate's time (the observation moved on early), the
        # header said "Phase left —" with 1:53 h of it to run (a walk on X): it says when.
        wait = engine.discharge_wait_s(now) if engine.phase.kind is PhaseKind.DISCHARGE else None
        # The gaps between the times narrow before any time is cut.
        gap = GivesWay("    ", ("  ",), rank=1, cut=False)
        # A wait still running is rounded up, as the rest's countdown (`device_rest._clock`):
        # 0.4 s before the 2 hours "Discharge in 0:00 min" stood over a discharge refused (an
        # esketamine review).
        discharge = ((gap, f"Discharge in {format_duration(wait, round_up=True)}")
                     if wait is not None else ())
        # A phase with no planned time left to show says none: "Phase left —" said nothing, and
        # at 1366 px in Discharge it stood whole while "Next vitals: OVERDUE … 30:0…" lost how
        # late (a review). The Discharge phase says when instead ("Discharge in").
        if left is None:
            phase_left: tuple[str | GivesWay, ...] = ()
        elif left >= 0:
            phase_left = (gap, f"Phase left {format_duration(left, round_up=True)}")
        else:
            phase_left = (gap, f"Phase left over by {format_duration(-left)}")
        # The phase's name gives way when the line is too long, never the times after it: at
        # 1366 px esketamine's "Observation (at least 2 h from the first device)" cut "Next
        # vitals: Repe…", and an OVERDUE with it (a nurse walk on X). Where even "…" has no
        # room the name is left out with the space after it ("Next vitals: OVERDUE …" was cut
        # at 1366 px past the observation's 2 h). The name is on the checklist's tooltip and in
        # the trend's phase band too.
        self.timers.set_parts(
            GivesWay(f"{engine.phase.name}   "), f"Elapsed {format_duration(times.elapsed_s)}",
            *phase_left, *discharge, gap, f"Next vitals: {next_due}")
        dosing = [p.id for p in engine.protocol.phases if p.kind is PhaseKind.DOSING]
        ticked = [(item, tick.mono) for phase in dosing
                  for item, tick in engine.ticks(phase).items()]
        line = dose_line(engine.protocol, engine.details, engine.phase.kind,
                         engine.dosing_minutes, devices_ticked(
                             engine.protocol, [item for item, _ in ticked]),
                         weight_kg=engine.patient.weight_kg,   # a capped dose says its sum
                         rest_kept=devices_rest_kept(engine.protocol, ticked))
        self.dosing.setText(line)
        active = engine.phase.kind in (PhaseKind.PRE, PhaseKind.DOSING)
        _restyle(self.dosing, "font-size:14pt;padding:0 6px;" + (
            f"font-weight:bold;background:{t.accent_bg};color:{t.accent_text};" if active
            else f"color:{t.muted_text};"))
        self._show_ended(engine.ended_at)
        self.tiles.update_from(engine, now)
        reloaded = self._feed_trend()
        # A cuff waiting for its device's clock is judged on the tiles' clock, not at the next
        # record (`TrendFeed.reached`): the tile and the trend say the same at every refresh.
        self.trend.feed.reached(now.wall)
        # The session's minute as its timers run (monotonic), where the trend places the
        # values (`TrendFeed.minutes_at`): wall time less the start stood still for an hour
        # after NTP set a fast clock back an hour, the follow view with it. The feed read
        # again has its minutes as the timers count them now (a step put a restart's clock
        # right): the follow view may go back with it.
        self.trend.set_now(times.elapsed_s / 60, reloaded)
        self.trend.refresh()
        self.checklist.refresh()
        self.events.refresh()

    def _show_ended(self, ended_at: datetime | None) -> None:
        """An ended session: the banner with "New session", and nothing left to act on."""
        if ended_at is None:
            return
        # A discharge the log could not take waits for the tick (`SessionEngine.tick`): "closed"
        # had said it was kept while the log still showed the session open.
        said = ("not yet saved in the session log; it is written as soon as the log takes "
                "writes again." if self.controller.view.unsaved
                else "this record is closed; nothing more is recorded.")
        self.ended_text.setText(f"Session ended at {ended_at.astimezone():%H:%M} (discharged): "
                                + said)
        ending = self.ended.isHidden()
        # The timers line goes before the banner comes: Qt lays the window out at the show, and
        # with both in it a 1366x768 window grew to 788 px (its bottom row off the screen).
        self.timers.hide()
        self.ended.show()
        self.lock_button.hide()   # nothing to lock: `_on_lock_clicked`
        self.lock_shortcut.setEnabled(False)
        # The alarm area disables itself with nothing left to act on (`AlarmBar`): a console
        # fault after the discharge still sounds, and F2 and F3 must reach it.
        for widget in (self.entry, self.checklist, self.events_tab.correct_button,
                       self.events_tab.void_button):
            widget.setEnabled(False)
        if ending:
            # The keyboard rests on the banner, not on the next button: Qt handed it from the
            # disabled Discharge to "New session", and the next Return (a walk at 1366x768)
            # left the ended record for the start page. Tabbed to, New session takes Return.
            self.ended.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    def _feed_trend(self) -> bool:
        """Hand the trend's feed what was committed since the last refresh; True when the
        session was read again from the log (a new feed).

        The journal's new records with their row ids, in commit order (a correction names the
        row it replaces). The journal keeps only its newest 5,000 records (~14 minutes at 1 Hz ×
        6 vitals): when it forgot records the trend was not given yet (a long session resumed:
        its pre-session, T0 and peak were missing, issue 11 item 6), the whole session is read
        from the log instead, and a corrected value not in the journal is looked up there. So
        is a session whose clock stepped where the journal's order does not place its records
        among the steps (a resumed session's history, in time order; a step that put right the
        clock of a restart: `TrendFeed.needs_reload`).
        """
        journal, feed = self.journal, self.trend.feed
        log = journal.inner
        # The journal holds every record it was given until it reaches its size: then only what
        # it forgot needs the log (a new session, or a resumed one of under 5,000 records, is
        # drawn from the journal alone: P7).
        forgot = journal.total - self._seen > len(journal.entries)
        rows = [] if forgot else journal.added_since_with_ids(self._seen)
        # A resumed session's history comes in time order, not the log's: after a clock step
        # its times do not say which records came before the step (a clock set back made the
        # same times come twice), the log's order does (`TrendFeed.load`).
        from_log = forgot or (self._seen == 0 and any(
            isinstance(r, EventRecord) and r.kind == CLOCK_STEPPED for _, r in rows))
        added = not from_log
        if added:
            feed.add_rows(rows)
            # A step that put right the clock of a restart moves points drawn before it.
            from_log = feed.needs_reload
        if isinstance(log, EventLog) and from_log:
            import sqlite3

            from console.review.queries import observation_by_id
            from console.session.trend_feed import TrendFeed
            from console.store import LogError

            def corrected(row: int) -> ObservationRecord | None:
                try:
                    return observation_by_id(log.conn, row)
                except (sqlite3.Error, LogError):
                    return None   # the old point stays beside the new one: visible, not lost

            session_id = self.controller.view.session_id
            fresh = TrendFeed(feed.started_at, demo=feed.demo, resolve=corrected)
            try:
                fresh.load(log.observations(session_id), log.events(session_id),
                           log.alarm_events(session_id))
            except LogError:   # the log cannot be read now: what the journal still holds
                fresh.add_rows(journal.added_since_with_ids(0))
            self.trend.set_feed(fresh)
            self._seen = journal.total
            return True
        if not added:
            feed.add_rows(journal.added_since_with_ids(self._seen))
        self._seen = journal.total
        return False


def _restyle(widget: QtWidgets.QWidget, sheet: str) -> None:
    """Give `widget` this style sheet unless it has it already: each set polishes the widget
    again, and `refresh` runs twice a second with the same sheet nearly always."""
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)

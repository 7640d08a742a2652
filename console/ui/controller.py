"""Connects a session engine to Qt: the one way into it for the windows, the timer that ticks it,
and device events as signals.

The engine decides; this object only forwards. Every change to the session goes through one of
its action methods (the widgets hold a read-only `SessionView`, never the engine), and the engine
tells this object after every commit, which then emits `changed`: a view cannot miss a change and
nothing is drawn before it is in the log. Device events arrive on the transport's worker thread
and cross to the GUI thread through a queued signal, so the engine stays single-threaded; their
acknowledgements to the monitor go out only after the commit (`console.session.feed.apply`).

Identity (issue 13): on a log with staff accounts the controller holds a `ChairIdentity` (the
signed-in account and the idle lock, console/session/chair_identity.py and lock.py). Its tick
locks the station after the idle time; while locked every action but acknowledge and pause audio
is refused with "Locked — sign in to continue", and `sign_in` unlocks it (a hand-over when another
nurse signs in). Before each of those other actions the signed-in account is read again: one an
administrator disabled, or whose nurse role was taken away, since it signed in is refused with
the identity layer's sentence and the station locks (acknowledge and pause never read it: they
never wait). Locking closes an open signature dialog as cancelled, and a signed action asks the
lock again after its signatures, before the engine acts. A lock for such a reason keeps it
(`lock_reason`, which the lock bar shows beside the sign-in form) until the next sign-in: the
refusal's own words went to a panel the lock hides. Closing the console waits for a sign-in
too (`close_refusal`), unless the log cannot record one (asked again at the close). A window
calls `refusal` before it puts a question to the nurse (T0 "Start the pump as you confirm", a
lot number, an unusual value): a refused account is told so and asked nothing, and a refusal by
the lock or the account is never offered as a gate to override (`locked` is true after it).
Without one (a log without accounts) nothing is locked or refused.

Signatures (issue 13), only with a `ChairIdentity`: an override of a refusal (next phase; the
discharge gate, a prescriber's), a prescriber's decision at a gate, every discharge, a correction of a recorded value
and a value taken back as entered in error ask the `signature_service` (the UI's signature
dialog) for a PIN first, through `console.session.signing.ChairSigner`: the secret is checked
before the engine acts, a wrong one or a cancel leaves nothing written, and the signature is
written after the engine's commit, naming the committed `events` row. An override hands the
engine what blocked as its signatures were asked (`signed_for`): anything more blocking once
they are given refuses it, nothing recorded (a high alarm raised while the nurse came to sign
had been overridden on the prescriber's signature). Actions that the engine
will refuse anyway (no reason given, a value out of range, a discharge with open blockers and no
override) go to the engine without asking, so a PIN is never asked for nothing.

Faults: an exception raised in an action, a tick or a device event propagates (the window's
fault handler turns it into the "Console fault" alarm: console/ui/fault_handler.py). If even that
alarm cannot go through the engine (the engine itself is what failed), or the session has ended
(a discharged record takes nothing more), `fallback_faults` holds it and the alarm bar and the
sounder show and sound it without the engine (`fallback_alarms`, `alarms`, `audio`), by the rules
of console/session/fallback_faults.py: F2 and F3 silence it, only a restart ends it.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from PySide6 import QtCore

from console.clock import Clock, Moment
from console.session import feed
from console.records import Record
from console.session.alarms import AudioSignal, Occurrence, Raise
from console.session.chair_identity import ChairIdentity, SignInAnswer
from console.session.engine import (
    ALARM_NOT_RESOLVED, REQUIRED_OPEN, Blocker, Outcome, SessionEngine,
)
from console.session.fallback_faults import FallbackFaults
from console.session.entry import Accepted, NeedsConfirmation, Rejected, Verdict
from console.session.lock import ALWAYS_ALLOWED, LOCKED_MESSAGE, ChairAction, locked_actor
from console.session.journal import Journal
from console.session.signing import (
    CORRECTION,
    DISCHARGE,
    DISCHARGE_OVERRIDE,
    GATE_DECISION,
    NO_SERVICE,
    PHASE_OVERRIDE,
    CancelsOnLock,
    ChairSigner,
    SignatureRequest,
    SignatureService,
    Signed,
    events_of,
)
from console.session.view import SessionView
from devices.stream import LoggedValue, UnplacedNibp
from devices.transport import DeviceConnection, DeviceEvent
from protocols.model import Priority
from protocols.vitals import metric

R = TypeVar("R")

TICK_MS = 500   # 2 Hz: timers and prompts; readings and alarms are applied as they arrive


class SessionController(QtCore.QObject):
    """Owns the running session's engine, its device connection and its tick timer.

    Signals:
        changed: the session changed (something was committed) or time passed (a tick).
        device_state: the device connection changed state (its ConnectionState value).
        device_event: internal, carries a DeviceEvent from the worker thread to the GUI thread.
        lock_changed: the station locked (True) or was unlocked by a sign-in (False); why it
            locked, when not the idle time nor the nurse's own Lock, is in `lock_reason`.
    """

    changed = QtCore.Signal()
    lock_changed = QtCore.Signal(bool)
    device_state = QtCore.Signal(str)
    device_event = QtCore.Signal(object)

    def __init__(self, engine: SessionEngine, clock: Clock, parent: QtCore.QObject | None = None,
                 identity: ChairIdentity | None = None,
                 signature_service: SignatureService | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self.clock = clock
        self.identity = identity   # None: a log without staff accounts (nothing locks)
        # Asks for a signature's PIN (the UI's dialog); used only with `identity`.
        self.signature_service = signature_service
        # Why the station locked, when not the idle time nor the nurse's own Lock ("Ana Nurse's
        # account is disabled: ask an administrator."); "" otherwise and after a sign-in.
        self.lock_reason = ""
        self._signer: ChairSigner | None = None
        # The log refused the last sign-in's row: nobody can sign in (`close_refusal`).
        self._sign_in_unrecorded = False
        self.connection: DeviceConnection | None = None
        self._monitor_unknown = ""   # why the monitor asked for cannot be read (attach_device)
        self._wanted_monitor: tuple[str, str] | None = None
        # The monitor's NIBP memory, handed to each connection made for it (`attach_device`).
        self._nibp = UnplacedNibp()
        self._monitor_retry_at = 0.0   # mono time of the next look (`_try_monitor_again`)
        self._fallback = FallbackFaults()   # console faults the engine could not take
        # The engine's calls that raised (`alarms`, `audio`): each reported once, on its own (one
        # flag for both had hidden a bug in `alarms` after one in `audio`: the alarm area blank).
        self._engine_failed: set[str] = set()
        self._commits = 0
        self._stopped = False   # after stop(): late queued events are not applied
        engine.subscribe(self._on_committed)
        self.device_event.connect(self._on_device_event, QtCore.Qt.ConnectionType.QueuedConnection)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)

    @property
    def view(self) -> SessionView:
        """The session, read-only, for the windows."""
        return self._engine

    def start(self) -> None:
        self.timer.start()
        if self.connection is not None:
            self.connection.start()
        elif self._monitor_unknown:
            now = self.clock.now()
            self._monitor_retry_at = now.mono + MONITOR_RETRY_S
            self._engine.device_state_changed("disconnected", now, self._monitor_unknown)
            self.device_state.emit("disconnected")

    def attach_device(self, url: str, fmt: str, logged: Iterable[LoggedValue] = ()) -> None:
        """Read the monitor at `url` in `fmt` (a format or device profile) once started. A
        profile not installed (removed since the session started on it) is the "Device
        disconnected" alarm at start, naming why: a resume is never refused for its monitor,
        and it had ended in a traceback after `session_resumed` was logged (review 44).

        `logged`: a resumed session's observations, oldest first. The connection's NIBP memory
        starts from them (`UnplacedNibp.resume`): the cuff the monitor still repeats after
        "Restart and resume" is the one logged before, not a new BP "measured now" (it had been
        logged again and met the open BP check); live and restarted read one cuff as one row."""
        self._wanted_monitor = (url, fmt)
        self._nibp.resume(logged)
        try:
            # The callback runs on the worker thread: emitting a signal is all it may do.
            self.connection = DeviceConnection(url, fmt, self.device_event.emit, nibp=self._nibp)
        except ValueError as exc:
            self.connection = None
            self._monitor_unknown = _why_unreadable(fmt, url, exc)

    def _try_monitor_again(self, now: Moment) -> None:
        """A monitor whose profile could not be read is tried again every MONITOR_RETRY_S, as a
        lost port is: the profile put back, the monitor is read (its alarm ends at the first
        good frame); it had stood for the rest of the session (review 44)."""
        if (self.connection is not None or not self._monitor_unknown
                or self._wanted_monitor is None or now.mono < self._monitor_retry_at
                or self._engine.discharged):   # an ended session opens no monitor
            return
        self._monitor_retry_at = now.mono + MONITOR_RETRY_S
        url, fmt = self._wanted_monitor
        try:
            connection = DeviceConnection(url, fmt, self.device_event.emit, nibp=self._nibp)
        except ValueError as exc:
            # Still not readable, maybe for another reason (removed, then put back with a typo
            # in its code map): the alarm says the newest (the engine words it, and logs it
            # only when its words change).
            self._monitor_unknown = _why_unreadable(fmt, url, exc)
            self._engine.device_state_changed("disconnected", now, self._monitor_unknown)
            return
        self.connection, self._monitor_unknown = connection, ""
        connection.start()

    def stop(self) -> None:
        """Stop the timer and the device; records the log could not take yet get a last attempt,
        else go to a file beside the log (named on stderr) rather than vanish with the process."""
        self._stopped = True
        self.timer.stop()
        self._stop_device()
        engine = self._engine
        held = engine.unsaved
        saved = engine.close(self.clock.now(), [Path(tempfile.gettempdir())])
        if saved is not None:
            print(f"infusion-console: {held} records could not be written to the session log; "
                  f"they are in {saved}", file=sys.stderr)
        elif engine.unsaved:
            print(f"infusion-console: {engine.unsaved} records could not be written to the "
                  "session log nor to any file; they are lost", file=sys.stderr)

    def _stop_device(self) -> None:
        if self.connection is not None:
            self.connection.stop()

    # ---- what the engine tells us ------------------------------------------------------------

    def _on_committed(self) -> None:
        self._commits += 1
        self.changed.emit()

    @QtCore.Slot()
    def tick(self) -> None:
        if self._stopped:
            return
        before = self._commits
        now = self.clock.now()
        self._try_monitor_again(now)
        try:
            self._engine.tick(now)   # a bug in it goes on to the fault handler (sys.excepthook)
        finally:
            # ...and the lock, the timers, the alarm bar and the speaker still follow the clock.
            if self.identity is not None and not self._engine.discharged and (
                    self.identity.lock.check(now)):
                self._on_locked()
            if self._commits == before:
                self.changed.emit()   # nothing written, but the timers moved
            self._stop_when_ended(now)

    # ---- who is at the chair (issue 13) -------------------------------------------------------

    @property
    def locked(self) -> bool:
        """The station is locked: only acknowledge and pause audio work until a sign-in."""
        return self.identity is not None and self.identity.lock.locked

    def note_activity(self) -> None:
        """Someone used the station (a key, a click): the idle time starts again, or, run out
        already (a station that slept, before its first tick), the station locks now, before
        the key or click reaches the window: it acts on a locked station (lock.py)."""
        identity = self.identity
        if identity is None or self._engine.discharged:
            return   # an ended record never locks (`tick`)
        if identity.lock.activity(self.clock.now()):
            self._on_locked()

    def lock_now(self, reason: str = "") -> None:
        """Lock the station at once (the nurse leaves the chair: the live window's Lock and
        Ctrl+L); `reason`, when the console locks it, is shown until the next sign-in."""
        if self.identity is not None and self.identity.lock.lock(self.clock.now()):
            self._on_locked(reason)

    def _on_locked(self, reason: str = "") -> None:
        """The station has just locked: a signature dialog left open is closed as cancelled
        (whoever comes by must not sign in it), then the windows are told (and why)."""
        self.lock_reason = reason
        if isinstance(self.signature_service, CancelsOnLock):
            self.signature_service.cancel_open()
        self.lock_changed.emit(True)

    def sign_in(self, name_or_badge: str, secret: str) -> SignInAnswer:
        """Sign in at the chair: unlocks the station; another nurse takes the session over
        (`handed_over` is written before anything else she does)."""
        identity = self.identity
        if identity is None:
            return SignInAnswer(False, "This session log has no staff accounts: nobody signs in.")
        engine, now = self._engine, self.clock.now()
        was_locked = identity.lock.locked
        answer = identity.sign_in(name_or_badge, secret, now, engine.nurse)
        self._sign_in_unrecorded = answer.log_refused
        if answer.ok and answer.account is not None:
            self.lock_reason = ""   # an allowed account is at the chair now
            if answer.hand_over_from is not None and not engine.discharged:
                engine.hand_over(answer.account.name, now)
                self.changed.emit()   # the header names the new nurse
            if was_locked:
                self.lock_changed.emit(False)
        return answer

    def refusal(self, action: ChairAction) -> str | None:
        """Why `action` is refused now, else None (and the action is activity).

        Refused: anything but acknowledge and pause audio while locked; and, read again now, an
        account disabled or without the nurse role since it signed in (the station then locks).
        Acknowledge and pause are never refused and never read the account (an alarm must reach
        the nurse: no read of the staff list stands in its way). A window asks it before it puts
        any question to the nurse about that action: "Start Infusion (T0) now? … Start the pump
        as you confirm" was asked of a disabled nurse, and the move refused after her Yes (the
        pump ran, no T0 in the record)."""
        identity = self.identity
        if identity is None:
            return None
        # Activity first: an idle time run out (a station that slept) locks here, told to the
        # windows, before the act is weighed. F2's shortcut acts before its key reaches the
        # activity filter; noted after, the act locked the station unseen (no lock bar) and
        # was done in the absent nurse's name.
        self.note_activity()
        if not identity.lock.permits(action):
            return LOCKED_MESSAGE
        if action not in ALWAYS_ALLOWED:
            refused = self._account_refusal()
            if refused is not None:
                return refused
        return None

    def _account_refusal(self) -> str | None:
        """The signed-in account read again: one disabled, or without the nurse role, since it
        signed in is refused with the identity layer's sentence and the station locks."""
        why = self.identity.no_longer_allowed() if self.identity is not None else None
        if why is None:
            return None
        self.lock_now(why)
        return f"{why} {LOCKED_MESSAGE}."

    def close_refusal(self) -> str | None:
        """Why closing the console is refused now, else None.

        Closing stops every alarm of the session until the console is started again, so like
        entry, notes and the discharge it waits for a sign-in of an account allowed to run the
        session: anyone passing a locked station had closed it (logged as the nurse "(station
        locked: not signed in)"), and a disabled account could too (a review). The way out:
        when the log could not record the last sign-in here, nobody can sign in, and the
        console must stay closable (the close is then logged with nobody signed in), for as
        long as the log, asked again, still refuses (`sign_in_unrecorded`)."""
        identity = self.identity
        if identity is None:
            return None
        if identity.lock.locked:
            return None if self.sign_in_unrecorded else LOCKED_MESSAGE
        return self._account_refusal()

    @property
    def sign_in_unrecorded(self) -> bool:
        """The station is locked, the log could not record the last sign-in at it, and asked
        again now it still could not (`Staff.can_record_now`). Asked again because a log held
        for a moment (a backup tool) had left the locked station closable by anyone, and its
        close saying "the sign-in cannot be recorded now", until someone tried to sign in."""
        if not (self.locked and self._sign_in_unrecorded) or self.identity is None:
            return False
        if self.identity.staff.can_record_now():
            self._sign_in_unrecorded = False
        return self._sign_in_unrecorded

    def _still_allowed(self) -> str | None:
        """Asked after a signature's approvals, just before the engine acts: the station may
        have locked (or the account been disabled) while the dialog was open."""
        identity = self.identity
        if identity is None:
            return None
        if not self._engine.discharged and identity.lock.check(self.clock.now()):
            self._on_locked()   # idle past the lock, its tick not come yet
        if identity.lock.locked:
            return SIGNED_ON_A_LOCKED_STATION
        why = identity.no_longer_allowed()
        if why is not None:
            self.lock_now(why)
            return f"Not done: {why} {LOCKED_MESSAGE} (nothing was recorded)."
        return None

    def _actor(self) -> str:
        """Who an acknowledgement or pause is recorded as (lock.py: a locked station names the
        nurse in charge and that nobody was signed in)."""
        nurse = self._engine.nurse
        return locked_actor(nurse) if self.locked else nurse

    @QtCore.Slot(object)
    def _on_device_event(self, event: DeviceEvent) -> None:
        if self._stopped:   # queued before the device stopped: not stored, so not acknowledged
            event.settle(False)
            return
        feed.apply(self._engine, event, self.clock.now())
        if event.state is not None:
            self.device_state.emit(event.state.value)

    # ---- the nurse's actions (the actor is the session's nurse; the lock may refuse them) -------------------------------

    def enter_manual(self, metric_name: str, value: float, confirmed: bool = False, *,
                     replaces: bool | None = None) -> Verdict:
        """`SessionEngine.enter_manual`: `confirmed` (the value's own question) and `replaces`
        (the monitor's alarming reading) are two answers, passed apart."""
        refused = self.refusal(ChairAction.ENTER)
        if refused is not None:
            return Rejected(metric_name, refused)
        engine = self._engine
        return engine.enter_manual(metric_name, value, engine.nurse, self.clock.now(), confirmed,
                                   replaces=replaces)

    def enter_manual_row(self, metric_name: str, value: float, confirmed: bool = False, *,
                         replaces: bool | None = None) -> tuple[Verdict, int | None]:
        """`enter_manual`, with the row id of the observation written (None if none has one)."""
        refused = self.refusal(ChairAction.ENTER)
        if refused is not None:
            return Rejected(metric_name, refused), None
        engine = self._engine
        return engine.enter_manual_row(metric_name, value, engine.nurse, self.clock.now(),
                                       confirmed, replaces=replaces)

    def correct(self, observation_id: int, metric_name: str, value: float, reason: str,
                confirmed: bool = False) -> Verdict:
        refused = self.refusal(ChairAction.CORRECT)
        if refused is not None:
            return Rejected(metric_name, refused)
        engine = self._engine

        def act() -> Verdict:
            return engine.correct(observation_id, metric_name, value, engine.nurse,
                                  self.clock.now(), reason, confirmed)

        m = metric(metric_name)
        verdict = engine.check_correction(observation_id, metric_name, value)
        if (self.identity is None or engine.discharged or not reason.strip()
                or isinstance(verdict, Rejected)
                or (isinstance(verdict, NeedsConfirmation) and not confirmed)):
            return act()   # the engine refuses or asks first: no signature is asked for nothing
        signed = self._signed(
            SignatureRequest((CORRECTION,), f"{self._named(observation_id, metric_name)} "
                                            f"corrected to {m.format(value)} {m.unit}",
                             self._signer_name(),
                             f"Reason: {reason.strip()}"),
            act, events_of({"correction": CORRECTION}))
        if not signed.done or signed.result is None:
            return Rejected(metric_name, signed.message)
        if signed.message and isinstance(signed.result, Accepted):
            return Accepted(signed.result.metric, signed.result.value, note=signed.message)
        return signed.result

    def _named(self, observation_id: int, metric_name: str) -> str:
        """The value a signature is about, as the event list shows it (`Journal.named`)."""
        journal = self._engine.recorder
        if isinstance(journal, Journal):
            return journal.named(observation_id, metric_name)
        return f"a {metric(metric_name).label} value"

    def uncorrectable(self, observation_id: int, metric_name: str) -> str | None:
        """Why that value cannot be corrected (corrected already, entered in error), or None."""
        return self._engine.uncorrectable(observation_id, metric_name)

    def void_refusal(self, observation_id: int, metric_name: str) -> str | None:
        """Why `void` would refuse that value (taken back already, or no longer among the last
        values), or None; asked before the reason (nothing written)."""
        return self._engine.void_refusal(observation_id, metric_name)

    def check_correction(self, observation_id: int, metric_name: str, value: float) -> Verdict:
        """What `correct` would answer for `value`, asked before the reason (nothing written)."""
        return self._engine.check_correction(observation_id, metric_name, value)

    def void(self, observation_id: int, metric_name: str, reason: str) -> Outcome:
        refused = self.refusal(ChairAction.VOID)
        if refused is not None:
            return Outcome(False, (refused,))
        engine = self._engine

        def act() -> Outcome:
            return engine.void(observation_id, metric_name, engine.nurse, self.clock.now(),
                               reason)

        if self.identity is None or engine.discharged or not reason.strip():
            return act()
        return self._outcome(self._signed(
            SignatureRequest((CORRECTION,), f"{self._named(observation_id, metric_name)} "
                                            "entered in error", self._signer_name(),
                             f"Reason: {reason.strip()}"),
            act, events_of({"entered_in_error": CORRECTION})))

    def note(self, text: str, kind: str = "note") -> Outcome:
        return self.note_row(text, kind)[0]

    def note_row(self, text: str, kind: str = "note") -> tuple[Outcome, int | None]:
        """`note`, with the row id of the event written (None if none has one)."""
        refused = self.refusal(ChairAction.NOTE)
        if refused is not None:
            return Outcome(False, (refused,)), None
        engine = self._engine
        return engine.note_row(text, engine.nurse, self.clock.now(), kind=kind)

    def void_observation(self, event_id: int, reason: str) -> Outcome:
        """`SessionEngine.void_observation` (a "Vomiting" clicked by mistake, taken back),
        signed on a log with accounts as `void` is: it is an entered in error too."""
        refused = self.refusal(ChairAction.VOID)
        if refused is not None:
            return Outcome(False, (refused,))
        engine = self._engine

        def act() -> Outcome:
            return engine.void_observation(event_id, engine.nurse, self.clock.now(), reason)

        noted = engine.noted(event_id)
        if self.identity is None or engine.discharged or not reason.strip() or noted is None:
            return act()   # the engine refuses: no signature is asked for nothing
        text, at = noted
        return self._outcome(self._signed(
            SignatureRequest((CORRECTION,), f"{text} of {at.astimezone():%H:%M:%S} entered in "
                                            "error", self._signer_name(),
                             f"Reason: {reason.strip()}"),
            act, events_of({"entered_in_error": CORRECTION})))

    def tick_item(self, item_id: str, gate_decision: str = "", note: str = "",
                  early_reason: str = "", extra_reason: str = "") -> Outcome:
        refused = self.refusal(ChairAction.TICK)
        if refused is not None:
            return Outcome(False, (refused,))
        engine = self._engine

        def act() -> Outcome:
            return engine.tick_item(item_id, engine.nurse, self.clock.now(), note=note,
                                    gate_decision=gate_decision, early_reason=early_reason,
                                    extra_reason=extra_reason)

        item = next((i for i in engine.phase.checklist if i.id == item_id), None)
        if self.identity is None or not gate_decision.strip() or item is None:
            return act()
        # The prescriber signs: the signed-in account is offered only when it is one.
        account = self.identity.current_account()
        signer = (account.name if account is not None and "prescriber" in account.roles
                  else "")
        return self._outcome(self._signed(
            SignatureRequest((GATE_DECISION,), f"{item.text!r}: {gate_decision.strip()}",
                             signer, "Only an account with the prescriber role signs this "
                                     "decision: the prescriber types their name or badge and "
                                     "PIN."),
            act, events_of({"gate_decision": GATE_DECISION})))

    def advance_phase(self, override_reason: str = "") -> Outcome:
        refused = self.refusal(ChairAction.NEXT_PHASE)
        if refused is not None:
            return Outcome(False, (refused,))
        engine = self._engine
        signed_for: tuple[Blocker, ...] | None = None   # None: no signature asked

        def act() -> Outcome:
            return engine.advance_phase(engine.nurse, self.clock.now(), override_reason,
                                        signed_for=signed_for)

        if self.identity is None or not override_reason.strip() or engine.discharged:
            return act()
        now = self.clock.now()
        blockers = engine.phase_blockers(now)
        if not blockers:
            return act()   # nothing to override: no override record, no signature
        # What the signature is given for, as its dialog names it: anything more blocking once
        # it is given (a BP come over the gate while the nurse signed) refuses the move.
        signed_for = engine.phase_override_blockers(now)
        if engine.prescriber_gates_open(now):
            # Passing a prescriber's gate by an override is a prescriber's decision (issue 13):
            # the prescriber signs the override record as a decision at the gate (the nurse's
            # reason is in the record); a nurse is refused before any PIN is checked.
            account = self.identity.current_account()
            signer = (account.name if account is not None and "prescriber" in account.roles
                      else "")
            return self._outcome(self._signed(
                SignatureRequest((GATE_DECISION,), _blocked(blockers), signer,
                                 f"Reason: {override_reason.strip()}. This passes a "
                                 "prescriber's gate: only an account with the prescriber "
                                 "role signs it."),
                act, events_of({"override": GATE_DECISION})))
        return self._outcome(self._signed(
            SignatureRequest((PHASE_OVERRIDE,), _blocked(blockers), self._signer_name(),
                             f"Reason: {override_reason.strip()}"),
            act, events_of({"override": PHASE_OVERRIDE})))

    def phase_blockers(self) -> list[str]:
        """Why Next phase is refused now (empty: it is not)."""
        return self._engine.phase_blockers(self.clock.now())

    def discharge_blockers(self) -> list[str]:
        """Why the discharge is refused now (empty: it is not, or the session has ended)."""
        engine = self._engine
        return [] if engine.discharged else engine.discharge_blockers(self.clock.now())

    def dose_starts_unasked(self) -> bool:
        """Next phase would start the first dose (T0) at once: nothing blocks the move. The
        window then asks the nurse to confirm: T0 is the moment every dose timer, check and
        baseline counts from, and a click on a focused button started it with no word (a nurse
        walk on X). A move against the checklist asks its own question ("… anyway")."""
        engine = self._engine
        return (not engine.discharged and engine.next_starts_first_dose
                and not engine.phase_blockers(self.clock.now()))

    def discharge_ends_unasked(self) -> bool:
        """Discharge would end the session at once: nothing blocks it and no signature is asked
        (a signature's "This ends the session." is itself the confirmation). The window then
        asks the nurse to confirm: ending a record cannot be undone, and one click or a stray
        key on a focused button must not do it."""
        engine = self._engine
        return (self.identity is None and not engine.discharged
                and not engine.discharge_blockers(self.clock.now()))

    def discharge_override_ends_unasked(self) -> bool:
        """A discharge against the gate, its reason given, would end the session at once: no
        prescriber's signature is asked (a log without accounts). The window asks once more."""
        return self.identity is None and not self._engine.discharged

    def discharge(self, override_reason: str = "") -> Outcome:
        refused = self.refusal(ChairAction.DISCHARGE)
        if refused is not None:
            return Outcome(False, (refused,))
        engine = self._engine
        now = self.clock.now()
        blockers = [] if engine.discharged else engine.discharge_blockers(now)
        # What the signatures are given for, as the prescriber's dialog names it: anything more
        # blocking once the last is given (a high alarm raised while the nurse came to sign)
        # refuses the discharge. Empty when nothing blocked: a blocker come since is then an
        # override nobody signed. None: no signature is asked.
        signed_for = (None if self.identity is None or engine.discharged
                      else engine.discharge_override_blockers(now) if blockers else ())

        def act() -> Outcome:
            return engine.discharge(engine.nurse, self.clock.now(), override_reason,
                                    signed_for=signed_for)

        pick = events_of({"discharged": DISCHARGE, "override": DISCHARGE_OVERRIDE})
        if (self.identity is None or engine.discharged
                or (blockers and not override_reason.strip())):
            outcome = act()   # refused (and logged as refused): nothing to sign
        elif not blockers:
            outcome = self._outcome(self._signed(
                SignatureRequest((DISCHARGE,), "", self._signer_name(), "This ends the session."),
                act, pick))
        else:
            outcome = self._outcome(self._signed_override(blockers, override_reason, act, pick))
        if outcome.done:
            self._stop_device()   # an ended session reads nothing more
            self._stop_when_ended(self.clock.now())
            self.changed.emit()
        return outcome

    def _stop_when_ended(self, now: Moment) -> None:
        """An ended session's tick stops once it has nothing left to follow: its discharge is
        in the log (one the log could not take is written by the tick: it had stayed in memory,
        the session open in the log, until the window went), no console fault of this object's
        is shown, and no audio pause counts down on the alarm bar."""
        engine = self._engine
        if (engine.discharged and not engine.unsaved and not self._fallback.texts
                and not self.audio(now).paused_seconds_left):
            self.timer.stop()

    def _signed_override(self, blockers: list[str], reason: str, act: Callable[[], Outcome],
                         pick: Callable[[Outcome, Sequence[tuple[int | None, Record]]],
                                        Sequence[tuple[str, int | None]]]) -> Signed[Outcome]:
        """A discharge against its gate: a prescriber signs the override ("a prescriber
        override is logged with a reason", clinical-defaults.md alarm behaviour 9), the nurse
        the discharge. A signed-in nurse who is also a prescriber signs both with one PIN; else
        the prescriber first, then the nurse, both before the session ends."""
        account = self.identity.current_account() if self.identity is not None else None
        roles = account.roles if account is not None else ()
        reason_line = f"Reason: {reason.strip()}. "
        if "prescriber" in roles and "nurse" in roles:
            return self._signed(
                SignatureRequest((DISCHARGE, DISCHARGE_OVERRIDE), _blocked(blockers),
                                 self._signer_name(), reason_line + "This ends the session."),
                act, pick)
        prescriber = SignatureRequest(
            (DISCHARGE_OVERRIDE,), _blocked(blockers),
            account.name if account is not None and "prescriber" in roles else "",
            reason_line + "Only an account with the prescriber role signs an override of the "
                          "discharge gate; the nurse signs the discharge next.")
        nurse = SignatureRequest((DISCHARGE,), "", self._signer_name(), "This ends the session.")
        return self._signed(prescriber, act, pick, then=(nurse,))

    # ---- signatures (issue 13) ----------------------------------------------------------------

    def _signer_name(self) -> str:
        identity = self.identity
        if identity is not None and identity.account is not None:
            return identity.account.name
        return self._engine.nurse

    def _signed(self, request: SignatureRequest, act: Callable[[], R],
                pick: Callable[[R, Sequence[tuple[int | None, Record]]],
                               Sequence[tuple[str, int | None]]],
                then: Sequence[SignatureRequest] = ()) -> Signed[R]:
        """Ask for the signature(s), then act, then sign (console/session/signing.py)."""
        identity = self.identity
        journal = self._engine.recorder
        if identity is None or not isinstance(journal, Journal):
            return Signed(False, message=NO_SERVICE)
        signer = self._signer
        if signer is None:
            signer = ChairSigner(identity.staff, journal, lambda: self.clock.now().wall,
                                 identity.station, self.signature_service,
                                 held=lambda: len(self._engine.writes.held))
            self._signer = signer
        signer.service = self.signature_service
        return signer.signed(request, act, pick, then=then, still_allowed=self._still_allowed)

    @staticmethod
    def _outcome(signed: Signed[Outcome]) -> Outcome:
        if not signed.done or signed.result is None:
            return Outcome(False, (signed.message,))
        outcome = signed.result
        if signed.message:
            return Outcome(outcome.done, (*outcome.reasons, signed.message))
        return outcome

    # Never refused, locked or not (IEC 60601-1-8: acknowledging never waits for a login).

    # A fallback fault (id -2, -3, ...) is acknowledged here: the engine does not know it.

    def acknowledge(self, occurrence_id: int) -> Outcome:
        self.refusal(ChairAction.ACKNOWLEDGE)   # never refused: activity only
        if self._silence_fallback([occurrence_id]):
            return Outcome(True)
        return self._engine.acknowledge(occurrence_id, self._actor(), self.clock.now())

    def acknowledge_all(self) -> Outcome:
        self.refusal(ChairAction.ACKNOWLEDGE)   # never refused: activity only
        silenced = self._silence_fallback(self._fallback.ids)
        outcome = self._engine.acknowledge_all(self._actor(), self.clock.now())
        return Outcome(True) if silenced and not outcome.done else outcome

    def acknowledge_shown(self, occurrence_ids: list[int]) -> Outcome:
        self.refusal(ChairAction.ACKNOWLEDGE)   # never refused: activity only
        silenced = self._silence_fallback(occurrence_ids)
        outcome = self._engine.acknowledge_shown([i for i in occurrence_ids if i >= 0],
                                                 self._actor(), self.clock.now())
        return Outcome(True) if silenced and not outcome.done else outcome

    def pause_audio(self) -> Outcome:
        """The engine's audio pause; with fallback faults shown and an engine that cannot pause
        (discharged, or failing), the controller's own pause silences them for as long."""
        self.refusal(ChairAction.PAUSE_AUDIO)   # never refused: activity only
        engine, now = self._engine, self.clock.now()
        if not self._fallback.pause_requested():
            return engine.pause_audio(self._actor(), now)
        try:
            outcome = engine.pause_audio(self._actor(), now)
        except Exception:
            self._pause_own(now)
            raise   # a failing engine is a fault of its own (the fault handler's)
        if not outcome.done:   # refused: the session has ended
            self._pause_own(now)
            return Outcome(True)
        return outcome

    def _pause_own(self, now: Moment) -> None:
        self._fallback.pause(now, self._engine.pause_seconds)
        self.changed.emit()

    def _silence_fallback(self, occurrence_ids: Sequence[int]) -> bool:
        """Acknowledge the fallback faults among `occurrence_ids`; True if there was one."""
        found = self._fallback.acknowledge(occurrence_ids, self.clock.now(), self._reminder)
        if found:
            self.changed.emit()
        return found

    # ---- what the window shows and sounds ----------------------------------------------------

    @property
    def fallback_faults(self) -> list[str]:
        """The texts of the console faults the engine could not take (ids -2, -3, ...)."""
        return self._fallback.texts

    @property
    def _reminder(self) -> float | None:
        return self._engine.board.reminder_seconds

    def fallback_alarms(self, now: Moment) -> list[Occurrence]:
        """The console faults the engine could not take, as the alarm area draws them."""
        return self._fallback.alarms(now, self._reminder)

    def alarms(self, now: Moment) -> list[Occurrence]:
        """Every alarm the window shows: the fallback faults first, then the engine's. When the
        engine cannot say (a bug in its `alarms`), the fallback faults still show: the bug's
        Console fault among them (it had broken the alarm area's every refresh)."""
        try:
            engine_alarms = self._engine.alarms()
        except Exception as exc:  # noqa: BLE001 - the alarm area must never go blank on a bug
            if self._report_once("alarms", exc):
                # The engine took the fault but cannot list it: shown without the engine.
                self._fallback_fault(f"Console fault: the alarm list cannot be read "
                                     f"({type(exc).__name__}: {str(exc)[:80]}) — restart the "
                                     "console")
            engine_alarms = []
        return self._fallback.alarms(now, self._reminder, engine_alarms)

    def audio(self, now: Moment) -> AudioSignal:
        """What the speaker plays and the pause button says (`FallbackFaults.audio`). When the
        engine cannot say (a bug in its `audio`), the speaker plays high: the bug's Console
        fault sounds, and so does any alarm the broken engine would have sounded (a bug there
        had silenced every alarm, its own fault's included)."""
        try:
            return self._fallback.audio(now, self._engine.audio(now), self._reminder,
                                        self._engine.alarms)
        except Exception as exc:  # noqa: BLE001 - what decides the tone must never fall silent
            self._report_once("audio", exc)
            # The fallback faults are among what sounds (`local_only`), acknowledged or not.
            return AudioSignal(Priority.HIGH, None, frozenset(self._fallback.ids))

    def local_only(self, signal: AudioSignal) -> bool:
        """`signal` (`audio`'s) sounds a console fault the engine could not take, which no
        central station hears of nor confirms (`FallbackFaults.local_only`), or the engine
        holds records the log cannot take: an alarm among them is in no outbox, so no central
        is sent it nor confirms it (README "Quiet room"). Full volume either way."""
        return self._fallback.local_only(signal) or self._engine.unsaved > 0

    def _report_once(self, call: str, exc: Exception) -> bool:
        """A bug in what decides the alarm area or the tone (the engine's `call`), reported once
        as a slot's bug is: the fault handler's crash file and Console fault (every refresh
        would raise it again). True the first time `call` raised."""
        if call in self._engine_failed:
            return False
        self._engine_failed.add(call)
        sys.excepthook(type(exc), exc, exc.__traceback__)
        return True

    # ---- the station's own conditions --------------------------------------------------------

    def audio_status(self, available: bool, detail: str = "") -> None:
        self._engine.audio_status(available, self.clock.now(), detail)

    def network_status(self, problem: Raise | None, state: str = "") -> None:
        """The clinic network's health (console/network/link.py judges it)."""
        self._engine.network_status(problem, self.clock.now(), state)

    def network_configured(self, description: str, quiet_room: bool) -> None:
        self._engine.network_configured(description, quiet_room, self.clock.now())

    def acknowledge_from_central(self, occurrence_id: int, by: str, station: str,
                                 command_id: str, priority: str = "") -> Outcome:
        """A central station's nurse acknowledged an alarm of this chair (engine's rule)."""
        return self._engine.acknowledge_from_central(occurrence_id, by, station, command_id,
                                                     self.clock.now(), priority)

    def console_closed(self) -> Outcome:
        """The nurse chose to close the console during the session (engine's rule)."""
        return self._engine.console_closed(self._actor(), self.clock.now())

    def console_stopped(self, signal_name: str) -> Outcome:
        """The system stopped the console (SIGTERM at a shutdown): logged as the nurse's close
        is, by the system, so the gap in the record is explained (a records audit found none)."""
        return self._engine.console_closed("system", self.clock.now(), signal=signal_name)

    def console_fault(self, summary: str, crash_file: str = "") -> None:
        """Raise the "Console fault" alarm; without the engine if the engine cannot take it, or
        once the session has ended: its record is closed, nothing more is written to it."""
        if self._engine.discharged:
            self._fallback_fault(f"Console fault: {summary[:100]} (after the discharge: not in "
                                 "the session's record) — restart the console")
            return
        try:
            self._engine.console_fault(summary, self.clock.now(), crash_file)
        except Exception as exc:  # noqa: BLE001 - the fault path itself must never fall silent
            self._fallback_fault(
                f"Console fault: {summary[:100]} (not in the log: {type(exc).__name__}) — "
                "restart the console")

    def _fallback_fault(self, text: str) -> None:
        """Show and sound `text` without the engine. After a discharge the 2 Hz tick runs again
        (the discharge stopped it), so its pause and reminder follow the clock."""
        now = self.clock.now()
        try:
            signal: AudioSignal | None = self._engine.audio(now)
            shown, reminder = self._engine.alarms(), self._reminder
        except Exception:  # noqa: BLE001 - the engine may be what is broken: sound it
            signal, shown, reminder = None, [], None
        self._fallback.raise_fault(text, now, signal, shown, reminder)
        if self._engine.discharged and not self._stopped and not self.timer.isActive():
            self.timer.start()
        self.changed.emit()


SIGNED_ON_A_LOCKED_STATION = ("Not done: the station locked while the signature was asked "
                              "(nothing was recorded). Sign in to continue, then do it again.")


SHOWN_BLOCKERS = 3


def _blocked(blockers: Sequence[str]) -> str:
    """What an override overrides, in plain words: the open items quoted, other reasons as
    they are ("'Consent confirmed'; Observation must reach 60 min ..."); past three, how many
    more (the dialog stays readable with 16 open items). The patient's alarms first: a high
    SpO2 alarm after ten open items read "and 10 more" in the prescriber's dialog."""
    ordered = sorted(blockers, key=lambda b: not b.startswith(ALARM_NOT_RESOLVED))
    words = [f"'{b[len(REQUIRED_OPEN):]}'" if b.startswith(REQUIRED_OPEN) else b
             for b in ordered]
    more = len(words) - SHOWN_BLOCKERS
    return "; ".join(words[:SHOWN_BLOCKERS]) + (f"; and {more} more" if more > 0 else "")


MONITOR_RETRY_S = 5.0
"""How often a monitor whose profile could not be read is tried again (R2: a port back is read
within 5 s)."""


def _why_unreadable(fmt: str, url: str, exc: ValueError) -> str:
    """The `device_state` detail of a monitor that cannot be read: a profile not installed, or
    one installed that cannot be used (a code map with a typo: "not installed" sent IT to copy
    the file again, review 44). The engine words the alarm by its start (`_LOST_REASONS`)."""
    from devices.profiles import default_catalogue  # noqa: PLC0415 - only on this fault

    catalogue = default_catalogue()
    # A file of that name the catalogue refused (a TOML typo, a value not allowed) is there:
    # "not installed" sent IT to copy it again (review 44); its refusal is the detail.
    refused = next((e for e in catalogue.errors if e.file.stem == fmt), None)
    if refused is not None:
        return f"unusable monitor {fmt!r} for {url}: {refused}"
    installed = catalogue.find(fmt) is not None
    return f"{'unusable' if installed else 'unknown'} monitor {fmt!r} for {url}: {exc}"

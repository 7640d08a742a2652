"""Starts the window: opens the log, loads the protocols, then a session from the options, the
demo, or the start screen (which offers any session left open for resumption).

Resuming from the command line (quality bar R1): when the options name a patient and protocol
whose session is still open in the log (the console was killed, or the machine lost power, before
discharge), that session is resumed instead of a new one being opened: its phase, T0, timers and
checklist come back from the log, alarms that still hold sound again, `session_resumed` is logged
with the nurse given on the command line, and the device given now is read (a monitor can come
back under another port name). The logged weight stands. A restart with the same options is
therefore all it takes to carry on, for a person or a supervisor that restarts the console. A
different patient or protocol opens a new session, and the start screen still offers any
session left open.

The look is the `--theme` one (light or dim, console/ui/theme.py), applied before any widget is
built; Ctrl+D in the window switches it.

Environment failures a user can meet (a log that cannot be written, an unknown protocol, a bad
option) end in a dialog and a one-line message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shlex
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from console import collector_hold
from console.clock import Clock, SystemClock
from console.paths import default_db_path
from console.records import ENGINE, SESSION_RESUMED, Recorder
from console.session.start_checks import (
    RESUME_WITHIN_HOURS,
    Field,
    StartEntry,
    check_nurse,
    check_protocol,
    check_start,
    command_line_text,
    device_problems,
    patient_key,
    start_screen_monitor_problems,
    weight_text,
)
from console.session.chair_identity import ChairIdentity
from console.session.course import earlier_in_course
from console.session.left_open import (
    LeftOpen,
    device_read_last,
    left_open,
    left_open_for,
    open_under_other_protocols,
)
from console.session.alarms import Raise
from console.session.engine import Patient, SessionEngine
from console.session.protocol_record import ProtocolMissing
from console.store import EventLog, LogError, SessionRow
from console.store.log import log_path_is
from console.store.schema import SQLITE_INTEGER
from console.store.session_claim import SessionInUse
from console.ui import theme
from console.ui.audio import AudioOut, default_audio_out
from console.ui.checklist_panel import Asker
from console.ui.entry_panel import Confirmer
from console.ui.fault_handler import FaultHandler
from console.ui.gui_collector import collecting_on_this_thread
from console.ui.main_window import MainWindow, SessionHasEnded
from console.ui.refusal_box import refusal_box
from console.ui.shown_log import check_writable
from console.version import VERSION
from protocols.loader import LoadResult, default_protocol_dirs, load_protocols
from protocols.model import DoseMode, Priority, Protocol

if TYPE_CHECKING:
    from console.network.config import NetworkConfig
    from console.network.pcd import Station
    from console.ui.controller import SessionController
    from devices.simulator import SimulatorHandle

DEMO_PROTOCOL = "iv-ketamine"
DEMO_SCENARIO = "normal"   # the demo's simulated patient unless --scenario names another
DEMO_PATIENT = Patient("DEMO-0001", 70.0)
SESSION_BUSY_TIMEOUT_MS = 250
"""A running session's writes wait this long for another program's lock, then the engine holds
them in memory (R5) and retries: a locked log must not freeze the screen."""


class StartError(Exception):
    """A start-up problem the user can fix; its text is shown as it is."""


class _ProtocolRefused(StartError):
    """`_checked_start`'s refusal when the protocol is all it refuses (its file refused by the
    loader, or not installed): a session left open under it may still resume from its log's copy
    (`_resume_under_logged_copy`). `weight_kg`, `monitor`: the rest of the start, checked."""

    def __init__(self, message: str, weight_kg: float, monitor: str) -> None:
        super().__init__(message)
        self.weight_kg = weight_kg
        self.monitor = monitor


def run(args: argparse.Namespace) -> int:
    from console.ui.display_check import missing_display  # noqa: PLC0415

    if (no_display := missing_display()) is not None:   # before Qt aborts the process
        print(f"infusion-console: {no_display}", file=sys.stderr)
        return 2
    existing = QtWidgets.QApplication.instance()
    app = existing if isinstance(existing, QtWidgets.QApplication) else QtWidgets.QApplication(sys.argv[:1])
    apply_theme(app, args)   # before any widget: each is built in its look
    cleanups: list[Callable[[], None]] = []
    faults = FaultHandler((args.db or default_db_path()).parent)
    faults.install()   # from here on a bug is the "Console fault" alarm, never silence
    cleanups.append(faults.uninstall)
    try:
        window = build(args, cleanups, fault_handler=faults)
    except (StartError, LogError) as exc:
        print(f"infusion-console: {exc}", file=sys.stderr)
        if QtWidgets.QApplication.platformName() != "offscreen":   # a dialog nobody can see would block
            refusal_box("Infusion console", str(exc)).exec()
        run_cleanups(cleanups)
        return 2
    finally:
        collector_hold.release()   # built (or refused): what start-up made lives as long as we do
    # Everything shown is already committed; the open session is offered at the next start.
    try:
        code = exec_until_signal(app, window, lambda: window.present(kiosk=args.kiosk),
                                 on_signal=window.stopped_by_signal)
    finally:
        run_cleanups(cleanups)
    restart = list(window.restart_argv)
    dispose(window)
    if restart:   # "Restart and resume" after a console fault: a fresh process
        try:
            os.execv(restart[0], restart)
        except OSError as exc:
            # The interpreter gone (upgraded or moved while the console ran): the window is gone
            # already, so say what to run instead of a traceback.
            print(restart_failed(restart, exc), file=sys.stderr)
            return 1
    return code


def restart_failed(argv: list[str], exc: OSError) -> str:
    """One line for a restart whose new process could not start: the command, why, and the
    command that starts the console again by hand (with `--resume N` when it resumed)."""
    by_hand = ["infusion-console", *argv[3:]] if argv[1:3] == ["-m", "console.cli"] else argv
    return (f"infusion-console: the restart did not happen: cannot run {argv[0]}: "
            f"{exc.strerror or exc}; start the console again with: {shlex.join(by_hand)}")


def run_cleanups(cleanups: list[Callable[[], None]]) -> None:
    """Run every cleanup, last added first, each whatever the others do: one that fails (a
    session's last write refused) must not skip the others nor the restart after them. A failure
    is printed whole on stderr, never passed over."""
    for cleanup in reversed(cleanups):
        try:
            cleanup()
        except Exception:
            print("infusion-console: a step of stopping failed; the others went on:",
                  file=sys.stderr)
            traceback.print_exc(file=sys.stderr)


def dispose(window: QtWidgets.QWidget) -> None:
    """Destroy the window's Qt objects now, while Python is whole.

    Left to the interpreter's exit, PySide destroys the widgets after Python has begun to shut
    down; the trend's graphics items call back into Python while they go, and that crashed the
    process (SIGSEGV in shiboken at exit, about one stop in five with a clinic network running:
    a console that stops cleanly must exit 0, tests/test_clinic_end_to_end.py).
    """
    import shiboken6  # noqa: PLC0415 - only at the end

    window.hide()
    if shiboken6.isValid(window):
        shiboken6.delete(window)


def apply_theme(app: QtWidgets.QApplication, args: argparse.Namespace) -> theme.Theme:
    """Use the theme `--theme` names, else the one last chosen at this station, else light
    (console/ui/theme.py says why)."""
    chosen = theme.THEMES[getattr(args, "theme", None) or theme.remembered() or theme.DEFAULT]
    theme.apply(app, chosen)
    return chosen


def exec_until_signal(app: QtWidgets.QApplication, window: QtWidgets.QWidget,
                      show: Callable[[], None] | None = None,
                      on_signal: Callable[[str], None] | None = None) -> int:
    """Show `window` (with `show`, default `window.show`) and run Qt's loop until it quits or
    SIGTERM/SIGINT arrives (a clean end). Cycles are collected on this thread only meanwhile
    (console/ui/gui_collector.py: a collection in a reader's thread could freeze the window).

    Python handles signals only between bytecodes, so a slow timer lets it look while Qt's loop
    runs.
    """
    # Through the event loop: a SIGTERM that arrives before `exec()` starts would otherwise be
    # lost (Qt ignores quit() while no loop runs) and the console would keep running.
    def stop(signum: int) -> None:
        try:   # what the signal ends is logged first; a failure there must not keep us running
            if on_signal is not None:
                on_signal(signal.Signals(signum).name)
        finally:
            app.quit()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda got, _frame: QtCore.QTimer.singleShot(0, lambda: stop(got)))
    wake = QtCore.QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    with collecting_on_this_thread():
        (show or window.show)()
        return app.exec()


def build(args: argparse.Namespace, cleanups: list[Callable[[], None]],
          audio_out: AudioOut | None = None, confirmer: Confirmer | None = None,
          asker: Asker | None = None, fault_handler: FaultHandler | None = None) -> MainWindow:
    """Open the log and the session the options ask for; return the window (not yet shown)."""
    secret = _command_line_secret(args)   # before any file is opened (terminal.preread says why)
    db_path = args.db or default_db_path()
    if isinstance(args.nurse, str):
        args.nurse = args.nurse.strip()   # as the start screen takes it (`StartRequest.nurse`)
    if args.scenario is not None and not args.demo and getattr(args, "resume", None) is None:
        # It was ignored: the session started with no monitor and nothing said (the QA audit).
        raise StartError(f"--scenario {args.scenario}: a scenario plays the demo's simulated "
                         "monitor; add --demo (a session with a real monitor gives --device)")
    if args.demo and getattr(args, "resume", None) is None:
        _refuse_demo_with_session_options(args)
        unreadable = check_nurse(args.nurse or "", required=False)
        if unreadable is not None:   # its session's row could not be hashed: a traceback
            raise StartError(command_line_text([unreadable]))
    session_now = bool(args.demo or getattr(args, "resume", None) is not None
                       or any(v is not None for v in (args.protocol, args.patient, args.weight,
                                                      args.nurse)))
    if not session_now:
        _check_start_screen_options(args)
    _check_start_screen_preset(args)
    if getattr(args, "resume", None) is not None:
        _refuse_resume_with_session_options(args)
        # A session is resumed from its log: on a path with none it made a new, empty log (and
        # its folder), then said session N was not in it. Refused as `staff` refuses it.
        if not log_path_is(Path(db_path), Path.exists):
            raise StartError(f"--resume {args.resume}: no session log at {db_path}: check the "
                             "path, or choose the log with --db")
    shown_log = getattr(args, "shown_log", None)
    if shown_log is not None:
        # Before the log and a session are opened: a FILE opened only once the session ran
        # (a folder: a traceback, a console fault in the patient's record, a session left
        # open that the next start resumed) is refused here in one line, nothing logged.
        try:
            check_writable(shown_log)
        except OSError as exc:
            raise StartError(f"--shown-log {shown_log}: cannot write it: "
                             f"{exc.strerror or exc}; give a file path") from None
    loaded = load_protocols(default_protocol_dirs())
    for refused in loaded.errors:
        # The start screen lists them in red; a start from the command line skips that screen,
        # and QA's typo in a clinic file went unsaid while the session ran on the others.
        print(f"infusion-console: a protocol file was refused (the others are offered): "
              f"{refused}", file=sys.stderr)
    # The start screen's checks, with the same messages (console/session/start_checks.py),
    # before the log is opened: a refused start (a bad weight, an unknown protocol, no --nurse)
    # had left a new empty log at a --db path where there was none.
    refused_protocol: _ProtocolRefused | None = None
    try:
        checked = (_checked_start(args, loaded) if session_now and not args.demo
                   and getattr(args, "resume", None) is None else None)
    except _ProtocolRefused as exc:
        # Its file edited badly or removed while its session ran, then a crash: the launcher's
        # same command line refused the start, and the session's alarms came back nowhere.
        # A session left open may resume under its log's copy (below); a new one stays refused.
        if getattr(args, "new_session", False) or not Path(db_path).exists():
            raise
        checked, refused_protocol = None, exc
    # So are the dose, the demo's scenario and protocol, and the network's settings: each had
    # left a new empty log behind its one-line refusal. Without a log, or with --new-session,
    # nothing can be resumed: the start opens a new session.
    surely_new = checked is not None and (getattr(args, "new_session", False)
                                          or not Path(db_path).exists())
    typed_mg = getattr(args, "dose_mg", None)
    typed_dose = (None if checked is None or typed_mg is None
                  else _chosen_dose(checked[0], typed_mg))
    if surely_new and checked is not None and typed_mg is None:
        _chosen_dose(checked[0], None)   # a nasal-device protocol's dose is needed
    demo_protocol = None
    if args.demo and getattr(args, "resume", None) is None:
        _check_scenario(args.scenario or DEMO_SCENARIO)
        demo_protocol = _protocol(loaded, args.protocol or DEMO_PROTOCOL)
    # The start page may resume a session a crash left open: only in a log already there.
    network, network_refused = _network_or_refusal(
        args, may_resume=getattr(args, "resume", None) is not None
        or (checked is not None and not surely_new) or refused_protocol is not None
        or (not session_now and Path(db_path).exists()))
    log = EventLog.open(db_path, VERSION)
    cleanups.append(log.close)
    log.set_busy_timeout(SESSION_BUSY_TIMEOUT_MS)
    clock = SystemClock()
    # The chair's name as network.toml or --chair gives it (the same keys): a chair set up by
    # its kit's file recorded every sign-in and signature as "chair".
    window = MainWindow(log, loaded, clock, audio_out or default_audio_out(), cleanups,
                        confirmer, asker, shown_log=getattr(args, "shown_log", None),
                        fault_handler=fault_handler, start_page=not session_now,
                        lock_after_s=60.0 * getattr(args, "lock_after", 10.0),
                        station=(network.chair if network is not None else "") or "chair")
    window.launch_options = relaunch_options(args)
    window.launch_options_to_resume = relaunch_resume_options(args)
    window.demo_monitor = lambda: _demo_monitor(args.scenario or DEMO_SCENARIO, cleanups)
    if network_refused is not None and not session_now:
        _start_page_without_network(window, log, clock, network_refused)
    _start_network(network, window, log, clock, cleanups, refused=network_refused)
    now = clock.now()
    if getattr(args, "resume", None) is not None:
        window.preset_start_monitor(args.start_screen_device, args.start_screen_monitor)
        _resume_by_id(window, log, args, cleanups)
        _say_network_refused(window, network_refused)
        return window
    if args.demo and demo_protocol is not None:
        demo = _start_demo_device(args.scenario or DEMO_SCENARIO, cleanups)
        protocol = demo_protocol

        def make_demo(recorder: Recorder) -> SessionEngine:
            return SessionEngine.open(protocol, recorder, DEMO_PATIENT,
                                      args.nurse or "demo nurse", now, demo=True,
                                      details={"device": demo.port_path, "format": "hl7"})

        # pyserial empties the input buffer when it opens a port: play once the port is open.
        with _not_started():
            window.open_session_or_fallback(make_demo, (demo.port_path, "hl7"),
                                            on_connecting=demo.go)
        return window
    if not session_now:
        _preset_monitor(window, args)
        return window   # the start screen
    if refused_protocol is not None:
        _resume_under_logged_copy(window, log, args, refused_protocol, loaded, now.wall)
        _say_network_refused(window, network_refused)
        return window
    if checked is None:   # not reached: a start from the command line was checked above
        raise StartError("the session's options were not checked")
    protocol, weight, monitor = checked
    patient = patient_key(args.patient)
    device = (args.device, monitor) if args.device else None
    # The rule the start screen follows too (console/session/left_open.py): the newest session
    # of this patient and protocol left open is resumed; not one left open long ago
    # (RESUME_WITHIN_HOURS), whose record today's readings would join.
    # A typed --dose-mg is checked before a resume too (above): "--dose-mg lots" resumed unsaid.
    met = left_open_for(log, patient, protocol.id, now.wall)
    if met is not None and not getattr(args, "new_session", False):
        _refuse_old_left_open(met)
        row = met.row
        unused = _resume_unlike_typed(row, weight, typed_mg, typed_dose)
        if unused:
            print(f"infusion-console: {unused}", file=sys.stderr)
        _resume(window, row, device, f"{patient}: ", actor=_resumed_by(window, args.nurse),
                nurse=_taking_over(window, args.nurse))
        _say_network_refused(window, network_refused)
        return window
    if network_refused is not None:   # a new session: nobody is on the chair yet
        raise network_refused
    if not getattr(args, "new_session", False):
        _refuse_beside_other_protocols(window, log, patient, protocol.id)
    # A resumed session keeps the dose it was opened with, as its weight.
    chosen_mg = typed_dose if typed_mg is not None else _chosen_dose(protocol, None)
    patient = log.patient_as_logged(patient)
    number = earlier_in_course([row.protocol_id for row in log.sessions_for_patient(patient)],
                               protocol, loaded.protocols).same + 1
    nurse, identity = args.nurse, None
    if window.has_accounts():   # the session's nurse is an account signed in (issue 13)
        nurse, identity = _sign_in(window, args.nurse, secret)

    def make(recorder: Recorder) -> SessionEngine:
        return SessionEngine.open(protocol, recorder, Patient(patient, weight), nurse,
                                  now, session_number=number, chosen_mg=chosen_mg,
                                  details={"device": args.device, "format": monitor})

    with _not_started():
        window.open_session_or_fallback(make, device, identity=identity)
    return window


@contextlib.contextmanager
def _not_started() -> Iterator[None]:
    """A new session's claim refused (its lock file cannot be opened, or another console holds
    its id) as a start error: a traceback and exit 1 before.

    Raises:
        StartError: "the session was not started: " and why.
    """
    try:
        yield
    except SessionInUse as exc:
        raise StartError(f"the session was not started: {exc}") from None


def _checked_start(args: argparse.Namespace, loaded: LoadResult) -> tuple[Protocol, float, str]:
    """The protocol, the weight and the monitor of a session started from the command line,
    checked as the start screen checks them (console/session/start_checks.py).

    Raises:
        StartError: a check refused them, in the start screen's words.
    """
    monitor, monitor_option = _monitor(args)
    check = check_start(StartEntry(
        args.patient or "", args.weight or "", args.protocol, args.nurse or "", args.device,
        monitor, confirmed=frozenset(Field(f) for f in getattr(args, "confirm", []))),
        loaded.protocols, loaded.errors)
    said = command_line_text(check.problems, {Field.FORMAT: monitor_option})
    blocking = {p.field for p in check.problems if p.blocks}
    if blocking == {Field.PROTOCOL} and args.protocol and check.weight_kg is not None:
        raise _ProtocolRefused(said, check.weight_kg, monitor)
    if check.protocol is None or check.weight_kg is None or not check.ok:
        raise StartError(said)
    return check.protocol, check.weight_kg, monitor


def _resume_under_logged_copy(window: MainWindow, log: EventLog, args: argparse.Namespace,
                              refused: _ProtocolRefused, loaded: LoadResult,
                              now: datetime) -> None:
    """Resume the session left open that a start under a refused (or removed) protocol file
    meets, under the protocol its log holds, as Start and `--resume N` do: Start's rule
    (`MainWindow.resumed_by_start`: cared for within RESUME_WITHIN_HOURS, no other console
    running it). Said on stderr: the file on disk is refused, the session runs under its copy.

    Raises:
        StartError: `refused`, when no such session is left open (a new session is not
            started under a refused file); a resume refused, as `_resume`.
    """
    patient = patient_key(args.patient)
    met = left_open_for(log, patient, args.protocol, now)
    if met is None or not window.resumed_by_start(met):
        raise refused
    row = met.row
    error = next((e for e in loaded.errors if args.protocol in (e.protocol_id, e.path.stem)),
                 None)
    why = (f"its file {error.path} is refused ({error.key}: {error.reason})" if error is not None
           else "no such protocol file is installed now")
    print(f"infusion-console: --protocol {args.protocol}: {why}; session {row.id} of "
          f"{row.patient_id} left open under it is resumed and runs under the copy its log "
          "holds; fix the file before a new session starts under it", file=sys.stderr)
    typed_mg = getattr(args, "dose_mg", None)
    unused = _resume_unlike_typed(row, refused.weight_kg, typed_mg, _typed_mg(typed_mg))
    if unused:
        print(f"infusion-console: {unused}", file=sys.stderr)
    device = (args.device, refused.monitor) if args.device else None
    _resume(window, row, device, f"{patient}: ", actor=_resumed_by(window, args.nurse),
            nurse=_taking_over(window, args.nurse))


def _typed_mg(typed: str | None) -> float | None:
    """A typed --dose-mg as a number, None when it is none (no protocol to check it against)."""
    try:
        return None if typed is None else float(typed)
    except ValueError:
        return None


# Options "Restart and resume" does not give again: the session's own (--resume refuses them or
# takes them from the log: a nurse handed over since, a device chosen at the start screen), the
# secret already read, and what the restart names itself (--db, --theme, --resume). The chair's
# preset monitor and a demo's scenario are given again in one case each (below).
_NOT_RELAUNCHED = frozenset({
    "help", "db", "theme", "resume", "demo", "scenario", "protocol", "patient", "weight", "nurse",
    "dose_mg", "confirm", "new_session", "secret_fd", "device", "format", "device_profile",
    "start_screen_device", "start_screen_monitor"})


def relaunch_options(args: argparse.Namespace) -> list[str]:
    """This chair's own launch options, as `gui_parser` reads them, for "Restart and resume":
    its lock time, kiosk, shown-log copy, chair name and network. The restart had only --db,
    --theme and --resume: chair 2 came back with the 10-minute lock, no copy of what it showed,
    and no --chair (under the kit's chair name, or alone). Every option not named in
    _NOT_RELAUNCHED is kept, so an option added later is kept too."""
    return _option_words(args, lambda dest: dest not in _NOT_RELAUNCHED)


def relaunch_resume_options(args: argparse.Namespace) -> list[str]:
    """What a restart that resumes a session gives besides `relaunch_options`: a demo's
    --scenario (its log does not hold it; the resumed demo played the normal patient). Not
    without --resume: --scenario alone is refused without --demo."""
    return _option_words(args, lambda dest: dest == "scenario")


def _option_words(args: argparse.Namespace, keep: Callable[[str], bool]) -> list[str]:
    """The options of `args` whose dest `keep` accepts and that were given, as `gui_parser`
    reads them. A value is written in one word, `--option=value`: written apart, a value
    beginning with "-" (--room=-B2) was read as an option and the restart exited 2. A file is
    written whole from the root: `./~qa.jsonl` printed as `~qa.jsonl`, read as a user's home."""
    from console.cli import gui_parser  # noqa: PLC0415 - the parser that read `args`

    kept: list[str] = []
    for action in gui_parser()._actions:   # noqa: SLF001 - argparse lists them nowhere else
        value = getattr(args, action.dest, None)
        if not keep(action.dest) or not action.option_strings \
                or value is None or value is False or value == action.default:
            continue
        option = next(o for o in action.option_strings if o.startswith("--"))
        if isinstance(value, Path):   # ./~qa.jsonl printed "~qa.jsonl": a user's home folder
            value = value.absolute()
        if value is True:
            kept.append(option)
        elif isinstance(value, list):
            kept += [f"{option}={item}" for item in value]
        else:
            kept.append(f"{option}={value}")
    return kept


# (option, attribute, what the demo uses instead): options --demo has its own answer to.
_DEMO_OWN = (
    ("--device", "device", "plays its own simulated monitor"),
    ("--format", "format", "plays its own simulated monitor (hl7)"),
    ("--device-profile", "device_profile", "plays its own simulated monitor (hl7)"),
    ("--patient", "patient", f"opens a session of its own demo patient "
                             f"({DEMO_PATIENT.patient_id}, {DEMO_PATIENT.weight_kg:g} kg)"),
    ("--weight", "weight", f"opens a session of its own demo patient "
                           f"({DEMO_PATIENT.patient_id}, {DEMO_PATIENT.weight_kg:g} kg)"),
    ("--dose-mg", "dose_mg", "gives its protocol's dose for the demo patient"),
    ("--confirm", "confirm", "has no --patient or --weight to confirm"),
)


def _refuse_demo_with_session_options(args: argparse.Namespace) -> None:
    """Refuse `--demo` given with an option the demo has its own answer to (the first named).

    They were dropped without a word: `--demo --device /dev/ttyUSB0 --format masimo` showed the
    simulator's vitals with the chair's real monitor plugged in (review 39), as `--scenario`
    without `--demo` had been ignored (the QA audit).

    Raises:
        StartError: naming the option, what the demo does instead, and the two ways on.
    """
    for option, attribute, instead in _DEMO_OWN:
        value = getattr(args, attribute, None)
        if value is None or value == []:
            continue
        shown = " ".join(value) if isinstance(value, list) else str(value)
        raise StartError(f"{option} {shown}: --demo {instead}; leave {option} out, or leave "
                         "--demo out (a session of a real patient on a real monitor)")


# Options of a session started from the command line that the start screen has no place for:
# with no --protocol, --patient, --weight or --nurse they were dropped without a word.
_SESSION_ONLY = (("--dose-mg", "dose_mg", "it asks the dose"),
                 ("--confirm", "confirm", "it has its own tick boxes"),
                 ("--new-session", "new_session",
                  "it offers a session left open and asks before starting beside it"))


def _check_start_screen_options(args: argparse.Namespace) -> None:
    """Refuse what the start screen would drop: an unknown or unusable monitor (README: refused
    "with or without a --device"), and an option of a command-line session it has no place for.

    Raises:
        StartError: naming the option, and what to do instead.
    """
    for option, attribute, instead in _SESSION_ONLY:
        shown = _given(args, attribute)
        if shown is not None:
            raise StartError(f"{option}{shown}: only for a session started from the command "
                             "line (give --protocol, --patient, --weight and --nurse with it); "
                             f"without them the start screen opens, and {instead}: leave "
                             f"{option} out")
    if args.device is None and getattr(args, "format", None) is None \
            and getattr(args, "device_profile", None) is None:
        return
    monitor, monitor_option = _monitor(args)
    found = (device_problems(args.device, monitor) if args.device is not None
             else start_screen_monitor_problems(monitor))   # one the start screen offers
    problems = [p for p in found if p.blocks]
    if problems:
        raise StartError(command_line_text(problems, {Field.FORMAT: monitor_option}))


def _check_start_screen_preset(args: argparse.Namespace) -> None:
    """Refuse `--start-screen-device` / `--start-screen-monitor` without `--resume` (a start
    screen takes --device and --format or --device-profile; a session started from the command
    line, its own monitor). A monitor the start screen does not offer (a clinic profile removed
    since the chair was launched) is said on stderr and left out: the session is resumed.

    Raises:
        StartError: naming the option, and what to give instead.
    """
    for option, attribute in (("--start-screen-device", "start_screen_device"),
                              ("--start-screen-monitor", "start_screen_monitor")):
        value = getattr(args, attribute, None)
        if value is not None and getattr(args, "resume", None) is None:
            raise StartError(f"{option} {value}: only with --resume (what 'Restart and resume' "
                             "writes); a start screen takes --device and --format or "
                             "--device-profile: give those instead")
    monitor = getattr(args, "start_screen_monitor", None)
    problems = ([p for p in start_screen_monitor_problems(monitor) if p.blocks]
                if monitor is not None else [])
    if problems:   # a resume is never refused for a monitor, the next patient's least of all
        print(f"infusion-console: {command_line_text(problems, {Field.FORMAT: '--start-screen-monitor'})}"
              "; the start screens after this session open without it", file=sys.stderr)
        args.start_screen_monitor = None


def _preset_monitor(window: MainWindow, args: argparse.Namespace) -> None:
    """Put the `--device` and the monitor named (`--format` / `--device-profile`) on every start
    screen, as a chair's launcher gives them (checked before the log is opened:
    `_check_start_screen_options`).

    Raises:
        StartError: a monitor the start screen does not offer after all.
    """
    monitor, monitor_option = _monitor(args)
    named = getattr(args, "format", None) is not None or getattr(args, "device_profile", None)
    try:   # kept for every start screen, the one after each discharge too
        window.preset_start_monitor(args.device, monitor if named else None)
    except ValueError:
        raise StartError(f"{monitor_option} {monitor}: the start screen does not offer this "
                         "monitor (infusion-console devices says why); give another, or "
                         "start the session from the command line") from None


# What `--resume N` takes from the session's log, not from the command line.
_LOGGED = (("--patient", "patient"), ("--protocol", "protocol"), ("--weight", "weight"),
           ("--dose-mg", "dose_mg"), ("--confirm", "confirm"), ("--new-session", "new_session"))


def _given(args: argparse.Namespace, attribute: str) -> str | None:
    """The option's value as typed after its name (" 56", "" for a flag), None if not given."""
    value = getattr(args, attribute, None)
    if value is None or value is False or value == []:
        return None
    if isinstance(value, list):
        return " " + " ".join(value)
    return "" if value is True else f" {value}"


def _refuse_resume_with_session_options(args: argparse.Namespace) -> None:
    """Refuse `--resume N` given with an option its logged session has its own answer to.

    They were dropped without a word: `--resume 1 --patient MRN-2 --protocol esketamine`
    resumed session 1 of MRN-94 under iv-ketamine, the nurse believing she charted MRN-2
    (review 39).

    Raises:
        StartError: naming the option and the two ways on.
    """
    if args.demo:
        # It was dropped: `--resume 1 --demo` resumed a patient's session on its real monitor,
        # the resume in her record. Whether a session is a demo is its log's; "Restart and
        # resume" never gives --demo (`_NOT_RELAUNCHED`).
        raise StartError(f"--demo: --resume {args.resume} carries on session {args.resume} as "
                         "its log holds it, a demo or a patient's (a demo session resumed plays "
                         "its simulated monitor again); leave --demo out, or leave --resume out "
                         "to start a demo")
    for option, attribute in _LOGGED:
        shown = _given(args, attribute)
        if shown is None:
            continue
        raise StartError(f"{option}{shown}: --resume {args.resume} carries on session "
                         f"{args.resume} with the patient, protocol, weight and dose its log "
                         f"holds; leave {option} out (the start screen shows the session), or "
                         "leave --resume out to start a session")


def _resume_unlike_typed(row: SessionRow, weight: float, typed_mg: str | None,
                        dose_mg: float | None) -> str:
    """What a command-line resume says of a --weight or --dose-mg it does not use ("" when it
    uses them all): a session's weight and dose are fixed at its start. The start screen asks
    in the same case (MainWindow._resume_unlike_typed); --dose-mg 84 resumed at the logged
    56 mg without a word."""
    unused = []
    if weight != row.weight_kg:
        unused.append(f"--weight {weight_text(weight)}")
    logged_mg = row.details.get("dose_mg")
    logged_dose = "dose"
    if typed_mg is not None:
        logged_dose = (f"dose {logged_mg:g} mg" if isinstance(logged_mg, (int, float))
                       else "dose (not logged)")
        if dose_mg != logged_mg:
            unused.append(f"--dose-mg {typed_mg}")
    if not unused:
        return ""
    return (f"session {row.id} of {row.patient_id} resumes with its logged weight "
            f"{weight_text(row.weight_kg)} kg and {logged_dose} ({' and '.join(unused)} not used: a "
            "session's weight and dose are fixed at its start)")


def _chosen_dose(protocol: Protocol, typed: str | None) -> float | None:
    """The nasal-device dose `--dose-mg` chose, checked against the protocol's doses.

    Required for such a protocol, as the start screen asks it: without it a command-line
    session of esketamine was logged as 56 mg without a word, and 84 mg could not be started
    (an esketamine walk). Refused for a dose by weight, which the weight decides."""
    dose = protocol.dose
    doses = ", ".join(f"{mg:g}" for mg in dose.allowed_mg)
    if dose.mode is not DoseMode.DEVICES:
        if typed is not None:
            raise StartError(f"--dose-mg {typed}: {protocol.id} doses by weight "
                             "(--weight decides its dose); leave --dose-mg out")
        return None
    if typed is None:
        raise StartError(f"--dose-mg is needed for {protocol.id}: one of {doses} mg (the "
                         f"label's first session is {dose.allowed_mg[0]:g} mg)")
    try:
        mg = float(typed)
    except ValueError:
        mg = math.nan
    if mg not in dose.allowed_mg:
        raise StartError(f"--dose-mg {typed}: {protocol.id}'s doses are {doses} mg")
    return mg


def _monitor(args: argparse.Namespace) -> tuple[str, str]:
    """The monitor the command line names (hl7 when neither option is given), and the option
    that named it (for its messages).

    `--device-profile` and `--format` name the same thing (a profile or a bare format); when
    the parser keeps `--device-profile` apart (`args.device_profile`), a refusal names it as
    typed, else it names `--format`.
    """
    profile = getattr(args, "device_profile", None)
    if profile is not None:
        return str(profile), "--device-profile"
    fmt = getattr(args, "format", None)
    return ("hl7" if fmt is None else str(fmt)), "--format"


def _command_line_secret(args: argparse.Namespace) -> str | None:
    fd = getattr(args, "secret_fd", None)
    if fd is None:
        return None
    from console.identity.terminal import InputError, preread  # noqa: PLC0415

    try:
        return preread(fd)
    except InputError as exc:
        raise StartError(str(exc)) from None


def _sign_in(window: MainWindow, nurse: str, secret: str | None) -> tuple[str, ChairIdentity]:
    """Sign `--nurse` in with the secret read from `--secret-fd` (a log with staff accounts)."""
    if secret is None:
        raise StartError("this session log has staff accounts: the nurse signs in. Give "
                         "--secret-fd N with the PIN or password of --nurse, or start the "
                         "session from the start screen")
    now = window.clock.now()
    identity = ChairIdentity(window.staff, now.mono, window.lock_after_s, window.station)
    answer = identity.sign_in(nurse, secret, now, in_charge="")
    if not answer.ok or answer.account is None:
        raise StartError(f"--nurse {nurse}: {answer.message}")
    return answer.account.name, identity


def network_config(args: argparse.Namespace) -> NetworkConfig | None:
    """The clinic network settings (network.toml with the command line's options on top), or
    None when none is set: the console then runs alone, as without a network.

    Raises:
        StartError: a setting is wrong, or a settings file there sets no broker and no forward
            (the message names the file or option and the key).
    """
    overrides = {
        "broker": getattr(args, "broker", None), "chair": getattr(args, "chair", None),
        "room": getattr(args, "room", None), "forward": getattr(args, "forward", None),
        "username": getattr(args, "username", None),
        "password_file": getattr(args, "password_file", None),
        "ca_file": getattr(args, "ca_file", None),
        "forward_ca_file": getattr(args, "forward_ca_file", None),
        "allow_plaintext": True if getattr(args, "allow_plaintext", False) else None,
        "quiet_room": True if getattr(args, "quiet_room", False) else None,
    }
    given = getattr(args, "network_config", None)
    if given is None and all(v is None for v in overrides.values()):
        import platformdirs  # noqa: PLC0415

        folder = platformdirs.user_config_path("infusion-console")
        # No kit here, nor in a folder under it at any depth: one found under it is `load`'s
        # to refuse, by its rule (config.misplaced_kits). This look went one folder down only,
        # and a kit two down (`cp -r clinic-broker/stations ...`) ran the chair alone without
        # a word. Only whether any network.toml is there is asked here: importing the
        # settings module for its rule would cost every start ~10 ms (P7).
        kit = folder / "network.toml"
        try:
            # A link whose file is gone is `load`'s to refuse (exists() is False for it: the
            # chair had run alone without a word).
            none_set_up = not (kit.exists() or kit.is_symlink()) and not any(
                folder.rglob("network.toml"))
        except OSError:
            # The config folder closed to this account (IT's `sudo install -d -m 700`): a
            # PermissionError traceback; `load` names the file in one line instead.
            none_set_up = False
        if none_set_up:
            return None   # no network set up: the settings module is not even loaded (P7)
    from console.network.config import (  # noqa: PLC0415 - only the network needs it
        default_config_path,
        load,
        os_words,
    )

    try:
        config = load(given, overrides)
    except ValueError as exc:
        raise StartError(str(exc)) from None
    except OSError as exc:
        # A backstop: `load` names each file it refuses, but an OSError it did not foresee (a
        # password file that was a folder once) ended the start, and a resume with it, in a
        # traceback, the session's alarms running nowhere (a review). One line instead.
        source = given or default_config_path()
        named = exc.filename if isinstance(exc.filename, (str, os.PathLike)) else None
        what = f"network settings {source}" + (
            f": {os.fsdecode(named)}" if named is not None and Path(named) != Path(source) else "")
        raise StartError(f"{what} cannot be read ({os_words(exc)}): give files this account "
                         "can read") from None
    return config if config.enabled else None


def _network_or_refusal(args: argparse.Namespace, may_resume: bool
                        ) -> tuple[NetworkConfig | None, StartError | None]:
    """`network_config`, or no network and why, for a start that may resume a session.

    A resume is not refused for its network, as not for its monitor: refusing it left the chair
    with no console at all, every alarm of the running session gone, for a kit IT changed while
    it ran. The session runs without the network, under its alarm (`_start_network`); so does
    the start page when it offers a session a crash left open (`_start_page_without_network`).
    A new session is refused: nobody is on the chair yet.

    Raises:
        StartError: a setting is wrong and the start cannot resume a session.
    """
    try:
        return network_config(args), None
    except StartError as refused:
        if not may_resume:
            raise
        return None, refused


def _start_page_without_network(window: MainWindow, log: EventLog, clock: Clock,
                                refused: StartError) -> None:
    """Let the start page come up without the network its settings were `refused` for when it
    offers a session left open that no other console runs, cared for within
    RESUME_WITHIN_HOURS (console/session/left_open.py): a crash's session, its alarms running
    nowhere, as `--resume N` would (`_network_or_refusal`). Refused, the nurse read one line
    naming a CA file and nothing of the session. Every session it opens runs under the network
    alarm (`_start_network`), as after a resume; said on stderr with the sessions' numbers.

    Raises:
        StartError: `refused`, when no such session is left open (nobody is on the chair).
    """
    now = clock.now().wall
    rows = [row for row in log.open_sessions()
            if window.resumed_by_start(left_open(log, row, now))]
    if not rows:
        raise refused
    if len(rows) == 1:
        said = (f"session {rows[0].id} of {rows[0].patient_id} is left open: the start page "
                f"comes up to resume it (or start with --resume {rows[0].id})")
    else:
        sessions = ", ".join(f"{row.id} of {row.patient_id}" for row in rows)
        said = (f"sessions {sessions} are left open: the start page comes up to resume them "
                "(or start with --resume N)")
    print(f"infusion-console: {refused}; {said}, without the clinic network: every session it "
          "opens runs under the network alarm until the settings are put right and the console "
          "restarted", file=sys.stderr)


def _network_refused_alarm(refused: StartError) -> Raise:
    """The network alarm of a console running without its refused settings: medium, as a bus
    silent for a minute (link.py `_level`), since nothing this chair does reaches the network;
    its row names the file or option (config.refused_setting), its detail all."""
    from console.network.config import refused_setting  # noqa: PLC0415 - loaded to refuse them

    said = str(refused)
    return Raise(Priority.MEDIUM, f"Clinic network off: {refused_setting(said)} refused",
                 detail=f"{said}\nThe console runs without the clinic network until the settings "
                        "are put right and the console restarted.")


def _say_network_refused(window: MainWindow, refused: StartError | None) -> None:
    """Name on stderr the network settings a resume runs without (its alarm says it at the
    chair), as a monitor's problems are (`_say_monitor_problems`)."""
    if refused is None or window.controller is None:
        return
    print(f"infusion-console: {refused}; session {window.controller.view.session_id} is "
          "resumed without the clinic network, its network alarm standing until the settings "
          "are put right and the console restarted", file=sys.stderr)


def _start_network(config: NetworkConfig | None, window: MainWindow, log: EventLog,
                   clock: Clock, cleanups: list[Callable[[], None]],
                   refused: StartError | None = None) -> None:
    """Start the clinic network beside the window when one is set up (issue 12); without it,
    the network alarm of every session the window opens says why when its settings were
    `refused` (`_network_or_refusal`)."""
    if config is None:
        # A network alarm restored from the log (it stands through a restart) has nothing to
        # end it on a console now running without a network: it ends here, saying why. With
        # settings refused it stands, saying so: a network failure is itself an alarm, and with
        # no link to allow quiet-room tones the bedside sounds at full volume.
        problem = None if refused is None else _network_refused_alarm(refused)
        state = ("no clinic network configured at this start" if refused is None
                 else str(refused))

        def no_network(controller: SessionController) -> None:
            controller.network_status(problem, state)

        window.session_opened.connect(no_network)
        if window.controller is not None:
            no_network(window.controller)
        return
    from console.network.link import NetworkLink  # noqa: PLC0415 - paho only with a network
    from console.ui.network_bridge import NetworkBridge, network_label  # noqa: PLC0415

    station = _station(config, log)
    bridge = NetworkBridge(NetworkLink(config, log, clock, station=station), clock, window)
    window.network_shown = True
    network_label(bridge, window.statusBar())
    window.statusBar().show()
    window.session_opened.connect(bridge.attach)
    window.session_closed.connect(bridge.detach)
    # Quiet-room tones only while the link allows them (console/ui/tones.py, network/link.py).
    bridge.quiet_changed.connect(
        lambda quiet: window.sounder.set_quiet(quiet) if window.sounder is not None else None)
    window.session_opened.connect(
        lambda _c: window.sounder.set_quiet(bridge.quiet_allowed) if window.sounder else None)
    cleanups.append(bridge.stop)
    bridge.start()
    if window.controller is not None:
        bridge.attach(window.controller)


def _equipment_id(log: EventLog) -> str:
    """This console's id on the network: the log file's own random id (meta.log_uid)."""
    row = log.conn.execute("SELECT value FROM meta WHERE key = 'log_uid'").fetchone()
    return f"infusion-console-{row[0] if row else 'unknown'}"


def _station(config: NetworkConfig, log: EventLog) -> Station:
    """This console and its chair on the clinic network (MSH-3, OBR-3, OBX-18, PV1-3)."""
    from console.network.pcd import Station  # noqa: PLC0415 - only with a network (P7)

    # Universal id type L, "local" (HL7 table 0301): the id is no UUID. Typed UUID, a validating
    # engine refused the EI/HD (an interface-engine review); the text stays, so nothing keyed
    # on it changes.
    return Station(equipment_id=_equipment_id(log), equipment_id_type="L",
                   facility=config.facility, room=config.room, bed=config.chair)


def _resume_by_id(window: MainWindow, log: EventLog, args: argparse.Namespace,
                  cleanups: list[Callable[[], None]]) -> None:
    """`--resume N`: carry on an open session from its log (after "Restart and resume")."""
    absent = StartError(f"--resume {args.resume}: there is no session {args.resume} in "
                        f"{log.path}; the start screen offers the sessions left open")
    if args.resume not in SQLITE_INTEGER:   # no such id can be stored: OverflowError, not None
        raise absent
    try:
        row = log.session(args.resume)
    except KeyError:
        raise absent from None
    if row.ended_at is not None:
        raise StartError(f"--resume {args.resume}: that session ended "
                         f"{row.ended_at.astimezone():%d %b %Y at %H:%M}; nothing to resume")
    if args.scenario is not None and not row.demo:
        # Said, not refused: "Restart and resume" gives a demo's --scenario again for whatever
        # session the console runs (`relaunch_resume_options`), a patient's started after the
        # demo too, and a refused restart leaves her session's alarms nowhere.
        print(f"infusion-console: --scenario {args.scenario} is not used: session {row.id} of "
              f"{row.patient_id} is no demo (a scenario plays the demo's simulated monitor); it "
              "is resumed on its own monitor", file=sys.stderr)
    # No device check here: a resume is refused only when there is nothing to resume. A session
    # that was running must come back on screen, its alarms with it; a monitor that cannot be
    # opened is then the "Device disconnected" technical alarm, and the nurse can type vitals.
    # A new port alone keeps the monitor the session read last (a Masimo's adapter back under
    # another name was read as HL7, and that logged for every later restart: review 44). A
    # demo's simulated monitor, and the monitor given none, are `MainWindow.resume`'s.
    named = getattr(args, "format", None) is not None or getattr(args, "device_profile", None)
    resumes = log.events(row.id, (SESSION_RESUMED,))   # where the session read last
    last = device_read_last(row, [event for _, event in resumes])
    monitor, option = _monitor(args) if named else ((last[1] if last else "hl7"), "")
    if named:
        _say_monitor_problems(monitor, option, args.device)
    port = args.device or (last[0] if named and last else None)   # a monitor named alone:
    if named and port is None:                                     # on the port read last
        raise StartError(f"{option} {monitor}: session {args.resume} read no monitor; give "
                         "--device with it")
    device: tuple[str, str] | None = (port, monitor) if port else None
    _resume(window, row, device, f"--resume {args.resume}: ",
            actor=_resumed_by(window, args.nurse), nurse=_taking_over(window, args.nurse))


def _say_monitor_problems(monitor: str, option: str, port: str | None) -> None:
    """Name on stderr what is wrong with the monitor a resume was given (a typo in a profile's
    name, with the known ones), as a start refuses it: a resume is not refused for its monitor
    (its "Device disconnected" alarm says it at the chair), but the command line said nothing
    and every later restart read the typo again (review 44)."""
    found = (device_problems(port, monitor) if port is not None
             else start_screen_monitor_problems(monitor))
    problems = [p for p in found if p.blocks and p.field is Field.FORMAT]
    if problems:
        said = command_line_text(problems, {Field.FORMAT: option}).rstrip(".")
        print(f"infusion-console: {said}. The session is resumed, its monitor's alarm standing "
              f"until that is put right (--resume N {option} NAME)", file=sys.stderr)


def _demo_monitor(scenario: str, cleanups: list[Callable[[], None]]
                  ) -> tuple[tuple[str, str], Callable[[], None], Callable[[], None]]:
    """A new simulated monitor for a demo session resumed here, what starts it playing, and
    what stops it (a resume refused after it started: one was left playing per press)."""
    demo = _start_demo_device(scenario, cleanups)
    return (demo.port_path, "hl7"), demo.go, lambda: None if demo.stop() else None


def _resumed_by(window: MainWindow, nurse: str | None) -> str:
    """Who `session_resumed` names: the typed `--nurse` on a log without staff accounts, as
    before. On a log with accounts nobody signs in here: the session opens locked (its alarms
    at once, never refused for want of a secret) and the nurse signs in on its lock bar, so a
    name nobody checked is not recorded (the console restarted it, as the start screen's
    resume records)."""
    if not nurse:
        return ENGINE
    unreadable = check_nurse(nurse, required=False)
    if unreadable is not None:
        # Its rows could not be hashed: a traceback, and the session's alarms ran nowhere. A
        # resume is refused only when there is nothing to resume (`_resume_by_id`).
        print(f"infusion-console: {command_line_text([unreadable])} It is not recorded: the "
              "session is resumed by the console, and its nurse runs it still", file=sys.stderr)
        return ENGINE
    if not window.has_accounts():
        return nurse
    print(f"infusion-console: --nurse {nurse} is not recorded: a session resumed on a log with "
          "staff accounts opens locked, and the nurse signs in on its lock bar", file=sys.stderr)
    return ENGINE


def _taking_over(window: MainWindow, nurse: str | None) -> str | None:
    """The `--nurse` a resumed session is handed over to when she is not its nurse: on a log
    without staff accounts only (with accounts her sign-in on the lock bar hands it over).
    Without it her acts were logged under the nurse who had run it before the restart."""
    if not nurse or window.has_accounts() or check_nurse(nurse) is not None:
        return None   # not readable text: said by `_resumed_by`
    return nurse


def _resume(window: MainWindow, row: SessionRow, device: tuple[str, str] | None, said: str,
            actor: str, on_connecting: Callable[[], None] | None = None,
            nurse: str | None = None) -> None:
    """`window.resume`, its refusal (no protocol to run it under) said after `said`."""
    try:
        window.resume(row, device, actor=actor, on_connecting=on_connecting, nurse=nurse)
    except (ProtocolMissing, SessionInUse, SessionHasEnded) as exc:
        raise StartError(f"{said}{exc}") from None


def _refuse_beside_other_protocols(window: MainWindow, log: EventLog, patient: str,
                                   protocol_id: str) -> None:
    """Refuse a command-line start of `patient` beside a session of theirs still open under
    another protocol, unless --new-session asks for it: the start screen asks, and the command
    line opened the second session without a word (a launcher typed MRN-1 for MRN-11 and this
    chair's vitals went into MRN-1's record beside its session running at another chair).

    Raises:
        StartError: naming each such session, whether it runs at another console, and
            --new-session.
    """
    others = open_under_other_protocols(log, patient, protocol_id)
    if not others:
        return
    sessions = "; ".join(
        f"session {row.id} ({row.protocol_id}) is open"
        f"{', running at another console' if window.claims.running_elsewhere(row.id) else ''}"
        for row in others)
    raise StartError(
        f"{patient}: {sessions}. No second session of {patient} is started beside it unasked: "
        f"check the patient; to start another session of {patient} on purpose, add "
        "--new-session.")


def _refuse_old_left_open(met: LeftOpen) -> None:
    """Refuse to resume a session left open that logged nothing for RESUME_WITHIN_HOURS."""
    if met.recent:
        return
    row = met.row
    raise StartError(
        f"{row.patient_id}: session {row.id} ({row.protocol_id}) was left open: "
        f"{met.when_text()}. It is not resumed from the command line after "
        f"{RESUME_WITHIN_HOURS:g} hours. To end it, resume it with --resume {row.id} and "
        "discharge it; to start a new session and leave it open, add --new-session.")


def _check_scenario(scenario: str) -> None:
    """Refuse a demo scenario that is not built in (before the log is opened: `build`).

    Raises:
        StartError: naming the built-in scenarios.
    """
    # Imported here: only a demo needs the simulator (P7: a clinical start does not load it).
    from devices.simulator import builtin_names  # noqa: PLC0415

    if scenario not in builtin_names():
        raise StartError(f"--scenario {scenario}: not a built-in scenario; built-in scenarios: "
                         f"{', '.join(builtin_names())}")


def _start_demo_device(scenario: str, cleanups: list[Callable[[], None]]) -> SimulatorHandle:
    from devices.simulator import ScenarioError, start_in_thread  # noqa: PLC0415 - a demo's

    _check_scenario(scenario)
    try:
        # Until the console closes: a demo session outlasts its scenario (iv-ketamine's 70 min
        # and more, `normal` 45), and a monitor fallen quiet sounded "No data from the device".
        handle = start_in_thread(scenario, "hl7", 1.0, seed=1, autostart=False,
                                 until_stopped=True)
    except (ScenarioError, KeyError, ValueError) as exc:
        raise StartError(f"cannot start the demo device with scenario {scenario!r}: "
                         f"{exc}") from None
    cleanups.append(lambda: None if handle.stop() else None)   # stop() says whether it ended
    return handle


def _protocol(loaded: LoadResult, protocol_id: str) -> Protocol:
    # The start screen's rule; a refused file is named with its problem.
    problem, protocol = check_protocol(protocol_id, loaded.protocols, loaded.errors)
    if protocol is None:
        raise StartError(command_line_text([problem] if problem is not None else []))
    return protocol

"""Starts the window: opens the log, loads the protocols, opens or resumes a session.

Environment failures a user can meet (a log that cannot be written, an unknown protocol, a bad
option) end in a dialog and a one-line message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from PySide6 import QtWidgets

from console.clock import Clock, SystemClock
from console.paths import default_db_path
from console.records import SessionOpened
from console.session.engine import Patient, SessionEngine
from console.store import EventLog, LogError
from console.ui.controller import SessionController
from console.ui.main_window import MainWindow
from console.version import VERSION
from devices.simulator import ScenarioError, SimulatorHandle, builtin_names, start_in_thread
from protocols.loader import default_protocol_dirs, load_protocols
from protocols.model import Protocol

DEMO_PROTOCOL = "iv-ketamine"


class StartError(Exception):
    """A start-up problem the user can fix; its text is shown as it is."""


def run(args: argparse.Namespace) -> int:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    cleanups: list[Callable[[], None]] = []
    try:
        window = build(args, cleanups)
    except (StartError, LogError) as exc:
        print(f"infusion-console: {exc}", file=sys.stderr)
        if QtWidgets.QApplication.platformName() != "offscreen":   # a dialog nobody can see would block
            QtWidgets.QMessageBox.critical(None, "Infusion console", str(exc))
        return 2
    window.show()
    try:
        return app.exec()
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def build(args: argparse.Namespace, cleanups: list[Callable[[], None]]) -> MainWindow:
    """Open the log and the session the options ask for; return the window (not yet shown)."""
    db_path = args.db or default_db_path()
    log = EventLog.open(db_path, VERSION)
    cleanups.append(log.close)
    loaded = load_protocols(default_protocol_dirs())
    notices = [f"Protocol refused: {error}" for error in loaded.errors]
    window = MainWindow(str(db_path), notices)
    clock = SystemClock()
    demo = _start_demo_device(args.scenario, cleanups) if args.demo else None
    engine, device = _session_from_options(args, log, loaded.protocols, clock, demo)
    if engine is None:
        return window
    controller = SessionController(engine, clock, window)
    if device is not None:
        controller.attach_device(*device)
    if demo is not None:
        # pyserial empties the input buffer when it opens a port: play once the port is open.
        controller.device_state.connect(lambda state: state == "connecting" and demo.go())
    cleanups.append(controller.stop)
    window.show_session(controller)
    controller.start()
    return window


def _start_demo_device(scenario: str, cleanups: list[Callable[[], None]]) -> SimulatorHandle:
    try:
        handle = start_in_thread(scenario, "hl7", 1.0, seed=1, autostart=False)
    except (ScenarioError, KeyError, ValueError) as exc:
        raise StartError(f"cannot start the demo device with scenario {scenario!r}: {exc}; "
                         f"built-in scenarios: {', '.join(builtin_names())}") from None
    cleanups.append(handle.stop)
    return handle


def _session_from_options(
    args: argparse.Namespace, log: EventLog, protocols: dict[str, Protocol], clock: Clock,
    demo: SimulatorHandle | None,
) -> tuple[SessionEngine | None, tuple[str, str] | None]:
    """The session the options ask for: a demo, a command-line session, or one to resume."""
    now = clock.now()
    if demo is not None:
        handle = demo
        engine = SessionEngine.open(
            _protocol(protocols, args.protocol or DEMO_PROTOCOL), log, Patient("DEMO-0001", 70.0),
            args.nurse or "demo nurse", now, demo=True, details={"device": handle.port_path},
        )
        return engine, (handle.port_path, "hl7")
    wanted = [args.protocol, args.patient, args.weight, args.nurse]
    if any(v is not None for v in wanted):
        if not all(v is not None for v in wanted):
            raise StartError("to open a session from the command line give --protocol, --patient, "
                             "--weight and --nurse (and --device with --format for a monitor)")
        if not 1 <= args.weight <= 400:
            raise StartError(f"--weight {args.weight:g} kg is outside 1–400 kg")
        protocol = _protocol(protocols, args.protocol)
        number = len(log.sessions_for_patient(args.patient)) + 1
        engine = SessionEngine.open(protocol, log, Patient(args.patient, args.weight), args.nurse,
                                    now, session_number=number,
                                    details={"device": args.device, "format": args.format})
        return engine, ((args.device, args.format) if args.device else None)
    resumable = log.open_sessions()
    if resumable:
        row = resumable[0]
        protocol = _protocol(protocols, row.protocol_id)
        engine = SessionEngine.resume(
            protocol, log, row.id,
            SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                          row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
            [r for _, r in log.observations(row.id)], [r for _, r in log.events(row.id)],
            [r for _, r in log.alarm_events(row.id)], now,
        )
        device = row.details.get("device")
        return engine, ((device, row.details.get("format", "hl7")) if device else None)
    return None, None


def _protocol(protocols: dict[str, Protocol], protocol_id: str) -> Protocol:
    try:
        return protocols[protocol_id]
    except KeyError:
        known = ", ".join(sorted(protocols)) or "none loaded"
        raise StartError(f"unknown protocol {protocol_id!r}; available: {known}") from None

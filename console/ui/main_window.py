"""The console's window: the start screen (with any session left open offered for resumption),
then the live session window once a session is open."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtWidgets

from console.clock import Clock
from console.records import Record, Recorder, SessionOpened
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal, when
from console.store import EventLog, SessionRow
from console.ui.audio import AlarmSounder, AudioOut
from console.ui.checklist_panel import Asker, DialogAsker
from console.ui.controller import SessionController
from console.ui.entry_panel import Confirmer, DialogConfirmer
from console.ui.live_window import LiveWindow
from console.ui.start_screen import StartRequest, StartScreen
from protocols.loader import LoadResult

EngineFactory = Callable[[Recorder], SessionEngine]
Device = tuple[str, str]   # port or URL, format name


class MainWindow(QtWidgets.QMainWindow):
    """Hosts the start screen, then one live session.

    Attributes:
        controller / live: set once a session is open.
    """

    def __init__(self, log: EventLog, loaded: LoadResult, clock: Clock, audio_out: AudioOut,
                 cleanups: list[Callable[[], None]], confirmer: Confirmer | None = None,
                 asker: Asker | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Infusion console")
        self.resize(1366, 768)
        self.log = log
        self.protocols = loaded.protocols
        self.clock = clock
        self.audio_out = audio_out
        self.cleanups = cleanups
        self.confirmer = confirmer or DialogConfirmer(self)
        self.asker = asker or DialogAsker(self)
        self.controller: SessionController | None = None
        self.live: LiveWindow | None = None
        self.sounder: AlarmSounder | None = None
        self.start_screen = StartScreen(
            loaded.protocols, [str(e) for e in loaded.errors],
            lambda patient_id: len(log.sessions_for_patient(patient_id)))
        self.start_screen.start_requested.connect(self._on_start_requested)
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        self.resume_buttons: list[QtWidgets.QPushButton] = []
        for row in log.open_sessions():
            layout.addWidget(self._resume_offer(row))
        layout.addWidget(self.start_screen, 1)
        self.statusBar().showMessage(f"Session log: {log.path}")
        self.setCentralWidget(page)

    # ---- opening a session --------------------------------------------------------------------

    def open_session(self, make_engine: EngineFactory, device: Device | None,
                     on_connecting: Callable[[], None] | None = None,
                     history: list[Record] | None = None) -> LiveWindow:
        """Open the live window on a new or resumed engine whose records go through a journal.

        `history`: what a resumed session had logged, so its event list and trend start full.
        """
        self.start_screen.stop_test()   # frees the port before the session opens it
        journal = Journal(self.log)
        journal.preload(history or [])
        engine = make_engine(journal)
        controller = SessionController(engine, self.clock, self)
        if device is not None:
            controller.attach_device(*device)
        if on_connecting is not None:
            controller.device_state.connect(lambda state: state == "connecting" and on_connecting())
        self.sounder = AlarmSounder(self.audio_out, self)
        self.live = LiveWindow(controller, journal, self.confirmer, self.asker)
        self.sounder.bind(controller)
        self.controller = controller
        self.cleanups.append(controller.stop)
        self.setCentralWidget(self.live)
        controller.start()
        return self.live


    def _on_start_requested(self, request: StartRequest) -> None:
        protocol = self.protocols[request.protocol_id]
        device = (request.device_url, request.device_format or "hl7") if request.device_url else None

        def make(recorder: Recorder) -> SessionEngine:
            return SessionEngine.open(
                protocol, recorder, Patient(request.patient_id, request.weight_kg), request.nurse,
                self.clock.now(), session_number=request.session_number, chosen_mg=request.chosen_mg,
                details={"device": request.device_url, "format": request.device_format},
            )

        self.open_session(make, device)

    # ---- resuming -----------------------------------------------------------------------------

    def _resume_offer(self, row: SessionRow) -> QtWidgets.QWidget:
        box = QtWidgets.QFrame()
        box.setStyleSheet("QFrame {background:#fff3e0;border:2px solid #ef6c00;border-radius:6px;}"
                          "QLabel {font-size:15pt;border:none;}")
        layout = QtWidgets.QHBoxLayout(box)
        started = row.started_at.astimezone().strftime("%d %b %H:%M")
        label = QtWidgets.QLabel(f"A session was left open: {row.patient_id} · {row.protocol_id} · "
                                 f"started {started} by {row.nurse}")
        button = QtWidgets.QPushButton("Resume this session")
        button.setStyleSheet("font-size:15pt;padding:6px 14px;")
        button.clicked.connect(lambda _=False, r=row: self.resume(r))
        self.resume_buttons.append(button)
        layout.addWidget(label, 1)
        layout.addWidget(button)
        return box

    def resume(self, row: SessionRow) -> LiveWindow:
        protocol = self.protocols[row.protocol_id]
        device_url = row.details.get("device")
        device = (device_url, row.details.get("format") or "hl7") if device_url else None

        observations = [r for _, r in self.log.observations(row.id)]
        events = [r for _, r in self.log.events(row.id)]
        alarm_events = [r for _, r in self.log.alarm_events(row.id)]

        def make(recorder: Recorder) -> SessionEngine:
            return SessionEngine.resume(
                protocol, recorder, row.id,
                SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                              row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
                observations, events, alarm_events, self.clock.now(),
            )

        history: list[Record] = sorted([*observations, *events, *alarm_events], key=when)
        return self.open_session(make, device, history=history)

"""A session for widget tests: real engine, real SQLite log behind a journal, a clock moved by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal
from console.store import EventLog
from console.ui.controller import SessionController
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import attested


class Answers:
    """Stands in for the nurse's answers to dialogs: records the questions, gives set answers."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.actions: list[str] = []   # what each question's button said
        self.reply = ""
        self.yes = True

    def ask(self, title: str, message: str, action: str = "Record", refresh=None) -> str:
        self.asked.append(message)
        self.actions.append(action)
        self.refresh = refresh   # the question as it stands later (None: it does not change)
        return self.reply

    def confirm(self, message: str) -> bool:
        self.asked.append(message)
        return self.yes

    def agree(self, title: str, message: str, action: str, refresh=None) -> bool:
        self.asked.append(message)
        self.agree_refresh = refresh
        return self.yes


def _live_session(tmp_path, protocol_file: str):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    journal = Journal(log)
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    protocol = load_protocol(builtin_protocols_dir() / protocol_file)
    engine = SessionEngine.open(protocol, journal, Patient("MRN-7", 72), "ana", clock.now())
    controller = SessionController(engine, clock)
    yield controller, journal, clock, log
    controller.stop()
    log.close()


@pytest.fixture
def live(tmp_path, qtbot):
    """An IV ketamine session: (controller, journal, clock, log)."""
    yield from _live_session(tmp_path, "iv-ketamine.toml")


@pytest.fixture
def live_esketamine(tmp_path, qtbot):
    """An esketamine (nasal devices) session, as `live`."""
    yield from _live_session(tmp_path, "esketamine.toml")


def decline_first_administrator(window, qtbot) -> None:
    """First start on a new log asks for the first administrator before anything else (issue
    13); a story that runs without accounts (the transitional rule) closes that dialog first,
    as a nurse would."""
    qtbot.waitUntil(lambda: getattr(window, "first_admin_dialog", None) is not None, timeout=2000)
    window.first_admin_dialog.reject()
    window.activateWindow()   # the offscreen platform does not hand activation back by itself
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)


def shown_live_window(qtbot, live, size: tuple[int, int], asker: Answers | None = None):
    """The live window of the `live` session at `size`, shown and drawn; `asker` answers its
    dialogs (a new `Answers` when not given)."""
    from console.ui.live_window import LiveWindow   # noqa: PLC0415 - Qt widgets for UI tests only

    controller, journal, _clock, _log = live
    window = LiveWindow(controller, journal, Answers(), asker or Answers())
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.refresh()
    qtbot.waitExposed(window)
    return window


def record_attested(controller, item) -> None:
    """Type the values `item` attests that have none yet (`tests.session.helpers.attested`):
    the baseline BP, HR, SpO2 and RR of "Baseline BP, HR, SpO2 and RR recorded"."""
    for name, value in attested(item, controller.view.latest):
        controller.enter_manual(name, value)


def ready_for_t0(controller) -> None:
    """Baseline vitals and scores typed, every required pre-dose item ticked: the next phase
    is T0."""
    for item in controller.view.phase.checklist:
        if item.required:
            record_attested(controller, item)
            assert controller.tick_item(item.id).done, item.id

"""The station locks while one of the console's own questions is open: the lock answers it "no".

Built as the app builds it: the console's window (`MainWindow`) with its own `DialogAsker` and
`DialogConfirmer`, so every question is a window of the main window, not of the session window
inside it. The lock had closed only questions of the session window, which the console never
makes: the T0 question ("Start Infusion (T0) now? … Start the pump as you confirm") stayed over
the locked station, whoever came by pressed Start, the move was refused by the lock, and the pump
ran with no T0 in the record (the earlier test built its asker on the session window, and passed).
Real engine, real SQLite log, real Argon2id at its smallest cost, a clock moved by hand."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.store import EventLog
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from console.ui.start_screen import StartRequest
from protocols.loader import default_protocol_dirs, load_protocols
from tests.ui.conftest import Answers, ready_for_t0
from tests.ui.test_lock_screen import ANA, ANA_PIN, LOCK_AFTER_S, START, add_accounts, fast_hasher

IDLE_PAST_THE_LOCK_S = 11 * 60


class Console:
    """Ana's session in the console's window as the app builds it, started from the start page
    with her sign-in. `asker`: the answers to the window's questions (default: its own dialogs,
    as in the app)."""

    def __init__(self, tmp_path, qtbot, asker: Answers | None = None) -> None:
        self.log = EventLog.open(tmp_path / "log.sqlite3", "test")
        self.staff = add_accounts(self.log, fast_hasher())
        self.clock = ManualClock(START)
        self.cleanups: list[Callable[[], None]] = []
        self.window = MainWindow(self.log, load_protocols(default_protocol_dirs()), self.clock,
                                 RecordingAudioOut(), self.cleanups, asker=asker,
                                 staff=self.staff, lock_after_s=LOCK_AFTER_S, station="chair 3")
        qtbot.addWidget(self.window)
        self.window.resize(1366, 768)
        self.window.show()
        assert self.window.start_screen is not None
        self.window.start_screen.start_requested.emit(StartRequest(
            "MRN-7", 72.0, "iv-ketamine", None, 1, ANA, None, None, secret=ANA_PIN))
        assert self.window.controller is not None and self.window.live is not None
        self.controller = self.window.controller
        self.live = self.window.live

    def t(self, seconds: float) -> None:
        """Move the clock on by `seconds` and let the controller's timer tick once."""
        self.clock.advance(seconds)
        self.controller.tick()

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            cleanup()
        self.log.close()

    def rows(self, sql: str, *args: object) -> list[tuple]:
        return self.log.conn.execute(sql, args).fetchall()


@pytest.fixture
def console(tmp_path, qtbot):
    console = Console(tmp_path, qtbot)
    yield console
    console.close()


def open_question() -> QtWidgets.QMessageBox | None:
    return next((w for w in QtWidgets.QApplication.topLevelWidgets()
                 if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()), None)


def walk_away_from(console: Console, seen: dict[str, object]) -> Callable[[], None]:
    """What runs while the question is open: its text is read, the nurse walks away and the
    idle lock comes; then whatever still stands is closed, so the test ends either way."""

    def close_what_stands() -> None:
        box = open_question()
        if box is not None:
            box.reject()

    def walk_away() -> None:
        box = open_question()
        seen["asked"] = box.text() if box is not None else None
        seen["owner"] = box.parentWidget() if box is not None else None
        console.t(IDLE_PAST_THE_LOCK_S)   # nobody at the chair: the tick locks
        seen["open_after_the_lock"] = open_question() is not None
        QtCore.QTimer.singleShot(0, close_what_stands)

    return walk_away


def test_the_idle_lock_answers_the_consoles_t0_question_no(console):
    controller = console.controller
    ready_for_t0(controller)
    seen: dict[str, object] = {}
    QtCore.QTimer.singleShot(0, walk_away_from(console, seen))
    console.live.checklist.next_button.click()   # returns when the question is answered or closed
    # Step 1: the console's own question, asked on its window as the app asks it.
    assert str(seen["asked"]).startswith("Start Infusion (T0) now?"), seen
    assert seen["owner"] is console.window
    # Step 2: the lock answered it "no": nothing stands over the lock bar, the phase did not move.
    assert controller.locked and console.live.lock_bar.isVisible()
    assert seen["open_after_the_lock"] is False, \
        "the T0 question stayed open over the locked station for whoever comes by"
    assert controller.view.phase.id == "pre" and controller.view.t0 is None
    assert console.rows("SELECT count(*) FROM events WHERE kind = 'phase_started'") == [(1,)]


def test_the_idle_lock_answers_an_unusual_values_question_no(console, qtbot):
    entry = console.live.entry
    qtbot.keyClicks(entry.fields["resp_rate"], "3")
    seen: dict[str, object] = {}
    QtCore.QTimer.singleShot(0, walk_away_from(console, seen))
    entry.record_button.click()   # asks "… is unusual": returns when answered or closed
    assert "Respiratory rate 3" in str(seen["asked"]), seen
    assert seen["owner"] is console.window
    assert console.controller.locked
    assert seen["open_after_the_lock"] is False, \
        "the unusual value's question stayed open over the locked station"
    assert console.rows("SELECT count(*) FROM observations WHERE metric = 'resp_rate'") == [(0,)]

"""A discharge the log could not take, then a kill: the resumed session is open again (the log
has no discharge), and its equipment row said "Records missing: re-enter, tell Support": nothing
on screen told the nurse that the patient she sees running was discharged. At 1366x768 the row
says it whole, when and by whom, and to discharge again."""

from __future__ import annotations

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from protocols.loader import builtin_protocols_dir, default_protocol_dirs, load_protocol, load_protocols
from tests.session.helpers import type_attested
from tests.ui.conftest import Answers
from tests.ui.test_held_at_kill_said_at_resume import START, Locked


def test_a_discharge_held_at_a_kill_is_said_whole_in_its_row_at_1366(tmp_path, qtbot):
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test")
    clock = ManualClock(START)
    engine = SessionEngine.open(protocol, log, Patient("MRN-7", 72), "ana", clock.now())
    clock.advance(10)
    for item in engine.phase.checklist:
        type_attested(engine, item, "ana", clock.now())
        engine.tick_item(item.id, "ana", clock.now())
    clock.advance(60)
    assert engine.advance_phase("ana", clock.now()).done
    clock.advance(600)
    engine.writes.recorder = Locked(path)   # the log locks; the nurse discharges (to the ED)
    at = clock.now().wall
    assert engine.discharge("ana", clock.now(), override_reason="transfer to ED").done
    assert engine.unsaved > 0
    # SIGKILL before the log took it; the console starts again and resumes the session.
    clock.advance(60)
    cleanups = []
    window = MainWindow(log, load_protocols(default_protocol_dirs()), clock, RecordingAudioOut(),
                        cleanups, Answers(), Answers())
    qtbot.addWidget(window)
    try:
        live = window.resume(log.open_sessions()[0])
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        # Its time and what to do, whole; who, and the rest, on hover.
        equipment = live.alarm_bar.equipment
        clock_time = f"{at.astimezone():%H:%M}"
        assert equipment.drawn_texts()[0] == (
            f"** Discharge {clock_time} lost: discharge again (latched)")
        assert equipment.list.item(0).toolTip().startswith(
            f"** Discharge at {clock_time} by ana was not saved: discharge again; records ")
    finally:
        if window.controller is not None:
            window.controller.stop()
        for cleanup in reversed(cleanups):
            cleanup()
        log.close()

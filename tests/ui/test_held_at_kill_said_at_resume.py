"""A console killed while the log refused writes: the records it held are in an
`unsaved-records-*.jsonl` file beside the log (so a SIGKILL loses none), but the resumed session
is rebuilt from the log alone. It came back with "Patient alarms — none", and nothing said that
part of the session (an alarm raised and acknowledged, a typed BP) was missing from it, nor
where it was. The window's resume says so now: an equipment alarm that names the file."""

from __future__ import annotations

from datetime import UTC, datetime

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from console.store.errors import LogError
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, default_protocol_dirs, load_protocol, load_protocols
from tests.session.helpers import type_attested
from tests.ui.conftest import Answers

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Locked:
    """The log locked by another program: every write refused."""

    def __init__(self, path):
        self.path = path

    def write(self, records):
        raise LogError(self.path, "locked", "database is locked")


def test_records_held_at_a_kill_are_named_when_the_session_is_resumed(tmp_path, qtbot):
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
    # The log is locked: what follows is held in memory and copied to the unsaved file.
    engine.writes.recorder = Locked(path)
    clock.advance(30)
    now = clock.now()
    engine.ingest(Reading("spo2", 85, "%", now.wall, now.wall, "hl7:MONITOR"), now)
    engine.enter_manual("bp_systolic", 192, "ana", clock.now())
    (alarm,) = [o for o in engine.alarms() if o.condition == "spo2_low"]
    assert engine.acknowledge(alarm.id, "ana", clock.now()).done
    assert engine.unsaved > 0
    [held] = tmp_path.glob("unsaved-records-*.jsonl")
    # SIGKILL (no close); the other program lets go; the console starts again and resumes.
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
        assert held.exists()   # the records are on disk, not in the log
        assert not [o for o in window.controller.view.alarms() if o.condition == "spo2_low"]
        # What the nurse reads: an equipment row that says records are missing and what to do
        # (her own part first: "tell Support" alone had dropped "re-enter what matters"), and
        # on hover how many and in which file.
        equipment = live.alarm_bar.equipment
        assert equipment.drawn_texts() == ["** Records missing: re-enter, tell Support (latched)"]
        tips = [equipment.list.item(i).toolTip() for i in range(equipment.list.count())]
        # The typed BP and the alarm changes to re-enter; the monitor's SpO2 apart (it was
        # answered "not stored" and is sent again); the log's own alarm not counted.
        assert any(f"1 typed value, 3 alarm changes in {held.name}" in tip
                   and "1 monitor reading answered 'not stored' (AE)" in tip and str(held) in tip
                   for tip in tips), tips
        # The log names the file (Support's starting point).
        assert [e.detail["file"] for _, e in log.events(1)
                if e.kind == "unsaved_records_found"] == [str(held)]
    finally:
        if window.controller is not None:
            window.controller.stop()
        for cleanup in reversed(cleanups):
            cleanup()
        log.close()

"""R10: alarms come back after a kill as they were, as the same occurrences, and none is ended by it.

The console runs as its own process, reading a pseudo-terminal where the test plays the monitor:
SpO2 85 % raises a high alarm that nobody acknowledges; SpO2 recovers, so it latches (IEC
60601-1-8: a latched signal persists until the operator acts); heart rate 135 raises a second high
alarm that is still active. The console is SIGKILLed. The restart (the same command line, built
in-process here so the test can read the window and the speaker) resumes the session: both alarms
are on screen in their states, the speaker sounds high, the log has no `cleared` row for either
and `session_resumed` names them; then F2 on the latched one resets it, and only then does the log
end it. (Acknowledged alarms with their reminder clock, and an audio pause ended by the restart,
are checked on the engine in tests/session/test_resume.py.)
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.cli import gui_parser
from console.ui.app import build
from console.ui.audio import RecordingAudioOut
from devices.simulator.encode import Hl7Encoder
from devices.simulator.physiology import Sample
from devices.simulator.player import PlayerStats, PtySink
from protocols.model import Priority
from tests.faults.conftest import BIN, console_env, sql, wait_until
from tests.ui.conftest import Answers

pytestmark = pytest.mark.faults

PATIENT = "MRN-R10-0001"


def options(db: Path, port: str) -> list[str]:
    return ["--db", str(db), "--device", port, "--format", "hl7", "--protocol", "iv-ketamine",
            "--patient", PATIENT, "--weight", "70", "--nurse", "qa"]


def port_opened(db: Path) -> bool:
    try:
        return bool(sql(db, "SELECT id FROM events WHERE kind = 'device_state'"))
    except Exception:  # noqa: BLE001 - the file exists before its tables do
        return False


def transitions(db: Path, condition: str) -> list[tuple[int, str]]:
    return sql(db, "SELECT occurrence, transition FROM alarm_events WHERE condition = ? "
                   "ORDER BY id", (condition,))


def test_latched_and_active_alarms_survive_a_kill_as_the_same_occurrences(tmp_path: Path, qtbot) -> None:
    db = tmp_path / "log.sqlite3"
    sink = PtySink()
    stats = PlayerStats()
    encoder = Hl7Encoder()
    start = datetime.now(UTC).replace(microsecond=0)
    console = subprocess.Popen([str(BIN / "infusion-console"), *options(db, sink.path)],
                               env=console_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    cleanups: list[Callable[[], None]] = []
    try:
        wait_until(lambda: port_opened(db), 30, "port opened")

        def send(second: int, heart: int, spo2: int) -> None:
            at = start + timedelta(seconds=second)
            sink.write(encoder.frame(Sample(float(second), heart, heart, 14, spo2, None), at, start),
                       threading.Event(), stats)

        send(0, 80, 85)   # SpO2 85: high alarm
        wait_until(lambda: bool(transitions(db, "spo2_low")), 10, "the SpO2 alarm raised")
        send(1, 80, 97)   # recovers before anyone acknowledged: latched (no row for it)
        wait_until(lambda: len(sql(db, "SELECT id FROM observations WHERE metric = 'spo2'")) == 2,
                   10, "the recovery committed")
        send(2, 135, 97)  # heart rate 135: a second high alarm, active
        wait_until(lambda: bool(transitions(db, "heart_rate_high")), 10, "the HR alarm raised")
        console.kill()    # SIGKILL
        console.wait(10)
        spo2_occurrence = transitions(db, "spo2_low")[0][0]
        hr_occurrence = transitions(db, "heart_rate_high")[0][0]

        # The restart: the same command line resumes the session.
        audio = RecordingAudioOut()
        window = build(gui_parser().parse_args(options(db, sink.path)), cleanups, audio_out=audio,
                       confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        window.show()
        live, controller, sounder = window.live, window.controller, window.sounder
        assert live is not None and controller is not None and sounder is not None
        rows = live.alarm_bar.rows()
        assert any("SpO2 85" in r and "(latched: reset to clear)" in r for r in rows), rows
        assert any("Heart rate 135" in r and "latched" not in r for r in rows), rows
        shown = {o.id: o.state.value for o in controller.view.alarms() if o.category == "physiological"}
        assert shown == {spo2_occurrence: "latched", hr_occurrence: "active"}
        assert sounder.pattern is not None and sounder.pattern.priority is Priority.HIGH
        assert audio.last is not None and audio.last.priority is Priority.HIGH
        # Nothing was ended by the kill or the restart (nor latched twice); session_resumed
        # names both.
        assert transitions(db, "spo2_low") == [(spo2_occurrence, "raised"), (spo2_occurrence, "latched")]
        assert transitions(db, "heart_rate_high") == [(hr_occurrence, "raised")]
        [(detail,)] = sql(db, "SELECT detail FROM events WHERE kind = 'session_resumed'")
        restored = {r["occurrence"]: r["state"] for r in json.loads(detail)["restored_occurrences"]}
        assert restored[spo2_occurrence] == "latched"   # as logged
        assert hr_occurrence in restored
        # The nurse resets the latched alarm: only now does the log end it.
        controller.acknowledge(spo2_occurrence)
        assert transitions(db, "spo2_low") == [
            (spo2_occurrence, "raised"), (spo2_occurrence, "latched"), (spo2_occurrence, "reset"),
            (spo2_occurrence, "cleared")]
        assert len(sql(db, "SELECT id FROM sessions")) == 1
    finally:
        if console.poll() is None:
            console.kill()
        for cleanup in reversed(cleanups):
            cleanup()
        sink.close()


def test_a_lost_monitor_is_the_same_alarm_after_a_kill_until_its_first_frame(
        tmp_path: Path, qtbot) -> None:
    # R10 for a technical alarm: the monitor's cable is gone before the kill and after it, so
    # the restart must not end its alarm and raise a new one (an acknowledgement given would
    # be lost, a second tone would start); the monitor's first frame ends it.
    db = tmp_path / "log.sqlite3"
    sink = PtySink()
    console = subprocess.Popen([str(BIN / "infusion-console"), *options(db, sink.path)],
                               env=console_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    cleanups: list[Callable[[], None]] = []
    monitor = PtySink()   # the monitor back, under another name
    try:
        wait_until(lambda: port_opened(db), 30, "port opened")
        sink.close()   # the cable pulled: the port is gone
        wait_until(lambda: bool(transitions(db, "device_lost")), 10, "the device alarm raised")
        console.kill()
        console.wait(10)
        [(lost, _)] = transitions(db, "device_lost")

        def technical() -> list[tuple[int, str]]:
            assert window.controller is not None
            return [(o.id, o.condition) for o in window.controller.view.alarms()
                    if o.category == "technical"]

        def tried() -> int:
            return len(sql(db, "SELECT id FROM events WHERE kind = 'device_state'"))

        before = tried()
        window = build(gui_parser().parse_args(options(db, sink.path)), cleanups,
                       audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: tried() > before, timeout=10_000)   # the port tried, not there
        assert technical() == [(lost, "device_lost")]
        assert transitions(db, "device_lost") == [(lost, "raised")]
        for cleanup in reversed(cleanups):
            cleanup()
        cleanups.clear()

        window = build(gui_parser().parse_args(options(db, monitor.path)), cleanups,
                       audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        assert technical() == [(lost, "device_lost")]
        start = datetime.now(UTC).replace(microsecond=0)
        frame = Hl7Encoder().frame(Sample(0.0, 80, 80, 14, 97, None), start, start)
        qtbot.waitUntil(lambda: tried() > before + 1, timeout=10_000)   # the port opened
        monitor.write(frame, threading.Event(), PlayerStats())
        qtbot.waitUntil(lambda: technical() == [], timeout=10_000)
        assert transitions(db, "device_lost") == [(lost, "raised"), (lost, "cleared")]
    finally:
        if console.poll() is None:
            console.kill()
        for cleanup in reversed(cleanups):
            cleanup()
        monitor.close()

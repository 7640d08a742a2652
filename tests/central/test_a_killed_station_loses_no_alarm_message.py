"""A central station killed (SIGKILL, a crash, a power cut) between receiving a chair's message
and committing it to its log: the broker must still hold the message for the station's
persistent session, so the restarted station logs it. paho acknowledged (PUBACK) each message
as its callback returned, before the window's thread committed it a turn of the loop later: the
broker, told it was delivered, dropped it, and an alarm's PCD-04 (its row, its trend marker,
its confirmation) was in no log (a review). Rule: nothing handed to the console is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from console.central.app import build, parser
from console.clock import ManualClock
from console.ui.audio import RecordingAudioOut
from tests.central.helpers import Chair
from tests.central.test_app import ChairConsole
from tests.session.helpers import START
from tests.ui.conftest import Answers

WAIT_MS = 15_000
ROOT = Path(__file__).resolve().parents[2]


def test_an_alarm_message_the_station_was_killed_before_logging_is_in_its_log_after_a_restart(
        qtbot, broker, tmp_path):
    db = tmp_path / "central.sqlite3"
    # The station, its window's thread busy once it is caught up: its paho thread receives.
    child = subprocess.Popen([sys.executable, "-m", "tests.central.central_child_busy",
                              broker.url, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    chair = Chair("chair-2", "Room 2", ManualClock(START))
    console = ChairConsole(broker.url, chair)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "READY"
        qtbot.waitUntil(console.connected, timeout=WAIT_MS)
        # SpO2 85 at the chair: a high alarm, its PCD-04 start sent to the station.
        chair.start_infusion()
        chair.clock.advance(30)
        chair.device("spo2", 85)
        (raised,) = chair.new_pcd04s()
        control_id = raised[1].split(b"|")[9].decode()
        console.send(raised)
        # paho has handed it to the station, which has not turned its loop since.
        line = child.stdout.readline().strip()
        assert line == "HANDED infusion/chair/chair-2/pcd04", line
    finally:
        child.kill()   # the station killed
        child.wait()
    try:
        # Started again on its log: whatever the broker held for its session is handed over.
        station = build(parser().parse_args(["--db", str(db), "--broker", broker.url,
                                             "--name", "desk"]),
                        audio_out=RecordingAudioOut(), asker=Answers())
        qtbot.addWidget(station.window)
        try:
            assert station.board.twins is not None
            qtbot.waitUntil(station.board.twins.caught_up, timeout=WAIT_MS)
            qtbot.waitUntil(lambda: not station.board.log_failing, timeout=WAIT_MS)
            kept = [r.control_id for r in station.log.received() if r.kind == "pcd04"]
            assert control_id in kept, (
                f"the PCD-04 {control_id} (SpO2 85, a high alarm raised) was acknowledged to the "
                f"broker by the killed station before its log had it, and the restarted station "
                f"never got it: the log's PCD-04s {kept}")
        finally:
            station.close()
    finally:
        console.stop()

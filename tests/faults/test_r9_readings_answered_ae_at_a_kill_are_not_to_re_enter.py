"""A real console on a pty (the test plays the HL7 monitor). Another program locks the log; the
monitor's next message is held and answered AE; SIGKILL; the lock is let go and the console
started again; the monitor resends the message it was answered AE for, and is answered AA.

The restart's alarm had told the nurse those readings were not in the log and to re-enter them
(re-entered, they were logged twice), and had counted the log's own "Session log unavailable"
raise as an alarm change to re-enter. It now says the monitor's readings apart, as answered
"not stored" and sent again by the monitor, and counts nothing of the log's own alarm."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from console.clock import iso
from devices.simulator.encode import Hl7Encoder
from devices.simulator.physiology import Sample
from devices.simulator.player import PlayerStats, PtySink
from tests.faults.conftest import sql, wait_until
from tests.faults.test_r9_ack_durability import BASE, port_openings, read_until_ack, start_console

pytestmark = pytest.mark.faults

_HOLD = ("import sqlite3, sys\n"
         "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "conn.execute('BEGIN IMMEDIATE')\n"
         "print('locked', flush=True)\n"
         "sys.stdin.readline()\n"
         "conn.execute('ROLLBACK')\n")


def test_a_message_answered_ae_before_a_kill_is_said_as_resent_not_to_re_enter(
        tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    sink, encoder, stats = PtySink(), Hl7Encoder(), PlayerStats()
    frames = []
    for i in range(2):
        at = BASE + timedelta(seconds=i)
        frame = encoder.frame(Sample(float(i), 70 + i, 70 + i, 14, 97, None), at, BASE)
        control_id = re.search(rb"\|(SIM\d+)\|P\|", frame).group(1).decode()   # type: ignore[union-attr]
        frames.append((frame, control_id, at))
    try:
        opened = port_openings(db)
        console = start_console(db, sink.path)
        wait_until(lambda: port_openings(db) > opened, 30, "the console opens the port")
        frame, control_id, _ = frames[0]
        sink.write(frame, threading.Event(), stats)   # logged: AA
        assert f"MSA|AA|{control_id}".encode() in read_until_ack(sink._master, control_id)
        holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(db)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        frame, control_id, resent_at = frames[1]
        sink.write(frame, threading.Event(), stats)   # held in memory: AE, the monitor resends
        assert f"MSA|AE|{control_id}".encode() in read_until_ack(sink._master, control_id)
        wait_until(lambda: any(tmp_path.glob("unsaved-records-*.jsonl")), 10, "the held file")
        console.send_signal(signal.SIGKILL)
        console.wait(10)
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(10)
        [held] = tmp_path.glob("unsaved-records-*.jsonl")
        opened = port_openings(db)
        console = start_console(db, sink.path)   # resumes the session
        wait_until(lambda: port_openings(db) > opened, 30, "the console opens the port again")
        sink.write(frame, threading.Event(), stats)   # the monitor resends what was AE'd
        assert f"MSA|AA|{control_id}".encode() in read_until_ack(sink._master, control_id)
        console.send_signal(signal.SIGTERM)
        console.communicate(timeout=20)
    finally:
        sink.close()
    # The resent readings are in the log, once.
    assert sql(db, "SELECT metric, value FROM observations WHERE measured_at = ? ORDER BY metric",
               (iso(resent_at),)) == [
        ("heart_rate", 71), ("pulse_rate", 71), ("resp_rate", 14), ("spo2", 97)]
    # The restart said the monitor's readings as sent again, nothing to re-enter, and nothing
    # of the log's own alarm.
    [(message,)] = sql(db, "SELECT message FROM alarm_events WHERE condition = 'unsaved_records' "
                           "AND transition = 'raised'")
    assert message == (f"Monitor readings from before the restart are not in the log: 4 in "
                       f"{held.name}, answered 'not stored' (AE): the monitor sends them again")

"""`infusion-console --resume N` (the restart after a crash, or "Restart and resume") with a bug in
the session window's first draw: the console keeps running with the session window up, its alarm
area showing the restored high SpO2 alarm and the Console fault, and the speaker sounding high.

It had ended in a traceback, exit 1, no window and no tone, while the log held the resumed session
with its restored alarm and a Console fault logged as raised: the first draw ran inside the
window's construction, not in a slot, so the bug left `build` instead of reaching the fault
handler.

The console runs as its own process (the command line's `main`, its fault handler installed by
`run`): the child plants the bug (the window's first draw raises, once), plays the speaker into a
recording one, and instead of the event loop prints what the window shows and returns.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from console.clock import SystemClock
from console.session.engine import CONSOLE_FAULT, Patient, SessionEngine
from console.session.journal import Journal
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.faults.conftest import PROJECT_ROOT, console_env, sql

CHILD = """
import json, sys
from console.ui import app, live_window
from console.ui.audio import RecordingAudioOut

real = live_window.LiveWindow.refresh
calls = {"n": 0}

def refresh(self, *args, **kwargs):
    calls["n"] += 1
    if calls["n"] == 1:
        raise KeyError("planted: a restored alarm row cannot be drawn")
    return real(self, *args, **kwargs)

live_window.LiveWindow.refresh = refresh
speaker = RecordingAudioOut()
app.default_audio_out = lambda parent=None: speaker

def shown(qt_app, window, show=None, on_signal=None):
    qt_app.processEvents()
    print("SHOWN " + json.dumps({
        "live": window.live is not None,
        "controller": window.controller is not None,
        "rows": window.live.alarm_bar.rows() if window.live is not None else [],
        "fault_bar": window.fault_label.full_text(),
        "fault_bar_shown": not window.fault_bar.isHidden(),
        "played": [p.priority.name for p in speaker.played],
    }), flush=True)
    return 0

app.exec_until_signal = shown
from console.cli import main
sys.exit(main(sys.argv[1:]))
"""


def session_with_a_high_alarm(db: Path) -> int:
    log = EventLog.open(db, "test")
    try:
        clock = SystemClock()
        protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
        engine = SessionEngine.open(protocol, Journal(log), Patient("MRN-7", 72), "ana",
                                    clock.now())
        engine.enter_manual("spo2", 85, "ana", clock.now())
        assert any(o.condition != CONSOLE_FAULT for o in engine.alarms())
        return engine.session_id
    finally:
        log.close()


def test_a_bug_in_the_first_draw_of_a_resume_is_shown_and_sounded(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    session = session_with_a_high_alarm(db)
    script = tmp_path / "console_with_a_bug.py"
    script.write_text(CHILD, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), "--db", str(db), "--resume", str(session), "--nurse", "ana"],
        cwd=PROJECT_ROOT, env=console_env(PYTHONPATH=str(PROJECT_ROOT)),
        capture_output=True, text=True, timeout=120)
    alarms = sql(db, "SELECT condition, transition FROM alarm_events ORDER BY id")
    assert (CONSOLE_FAULT, "raised") in alarms   # the log says it sounds...
    shown_lines = [line for line in done.stdout.splitlines() if line.startswith("SHOWN ")]
    assert done.returncode == 0 and shown_lines, \
        f"...but the console ended (exit {done.returncode}): {done.stderr[-800:]}"
    shown = json.loads(shown_lines[-1][len("SHOWN "):])
    assert shown["live"] and shown["controller"], "no session window"
    assert any(row.startswith("*** Console fault: KeyError") for row in shown["rows"]), shown
    assert any("SpO" in row and row.startswith("***") for row in shown["rows"]), shown
    assert shown["fault_bar_shown"], shown
    assert shown["fault_bar"].startswith("Console fault: KeyError"), shown
    assert shown["played"] and shown["played"][-1] == "HIGH", "nothing sounds"
    assert "planted" in done.stderr   # the traceback for whoever runs it from a terminal

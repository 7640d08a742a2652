"""Ctrl+C while the PDF's trend is drawn: the KeyboardInterrupt landed in a Python method Qt
calls (ElidedLabel.changeEvent, as the trend's header is styled), and PySide turned it into an
AttributeError ("type object 'PySide6.QtCore.QEvent' has no attribute 'Type'") or a crash: a
traceback, exit status 1 (export's "the session's record was changed outside the console"), and
the access log's NOT WRITTEN row said "the export stopped (AttributeError)" (seen for real with
SIGINT at 0.68 and 0.74 s; a review of the command line). The Ctrl+C is the real SIGINT,
raised from that method."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from console.cli import INTERRUPTED_STATUS
from tests.child_signals import AS_FROM_A_TERMINAL
from tests.identity.accounts import child_sign_in, close_fds
from tests.review.scenarios import ScenarioLog

ROOT = Path(__file__).resolve().parents[2]

_CHILD = AS_FROM_A_TERMINAL + textwrap.dedent("""
    import signal, sys
    from console.ui.elided_label import ElidedLabel
    original = ElidedLabel.changeEvent
    fired = []
    def change_event(self, event):   # Qt calls it while the PDF's trend header is styled
        if not fired:
            fired.append(True)
            signal.raise_signal(signal.SIGINT)
        original(self, event)
    ElidedLabel.changeEvent = change_event
    from console.cli import main
    code = main(sys.argv[1:])
    assert fired, "the PDF was drawn without the label's changeEvent"
    sys.exit(code)
""")


def test_ctrl_c_while_the_pdf_is_drawn_is_one_line_130_and_recorded(
        scenario_log: ScenarioLog, tmp_path: Path) -> None:
    script = tmp_path / "drawing.py"
    script.write_text(_CHILD, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "report.pdf"
    sign_in, fds = child_sign_in()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run([sys.executable, str(script), "export",
                               str(scenario_log.facts.ids["surge"]), "--pdf", str(target),
                               "--db", str(scenario_log.path), *sign_in],
                              capture_output=True, text=True, env=env, pass_fds=fds,
                              timeout=120)
    finally:
        close_fds(fds)
    assert (done.returncode, done.stdout, done.stderr) == (
        INTERRUPTED_STATUS, "", "infusion-console export: interrupted: nothing more was done\n")
    assert list(out.iterdir()) == []
    with sqlite3.connect(f"file:{scenario_log.path}?mode=ro", uri=True) as conn:
        details = [d for (d,) in conn.execute("SELECT detail FROM access_log ORDER BY id")]
    conn.close()
    assert details[-2:] == [f"to {target}", f"NOT WRITTEN: {target}: interrupted"]

"""Ctrl+C while PySide6 is imported: the first tenth of a second of the window's start, and the
first moment of `export --pdf` (its writer). shiboken's start-up takes the KeyboardInterrupt as
"Fatal Python error: libshiboken/signature: could not initialize part 2" and aborts: SIGABRT, a
50-line dump, a core file (seen for real with SIGINT at 0.1 s and 0.58 s; a review of the
command line). README: "Ctrl+C ends a command in one line (exit 130)". The Ctrl+C is the real
SIGINT, raised as shiboken's support modules are imported (an audit hook: where the real one
landed)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from console.cli import INTERRUPTED_STATUS
from tests.child_signals import AS_FROM_A_TERMINAL
from tests.review.scenarios import build

ROOT = Path(__file__).resolve().parents[1]

_CHILD = AS_FROM_A_TERMINAL + textwrap.dedent("""
    import signal, sys
    fired = False
    def hook(event, args):
        global fired
        if not fired and event == "import" and str(args[0]).startswith("shibokensupport"):
            fired = True
            signal.raise_signal(signal.SIGINT)
    sys.addaudithook(hook)
    from console.cli import main
    code = main(sys.argv[1:])
    assert fired, "PySide6 was not imported"
    sys.exit(code)
""")


def _ctrl_c_as_qt_is_imported(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "ctrl_c.py"
    script.write_text(_CHILD, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(script), *argv], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)


def test_ctrl_c_while_the_window_imports_qt_is_one_line_and_130(tmp_path: Path) -> None:
    db = tmp_path / "sessions.sqlite3"
    done = _ctrl_c_as_qt_is_imported(tmp_path, "--db", str(db))
    assert (done.returncode, done.stdout, done.stderr) == (
        INTERRUPTED_STATUS, "", "infusion-console: interrupted: nothing more was done\n")
    assert not db.exists()   # stopped before the window opened the log


def test_ctrl_c_while_a_pdf_export_imports_qt_is_one_line_and_130(tmp_path: Path) -> None:
    db = tmp_path / "sessions.sqlite3"
    facts = build(db)   # no staff accounts: an export without a sign-in
    target = tmp_path / "s.pdf"
    done = _ctrl_c_as_qt_is_imported(tmp_path, "export", str(facts.ids["surge"]), "--pdf",
                                     str(target), "--db", str(db))
    assert (done.returncode, done.stdout, done.stderr) == (
        INTERRUPTED_STATUS, "", "infusion-console export: interrupted: nothing more was done\n")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith((".pdf", ".part"))) == []

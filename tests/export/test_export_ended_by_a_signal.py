"""A signed-in export ended by SIGTERM or SIGHUP while its file is written (the terminal window
closed, `timeout 60 infusion-console export ...`, a cron job stopped): Python's default ends the
process at once, past every handler, so the access log kept the row "to /path/report.json"
written before the file and no "NOT WRITTEN" row followed, and the hidden temporary file of
patient data (.report.json.XXXX.part) stayed in the folder (a review of the command line).
Ctrl+C had both (test_export_not_written_recorded.py); a signal now ends the export the same
way, with the shell's status for it (128 + its number)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.child_signals import AS_FROM_A_TERMINAL
from tests.identity.accounts import child_sign_in, close_fds
from tests.review.scenarios import ScenarioLog

ROOT = Path(__file__).resolve().parents[2]

# The signal arrives as the finished file is about to be put at its name (os.link's audit
# event: its temporary is complete on the disk then), sent by the process to itself.
_CHILD = AS_FROM_A_TERMINAL + textwrap.dedent("""
    import os, sys
    signum = int(sys.argv[1])
    def hook(event, args):
        if event == "os.link" and str(args[0]).endswith(".part"):
            os.kill(os.getpid(), signum)
    sys.addaudithook(hook)
    from console.cli import main
    sys.exit(main(sys.argv[2:]))
""")


def _details(db: Path) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = [d for (d,) in conn.execute("SELECT detail FROM access_log ORDER BY id")]
    conn.close()
    return rows


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_an_export_ended_by_a_signal_is_recorded_as_not_written(
        scenario_log: ScenarioLog, tmp_path: Path, signum: signal.Signals) -> None:
    script = tmp_path / "ended.py"
    script.write_text(_CHILD, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "report.json"
    sign_in, fds = child_sign_in()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run([sys.executable, str(script), str(int(signum)), "export",
                               str(scenario_log.facts.ids["surge"]), "--fhir", str(target),
                               "--db", str(scenario_log.path), *sign_in],
                              capture_output=True, text=True, env=env, pass_fds=fds,
                              timeout=120)
    finally:
        close_fds(fds)
    assert (done.returncode, done.stdout, done.stderr) == (
        128 + signum, "",
        f"infusion-console export: ended by {signum.name}: nothing more was done\n")
    assert list(out.iterdir()) == []   # neither the file nor its temporary
    made, not_written = _details(scenario_log.path)[-2:]
    assert made == f"to {target}"
    assert not_written == f"NOT WRITTEN: {target}: ended by {signum.name}"

"""A write-protected copy with its -wal (a log copied file and -wal, restored read-only with
`cp -p`) is read with its -wal: opened immutable, `verify` and `export` would read the log
without the rows still in the -wal, a copy that looks sound and short, readings lost from the
record with no word (a review)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from console.store import EventLog
from tests.store import PROJECT_ROOT, VERSION, obs, opened, unprivileged_prefix


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*unprivileged_prefix(), sys.executable, "-m", "console.cli", *args],
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})


def test_export_of_a_write_protected_copy_with_its_wal_has_every_row(tmp_path: Path) -> None:
    live, copy, out = tmp_path / "live", tmp_path / "copy", tmp_path / "out"
    for folder in (live, copy, out):
        folder.mkdir()
    with EventLog.open(live / "log.sqlite3", VERSION) as log:   # a chair running
        sid = log.start_session(opened())
        log.write([obs(sid, i, value=60.0 + i) for i in range(12)])
        wal = live / "log.sqlite3-wal"
        assert wal.stat().st_size > 0
        shutil.copy2(live / "log.sqlite3", copy / "log.sqlite3")   # the file, then its -wal
        shutil.copy2(wal, copy / "log.sqlite3-wal")
    os.chmod(copy / "log.sqlite3", 0o444)
    os.chmod(copy / "log.sqlite3-wal", 0o444)
    path = copy / "log.sqlite3"
    checked = _command("verify", "--db", str(path))
    # QA's check of the copy counts what it holds: the session and its 12 readings.
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ok (13 rows checked" in checked.stdout, checked.stdout
    done = _command("export", str(sid), "--csv", str(out), "--db", str(path), "--account", "qa")
    assert done.returncode == 0, done.stdout + done.stderr
    text = "\n".join(p.read_text() for p in out.rglob("*.csv"))
    missing = [v for v in (f"{60 + i}" for i in range(12)) if v not in text]
    assert not missing, (missing, done.stdout)

"""A backup restored write-protected (`cp -p` from a read-only archive: 0444), checked with
`verify` as the README advises, then started on by the console, refused as read-only, made
writable as the refusal says, and started on again.

README, `verify`: "It only reads: the file stays byte for byte as it was and nothing is left
beside it ... and a write-protected copy can be checked; `access-log` and `export` read the log
the same way". A refused start, and `verify`, had left an empty -wal and a -shm beside the copy,
write-protected like it: made writable as told, the log was still refused as read-only, naming
the log, for the -shm nobody mentioned. (As root the children run without CAP_DAC_OVERRIDE, so
the file modes bind.)
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.store import PROJECT_ROOT, filled_log, open_in_unprivileged_child, unprivileged_prefix


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    """`infusion-console ARGS` as a user whom file modes bind."""
    return subprocess.run([*unprivileged_prefix(), sys.executable, "-m", "console.cli", *args],
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})


def _beside(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


_READ_AS_BEFORE = """
import sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
conn.close()
"""


def test_verify_of_a_write_protected_copy_leaves_nothing_beside_it(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    os.chmod(path, 0o444)
    before = path.read_bytes()
    done = _command("verify", "--db", str(path))
    # QA sees the copy called sound, and the folder as it was: the file alone, unchanged.
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok (" in done.stdout
    assert _beside(tmp_path) == ["log.sqlite3"]
    assert path.read_bytes() == before


def test_access_log_of_a_write_protected_copy_leaves_nothing_beside_it(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    os.chmod(path, 0o444)
    done = _command("access-log", "--db", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _beside(tmp_path) == ["log.sqlite3"]


def test_export_of_a_write_protected_copy_leaves_nothing_beside_it(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    path, sid = filled_log(copy)
    os.chmod(path, 0o444)
    out = tmp_path / "out"
    out.mkdir()
    done = _command("export", str(sid), "--csv", str(out), "--db", str(path), "--account", "qa")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "wrote" in done.stdout
    assert _beside(copy) == ["log.sqlite3"]


def test_a_restored_write_protected_log_made_writable_as_told_is_opened(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    os.chmod(path, 0o444)                      # restored with cp -p from a read-only archive
    cause, said = open_in_unprivileged_child(path)   # the nurse's console: refused, as promised
    assert cause == "read-only", said
    assert "Make the file writable" in said or "read-only" in said
    # The refused start leaves the copy as it found it: nothing beside it.
    assert _beside(tmp_path) == ["log.sqlite3"]
    os.chmod(path, 0o600)                      # IT does what the refusal says
    cause, said = open_in_unprivileged_child(path)
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in tmp_path.iterdir()}
    assert cause == "OPENED", (said, modes)


def test_a_log_made_writable_beside_the_write_protected_wal_and_shm_a_reader_left_is_opened(
        tmp_path: Path) -> None:
    # An earlier console's refused start (or `verify`) left an empty -wal and a -shm, 0444 as
    # the copy was: once the log is made writable they follow it, and the console starts.
    path, _ = filled_log(tmp_path)
    os.chmod(path, 0o444)
    subprocess.run([*unprivileged_prefix(), sys.executable, "-c", _READ_AS_BEFORE, str(path)],
                   check=True, timeout=60)
    left = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert left == {"log.sqlite3": 0o444, "log.sqlite3-wal": 0o444, "log.sqlite3-shm": 0o444}
    os.chmod(path, 0o600)
    cause, said = open_in_unprivileged_child(path)
    assert cause == "OPENED", said
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM observations").fetchone() == (5,)
    finally:
        conn.close()


def test_a_write_protected_log_left_beside_its_wal_and_shm_is_still_refused_as_read_only(
        tmp_path: Path) -> None:
    # The side files follow a writable log only: a log still write-protected stays refused.
    path, _ = filled_log(tmp_path)
    os.chmod(path, 0o444)
    subprocess.run([*unprivileged_prefix(), sys.executable, "-c", _READ_AS_BEFORE, str(path)],
                   check=True, timeout=60)
    cause, said = open_in_unprivileged_child(path)
    assert cause == "read-only", said
    assert (tmp_path / "log.sqlite3-shm").stat().st_mode & 0o777 == 0o400

"""`infusion-console decode` and `verify` as QA and support run them: the installed entry point."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "device-samples"
# The entry point installed beside the interpreter running the tests (the venv's bin/).
CONSOLE = shutil.which("infusion-console", path=str(Path(sys.executable).parent))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    assert CONSOLE, "infusion-console is not installed in this environment"
    return subprocess.run([CONSOLE, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared/device-samples is not beside the project")
def test_decode_prints_json_readings_for_a_real_sample():
    result = run("decode", "--format", "hl7", str(SAMPLES / "continua-wan-ipf-oximeter.hl7"))
    assert result.returncode == 0, result.stderr
    readings = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["metric"], r["value"], r["unit"]) for r in readings] == [("spo2", 80.5, "%")]
    assert readings[0]["measured_at"].startswith("2009-07-15T07:07:07")
    assert "waveform-skipped" in result.stderr


def test_decode_with_an_unknown_format_says_what_is_allowed(tmp_path):
    result = run("decode", "--format", "dicom", str(tmp_path))
    assert result.returncode == 2
    assert "hl7" in result.stderr and "masimo" in result.stderr and "ansar-b" in result.stderr
    assert "Traceback" not in result.stderr


def make_log(path: Path) -> None:
    clock = ManualClock()
    with EventLog.open(path, "test") as log:
        engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), log,
                                    Patient("MRN-1", 70), "ana", clock.now())
        for value in (120, 125, 185):   # 185 raises an alarm
            clock.advance(60)
            engine.enter_manual("bp_systolic", value, "ana", clock.now())


def test_verify_passes_a_clean_log_and_names_the_first_edited_row(tmp_path):
    db = tmp_path / "log.sqlite3"
    make_log(db)
    clean = run("verify", "--db", str(db))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ok" in clean.stdout
    # Someone edits a value with a plain SQLite tool (after dropping the guard trigger).
    with sqlite3.connect(db) as conn:
        triggers = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='observations'")]
        for name in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        second = conn.execute("SELECT id FROM observations ORDER BY id LIMIT 1 OFFSET 1").fetchone()[0]
        conn.execute("UPDATE observations SET value = 110 WHERE id = ?", (second,))
    tampered = run("verify", "--db", str(db))
    assert tampered.returncode == 1
    assert "observations" in tampered.stdout and str(second) in tampered.stdout


def test_verify_reads_the_log_without_changing_a_byte_even_a_write_protected_one(tmp_path):
    # An auditor checks an archived copy: checking must not alter it, nor need to write it.
    db = tmp_path / "log.sqlite3"
    make_log(db)
    before = db.read_bytes()
    assert run("verify", "--db", str(db)).returncode == 0
    assert db.read_bytes() == before
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(db)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here: the write-protected case cannot be made")
    try:
        protected = run("verify", "--db", str(db))
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)
    assert protected.returncode == 0, protected.stdout + protected.stderr
    assert "ok" in protected.stdout and db.read_bytes() == before


def test_verify_checks_a_copy_on_read_only_media(tmp_path):
    # An archived copy on a read-only disk: SQLite cannot create the log's -shm there.
    from tests.store import remount_read_only, tmpfs

    db = tmp_path / "log.sqlite3"
    make_log(db)
    with tmpfs(tmp_path / "archive", "4m") as archive:
        shutil.copy(db, archive / "log.sqlite3")
        remount_read_only(archive)
        result = run("verify", "--db", str(archive / "log.sqlite3"))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "ok" in result.stdout and sorted(p.name for p in archive.iterdir()) == [
            "log.sqlite3"]


def test_the_schema_refuses_edits_and_deletes(tmp_path):
    db = tmp_path / "log.sqlite3"
    make_log(db)
    with sqlite3.connect(db) as conn:
        for statement in ("UPDATE observations SET value = 1", "DELETE FROM observations",
                          "DELETE FROM events", "UPDATE alarm_events SET priority = 'low'"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(statement)


def test_verify_without_a_log_says_so(tmp_path):
    result = run("verify", "--db", str(tmp_path / "missing.sqlite3"))
    assert result.returncode == 2
    assert "no session log at" in result.stderr

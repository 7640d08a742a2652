"""R7: tampering with the log from outside the console, with the `sqlite3` command-line tool.

The schema refuses UPDATE and DELETE on the record tables (triggers), whoever asks: here the
stock `sqlite3` program, as an administrator with the file would. Someone who drops the triggers
first can edit a row; `infusion-console verify --db FILE` then exits 1 and names the first bad
row (its table and id), from the hash chain. tests/store/test_verify.py covers the chain through
Python's sqlite3 module and tests/test_cli.py one verify run; this file uses the real CLI tool
for the edits, as the bar asks ("a row edited outside the console").
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.faults.conftest import BIN, sql

pytestmark = pytest.mark.faults

SQLITE3 = shutil.which("sqlite3")
needs_cli = pytest.mark.skipif(SQLITE3 is None, reason="the sqlite3 program is not installed "
                               "(scripts/bootstrap.sh installs it: apt package sqlite3)")


def sqlite3_cli(db: Path, statement: str) -> subprocess.CompletedProcess[str]:
    assert SQLITE3 is not None
    return subprocess.run([SQLITE3, str(db), statement], capture_output=True, text=True, timeout=30)


def verify(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "infusion-console"), "verify", "--db", str(db)],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A log with one session: readings, an alarm raised and cleared, events."""
    path = tmp_path / "log.sqlite3"
    clock = ManualClock()
    with EventLog.open(path, "r7") as log:
        engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"),
                                    log, Patient("MRN-R7", 70), "qa", clock.now())
        for value in (120, 125, 185, 150, 130):   # 185 raises an alarm
            engine.enter_manual("bp_systolic", value, "qa", clock.advance(60))
        engine.note("patient comfortable", "qa", clock.advance(60))
    return path


@needs_cli
@pytest.mark.parametrize("statement", [
    "UPDATE observations SET value = 110 WHERE id = 3",
    "DELETE FROM observations WHERE id = 2",
    "UPDATE alarm_events SET priority = 'low'",
    "DELETE FROM alarm_events",
    "UPDATE events SET actor = 'someone else'",
    "DELETE FROM events WHERE kind = 'note'",
    "UPDATE sessions SET weight_kg = 90",
    "DELETE FROM sessions",
])
def test_the_sqlite3_tool_cannot_update_or_delete_rows(db: Path, statement: str) -> None:
    before = {t: sql(db, f"SELECT * FROM {t} ORDER BY id")
              for t in ("sessions", "observations", "alarm_events", "events")}
    result = sqlite3_cli(db, statement)
    assert result.returncode != 0
    assert "append-only" in result.stderr or "only ended_at may be set" in result.stderr, result.stderr
    after = {t: sql(db, f"SELECT * FROM {t} ORDER BY id") for t in before}
    assert after == before
    assert verify(db).returncode == 0


def drop_triggers(table: str) -> str:
    return (f"DROP TRIGGER {table}_no_update; DROP TRIGGER {table}_no_delete;"
            if table != "sessions" else
            "DROP TRIGGER sessions_update_only_end; DROP TRIGGER sessions_no_delete;")


@needs_cli
@pytest.mark.parametrize(("table", "edit", "row", "says"), [
    ("observations", "UPDATE observations SET value = 110 WHERE id = 3", 3,
     "observations row 3: its content does not match its row_hash"),
    ("observations", "UPDATE observations SET received_at = '2020-01-01T00:00:00.000Z' "
                     "WHERE id = 4", 4, "observations row 4: its content does not match"),
    ("alarm_events", "UPDATE alarm_events SET priority = 'low' WHERE id = 1", 1,
     "alarm_events row 1: its content does not match"),
    ("events", "DELETE FROM events WHERE id = 1", 2,
     "events row 2 no longer follows the row before it: row(s) 1 were deleted"),
    ("events", "DELETE FROM events WHERE kind = 'note'", 3,
     "events: rows 3 to 3 were deleted from the end outside the console"),
    ("sessions", "UPDATE sessions SET weight_kg = 90", 1,
     "sessions row 1: its content does not match"),
])
def test_a_row_edited_with_the_sqlite3_tool_is_named_by_verify(
    db: Path, table: str, edit: str, row: int, says: str
) -> None:
    assert verify(db).returncode == 0
    result = sqlite3_cli(db, f"{drop_triggers(table)} {edit};")
    assert result.returncode == 0, result.stderr
    tampered = verify(db)
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    first = tampered.stdout.strip().splitlines()[0]
    assert first.startswith(f"{db}: "), first
    assert says in first, first


@needs_cli
def test_the_first_of_two_edits_is_the_one_named(db: Path) -> None:
    result = sqlite3_cli(db, f"{drop_triggers('observations')} "
                             "UPDATE observations SET value = 111 WHERE id = 4; "
                             "UPDATE observations SET value = 99 WHERE id = 2;")
    assert result.returncode == 0, result.stderr
    tampered = verify(db)
    assert tampered.returncode == 1
    assert "observations row 2:" in tampered.stdout and "row 4" not in tampered.stdout


@needs_cli
def test_a_session_edited_with_the_sqlite3_tool_is_not_exported(db: Path, tmp_path: Path) -> None:
    # A CSV leaves the clinic without the review's "changed" banner: it is refused, exit 1 as
    # verify's, naming the row (before: written, exit 0). A PDF is written with the warning.
    result = sqlite3_cli(db, f"{drop_triggers('observations')} "
                             "UPDATE observations SET value = 110 WHERE id = 3;")
    assert result.returncode == 0, result.stderr
    done = subprocess.run([str(BIN / "infusion-console"), "export", "1", "--csv",
                           str(tmp_path / "out"), "--db", str(db)],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(
        f"infusion-console export: session 1 was not exported: its record in {db} was changed "
        "outside the console: observations row 3: its content does not match its row_hash: it "
        "was edited outside the console, or the row before it was replaced (the row: Systolic "
        "BP 110 mmHg, recorded ")
    assert not (tmp_path / "out").exists()

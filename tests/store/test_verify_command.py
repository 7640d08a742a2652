"""`infusion-console verify` on a damaged log: one line, exit 3, never a traceback.

Exit statuses (console/cli.py, README "Running the console"): 0 sound and unchanged, 1 a row
edited outside the console, 2 nothing checked, 3 the file is damaged. Damage is made for real:
a page of a closed log overwritten with fixed pseudo-random bytes (tests/store `damage`), as the
clinician's walk did with `dd conv=notrunc`; before the fix that run ended in a traceback from
chain.py ("sqlite3.DatabaseError: database disk image is malformed") with exit status 1, the
status of an edited row.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from console.store import EventLog

from . import damage, filled_log, garble_schema, obs

DAMAGED_NEXT = ("keep this copy for review and restore the log from the last backup, removing its "
                "-wal and -shm files first")
# The entry point installed beside the interpreter running the tests (the venv's bin/).
CONSOLE = shutil.which("infusion-console", path=str(Path(sys.executable).parent))


def verify(capsys: pytest.CaptureFixture[str], db: Path) -> tuple[int, str, str]:
    code = main(["verify", "--db", str(db)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_damaged_page_is_reported_as_damage_in_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db, _ = filled_log(tmp_path, observations=3000)   # many pages: the damage is mid-file
    damage(db, "observations")
    before = db.read_bytes()
    code, out, err = verify(capsys, db)
    assert (code, err) == (3, "")
    assert out == (f"{db}: the file is damaged: database disk image is malformed; "
                   f"{DAMAGED_NEXT}\n")
    assert db.read_bytes() == before                 # verify only reads


def test_damage_the_walk_does_not_reach_is_found_by_the_integrity_check(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # An index verify's walk never reads (it walks each table by id): every row still matches
    # its chain, and only SQLite's own check finds the damage. Before: exit 1, "PRAGMA
    # integrity_check failed", the status of an edited row.
    db, _ = filled_log(tmp_path, observations=3000)   # 3,005 rows: a session, 2 alarms, 2 events
    damage(db, "observations_by_session")
    code, out, err = verify(capsys, db)
    assert (code, err) == (3, "")
    assert out.count("\n") == 1
    assert out.startswith(f"{db}: the file is damaged: SQLite's integrity check found: ")
    assert out.endswith(f"(all 3005 rows read match their hash chains); {DAMAGED_NEXT}\n")


def test_text_that_is_not_text_is_damage(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    # A few bytes changed inside a row: SQLite reads the page, Python cannot decode the value.
    db, _ = filled_log(tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER observations_no_update")
    conn.execute("UPDATE observations SET source = CAST(x'73696dff0a1b5b326a' AS TEXT) "
                 "WHERE id = 2")
    conn.commit()
    conn.close()
    code, out, err = verify(capsys, db)
    assert (code, err) == (3, "")
    assert out == (f"{db}: the file is damaged: a value in its column source is not readable "
                   f"text; {DAMAGED_NEXT}\n")


def test_a_schema_sqlite_cannot_even_describe_is_damage(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    db, _ = filled_log(tmp_path)
    garble_schema(db)   # UnicodeDecodeError from the first read: a traceback before
    code, out, err = verify(capsys, db)
    assert (code, err) == (3, "")
    assert out == (f"{db}: the file is damaged: SQLite's description of the damage is itself "
                   f"unreadable (the file's list of tables is damaged); {DAMAGED_NEXT}\n")


def test_an_empty_file_is_not_checked_and_not_changed(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    db = tmp_path / "empty.sqlite3"
    db.write_bytes(b"")
    code, out, err = verify(capsys, db)
    assert (code, out) == (2, "")
    assert err.startswith(f"infusion-console verify: Cannot use {db} as the session log: it is "
                          "not a session log of this console")
    assert db.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == [
        "empty.sqlite3"]


def test_help_lists_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["verify", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for line in ("0  the log is sound and no row was changed outside the console",
                 "1  a row was edited, deleted or added outside the console",
                 "a record table was removed, an append-only trigger or the alarms view is "
                 "not as the log's",   # review 36: exit 1 for a trigger or the view went unsaid
                 "schema changes made it (dropped, redefined or added), or meta's schema_version",
                 "2  nothing was checked: no log at --db, not a session log",
                 "3  the file is damaged",
                 "schema_version row holds another number than the schema changes the log"):
        assert line in text


# --- meta.schema_version (not chained: meta is the one table whose rows may be updated) ---

RECORDED = ("it should read 4, the number of schema changes the log recorded, "
            "0001_initial_schema to 0004_outbox_control_id_not_indexed")


def set_meta(db: Path, statement: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute(statement)
    finally:
        conn.close()


@pytest.mark.parametrize("value, shown", [
    ("'3'", "'3'"),              # another number: the console never writes it
    ("'4x'", "'4x'"),            # not a number (it passed: read as "unknown", never refused)
    ("''", "''"),
    ("' 4'", "' 4'"),
    ("NULL", "NULL"),
])
def test_a_damaged_schema_version_is_damage_naming_the_row(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path, value: str,
                                                          shown: str) -> None:
    db, _ = filled_log(tmp_path)
    set_meta(db, f"UPDATE meta SET value = {value} WHERE key = 'schema_version'")
    code, out, err = verify(capsys, db)   # before: exit 0, "ok"
    assert (code, err) == (3, "")
    assert out == (f"{db}: the file is damaged: meta row schema_version holds {shown}: "
                   f"{RECORDED} (all 10 rows match their hash chains); {DAMAGED_NEXT}\n")


@pytest.mark.parametrize("value, shown", [
    # A flipped bit: '4' (0x34) reads '5' (0x35) or '6' (0x36), which every reader refuses as
    # a newer console's (before: exit 2, "Update this console"); the migrations recorded are
    # all this console's, so it is damage.
    ("'5'", "'5'"),
    ("'6'", "'6'"),
    # 0xb4 is not UTF-8: opening the log cannot read the row (before: exit 3 without naming it).
    ("CAST(x'b4' AS TEXT)", "'\ufffd'"),
])
def test_a_schema_version_that_stops_the_open_is_named_too(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path, value: str,
                                                          shown: str) -> None:
    db, _ = filled_log(tmp_path)
    set_meta(db, f"UPDATE meta SET value = {value} WHERE key = 'schema_version'")
    code, out, err = verify(capsys, db)
    assert (code, err) == (3, "")
    assert out == (f"{db}: the file is damaged: meta row schema_version holds {shown}: "
                   f"{RECORDED}; {DAMAGED_NEXT}\n")


def test_a_log_of_a_newer_console_is_still_not_checked(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    db, _ = filled_log(tmp_path)
    set_meta(db, "INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                 "VALUES ('infusion-console-log', '0005_from_the_future', 'x')")
    set_meta(db, "UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    code, out, err = verify(capsys, db)
    assert (code, out) == (2, "")
    assert "it was written by a newer version of the console" in err


def test_a_missing_schema_version_was_deleted_outside(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    # Decided: every migration writes the row, and a damaged page under it fails SQLite's own
    # check (exit 3 before this one); a sound file without it had the row deleted: an edit.
    db, _ = filled_log(tmp_path)
    set_meta(db, "DELETE FROM meta WHERE key = 'schema_version'")
    code, out, err = verify(capsys, db)   # before: exit 0, "ok"
    assert (code, err) == (1, "")
    assert out == (f"{db}: meta row schema_version is missing: it was deleted outside the "
                   f"console; {RECORDED}\n")


@pytest.mark.parametrize("statement", ["DELETE FROM _sqlite_migrations",
                                       "DROP TABLE _sqlite_migrations"])
def test_the_record_of_the_schema_changes_removed_is_an_edit(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, statement: str) -> None:
    db, _ = filled_log(tmp_path)
    set_meta(db, statement)
    code, out, err = verify(capsys, db)   # before: exit 0, "ok"
    assert (code, err) == (1, "")
    assert out == (f"{db}: _sqlite_migrations lists none of the log's schema changes (a log of "
                   "this console lists each): it was emptied or removed outside the console\n")


def test_an_edited_row_is_named_before_a_missing_schema_version(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db, _ = filled_log(tmp_path)
    set_meta(db, "DELETE FROM meta WHERE key = 'schema_version'")
    set_meta(db, "DROP TRIGGER observations_no_update")
    set_meta(db, "UPDATE observations SET value = 99 WHERE id = 2")
    code, out, _ = verify(capsys, db)
    assert code == 1 and out.startswith(f"{db}: observations row 2: its content does not match")


# --- a record table removed outside the console (before: not walked, "ok") ---


@pytest.mark.parametrize("statements, recorded", [
    (["DROP TABLE signatures"], "it (no row yet)"),
    (["DROP TABLE deliveries"], "it (no row yet)"),
    # Its chain head removed from meta too: the migration that made it is still recorded.
    (["DROP TABLE access_log", "DELETE FROM meta WHERE key = 'chain_head.access_log'"],
     "the schema change that made it (0003_staff)"),
])
def test_a_record_table_removed_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         statements: list[str], recorded: str) -> None:
    db, _ = filled_log(tmp_path)
    for statement in statements:
        set_meta(db, statement)
    table = statements[0].split()[-1]
    code, out, err = verify(capsys, db)
    assert (code, err) == (1, "")
    assert out == (f"{db}: {table}: the table is not in the file, though the log recorded "
                   f"{recorded}: it was removed outside the console\n")


def test_a_real_process_reports_damage_without_a_traceback(tmp_path: Path) -> None:
    assert CONSOLE, "infusion-console is not installed in this environment"
    db, _ = filled_log(tmp_path, observations=3000)
    damage(db, "observations")
    done = subprocess.run([CONSOLE, "verify", "--db", str(db)], capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, done.stderr) == (3, "")
    assert done.stdout.startswith(f"{db}: the file is damaged: database disk image is malformed")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", [
    ["verify"], ["access-log"], ["export", "{session}", "--csv", "{out}"],
], ids=["verify", "access-log", "export"])
def test_a_read_only_command_leaves_a_log_closed_cleanly_as_it_found_it(
        tmp_path: Path, command: list[str]) -> None:
    # Read with SQLite's mode=ro, the log got an empty -wal and a -shm beside it that the
    # read-only connection could not remove on close: "the file stays byte for byte as it
    # was" held for the file, not for its folder, and a -wal says a console has the log open
    # (a copy must take it along).
    assert CONSOLE, "infusion-console is not installed in this environment"
    db, session = filled_log(tmp_path / "logs")
    assert [p.name for p in db.parent.iterdir()] == ["log.sqlite3"]
    before = _sha256(db)
    args = [a.format(session=session, out=tmp_path / "out") for a in command]
    done = subprocess.run([CONSOLE, *args, "--db", str(db)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p.name for p in db.parent.iterdir()] == ["log.sqlite3"]
    assert _sha256(db) == before


def test_verify_of_a_copy_with_its_wal_reads_its_rows_and_changes_neither_file(
        tmp_path: Path) -> None:
    # A copy taken while a console had the log open is the file and its -wal (README): verify
    # reads the rows still in the -wal and leaves both as they were. It must not close the way
    # a console does, moving those rows into the file.
    assert CONSOLE, "infusion-console is not installed in this environment"
    live, session = filled_log(tmp_path / "live")
    copy = tmp_path / "copy" / "log.sqlite3"
    copy.parent.mkdir()
    with EventLog.open(live, "console") as log:
        log.write([obs(session, 100 + i) for i in range(3)])
        for name in ("log.sqlite3", "log.sqlite3-wal"):
            shutil.copy(live.parent / name, copy.parent / name)
    wal = copy.parent / "log.sqlite3-wal"
    assert wal.stat().st_size > 0
    before = (_sha256(copy), _sha256(wal))
    done = subprocess.run([CONSOLE, "verify", "--db", str(copy)], capture_output=True,
                          text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"{copy}: ok (13 rows checked, integrity ok)\n"
    assert (_sha256(copy), _sha256(wal)) == before

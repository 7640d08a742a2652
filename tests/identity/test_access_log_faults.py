"""`infusion-console access-log` on a log it cannot show as it is: one line, a documented exit
status, never a traceback.

Exit statuses (console/identity/cli.py, as `verify`'s and `export`'s): 0 printed, every row as
written; 1 printed, but the access log was changed outside the console (the line after the rows
names the first changed row); 2 nothing printed, a failure the user can act on (no log, not one,
unreadable, from before the access log); 3 nothing printed, the log is damaged.

The clinician's walk, before the fix: a page of access_log overwritten with `dd conv=notrunc`, a
byte of a row changed, the list of tables garbled each ended in a traceback (sqlite3
.DatabaseError, sqlite3.OperationalError "Could not decode to UTF-8", ValueError "Invalid
isoformat string", UnicodeDecodeError); a truncated file was exit 2 where verify and export say
3; a log of an older schema, and one whose access_log table was dropped, printed "no read or
export is recorded" with exit 0; a row edited or deleted with sqlite3 printed as the record,
exit 0. Every log here is real (a closed log under tmp_path, damaged as tests/store does it).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.cli import main
from console.identity import AccessLog, Argon2Hasher, SecretKind, Staff
from console.records import SessionOpened
from console.store import EventLog, schema
from tests.store import damage, garble_schema, unprivileged_prefix

PROG = "infusion-console access-log: "
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROWS = 120   # several pages of access_log: damage to one leaves others readable
CONSOLE = Path(sys.executable).parent / "infusion-console"


def next_steps(db: Path) -> str:
    return (f"; nothing was printed. Check it with `infusion-console verify --db {db}`, keep a "
            "copy of it for review and restore the log from the last backup, removing its -wal "
            "and -shm files first")


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed log with an administrator, one session and ROWS exports of it in access_log."""
    db = tmp_path_factory.mktemp("audited") / "log.sqlite3"
    with EventLog.open(db, "test", now=T0) as log:
        staff = Staff(log, Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1))
        admin = staff.add("Ada Admin", "administrator", "58203914", SecretKind.PIN, None, T0)
        session = log.start_session(SessionOpened(
            patient_id="MRN-4711", protocol_id="iv-ketamine", protocol_version="2026.1",
            session_number=1, nurse="Ana", weight_kg=72.0, started_at=T0))
        access = AccessLog(log)
        for i in range(ROWS):
            access.record_access(admin, "export", session, "pdf", False,
                                 T0 + timedelta(minutes=i), where="command line",
                                 detail=f"to /home/qa/exports/session-{session}-report-{i}.pdf")
    return db


@pytest.fixture
def db(audited: Path, tmp_path: Path) -> Path:
    """A copy of the audited log for one test to damage."""
    copy = tmp_path / "log.sqlite3"
    shutil.copyfile(audited, copy)
    return copy


def access_log(capsys: pytest.CaptureFixture[str], db: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["access-log", "--db", str(db), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def refusal(code: int, out: str, err: str, status: int) -> str:
    """The one line of an access-log that printed nothing: its status, no traceback."""
    assert (code, out) == (status, ""), err
    assert err.count("\n") == 1 and err.startswith(PROG) and "Traceback" not in err
    return err.strip()


def edit(db: Path, *statements: str) -> None:
    """Change the log as someone with the sqlite3 tool would: the triggers dropped first."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS access_log_no_update")
        conn.execute("DROP TRIGGER IF EXISTS access_log_no_delete")
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def test_a_sound_log_prints_every_row_and_exits_0(capsys, audited):
    code, out, err = access_log(capsys, audited)
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == 1 + ROWS


# --- damaged: exit 3, nothing printed, the next steps named ---


def test_a_truncated_log_is_damaged(capsys, db):
    with db.open("r+b") as f:
        f.truncate(db.stat().st_size // 2)   # a copy cut short (before: exit 2)
    line = refusal(*access_log(capsys, db), status=3)
    assert line == (f"{PROG}cannot read the session log {db}: the file is damaged: database disk "
                    f"image is malformed{next_steps(db)}")


@pytest.mark.parametrize("extra", [[], ["--session", "1"]])
def test_a_damaged_access_log_page_is_damage_not_a_traceback(capsys, db, extra):
    damage(db, "access_log")   # its root page overwritten, as `dd conv=notrunc` did
    line = refusal(*access_log(capsys, db, *extra), status=3)
    assert line == (f"{PROG}cannot read the access log of {db}: the file is damaged: database "
                    f"disk image is malformed{next_steps(db)}")


def test_a_damaged_index_read_for_one_session_is_damage(capsys, db):
    damage(db, "access_log_by_session")   # only --session reads through it
    line = refusal(*access_log(capsys, db, "--session", "1"), status=3)
    assert line.startswith(f"{PROG}cannot read the access log of {db}: the file is damaged: ")


def test_damage_found_reading_the_staff_accounts_names_them(capsys, db):
    damage(db, "staff_by_account")   # read when a session has no row: is there any account?
    line = refusal(*access_log(capsys, db, "--session", "2"), status=3)
    assert line.startswith(f"{PROG}cannot read the staff accounts of {db}: the file is damaged: ")


def test_bytes_that_are_not_text_are_damage(capsys, db):
    edit(db, "UPDATE access_log SET detail = CAST(x'746f202f746dff1b5b326a' AS TEXT) "
             "WHERE id = 7")
    line = refusal(*access_log(capsys, db), status=3)
    assert line == (f"{PROG}cannot read the access log of {db}: the file is damaged: a value in "
                    f"its column detail is not readable text{next_steps(db)}")


@pytest.mark.parametrize("value", ["'2026-03-02T0\x0e:00:00.000Z'", "5"])
def test_a_time_that_is_no_time_is_named_by_the_chain(capsys, db, value):
    # A changed byte SQLite still reads: the reader failed on it (ValueError: no time).
    edit(db, f"UPDATE access_log SET at = {value} WHERE id = 3")
    line = refusal(*access_log(capsys, db), status=3)
    assert line == (f"{PROG}cannot read the access log of {db}: it does not hold what the console "
                    "wrote (access_log row 3: its content does not match its row_hash: it was "
                    f"edited outside the console, or the row before it was replaced)"
                    f"{next_steps(db)}")


def test_a_list_of_tables_sqlite_cannot_describe_is_damage(capsys, db):
    garble_schema(db)   # UnicodeDecodeError from the first read
    line = refusal(*access_log(capsys, db), status=3)
    assert line == (f"{PROG}cannot read the session log {db}: the file is damaged: SQLite's "
                    "description of the damage is itself unreadable (the file's list of tables "
                    f"is damaged){next_steps(db)}")


@pytest.mark.parametrize("also", ["", "DELETE FROM meta WHERE key = 'chain_head.access_log'"])
def test_an_access_log_table_removed_is_not_nothing_recorded(capsys, db, also):
    # Before: "no read or export is recorded", exit 0, for a table dropped with sqlite3.
    edit(db, "DROP TABLE access_log", *([also] if also else []))
    line = refusal(*access_log(capsys, db), status=3)
    recorded = (f"it (rows 1 to {ROWS})" if not also else
                "the schema change that made it (0003_staff)")
    assert line == (f"{PROG}cannot read the access log of {db}: access_log: the table is not in "
                    f"the file, though the log recorded {recorded}: it was removed outside the "
                    f"console, or the file is damaged{next_steps(db)}")


def test_a_real_process_reports_damage_without_a_traceback(db):
    damage(db, "access_log")
    done = subprocess.run([str(CONSOLE), "access-log", "--db", str(db)], capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr.startswith(f"{PROG}cannot read the access log of {db}: the file is "
                                  "damaged") and "Traceback" not in done.stderr


# --- changed outside the console: printed, then named, exit 1 ---


def test_a_row_edited_is_printed_and_named(capsys, db):
    edit(db, "UPDATE access_log SET detail = 'to /dev/null' WHERE id = 5")
    code, out, err = access_log(capsys, db)
    assert code == 1
    assert len(out.splitlines()) == 1 + ROWS and "to /dev/null" in out
    assert err == (f"{PROG}the access log of {db} was changed outside the console: access_log "
                   "row 5: its content does not match its row_hash: it was edited outside the "
                   "console, or the row before it was replaced; the rows above are as the file "
                   "holds them now, not as they were recorded. Check the whole log with "
                   f"`infusion-console verify --db {db}` and compare it with the last backup\n")


def test_a_row_deleted_is_named_even_when_no_row_is_left_to_print(capsys, db):
    # Someone removing the record of their own export: before, the log printed without it.
    edit(db, "DELETE FROM access_log WHERE id >= 60")
    code, out, err = access_log(capsys, db, "--session", "1")
    assert code == 1 and len(out.splitlines()) == 1 + 59
    assert err.startswith(f"{PROG}the access log of {db} was changed outside the console: "
                          f"access_log: rows 60 to {ROWS} were deleted from the end outside the "
                          "console")
    edit(db, "DELETE FROM access_log")
    code, out, err = access_log(capsys, db)
    assert code == 1 and out == f"no read or export is recorded in {db}\n"
    assert "were deleted from the end outside the console" in err


@pytest.mark.parametrize(("head", "words"), [
    ("DELETE FROM meta WHERE key = 'chain_head.access_log'", "was deleted outside the console"),
    ("UPDATE meta SET value = 'x' WHERE key = 'chain_head.access_log'",
     "holds 'x', not \"<id> <hash>\": it was edited outside the console or is damaged"),
])
def test_rows_deleted_from_the_end_with_the_chain_head_are_named(capsys, db, head, words):
    # The record of where the table ends gone with the rows: exit 0 and not a word before, where
    # verify says the log was changed.
    edit(db, "DELETE FROM access_log WHERE id >= 60", head)
    code, out, err = access_log(capsys, db)
    assert code == 1 and len(out.splitlines()) == 1 + 59
    assert err.startswith(f"{PROG}the access log of {db} was changed outside the console: "
                          "access_log: the log's record of where the table ends (meta row "
                          f"chain_head.access_log) {words}"), err
    assert main(["verify", "--db", str(db)]) == 1   # the same finding
    assert words in capsys.readouterr().out


def test_characters_that_do_not_print_are_shown_as_question_marks(capsys, tmp_path):
    # An export's file name is whoever exported's choice: an escape sequence in it could erase
    # the line above on the auditor's terminal, or start a fake row on a new one.
    db = tmp_path / "log.sqlite3"
    with EventLog.open(db, "test", now=T0) as log:
        staff = Staff(log, Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1))
        admin = staff.add("Ada Admin", "administrator", "58203914", SecretKind.PIN, None, T0)
        AccessLog(log).record_access(admin, "read", None, "list", False, T0, where="chair 3",
                                     detail="to /tmp/\x1b[1A\x1b[2Kr.pdf\n2  fake row")
    code, out, err = access_log(capsys, db)
    assert (code, err) == (0, "")
    header, row = out.splitlines()
    assert "\x1b" not in out
    assert row.endswith("chair 3  to /tmp/?[1A?[2Kr.pdf?2  fake row")


# --- refused: exit 2, one line, the log untouched ---


def test_a_log_from_before_the_access_log_says_so(capsys, tmp_path):
    db = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    schema.migrate(conn, stop_before=schema.STAFF_MIGRATION)   # schema version 2
    conn.close()
    before = db.read_bytes()
    line = refusal(*access_log(capsys, db), status=2)
    # Before: "no read or export is recorded in ...", exit 0, as if nobody had read anything.
    assert line == (f"{PROG}the session log {db} is of schema version 2, from before the access "
                    "log (schema version 3 added it, with staff accounts): no read or export of "
                    "it was recorded. A console of this version adds the access log when it next "
                    "opens this log; reads and exports are recorded from then on, once the log "
                    "has a staff account")
    assert db.read_bytes() == before


@pytest.mark.parametrize("content", [b"", b"name,dose\nP-1,36\n"])
def test_an_empty_file_or_another_file_is_refused_as_verify_refuses_it(capsys, tmp_path,
                                                                       content):
    db = tmp_path / "log.sqlite3"
    db.write_bytes(content)
    line = refusal(*access_log(capsys, db), status=2)
    assert main(["verify", "--db", str(db)]) == 2
    said_by_verify = capsys.readouterr().err.strip().removeprefix("infusion-console verify: ")
    assert line == PROG + said_by_verify
    assert line.startswith(f"{PROG}Cannot use {db} as the session log: it is not a session log "
                           "of this console")
    assert db.read_bytes() == content


def test_a_folder_is_refused_naming_it(capsys, tmp_path):
    line = refusal(*access_log(capsys, tmp_path), status=2)
    assert line == (f"{PROG}no session log at {tmp_path}: it is a folder; give the log file "
                    "itself with --db")


def _in_unprivileged_child(db: Path) -> subprocess.CompletedProcess[str]:
    """access-log in a child without root's permission bypass (file modes then bind)."""
    return subprocess.run([*unprivileged_prefix(), str(CONSOLE), "access-log", "--db", str(db)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "HOME": str(db.parent)})


def test_a_write_protected_log_in_a_write_protected_folder_prints(db):
    folder = db.parent
    db.chmod(0o444)
    folder.chmod(0o555)   # not even SQLite's -shm can be made beside it
    try:
        done = _in_unprivileged_child(db)
    finally:
        folder.chmod(0o755)
    assert (done.returncode, done.stderr) == (0, "")
    assert len(done.stdout.splitlines()) == 1 + ROWS


def test_a_log_that_may_not_be_read_is_refused(db):
    db.chmod(0o000)
    done = _in_unprivileged_child(db)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"{PROG}Cannot open the session log {db}: permission denied. Check "
                           "the owner and permissions of the file and its folder, or choose "
                           "another log file with --db. (Details: Permission denied.)\n")


def test_help_lists_the_exit_statuses(capsys):
    with pytest.raises(SystemExit) as done:
        main(["access-log", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for line in ("0  printed (or nothing is recorded), every row as the console wrote it",
                 "1  printed, but the access log was changed outside the console",
                 "2  nothing printed: a usage error, no session log or not one",
                 "3  nothing printed: the session log is damaged"):
        assert line in text

"""`infusion-console export` on a log it must not or cannot use as it is: damaged, write-protected,
empty, of an older schema. One line on stderr, a documented exit status, no file, the log untouched.

Exit statuses (console/export/cli.py, README "Reviewing and exporting past sessions"): 0 written,
2 refused (a failure the user can act on), 3 the session log is damaged. Every log here is real:
the scenario sessions of tests/review/scenarios.py, copied per test, damaged with
tests/store `damage` (a page overwritten with fixed pseudo-random bytes, as the clinician's walk
did with `dd conv=notrunc`), write-protected with `chattr +i` (root ignores file modes).

The clinician's walk, before the fix: a damaged log gave a traceback (sqlite3.DatabaseError:
database disk image is malformed); a write-protected log without accounts was refused with
"Cannot write the session log"; an empty file got the whole schema written into it (0644) and
then "session N is not in the session log".
"""

from __future__ import annotations

import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.cli import main
from console.clock import local_stamp, parse_iso
from console.store import EventLog, schema
from tests.export.test_pdf import needs_poppler
from tests.export.test_pdf import pages_of as pdf_pages
from tests.identity.accounts import QA_ADMIN, QA_ADMIN_PIN, sign_in_args
from tests.review.scenarios import ScenarioLog, build
from tests.store import damage, garble_schema, overwrite_page, pages_of

PROG = "infusion-console export: "
NEXT_STEPS = ("keep a copy of it for review and restore the log from the last backup, removing "
              "its -wal and -shm files first")


@pytest.fixture(scope="module")
def plain_log(tmp_path_factory: pytest.TempPathFactory) -> ScenarioLog:
    """The scenario sessions in a log without staff accounts (the transitional rule: exports
    are not logged, so nothing is written to the log)."""
    path = tmp_path_factory.mktemp("plain") / "sessions.sqlite3"
    return ScenarioLog(path, build(path))


def copy_log(source: Path, folder: Path, name: str = "sessions.sqlite3") -> Path:
    """A consistent copy of a closed log (SQLite's backup: the WAL's rows included)."""
    target = folder / name
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def export(capsys: pytest.CaptureFixture[str], *argv: object,
           signed: bool = False) -> tuple[int, str, str]:
    code = main(["export", *map(str, argv), *(sign_in_args() if signed else [])])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code: int, out: str, err: str, status: int) -> str:
    """The error line of a failed export: its status, nothing on stdout, one line, no traceback."""
    assert (code, out) == (status, "")
    assert err.count("\n") == 1 and err.startswith(PROG) and "Traceback" not in err
    return err.strip()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in `folder` and its bytes: the log, any export, and a write-ahead log that
    holds anything. (Reading a WAL log makes SQLite create an empty -wal and the -shm index
    beside it, as the review and `verify` do: that writes nothing of the log.)"""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.endswith("-shm")
            and not (p.name.endswith("-wal") and p.stat().st_size == 0)}


@contextmanager
def write_protected(path: Path) -> Iterator[None]:
    """`chattr +i`: the file cannot be written even by root (a copy under audit)."""
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)],
                                        capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this filesystem or for this user")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def access_rows(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT what, detail FROM access_log ORDER BY id").fetchall()
    conn.close()
    return rows


# --- a damaged log: exit 3, one line naming the file, the damage and the next steps ---


@pytest.mark.parametrize("option, name, extra", [
    ("--csv", "out", []),
    ("--csv", "out", ["--deidentify"]),
    ("--pdf", "report.pdf", []),
    ("--fhir", "bundle.json", []),
    ("--rems", "rems.txt", []),
])
def test_a_damaged_log_is_named_and_no_file_is_written(capsys, plain_log, tmp_path, option, name,
                                                       extra):
    db = copy_log(plain_log.path, tmp_path)
    damage(db, "observations")   # a page of the observations overwritten, as `dd` did
    sid = plain_log.facts.ids["esketamine"]
    before = snapshot(tmp_path)
    message = one_line(*export(capsys, sid, option, tmp_path / name, "--db", db, *extra),
                       status=3)
    assert message == (f"{PROG}cannot read session {sid} from {db}: the file is damaged: "
                       f"database disk image is malformed; no file was written. Check it with "
                       f"`infusion-console verify --db {db}`, {NEXT_STEPS}")
    assert snapshot(tmp_path) == before             # no export, and the log as it was


def test_a_damaged_log_with_accounts_records_no_export(capsys, scenario_log, tmp_path):
    db = copy_log(scenario_log.path, tmp_path)
    exports_before = [row for row in access_rows(db) if row[0] == "export"]
    damage(db, "observations")
    sid = scenario_log.facts.ids["surge"]
    message = one_line(*export(capsys, sid, "--fhir", tmp_path / "b.json", "--db", db,
                               signed=True), status=3)
    assert message.startswith(f"{PROG}cannot read session {sid} from {db}: the file is damaged: "
                              "database disk image is malformed; no file was written.")
    assert not (tmp_path / "b.json").exists()
    # The sign-in is logged as always; no export row claims a file that was never made.
    assert [row for row in access_rows(db) if row[0] == "export"] == exports_before


def test_a_damaged_staff_table_refuses_rather_than_skipping_the_sign_in(capsys, scenario_log,
                                                                         tmp_path):
    # Whether the log has accounts is read from `staff` (through its index staff_by_account):
    # damage there must not read as "no accounts, export without a sign-in", nor end in a
    # traceback.
    db = copy_log(scenario_log.path, tmp_path)
    damage(db, "staff_by_account")
    message = one_line(*export(capsys, 1, "--csv", tmp_path / "out", "--db", db, signed=True),
                       status=3)
    assert message == (f"{PROG}cannot read the session log {db}: the file is damaged: database "
                       "disk image is malformed; no file was written. Check it with "
                       f"`infusion-console verify --db {db}`, {NEXT_STEPS}")
    assert not (tmp_path / "out").exists()


def test_accounts_removed_outside_the_console_do_not_turn_off_the_sign_in(capsys, scenario_log,
                                                                           tmp_path):
    # Every staff row deleted with the sqlite3 tool (triggers dropped first): the log reads as
    # one without accounts, whose exports need no sign-in and are not logged (exit 0 before).
    db = copy_log(scenario_log.path, tmp_path)
    with sqlite3.connect(db, isolation_level=None) as conn:
        (rows,) = conn.execute("SELECT count(*) FROM staff").fetchone()
        conn.execute("DROP TRIGGER staff_no_delete")
        conn.execute("DELETE FROM staff")
    conn.close()
    message = one_line(*export(capsys, 1, "--csv", tmp_path / "out", "--db", db), status=3)
    assert message == (f"{PROG}cannot read the session log {db}: it recorded {rows} staff account "
                       "row(s) and its staff table holds none: the file is damaged or was edited "
                       "outside the console; no file was written. Check it with "
                       f"`infusion-console verify --db {db}`, {NEXT_STEPS}")
    assert not (tmp_path / "out").exists()


def test_damage_to_the_list_of_tables_is_found_when_the_log_is_opened(capsys, plain_log,
                                                                      tmp_path):
    db = copy_log(plain_log.path, tmp_path)
    overwrite_page(db, pages_of(db, "sqlite_schema")[1])   # every open reads the whole schema
    message = one_line(*export(capsys, 1, "--csv", tmp_path / "out", "--db", db), status=3)
    assert message.startswith(f"{PROG}cannot read the session log {db}: the file is damaged: ")
    assert message.endswith(f"`infusion-console verify --db {db}`, {NEXT_STEPS}")
    assert not (tmp_path / "out").exists()


def test_a_schema_sqlite_cannot_even_describe_is_damage(capsys, plain_log, tmp_path):
    db = copy_log(plain_log.path, tmp_path)
    garble_schema(db)   # UnicodeDecodeError from the first read: a traceback before
    message = one_line(*export(capsys, 1, "--csv", tmp_path / "out", "--db", db), status=3)
    assert message == (f"{PROG}cannot read the session log {db}: the file is damaged: SQLite's "
                       "description of the damage is itself unreadable (the file's list of "
                       "tables is damaged); no file was written. Check it with "
                       f"`infusion-console verify --db {db}`, {NEXT_STEPS}")


def test_a_row_whose_bytes_changed_is_damage_not_a_crash(capsys, plain_log, tmp_path):
    # A few bytes changed inside a row: SQLite still reads the page, but a stored time is no
    # time (the export's reader raised ValueError); the hash chain says the row changed.
    db = copy_log(plain_log.path, tmp_path)
    sid = plain_log.facts.ids["esketamine"]
    with sqlite3.connect(db, isolation_level=None) as conn:
        conn.execute("DROP TRIGGER observations_no_update")
        (row,) = conn.execute("SELECT min(id) FROM observations WHERE session_id = ?",
                              [sid]).fetchone()
        conn.execute("UPDATE observations SET received_at = '2026-03-06T1\x0e:00:00.000Z' "
                     "WHERE id = ?", [row])
    conn.close()
    message = one_line(*export(capsys, sid, "--csv", tmp_path / "out", "--db", db), status=3)
    assert message == (f"{PROG}cannot read session {sid} from {db}: the log does not hold what "
                       f"the console wrote (observations row {row}: its content does not match "
                       "its row_hash: it was edited outside the console, or the row before it "
                       "was replaced); no file was written. Check it with `infusion-console "
                       f"verify --db {db}`, {NEXT_STEPS}")
    assert not (tmp_path / "out").exists()


# --- a session changed outside the console: exit 1, the first changed row named, no file ---
# Before: written, exit 0 (the chain was walked only when a value could not be read at all).


def change_value(db: Path, sid: int, metric: str = "bp_systolic",
                 nth: int = 0) -> tuple[int, float, str]:
    """Raise the session's `nth` (from 0) `metric` reading by 40 with sqlite3, triggers dropped
    first, as someone with the file could (or a few changed bytes: the value still reads).
    Returns the row id, the new value and its received_at."""
    with sqlite3.connect(db, isolation_level=None) as conn:
        conn.execute("DROP TRIGGER IF EXISTS observations_no_update")
        row, value, at = conn.execute(
            "SELECT id, value, received_at FROM observations WHERE session_id = ? AND metric = ? "
            "ORDER BY id LIMIT 1 OFFSET ?", [sid, metric, nth]).fetchone()
        conn.execute("UPDATE observations SET value = ? WHERE id = ?", [value + 40, row])
    conn.close()
    return row, value + 40, at


def changed_line(db: Path, sid: int, said: str) -> str:
    return (f"{PROG}session {sid} was not exported: its record in {db} was changed outside the "
            f"console: {said}. This file would leave the clinic without the review's warning, "
            "so none was written (a PDF report, --pdf, prints the warning on its pages). Check "
            f"the whole log with `infusion-console verify --db {db}` "
            "and compare the session with the last backup; the review shows the session with "
            "the changed row named")


@pytest.mark.parametrize("option, name", [("--csv", "out"), ("--fhir", "bundle.json"),
                                          ("--rems", "rems.txt")])
def test_a_value_changed_outside_the_console_is_not_exported(capsys, plain_log, tmp_path,
                                                             option, name):
    db = copy_log(plain_log.path, tmp_path)
    sid = plain_log.facts.ids["esketamine"]
    row, value, at = change_value(db, sid)
    before = snapshot(tmp_path)
    message = one_line(*export(capsys, sid, option, tmp_path / name, "--db", db), status=1)
    assert message == changed_line(db, sid, (
        f"observations row {row}: its content does not match its row_hash: it was edited outside "
        f"the console, or the row before it was replaced (the row: Systolic BP {value:g} mmHg, "
        f"recorded {local_stamp(parse_iso(at))})"))   # local, as every other view says it
    assert snapshot(tmp_path) == before   # no file, and the log as it was


@needs_poppler
def test_the_pdf_of_a_changed_session_is_written_with_the_warning_on_its_pages(
        capsys, plain_log, tmp_path):
    """The one format that can carry the review's warning to its reader: written, and says so."""
    db = copy_log(plain_log.path, tmp_path)
    sid = plain_log.facts.ids["esketamine"]
    row, value, _ = change_value(db, sid)
    code, out, err = export(capsys, sid, "--pdf", tmp_path / "r.pdf", "--db", db)
    assert (code, err) == (0, "")
    assert (f"wrote a {len(pdf_pages(tmp_path / 'r.pdf'))}-page PDF report to {tmp_path / 'r.pdf'}"
            "; its record was changed outside the console, and the report says so on every "
            "page") in out
    pages = pdf_pages(tmp_path / "r.pdf")
    first = " ".join(pages[0].split())
    assert (f"⚠ This session's record was changed outside the console: observations row {row}: "
            "its content does not match its row_hash") in first
    assert f"The row: Systolic BP {value:g} mmHg" in first
    assert all("⚠ RECORD CHANGED OUTSIDE THE CONSOLE: see page 1" in page for page in pages)


@needs_poppler
def test_a_deidentified_pdf_of_a_changed_session_names_neither_row_nor_log_path(
        capsys, plain_log, tmp_path):
    # QA: the warning's "verify --db Smith_John_MRN-4711/log.sqlite3" printed a folder named for
    # the patient on a de-identified report.
    folder = tmp_path / "Smith_John_MRN-5820"
    folder.mkdir()
    db = copy_log(plain_log.path, folder)
    sid = plain_log.facts.ids["esketamine"]
    row, value, _ = change_value(db, sid)
    code, _, err = export(capsys, sid, "--pdf", tmp_path / "r.pdf", "--db", db, "--deidentify")
    assert (code, err) == (0, "")
    first = " ".join(pdf_pages(tmp_path / "r.pdf")[0].split())
    assert (f"observations row {row} does not match the log's hash chain. What this page shows "
            "may not be what was recorded. Check the log this session came from with: "
            "infusion-console verify; the last backup holds the record as written.") in first
    assert "Smith_John" not in first and "MRN-5820" not in first and f"{value:g} mmHg" not in first


def test_a_deidentified_export_names_only_the_row(capsys, plain_log, tmp_path):
    # verify's sentence and the row may hold a time or free text: the table and number only,
    # as the review's de-identified banner says it.
    db = copy_log(plain_log.path, tmp_path)
    sid = plain_log.facts.ids["esketamine"]
    row, _, _ = change_value(db, sid)
    message = one_line(*export(capsys, sid, "--csv", tmp_path / "out", "--db", db,
                               "--deidentify"), status=1)
    assert message == changed_line(db, sid, f"observations row {row} does not match the log's "
                                            "hash chain")


def test_an_end_changed_outside_the_console_is_not_exported(capsys, plain_log, tmp_path):
    db = copy_log(plain_log.path, tmp_path)
    sid = plain_log.facts.ids["surge"]
    with sqlite3.connect(db, isolation_level=None) as conn:
        conn.execute("DROP TRIGGER sessions_update_only_end")
        (ended,) = conn.execute("SELECT ended_at FROM sessions WHERE id = ?", [sid]).fetchone()
        conn.execute("UPDATE sessions SET ended_at = '2026-03-05T11:00:00.000Z' WHERE id = ?",
                     [sid])
    conn.close()
    message = one_line(*export(capsys, sid, "--fhir", tmp_path / "r.json", "--db", db),
                       status=1)
    assert message == changed_line(db, sid, (
        f"sessions row {sid}: its end (2026-03-05T11:00:00.000Z) was changed outside the "
        f"console: it was recorded ending at {ended} (the row: the session's start record "
        "(patient, protocol, weight, dose))"))
    assert not (tmp_path / "r.json").exists()


def test_a_change_inside_another_session_does_not_stop_this_one(capsys, plain_log, tmp_path):
    db = copy_log(plain_log.path, tmp_path)
    change_value(db, plain_log.facts.ids["esketamine"], "heart_rate", nth=10)
    sid = plain_log.facts.ids["surge"]
    code, out, err = export(capsys, sid, "--csv", tmp_path / "out", "--db", db)
    assert (code, err) == (0, "") and out.startswith(f"session {sid}: wrote ")


def test_a_change_to_the_row_right_after_this_session_stops_it_too(capsys, plain_log, tmp_path):
    # The esketamine session's first observation is the row right after the surge session's
    # last: whether that row was changed or the surge's last row was (its own hash recomputed),
    # the chain reads the same, so neither session is exported as the record.
    db = copy_log(plain_log.path, tmp_path)
    row, _, _ = change_value(db, plain_log.facts.ids["esketamine"])
    sid = plain_log.facts.ids["surge"]
    message = one_line(*export(capsys, sid, "--csv", tmp_path / "out", "--db", db), status=1)
    assert message.startswith(
        f"{PROG}session {sid} was not exported: its record in {db} was changed outside the "
        f"console: observations row {row}, the row after this session's row {row - 1}, does not "
        "chain onto it: one of the two was changed outside the console (the row: ")


def test_a_changed_session_on_a_log_with_accounts_records_the_refused_export(capsys, scenario_log,
                                                                            tmp_path):
    db = copy_log(scenario_log.path, tmp_path)
    sid = scenario_log.facts.ids["surge"]
    exports_before = [row for row in access_rows(db) if row[0] == "export"]
    row, _, _ = change_value(db, sid)
    message = one_line(*export(capsys, sid, "--fhir", tmp_path / "b.json", "--db", db,
                               signed=True), status=1)
    assert message.startswith(f"{PROG}session {sid} was not exported: its record in {db} was "
                              f"changed outside the console: observations row {row}: ")
    assert not (tmp_path / "b.json").exists()
    # The sign-in is logged as always; the refusal showed the changed row to the one signed
    # in, so that is recorded too, as a file not written (it went unrecorded: an audit).
    assert [row for row in access_rows(db) if row[0] == "export"] == [*exports_before, (
        "export", f"NOT WRITTEN: {tmp_path / 'b.json'}: the session's record was changed "
                  "outside the console")]


# --- read-only: a log without accounts is never written ---


def test_a_log_without_accounts_is_not_written_at_all(capsys, plain_log, tmp_path):
    folder = tmp_path / "log"
    folder.mkdir()
    db = copy_log(plain_log.path, folder)
    before = snapshot(folder)
    code, out, err = export(capsys, plain_log.facts.ids["surge"], "--csv", tmp_path / "out",
                            "--db", db)
    assert (code, err) == (0, "") and "not logged: this log has no staff accounts" in out
    # EventLog.open stamped meta.last_opened_by before: the file changed under a read.
    assert snapshot(folder) == before


def test_a_write_protected_log_without_accounts_exports(capsys, plain_log, tmp_path):
    db = copy_log(plain_log.path, tmp_path)
    sid = plain_log.facts.ids["esketamine"]
    before = db.read_bytes()
    with write_protected(db):
        code, out, err = export(capsys, sid, "--rems", tmp_path / "rems.txt", "--db", db)
    assert (code, err) == (0, "")   # before: "Cannot write the session log ..." and status 2
    assert out.startswith(f"session {sid}: wrote the REMS form values to {tmp_path / 'rems.txt'}")
    assert db.read_bytes() == before


def test_an_empty_file_is_refused_as_verify_refuses_it_and_left_empty(capsys, tmp_path):
    db = tmp_path / "empty.sqlite3"
    db.write_bytes(b"")
    db.chmod(0o644)
    message = one_line(*export(capsys, 1, "--csv", tmp_path / "out", "--db", db), status=2)
    assert main(["verify", "--db", str(db)]) == 2
    said_by_verify = capsys.readouterr().err.strip().removeprefix("infusion-console verify: ")
    assert message == PROG + said_by_verify
    assert message.startswith(f"{PROG}Cannot use {db} as the session log: it is not a session "
                              "log of this console")
    # Before: the whole schema written into it (0644), then "session 1 is not in the log".
    assert db.read_bytes() == b"" and stat.S_IMODE(db.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite3"]


# --- a log with accounts: the export is recorded first, or not made ---


def test_a_write_protected_log_with_accounts_says_the_export_could_not_be_recorded(
        capsys, scenario_log, tmp_path):
    db = copy_log(scenario_log.path, tmp_path)
    before = snapshot(tmp_path)
    with write_protected(db):
        message = one_line(*export(capsys, scenario_log.facts.ids["surge"], "--pdf",
                                   tmp_path / "report.pdf", "--db", db, signed=True), status=2)
    assert message.startswith(
        f"{PROG}the export was not made: it could not be recorded in the access log of {db}, and "
        "every export from a log with staff accounts is recorded there before its file is "
        "written. Cannot "
        f"write the session log {db}: the file or the disk it is on is read-only. Make the file "
        "writable (or remount the disk read-write), or choose another log file with --db.")
    assert snapshot(tmp_path) == before


def the_log_file_alone(db: Path, folder: Path) -> Path:
    """A copy of the log file without its -wal and -shm, as a backup copying files takes it."""
    folder.mkdir()
    return Path(shutil.copy(db, folder))


@pytest.mark.parametrize("label, option, name, extra", [
    ("surge", "--pdf", "report.pdf", []),
    ("surge", "--csv", "out", []),
    ("surge", "--fhir", "bundle.json", ["--deidentify"]),
    ("esketamine", "--rems", "rems.txt", []),
])
def test_an_export_leaves_only_the_log_file_and_it_holds_the_access_row(
        capsys, scenario_log, tmp_path, label, option, name, extra):
    # Before: the write connection closed before the read-only one, which cannot move the -wal
    # into the log, so a -wal and a -shm stayed beside it and the export's access row was only
    # in the -wal: a copy of the log file alone did not record the export.
    folder = tmp_path / "log"
    folder.mkdir()
    db = copy_log(scenario_log.path, folder)
    target = tmp_path / name
    code, _, err = export(capsys, scenario_log.facts.ids[label], option, target, *extra,
                          "--db", db, signed=True)
    assert (code, err) == (0, "")
    assert sorted(p.name for p in folder.iterdir()) == ["sessions.sqlite3"]
    assert access_rows(the_log_file_alone(db, tmp_path / "backup"))[-1] == ("export",
                                                                           f"to {target}")


def test_a_refused_export_leaves_only_the_log_file_and_it_holds_the_refusal(capsys, scenario_log,
                                                                            tmp_path):
    # Before: as for an export written, the row saying it was not was only in the -wal.
    folder = tmp_path / "log"
    folder.mkdir()
    db = copy_log(scenario_log.path, folder)
    sid = scenario_log.facts.ids["surge"]
    change_value(db, sid)
    one_line(*export(capsys, sid, "--csv", tmp_path / "out", "--db", db, signed=True), status=1)
    assert sorted(p.name for p in folder.iterdir()) == ["sessions.sqlite3"]
    assert access_rows(the_log_file_alone(db, tmp_path / "backup"))[-1] == (
        "export", f"NOT WRITTEN: {tmp_path / 'out'}: the session's record was changed outside "
                  "the console")


def test_a_log_with_accounts_of_an_older_schema_is_not_migrated(capsys, tmp_path):
    from console.identity import SecretKind, Staff

    db = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    schema.migrate(conn, stop_before="0004_outbox_control_id_not_indexed")   # schema 3
    with EventLog(db, conn) as old:
        Staff(old).add(QA_ADMIN, "administrator", QA_ADMIN_PIN, SecretKind.PIN, None,
                       datetime(2026, 3, 1, 7, 0, tzinfo=UTC))
    before = snapshot(tmp_path)
    message = one_line(*export(capsys, 1, "--csv", tmp_path / "out", "--db", db, signed=True),
                       status=2)
    assert message == (
        f"{PROG}the export was not made: the session log {db} is of schema version 3, and "
        f"recording the export in its access log would update it to version "
        f"{schema.SCHEMA_VERSION}, which a console of an older version still writing it could "
        "not read. Update the consoles that use this log (the first to open it updates it), "
        "then export again")
    assert snapshot(tmp_path) == before


def test_help_lists_the_exit_statuses(capsys):
    with pytest.raises(SystemExit) as done:
        main(["export", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "0  the file was written" in text
    assert "1  no file was written: the session's record was changed outside the console" in text
    assert "2  no file was written: a usage error" in text
    assert "3  no file was written: the session log is damaged" in text


def test_a_flipped_digit_in_the_schema_version_is_damage_not_a_newer_console(
        capsys, plain_log, tmp_path):
    """'4' read as '5' over this console's own schema changes: the export said "written by a
    newer version of the console. Update this console", sending the clinic the wrong way."""
    db = copy_log(plain_log.path, tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    conn.close()
    message = one_line(*export(capsys, plain_log.facts.ids["surge"], "--csv", tmp_path / "out",
                               "--db", db), status=3)
    assert "the file is damaged" in message and "meta row schema_version holds '5'" in message
    assert "newer version" not in message

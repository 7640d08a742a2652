"""A session log whose path is not UTF-8: a folder named on a Latin-1 share or unpacked from an
old archive ("Séance" as the byte 0xE9). The console runs sessions on it (EventLog.open takes the
name), but `verify`, `access-log` and `export` ended in a UnicodeEncodeError traceback: the
read-only connection's `file:` URI quoted the path as text, which cannot hold the surrogate
escape of that byte (console/review/queries.py), and a line naming the path could not be written
to a UTF-8 stdout (console/cli.py: never a traceback)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from console.cli import main
from tests.identity.accounts import ensure_account, sign_in_args
from tests.test_cli import make_log


@pytest.fixture
def latin1_log(tmp_path: Path) -> Path:
    made = tmp_path / "log.sqlite3"
    make_log(made)
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/S\xe9ance"))
    folder.mkdir()
    db = folder / "sessions.sqlite3"
    shutil.move(made, db)
    return db


def _printed(db: Path) -> str:
    """The path as a terminal line shows it: the byte that is not UTF-8 as "?"."""
    return str(db).replace("\udce9", "?")


def test_verify_checks_it_and_names_it_printably(latin1_log: Path, capsys) -> None:
    assert main(["verify", "--db", str(latin1_log)]) == 0
    out, err = capsys.readouterr()   # pytest's stdout is strict UTF-8, as a terminal's
    assert (out, err) == (f"{_printed(latin1_log)}: ok (7 rows checked, integrity ok)\n", "")


def test_an_unlogged_export_and_the_access_log_read_it(latin1_log: Path, capsys) -> None:
    bundle = latin1_log.parent / "bundle.json"
    assert main(["export", "1", "--fhir", str(bundle), "--db", str(latin1_log)]) == 0, \
        capsys.readouterr().err
    assert bundle.is_file()
    assert main(["access-log", "--db", str(latin1_log)]) == 0, capsys.readouterr().err


def test_a_signed_export_records_the_name_with_a_replacement_character(latin1_log: Path,
                                                                        capsys) -> None:
    # The access log's text is UTF-8 (its hash chain too): the byte that is not is U+FFFD there.
    ensure_account(latin1_log)
    bundle = latin1_log.parent / "bundle.json"
    code = main(["export", "1", "--fhir", str(bundle), "--db", str(latin1_log), *sign_in_args()])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["access-log", "--session", "1", "--db", str(latin1_log)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith(
        "to " + str(bundle).replace("\udce9", "\ufffd"))
    assert main(["verify", "--db", str(latin1_log)]) == 0

"""A signed-in export with a relative output name, run from a terminal whose current folder was
removed meanwhile (an exports folder cleaned up, a USB stick taken out): the access row's
absolute path needs the current folder, and its FileNotFoundError ended the export in a
traceback, exit status 1 (export's "the session's record was changed outside the console";
a review of the command line)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from console.cli import main
from tests.identity.accounts import sign_in_args
from tests.review.scenarios import ScenarioLog


def _access_rows(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        count: int = conn.execute("SELECT COUNT(*) FROM access_log").fetchone()[0]
    conn.close()
    return count


def test_a_signed_in_export_from_a_removed_folder_is_one_line_exit_2(
        capsys: pytest.CaptureFixture[str], scenario_log: ScenarioLog, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = scenario_log.path
    rows = _access_rows(db)
    gone = tmp_path / "exports"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()   # the folder the terminal is in is removed
    try:
        code = main(["export", str(scenario_log.facts.ids["surge"]), "--pdf", "r.pdf",
                     "--db", str(db), *sign_in_args()])
    finally:
        os.chdir(tmp_path)
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("infusion-console export: cannot write r.pdf: the current folder "
                          "no longer exists") and err.count("\n") == 1, err
    assert _access_rows(db) == rows   # refused before the sign-in: nothing to record

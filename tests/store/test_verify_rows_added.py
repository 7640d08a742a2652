"""`verify` names a row added outside the console as added, not as rows deleted before it.

A reading forged in front of a table's first row (id 0, hashed on the genesis text by the public
rule) was reported as "row(s) 1 were deleted outside the console" though row 1 was there: the
auditor was sent looking for a deletion and told nothing of the forged reading."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.cli import main
from console.store import EventLog
from console.store.chain import CHAINED_COLUMNS, GENESIS, row_hash

from . import filled_log

_COLUMNS = ", ".join([*CHAINED_COLUMNS["observations"], "row_hash"])
_PLACES = ", ".join("?" * (len(CHAINED_COLUMNS["observations"]) + 1))


def forge_reading(path: Path, session: int, row_id: int, chained_on: str) -> None:
    """An observations row inserted with sqlite3, its row_hash computed by the public rule."""
    values = [row_id, session, "heart_rate", 200.0, "bpm", "sim-hl7", "1", "", None,
              "2026-01-05T08:59:00.000Z", "engine", 0, None]
    conn = sqlite3.connect(path)
    conn.execute(f"INSERT INTO observations ({_COLUMNS}) VALUES ({_PLACES})",
                 [*values, row_hash(chained_on, "observations", values)])
    conn.commit()
    conn.close()


def verify(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str]:
    code = main(["verify", "--db", str(path)])
    return code, capsys.readouterr().out


def test_a_reading_forged_in_front_of_the_first_is_named_as_added(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, session = filled_log(tmp_path)
    forge_reading(path, session, 0, GENESIS)
    with EventLog.open(path, "auditor") as log:
        report = log.verify()
    assert report.first_bad == ("observations", 0)
    assert report.message == ("observations row 0 was added outside the console (in this table "
                              "its first row is numbered 1)")
    code, out = verify(capsys, path)
    assert code == 1                       # as any row edited outside the console
    assert "row 0 was added outside the console" in out and "deleted" not in out


def test_a_reading_forged_after_the_last_under_an_id_of_its_own_is_named_as_added(
        tmp_path: Path) -> None:
    # Hashed on the last row: no row 6 to 99 was ever in the chain, none was deleted.
    path, session = filled_log(tmp_path)
    with EventLog.open(path, "auditor") as log:
        (last,) = log.conn.execute("SELECT row_hash FROM observations WHERE id = 5").fetchone()
    forge_reading(path, session, 100, last)
    with EventLog.open(path, "auditor") as log:
        report = log.verify()
    assert report.first_bad == ("observations", 100)
    assert report.message == ("observations row 100 was added outside the console (in this "
                              "table the row after row 5 is numbered 6)")


def test_rows_deleted_from_the_start_are_still_named_as_deleted(tmp_path: Path) -> None:
    # Row 3 still carries the hash of the chain that ran through rows 1 and 2.
    path, _ = filled_log(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER observations_no_delete")
    conn.execute("DELETE FROM observations WHERE id < 3")
    conn.commit()
    conn.close()
    with EventLog.open(path, "auditor") as log:
        report = log.verify()
    assert report.first_bad == ("observations", 3)
    assert "row(s) 1 to 2 were deleted outside the console" in report.message

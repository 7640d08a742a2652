"""How the review and its PDF say what the nurse did about an alarm: acknowledged or, for a
latched alarm, reset (QA: a reset read as "not acknowledged"), and how long it took, with its unit
(QA: "10:30" to acknowledge read as a time of day between the clock columns).

The surge session of tests/review/scenarios.py: a mistyped systolic 250 at 09:50 raised a high
alarm; the correction cleared it before anyone acknowledged it, so it latched, and the nurse's
acknowledge at 09:50 reset it. The "BP, HR and SpO2" check due at 09:25 was acknowledged at
09:35:30, 630 s later.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC

import pytest

from console.review.queries import load_session, open_readonly
from console.ui.review_content import ALARM_COLUMNS, alarm_rows


@pytest.fixture(scope="module")
def surge(scenario_log):
    conn = open_readonly(scenario_log.path)
    try:
        return load_session(conn, scenario_log.facts.ids["surge"], with_observations=True)
    finally:
        conn.close()


def row_of(detail, text: str) -> dict[str, str]:
    [row] = [r.cells for r in alarm_rows(detail, UTC) if text in r.cells[1]]
    return dict(zip(ALARM_COLUMNS, row, strict=True))


def test_a_latched_alarm_reset_by_the_nurse_says_reset_when_and_by_whom(surge):
    row = row_of(surge, "Systolic BP 250")
    assert (row["Priority"], row["Raised"], row["Acknowledged"], row["To ack"]) == (
        "HIGH", "09:50:00", "reset 09:50:00 nurse.ana", "0 s (reset)")


def test_a_time_to_acknowledge_of_minutes_carries_its_unit(surge):
    row = row_of(surge, "Vitals due: BP, HR and SpO2 (Systolic BP, Diastolic BP, Heart rate")
    assert (row["Raised"], row["Acknowledged"], row["To ack"]) == (
        "09:25:00", "09:35:30 nurse.ana", "10:30 min")
    # Under a minute it stays in seconds.
    assert row_of(surge, "Systolic BP 182")["To ack"] == "30 s"


@pytest.fixture(scope="module")
def pdf_text(surge, tmp_path_factory) -> str:
    """The surge session's PDF report as its words in reading order, cell by cell (no -layout:
    cells wrap across lines)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    from console.export.pdf import write_session_pdf

    pdf = tmp_path_factory.mktemp("pdf") / "surge.pdf"
    write_session_pdf(surge, pdf, tz=UTC)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return " ".join(text.split())


def test_the_pdf_prints_the_reset(pdf_text):
    assert ("HIGH Systolic BP 250 mmHg, limit ≥200 09:50:00 reset 09:50:00 nurse.ana "
            "0 s (reset)") in pdf_text


def test_the_pdf_prints_the_time_to_acknowledge_with_its_unit(pdf_text):
    assert "09:25:00 09:35:30 nurse.ana 10:30 min" in pdf_text

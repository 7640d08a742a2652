"""Page 1 of the PDF report of a session discharged against the discharge gate says so (nurse
walk of 2 Dec 2026: MRN-5530's page 1 read as a normal discharge, the override only on
pages 2-3)."""

from __future__ import annotations

from datetime import UTC

import pytest

from console.export.deidentify import deidentify
from console.export.pdf import write_session_pdf
from tests.export.test_pdf import needs_poppler, pages_of, squash
from tests.review.early_discharge import STATEMENT, build_early_discharges, detail_of
from tests.ui.review_sessions import build_review_log


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    path = tmp_path_factory.mktemp("walk") / "log.sqlite3"
    return path, build_early_discharges(path)


@needs_poppler
def test_page_one_says_the_discharge_was_against_the_gate_with_who_why_and_what_was_open(
        walk, tmp_path):
    path, ids = walk
    pdf = tmp_path / "early.pdf"
    write_session_pdf(detail_of(path, ids["early_discharge"]), pdf, tz=UTC)
    first = squash(pages_of(pdf)[0])
    assert STATEMENT in first
    # The header's own line too, where the discharge time is read.
    assert "Discharged 13:52 (T0 + 6 min), against the discharge gate" in first


@needs_poppler
def test_a_de_identified_report_still_says_it_without_the_reason(walk, tmp_path):
    path, ids = walk
    pdf = tmp_path / "early-deid.pdf"
    write_session_pdf(deidentify(detail_of(path, ids["early_discharge"])), pdf, tz=UTC)
    first = squash(pages_of(pdf)[0])
    assert "⚠ DISCHARGED AGAINST THE DISCHARGE GATE" in first
    assert "Dr M. Chen" not in first and "J. Alvarez" not in first


@needs_poppler
def test_a_discharge_the_gate_allowed_has_no_such_line(tmp_path):
    path = tmp_path / "log.sqlite3"
    facts = build_review_log(path)
    pdf = tmp_path / "quiet.pdf"
    write_session_pdf(detail_of(path, facts.ids["quiet-1"]), pdf, tz=UTC)
    assert "against the discharge gate" not in squash(pages_of(pdf)[0]).lower()

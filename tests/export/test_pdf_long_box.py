"""A box under the PDF's title taller than the room its page has left (a long discharge override
reason: the console takes any length, a pasted letter) goes on over the next page in parts, the
next one starting "(continued)", as a table's long row does.

Review: a reason of ~11,000 characters left page 1 with the title alone; the box, drawn whole from
the top of page 2, ran over the footer (the patient id and "Page 2 of 10" unreadable) and ~60
lines of the reason ran off the page, lost from the paper record. Read back with
`pdftotext -bbox-layout` for where each line stands on its page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.export.pdf import write_session_pdf
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.export.test_pdf import needs_poppler
from tests.export.test_pdf_footer_wraps import PAGE_LABEL, rows_by_page
from tests.review.scenarios import Driver

LINES = 160
LONG = " ".join(f"line{n:03d} prescriber by phone agreed patient stable escort waiting"
                for n in range(LINES)) + " ENDOFTEXT"


def _session(path: Path, reason: str) -> int:
    """A session discharged against the gate 10 minutes after T0 with `reason`."""
    with EventLog.open(path, "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-LONG", 72.0, "nurse.ana",
                   datetime(2026, 3, 6, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
        r.tick_required()
        r.at(5)
        r.advance()
        r.at(15)
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason=reason).done
        return r.id


def _pages(tmp_path: Path, reason: str, integrity: str = "") -> list[list[str]]:
    """Each page's body: the lines printed above its footer and on the page (a line drawn over
    the footer or below the page's end is left out: nobody reads it)."""
    path = tmp_path / "log.sqlite3"
    session = _session(path, reason)
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    pdf = tmp_path / "r.pdf"
    write_session_pdf(detail, pdf, tz=UTC, integrity=integrity)
    out = []
    for height, rows in rows_by_page(pdf):
        footer_top = min(row.top for row in rows if PAGE_LABEL.search(row.text))
        out.append([row.text for row in rows if row.bottom <= min(height, footer_top - 1)])
    return out


def _printed(pages: list[list[str]]) -> str:
    return " ".join(" ".join(page) for page in pages)


@needs_poppler
def test_a_long_override_reason_goes_on_over_the_next_page(tmp_path):
    pages = _pages(tmp_path, LONG)
    text = _printed(pages)
    # Twice each line, the last one too: in the box under the title and in the Overrides table.
    short = [n for n in range(LINES) if len(re.findall(rf"\bline{n:03d}\b", text)) < 2]
    assert not short, f"lines of the reason lost from the pages: {short}"
    assert text.count("ENDOFTEXT") == 2
    # The gate's open conditions after the reason, in the box.
    assert "open: The session is in Infusion" in text
    # Page 1 reads as a discharge against the gate, the reason starting under the title; its
    # next part heads page 2 and says it is one.
    assert pages[0][0] == "Infusion session report"
    assert pages[0][1].startswith("⚠ DISCHARGED AGAINST THE DISCHARGE GATE")
    assert pages[0][2].startswith("line000 prescriber")
    assert pages[1][0] == "(continued)"
    # Page 1 is filled: the box was not moved whole to page 2, leaving the title alone.
    assert any("line080" in line for line in pages[0])


@needs_poppler
@pytest.mark.parametrize("reason", ["escort waiting, prescriber agreed ENDOFTEXT", LONG],
                         ids=["short reason", "long reason"])
def test_a_long_integrity_warning_goes_on_over_the_next_page_too(tmp_path, reason):
    """Any framed box under the title, the record-changed warning here, above the override."""
    warning = LONG.replace("line", "row").replace("ENDOFTEXT", "ENDOFWARNING")
    pages = _pages(tmp_path, reason, integrity=warning)
    text = _printed(pages)
    short = [n for n in range(LINES) if not re.search(rf"\brow{n:03d}\b", text)]
    assert not short, f"lines of the warning lost from the pages: {short}"
    assert pages[1][0] == "(continued)"
    assert "⚠ DISCHARGED AGAINST THE DISCHARGE GATE" in text
    assert text.count("ENDOFWARNING") == 1
    assert text.count("ENDOFTEXT") == 2


@needs_poppler
def test_a_short_override_reason_keeps_its_box_whole(tmp_path):
    pages = _pages(tmp_path, "escort waiting, prescriber agreed by phone")
    assert pages[0][1].startswith("⚠ DISCHARGED AGAINST THE DISCHARGE GATE")
    assert "(continued)" not in _printed(pages)

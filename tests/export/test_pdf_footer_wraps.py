"""The PDF's page footer when its text wraps onto a second line (a long patient id), read back
with `pdftotext -bbox-layout` for where each word stands on the page.

Audit: the footer had room for one line; a patient id such as a hospital's long identifier
wrapped the footer's text, and its second line ("session 1 · … · times UTC") was drawn below the
page's printable area, clipped, and lost from the paper record.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.export.pdf import FOOTER_WARNING, MARGIN_MM, write_session_pdf
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.export.test_pdf import needs_poppler
from tests.review.scenarios import Driver

LONG_ID = "MRN-ST-ELSEWHERE-GENERAL-HOSPITAL-0004711-PSYCHIATRY-OUTPATIENTS-KETAMINE"
FOOTER = f"{LONG_ID} · session 1 · Fri 06 Mar 2026 · iv-ketamine v1.6 · times UTC"
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r"(.*?)</word>")
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
PAGE_LABEL = re.compile(r"Page \d+ of \d+")


@dataclass(frozen=True)
class Row:
    """Words printed on one line of a page (points from the page's top)."""

    top: float
    bottom: float
    text: str


def rows_by_page(pdf: Path) -> list[tuple[float, list[Row]]]:
    """Each page's height and its rows of words, top to bottom."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    pages = []
    for chunk in out.split("<page ")[1:]:
        height = float(PAGE.match("<page " + chunk).group(2))   # type: ignore[union-attr]
        words = sorted((float(y0), float(y1), float(x0), html.unescape(text))
                       for x0, y0, _x1, y1, text in WORD.findall(chunk))
        rows: list[list[tuple[float, float, float, str]]] = []
        for word in words:
            if rows and abs(word[0] - rows[-1][0][0]) < 1.0:
                rows[-1].append(word)
            else:
                rows.append([word])
        pages.append((height, [Row(min(w[0] for w in r), max(w[1] for w in r),
                                   " ".join(w[3] for w in sorted(r, key=lambda w: w[2])))
                               for r in rows]))
    return pages


def long_id_session(path: Path) -> int:
    """A session of the patient `LONG_ID` with notes enough for three pages."""
    with EventLog.open(path, "test", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", LONG_ID, 70.0, "nurse.ben",
                   datetime(2026, 3, 6, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        for k in range(60):
            r.engine.note(f"check number {k:03d} done, the patient comfortable", r.nurse,
                          r.clock.now())
        return r.id


@needs_poppler
@pytest.mark.parametrize(("page_size", "integrity"), [
    ("A4", "observations row 7 was changed outside the console"),
    ("Letter", ""),
])
def test_a_footer_that_wraps_is_printed_whole_inside_the_page(tmp_path, page_size, integrity):
    path = tmp_path / "log.sqlite3"
    session = long_id_session(path)
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session)
    finally:
        conn.close()
    pdf = tmp_path / "report.pdf"
    count = write_session_pdf(detail, pdf, page_size=page_size, tz=UTC, integrity=integrity)
    pages = rows_by_page(pdf)
    assert len(pages) == count >= 2
    first_line = FOOTER_WARNING if integrity else LONG_ID
    expected = f"{FOOTER_WARNING} {FOOTER}" if integrity else FOOTER
    for number, (height, rows) in enumerate(pages, start=1):
        start = max(i for i, row in enumerate(rows) if row.text.startswith(first_line))
        body, footer = rows[:start], rows[start:]
        # The footer reads whole: the warning, the patient, the session, the day, the protocol
        # and the zone, over two lines beside "Page N of M".
        assert len(footer) == (3 if integrity else 2)
        text = " ".join(PAGE_LABEL.sub("", row.text).strip() for row in footer)
        assert text == expected
        assert any(row.text.endswith(f"Page {number} of {count}") for row in footer)
        # Every line of it inside the page's printable area (the second line had been drawn
        # below it and clipped), its lines apart, and below the page's last row of the body.
        printable_bottom = height - MARGIN_MM / 25.4 * 72
        assert footer[-1].bottom <= printable_bottom + 0.5
        for above, below in zip(footer, footer[1:], strict=False):
            assert below.top >= above.bottom - 0.5
        assert body and body[-1].bottom < footer[0].top

"""The PDF of a session across the night summer time ends (Europe/Berlin, 25 October 2026:
03:00 CEST became 02:00 CET): each printed time carries its zone and every page's footer names
both zones; the same session a night earlier prints as before (tests/review/dst_sessions.py).

Audit: two instants an hour apart both printed "02:45", under "times CEST, UTC+02:00" on every
page.
"""

from __future__ import annotations

import re

from console.export.pdf import write_session_pdf
from tests.export.test_pdf import needs_poppler, pages_of, squash
from tests.review.dst_sessions import (
    BERLIN, DstLog, detail_of,
    dst_log,  # noqa: F401 - a fixture
)

BOTH = "times CEST (UTC+02:00), then CET (UTC+01:00) from 03:00 CEST"
# A clock time printed without a zone after it (the footer's offsets are no clock times, nor
# a phase's length, "40:00 min").
BARE_TIME = re.compile(r"(?<![\d:+-])\d\d:\d\d(?::\d\d)?(?![\d:])(?! CES?T| min)")


@needs_poppler
def test_two_readings_at_02_45_print_apart_and_every_footer_names_both_zones(dst_log: DstLog,
                                                                             tmp_path):
    pdf = tmp_path / "clocks-back.pdf"
    count = write_session_pdf(detail_of(dst_log, "clocks-back"), pdf, tz=BERLIN)
    pages = pages_of(pdf)
    assert len(pages) == count
    whole = squash("\n".join(pages))
    assert "02:45 CEST +25 131/81" in whole
    assert "02:45 CET +85 139/89" in whole
    assert "Date Sun 25 Oct 2026 02:20 CEST–02:45 CET (1:25 h)" in squash(pages[0])
    assert "T0 (first dose) 02:25 CEST" in squash(pages[0])
    # Every time printed carries its zone, on the line it starts on (not "02:20" over "CEST").
    assert [(line, BARE_TIME.findall(line)) for page in pages for line in page.splitlines()
            if BARE_TIME.search(line)] == []
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert "times CEST, UTC+02:00" not in page
        # Both zones on a line of their own above the footer's, which ends with the page.
        assert lines[-2] == BOTH
        assert squash(lines[-1]) == (
            f"MRN-DST · session 1 · Sun 25 Oct 2026 · iv-ketamine v1.6 Page {number} of {count}")


@needs_poppler
def test_the_same_session_a_night_earlier_prints_as_before(dst_log: DstLog, tmp_path):
    pdf = tmp_path / "day-before.pdf"
    count = write_session_pdf(detail_of(dst_log, "day-before"), pdf, tz=BERLIN)
    pages = pages_of(pdf)
    whole = squash("\n".join(pages))
    assert "02:45 +25 131/81" in whole and "03:45 +85 139/89" in whole
    assert " CET" not in whole and "CEST (" not in whole
    assert whole.count("CEST") == count          # the footer's, once a page
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert squash(lines[-1]) == (
            "MRN-DST · session 1 · Sat 24 Oct 2026 · iv-ketamine v1.6 · times CEST, UTC+02:00 "
            f"Page {number} of {count}")

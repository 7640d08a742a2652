"""One cuff (NIBP) reading stands in one row of the vitals table: the scheduled check nearest to
it; another check within its 5-minute window shows "—" for BP (review and PDF alike).

Audit: the IV infusion's checks fall due at T0 + 10, 15, 20, 30 (every 10 min for BP, every 15
for RR): a cuff reading at 09:22 stood under the checks of 09:20 and 09:25, one measurement read
as two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.export.pdf import write_session_pdf
from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from protocols.loader import default_protocol_dirs, load_protocols
from tests.export.test_pdf import needs_poppler, pages_of, squash
from tests.review.scenarios import Driver

START = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


def session(path: Path, cuff_minute: float) -> int:
    """An IV session dosed at 09:05, the monitor's HR and SpO2 each minute to 09:30 and one
    cuff reading, 141/85, at `cuff_minute` after 09:00."""
    with EventLog.open(path, "test", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-CUFF", 70.0, "nurse.ben", START, 1)
        r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()                                    # T0 09:05
        for minute in range(6, 31):
            r.at(minute); r.device(heart_rate=70 + minute, spo2=97)
            if minute < cuff_minute < minute + 1 or minute == cuff_minute:
                r.at(cuff_minute); r.device(bp_systolic=141, bp_diastolic=85)
        return r.id


def rows(tmp_path: Path, cuff_minute: float) -> tuple[list[tuple[str, ...]], object]:
    path = tmp_path / "log.sqlite3"
    session_id = session(path, cuff_minute)
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session_id, with_observations=True)
    finally:
        conn.close()
    protocol = load_protocols(default_protocol_dirs()).protocols["iv-ketamine"]
    return rc.vital_rows(detail, UTC, protocol), detail


@pytest.mark.parametrize(("cuff_minute", "row"), [
    (22, "09:20"),     # 2 min after the 09:20 check, 3 min before the 09:25 one
    (23, "09:25"),     # 3 min after 09:20, 2 min before 09:25
    (22.5, "09:20"),   # half-way: the earlier check
])
def test_one_cuff_reading_stands_under_the_nearest_check_only(tmp_path, cuff_minute, row):
    table, _ = rows(tmp_path, cuff_minute)
    bp = {r[0]: r[2] for r in table}
    checks = {"09:15": "—", "09:20": "—", "09:25": "—", "09:30": "—"}
    assert bp == {"09:00": "132/84", **checks, row: "141/85"}
    assert [r[2] for r in table].count("141/85") == 1
    # The monitor's readings each minute still stand at each check, the source unchanged.
    assert [(r[0], r[3], r[5], r[6]) for r in table] == [
        ("09:00", "70", "98", "manual"),
        ("09:15", "85", "97", "device (scheduled check)"),
        ("09:20", "90", "97", "device (scheduled check)"),
        ("09:25", "95", "97", "device (scheduled check)"),
        ("09:30", "100", "97", "device (last reading: session not ended)"),
    ]


@needs_poppler
def test_the_pdf_prints_the_cuff_reading_once(tmp_path):
    _, detail = rows(tmp_path, 22)
    pdf = tmp_path / "report.pdf"
    write_session_pdf(detail, pdf, tz=UTC)  # type: ignore[arg-type]
    whole = squash(" ".join(pages_of(pdf)))
    assert "09:20 +20 141/85 90 — 97 device (scheduled check)" in whole
    assert "09:25 +25 — 95 — 97 device (scheduled check)" in whole
    assert whole.count("141/85") == 1

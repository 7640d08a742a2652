"""The REMS form's draft of an esketamine session across the night summer time ends
(Europe/Berlin, 25 October 2026: 03:00 CEST became 02:00 CET): the nurse copies each time onto
the paper form by hand, so each carries its zone, and the zone line names both
(tests/review/dst_sessions.py).

Audit: the text named the zone once ("CEST (UTC+02:00)") and printed the BP at T+40, 02:10 CET,
as a bare "02:10", 20 minutes before the dose at "02:30".
"""

from __future__ import annotations

import json

from console.export.rems import rems_form, render_text, write_rems
from tests.review.dst_sessions import (
    BERLIN, DstLog, detail_of,
    dst_log,  # noqa: F401 - a fixture
)

BOTH = "CEST (UTC+02:00), then CET (UTC+01:00) from 03:00 CEST"


def test_each_time_of_the_draft_carries_its_zone_across_the_change(dst_log: DstLog, tmp_path):
    detail = detail_of(dst_log, "esketamine")
    form = rems_form(detail, tz=BERLIN)
    path = tmp_path / "rems.txt"
    assert write_rems(detail, path, tz=BERLIN) == form
    text = path.read_text(encoding="utf-8")
    assert text == render_text(form, tz=BERLIN)
    lines = text.splitlines()
    for line in (
        "Session date: Sun 25 Oct 2026",
        f"Time zone: {BOTH}; every time below is local time and carries its zone",
        "Device 1: given at 02:30 CEST; lot/note: lot A1",
        "Device 3: given at 02:40 CEST; lot/note: lot A1",
        "Start of observation (first device, T0): 02:30 CEST",
        "Blood pressure before dose: 132/84 mmHg at 02:20 CEST, T-10 min",
        # 40 minutes after the dose, at a clock time 20 minutes before it.
        "Blood pressure about 40 minutes after dose: 140/86 mmHg at 02:10 CET, T+40 min",
        "  Sedation (MOAA/S below 5): Yes - MOAA/S 4 at 02:10 CET",
    ):
        assert line in lines


def test_the_json_names_both_zones_and_keeps_its_instants_in_utc(dst_log: DstLog, tmp_path):
    detail = detail_of(dst_log, "esketamine")
    path = tmp_path / "rems.json"
    form = write_rems(detail, path, tz=BERLIN)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == form.to_json()
    assert data["time_zone"] == BOTH
    assert data["bp_t_plus_40"]["at"] == "2026-10-25T01:10:00.000Z"
    # The same keys as any other session's form: the zone marks are the text's.
    assert "zoned" not in data

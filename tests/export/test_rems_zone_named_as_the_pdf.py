"""The REMS form names its zone as the PDF does (`content.zone`'s words): "UTC", and the offset
for a zone tzdata names only by it. The form printed "UTC (UTC+00:00)" and "-03 (UTC-03:00)"
where the PDF of the same session printed "UTC" and "UTC-03:00"."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from console.export.rems import rems_form
from console.review.queries import load_session, open_readonly


@pytest.fixture
def esketamine(scenario_log):
    conn = open_readonly(scenario_log.path)
    try:
        return load_session(conn, scenario_log.facts.ids["esketamine"])
    finally:
        conn.close()


@pytest.mark.parametrize(("tz", "named"), [
    (UTC, "UTC"),
    (ZoneInfo("America/Sao_Paulo"), "UTC-03:00"),    # tzdata's name for it is "-03"
    (timezone(timedelta(hours=5, minutes=30)), "UTC+05:30"),
    (ZoneInfo("America/Los_Angeles"), "PST (UTC-08:00)"),
])
def test_the_form_names_its_zone_as_the_pdf_does(esketamine, tz, named):
    assert rems_form(esketamine, tz=tz).time_zone == named

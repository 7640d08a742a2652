"""The FHIR Bundle and the observations CSV after the station's clock is set back 60 min ten
minutes into a session (NTP correcting a fast clock, logged as `clock_stepped`): every reading
received after the step is stamped about 50 min before the session's logged start. It is still
this session's: only a value already more than 20 min old when it arrived (a monitor's last
cuff, the previous patient's) is none of its values (`queries.rows_before_the_session`). Judged
by its place alone, every reading after the step had been left out of the Bundle and marked
`before_session` = 1 in the CSV."""

from __future__ import annotations

from console.export.csv_export import OBSERVATION_COLUMNS, observation_rows
from console.export.fhir import build_bundle
from console.review.queries import load_session
from tests.network.test_composer_state import Chair
from tests.network.test_pcd01_after_a_clock_set_back import stepped_chair


def test_readings_after_the_clock_is_set_back_are_in_the_fhir_bundle(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    stepped_chair(chair)
    detail = load_session(chair.log.conn, chair.engine.session_id, with_observations=True)
    bundle = build_bundle(detail)
    values = [e["resource"].get("valueQuantity", {}).get("value") for e in bundle["entry"]
              if e["resource"]["resourceType"] == "Observation"]
    assert values.count(97) == 3 and {72, 74, 76} <= set(values), values


def test_readings_after_the_clock_is_set_back_are_not_marked_before_the_session(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    stepped_chair(chair)
    detail = load_session(chair.log.conn, chair.engine.session_id, with_observations=True)
    mark = OBSERVATION_COLUMNS.index("before_session")
    value = OBSERVATION_COLUMNS.index("value")
    marked = [row[value] for row in observation_rows(detail) if row[mark] == "1"]
    assert marked == [], marked

"""A demo session's REMS draft says it is simulated, first, in its text and its JSON. The PDF
prints "DEMO SESSION: simulated data, not patient data", the CSV carries demo = 1 and FHIR the
HTEST label (tests/export/test_demo_marked_in_exports.py), but the REMS form, the one export that
goes to the regulator, read as a real patient's (review of the REMS draft; proof
/tmp/s52/proofs/rems/test_demo_rems.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from console.export.rems import rems_form, render_text
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.export.test_rems import at
from tests.review.scenarios import Driver

DEMO = "DEMO SESSION: simulated data, not patient data — not for submission"


def _esketamine(tmp_path, demo: bool) -> SessionDetail:
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "esketamine", "MRN-5000", 70.0, "nurse.ben", at(10, 0), 1,
                   chosen_mg=56, demo=demo)
        r.manual(bp_systolic=128, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(10); r.advance()
        r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A")
        session = r.id
    conn = open_readonly(path)
    try:
        return load_session(conn, session)
    finally:
        conn.close()


def test_a_demo_sessions_rems_draft_says_first_it_is_simulated(tmp_path):
    detail = _esketamine(tmp_path, demo=True)
    assert detail.summary.demo
    lines = render_text(rems_form(detail, tz=UTC), tz=UTC).splitlines()
    assert lines[0] == DEMO
    assert lines[1].startswith("SESSION STILL RUNNING")     # the running heading after it


def test_a_demo_sessions_rems_json_says_first_it_is_simulated(tmp_path):
    data = rems_form(_esketamine(tmp_path, demo=True), tz=UTC).to_json()
    assert next(iter(data.items())) == ("demo", True)
    assert data["draft"].startswith("SESSION STILL RUNNING")


def test_a_patients_rems_draft_has_no_demo_heading(tmp_path):
    form = rems_form(_esketamine(tmp_path, demo=False), tz=UTC)
    assert "DEMO" not in render_text(form, tz=UTC)
    assert "demo" not in form.to_json()

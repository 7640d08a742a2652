"""The review of a session discharged against the discharge gate says so in its header (nurse walk
of 2 Dec 2026: MRN-5530 read "discharged 13:52 (T0 + 6 min)" with no warning)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.review import content as rc
from console.review.queries import open_readonly
from console.ui.review_window import ReviewWindow
from tests.review.early_discharge import STATEMENT, build_early_discharges, detail_of
from tests.review.scenarios import ScenarioLog
from tests.review.review_windows import open_review



@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    path = tmp_path_factory.mktemp("walk") / "log.sqlite3"
    return path, build_early_discharges(path)


def test_the_header_fields_say_discharged_against_the_gate(walk):
    path, ids = walk
    detail = detail_of(path, ids["early_discharge"])
    assert dict(rc.header_fields(detail, UTC))["Discharged"] == (
        "13:52 (T0 + 6 min), against the discharge gate")
    assert rc.discharge_override_text(detail, UTC) == STATEMENT


def test_a_reason_ending_in_a_semicolon_reads_once_before_the_gates_reasons():
    # Review 47: the engine keeps "walk: test;" of a reason typed "walk: test; ", and the
    # statement read "(override by ana: walk: test;; open: …)".
    from console.review.model import Override

    override = Override(at=datetime(2026, 12, 2, 13, 52, tzinfo=UTC), who="ana",
                        what="discharge", phase="observation", reason="walk: test;",
                        blockers=("Observation must reach 120 min after the first dose",))
    assert rc.against_gate(override, "13:52", 6) == (
        f"⚠ {rc.AGAINST_THE_GATE} at 13:52, T0 + 6 min (override by ana: walk: test; open: "
        "Observation must reach 120 min after the first dose)")


def test_an_override_that_only_ended_a_phase_early_is_no_discharge_against_the_gate(
        scenario_log: ScenarioLog):
    # The surge session: observation ended early with a reason, a discharge refused, then
    # discharged once every check passed.
    from console.review.queries import load_session

    conn = open_readonly(scenario_log.path)
    try:
        detail = load_session(conn, scenario_log.facts.ids["surge"])
    finally:
        conn.close()
    assert detail.overrides and detail.discharge_refusals
    assert rc.discharge_override_text(detail, UTC) == ""
    assert "gate" not in dict(rc.header_fields(detail, UTC))["Discharged"]


def window_on(qtbot, path) -> ReviewWindow:
    return open_review(qtbot, path, datetime(2026, 12, 3, 9, 0, tzinfo=UTC), size=(1366, 768))


def test_the_session_header_shows_the_discharge_against_the_gate(qtbot, walk):
    path, ids = walk
    window = window_on(qtbot, path)
    page = window.detail_page
    window.open_session(ids["early_discharge"])
    assert " · discharged 13:52 (T0 + 6 min), against the discharge gate · " in (
        page.subtitle.text())
    assert page.discharge_banner.isVisible() and page.discharge_banner.text() == STATEMENT
    window.open_session(ids["late_typed_bp"])
    assert page.discharge_banner.text().startswith(
        "⚠ DISCHARGED AGAINST THE DISCHARGE GATE at 14:25, T0 + 41 min")
    window.close_log()


def test_a_session_discharged_when_the_gate_allowed_shows_no_such_banner(
        qtbot, scenario_log: ScenarioLog):
    window = window_on(qtbot, scenario_log.path)
    page = window.detail_page
    window.open_session(scenario_log.facts.ids["surge"])   # an end_phase override only
    assert not page.discharge_banner.isVisible()
    assert "gate" not in page.subtitle.text()
    window.close_log()


def test_the_session_list_marks_a_discharge_against_the_gate(qtbot, walk, scenario_log):
    """The list's Discharged column read "13:52" for a discharge at T0 + 6 min over the gate."""
    from console.review.queries import list_sessions

    path, ids = walk
    conn = open_readonly(path)
    try:
        listed = {s.id: s for s in list_sessions(conn)}
    finally:
        conn.close()
    assert listed[ids["early_discharge"]].against_gate
    window = window_on(qtbot, path)
    cells = [cell for row in window.list_page.model.rows() for cell in row]
    assert "13:52  ⚠ against the gate" in cells, cells
    window.close_log()
    # A discharge the gate allowed (after an end_phase override only) is not marked.
    conn = open_readonly(scenario_log.path)
    try:
        assert not [s for s in list_sessions(conn) if s.against_gate]
    finally:
        conn.close()

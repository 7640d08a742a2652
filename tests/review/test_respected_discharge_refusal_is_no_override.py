"""A discharge the console refused and the nurse respected read as an override: the review's
summary said "Overrides and prescriber decisions: 1" for a session with none, and the PDF drew
its table where it says "None: every refusal of the console was respected." (an IV walk through
the real window). The refusal is listed apart: "Discharge refused 1×, respected", its row in the
table unmarked, the overrides and prescriber decisions alone counted and marked.

    minute (from 09:00)     what happened
    0                       baseline vitals, MOAA/S 5, dissociation 0
    1                       T0 (infusion)
    11, 21, 31, 41          vitals; on to the observation
    56, 71                  vitals; on to Discharge at 10:11
    71                      Discharge pressed: refused (no Aldrete yet); no override given
    73                      Aldrete 10, dissociation 0, the discharge items: discharged
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.review_windows import open_review
from tests.review.scenarios import Driver, ScenarioLog

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VITALS = dict(bp_systolic=128, bp_diastolic=84, heart_rate=72, spo2=98, resp_rate=14, moaas=5)


@pytest.fixture(scope="module")
def refused_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The session above in a log of its own: (its path, the session's id)."""
    path = tmp_path_factory.mktemp("refused") / "log.sqlite3"
    log = EventLog.open(path, "test")
    try:
        r = Driver(log, "iv-ketamine", "MRN-2041", 72.0, "nurse.ana", START, 1)
        r.manual(**VITALS, dissociation=0)
        r.tick_required()
        r.at(1); r.advance()                                      # T0 09:01
        for minute in (11, 21, 31, 41):
            r.at(minute); r.manual(**VITALS); r.ack_all()
        r.tick_required(); r.advance()                            # observation 09:41
        for minute in (56, 71):
            r.at(minute); r.manual(**VITALS); r.ack_all()
        r.advance()                                               # Discharge 10:11
        # Pressed too soon: refused, and the nurse gives no reason to override it.
        assert not r.engine.discharge(r.nurse, r.clock.now()).done
        r.at(73)
        r.manual(aldrete=10, dissociation=0)
        r.tick_required()
        r.ack_all()
        r.discharge()                                             # within the gate
        kinds = [k for (k,) in log.conn.execute(
            "SELECT kind FROM events WHERE session_id = ? AND kind IN "
            "('override', 'discharge_refused', 'gate_decision') ORDER BY id", [r.id])]
        assert kinds == ["discharge_refused"], kinds
        return path, r.id
    finally:
        log.close()


def test_the_review_counts_no_override_for_a_discharge_refusal_the_nurse_respected(
        refused_once: tuple[Path, int], qtbot: QtBot) -> None:
    path, sid = refused_once
    window = open_review(qtbot, path, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    window.open_session(sid)
    page = window.detail_page
    assert page.override_summary.text() == (
        "No override: every refusal was respected · Discharge refused 1×, respected")
    # The refusal is still listed, with its reasons, and not marked as an override is.
    [row] = page.override_model.rows()
    assert row[:2] == ("10:11", "Discharge refused")
    assert "No modified Aldrete score recorded" in row[2]
    assert page.override_model.colour_of(0) is None


def test_the_review_counts_overrides_and_lists_a_respected_refusal_apart(
        scenario_log: ScenarioLog, qtbot: QtBot) -> None:
    # The surge session: a prescriber's gate decision, the observation ended early with a
    # reason, a discharge refused (no Aldrete yet) and then given within the gate.
    window = open_review(qtbot, scenario_log.path, datetime(2026, 3, 12, 12, 0, tzinfo=UTC))
    window.open_session(scenario_log.facts.ids["surge"])
    page = window.detail_page
    assert page.override_summary.text() == (
        "Overrides and prescriber decisions: 2 · Discharge refused 1×, respected")
    model = page.override_model
    marked = [row[1] for k, row in enumerate(model.rows()) if model.colour_of(k) is not None]
    assert marked == ["Prescriber gate: baseline-vitals", "Ended phase Observation early"]


def test_the_pdf_says_every_refusal_was_respected_and_lists_the_refused_discharge(
        refused_once: tuple[Path, int], tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    from console.export.pdf import write_session_pdf

    path, sid = refused_once
    conn = open_readonly(path)
    try:
        detail = load_session(conn, sid, with_observations=True)
    finally:
        conn.close()
    pdf = tmp_path / "session.pdf"
    write_session_pdf(detail, pdf, tz=UTC)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert ("Overrides and prescriber decisions None: every refusal of the console was "
            "respected. Discharge refused 1×, respected.") in text, text
    assert "10:11 Discharge refused Required item open" in text, text

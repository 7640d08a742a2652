"""Undo of a score mistaken after the dose, when the scale was scored before it: the Undo
wrote the pre-dose value again as a correction stamped with the mistaken row's post-dose time,
and the discharge gate read it as scored after the dose. A patient with a baseline Aldrete 10
and no Aldrete since the dose could be discharged. Undo now takes the mistaken row back as
entered in error, and the earlier value stands at its own time."""

from __future__ import annotations

from datetime import UTC

from PySide6 import QtCore

from console.network.config import NetworkConfig
from console.network.link import NetworkLink
from console.network.pcd import segments
from console.review.queries import load_session, open_readonly
from console.store.outbox import OutboxHooks
from console.ui.controller import SessionController
from console.ui.entry_panel import UNDO_REASON, EntryPanel
from tests.network.test_link import STATION
from tests.session.test_scores_since_dose import Run, _titration_to_discharge
from tests.ui.conftest import Answers

LEFT = QtCore.Qt.MouseButton.LeftButton
NO_ALDRETE = "No modified Aldrete score recorded since the dose (needs ≥9)"
NO_MOAAS = "No MOAA/S recorded since the dose (needs 5)"


def panel_for(qtbot, r: Run) -> EntryPanel:
    panel = EntryPanel(SessionController(r.engine, r.clock), Answers())
    qtbot.addWidget(panel)
    panel.show()
    return panel


def hhmm(r: Run) -> str:
    """The clock's time now as the panel shows it (the station's zone)."""
    return r.now().wall.astimezone().strftime("%H:%M")


def withdrawn(r: Run, code: str) -> list[tuple[str, str]]:
    """(value, OBX-11) of the PCD-01 rows of the scale `code`, in the order sent."""
    return [(seg[5], seg[11]) for (m,) in r.log.conn.execute(
        "SELECT message FROM outbox WHERE kind = 'pcd01' ORDER BY id")
        for seg in segments(m) if seg[0] == "OBX" and seg[3].startswith(f"{code}^")]


def test_an_aldrete_undone_after_the_dose_leaves_the_gate_asking_for_one(qtbot, tmp_path):
    r = Run(tmp_path, "iv-ketamine-titration")
    link = NetworkLink(NetworkConfig(forward="mllp://127.0.0.1:9", chair="chair-3"), r.log,
                       r.clock, station=STATION)
    r.log.attach_outbox(OutboxHooks(link.composer, lambda rows: None, _fail))
    # Step 1: a pre-sedation Aldrete 10 at 09:00; the dose; no Aldrete scored after it.
    baseline = hhmm(r)
    r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0, aldrete=10)
    _titration_to_discharge(r)
    assert r.engine.discharge_blockers(r.now()) == [NO_ALDRETE]
    panel = panel_for(qtbot, r)
    assert panel.scales["aldrete"].current.text() == f"10/10 · {baseline}"
    # Step 2: "3" typed in the Aldrete box by mistake, and Undo pressed at once.
    panel.aldrete.setFocus()
    qtbot.keyClicks(panel.aldrete, "3")
    qtbot.keyClick(panel.aldrete, QtCore.Qt.Key.Key_Return)
    assert panel.message.text() == "Recorded: Aldrete 3/10"
    qtbot.mouseClick(panel.undo_button, LEFT)
    # The gate still asks for an Aldrete scored after the dose.
    assert r.engine.discharge_blockers(r.now()) == [NO_ALDRETE]
    # The scale shows the baseline at its own time, not at the mistake's, and the message says so.
    assert panel.scales["aldrete"].current.text() == f"10/10 · {baseline}"
    assert panel.message.text() == ("Undone: Aldrete 3/10 taken back (logged as entered in "
                                    f"error); the latest Aldrete is 10/10, recorded at {baseline}.")
    # The log: the 3 named entered in error; no Aldrete 10 written again after the dose.
    (mistake,) = r.sql("SELECT id FROM observations WHERE metric = 'aldrete' AND value = 3")
    assert r.sql("SELECT value, corrects FROM observations WHERE metric = 'aldrete' "
                 "ORDER BY id") == [(10.0, None), (3.0, None)]
    assert r.sql("SELECT kind, json_extract(detail, '$.observation'), "
                 "json_extract(detail, '$.reason') FROM events "
                 "WHERE kind IN ('entered_in_error', 'correction')") == [
        ("entered_in_error", mistake[0], UNDO_REASON)]
    # The interface engine was told the 3 is wrong (OBX-11 W), and sent no new 10.
    assert withdrawn(r, "aldrete") == [("10", "F"), ("3", "F"), ("3", "W")]
    assert r.restart().discharge_blockers(r.now()) == [NO_ALDRETE]   # a restart says the same
    # The review has the baseline alone, at 09:00.
    r.log.close()
    conn = open_readonly(r.db)
    try:
        detail = load_session(conn, r.engine.session_id)
    finally:
        conn.close()
    assert [(s.at.astimezone(UTC).strftime("%H:%M"), s.value, s.replaced)
            for s in detail.scales if s.metric == "aldrete"] == [("09:00", 10.0, None)]


def test_a_moaas_undone_after_the_dose_leaves_the_gate_asking_for_one(qtbot, tmp_path):
    r = Run(tmp_path, "iv-ketamine")
    baseline = hhmm(r)
    r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)                               # the baseline MOAA/S 5 at 09:00
    r.tick_required()
    r.at(5); r.advance()                                   # T0
    r.at(10)
    assert NO_MOAAS in r.engine.discharge_blockers(r.now())
    panel = panel_for(qtbot, r)
    # MOAA/S 2 clicked for the patient in the next chair, taken back at once.
    qtbot.mouseClick(panel.observation_buttons[("moaas", 2)], LEFT)
    qtbot.mouseClick(panel.undo_button, LEFT)
    assert NO_MOAAS in r.engine.discharge_blockers(r.now())
    assert panel.scales["moaas"].current.text() == f"5 · {baseline}"
    assert panel.message.text() == ("Undone: MOAA/S 2 taken back (logged as entered in error); "
                                    f"the latest MOAA/S is 5, recorded at {baseline}.")
    assert r.sql("SELECT count(*) FROM observations WHERE corrects IS NOT NULL") == [(0,)]


def _fail(exc: BaseException) -> None:
    raise AssertionError(f"the composer failed: {exc}")

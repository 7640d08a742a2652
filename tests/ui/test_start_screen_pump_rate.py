"""The pump rate reads the same figure on the start screen, at the chair and in the review.

clinical-defaults.md, Protocol timings: "IV racemic ketamine | ... dose = weight × mg/kg, pump rate
shown in mL/h". The nurse programs the pump from the start screen's summary and checks it against
the chair's dose line ("Pump programmed at the rate shown and second-checked"). A clinic protocol
of a 100 mL bag over 45 min read "pump 133.33 mL/h" on the start screen, "pump 133.333 mL/h" at
the chair and in the review: two figures for one pump setting (review 41). All three now show
it as the pump is set, to 0.1 mL/h (`console.session.dosing.pump_rate_text`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.clock import ManualClock
from console.review.content import dose_text
from console.review.queries import load_session, open_readonly
from console.session.dosing import dose_line, pump_rate_text
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from console.ui.start_screen import StartScreen
from protocols.loader import builtin_protocols_dir, protocol_from_text
from protocols.model import PhaseKind, Protocol

TEXT = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")


def clinic_protocol(minutes: int) -> Protocol:
    """The shipped IV protocol, its 100 mL bag run over `minutes` instead of 40."""
    text = TEXT.replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1)
    for key in ("infusion_minutes", "duration_minutes"):
        assert f"\n{key} = 40\n" in text
        text = text.replace(f"\n{key} = 40\n", f"\n{key} = {minutes}\n", 1)
    return protocol_from_text(text, "clinic-iv.toml")


def start_screen_summary(qtbot, protocol: Protocol) -> str:
    screen = StartScreen({protocol.id: protocol}, [], lambda pid: [], port_lister=lambda: [])
    qtbot.addWidget(screen)
    screen.protocol_combo.setCurrentIndex(screen.protocol_combo.findData(protocol.id))
    qtbot.keyClicks(screen.patient_edit, "MRN-1042")
    qtbot.keyClicks(screen.weight_edit, "72")
    qtbot.keyClicks(screen.nurse_edit, "Ana Lima")
    text = screen.summary.text()
    screen.stop_test()
    return text


def review_dose(tmp_path, protocol: Protocol) -> str:
    """The review's dose of a session of `protocol` opened as the start screen opens it, its
    infusion started and run to plan."""
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = SessionEngine.open(protocol, log, Patient("MRN-7", 72.0), "ana", clock.now())
    assert engine.advance_phase("ana", clock.advance(60), override_reason="walk").done
    assert engine.phase.kind is PhaseKind.DOSING
    minutes = protocol.dose.infusion_minutes * 60
    assert engine.advance_phase("ana", clock.advance(minutes), override_reason="walk").done
    session = engine.session_id
    log.close()
    conn = open_readonly(log.path)
    try:
        return dose_text(load_session(conn, session), protocol)
    finally:
        conn.close()


@pytest.mark.parametrize(("minutes", "shown"), [
    (45, "133.3 mL/h"),   # 100 mL × 60 / 45 = 133.333…
    (35, "171.4 mL/h"),   # 171.428…
    (30, "200 mL/h"),     # a whole rate keeps no ".0"
])
def test_start_screen_chair_and_review_show_one_pump_rate(qtbot, tmp_path, minutes, shown):
    protocol = clinic_protocol(minutes)
    rate = protocol.dose.pump_rate_ml_per_h()
    assert rate is not None and pump_rate_text(rate) == shown

    # The start screen, where the nurse reads the rate to program the pump.
    assert f" — pump {shown} for {minutes} min (100 mL bag)" in start_screen_summary(qtbot, protocol)
    # The chair's dose line, from what the session was opened with (the rate unrounded).
    chair = dose_line(protocol, {"dose_mg": 36.0, "pump_rate_ml_h": rate}, PhaseKind.DOSING)
    assert chair == f"Dose 36 mg in 100 mL (0.36 mg/mL) · pump {shown} over {minutes} min"
    # The review, from the log.
    assert review_dose(tmp_path, protocol) == f"36 mg at {shown}"


def test_the_shipped_rate_reads_as_before() -> None:
    # 100 mL over 40 min: "150 mL/h", as every existing screen and test reads it.
    assert pump_rate_text(150.0) == "150 mL/h"
    assert pump_rate_text(149.96) == "150 mL/h"

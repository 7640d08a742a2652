"""`ElidedLabel.set_parts`: the parts that may give way do, so the others stay in sight whole.
When the part meant to give way had no room even for "…", `elidedText` gave "" and the whole
line was cut at its end, the part meant to stay first: the header lost "device disconnected"
beside a 42-letter nurse's name or a 35-letter patient identifier at 1366x768, and esketamine's
timer line "Next vitals: OVERDUE Sedation and breathing 1:55 h ago" past the observation's 2 h."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal
from console.store import EventLog
from console.ui.controller import SessionController
from console.ui.elided_label import ElidedLabel, GivesWay
from console.ui.live_window import LiveWindow
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.ui.conftest import Answers, shown_live_window


def shown_label(qtbot, *parts: str | GivesWay, width: int) -> ElidedLabel:
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.set_parts(*parts)
    label.resize(width, 30)
    label.show()
    qtbot.waitExposed(label)
    return label


def room_for(label: ElidedLabel, text: str) -> int:
    """The label's width that just fits `text` (ElidedLabel keeps 8 px of margin)."""
    margins = label.contentsMargins()
    return label.fontMetrics().horizontalAdvance(text) + margins.left() + margins.right() + 8


def test_a_part_with_no_room_for_an_ellipsis_is_left_out_and_the_rest_stays_whole(qtbot):
    label = shown_label(qtbot, "MRN-7", GivesWay(" · IV racemic ketamine"), " · device lost",
                        width=100)
    label.resize(room_for(label, "MRN-7 · device lost") + 2, 30)   # no room for " · …"
    assert label.text() == "MRN-7 · device lost"
    assert label.is_cut() and label.toolTip() == "MRN-7 · IV racemic ketamine · device lost"
    label.resize(room_for(label, "MRN-7 · IV racemic ketamine · device lost") + 40, 30)
    assert label.text() == label.full_text()


def test_a_part_cut_keeps_its_separators(qtbot):
    label = shown_label(qtbot, "MRN-7", GivesWay(" · IV racemic ketamine 0.5 mg/kg over 40 min"),
                        " · device lost", width=100)
    label.resize(room_for(label, "MRN-7 · IV racemic… · device lost"), 30)
    drawn = label.text()
    assert drawn.startswith("MRN-7 · IV") and drawn.endswith("… · device lost"), drawn


def test_shorter_words_come_before_any_cut_and_the_next_part_gives_way_after(qtbot):
    names = GivesWay(" · *** SpO2 86 %, limit ≤90; *** RR 5/min, limit ≤8",
                     (" · *** SpO2 86, RR 5", " · SpO2 86 RR 5"), cut=False)
    title = GivesWay("Patient alarms     ", ("",), rank=1)
    label = shown_label(qtbot, title, "+2 more: 2 high", names, width=100)
    for fitting in ("Patient alarms     +2 more: 2 high · *** SpO2 86, RR 5",
                    "Patient alarms     +2 more: 2 high · SpO2 86 RR 5",
                    "+2 more: 2 high · SpO2 86 RR 5"):
        label.resize(room_for(label, fitting) + 1, 30)
        assert label.text() == fitting
    label.resize(room_for(label, "+2 more: 2 high · SpO2…"), 30)   # then cut at the end
    assert label.text().startswith("+2 more: 2 high · SpO2") and label.text().endswith("…")


@pytest.mark.parametrize(("patient", "nurse"), [
    ("MRN-2026-00012345", "Maria-Magdalena Schwarzenberger-Hohenstein"),   # 42 letters
    ("KLINIKUM-RECHTS-DER-ISAR-0001234567", "Katharina Schmidt-Hohenberger"),   # 35
])
def test_the_header_keeps_the_device_state_in_sight_with_long_names_at_1366x768(
        qtbot, tmp_path, patient, nurse):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    protocol = load_protocol(builtin_protocols_dir() / "esketamine.toml")
    engine = SessionEngine.open(protocol, Journal(log), Patient(patient, 72), nurse, clock.now())
    controller = SessionController(engine, clock)
    try:
        engine.device_state_changed("disconnected", clock.now())
        window = LiveWindow(controller, Journal(log), Answers(), Answers())
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        window.refresh()
        drawn = window.header.text()
        assert drawn.startswith(f"{patient} · "), drawn
        assert " · session 1 of " in drawn and drawn.endswith(" · device disconnected"), drawn
        assert nurse in window.header.toolTip() and protocol.name in window.header.toolTip()
    finally:
        controller.stop()
        log.close()


def test_the_timer_line_keeps_an_overdue_check_in_sight_past_the_phase_s_time(
        qtbot, live_esketamine):
    controller, journal, clock, log = live_esketamine
    assert controller.advance_phase(override_reason="test").done            # the devices: T0
    while not controller.view.phase.name.startswith("Observation"):
        assert controller.advance_phase(override_reason="test").done
    clock.advance(130 * 60)
    controller.tick()
    window = shown_live_window(qtbot, live_esketamine, (1366, 768))
    drawn = window.timers.text()
    assert "Next vitals: OVERDUE" in window.timers.full_text()
    times = window.timers.full_text().split("   ", 1)[1].strip()   # after the phase's name
    assert drawn.endswith(times), drawn
    assert drawn.startswith(("Elapsed", controller.view.phase.name[:3])), drawn

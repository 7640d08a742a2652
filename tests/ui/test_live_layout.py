"""The live window's layout at the two screen sizes the issue names: with two high alarms on the
bar, every tile's text fits inside its tile and the alarm rows are whole; tiles keep their size
whatever appears; values grow on a large screen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal
from console.store import EventLog
from console.ui.controller import SessionController
from console.ui.live_window import LiveWindow
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.ui.conftest import Answers, ready_for_t0, shown_live_window
from tests.ui.tile_geometry import settled_geometry, tile_problems


def _two_high_alarms(controller, clock):
    engine = controller
    for name, value in (("bp_systolic", 128), ("bp_diastolic", 82), ("heart_rate", 76), ("resp_rate", 15),
                        ("spo2", 98), ("bp_mean", 97), ("pulse_rate", 76)):
        engine.enter_manual(name, value)
    clock.advance(60)
    engine.enter_manual("bp_systolic", 205)
    engine.enter_manual("spo2", 88, confirmed=True)
    engine.tick()
    assert len([o for o in engine.view.alarms() if o.priority.label == "high"]) == 2


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_tiles_and_alarm_rows_fit_with_two_alarms(qtbot, live, size):
    controller, journal, clock, log = live
    _two_high_alarms(controller, clock)
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.refresh()
    qtbot.waitExposed(window)
    for name, tile in window.tiles.tiles.items():
        # Every text inside its tile, none cut (width and lines), none over another.
        assert tile_problems(tile) == [], f"{name} at {size}"
    for bar in (window.alarm_bar.patient.list, window.alarm_bar.equipment.list):
        for row in range(bar.count()):
            rect = bar.visualItemRect(bar.item(row))
            assert rect.bottom() <= bar.viewport().height(), f"alarm row {row} cut off at {size}"


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_every_alarm_row_shows_its_value_and_limit_whole(qtbot, live, size):
    """At 1366x768 "*** Respiratory rate 5 breaths/min, limit ≤8" lost its limit to the row's
    end; a row too narrow says it short ("RR 5/min, limit ≤8") rather than cut it."""
    controller, journal, clock, log = live
    _two_high_alarms(controller, clock)
    controller.enter_manual("resp_rate", 5, confirmed=True)
    controller.enter_manual("heart_rate", 135)
    controller.tick()
    window = shown_live_window(qtbot, live, size)
    patient = window.alarm_bar.patient
    drawn = patient.drawn_texts()
    assert len(drawn) == 2 and all(not text.endswith("…") for text in drawn), drawn
    wanted = {"resp_rate_low": ("5", "limit ≤8"), "spo2_low": ("88", "limit ≤90"),
              "bp_systolic_high": ("205", "limit ≥200"), "heart_rate_high": ("135", "limit ≥131")}
    for occurrence, text in zip(patient.field.shown, drawn, strict=True):
        value, limit = wanted[occurrence.condition]
        assert f" {value}" in text and limit in text, text
    if size == (1920, 1080):   # room enough: the whole words
        assert all(text in window.alarm_bar.rows() for text in drawn)


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_a_header_naming_hidden_high_alarms_keeps_both_fields_their_width(qtbot, live, size):
    """Four high patient alarms and a technical one: the header naming the two hidden high alarms
    in full widened the patient field and cut "Audio unavailable: visual only" in the equipment
    field (seen on X after a restart at 1366x768). The count stays in sight, the names give way,
    and the equipment's row is whole."""
    controller, journal, clock, log = live
    _two_high_alarms(controller, clock)
    controller.enter_manual("resp_rate", 5, confirmed=True)
    controller.enter_manual("heart_rate", 135)
    controller.audio_status(False, "paplay: connection refused")
    controller.tick()
    window = shown_live_window(qtbot, live, size)
    bar = window.alarm_bar
    assert "+2 more: 2 high · ***" in bar.patient.header.full_text()
    assert bar.patient.header.text().startswith("Patient alarms     +2 more: 2 high")
    assert abs(bar.patient.width() - bar.equipment.width()) <= 2
    assert bar.equipment.drawn_texts() == ["* Audio unavailable: visual only"]


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_every_hidden_high_alarm_is_named_on_the_header_with_its_value(qtbot, live, size):
    """Five high patient alarms, two rows: at 1366x768 the header read "+3 more: 3 high · ***
    RR 5/min, limit ≤8; *** Sp…", two hidden highs counted but never named. Where their limits
    do not fit, each is said by its vital and value."""
    controller, journal, clock, log = live
    _two_high_alarms(controller, clock)
    controller.enter_manual("resp_rate", 5, confirmed=True)
    controller.enter_manual("heart_rate", 135)
    controller.enter_manual("bp_diastolic", 125)
    controller.tick()
    window = shown_live_window(qtbot, live, size)
    header = window.alarm_bar.patient.header
    drawn = header.text()
    hidden = window.alarm_bar.patient.field.hidden
    assert len(hidden) == 3 and drawn.startswith("Patient alarms     +3 more: 3 high · ***")
    assert not drawn.endswith("…"), drawn
    for name in ("RR 5", "SpO2 88", "205"):
        assert name in drawn, drawn
    assert "limit ≤8" in header.toolTip() and "limit ≥200" in header.toolTip()


def test_the_oldest_hidden_high_alarm_the_first_sign_is_named_first(qtbot, live):
    """The alarm audit at 1366x768: SpO2 86, RR 5, HR 138, BP 212/124, MOAA/S 1, all high: the
    header read "+4 more: 4 high · *** Systolic 212, HR 138, RR 5…", SpO2 86, the oldest and
    first sign, cut. Hidden highs are named oldest first."""
    controller, journal, clock, log = live
    for name, value in (("spo2", 86), ("resp_rate", 5), ("heart_rate", 138),
                        ("bp_systolic", 212), ("bp_diastolic", 124), ("moaas", 1)):
        clock.advance(2)
        controller.enter_manual(name, value, confirmed=True)
    controller.tick()
    window = shown_live_window(qtbot, live, (1366, 768))
    drawn = window.alarm_bar.patient.header.text()
    assert "SpO2 86" in drawn and drawn.index("SpO2 86") < drawn.index("RR 5"), drawn


def test_a_hidden_latched_high_is_named_whole_beside_a_count_of_two_priorities(qtbot, live):
    """A walk on X at 1366x768: "+2 more: 1 high, 1 medium · *** Systolic 215 (la…": the state
    of a hidden high is left to the tooltip, its vital and value are read."""
    controller, journal, clock, log = live
    _two_high_alarms(controller, clock)          # systolic 205 and SpO2 88, high
    controller.enter_manual("bp_systolic", 128)   # the systolic ends unseen: latched
    controller.enter_manual("resp_rate", 5, confirmed=True)
    controller.enter_manual("heart_rate", 135)
    controller.enter_manual("spo2", 92)           # SpO2 down to medium, held high unseen
    controller.tick()
    window = shown_live_window(qtbot, live, (1366, 768))
    drawn = window.alarm_bar.patient.header.text()
    assert "Systolic 205" in drawn and not drawn.endswith("…"), drawn


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_another_monitors_alarm_is_read_whole_in_the_equipment_field(qtbot, live, size):
    """Another monitor's values came in: its latched alarm's row is read to its end beside
    "Audio unavailable", in fewer words where the whole does not fit."""
    from devices.reading import Reading

    controller, journal, clock, log = live
    for source in ("hl7:MON-A", "hl7:MON-B"):
        now = clock.now()
        controller._engine.ingest(Reading("heart_rate", 72, "/min", now.wall, now.wall, source),
                                  now)
        clock.advance(2)
    controller.audio_status(False, "paplay: connection refused")
    controller.tick()
    window = shown_live_window(qtbot, live, size)
    drawn = window.alarm_bar.equipment.drawn_texts()
    assert len(drawn) == 2 and not any(text.endswith("…") for text in drawn), drawn
    assert drawn[0].startswith("** Another monitor") and "reset" in drawn[0], drawn


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_baselines_limit_lines_drawn_at_t0_are_labelled(qtbot, live, size):
    """The window is open when T0 fixes the baseline: its limits (systolic 124 + 40, diastolic
    78 + 25) were drawn as lines without labels for the whole session (a walk at 1920x1080;
    labelled only when a y range changed, or in a window opened later)."""
    controller, journal, clock, log = live
    window = shown_live_window(qtbot, live, size)
    ready_for_t0(controller)
    assert controller.advance_phase().done and controller.view.t0 is not None
    clock.advance(60)
    controller.tick()
    window.refresh()
    window.trend.refresh()
    assert window.trend.limit_labels(0) == ["S ≥200", "S ≥180", "S ≥164", "D ≥120", "D ≥110",
                                            "D ≥103"]


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_tiles_keep_their_size_when_alarms_notes_and_an_entry_refusal_appear(qtbot, live, size):
    """Issue 11 item 13: nothing that appears elsewhere, and no text in a tile, moves a tile."""
    controller, journal, clock, log = live
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    quiet = settled_geometry(window.tiles.tiles)
    _two_high_alarms(controller, clock)
    window.entry.fields["bp"].setText("999/80")   # refused: the entry panel shows why
    qtbot.keyClick(window.entry.fields["bp"], QtCore.Qt.Key.Key_Return)
    assert window.entry.message.text()
    window.refresh()
    assert settled_geometry(window.tiles.tiles) == quiet
    for name, tile in window.tiles.tiles.items():
        assert tile_problems(tile) == [], f"{name} at {size}"


def test_values_are_larger_on_a_larger_screen(qtbot, live):
    controller, journal, clock, log = live
    _two_high_alarms(controller, clock)
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    points = {}
    for size in ((1366, 768), (1920, 1080)):
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        points[size] = window.tiles.tiles["heart_rate"].value_points
    assert points[(1366, 768)] >= 28 and points[(1920, 1080)] > points[(1366, 768)]


def test_the_console_window_gives_the_live_session_the_whole_screen(qtbot, tmp_path):
    """The review menu is on the start screen; during a session the menu bar is hidden (Ctrl+R
    still opens the review), so the live window gets the rows the layout test above assumes."""
    from console.clock import ManualClock
    from console.store import EventLog
    from console.ui.audio import RecordingAudioOut
    from console.ui.main_window import MainWindow
    from console.ui.review_launcher import ReviewLauncher
    from console.ui.start_screen import StartRequest
    from protocols.loader import default_protocol_dirs, load_protocols
    from datetime import UTC, datetime

    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    cleanups: list = []
    window = MainWindow(log, load_protocols(default_protocol_dirs()), ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC)),
                        RecordingAudioOut(), cleanups, Answers(), Answers())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    assert window.menuBar().isVisible()
    window.start_screen.start_requested.emit(StartRequest("MRN-1", 70.0, "iv-ketamine", None, 1, "ana", None, None))
    qtbot.waitExposed(window)
    assert not window.menuBar().isVisible()
    qtbot.waitUntil(lambda: window.live.height() >= 768 - window.statusBar().height() - 4, timeout=2000)
    qtbot.keyClick(window.live, "r", QtCore.Qt.KeyboardModifier.ControlModifier)
    # The review starts as its own process (tests/ui/test_review_launcher.py tests it in full).
    launcher = window.findChild(ReviewLauncher)
    assert launcher is not None and launcher.running()
    with qtbot.waitSignal(launcher.finished, timeout=30000):
        launcher.close()
    for cleanup in reversed(cleanups):
        cleanup()
    log.close()


def test_the_whole_console_window_fits_a_1366x768_screen(qtbot, tmp_path):
    # The window's minimum height was 794-816 px (a dose line, the status line and spacing on
    # top of the tiles): on a 1366x768 screen the bottom of the entry form was off the screen.
    from console.cli import gui_parser
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut

    cleanups = []
    try:
        window = build(gui_parser().parse_args([
            "--db", str(tmp_path / "log.sqlite3"), "--protocol", "iv-ketamine", "--patient", "MRN-1",
            "--weight", "72", "--nurse", "ana"]), cleanups, audio_out=RecordingAudioOut(),
            confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        assert window.minimumSizeHint().height() <= 768
        assert window.minimumSizeHint().width() <= 1366
        assert window.height() == 768
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_a_header_too_long_for_the_screen_says_it_is_cut_and_shows_all_on_hover(qtbot, live):
    # A plain label cut "device disconnected" off the header with no sign of it.
    from console.ui.elided_label import ElidedLabel

    controller, journal, clock, log = live
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    assert all(isinstance(label, ElidedLabel)
               for label in (window.header, window.timers, window.dosing))
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.setText("MRN-7 · IV racemic ketamine 0.5 mg/kg over 40 min · session 1 of 6 · ana · "
                  "device disconnected")
    label.resize(300, 30)
    label.show()
    qtbot.waitExposed(label)
    assert label.is_cut() and label.text().endswith("…")
    assert label.toolTip() == label.full_text() and label.full_text().endswith("device disconnected")
    label.resize(2000, 30)
    assert not label.is_cut() and label.text() == label.full_text()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_header_keeps_the_device_state_in_sight_and_the_protocol_gives_way(
        qtbot, tmp_path, size):
    # A demo session with a long patient identifier: before, the line was cut at its end, the
    # device's state ("device disconnected") first.
    log = EventLog.open(tmp_path / "demo.sqlite3", "test")
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    engine = SessionEngine.open(protocol, Journal(log), Patient("MRN-55120931", 72),
                                "Ana Lima", clock.now(), demo=True)
    controller = SessionController(engine, clock)
    try:
        engine.device_state_changed("disconnected", clock.now())
        window = LiveWindow(controller, Journal(log), Answers(), Answers())
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        window.refresh()
        drawn = window.header.text()
        assert drawn.startswith("◆ DEMO — not patient data ◆   MRN-55120931 · IV ")
        assert drawn.endswith(" · session 1 of 6 · Ana Lima · device disconnected")
        if size == (1366, 768):
            assert "…" in drawn   # the protocol's name gave way
        else:
            assert drawn == window.header.full_text()   # room for all of it
    finally:
        controller.stop()
        log.close()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_after_discharge_every_tile_says_ended_whole(qtbot, live, size):
    """"ENDED · last value" fits the small tiles at 1366x768 (a longer "the last value before
    discharge" was cut to "device …" there)."""
    controller, journal, clock, log = live
    for name, value in (("bp_systolic", 128), ("bp_diastolic", 82), ("heart_rate", 76),
                        ("resp_rate", 15), ("spo2", 98), ("pulse_rate", 76)):
        controller.enter_manual(name, value)
    while controller.view.phase.kind.value != "discharge":
        assert controller.advance_phase(override_reason="walk").done
    assert controller.discharge(override_reason="walk").done
    window = shown_live_window(qtbot, live, size)
    for name, tile in window.tiles.tiles.items():
        assert tile_problems(tile) == [], f"{name} at {size}"


def test_the_timer_line_keeps_next_vitals_whole_and_the_phase_name_gives_way(
        qtbot, live_esketamine):
    # Esketamine's "Observation (at least 2 h from the first device)" at 1366 px cut "Next
    # vitals: Repe…" (and an OVERDUE with it): a nurse walk on X.
    from tests.ui.conftest import shown_live_window

    controller = live_esketamine[0]
    for _ in range(2):
        assert controller.advance_phase(override_reason="test").done
    window = shown_live_window(qtbot, live_esketamine, (1366, 768))
    timers = window.timers
    whole = timers.full_text()
    assert whole.startswith("Observation (") and "Next vitals: " in whole
    tail = whole[whole.index("   Elapsed"):]
    assert timers.text().endswith(tail), timers.text()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_free_note_says_whole_how_to_add_it(qtbot, live, size):
    # At 1366x768 "Free note (Enter to …" was cut: the Enter that adds the note unsaid.
    window = shown_live_window(qtbot, live, size)
    note = window.findChild(QtWidgets.QLineEdit, "obs_note")
    margins = note.textMargins().left() + note.textMargins().right() + 8   # the frame's padding
    assert note.placeholderText().endswith("(Enter to add)")
    assert note.fontMetrics().horizontalAdvance(note.placeholderText()) + margins <= note.width()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_devices_technical_alarms_keep_what_to_do_in_sight(qtbot, live, size):
    # A nurse walk on X at 1366x768: "* No data from the device (no valid frame for 4 s)…" lost
    # "values are not current", "** Still no data from the device: check the monit…" what to
    # check. A row too narrow says it short, whole.
    controller, journal, clock, log = live
    controller.view.device_state_changed("connected", clock.now())
    controller.view.device_state_changed("stale", clock.now(), "no valid frame for 4 s")
    clock.advance(11)
    controller.tick()   # escalated: medium
    window = shown_live_window(qtbot, live, size)
    [drawn] = window.alarm_bar.equipment.drawn_texts()
    assert not drawn.endswith("…"), drawn
    assert drawn in ("** Still no data from the device: check the monitor, its cable and its "
                     "settings", "** No device data: check monitor, cable")


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_discharge_phase_before_the_gates_time_says_when_discharge_may_be(
        qtbot, live_esketamine, size):
    """Observation moved on early: the header read "Phase left —" while the gate still held the
    discharge for 1:53 h (a walk on X). "Discharge in" says it, and no "Phase left —" beside it
    (tests/ui/test_timers_line_in_discharge_at_1366.py)."""
    controller, journal, clock, log = live_esketamine
    assert controller.advance_phase(override_reason="test").done            # the devices: T0
    clock.advance(7 * 60)
    while controller.view.phase.kind.value != "discharge":
        assert controller.advance_phase(override_reason="test").done
    controller.tick()
    window = shown_live_window(qtbot, live_esketamine, size)
    assert "Elapsed 7:00 min    Discharge in 1:53 h" in window.timers.full_text()
    assert "Discharge in 1:53 h" in window.timers.text()   # in sight, not given way
    clock.advance(113 * 60)
    controller.tick()
    window.refresh()
    assert "Discharge in" not in window.timers.full_text()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_a_vitals_prompt_names_every_missing_vital_in_sight(qtbot, live_esketamine, size):
    """At 1366x768 "Vitals due: Sedation and breathing (Sedation: M…" lost what was due (a walk
    on X); a row too narrow lists the vitals by their short names."""
    controller, journal, clock, log = live_esketamine
    assert controller.advance_phase(override_reason="test").done            # the devices: T0
    while not controller.view.phase.name.startswith("Observation"):
        assert controller.advance_phase(override_reason="test").done
    clock.advance(60 * 60)
    controller.audio_status(False, "paplay: connection refused")
    controller.tick()
    window = shown_live_window(qtbot, live_esketamine, size)
    drawn = window.alarm_bar.equipment.drawn_texts()
    # Whole, or cut only in the check's name after the vitals.
    assert all(not text.endswith("…") or " · " in text for text in drawn), drawn
    assert "CADSS" in drawn[0] and all(v in drawn[1] for v in ("MOAA/S", "RR", "SpO2")), drawn


def test_a_check_past_its_time_is_due_and_overdue_only_once_its_prompt_is_an_alarm(
        qtbot, live_esketamine):
    # The timers line read "OVERDUE" from the first second past a check's time, while the alarm
    # area said only "Vitals due" (info) for its 5 minutes of grace (the esketamine walk).
    from tests.ui.conftest import shown_live_window

    controller, _, clock, _ = live_esketamine
    for _ in range(2):
        assert controller.advance_phase(override_reason="test").done
    window = shown_live_window(qtbot, live_esketamine, (1920, 1080))
    first = controller.view.due(clock.now())[0]
    clock.advance(first.due_in_s + 120)
    window.refresh()
    assert f"Next vitals: DUE {first.name} 2:00 min ago" in window.timers.full_text()
    clock.advance(4 * 60)
    window.refresh()
    assert f"Next vitals: OVERDUE {first.name} 6:00 min ago" in window.timers.full_text()

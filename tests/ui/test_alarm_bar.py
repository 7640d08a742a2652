"""The alarm bar, driven by a real session engine: what the nurse reads and what each button does.

Each scenario moves the engine (readings, time), lets the controller tell the bar, and reads the
bar's rows, colours, flash phase and buttons; actions go through the bar's buttons and shortcuts
and are checked in the engine and its log. Flash timers are fired by hand; nothing sleeps.
Set WRITE_SCREENSHOTS=1 to refresh docs/screenshots/alarm-bar.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from console.session.alarms import AlarmState
from console.clock import format_duration
from console.ui.alarm_bar import AlarmBar
from console.ui.audio import AlarmSounder, RecordingAudioOut
from console.ui.controller import SessionController
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import HIGH, INFO, MEDIUM, Session

RED, RED_TEXT = "#c40000", "#ffffff"
AMBER, AMBER_TEXT = "#ffc400", "#000000"
INFO_BG, INFO_TEXT = "#cfd8dc", "#102027"
DARK = "#1c1c1c"

SYSTOLIC_205 = "*** Systolic BP 205 mmHg, limit ≥200"
HR_115 = "** Heart rate 115 beats/min, limit >110"
VITALS_DUE = "Vitals due: Repeat Systolic BP (Systolic BP)"


class Console:
    """A session (`session`, else one in its infusion phase) with a bar and a sounder bound to
    its controller."""

    def __init__(self, qtbot, audio: RecordingAudioOut | None = None,
                 session: Session | None = None) -> None:
        if session is None:
            session = Session()
            session.to_infusion()
        self.s = session
        self.controller = SessionController(self.s.engine, self.s.clock)
        self.audio = audio or RecordingAudioOut()
        self.bar = AlarmBar()
        qtbot.addWidget(self.bar)
        self.bar.resize(1366, 220)
        self.bar.show()
        self.bar.bind(self.controller)
        self.sounder = AlarmSounder(self.audio, self.controller)
        self.sounder.bind(self.controller)

    def t(self, seconds: float) -> None:
        """Move to `seconds` after the session opened; the controller's tick redraws."""
        self.s.t(seconds)
        self.controller.tick()

    def reading(self, name: str, value: float) -> None:
        self.s.manual(name, value)
        self.controller.changed.emit()

    def bp(self, systolic: float, diastolic: float) -> None:
        self.s.bp(systolic, diastolic)
        self.controller.changed.emit()

    def occurrence(self, condition: str):
        return next(o for o in self.s.engine.alarms() if o.condition == condition)


def is_reddish(colour: str) -> bool:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return r > 150 and g < 100 and b < 100


@pytest.fixture
def console(qtbot):
    return Console(qtbot)


def test_alarms_show_by_priority_with_value_limit_and_colour(console):
    # Step 1: quiet: "No active alarms", buttons say what they would do.
    assert console.bar.rows() == [] and console.bar.patient.header.full_text() == "Patient alarms — none"
    assert console.bar.ack_button.text() == "Acknowledge all (F2)" and not console.bar.ack_button.isEnabled()
    assert console.bar.pause_button.text() == "Pause audio 2:00 min (F3)"
    # Step 2: HR 115 (medium), systolic 205 (high), 5 min later its repeat reading is due (info).
    console.reading("heart_rate", 115)
    console.bp(205, 95)
    console.t(5 * 60)
    assert console.bar.rows() == [SYSTOLIC_205, HR_115, VITALS_DUE]
    assert console.bar.patient.header.full_text() == "Patient alarms"
    # Colours per priority; the info prompt is pale grey-blue, not red.
    assert [console.bar.row_colours(i) for i in range(3)] == [
        (RED, RED_TEXT), (AMBER, AMBER_TEXT), (INFO_BG, INFO_TEXT)]
    assert not is_reddish(console.bar.row_colours(2)[0])
    # Large text.
    assert console.bar.patient.list.font().pointSize() >= 16 and console.bar.ack_button.font().pointSize() >= 16


def test_high_flashes_at_2_hz_medium_at_half_hz_info_never(console, qtbot):
    console.reading("heart_rate", 115)
    console.bp(205, 95)
    console.t(5 * 60)
    high, medium = console.bar.flash_timers[HIGH], console.bar.flash_timers[MEDIUM]
    # Rates: a toggle every half period: 250 ms → 2 Hz (1.4-2.8), 1000 ms → 0.5 Hz (0.4-0.8).
    assert high.isActive() and medium.isActive()
    assert 1.4 <= 1000 / (2 * high.interval()) <= 2.8 and 0.4 <= 1000 / (2 * medium.interval()) <= 0.8
    # Step 1: the high timer fires: only the high row goes dark, its text stays red on dark.
    with qtbot.waitSignal(high.timeout):
        high.timeout.emit()
    assert console.bar.row_colours(0) == (DARK, "#ff5252")
    assert console.bar.row_colours(1) == (AMBER, AMBER_TEXT)
    # Step 2: the medium timer fires: the medium row goes dark; the info row never changes.
    medium.timeout.emit()
    assert console.bar.row_colours(1) == (DARK, AMBER)
    high.timeout.emit()
    assert console.bar.row_colours(0) == (RED, RED_TEXT)
    assert console.bar.row_colours(2) == (INFO_BG, INFO_TEXT)


def test_acknowledge_selected_row_while_flashing(console, qtbot):
    console.reading("heart_rate", 115)
    console.bp(205, 95)
    high_id = console.occurrence("bp_systolic_high").id
    console.bar.flash_timers[HIGH].timeout.emit()   # caught in its dark phase
    # Step 1: the nurse clicks the high row: it is selected and the button acknowledges it.
    rows = console.bar.patient.list
    item = rows.item(0)
    qtbot.mouseClick(rows.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=rows.visualItemRect(item).center())
    assert console.bar.selected_id() == high_id
    assert console.bar.ack_button.text() == "Acknowledge (F2)"
    # Step 2: Acknowledge: the engine logs it with the nurse's name; the row is steady red.
    qtbot.mouseClick(console.bar.ack_button, QtCore.Qt.MouseButton.LeftButton)
    assert console.occurrence("bp_systolic_high").state is AlarmState.ACKNOWLEDGED
    assert ("bp_systolic_high", "acknowledged", "high") in console.s.recorder.transitions()
    assert console.bar.rows() == [SYSTOLIC_205 + " · acknowledged", HR_115]
    assert console.bar.row_colours(0) == (RED, RED_TEXT)
    assert not console.bar.flash_timers[HIGH].isActive()
    # The medium alarm is untouched and still flashing; its burst now sounds.
    assert console.occurrence("heart_rate_high").state is AlarmState.ACTIVE
    assert console.bar.flash_timers[MEDIUM].isActive()
    assert console.audio.last.file_name == "medium.wav"


def test_after_a_selected_row_is_acknowledged_f2_reaches_a_new_alarm(console):
    # The selection stayed on the row just acknowledged: the next F2 went to it again (nothing
    # to do) while a new high alarm flashed and sounded beside it.
    console.bp(205, 95)
    console.bar.select(console.occurrence("bp_systolic_high").id)
    console.bar.ack_shortcut.activated.emit()
    assert console.occurrence("bp_systolic_high").state is AlarmState.ACKNOWLEDGED
    assert console.bar.selected_id() is None
    console.reading("heart_rate", 145)   # a new high alarm, sounding
    console.bar.ack_shortcut.activated.emit()
    assert console.occurrence("heart_rate_high").state is AlarmState.ACKNOWLEDGED
    assert console.s.engine.audio(console.s.now()).priority is None


def test_f2_on_a_selected_console_fault_row_acknowledges_nothing_else(console):
    # A console fault the engine could not take is drawn by the window; its first row had id -1,
    # the bar's "every alarm shown": selected alone, F2 acknowledged the SpO2 alarm beside it.
    console.reading("spo2", 85)
    console.controller.fallback_faults.append("Console fault: engine failed (not in the log)")
    console.controller.changed.emit()
    (fault,) = [i for i in console.bar.shown_ids() if i < 0]
    console.bar.select(fault)
    console.bar.ack_shortcut.activated.emit()
    assert console.occurrence("spo2_low").state is AlarmState.ACTIVE


FALLBACK_FAULT = "*** Console fault: RuntimeError: redraw planted (not in the log: OSError)"


def fault_without_the_engine(console, monkeypatch) -> None:
    """A console fault the engine cannot take (its own fault path fails): the controller shows
    and sounds it without the engine (`fallback_faults`)."""
    def broken(*args, **kwargs):
        raise OSError("engine failed")

    monkeypatch.setattr(console.s.engine, "console_fault", broken)
    console.controller.console_fault("RuntimeError: redraw planted")
    assert any(row.startswith(FALLBACK_FAULT) for row in console.bar.rows())
    assert console.sounder.pattern is not None and console.sounder.pattern.priority is HIGH


def test_f3_pauses_a_console_fault_the_engine_could_not_take(console, monkeypatch):
    # The sounder played the high burst whenever such a fault was shown, pause or not: F3 made
    # the button read "Audio paused 2:00 min" while the tone went on every 5 s.
    fault_without_the_engine(console, monkeypatch)
    console.bar.pause_shortcut.activated.emit()
    assert console.sounder.pattern is None
    assert console.bar.pause_button.text() == "Audio paused 2:00 min"
    console.t(60)
    assert console.sounder.pattern is None and console.bar.flash_timers[HIGH].isActive()
    # The pause runs out: the fault sounds again and the button offers F3 again.
    console.t(121)
    assert console.sounder.pattern is not None and console.sounder.pattern.priority is HIGH
    assert console.bar.pause_button.text() == "Pause audio 2:00 min (F3)"
    assert console.bar.rows()[0].startswith(FALLBACK_FAULT)   # shown until a restart


def test_f2_acknowledges_a_console_fault_the_engine_could_not_take(console, monkeypatch):
    # F2 on the fault's row sent its id (-2) to the engine, which does not know it: nothing
    # happened, and nothing else silenced it but a restart.
    fault_without_the_engine(console, monkeypatch)
    console.bar.select(-2)
    console.bar.ack_shortcut.activated.emit()
    assert console.sounder.pattern is None
    assert console.bar.rows() == [f"{FALLBACK_FAULT} — restart the console · acknowledged"]
    assert not console.bar.flash_timers[HIGH].isActive()   # steady, as an acknowledged alarm
    assert console.bar.pause_button.text() == "Pause audio 2:00 min (F3)"
    # Still present: like the engine's own fault alarm it is reminded after 150 s.
    console.t(149)
    assert console.sounder.pattern is None
    console.t(151)
    assert console.sounder.pattern is not None and console.sounder.pattern.priority is HIGH
    assert console.bar.flash_timers[HIGH].isActive()
    console.bar.ack_shortcut.activated.emit()   # F2, no row selected: every alarm shown
    assert console.sounder.pattern is None


def test_a_console_fault_the_engine_could_not_take_breaks_through_a_pause(console, monkeypatch):
    # As any new alarm higher than what a pause holds silent (here a medium HR alarm).
    console.reading("heart_rate", 115)
    console.bar.pause_shortcut.activated.emit()
    assert console.sounder.pattern is None
    fault_without_the_engine(console, monkeypatch)
    assert console.bar.pause_button.text() == "Pause audio 2:00 min (F3)"
    console.bar.pause_shortcut.activated.emit()
    assert console.sounder.pattern is None
    assert console.bar.pause_button.text() == "Audio paused 2:00 min"


def test_acknowledge_with_no_selection_acknowledges_all_by_f2(console, qtbot):
    console.reading("heart_rate", 115)
    console.bp(205, 95)
    assert console.bar.selected_id() is None
    # F2 (the shortcut, as the keyboard sends it) acknowledges every alarm.
    console.bar.ack_shortcut.activated.emit()
    assert {o.state for o in console.s.engine.alarms()} == {AlarmState.ACKNOWLEDGED}
    assert console.sounder.pattern is None
    assert not any(t.isActive() for t in console.bar.flash_timers.values())


def test_latched_high_alarm_reads_reset_and_reset_clears_it(console, qtbot):
    # Step 1: systolic 205 then back to 150 before anyone acknowledged: the alarm latches.
    console.bp(205, 95)
    console.t(60)
    console.bp(150, 90)
    assert console.bar.rows() == [SYSTOLIC_205 + " (latched: reset to clear)"]
    assert console.bar.flash_timers[HIGH].isActive()   # a latched high alarm keeps flashing
    assert console.bar.ack_button.text() == "Reset all (F2)"
    # Step 2: selecting the row: the button reads Reset.
    console.bar.select(console.occurrence("bp_systolic_high").id)
    assert console.bar.ack_button.text() == "Reset (F2)"
    # Step 3: Reset: logged with who, and the bar is empty.
    qtbot.mouseClick(console.bar.ack_button, QtCore.Qt.MouseButton.LeftButton)
    assert console.s.recorder.transitions("bp_systolic_high")[-2:] == [
        ("bp_systolic_high", "reset", "high"), ("bp_systolic_high", "cleared", "high")]
    assert console.bar.rows() == [] and console.bar.patient.header.full_text() == "Patient alarms — none"


def test_f2_says_it_resets_a_latched_row_it_would_reset_beside_a_live_one(console, qtbot):
    # The alarm audit: with a latched systolic row beside a live HR alarm the button read
    # "Acknowledge all", and F2 also reset the latched row (IEC 60601-1-8: two actions).
    console.bp(205, 95)
    console.t(60)
    console.bp(150, 90)        # back before anyone looked: latched
    console.reading("heart_rate", 115)
    assert console.bar.ack_button.text() == "Ack + reset all (F2)"
    console.bar.ack_shortcut.activated.emit()
    assert [(o.condition, o.state) for o in console.s.engine.alarms()] == [
        ("heart_rate_high", AlarmState.ACKNOWLEDGED)]
    assert console.bar.ack_button.text() == "Acknowledge all (F2)"


def test_pause_while_high_sounds_counts_down_and_silences(console, qtbot):
    console.bp(205, 95)
    assert console.audio.last.file_name == "high.wav"
    # Step 1: the nurse presses Pause at t=0: the button counts down from 2:00, audio stops.
    qtbot.mouseClick(console.bar.pause_button, QtCore.Qt.MouseButton.LeftButton)
    assert console.bar.pause_button.text() == "Audio paused 2:00 min"
    assert console.sounder.pattern is None and console.audio.stops >= 1
    assert console.s.recorder.events("audio_paused")[-1].actor == "nurse.ana"
    # Step 2: 23 s later: 1:37 left; the alarm is still shown and flashing.
    console.t(23)
    assert console.bar.pause_button.text() == "Audio paused 1:37 min"
    assert console.bar.rows() == [SYSTOLIC_205] and console.bar.flash_timers[HIGH].isActive()
    # Step 3: the pause runs out at 120 s: the button is back and the high burst sounds again.
    plays = len(console.audio.played)
    console.t(120)
    assert console.bar.pause_button.text() == "Pause audio 2:00 min (F3)"
    assert len(console.audio.played) == plays + 1 and console.audio.last.file_name == "high.wav"


def test_high_alarm_while_paused_breaks_through(console):
    # Step 1: a medium alarm sounds; F3 pauses it.
    console.reading("heart_rate", 115)
    console.bar.pause_shortcut.activated.emit()
    assert console.bar.pause_button.text() == "Audio paused 2:00 min"
    # Step 2: 40 s later systolic 205: the pause ends and the high burst sounds at once.
    console.t(40)
    console.bp(205, 95)
    assert console.bar.pause_button.text() == "Pause audio 2:00 min (F3)"
    assert [p.file_name for p in console.audio.played] == ["medium.wav", "high.wav"]


def test_unavailable_audio_shows_a_technical_alarm_in_the_bar(qtbot):
    console = Console(qtbot, RecordingAudioOut(available=False, detail="no sound output device"))
    # One steady low-priority row (cyan, not flashing): the player's words are in its tooltip.
    assert console.bar.rows() == ["* Audio unavailable: visual only"]
    assert console.bar.row_colours(0) == ("#26c6da", "#000000")
    assert not any(t.isActive() for t in console.bar.flash_timers.values())
    assert "no sound output device" in console.bar.equipment.list.item(0).toolTip()
    # A physiological alarm is listed above it; the technical alarm never clears it.
    console.bp(205, 95)
    assert console.bar.rows()[0] == SYSTOLIC_205
    console.audio.set_available(True)
    console.t(1)
    assert console.bar.rows() == [SYSTOLIC_205]


def test_info_prompt_is_never_red_or_flashing(console):
    console.t(10 * 60)
    assert console.bar.rows() == ["Vitals due: BP and HR (Systolic BP, Diastolic BP, Heart rate)"]
    assert console.occurrence(console.s.engine.alarms()[0].condition).priority is INFO
    assert not any(t.isActive() for t in console.bar.flash_timers.values())
    assert console.bar.row_colours(0) == (INFO_BG, INFO_TEXT)


def test_selection_survives_redraws(console):
    console.reading("heart_rate", 115)
    console.bp(205, 95)
    medium_id = console.occurrence("heart_rate_high").id
    console.bar.select(medium_id)
    console.t(1)
    console.t(2)
    assert console.bar.selected_id() == medium_id


def test_countdown_rounds_up():
    assert [format_duration(x, round_up=True) for x in (120, 119.4, 97, 0.2, 0)] == ["2:00 min", "2:00 min", "1:37 min", "0:01 min", "0:00 min"]
    assert [format_duration(x) for x in (3600, 7860, 3599.6)] == ["1:00 h", "2:11 h", "1:00 h"]
    assert format_duration(3601, round_up=True) == "1:01 h"


def test_screenshot_of_high_medium_and_info(console, tmp_path):
    console.reading("heart_rate", 115)
    console.bp(205, 95)
    console.t(5 * 60)
    target = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "alarm-bar.png" \
        if os.environ.get("WRITE_SCREENSHOTS") else tmp_path / "alarm-bar.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    assert console.bar.grab().save(str(target))
    assert target.stat().st_size > 5_000


# ---- the alarm area never hides what matters (issue: a red alarm below an acknowledged row) ----


def test_a_technical_alarm_never_pushes_a_high_alarm_out_of_sight(console):
    # The screen: audio unavailable (acknowledged) and then BP 208/123.
    console.s.engine.audio_status(False, console.s.now(), "paplay failed")
    console.controller.acknowledge_all()
    console.bp(208, 123)
    patient = [console.bar.patient.list.item(i).text() for i in range(console.bar.patient.list.count())]
    assert sorted(patient) == ["*** Diastolic BP 123 mmHg, limit ≥120", "*** Systolic BP 208 mmHg, limit ≥200"]
    assert console.bar.row_colours(0)[0] in (RED, DARK) and console.bar.row_colours(1)[0] in (RED, DARK)
    equipment = [console.bar.equipment.list.item(i).text() for i in range(console.bar.equipment.list.count())]
    assert equipment == ["* Audio unavailable: visual only · acknowledged"]
    # The player's own words are one hover away, not in the row.
    assert console.bar.equipment.list.item(0).toolTip().endswith("paplay failed")


def test_more_alarms_than_rows_are_counted_and_f2_acknowledges_only_what_is_shown(console):
    console.reading("spo2", 85)                 # high, oldest
    console.s.clock.advance(10)
    console.reading("heart_rate", 135)          # high
    console.s.clock.advance(10)
    console.bp(150, 85)
    console.reading("resp_rate", 7)             # high, newest
    shown = console.bar.shown_ids()
    hidden = [o.id for o in console.s.engine.alarms() if o.category == "physiological" and o.id not in shown]
    assert console.bar.patient.list.count() == 2 and len(hidden) == 1
    assert console.bar.more()[0] == "+1 more: 1 high"
    # The hidden high alarm is named, not only counted (the first sign is the oldest).
    assert console.bar.patient.header.full_text().endswith("+1 more: 1 high · *** SpO2 85 %, limit ≤90")
    # Newest first: RR 7 and HR 135 are shown, the older SpO2 85 is counted.
    assert console.occurrence("spo2_low").id in hidden
    assert console.bar.ack_button.text() == "Acknowledge shown (F2)"
    console.bar.ack_shortcut.activated.emit()
    states = {o.condition: o.state for o in console.s.engine.alarms()}
    assert states["spo2_low"] is AlarmState.ACTIVE   # never acknowledged unseen
    assert states["resp_rate_low"] is AlarmState.ACKNOWLEDGED
    # The unacknowledged one now comes to the top, where the next F2 reaches it.
    assert console.bar.rows()[0].startswith("*** SpO2 85 %")
    console.bar.ack_shortcut.activated.emit()
    assert console.occurrence("spo2_low").state is AlarmState.ACKNOWLEDGED


def test_a_high_alarm_holding_now_is_shown_before_latched_ones(console):
    """Two latched BP alarms (the BP back to normal, nobody saw them) took both rows while a
    live SpO2 86 went to the header (a nurse walk at 1366x768)."""
    console.reading("spo2", 86)                 # high, holding now
    console.s.clock.advance(10)
    console.bp(215, 125)                        # systolic and diastolic high, newer
    console.s.clock.advance(10)
    console.bp(118, 71)                         # back to normal, unseen: both latched
    states = [(o.condition, o.state) for o in console.s.engine.alarms()]
    assert ("bp_systolic_high", AlarmState.LATCHED) in states
    assert console.bar.rows()[0].startswith("*** SpO2 86 %")


def test_a_row_reads_the_current_value_not_the_value_at_raise(console):
    console.reading("spo2", 89)
    assert console.bar.rows()[0] == "*** SpO2 89 %, limit ≤90"
    console.reading("spo2", 87)
    assert console.bar.rows()[0] == "*** SpO2 87 %, limit ≤90"
    assert [t for t in console.s.recorder.transitions("spo2_low")] == [("spo2_low", "raised", "high")]


def test_the_alarm_area_has_one_height_whatever_it_holds(console):
    empty = console.bar.height()
    for value in (85, 84):
        console.reading("spo2", value)
    console.reading("heart_rate", 135)
    console.reading("resp_rate", 7)
    console.s.engine.audio_status(False, console.s.now(), "x")
    console.controller.changed.emit()
    assert console.bar.height() == empty


def test_a_high_alarm_held_until_seen_says_the_value_now(console):
    # The row keeps the excursion that raised it until acknowledged; the value now stands beside
    # it (a walk showed "Systolic BP 206" in the row while the tile read 191).
    console.bp(205, 95)
    console.bp(190, 95)   # medium now, but held high until the nurse has seen it
    assert console.bar.rows()[0] == SYSTOLIC_205 + " · now 190"


def test_a_high_alarm_held_while_its_vital_went_missing_says_so_and_f2_sounds_the_absence(qtbot):
    # Review 47: an unseen SpO2 86, then the probe off, read "*** SpO2 86 %, limit ≤90" alone,
    # and F2 turned it into "** No SpO2 for 39 s · acknowledged", silent: the probe off was
    # never shown nor sounded.
    console = Console(qtbot, session=Session(load_protocol(builtin_protocols_dir()
                                                           / "iv-ketamine.toml")))
    s = console.s
    s.engine.device_state_changed("connected", s.now())
    for second in range(60, 110):
        s.t(second)
        if second <= 70:
            s.device("spo2", 86 if second == 70 else 97)
        s.device("heart_rate", 80); s.device("resp_rate", 14)
    console.controller.tick()
    assert console.bar.rows() == ["*** SpO2 86 %, limit ≤90 · now: no SpO2 for 39 s"]
    [drawn] = console.bar.patient.drawn_texts()
    assert drawn.endswith(" · now: no SpO2 for 39 s"), drawn   # its state is never what is cut
    console.bar.ack_shortcut.activated.emit()   # F2
    assert console.bar.rows() == ["** No SpO2 for 39 s · limit none for 30 s"]
    assert console.sounder.pattern is not None and console.sounder.pattern.priority is MEDIUM


def test_a_stray_space_or_return_never_acknowledges_or_pauses(console, qtbot):
    # The bar in a window with a field to type in, as at the chair.
    window = QtWidgets.QWidget()
    field = QtWidgets.QLineEdit()
    layout = QtWidgets.QVBoxLayout(window)
    layout.addWidget(field)
    layout.addWidget(console.bar)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    # Step 1: HR 115; the nurse clicks Acknowledge all with the mouse.
    console.reading("heart_rate", 115)
    assert console.bar.ack_button.text() == "Acknowledge all (F2)"
    qtbot.mouseClick(console.bar.ack_button, QtCore.Qt.MouseButton.LeftButton)
    assert console.occurrence("heart_rate_high").state is AlarmState.ACKNOWLEDGED
    # Step 2: systolic 205 comes; a stray Space and Return reach whatever has the focus. Only
    # F2 and F3 (or a click) act on alarms: the high alarm stays unacknowledged and sounding.
    console.bp(205, 95)
    stray = QtWidgets.QApplication.focusWidget() or window
    qtbot.keyClick(stray, QtCore.Qt.Key.Key_Space)
    qtbot.keyClick(stray, QtCore.Qt.Key.Key_Return)
    assert console.occurrence("bp_systolic_high").state is AlarmState.ACTIVE
    assert console.sounder.pattern is not None
    # Step 3: tabbing through the window never lands on an alarm button either.
    for _ in range(4):
        qtbot.keyClick(QtWidgets.QApplication.focusWidget() or window, QtCore.Qt.Key.Key_Tab)
        here = QtWidgets.QApplication.focusWidget() or window
        qtbot.keyClick(here, QtCore.Qt.Key.Key_Space)
    assert console.occurrence("bp_systolic_high").state is AlarmState.ACTIVE
    assert console.bar.pause_button.text() == "Pause audio 2:00 min (F3)"
    console.bar.setParent(None)   # back to the fixture, which closes it


def test_a_lost_speaker_is_said_on_the_pause_button_whatever_the_rows_show(console):
    """The alarm audit: "Audio unavailable" (low) fell under two medium equipment rows, out of
    sight, while the engine asked for the high tone of SpO2 88 that nobody could hear. The
    audio signal's state is said where the pause is (IEC 60601-1-8: shown whenever it is
    off)."""
    from console.ui.alarm_bar import NO_SOUND

    now = console.s.now()
    console.s.engine.audio_status(False, now, "no sound card")
    console.s.engine.device_state_changed("connected", now)
    console.s.engine.device_state_changed("disconnected", console.s.clock.advance(1))
    console.t(console.s.now().mono - console.s.origin + 16 * 60)   # a check overdue: medium
    console.reading("spo2", 88)
    equipment = [o.message for o in console.bar._fields[1].shown]
    assert "Audio unavailable: visual only" not in equipment   # the rows are full
    assert console.bar.pause_button.text() == NO_SOUND
    assert console.s.engine.audio(console.s.now()).priority is HIGH
    # The speaker back: the button is the pause again.
    console.s.engine.audio_status(True, console.s.now())
    console.controller.changed.emit()
    assert console.bar.pause_button.text() == "Pause audio 2:00 min (F3)"

"""One IV session as a nurse lives it, through the window's widgets only: the start screen, a
simulated monitor on a real pty, keyboard vitals (a bad value, then good ones), the checklist, a
high alarm acknowledged, a second one paused until the pause runs out, a refused and then an allowed
discharge. The clock is injected: minutes pass when the test says so. After each step the test reads
what the screen shows and what the SQLite file holds."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest
from PySide6 import QtCore

from console.clock import ManualClock
from console.store import EventLog
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from devices.simulator.encode import Hl7Encoder
from devices.simulator.physiology import Nibp, Sample
from devices.simulator.player import PlayerStats, open_sink
from protocols.loader import default_protocol_dirs, load_protocols
from protocols.model import Priority
from tests.ui.conftest import Answers, decline_first_administrator

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NURSE = "Ana Lima"
Key = QtCore.Qt.Key
SEND_PERIOD_S = 15   # the continuous numerics' send period (a real monitor: 1 s; fewer here for speed)


class Monitor:
    """The simulated bedside monitor: writes one HL7 message to the pty when the test says."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.sink = open_sink(None, "hl7")
        self.encoder = Hl7Encoder()
        self.stats = PlayerStats()
        self.stop = threading.Event()
        self.hr, self.spo2, self.rr = 76, 98, 14

    def send(self, *, hr: int | None = None, spo2: int | None = None, rr: int | None = None,
             bp: tuple[int, int, int] | None = None) -> None:
        """One message; continuous values given here stay until changed (like a patient's)."""
        self.hr, self.spo2, self.rr = hr or self.hr, spo2 or self.spo2, rr or self.rr
        now = self.clock.now().wall
        seconds = (now - START).total_seconds()
        nibp = Nibp(seconds, *bp) if bp else None
        sample = Sample(seconds, self.hr, self.hr, self.rr, self.spo2, nibp)
        self.sink.write(self.encoder.frame(sample, now, START), self.stop, self.stats)

    def close(self) -> None:
        self.stop.set()
        self.sink.close()


@pytest.fixture
def story(tmp_path, qtbot):
    db = tmp_path / "sessions.sqlite3"
    log = EventLog.open(db, "test")
    clock = ManualClock(START)
    audio = RecordingAudioOut()
    answers = Answers()
    cleanups: list = []
    window = MainWindow(log, load_protocols(default_protocol_dirs()), clock, audio, cleanups,
                        confirmer=answers, asker=answers)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    monitor = Monitor(clock)
    yield window, monitor, clock, audio, answers, db
    for cleanup in reversed(cleanups):
        cleanup()
    monitor.close()
    log.close()


def sql(db, query: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query, params).fetchall()


def test_a_whole_iv_session_driven_through_the_window(story, qtbot):
    window, monitor, clock, audio, answers, db = story

    def advance(minutes: float) -> None:
        """Time passes; the monitor keeps sending its continuous values every 10 s meanwhile."""
        end = clock.now().mono + minutes * 60
        while clock.now().mono + SEND_PERIOD_S <= end:
            clock.advance(SEND_PERIOD_S)
            device()
        clock.advance(end - clock.now().mono)
        window.controller.tick()

    def device(**values) -> None:
        """The monitor sends; wait until the window shows it (the reader thread is real)."""
        before = sql(db, "SELECT count(*) FROM observations WHERE source != 'manual'")[0][0]
        monitor.send(**values)
        # HR, pulse rate, SpO2, RR; with a cuff reading also systolic, diastolic and mean.
        expected = before + (7 if "bp" in values else 4)
        qtbot.waitUntil(lambda: sql(db, "SELECT count(*) FROM observations WHERE source != 'manual'")[0][0]
                        == expected, timeout=5000)
        window.live.refresh()

    def alarm_rows() -> list[str]:
        return [r for r in window.live.alarm_bar.rows() if "due" not in r.lower()]

    # ---- first start: asked for the first administrator; this clinic runs without accounts ----
    decline_first_administrator(window, qtbot)
    # ---- the start screen: a nurse fills it in and binds the monitor on its port ----
    screen = window.start_screen
    qtbot.keyClicks(screen.patient_edit, "MRN-2040")
    qtbot.keyClicks(screen.weight_edit, "72")
    screen.protocol_combo.setCurrentIndex(screen.protocol_combo.findData("iv-ketamine"))
    qtbot.keyClicks(screen.nurse_edit, NURSE)
    screen.port_combo.setCurrentText(monitor.sink.path)
    screen.format_combo.setCurrentIndex(screen.format_combo.findData("hl7"))
    assert screen.summary.text().startswith("Dose 36 mg (0.5 mg/kg × 72 kg) — pump 150 mL/h")
    qtbot.mouseClick(screen.start_button, QtCore.Qt.MouseButton.LeftButton)
    live = window.live
    assert live is not None
    assert live.header.full_text().startswith(f"MRN-2040 · IV racemic ketamine 0.5 mg/kg over 40 min · "
                                         f"session 1 of 6 · {NURSE} · device ")
    assert sql(db, "SELECT patient_id, nurse, weight_kg, json_extract(details, '$.dose_mg'), "
                   "json_extract(details, '$.device') FROM sessions") == [
        ("MRN-2040", NURSE, 72.0, 36.0, monitor.sink.path)]

    # ---- the monitor's first message reaches the tiles as device values ----
    # Opening a port empties its input buffer: the monitor speaks once the console has it open.
    qtbot.waitUntil(lambda: window.controller.view.device_state == "connecting", timeout=5000)
    device(hr=76, spo2=98, rr=14, bp=(126, 80, 95))
    qtbot.waitUntil(lambda: window.controller.view.device_state == "connected", timeout=5000)
    live.refresh()
    hr_tile = live.tiles.tiles["heart_rate"]
    assert (hr_tile.value.text(), hr_tile.unit_label.text()) == ("76", "beats/min")
    assert hr_tile.detail.text().startswith("device · ")
    # Systolic/diastolic (mean) of one cuff measurement, with its measured time beside it.
    assert live.tiles.tiles["bp_systolic"].view.value == "126/80 (95)"
    assert "device connected" in live.header.full_text()

    # ---- keyboard vitals: Ctrl+E, a bad value refused with the allowed range, nothing written ----
    qtbot.keyClick(live, Key.Key_E, QtCore.Qt.KeyboardModifier.ControlModifier)
    bp_field = live.entry.fields["bp"]
    assert bp_field.hasFocus()
    qtbot.keyClicks(bp_field, "999/80")
    qtbot.keyClick(bp_field, Key.Key_Return)
    assert live.entry.message.text() == "Systolic BP 999 mmHg is outside the allowed range 20–300 mmHg."
    assert sql(db, "SELECT count(*) FROM observations WHERE source = 'manual'") == [(0,)]
    bp_field.selectAll()
    qtbot.keyClicks(bp_field, "84/128")   # diastolic ≥ systolic: refused too
    qtbot.keyClick(bp_field, Key.Key_Return)
    assert live.entry.message.text() == ("Diastolic 128 must be lower than systolic 84: check the order, "
                                         "for example 128/84.")
    assert sql(db, "SELECT count(*) FROM observations WHERE source = 'manual'") == [(0,)]
    bp_field.selectAll()
    qtbot.keyClicks(bp_field, "128/84")
    qtbot.keyClick(bp_field, Key.Key_Tab)
    qtbot.keyClicks(live.entry.fields["resp_rate"], "16")
    qtbot.keyClick(live.entry.fields["resp_rate"], Key.Key_Return)
    assert live.entry.message.text().startswith("Recorded: ")
    assert sql(db, "SELECT metric, value, entered_by FROM observations WHERE source = 'manual' ORDER BY id") == [
        ("bp_systolic", 128.0, NURSE), ("bp_diastolic", 84.0, NURSE), ("resp_rate", 16.0, NURSE)]
    assert live.tiles.tiles["bp_systolic"].value.text() == "128/84"
    assert live.tiles.tiles["bp_systolic"].detail.text().startswith("manual ")

    # ---- baseline sedation in one click each, then the pre-session checklist ----
    qtbot.mouseClick(live.entry.observation_buttons[("moaas", 5)], QtCore.Qt.MouseButton.LeftButton)
    live.entry.dissociation.setValue(0)   # the score box starts empty: the nurse sets it
    qtbot.mouseClick(live.entry.findChild(type(live.entry.record_button), "obs_dissociation_record"),
                     QtCore.Qt.MouseButton.LeftButton)
    checklist = live.checklist

    def tick_all_required() -> None:
        engine = window.controller.view
        for row, item in enumerate(engine.phase.checklist):
            if item.required and item.id not in engine.ticks():
                checklist.items.setCurrentRow(row)
                checklist.items.setFocus()
                qtbot.keyClick(checklist.items, Key.Key_Space)   # the nurse ticks with the keyboard

    # Moving on with the checklist open asks for a reason; cancelling the question keeps the phase.
    answers.reply = ""
    qtbot.mouseClick(checklist.next_button, QtCore.Qt.MouseButton.LeftButton)
    assert checklist.message.text().startswith("Not moved: ")
    assert window.controller.view.phase.id == "pre"
    tick_all_required()
    ticked = checklist.items.item(0).toolTip()
    assert ticked.endswith(f"Ticked by {NURSE} at {START.astimezone().strftime('%H:%M')}.")
    assert sql(db, "SELECT count(*) FROM events WHERE kind = 'checklist_ticked'")[0][0] == sum(
        1 for i in window.controller.view.protocol.phases[0].checklist if i.required)
    advance(5)
    qtbot.mouseClick(checklist.next_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.controller.view.phase.id == "infusion"
    assert live.timers.text().startswith("Infusion   Elapsed 5:00 min    Phase left 40:00 min")
    assert sql(db, "SELECT count(*) FROM events WHERE kind = 'dosing_started'") == [(1,)]

    # ---- T+10: the cuff reads 205/100 — a high alarm, red, sounding ----
    advance(10)
    device(hr=84, bp=(205, 100, 135))
    assert alarm_rows() and "205" in alarm_rows()[0] and "≥200" in alarm_rows()[0]
    assert live.alarm_bar.row_colours(0) in (("#c40000", "#ffffff"), ("#1c1c1c", "#ff5252"))  # flashing red
    assert audio.last is not None and audio.last.priority is Priority.HIGH
    # In the tile only the systolic is marked red, not the whole tile (issue 11 item 3).
    assert live.tiles.tiles["bp_systolic"].view.marked() == {"bp_systolic": Priority.HIGH}

    # F2 acknowledges from anywhere in the window: the sound stops, the row stays while it holds.
    stops = audio.stops
    qtbot.keyClick(live, Key.Key_F2)
    assert audio.stops > stops
    assert sql(db, "SELECT transition, priority, actor FROM alarm_events "
                   "WHERE condition = 'bp_systolic_high' ORDER BY id") == [
        ("raised", "high", "engine"), ("acknowledged", "high", NURSE)]
    assert alarm_rows() and "205" in alarm_rows()[0]

    # ---- a second high alarm (SpO2 89) sounds again; F3 pauses the audio for 2 minutes ----
    advance(0.5)
    played = len(audio.played)
    device(hr=84, spo2=89)
    assert len(audio.played) > played and audio.last.priority is Priority.HIGH
    assert any("SpO" in row for row in alarm_rows())
    qtbot.keyClick(live, Key.Key_F3)
    assert live.alarm_bar.pause_button.text() == "Audio paused 2:00 min"
    assert audio.stops > stops + 1
    silent_from = len(audio.played)
    advance(1)
    assert live.alarm_bar.pause_button.text() == "Audio paused 1:00 min"
    assert len(audio.played) == silent_from   # paused: nothing plays
    # The pause ends by itself: the SpO2 alarm still holds, so it sounds again.
    advance(61 / 60)
    assert live.alarm_bar.pause_button.text() == "Pause audio 2:00 min (F3)"
    assert len(audio.played) > silent_from and audio.last.priority is Priority.HIGH
    assert sql(db, "SELECT kind, actor FROM events WHERE kind IN ('audio_paused', 'audio_resumed') "
                   "ORDER BY id") == [("audio_paused", NURSE), ("audio_resumed", "engine")]

    # ---- recovery: the next cuff and saturation are back in range; every alarm clears ----
    # (acknowledged, each ends once its values have been back inside 10 s)
    qtbot.keyClick(live, Key.Key_F2)
    device(hr=78, spo2=97, bp=(138, 84, 102))
    assert all(row.endswith("acknowledged") for row in alarm_rows())
    advance(11 / 60)
    assert alarm_rows() == []
    assert sql(db, "SELECT condition, priority, seconds_to_acknowledge IS NOT NULL, cleared_at IS NOT NULL "
                   "FROM alarms WHERE category = 'physiological' ORDER BY occurrence") == [
        ("bp_systolic_high", "high", 1, 1), ("spo2_low", "high", 1, 1)]

    # ---- end of the infusion, observation, discharge ----
    advance(40 + 5 - clock_minutes(clock))
    device(hr=74, spo2=98, rr=14, bp=(136, 82, 100))
    tick_all_required()
    qtbot.mouseClick(checklist.next_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.controller.view.phase.id == "observation"
    for _ in range(2):
        advance(15)
        device(hr=72, spo2=98, rr=14, bp=(132, 82, 98))
        qtbot.mouseClick(live.entry.observation_buttons[("moaas", 5)], QtCore.Qt.MouseButton.LeftButton)
    qtbot.keyClick(live, Key.Key_F2)   # any vitals prompt that came due
    qtbot.mouseClick(checklist.next_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.controller.view.phase.id == "discharge"
    assert checklist.discharge_button.isEnabled()

    # Discharge with the checklist open and no Aldrete score: refused, and the screen says why.
    answers.reply = ""   # the nurse has no prescriber override to give
    qtbot.mouseClick(checklist.discharge_button, QtCore.Qt.MouseButton.LeftButton)
    refusal = checklist.message.text()
    assert refusal.startswith("Discharge refused: ")
    assert "Aldrete" in refusal
    assert not window.controller.view.discharged
    assert sql(db, "SELECT count(*) FROM events WHERE kind = 'discharge_refused'") == [(1,)]
    assert sql(db, "SELECT ended_at FROM sessions") == [(None,)]

    # The Aldrete score recorded, and the dissociation score since the dose (near baseline), the
    # discharge checklist ticked: discharged, the session ends.
    live.entry.aldrete.setValue(10)
    qtbot.mouseClick(live.entry.findChild(type(live.entry.record_button), "obs_aldrete_record"),
                     QtCore.Qt.MouseButton.LeftButton)
    live.entry.dissociation.setValue(0)
    qtbot.mouseClick(live.entry.findChild(type(live.entry.record_button), "obs_dissociation_record"),
                     QtCore.Qt.MouseButton.LeftButton)
    tick_all_required()
    # Nothing blocks it now: ending the record cannot be undone, so the window asks first, and
    # "Not yet" (the dialog's default) leaves the session open with nothing logged.
    answers.yes = False
    qtbot.mouseClick(checklist.discharge_button, QtCore.Qt.MouseButton.LeftButton)
    assert answers.asked[-1].startswith("Discharge MRN-2040 and end the session?")
    assert checklist.message.text() == "Not discharged: the session goes on."
    assert not window.controller.view.discharged
    assert sql(db, "SELECT count(*) FROM events WHERE kind IN ('discharged', 'discharge_refused')"
               ) == [(1,)]   # the refusal above only
    answers.yes = True
    qtbot.mouseClick(checklist.discharge_button, QtCore.Qt.MouseButton.LeftButton)
    assert checklist.message.text() == "Discharged: the session has ended."
    assert window.controller.view.discharged
    assert not checklist.discharge_button.isEnabled() and not checklist.next_button.isEnabled()
    ended = sql(db, "SELECT ended_at FROM sessions")[0][0]
    assert ended == (START + timedelta(minutes=clock_minutes(clock))).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert [k for (k,) in sql(db, "SELECT kind FROM events ORDER BY id")][-2:] == ["discharged", "session_ended"]
    assert sql(db, "SELECT value, entered_by FROM observations WHERE metric = 'aldrete'") == [(10.0, NURSE)]
    assert "Discharged" in live.events.item(0).text() or "ended" in live.events.item(0).text().lower()
    with EventLog.open(db, "test") as again:
        assert again.verify().ok and again.integrity_ok()


def clock_minutes(clock: ManualClock) -> float:
    return (clock.now().wall - START).total_seconds() / 60

"""A bug in what decides the tone (the engine's `audio`) is a sounding Console fault, not silence.

The sounder and the alarm bar both ask `SessionController.audio`; it called the engine's `audio`
unguarded, so once that raised, the sounder's slot failed at every change and the "Console fault"
alarm the bug raised was never sounded (nor any patient alarm)."""

from __future__ import annotations

import pytest

from protocols.model import Priority
from tests.ui.test_console_faults import Bug, assert_fault_alarm, console  # noqa: F401 - fixture

pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.faults]


def test_a_bug_in_the_engines_audio_sounds_the_console_fault_once(console, tmp_path,  # noqa: F811
                                                                   monkeypatch) -> None:
    window, handler, audio = console
    controller = window.controller

    def broken(now: object) -> object:
        raise Bug("audio planted")

    monkeypatch.setattr(controller._engine, "audio", broken)
    for _ in range(3):   # the 2 Hz tick goes on: one fault, one crash file, one alarm
        controller.timer.timeout.emit()
    assert_fault_alarm(window, audio, tmp_path, "audio planted")
    assert [summary for summary, _ in handler.faults if "audio planted" in summary] == [
        handler.faults[0][0]]
    assert audio.last is not None and audio.last.priority is Priority.HIGH


def test_a_bug_in_the_engines_alarms_leaves_the_console_fault_shown_and_sounding(
        console, tmp_path, monkeypatch) -> None:  # noqa: F811
    # The alarm area asks `SessionController.alarms` at every refresh: a bug in the engine's
    # `alarms` had failed each refresh, the Console fault it raised never shown.
    window, handler, audio = console
    controller = window.controller

    def broken() -> object:
        raise Bug("alarms planted")

    monkeypatch.setattr(controller._engine, "alarms", broken)
    for _ in range(3):
        controller.timer.timeout.emit()
    rows = window.live.alarm_bar.rows()
    assert rows and rows[0].startswith("*** Console fault: the alarm list cannot be read"), rows
    assert "alarms planted" in rows[0]
    assert [summary for summary, _ in handler.faults if "alarms planted" in summary] == [
        handler.faults[0][0]]
    assert len(list(tmp_path.glob("crash-*.txt"))) == 1
    assert audio.last is not None and audio.last.priority is Priority.HIGH


def test_a_bug_in_the_engines_alarms_after_one_in_its_audio_still_shows_the_fault(
        console, tmp_path, monkeypatch) -> None:  # noqa: F811
    # One "reported" flag served both: after the tone's bug, a bug in the alarm list left the
    # alarm area blank (no row, no patient alarm, not even the Console fault) under a high tone.
    window, handler, audio = console
    controller = window.controller

    def broken_audio(now: object) -> object:
        raise Bug("audio planted")

    def broken_alarms() -> object:
        raise Bug("alarms planted")

    # The tone's bug: the Console fault, shown and sounding
    monkeypatch.setattr(controller._engine, "audio", broken_audio)
    for _ in range(2):
        controller.timer.timeout.emit()
    assert_fault_alarm(window, audio, tmp_path, "audio planted")
    # Then the alarm list's: reported, and the area says the list cannot be read
    monkeypatch.setattr(controller._engine, "alarms", broken_alarms)
    for _ in range(2):
        controller.timer.timeout.emit()
    assert any("alarms planted" in summary for summary, _ in handler.faults), handler.faults
    rows = window.live.alarm_bar.rows()
    assert rows and rows[0].startswith("*** Console fault: the alarm list cannot be read"), rows
    assert "alarms planted" in rows[0]
    assert audio.last is not None and audio.last.priority is Priority.HIGH

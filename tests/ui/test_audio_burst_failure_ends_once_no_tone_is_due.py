"""An alarm burst that failed once (the sound server restarting) no longer keeps "Audio
unavailable" standing over a working speaker once no alarm tone is due (a review of 586d33f).

586d33f let only a later alarm burst end a burst's failure (the silent probe plays a file of its
own, and its success had ended the alarm between high bursts that could not sound). But with the
alarm acknowledged, paused or over, no burst plays: "Audio unavailable: alarms are visual only"
stood over a speaker whose re-probe played every 10 s, possibly to the session's end. Now a
re-probe that plays, with every tone file whole, ends a burst's failure when no alarm tone is due
(the sounder stopped the speaker); while one is due the next burst's own result decides
(tests/ui/test_audio_tone_file_missing.py keeps that)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from console.session.alarms import AudioSignal
from console.session.engine import AUDIO_UNAVAILABLE
from console.ui import tones
from console.ui.alarm_bar import NO_SOUND, AlarmBar
from console.ui.audio import (
    AVAILABILITY_CHECK_SECONDS,
    REPROBE_SECONDS,
    AlarmSounder,
    PlayerAudioOut,
)
from console.ui.controller import SessionController
from protocols.model import Priority
from tests.session.helpers import Session
from tests.ui.test_audio_tone_file_missing import settle


def restarting_server_player(marker: Path) -> list[str]:
    """A player that fails as paplay does while `marker` exists (PulseAudio restarting), then
    plays anything."""
    return ["sh", "-c", f'if [ -e "{marker}" ]; then echo "Connection failure: Connection '
            f'refused" >&2; exit 1; fi', "paplay"]


def test_a_burst_that_failed_once_ends_once_the_speaker_plays_again_and_no_tone_is_due(
        tmp_path: Path) -> None:
    marker = tmp_path / "server-restarting"
    clock = [0.0]
    out = PlayerAudioOut(restarting_server_player(marker), monotonic=lambda: clock[0],
                         mixer=None)
    settle(out)
    assert out.available() == (True, "")
    # Step 1: the high burst meets the sound server's restart: said at once.
    marker.touch()
    assert out.play(tones.HIGH)
    settle(out)
    assert out.available() == (False, "sh failed (exit 1): Connection failure: Connection refused")
    # Step 2: the server is back; the nurse acknowledged: the sounder stops the speaker.
    marker.unlink()
    out.stop()
    # Step 3: the next re-probe plays, the tone files are whole: the speaker works again.
    clock[0] += REPROBE_SECONDS
    out.available()   # re-probes
    settle(out)
    assert out.available() == (True, "")


def test_a_burst_failure_stands_through_a_playing_probe_while_its_alarm_still_sounds(
        tmp_path: Path) -> None:
    marker = tmp_path / "server-restarting"
    clock = [0.0]
    out = PlayerAudioOut(restarting_server_player(marker), monotonic=lambda: clock[0],
                         mixer=None)
    settle(out)
    # Step 1: the high burst fails; the alarm still sounds (no stop): a tone is due.
    marker.touch()
    assert out.play(tones.HIGH)
    settle(out)
    marker.unlink()
    # Step 2: the re-probe plays: the burst's failure stands, the next burst decides.
    clock[0] += REPROBE_SECONDS
    out.available()
    settle(out)
    assert out.available()[0] is False
    # Step 3: the sounder's retry plays: the speaker works.
    assert out.play(tones.HIGH)
    settle(out)
    assert out.available() == (True, "")


def test_audio_unavailable_ends_after_the_failed_alarm_is_acknowledged(
        qtbot: QtBot, tmp_path: Path) -> None:
    marker = tmp_path / "server-restarting"
    s = Session()
    s.to_infusion()
    controller = SessionController(s.engine, s.clock)
    out = PlayerAudioOut(restarting_server_player(marker),
                         monotonic=lambda: s.clock.now().mono, mixer=None)
    settle(out)   # the start's probe plays: the speaker works
    bar = AlarmBar()
    qtbot.addWidget(bar)
    bar.bind(controller)
    sounder = AlarmSounder(out)
    sounder.bind(controller)
    try:
        # Step 1: a high alarm while the sound server restarts: its burst fails, said at once.
        marker.touch()
        s.t(60)
        s.device("spo2", 85)
        controller.changed.emit()
        settle(out)
        s.t(61)
        sounder.check_timer.timeout.emit()
        assert s.recorder.transitions(AUDIO_UNAVAILABLE) == [(AUDIO_UNAVAILABLE, "raised", "low")]
        assert bar.pause_button.text() == NO_SOUND
        # Step 2: the server is back; the nurse acknowledges before the sounder's retry.
        marker.unlink()
        assert controller.acknowledge_all().done
        assert sounder.pattern is None and s.sounding() is None
        # Step 3: the console's rhythm for 30 s: the speaker read every 2 s, the re-probe
        # every 10 s (it plays). No alarm tone is due: the speaker is said to work again.
        for second in range(2, 32):
            settle(out)
            s.t(60 + second)
            if second % AVAILABILITY_CHECK_SECONDS == 0:
                sounder.check_timer.timeout.emit()
            controller.tick()
        said = [state for _, state, _ in s.recorder.transitions(AUDIO_UNAVAILABLE)]
        assert said == ["raised", "acknowledged", "cleared"], said
        assert s.engine.board.occurrence_for(AUDIO_UNAVAILABLE) is None
        assert bar.pause_button.text() != NO_SOUND
    finally:
        sounder.unbind()
        settle(out)


def test_a_burst_whose_player_could_not_start_ends_once_its_alarm_is_acknowledged(
        qtbot: QtBot, tmp_path: Path) -> None:
    player = tmp_path / "paplay"
    player.write_text("#!/bin/sh\nexit 0\n")
    player.chmod(0o755)
    clock = [0.0]
    out = PlayerAudioOut([str(player)], monotonic=lambda: clock[0], mixer=None)
    sounder = AlarmSounder(out)
    settle(out)
    assert sounder.check_available() == (True, "")
    # Step 1: the player is being reinstalled when the high burst is due: it cannot start,
    # said at once, and the sounder is to try it again.
    player.rename(tmp_path / "paplay.old")
    sounder.update(AudioSignal(Priority.HIGH, None, frozenset({1})), clock[0])
    assert sounder.pattern is None
    assert sounder.check_available() == (
        False, "paplay cannot start: No such file or directory")
    # Step 2: the player is back; the nurse acknowledged the alarm before the retry.
    (tmp_path / "paplay.old").rename(player)
    sounder.update(AudioSignal(None, None), clock[0] + 1)
    # Step 3: the re-probe plays, the tone files are whole, no tone is due: the speaker works.
    clock[0] += REPROBE_SECONDS
    out.available()   # re-probes
    settle(out)
    assert sounder.check_available() == (True, "")

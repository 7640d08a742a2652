"""Alarm audio: the tone files hold the IEC burst patterns, the sounder plays the highest-priority
pattern at its interval, stops for pauses and acknowledgements, lets a higher alarm break through,
and a speaker that cannot play becomes the engine's visible `audio_unavailable` technical alarm.

Tests assert the pattern requested of a recording speaker, not the sound (architecture.md)."""

from __future__ import annotations

import importlib.util
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from console.session.alarms import Raise
from console.session.engine import AUDIO_UNAVAILABLE, NETWORK_UNCONFIRMED
from console.ui import tones
from console.ui.audio import AlarmSounder, PlayerAudioOut, QtAudioOut, RecordingAudioOut, default_audio_out
from console.ui.controller import SessionController
from tests.session.helpers import HIGH, LOW, Session

TONES = Path(__file__).resolve().parents[2] / "resources" / "tones"


def has_qt_multimedia() -> bool:
    try:
        from PySide6 import QtMultimedia  # noqa: F401
    except ImportError:
        return False
    return True


# ---- helpers -----------------------------------------------------------------------------------


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate()) == (1, 2, 44_100)
        return np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").astype(float), f.getframerate()


def pulse_groups(samples: np.ndarray, rate: int) -> list[int]:
    """Pulses per group, from a 5 ms RMS envelope: a silence over 200 ms starts a new group."""
    window = rate // 200
    n = len(samples) // window
    rms = np.sqrt((samples[: n * window].reshape(n, window) ** 2).mean(axis=1))
    on = rms > 0.1 * rms.max()
    starts = np.flatnonzero(on[1:] & ~on[:-1]) + 1
    starts = np.concatenate(([0], starts)) if on[0] else starts
    ends = np.flatnonzero(~on[1:] & on[:-1]) + 1
    groups = [1]
    for start, previous_end in zip(starts[1:], ends, strict=False):
        if (start - previous_end) * 5 > 200:
            groups.append(1)
        else:
            groups[-1] += 1
    return groups


def sounding_session(audio: RecordingAudioOut | None = None):
    """A session in its infusion phase, its controller, a recording speaker and a bound sounder."""
    s = Session()
    s.to_infusion()
    controller = SessionController(s.engine, s.clock)
    out = audio or RecordingAudioOut()
    sounder = AlarmSounder(out)
    sounder.bind(controller)
    return s, controller, out, sounder


def names(out: RecordingAudioOut) -> list[str]:
    return [p.file_name for p in out.played]


# ---- the tone files ----------------------------------------------------------------------------


@pytest.mark.parametrize("pattern, groups", [
    (tones.HIGH, [3, 2, 3, 2]), (tones.MEDIUM, [3]), (tones.LOW, [2]),
])
def test_tone_file_holds_the_burst_pattern(pattern, groups):
    samples, rate = read_wav(TONES / pattern.file_name)
    assert pulse_groups(samples, rate) == groups
    assert sum(groups) == pattern.pulses
    # Pitch: the strongest spectral line is the pattern's fundamental; harmonics are present.
    spectrum = np.abs(np.fft.rfft(samples))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    assert abs(freqs[spectrum.argmax()] - pattern.frequency_hz) < 5
    third = spectrum[np.abs(freqs - 3 * pattern.frequency_hz) < 5].max()
    assert third > 0.2 * spectrum.max()
    # Not clipped, and loud.
    assert 0.6 * 32767 < np.abs(samples).max() < 32767


def test_shipped_tone_files_match_their_patterns(tmp_path):
    # The WAVs in resources/ are what write_tones() makes now: nobody edited a pattern and forgot them.
    for path in tones.write_tones(tmp_path):
        assert path.read_bytes() == (TONES / path.name).read_bytes(), \
            f"{path.name} is stale: rerun python -m console.ui.tones"


def test_patterns_follow_the_clinical_defaults():
    assert tones.HIGH.pulses == 10 and tones.MEDIUM.pulses == 3 and tones.LOW.pulses in (1, 2)
    # The rule's 2.5-15 s is IEC's interburst interval: the silence between bursts.
    assert 2.5 <= tones.HIGH.interburst_s <= 15 and tones.HIGH.repeat_s == 6.0
    assert 2.5 <= tones.MEDIUM.interburst_s <= 30 and tones.MEDIUM.repeat_s == 10.0
    assert tones.LOW.repeat_s is None
    assert tones.HIGH.frequency_hz > tones.MEDIUM.frequency_hz > tones.LOW.frequency_hz
    assert tones.pattern_for(HIGH) is tones.HIGH and tones.pattern_for(tones.Priority.INFO) is None


def test_a_pattern_whose_repeat_is_shorter_than_the_burst_is_refused():
    with pytest.raises(ValueError, match="repeat 1.0 s is shorter than the burst"):
        tones.TonePattern(HIGH, "x.wav", 880, (3, 2, 3, 2), 150, 100, (300, 700, 300), repeat_s=1.0)


# ---- the sounder -------------------------------------------------------------------------------


def test_high_alarm_sounds_the_high_burst_every_six_seconds(qtbot):
    s, controller, out, sounder = sounding_session()
    # Step 1: quiet session: nothing sounds.
    assert out.played == [] and sounder.pattern is None
    # Step 2: systolic 205 → high alarm; the high burst starts at once and repeats every 6 s.
    with qtbot.waitSignal(sounder.pattern_changed) as blocker:
        s.bp(205, 95)
        controller.changed.emit()
    assert blocker.args == ["high.wav"]
    assert names(out) == ["high.wav"]
    assert sounder.timer.isActive() and sounder.timer.interval() == 6000
    # Step 3: the repeat timer fires twice → two more bursts.
    sounder.timer.timeout.emit()
    sounder.timer.timeout.emit()
    assert names(out) == ["high.wav"] * 3
    # Step 4: further changes at the same priority do not restart the burst.
    s.t(1)
    controller.changed.emit()
    assert names(out) == ["high.wav"] * 3


def test_only_the_highest_priority_sounds():
    s, controller, out, sounder = sounding_session()
    # Step 1: HR 115 → medium, 3 pulses every 10 s.
    s.manual("heart_rate", 115)
    controller.changed.emit()
    assert names(out) == ["medium.wav"] and sounder.timer.interval() == 10_000
    # Step 2: systolic 205 → high as well; only the high burst plays from now on.
    s.bp(205, 95)
    controller.changed.emit()
    assert names(out) == ["medium.wav", "high.wav"] and sounder.timer.interval() == 6000


def test_low_alarm_sounds_once():
    s, controller, out, sounder = sounding_session()
    # A low-priority technical alarm (device data stale) sounds its two pulses once.
    s.engine.device_state_changed("stale", s.now())
    controller.changed.emit()
    assert names(out) == ["low.wav"]
    assert not sounder.timer.isActive()
    assert s.sounding() == LOW.label


def test_a_second_low_alarm_sounds_its_burst_again():
    # The alarm audit: the low burst plays once, and a second low alarm joining the first made
    # no sound at all (the pattern was "already playing").
    s, controller, out, sounder = sounding_session()
    s.engine.device_state_changed("stale", s.now())
    controller.changed.emit()
    assert names(out) == ["low.wav"]
    s.t(5)
    s.engine.network_status(Raise(LOW, "Clinic bus has not confirmed delivery for 10 s"), s.now())
    controller.changed.emit()
    assert names(out) == ["low.wav", "low.wav"]
    # Nothing new: no burst; the first one acknowledged: none either (nothing joined).
    s.t(6)
    controller.changed.emit()
    stale = next(o for o in s.engine.alarms() if o.condition != NETWORK_UNCONFIRMED)
    assert s.engine.acknowledge(stale.id, "nurse.ana", s.now()).done
    controller.changed.emit()
    assert names(out) == ["low.wav", "low.wav"]


def test_acknowledge_while_sounding_stops_the_audio():
    s, controller, out, sounder = sounding_session()
    s.bp(205, 95)
    controller.changed.emit()
    stops = out.stops
    # The nurse acknowledges everything: the speaker stops and the repeat timer with it.
    controller.acknowledge_all()
    assert out.stops == stops + 1 and sounder.pattern is None and not sounder.timer.isActive()


def test_pause_while_sounding_stops_audio_until_the_pause_ends():
    s, controller, out, sounder = sounding_session()
    s.bp(205, 95)
    controller.changed.emit()
    # Step 1: pause: silence, no repeats.
    controller.pause_audio()
    assert sounder.pattern is None and not sounder.timer.isActive()
    # Step 2: 119 s later still silent.
    s.t(119)
    controller.changed.emit()
    assert names(out) == ["high.wav"]
    # Step 3: at 120 s the pause ends and the high burst sounds again.
    s.t(121)
    controller.changed.emit()
    assert names(out) == ["high.wav", "high.wav"] and sounder.timer.isActive()


def test_higher_alarm_while_paused_breaks_through():
    s, controller, out, sounder = sounding_session()
    # Step 1: a medium alarm sounds; the nurse pauses audio.
    s.manual("heart_rate", 115)
    controller.changed.emit()
    controller.pause_audio()
    assert sounder.pattern is None
    # Step 2: a high alarm during the pause sounds at once.
    s.t(30)
    s.bp(205, 95)
    controller.changed.emit()
    assert names(out) == ["medium.wav", "high.wav"]
    assert s.engine.audio(s.now()).paused_seconds_left is None


# ---- an unavailable speaker --------------------------------------------------------------------


def test_unavailable_speaker_raises_the_technical_alarm_once_and_clears_on_recovery():
    out = RecordingAudioOut(available=False, detail="no sound output device")
    s, controller, out, sounder = sounding_session(out)
    # Step 1: binding reads the speaker: one steady low technical alarm says alarms are visual
    # only; the player's words are its detail (and the audio_status event), not its banner.
    shown = [(o.condition, o.category, o.priority.label, o.banner(), o.detail) for o in s.engine.alarms()]
    assert shown == [(AUDIO_UNAVAILABLE, "technical", "low",
                      "* Audio unavailable: visual only",
                      "no sound output device")]
    # Step 2: further rounds do not report it again.
    s.t(1)
    controller.tick()
    s.t(2)
    controller.tick()
    assert s.recorder.transitions(AUDIO_UNAVAILABLE) == [(AUDIO_UNAVAILABLE, "raised", "low")]
    # Step 3: the speaker recovers: the technical alarm clears, logged once.
    out.set_available(True)
    controller.tick()
    assert s.engine.alarms() == []
    assert s.recorder.transitions(AUDIO_UNAVAILABLE) == [
        (AUDIO_UNAVAILABLE, "raised", "low"), (AUDIO_UNAVAILABLE, "cleared", "low")]


def test_a_speaker_back_ends_its_alarm_when_nothing_else_happens(qtbot):
    # The speaker was read only when the session changed: on a quiet session its alarm stood
    # over a working speaker (the central's the same: a charge nurse's walk).
    s, controller, out, sounder = sounding_session(
        RecordingAudioOut(available=False, detail="no sound output device"))
    assert [o.condition for o in s.engine.alarms()] == [AUDIO_UNAVAILABLE]
    out.set_available(True)   # no tick, no reading: only the sounder's own check
    assert sounder.check_timer.isActive()
    assert sounder.check_timer.interval() == 2000
    sounder.check_timer.timeout.emit()   # its time come (no waiting for real seconds)
    assert s.engine.alarms() == []
    sounder.unbind()          # the session's window went: the checks stop
    assert not sounder.check_timer.isActive()


@pytest.mark.skipif(has_qt_multimedia(), reason="PySide6-Addons (QtMultimedia) is installed here")
def test_qt_audio_without_qt_multimedia_reports_unavailable():
    out = QtAudioOut()
    assert out.available() == (False, "QtMultimedia not installed (PySide6-Addons)")
    out.play(tones.HIGH)   # does nothing, raises nothing
    out.stop()


@pytest.mark.skipif(not has_qt_multimedia(), reason="needs PySide6-Addons (QtMultimedia) and libpulse0")
def test_qt_audio_without_a_sound_output_reports_unavailable(qtbot):
    from PySide6 import QtMultimedia
    out = QtAudioOut()
    if QtMultimedia.QMediaDevices.audioOutputs():
        pytest.skip("this machine has a sound output")
    assert out.available() == (False, "no sound output device (is a sound server running?)")


def probed(out: PlayerAudioOut) -> PlayerAudioOut:
    """Let the construction's probe finish (it is never waited for by the console)."""
    if out._process is not None:
        out._process.wait(5)
    return out


def test_player_that_fails_reports_why(tmp_path):
    failing = ["sh", "-c", "echo 'Connection failure: Connection refused' >&2; exit 1", "paplay"]
    out = probed(PlayerAudioOut(failing))
    assert out.available() == (False, "sh failed (exit 1): Connection failure: Connection refused")


def test_player_that_fails_then_works_recovers(tmp_path):
    # A stand-in player that fails until "$0.ok" exists (argv: sh -c SCRIPT FLAG WAV).
    flag = tmp_path / "speaker"
    out = probed(PlayerAudioOut(["sh", "-c", 'test -e "$0.ok" || { echo "device busy" >&2; exit 1; }', str(flag)]))
    # Step 1: the probe at construction fails: unavailable, with the player's reason.
    assert out.available() == (False, "sh failed (exit 1): device busy")
    # Step 2: the device comes back; the next burst plays and the output is available again.
    (tmp_path / "speaker.ok").touch()
    out.play(tones.HIGH)
    out._process.wait(5)
    assert out.available() == (True, "")


def fake_mixer(tmp_path, mute: str, volume: str) -> list[str]:
    """A stand-in for pactl: answers get-sink-mute and get-sink-volume as pactl 16 does."""
    script = tmp_path / "pactl"
    script.write_text(f'#!/bin/sh\ncase "$1" in get-sink-mute) echo "Mute: {mute}";; '
                      f'get-sink-volume) echo "Volume: front-left: {volume}";; esac\n')
    script.chmod(0o755)
    return [str(script)]


def wait_for_mixer(out: PlayerAudioOut) -> tuple[bool, str]:
    """The mixer is read without waiting: ask until the answer is in."""
    for _ in range(200):
        first = out.available()
        assert out._mixer is not None
        if not out._mixer._asking:
            return first
        for process in out._mixer._asking:
            process.wait(5)
    raise AssertionError("the mixer never answered")


@pytest.mark.parametrize(("mute", "volume", "verdict"), [
    ("yes", "65536 / 100% / 0.00 dB", (False, "the system sound is muted: unmute it")),
    ("no", "0 /   0% / -inf dB,   front-right: 0 /   0% / -inf dB",
     (False, "the system volume is at 0 %: turn it up")),
    ("no", "39322 /  60% / -13.31 dB", (True, "")),
], ids=["muted", "at 0 %", "heard"])
def test_a_muted_or_silent_system_output_is_audio_unavailable(tmp_path, mute, volume, verdict):
    """paplay plays into a muted output and exits 0: nothing is heard and nothing said. The
    mixer is asked every 10 s; a muted output or one at 0 % is the technical alarm's reason."""
    out = PlayerAudioOut(["sh", "-c", "exit 0", "paplay"], probe=False, monotonic=lambda: 0.0,
                         mixer=fake_mixer(tmp_path, mute, volume))
    out.available()   # asks
    assert wait_for_mixer(out) == verdict


@pytest.mark.skipif(shutil.which("paplay") is None, reason="needs paplay (pulseaudio-utils)")
def test_paplay_without_a_sound_server_reports_unavailable():
    out = probed(PlayerAudioOut(["paplay"]))
    ok, detail = out.available()
    if ok:
        pytest.skip("this machine has a sound server")
    assert detail.startswith("paplay failed (exit 1): ")


@pytest.mark.skipif(has_qt_multimedia(), reason="PySide6-Addons (QtMultimedia) is installed here")
def test_default_speaker_without_qt_multimedia_is_the_system_player():
    assert isinstance(default_audio_out(), PlayerAudioOut)


def test_tones_ship_as_package_data():
    # importlib.resources finds them: they are inside the `resources` package, not beside it.
    assert importlib.util.find_spec("resources") is not None
    from console.ui.audio import tones_directory
    with tones_directory() as directory:
        assert sorted(p.name for p in directory.glob("*.wav")) == [
            "high-quiet.wav", "high.wav", "low-quiet.wav", "low.wav", "medium-quiet.wav",
            "medium.wav"]


def test_quiet_room_tones_are_the_same_bursts_12_db_softer():
    import wave

    import numpy as np

    from console.ui.tones import PATTERNS, QUIET_PATTERNS
    from console.ui.audio import tones_directory

    def peak(name: str) -> float:
        with tones_directory() as directory, wave.open(str(directory / name)) as f:
            samples = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
        return float(np.max(np.abs(samples.astype(np.float64))))

    for priority, loud in PATTERNS.items():
        quiet = QUIET_PATTERNS[priority]
        assert (quiet.groups, quiet.frequency_hz, quiet.repeat_s) == (
            loud.groups, loud.frequency_hz, loud.repeat_s)
        ratio_db = 20 * np.log10(peak(quiet.file_name) / peak(loud.file_name))
        assert -12.5 < ratio_db < -11.5


def test_the_sounder_plays_quiet_bursts_only_while_allowed(qtbot):
    from console.session.alarms import AudioSignal
    from console.ui.audio import AlarmSounder, RecordingAudioOut
    from protocols.model import Priority

    out = RecordingAudioOut()
    sounder = AlarmSounder(out)
    sounder.update(AudioSignal(Priority.HIGH, None), now=0.0)
    sounder._quiet = True   # as set_quiet does, without a bound session
    sounder.update(AudioSignal(Priority.HIGH, None), now=1.0)
    sounder._quiet = False
    sounder.update(AudioSignal(Priority.HIGH, None), now=2.0)
    assert [p.file_name for p in out.played] == ["high.wav", "high-quiet.wav", "high.wav"]


# ---- a speaker path that fails must never silence an alarm or freeze the window -----------------


def player(script: str) -> list[str]:
    """A stand-in player: `sh -c SCRIPT player WAV`."""
    return ["sh", "-c", script, "player"]


def test_a_player_that_hangs_is_killed_and_reported(tmp_path):
    clock = [0.0]
    out = PlayerAudioOut(player("exec sleep 1000"), probe=False, monotonic=lambda: clock[0])
    assert out.play(tones.HIGH)
    hung = out._process
    assert out.available() == (True, "")        # still within its burst
    clock[0] += tones.HIGH.duration_ms / 1000 + 3.5   # long past the burst's end
    assert out.available() == (False, "sh stopped responding (killed)")
    assert hung.wait(5) == -9                   # really gone


def test_a_player_that_dies_at_once_is_reported_with_its_exit_status(tmp_path):
    out = PlayerAudioOut(player("echo 'no such device' >&2; exit 3"), probe=False)
    assert out.play(tones.HIGH)   # it started...
    out._process.wait(5)          # ...and died
    assert out.available() == (False, "sh failed (exit 3): no such device")


def test_a_player_that_cannot_start_says_so_and_play_reports_it(tmp_path):
    out = PlayerAudioOut([str(tmp_path / "no-player")], probe=False)
    assert out.play(tones.HIGH) is False
    ok, detail = out.available()
    assert not ok and detail.startswith("no-player cannot start: ")


def test_stop_never_waits_for_a_player_slow_to_die_and_never_raises(tmp_path):
    # A player that ignores SIGTERM: the old stop() waited 1 s for it, then raised TimeoutExpired.
    out = PlayerAudioOut(player("trap '' TERM; sleep 1000"), probe=False)
    assert out.play(tones.HIGH)
    slow = out._process
    out.stop()                     # returns at once (SIGKILL, reaped later)
    assert slow.wait(5) == -9
    assert out.play(tones.MEDIUM)  # the next burst starts
    out.stop()


class FailingOut(RecordingAudioOut):
    """A speaker whose every play fails until it is mended."""

    def __init__(self) -> None:
        super().__init__(available=False, detail="sound device gone")


def test_the_sounder_keeps_a_burst_only_once_it_started_and_retries(qtbot):
    s = Session()
    controller = SessionController(s.engine, s.clock)
    out = FailingOut()
    sounder = AlarmSounder(out)
    sounder.bind(controller)
    s.to_infusion()
    s.t(60); s.device("spo2", 85)   # a high alarm
    controller.changed.emit()
    assert sounder.pattern is None and out.played[-1] == tones.HIGH   # tried, not started
    assert [o.condition for o in s.engine.alarms() if o.category == "technical"] == [AUDIO_UNAVAILABLE]
    tries = len(out.played)
    controller.changed.emit()   # within the retry interval: no hammering of a dead device
    assert len(out.played) == tries
    out.set_available(True)     # the speaker comes back
    s.clock.advance(5)
    controller.changed.emit()
    assert sounder.pattern == tones.HIGH and out.played[tries:] == [tones.HIGH]
    assert AUDIO_UNAVAILABLE not in [o.condition for o in s.engine.alarms()]


def test_a_higher_burst_that_fails_to_start_leaves_the_lower_one_to_start_again(qtbot):
    """A medium sounds; a high comes while the speaker fails (its start fails, the medium's
    timer stopped); the speaker returns and the nurse acknowledges the high: the medium must
    sound again. The sounder still believed the medium burst was sounding, and stayed silent."""
    s, controller, out, sounder = sounding_session()
    s.t(10); s.manual("heart_rate", 115)
    controller.changed.emit()
    assert names(out) == ["medium.wav"]
    out.set_available(False, "sound device gone")
    s.t(20); s.device("spo2", 86)
    controller.changed.emit()
    assert names(out) == ["medium.wav", "high.wav"] and not sounder.timer.isActive()
    out.set_available(True)
    s.clock.advance(5)
    high = next(o for o in s.engine.alarms() if o.condition == "spo2_low")
    controller.acknowledge(high.id)
    assert s.sounding() == "medium"
    assert names(out)[-1] == "medium.wav" and sounder.pattern == tones.MEDIUM
    assert sounder.timer.isActive()


def test_the_probe_never_holds_up_the_start(tmp_path):
    # A player that takes its time (a real device plays the 50 ms of silence first): the
    # construction returns at once, and the verdict comes with the next check.
    out = PlayerAudioOut(player("sleep 2; echo 'device busy' >&2; exit 1"))
    assert out._process is not None and out._process.poll() is None   # not waited for
    assert out.available() == (True, "")
    out._process.wait(5)
    assert out.available() == (False, "sh failed (exit 1): device busy")


def test_a_failed_player_is_probed_again_and_recovers_without_an_alarm_tone(tmp_path):
    # A charge nurse's walk: "Audio unavailable" stood 45 s over a sound server that was back,
    # and would have until the next alarm tone played. The silent probe runs again while it
    # fails (REPROBE_SECONDS), and its verdict ends the problem.
    from console.ui.audio import REPROBE_SECONDS

    clock = [0.0]
    flag = tmp_path / "speaker"
    out = PlayerAudioOut(["sh", "-c", 'test -e "$0.ok" || { echo "device busy" >&2; exit 1; }',
                          str(flag)], monotonic=lambda: clock[0])
    probed(out)
    assert out.available() == (False, "sh failed (exit 1): device busy")
    probed(out)   # that call probed again at once; still failing
    assert out.available() == (False, "sh failed (exit 1): device busy")
    (tmp_path / "speaker.ok").touch()   # the sound server is back
    assert out.available()[0] is False   # not probed again before its time
    clock[0] += REPROBE_SECONDS
    out.available()                      # probes
    probed(out)
    assert out.available() == (True, "")


def test_the_speaker_is_not_said_to_work_before_its_probe_has_answered(qtbot, tmp_path):
    # A walk on X: at a restart the first check said "available" while the start's probe still
    # ran, ending the restored "Audio unavailable"; 64 ms later the probe failed and raised it
    # again as a new alarm (R10: the same occurrence stands until the speaker works).
    import os

    gate = tmp_path / "gate"
    os.mkfifo(gate)   # the stand-in player answers only when the test opens the gate
    out = PlayerAudioOut(["sh", "-c", 'cat "$0" >/dev/null; echo "device busy" >&2; exit 1',
                          str(gate)])
    sounder = AlarmSounder(out)
    assert out.verdict_pending()
    try:
        assert sounder.check_available() is None        # nothing said yet
    finally:
        gate.write_text("go\n")
    probed(out)
    assert not out.verdict_pending()
    try:
        assert sounder.check_available() == (False, "sh failed (exit 1): device busy")
    finally:   # that check tried the speaker again (REPROBE_SECONDS): let its probe end too
        if out._process is not None:
            gate.write_text("go\n")
            probed(out)


def test_a_probe_and_a_burst_killed_before_they_answered_leave_the_speaker_unknown(tmp_path):
    # A walk on X: at a restart the restored alarm's burst killed the start's probe, the burst
    # was killed in turn when the alarm ended, and the speaker (failing throughout) was said to
    # work: "Audio unavailable" ended and nothing raised it again for 44 s.
    # Each player waits for the gate file (not a FIFO: a killed shell's `cat` lived on and took
    # the one write, and the new probe waited for ever, under load).
    gate = tmp_path / "gate"
    out = PlayerAudioOut(["sh", "-c", 'while [ ! -e "$0" ]; do sleep 0.01; done; '
                          'echo "device busy" >&2; exit 1', str(gate)], monotonic=lambda: 0.0)
    sounder = AlarmSounder(out)
    try:
        assert out.play(tones.LOW)      # kills the probe before it answered
        out.stop()                      # and the burst, before it answered
        assert out.verdict_pending()
        assert sounder.check_available() is None   # unknown: nothing said
        out.available()                 # tries again: a new probe
        assert out._process is not None
    finally:
        gate.write_text("go\n")
        probed(out)
    assert sounder.check_available() == (False, "sh failed (exit 1): device busy")

"""A player that hangs while a repeating burst sounds is reported before the repeat replaces it.

The high burst (3.4 s) repeats every 5 s, and each repeat kills the player before it. With 3 s of
grace after its burst a hung player was always replaced before it counted as hung: a high alarm
silent for good, "Audio unavailable" never raised. At a restart with a high alarm standing, the
first burst killed the start's probe before it answered: the speaker stayed unknown."""

from __future__ import annotations

from console.session.alarms import AudioSignal
from console.ui import tones
from console.ui.audio import AVAILABILITY_CHECK_SECONDS, AlarmSounder, PlayerAudioOut
from protocols.model import Priority


def test_a_player_hanging_on_every_high_burst_raises_audio_unavailable(qtbot):
    # The silent probe plays (the speaker path was fine at the start); every alarm burst hangs,
    # as paplay does on a sound server that takes the connection and never plays.
    clock = [0.0]
    out = PlayerAudioOut(["sh", "-c", 'case "$1" in *probe.wav) exit 0;; *) exec sleep 1000;; esac',
                          "player"], monotonic=lambda: clock[0], mixer=None)
    assert out._process is not None
    out._process.wait(5)
    sounder = AlarmSounder(out)
    assert sounder.check_available() == (True, "")
    sounder.update(AudioSignal(Priority.HIGH, None), now=0.0)
    said = []
    try:
        # The console's rhythm: the speaker read every 2 s, the high burst again every 5 s.
        for second in range(1, 16):
            clock[0] = float(second)
            if second % tones.HIGH.repeat_s == 0:
                sounder.timer.timeout.emit()
            if second % AVAILABILITY_CHECK_SECONDS == 0:
                said.append((second, sounder.check_available()))
        # Told once, by the first check after the first burst was due to end.
        assert [s for s in said if s[1] is not None] == [
            (6, (False, "sh stopped responding (killed)"))]
    finally:
        out.stop()


def test_the_first_burst_leaves_the_starts_probe_to_answer(qtbot, tmp_path):
    # A restart with a high alarm standing: its burst starts while the probe still runs. The
    # probe answers (the speaker fails) and the speaker is no longer unknown.
    gate = tmp_path / "gate"
    out = PlayerAudioOut(["sh", "-c", 'case "$1" in *probe.wav) '
                          'while [ ! -e "$0" ]; do sleep 0.01; done; '
                          'echo "device busy" >&2; exit 1;; *) exec sleep 1000;; esac',
                          str(gate)], monotonic=lambda: 0.0, mixer=None)
    sounder = AlarmSounder(out)
    try:
        sounder.update(AudioSignal(Priority.HIGH, None), now=0.0)
        assert sounder.pattern == tones.HIGH
        assert sounder.check_available() is None   # the probe has not answered yet
        gate.write_text("go\n")
        qtbot.waitUntil(lambda: not out.verdict_pending(), timeout=5000)
        assert sounder.check_available() == (False, "sh failed (exit 1): device busy")
    finally:
        gate.write_text("go\n")
        out.stop()

"""A low alarm's burst that fails is played again once the speaker works, and "NO SOUND" ends.

A low alarm sounds one burst (IEC 60601-1-8 allows a single one). Played while the sound server
restarted, its player started and then failed: "Audio unavailable" and "NO SOUND: speaker lost"
were raised, and stayed over a working speaker for as long as the low alarm stood: the burst
never played again, and while a tone is due only a burst that plays may end a burst's failure
(the silent probe plays a file of its own). The unheard low alarm was never heard (a
review). Now a burst played once that failed is tried again every RETRY_SECONDS, as one that
could not start; the one that plays is heard and ends the failure. One that played is not
repeated, whatever else keeps the speaker unavailable."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from console.session.alarms import Raise
from console.session.engine import AUDIO_UNAVAILABLE
from console.ui.alarm_bar import NO_SOUND, AlarmBar
from console.ui.audio import AVAILABILITY_CHECK_SECONDS, AlarmSounder, PlayerAudioOut
from console.ui.controller import SessionController
from tests.session.helpers import LOW, Session
from tests.ui.test_audio_tone_file_missing import settle, tones_dir  # noqa: F401 - a fixture

BUS_UNCONFIRMED = "Clinic bus has not confirmed delivery for 10 s"


def logging_player(marker: Path, log: Path) -> list[str]:
    """A player that fails as paplay does while `marker` exists (PulseAudio restarting), and
    otherwise plays its file, writing its name to `log`."""
    return ["sh", "-c", f'if [ -e "{marker}" ]; then echo "Connection failure: Connection '
            f'refused" >&2; exit 1; fi; basename "$1" >> "{log}"', "paplay"]


def played(out: PlayerAudioOut, log: Path) -> list[str]:
    """The alarm tones the player played, once the players started so far have ended."""
    settle(out)
    return [n for n in log.read_text().split() if n != "probe.wav"] if log.exists() else []


class Console:
    """A session in its infusion phase with the alarm bar and a sounder on the logging player."""

    def __init__(self, qtbot: QtBot, tmp_path: Path) -> None:
        self.marker, self.log = tmp_path / "server-restarting", tmp_path / "played"
        self.s = s = Session()
        s.to_infusion()
        self.controller = SessionController(s.engine, s.clock)
        self.out = PlayerAudioOut(logging_player(self.marker, self.log),
                                  monotonic=lambda: s.clock.now().mono, mixer=None)
        settle(self.out)   # the start's probe plays: the speaker works
        self.bar = AlarmBar()
        qtbot.addWidget(self.bar)
        self.bar.bind(self.controller)
        self.sounder = AlarmSounder(self.out)
        self.sounder.bind(self.controller)
        settle(self.out)

    def low_alarm(self, second: int) -> None:
        self.s.t(second)
        self.s.engine.network_status(Raise(LOW, BUS_UNCONFIRMED), self.s.now())
        self.controller.changed.emit()
        settle(self.out)

    def run(self, first: int, last: int) -> None:
        """The console's rhythm from second `first` to `last`: players end as real seconds
        let them, the speaker is read every 2 s, the controller ticks every second."""
        for second in range(first, last + 1):
            settle(self.out)
            self.s.t(second)
            if second % AVAILABILITY_CHECK_SECONDS == 0:
                self.sounder.check_timer.timeout.emit()
            self.controller.tick()

    def close(self) -> None:
        self.sounder.unbind()
        settle(self.out)


def test_a_low_alarms_burst_that_failed_is_heard_once_the_speaker_works_and_no_sound_ends(
        qtbot: QtBot, tmp_path: Path) -> None:
    c = Console(qtbot, tmp_path)
    try:
        # Step 1: a low alarm while the sound server restarts: its one burst fails.
        c.marker.touch()
        c.low_alarm(60)
        c.run(61, 61)
        assert c.s.recorder.transitions(AUDIO_UNAVAILABLE) == [
            (AUDIO_UNAVAILABLE, "raised", "low")]
        assert c.bar.pause_button.text() == NO_SOUND
        assert played(c.out, c.log) == []
        # Step 2: the server stays down 10 s: the burst is tried again, never heard.
        c.run(62, 70)
        assert played(c.out, c.log) == []
        assert c.bar.pause_button.text() == NO_SOUND
        # Step 3: the server is back; nobody touches the console (the low alarm stands). Within
        # a retry the low burst plays, heard once, and the speaker is said to work.
        c.marker.unlink()
        c.run(71, 80)
        assert played(c.out, c.log) == ["low.wav"]
        assert c.s.engine.board.occurrence_for(AUDIO_UNAVAILABLE) is None
        assert [state for _, state, _ in c.s.recorder.transitions(AUDIO_UNAVAILABLE)] == [
            "raised", "cleared"]
        assert c.bar.pause_button.text() != NO_SOUND
        # Step 4: a minute on: the low burst that played is not played again.
        c.run(81, 140)
        assert played(c.out, c.log) == ["low.wav"]
        assert not c.sounder.timer.isActive()
    finally:
        c.close()


def test_a_low_burst_that_played_is_not_repeated_while_the_speaker_is_unavailable_otherwise(
        qtbot: QtBot, tmp_path: Path, tones_dir: Path) -> None:  # noqa: F811 - the fixture
    (tones_dir / "high.wav").unlink()   # "Audio unavailable" for a tone file, not the low burst
    c = Console(qtbot, tmp_path)
    try:
        # Step 1: "Audio unavailable" (low) from the start, its burst played; a low alarm
        # joins it: the low burst plays again.
        assert c.s.engine.board.occurrence_for(AUDIO_UNAVAILABLE) is not None
        assert played(c.out, c.log) == ["low.wav"]
        c.low_alarm(60)
        c.run(61, 62)
        assert played(c.out, c.log) == ["low.wav", "low.wav"]
        # Step 2: a minute of the console's rhythm: the speaker stays unavailable (high.wav
        # missing), and the low burst, heard, is not played again.
        c.run(63, 122)
        assert played(c.out, c.log) == ["low.wav", "low.wav"]
        assert c.bar.pause_button.text() == NO_SOUND
    finally:
        c.close()

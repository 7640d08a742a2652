"""A tone file the player cannot open keeps "Audio unavailable" standing, with its name.

A high.wav missing (or unreadable) while the speaker itself works: the high burst's player failed
("Audio unavailable" raised), then the silent probe, which plays a file of its own, exited 0 and
ended the alarm, the next burst failed again and raised it again... A high alarm that never sounded
while the pause button read "NO SOUND" 6 s of every 10, and the row said only the player's words.
Now a failed alarm burst is ended only by a later burst that plays, and every tone file is checked
at start (and at each re-probe): a missing one is the alarm's reason, naming it and its folder.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.session.engine import AUDIO_UNAVAILABLE
from console.ui import audio as audio_module
from console.ui import tones
from console.ui.alarm_bar import NO_SOUND, AlarmBar
from console.ui.audio import (
    AVAILABILITY_CHECK_SECONDS,
    REPROBE_SECONDS,
    AlarmSounder,
    PlayerAudioOut,
)
from console.ui.controller import SessionController
from tests.session.helpers import Session

# paplay's own words and exit status for a file it cannot open.
PAPLAY = ["sh", "-c", 'test -r "$1" || { echo "Failed to open audio file." >&2; exit 1; }',
          "paplay"]


def settle(out: PlayerAudioOut) -> None:
    """Let every player started so far end, as real seconds would between the console's steps."""
    for p in [out._process, *(out._probing[:1] if out._probing else ()), *out._dying]:
        if p is not None:
            p.wait(5)


@pytest.fixture
def tones_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped tones, the one the console plays from (the test damages it)."""
    copied = tmp_path / "tones"
    with audio_module.tones_directory() as shipped:
        shutil.copytree(shipped, copied)

    @contextlib.contextmanager
    def our_tones() -> Iterator[Path]:
        yield copied
    monkeypatch.setattr(audio_module, "tones_directory", our_tones)
    return copied


def test_a_missing_high_tone_keeps_audio_unavailable_standing_while_the_high_alarm_sounds(
        qtbot, tones_dir: Path) -> None:
    (tones_dir / "high.wav").unlink()   # the high tone cannot be opened
    s = Session()
    s.to_infusion()
    controller = SessionController(s.engine, s.clock)
    out = PlayerAudioOut(PAPLAY, monotonic=lambda: s.clock.now().mono, mixer=None)
    settle(out)   # the start's probe (silence) plays fine: the speaker works
    bar = AlarmBar()
    qtbot.addWidget(bar)
    bar.bind(controller)
    sounder = AlarmSounder(out)
    sounder.bind(controller)
    try:
        # Step 1: a high alarm; its burst cannot be played.
        s.t(60)
        s.device("spo2", 85)
        controller.changed.emit()
        labels = []
        # Step 2: the console's rhythm for 40 s: the speaker read every 2 s, the burst repeated
        # at its interval, the silent probe run again every 10 s (and playing).
        for second in range(1, 41):
            settle(out)
            s.t(60 + second)
            if second % tones.HIGH.repeat_s == 0 and sounder.timer.isActive():
                sounder.timer.timeout.emit()
            if second % AVAILABILITY_CHECK_SECONDS == 0:
                sounder.check_timer.timeout.emit()
            controller.tick()
            labels.append((second, bar.pause_button.text()))
        # Raised once and standing: the nurse is told for as long as the high tone cannot sound.
        said = s.recorder.transitions(AUDIO_UNAVAILABLE)
        timeline = "".join("X" if text == NO_SOUND else "." for _, text in labels)
        assert said == [(AUDIO_UNAVAILABLE, "raised", "low")], (
            f"{[t for _, t, _ in said]}; NO SOUND shown per second (X): {timeline}")
        assert timeline == "X" * 40
    finally:
        sounder.unbind()
        settle(out)


@pytest.mark.parametrize("name, damage", [
    ("high.wav", lambda path: path.unlink()),
    ("medium-quiet.wav", lambda path: path.write_bytes(b"not a sound file\n")),
    ("low.wav", lambda path: path.write_bytes(path.read_bytes()[:1000])),   # a copy cut short
], ids=["missing", "not a WAV", "cut short"])
def test_a_tone_file_missing_or_unreadable_is_said_at_start_with_its_name_and_folder(
        qtbot, tones_dir: Path, name: str, damage) -> None:
    clock = [0.0]
    kept = (tones_dir / name).read_bytes()
    damage(tones_dir / name)
    # Step 1: the start: the silent probe plays (the speaker works), the tone file cannot.
    out = PlayerAudioOut(["sh", "-c", "exit 0", "player"], monotonic=lambda: clock[0],
                         mixer=None)
    sounder = AlarmSounder(out)
    settle(out)
    assert sounder.check_available() == (
        False, f"alarm tone file missing or unreadable: {name} (in {tones_dir}): "
               "reinstall the console")
    # Step 2: the file is put back: the next re-probe checks the files again and the alarm ends.
    (tones_dir / name).write_bytes(kept)
    clock[0] += REPROBE_SECONDS
    out.available()   # re-probes
    settle(out)
    assert sounder.check_available() == (True, "")


def test_a_failed_alarm_burst_is_ended_by_a_burst_that_plays_not_by_the_probe(
        tones_dir: Path) -> None:
    # A player that cannot play the high tone (the file itself is sound), but plays the rest.
    clock = [0.0]
    out = PlayerAudioOut(["sh", "-c", 'case "$1" in *high.wav) echo "Failed to open audio '
                          'file." >&2; exit 1;; esac', "paplay"],
                         monotonic=lambda: clock[0], mixer=None)
    settle(out)
    assert out.available() == (True, "")
    # Step 1: the high burst fails.
    assert out.play(tones.HIGH)
    settle(out)
    failed = (False, "sh failed (exit 1): Failed to open audio file.")
    assert out.available() == failed
    # Step 2: the silent probe runs again and plays: the high burst still cannot.
    clock[0] += REPROBE_SECONDS
    out.available()   # re-probes
    settle(out)
    assert out.available() == failed
    # Step 3: a burst plays (exit 0): the speaker sounds alarms again.
    assert out.play(tones.MEDIUM)
    settle(out)
    assert out.available() == (True, "")

"""Between two bursts of a repeating alarm tone the nurse hears the silence IEC 60601-1-8 asks for.

The interburst interval tb of IEC 60601-1-8 Table 3 (high priority 2.5-15 s; clinical-defaults.md
rule 2: "repeated every 2.5-15 s") is the silence from the end of a burst's last pulse to the next
burst's first (monitor manuals: "tb = INTERBURST INTERVAL (electrical OFF time)"). The 3.4 s high
burst repeated every 5 s start to start: 1.6 s of silence, and TonePattern checked nothing of it.
"""

from __future__ import annotations

import wave

import numpy as np
import pytest

from console.session.alarms import AudioSignal
from console.ui import tones
from console.ui.audio import AlarmSounder, RecordingAudioOut, tones_directory
from protocols.model import Priority


def sounding_seconds(name: str) -> float:
    """From the first to the last sound sample of the shipped WAV: the burst the nurse hears."""
    with tones_directory() as directory, wave.open(str(directory / name)) as f:
        rate = f.getframerate()
        samples = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
    loud = np.flatnonzero(np.abs(samples) > 0.01 * 32767)
    return float(loud[-1] - loud[0] + 1) / rate


@pytest.mark.parametrize("priority, shortest, longest", [
    (Priority.HIGH, 2.5, 15.0), (Priority.MEDIUM, 2.5, 30.0),
], ids=["high", "medium"])
@pytest.mark.parametrize("quiet", [False, True], ids=["loud", "quiet room"])
def test_a_repeating_burst_is_followed_by_the_iec_interburst_silence(
        qtbot, priority: Priority, shortest: float, longest: float, quiet: bool) -> None:
    sounder = AlarmSounder(RecordingAudioOut())
    sounder._quiet = quiet   # as set_quiet does, without a bound session
    sounder.update(AudioSignal(priority, None), now=0.0)
    assert sounder.pattern is not None
    start_to_start = sounder.timer.interval() / 1000   # the repeat the nurse hears
    burst = sounding_seconds(sounder.pattern.file_name)
    silence = start_to_start - burst
    assert shortest <= silence <= longest, (
        f"{sounder.pattern.file_name}: burst {burst:.2f} s repeated every {start_to_start:g} s: "
        f"{silence:.2f} s of silence between bursts (IEC tb {shortest:g}-{longest:g} s)")


def test_a_pattern_whose_interburst_silence_is_outside_iec_is_refused() -> None:
    # The high burst as it was: 3.4 s every 5 s start to start.
    with pytest.raises(ValueError, match=(
            r"x\.wav: 1\.60 s of silence between bursts \(repeat 5\.0 s, burst 3\.40 s\) is "
            r"outside IEC 60601-1-8's interburst interval for high priority, 2\.5–15 s")):
        tones.TonePattern(Priority.HIGH, "x.wav", 880, (3, 2, 3, 2), 150, 100, (300, 700, 300),
                          repeat_s=5.0)
    with pytest.raises(ValueError, match="outside IEC 60601-1-8's interburst interval for "
                                         "medium priority, 2.5–30 s"):
        tones.TonePattern(Priority.MEDIUM, "x.wav", 660, (3,), 200, 120, (), repeat_s=40.0)
    # A low burst repeats rarely if at all (more than 15 s of silence).
    with pytest.raises(ValueError, match="for low priority, more than 15 s"):
        tones.TonePattern(Priority.LOW, "x.wav", 523, (2,), 200, 150, (), repeat_s=10.0)
    assert tones.TonePattern(Priority.LOW, "x.wav", 523, (2,), 200, 150, (), repeat_s=None)

"""Alarm tones: the three IEC 60601-1-8 style burst patterns and the WAV files made from them.

The patterns follow shared/design/clinical-defaults.md ("Alarm behaviour", rule 2):

- high: 10 pulses as 3+2 / 3+2, ~880 Hz, repeated every 6 s: 2.95 s of silence after its 3.05 s
  (the rule allows 2.5-15 s of it);
- medium: 3 pulses at a lower pitch, repeated every 10 s (9.2 s of silence; 2.5-30 s allowed);
- low: 2 pulses at a lower pitch again, sounded once.

The rule's interval is IEC 60601-1-8's interburst interval tb (Table 3): the silence from the end
of a burst's last pulse to the next burst's first ("tb = INTERBURST INTERVAL (electrical OFF
time)", as monitor manuals quote it), not the start-to-start time; `TonePattern` checks it.

One WAV holds one burst; repetition is the job of `console.ui.audio.AlarmSounder` (a QTimer), so the
interval can be tested without sleeping and a pause can cut it short. The files are generated, not
recorded: `write_tones()` rewrites them into `resources/tones/` (shipped as package data), and the
tests parse them back and count the pulses.

Every pulse is a fundamental plus four harmonics (IEC 60601-1-8 asks for at least four harmonics so
the tone is locatable and heard through hearing loss) with raised-cosine ramps, because a
hard-edged pulse clicks and sounds like a fault rather than an alarm. The ramps are as long as the
pulse asks: it rises over RISE_SHARE (15 %) of its effective duration, inside IEC 60601-1-8's
10-20 % (Table 4), which `TonePattern` checks with that duration's range for the priority.

Usage: ``python -m console.ui.tones`` rewrites the files.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from protocols.model import Priority

SAMPLE_RATE = 44_100
RISE_SHARE = 0.15
"""A pulse's rise time tr (10 % to 90 % of its amplitude) as a share of its effective duration
td (the 90 % point of its rise to the 90 % point of its fall): IEC 60601-1-8 Table 4 asks
10-20 % (RISE_SHARES). The 10 ms ramps had risen in 6 ms, 3-4.5 % of the pulse (a review)."""
RISE_SHARES = (0.10, 0.20)
PEAK = 0.7   # of full scale: loud, with headroom so the harmonics never clip
HARMONICS = (1.0, 0.6, 0.45, 0.35, 0.25)   # relative amplitudes of f, 2f, 3f, 4f, 5f
TONES_DIR = Path(__file__).resolve().parents[2] / "resources" / "tones"
INTERBURST_S: dict[Priority, tuple[float, float]] = {
    Priority.HIGH: (2.5, 15.0), Priority.MEDIUM: (2.5, 30.0), Priority.LOW: (15.0, float("inf")),
}
"""IEC 60601-1-8 Table 3's interburst interval tb for each priority: the silence between two
bursts, in seconds (low: more than 15 s, or sounded once)."""
PULSE_MS: dict[Priority, tuple[float, float]] = {
    Priority.HIGH: (75.0, 200.0), Priority.MEDIUM: (125.0, 250.0), Priority.LOW: (125.0, 250.0),
}
"""IEC 60601-1-8 Table 4's effective pulse duration td for each priority, in milliseconds."""
PULSE_SPACING_MS: dict[Priority, tuple[float, float]] = {
    Priority.HIGH: (50.0, 125.0), Priority.MEDIUM: (125.0, 250.0), Priority.LOW: (125.0, 250.0),
}
"""IEC 60601-1-8's pulse spacing ts inside a group, from the 90 % point of a pulse's fall to the
90 % point of the next one's rise, in milliseconds (as an open IEC 60601-1-8 tone generator gives
the tables; the standard itself was not at hand). Longer ramps (RISE_SHARE) widen it: the high
burst's 100 ms pauses had come to 143 ms."""
HALF_BURST_MS = (350.0, 1300.0)
"""The spacing between the two halves (pulses 5 and 6) of the high 3+2 / 3+2 burst, measured as
PULSE_SPACING_MS, in milliseconds (same source)."""
SKIPPED_PULSE_TOLERANCE = 0.05
"""The spacing between the 3rd and 4th pulse of each half of the high burst (pulses 3-4 and 8-9)
is 2x + td, x the spacing inside a group and td the pulse's effective duration: the rhythm of
one pulse left out, which makes the 3+2 heard (IEC 60601-1-8 Table 3 as it is quoted; the
standard itself was not at hand). Allowed within 5 %, the variation the table allows x."""
# Where a raised-cosine edge, 0.5 - 0.5 cos(pi x) for x from 0 to 1 over the ramp, crosses
# 10 % and 90 % of the pulse's amplitude.
_AT_10 = float(np.arccos(0.8) / np.pi)    # 0.205
_AT_90 = float(np.arccos(-0.8) / np.pi)   # 0.795


@dataclass(frozen=True, slots=True)
class TonePattern:
    """One alarm burst: groups of pulses, their timing, its pitch and how often it repeats.

    Attributes:
        priority: the alarm priority this burst announces.
        file_name: the WAV's name under resources/tones/.
        frequency_hz: fundamental pitch of every pulse.
        groups: pulses per group, e.g. (3, 2, 3, 2) for the high-priority 3+2 / 3+2 burst.
        pulse_ms: duration of one pulse, ramps included (its effective duration td, 90 % to
            90 %, is `effective_pulse_ms`).
        gap_ms: silence between pulses of one group.
        group_gaps_ms: silence after each group but the last (len(groups) - 1 entries).
        repeat_s: start-to-start interval of the burst, or None to sound it once; the silence it
            leaves after the burst (`interburst_s`) must lie in the priority's INTERBURST_S.
        peak: loudness, as a fraction of full scale (PEAK; QUIET_PEAK for the quiet room).
    """

    priority: Priority
    file_name: str
    frequency_hz: float
    groups: tuple[int, ...]
    pulse_ms: float
    gap_ms: float
    group_gaps_ms: tuple[float, ...]
    repeat_s: float | None
    peak: float = PEAK

    def __post_init__(self) -> None:
        if len(self.group_gaps_ms) != len(self.groups) - 1:
            raise ValueError(f"{self.file_name}: {len(self.groups)} groups need "
                             f"{len(self.groups) - 1} group gaps, got {len(self.group_gaps_ms)}")
        if self.repeat_s is not None and self.repeat_s * 1000 <= self.duration_ms:
            raise ValueError(f"{self.file_name}: repeat {self.repeat_s} s is shorter than the burst")
        # The silence between bursts, not the start-to-start time: the high burst (3.4 s) had
        # repeated every 5 s, 1.6 s of silence against IEC's 2.5 s at least (a review).
        shortest, longest = INTERBURST_S.get(self.priority, (0.0, float("inf")))
        silence = self.interburst_s
        if silence is not None and not shortest <= silence <= longest:
            allowed = (f"more than {shortest:g} s" if longest == float("inf")
                       else f"{shortest:g}–{longest:g} s")
            raise ValueError(
                f"{self.file_name}: {silence:.2f} s of silence between bursts (repeat "
                f"{self.repeat_s} s, burst {self.duration_ms / 1000:.2f} s) is outside IEC "
                f"60601-1-8's interburst interval for {self.priority.name.lower()} priority, "
                f"{allowed}")
        # IEC 60601-1-8 Table 4: tr 10-20 % of td, td in the priority's range (a review: the
        # 10 ms ramps rose over 3-4.5 % of the pulse).
        rise, duration = self.rise_ms, self.effective_pulse_ms
        if not RISE_SHARES[0] <= rise / duration <= RISE_SHARES[1]:
            raise ValueError(
                f"{self.file_name}: pulses rise over {100 * rise / duration:.1f} % of their "
                f"duration ({rise:.1f} ms of {duration:.1f} ms): IEC 60601-1-8 asks "
                f"{100 * RISE_SHARES[0]:g}–{100 * RISE_SHARES[1]:g} %")
        shortest_ms, longest_ms = PULSE_MS.get(self.priority, (0.0, float("inf")))
        if not shortest_ms <= duration <= longest_ms:
            raise ValueError(
                f"{self.file_name}: pulses of {duration:.1f} ms (90 % to 90 %; "
                f"{self.pulse_ms:g} ms with their ramps) are outside IEC 60601-1-8's pulse "
                f"duration for {self.priority.name.lower()} priority, "
                f"{shortest_ms:g}–{longest_ms:g} ms")

        spacing = self.spacing_ms(self.gap_ms)
        closest_ms, widest_ms = PULSE_SPACING_MS.get(self.priority, (0.0, float("inf")))
        if max(self.groups) > 1 and not closest_ms <= spacing <= widest_ms:
            raise ValueError(
                f"{self.file_name}: pulses {spacing:.1f} ms apart (90 % to 90 %; a "
                f"{self.gap_ms:g} ms pause) are outside IEC 60601-1-8's pulse spacing for "
                f"{self.priority.name.lower()} priority, {closest_ms:g}–{widest_ms:g} ms")
        if self.groups == (3, 2, 3, 2):
            halves = self.spacing_ms(self.group_gaps_ms[1])
            if not HALF_BURST_MS[0] <= halves <= HALF_BURST_MS[1]:
                raise ValueError(
                    f"{self.file_name}: the burst's halves {halves:.1f} ms apart are outside IEC "
                    f"60601-1-8's {HALF_BURST_MS[0]:g}–{HALF_BURST_MS[1]:g} ms")
            # A 300 ms pause had put the 3rd and 4th pulse 343 ms apart where 2x + td is 303 ms.
            skipped = 2 * spacing + duration
            for index in (0, 2):
                apart = self.spacing_ms(self.group_gaps_ms[index])
                if abs(apart - skipped) > SKIPPED_PULSE_TOLERANCE * skipped:
                    raise ValueError(
                        f"{self.file_name}: pulses {2 * index + 3} and {2 * index + 4} "
                        f"{apart:.1f} ms apart (a {self.group_gaps_ms[index]:g} ms pause) where "
                        f"IEC 60601-1-8 asks 2x + td = {skipped:.1f} ms "
                        f"(±{100 * SKIPPED_PULSE_TOLERANCE:g} %)")

    def spacing_ms(self, pause_ms: float) -> float:
        """Two pulses `pause_ms` apart (silence between their ramps) measured as IEC 60601-1-8's
        pulse spacing: from the 90 % point of the first's fall to the 90 % point of the next's
        rise."""
        return pause_ms + 2 * _AT_90 * self.ramp_ms

    @property
    def ramp_ms(self) -> float:
        """Each raised-cosine edge of a pulse, long enough that the pulse rises over RISE_SHARE
        of its effective duration: tr = (_AT_90 - _AT_10) ramp, td = pulse_ms - 2 _AT_90 ramp."""
        return RISE_SHARE * self.pulse_ms / (_AT_90 - _AT_10 + 2 * RISE_SHARE * _AT_90)

    @property
    def rise_ms(self) -> float:
        """A pulse's rise time tr: from 10 % to 90 % of its amplitude."""
        return (_AT_90 - _AT_10) * self.ramp_ms

    @property
    def effective_pulse_ms(self) -> float:
        """A pulse's effective duration td: from the 90 % point of its rise to that of its fall."""
        return self.pulse_ms - 2 * _AT_90 * self.ramp_ms

    @property
    def pulses(self) -> int:
        return sum(self.groups)

    def onsets_ms(self) -> list[float]:
        """Start time of every pulse from the start of the burst."""
        onsets: list[float] = []
        t = 0.0
        for index, count in enumerate(self.groups):
            for pulse in range(count):
                onsets.append(t)
                t += self.pulse_ms + (self.gap_ms if pulse < count - 1 else 0.0)
            if index < len(self.group_gaps_ms):
                t += self.group_gaps_ms[index]
        return onsets

    @property
    def duration_ms(self) -> float:
        return self.onsets_ms()[-1] + self.pulse_ms

    @property
    def interburst_s(self) -> float | None:
        """The silence from the end of the burst's last pulse to the next burst's first (IEC
        60601-1-8's interburst interval tb), or None for a burst sounded once."""
        return None if self.repeat_s is None else self.repeat_s - self.duration_ms / 1000


# Timing chosen inside the IEC 60601-1-8 ranges as monitor manuals describe them: pulses of
# 150-200 ms with their ramps (td 107-142 ms: high 75-200 ms, medium and low 125-250 ms), a short
# pause inside a group (ts 98 ms high, 178 ms medium, 208 ms low: high 50-125 ms, medium and low
# 125-250 ms), one pulse left out between the 3 and the 2 (303 ms: 2x + td), the longest between
# the two halves of the high burst (743 ms: 350-1300 ms).
HIGH = TonePattern(Priority.HIGH, "high.wav", 880.0, (3, 2, 3, 2), 150.0, 55.0,
                   (260.0, 700.0, 260.0), repeat_s=6.0)   # 2.95 s of silence after 3.05 s
MEDIUM = TonePattern(Priority.MEDIUM, "medium.wav", 660.0, (3,), 200.0, 120.0, (), repeat_s=10.0)
LOW = TonePattern(Priority.LOW, "low.wav", 523.0, (2,), 200.0, 150.0, (), repeat_s=None)

PATTERNS: dict[Priority, TonePattern] = {p.priority: p for p in (HIGH, MEDIUM, LOW)}

# The quiet room (issue 12): ketamine patients lie in dim, quiet rooms with eyeshades and music, and
# a full-volume tone at the bedside startles them. Where a clinic chooses it and a central station
# confirms each alarm, the bedside plays the same bursts 12 dB softer (a quarter of the amplitude):
# the same pattern, pitch and rhythm, so a nurse in the room still knows the priority. The moment
# the central's confirmation is missing the bedside returns to full volume (console/network/link).
QUIET_PEAK = PEAK / 4
QUIET_PATTERNS: dict[Priority, TonePattern] = {
    p.priority: replace(p, file_name=p.file_name.replace(".wav", "-quiet.wav"), peak=QUIET_PEAK)
    for p in PATTERNS.values()
}


def pattern_for(priority: Priority, quiet: bool = False) -> TonePattern | None:
    """The burst for `priority` (its quiet-room version when `quiet`); None for INFO, which
    never sounds."""
    return (QUIET_PATTERNS if quiet else PATTERNS).get(priority)


def render(pattern: TonePattern) -> npt.NDArray[np.int16]:
    """The burst as 16-bit mono samples at SAMPLE_RATE."""
    total = int(round(pattern.duration_ms * SAMPLE_RATE / 1000))
    out = np.zeros(total, dtype=np.float64)
    n = int(round(pattern.pulse_ms * SAMPLE_RATE / 1000))
    t = np.arange(n) / SAMPLE_RATE
    pulse = sum(a * np.sin(2 * np.pi * pattern.frequency_hz * (k + 1) * t)
                for k, a in enumerate(HARMONICS))
    ramp = int(round(pattern.ramp_ms * SAMPLE_RATE / 1000))
    envelope = np.ones(n)
    edge = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, ramp))
    envelope[:ramp], envelope[-ramp:] = edge, edge[::-1]
    pulse = pulse * envelope
    pulse *= pattern.peak / np.max(np.abs(pulse))
    for onset in pattern.onsets_ms():
        start = int(round(onset * SAMPLE_RATE / 1000))
        out[start:start + n] = pulse[: total - start]
    return np.round(out * 32767).astype(np.int16)


def write_wav(path: Path, samples: npt.NDArray[np.int16]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(SAMPLE_RATE)
        f.writeframes(samples.astype("<i2").tobytes())


def write_tones(directory: Path = TONES_DIR) -> list[Path]:
    """(Re)write high.wav, medium.wav and low.wav (and their -quiet versions) into `directory`;
    return their paths."""
    paths = []
    for pattern in (*PATTERNS.values(), *QUIET_PATTERNS.values()):
        path = directory / pattern.file_name
        write_wav(path, render(pattern))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_tones():
        print(written)

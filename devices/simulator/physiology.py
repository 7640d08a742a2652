"""A deterministic patient: baselines, ramps toward targets, jitter, and an NIBP cuff cycle.

Same seed and same inputs give the same numbers (one `random.Random(seed)`, consumed in time
order). Continuous vitals (HR, pulse rate, RR, SpO2) are sampled once a second; NIBP is measured
every `nibp_interval_seconds` and keeps its own measured time, as a real cuff does.

Jitter is a mean-reverting random walk (AR(1)), bounded to ±2.5 σ: it looks like a monitor trace
rather than white noise, and the bound lets a scenario author know that a target 3 σ beyond a
threshold really crosses it (see `JITTER_SIGMA`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from protocols.vitals import METRICS

RAMPABLE: tuple[str, ...] = ("bp_systolic", "bp_diastolic", "heart_rate", "resp_rate", "spo2")
"""Metrics a scenario may set a baseline for and ramp. Mean BP and pulse rate are derived."""

DERIVED: dict[str, str] = {
    "bp_mean": "derived from systolic and diastolic (diastolic + (systolic - diastolic) / 3)",
    "pulse_rate": "follows heart_rate",
}

DEFAULT_BASELINE: dict[str, float] = {
    "bp_systolic": 124.0,
    "bp_diastolic": 78.0,
    "heart_rate": 76.0,
    "resp_rate": 14.0,
    "spo2": 98.0,
}

JITTER_SIGMA: dict[str, float] = {
    # Beat-to-beat and breath-to-breath variation as a monitor displays it (integers).
    "heart_rate": 1.5,
    "resp_rate": 0.7,
    "spo2": 0.5,
    # One NIBP measurement against the true pressure: cuff measurement scatter.
    "bp_systolic": 3.0,
    "bp_diastolic": 2.0,
}
JITTER_BOUND = 2.5
"""Jitter never exceeds JITTER_BOUND × σ, so scenario targets can be chosen to cross thresholds."""
_AR_COEFF = 0.9  # correlation of the continuous jitter from one second to the next

NIBP_FIRST_SECONDS = 30.0
"""The first cuff cycle ends this long after the start (inflation and deflation take ~30 s)."""


def first_cuff_reading_s(after_s: float, interval_s: float) -> float:
    """The second of the frame carrying the cuff's first reading at or after `after_s`: the
    schedule `Physiology.samples` keeps (NIBP_FIRST_SECONDS, then every `interval_s`), read at
    the first whole second due (`scenario.check_duration` holds a run to it)."""
    cycles = max(0, math.ceil((after_s - NIBP_FIRST_SECONDS) / interval_s))
    return float(math.ceil(NIBP_FIRST_SECONDS + cycles * interval_s))


@dataclass(frozen=True, slots=True)
class Ramp:
    """Move `metric` from wherever it is at `start_s` to `target` over `duration_s` (0 = a step)."""

    start_s: float
    metric: str
    target: float
    duration_s: float


@dataclass(frozen=True, slots=True)
class Nibp:
    """One cuff measurement; `t` is when it was measured (seconds from the scenario start)."""

    t: float
    systolic: int
    diastolic: int
    mean: int


@dataclass(frozen=True, slots=True)
class Sample:
    """The continuous vitals at second `t`, and the latest NIBP measurement (None before the first).

    `probe_on` False: the pulse oximeter's probe is off the patient (a scenario's `probe_off`
    step), so the monitor has no SpO2 and no oximeter pulse rate to send; `spo2` and
    `pulse_rate` are still the patient's, for after the probe is back.

    A vital on a second channel (a scenario's `[second_channel]`, `with_second_channels`):
    `spo2_probe2`, a second pulse-oximeter probe's SpO2 beside `spo2` (both "no value" while the
    probe is off); `chest_rr`, the chest-impedance RR of a monitor with capnography, whose
    `resp_rate` is then the airway RR (breaths that move air). None: no such channel.
    """

    t: float
    heart_rate: int
    pulse_rate: int
    resp_rate: int
    spo2: int
    nibp: Nibp | None
    probe_on: bool = True
    spo2_probe2: int | None = None
    chest_rr: int | None = None


@dataclass(frozen=True, slots=True)
class _Segment:
    start_s: float
    v0: float
    target: float
    duration_s: float

    def value(self, t: float) -> float:
        if self.duration_s <= 0:
            return self.target
        frac = min(1.0, max(0.0, (t - self.start_s) / self.duration_s))
        return self.v0 + (self.target - self.v0) * frac


class Physiology:
    """The underlying trends plus jitter, sampled in time order.

    Args:
        baseline: starting values for `RAMPABLE` metrics (missing ones take `DEFAULT_BASELINE`).
        ramps: changes over time; a later ramp starts from wherever an earlier one had got to.
        seed: the random seed; same seed, same samples.
        nibp_interval_seconds: time between cuff measurements.
    """

    def __init__(
        self,
        baseline: Mapping[str, float],
        ramps: Sequence[Ramp],
        seed: int,
        nibp_interval_seconds: float,
    ) -> None:
        if nibp_interval_seconds <= 0:
            raise ValueError(f"nibp_interval_seconds must be > 0, got {nibp_interval_seconds}")
        self.baseline = {**DEFAULT_BASELINE, **baseline}
        self.nibp_interval_seconds = nibp_interval_seconds
        self._rng = random.Random(seed)
        self._segments: dict[str, list[_Segment]] = {}
        for name in RAMPABLE:
            mine = sorted((r for r in ramps if r.metric == name), key=lambda r: r.start_s)
            segments = [_Segment(0.0, self.baseline[name], self.baseline[name], 0.0)]
            for ramp in mine:
                v0 = self._trend_from(segments, ramp.start_s)
                segments.append(_Segment(ramp.start_s, v0, ramp.target, ramp.duration_s))
            self._segments[name] = segments

    @staticmethod
    def _trend_from(segments: Sequence[_Segment], t: float) -> float:
        current = segments[0]
        for seg in segments:
            if seg.start_s <= t:
                current = seg
        return current.value(t)

    def trend(self, metric: str, t: float) -> float:
        """The noiseless value of a rampable metric at `t` seconds."""
        return self._trend_from(self._segments[metric], t)

    def _bounded_normal(self, sigma: float) -> float:
        return max(-JITTER_BOUND * sigma, min(JITTER_BOUND * sigma, self._rng.gauss(0.0, sigma)))

    def samples(self, duration_s: float) -> Iterator[Sample]:
        """One sample per second from t = 0 while t < duration_s, NIBP cycling inside."""
        walk = {name: 0.0 for name in ("heart_rate", "resp_rate", "spo2")}
        innovation = math.sqrt(1 - _AR_COEFF**2)
        nibp: Nibp | None = None
        next_nibp = NIBP_FIRST_SECONDS
        t = 0
        while t < duration_s:
            for name in walk:
                sigma = JITTER_SIGMA[name]
                step = _AR_COEFF * walk[name] + innovation * self._rng.gauss(0.0, sigma)
                walk[name] = max(-JITTER_BOUND * sigma, min(JITTER_BOUND * sigma, step))
            if t >= next_nibp:
                nibp = self._measure_nibp(float(t))
                next_nibp += self.nibp_interval_seconds
            hr = _clamp("heart_rate", self.trend("heart_rate", t) + walk["heart_rate"])
            # The oximeter's pulse rate tracks the ECG rate within a beat or two.
            pr = _clamp("pulse_rate", hr + round(self._bounded_normal(0.6)))
            rr = _clamp("resp_rate", self.trend("resp_rate", t) + walk["resp_rate"])
            spo2 = _clamp("spo2", self.trend("spo2", t) + walk["spo2"])
            yield Sample(float(t), hr, pr, rr, spo2, nibp)
            t += 1

    def _measure_nibp(self, t: float) -> Nibp:
        sys_v = self.trend("bp_systolic", t) + self._bounded_normal(JITTER_SIGMA["bp_systolic"])
        dia_v = self.trend("bp_diastolic", t) + self._bounded_normal(JITTER_SIGMA["bp_diastolic"])
        systolic = _clamp("bp_systolic", sys_v)
        # A cuff never reports diastolic at or above systolic; keep a physiological gap.
        diastolic = min(_clamp("bp_diastolic", dia_v), systolic - PULSE_PRESSURE_MIN)
        mean = _clamp("bp_mean", diastolic + (systolic - diastolic) / 3)
        return Nibp(t, systolic, diastolic, mean)


SECOND_CHANNELS: dict[str, str] = {
    # vital -> what its second channel is, beside the scenario's own value of it
    "spo2": "a second pulse-oximeter probe",
    "resp_rate": "the chest-impedance RR beside capnography's airway RR",
}


@dataclass(frozen=True, slots=True)
class SecondChannel:
    """A vital's second channel: the scenario's value plus `offset`, or `value` fixed (an
    obstructed airway: the chest keeps moving at 14 while no air moves). No jitter of its own,
    so the patient's seeded values are the same with it as without."""

    offset: float = 0.0
    value: float | None = None

    def of(self, metric: str, first: int) -> int:
        return _clamp(metric, self.value if self.value is not None else first + self.offset)


def with_second_channels(sample: Sample, channels: Mapping[str, SecondChannel]) -> Sample:
    """`sample` with the second channel of each vital in `channels` (keys of SECOND_CHANNELS)."""
    if not channels:
        return sample
    probe2, chest = channels.get("spo2"), channels.get("resp_rate")
    return replace(sample,
                   spo2_probe2=None if probe2 is None else probe2.of("spo2", sample.spo2),
                   chest_rr=None if chest is None else chest.of("resp_rate", sample.resp_rate))


PULSE_PRESSURE_MIN = 10
"""The cuff's diastolic stays this far below its systolic (a scenario asking more, at the start
or after a ramp, is refused at load: `scenario._Validator.pressures_at_start`,
`pressures_apart`)."""


def _clamp(metric: str, value: float) -> int:
    """Round to what a monitor shows and keep it inside the registry's hard range."""
    low, high = METRICS[metric].hard
    return int(max(low, min(high, round(value))))

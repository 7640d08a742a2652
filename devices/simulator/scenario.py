"""Scenarios: TOML data files a QA engineer writes, validated on load, compiled to a timeline.

A scenario file (see `scenarios/*.toml` for complete ones):

    name = "tachypnea"
    description = "RR climbs to 28/min from minute 10 and stays there for 15 minutes"
    duration_minutes = 45
    nibp_interval_minutes = 5          # optional, default 5

    [baseline]                         # optional keys: bp_systolic, bp_diastolic, heart_rate,
    resp_rate = 14                     # resp_rate, spo2 (missing ones take the defaults)

    [second_channel.resp_rate]         # optional: one vital on two channels (below)
    value = 14                         # or offset = -3 (from the scenario's value)

    [[steps]]                          # any number, any order
    at_minute = 10
    action = "ramp"                    # ramp | disconnect | probe_off | garbage | nul_bytes |
    metric = "resp_rate"               # truncated_frame | mid_frame
    to = 29
    over_minutes = 8

    [expect]
    text = "RR >= 25: resp_rate_high (medium) from about minute 16"
    alarms = ["resp_rate_high"]
    max_speed = 3                      # optional: the fastest --speed that still brings them

Step keys by action: ramp (metric, to, over_minutes), disconnect (seconds), probe_off
(seconds), garbage (bytes), nul_bytes (bytes), truncated_frame and mid_frame (none). Every step
has `at_minute` and may have a `note`. Unknown keys are refused, so a typo never silently does
nothing. Every step accepted is played, one in the last second too; a `disconnect` or a byte
fault while the port is unplugged by an earlier `disconnect` is refused (nothing reaches an
unplugged port). A file may start with a UTF-8 byte-order mark.

`probe_off`: the pulse oximeter's probe comes off the patient for `seconds`. The monitor keeps
sending every frame on time; the oximeter's values (SpO2 and its pulse rate) go out as the
format's own "no value" and the rest (ECG heart rate, RR, NIBP) as usual. Only the formats in
`devices.simulator.encode.PROBE_OFF_FORMATS` can play it (hl7: the two OBX rows with an empty
OBX-5 and OBX-11 `X`; masimo: `SPO2=---% BPM=---` with the Sensor Off exception bit); a scenario
with the step is refused for any other format (`check_playable`), never played without it.

`[second_channel.spo2]` and `[second_channel.resp_rate]`: the monitor sends the vital on a
second channel in every frame, beside the scenario's own value, as the console's
console/session/channels.py judges them (the worse one): a second SpO2 probe (hl7: OBX-4
1.2.2.1 beside 1.2.1.1), and the chest-impedance RR (151562, IntelliVue 0x500A) beside
capnography's airway RR (151570, 0x5012), which is then the scenario's `resp_rate` (what moves
air: an obstructed airway drops it while the chest keeps moving). `value` fixes the second
channel, `offset` makes it follow the scenario's value. Only the formats in
`devices.simulator.encode.SECOND_CHANNEL_FORMATS` carry it; any other refuses the scenario
(`check_playable`). A timeline's `truths` hold the scenario's own values (the first channel).

An expected alarm needs a format that sends its metric (`ALARM_METRICS`,
`devices.simulator.encode.SENT_METRICS`): `masimo` sends SpO2 and pulse only, so a scenario
expecting an RR, heart rate or blood pressure alarm is refused for it (`check_playable`), as a
probe off is for `ansar-b`. A device that is asked (`answering.ANSWERING_FORMATS`) can only fall
silent: a scenario expecting `device_lost`, or with bytes that are no frame, is refused for it
(`encode.LINE_FAULT_FORMATS`). An alarm the console times on its own clock (an absence, a
sustained value) needs the scenario's event to last that long at the speed played: a file says
so with `expect.max_speed`, and a faster `--speed` is refused (`check_speed`).

The timeline is what the player plays: `(t_seconds, Write | Disconnect)` entries in time order,
the same bytes for the same scenario, format, seed and start time; `stream_timeline` gives the
same entries made one by one as they are played (a day's takes seconds to make whole).
"""

from __future__ import annotations

import math
import random
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from protocols.vitals import METRICS
from devices.toml_value import shown as value_shown
from devices.simulator.encode import (
    DEFAULT_IDENTITY,
    LINE_FAULT_FORMATS,
    PROBE_OFF_FORMATS,
    SECOND_CHANNEL_FORMATS,
    SENT_METRICS,
    DeviceIdentity,
    new_encoder,
)
from devices.simulator.physiology import (
    DEFAULT_BASELINE,
    DERIVED,
    PULSE_PRESSURE_MIN,
    RAMPABLE,
    SECOND_CHANNELS,
    Physiology,
    Ramp,
    Sample,
    SecondChannel,
    first_cuff_reading_s,
    with_second_channels,
)

ACTIONS: dict[str, tuple[str, ...]] = {
    # action -> keys it needs besides at_minute (and the optional note)
    "ramp": ("metric", "to", "over_minutes"),
    "disconnect": ("seconds",),
    "probe_off": ("seconds",),
    "garbage": ("bytes",),
    "nul_bytes": ("bytes",),
    "truncated_frame": (),
    "mid_frame": (),
}

ALARM_METRICS: dict[str, str | None] = {
    # Condition names of the console's alarm rules that a scenario may promise to cause, each
    # with the metric the device must send for it to come (None: about the device itself).
    "bp_systolic_high": "bp_systolic",
    "bp_diastolic_high": "bp_diastolic",
    "heart_rate_high": "heart_rate",
    "heart_rate_low": "heart_rate",
    "resp_rate_high": "resp_rate",
    "resp_rate_low": "resp_rate",
    "spo2_low": "spo2",
    "device_lost": None,
    "device_stale": None,
}
ALARM_CONDITIONS: tuple[str, ...] = tuple(ALARM_METRICS)
BYTE_FAULTS = frozenset({"garbage", "nul_bytes", "truncated_frame", "mid_frame"})

TOP_LEVEL_KEYS = ("name", "description", "duration_minutes", "nibp_interval_minutes", "baseline",
                  "second_channel", "steps", "expect")
DEFAULT_NIBP_INTERVAL_MINUTES = 5.0
MAX_DURATION_MINUTES = 24 * 60
MAX_FAULT_BYTES = 65536
MAX_DISCONNECT_SECONDS = 3600
DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class ScenarioError(ValueError):
    """A scenario file that cannot be used: names the file, the key and the reason."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        super().__init__(f"{source}: {key}: {reason}")
        self.source = source
        self.key = key
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Step:
    """One timed change. Fields other than `at_s` and `action` exist only for some actions.

    Attributes:
        at_s: when, in seconds from the start.
        action: one of `ACTIONS`.
        metric: ramp only: which rampable metric.
        to: ramp only: the target value.
        over_s: ramp only: how long the ramp takes (0 = a step change).
        seconds: disconnect: how long the port is gone; probe_off: how long the oximeter's
            probe is off (its values sent as "no value").
        count: garbage and nul_bytes only: how many bytes.
        note: free text for people.
    """

    at_s: float
    action: str
    metric: str = ""
    to: float = 0.0
    over_s: float = 0.0
    seconds: float = 0.0
    count: int = 0
    note: str = ""


@dataclass(frozen=True, slots=True)
class Expect:
    """What the scenario should make the console do: prose, and condition names.

    `max_speed`: the fastest `--speed` that still brings the alarms, or None (any). The console
    times an absence ("No SpO2 for 30 s") or a sustained value on its own clock, which runs at
    x1 whatever the simulator's speed: `probe-off`'s 90 s off the finger at x10 is 9 s to the
    console, and its spo2_low never came (a QA review)."""

    text: str
    alarms: tuple[str, ...]
    max_speed: float | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    duration_minutes: float
    nibp_interval_minutes: float
    baseline: Mapping[str, float]
    steps: tuple[Step, ...]
    expect: Expect
    source: str = ""
    second_channels: Mapping[str, SecondChannel] = field(default_factory=dict)
    """vital -> its second channel (`[second_channel.spo2]`, `[second_channel.resp_rate]`)."""

    def ramps(self) -> list[Ramp]:
        return [Ramp(s.at_s, s.metric, s.to, s.over_s) for s in self.steps if s.action == "ramp"]


# ------------------------------------------------------------------------------------- loading


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with the package, sorted."""
    folder = resources.files("devices.simulator") / "scenarios"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_builtin(name: str) -> Scenario:
    """Load a shipped scenario by name.

    Raises:
        ScenarioError: unknown name (the message lists the known ones), or an invalid file.
    """
    names = builtin_names()
    if name not in names:
        raise ScenarioError("--scenario", name, f"unknown scenario; known: {', '.join(names)}")
    ref = resources.files("devices.simulator") / "scenarios" / f"{name}.toml"
    return parse_scenario(ref.read_text(encoding="utf-8"), f"{name}.toml")


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file.

    Raises:
        ScenarioError: unreadable, not TOML, or invalid (file, key and reason in the message).
    """
    p = Path(path)
    try:
        # utf-8-sig: a Windows editor's byte-order mark is harmless, as in protocol files and
        # code maps (protocols/loader.py, devices/hl7/dialects.py); it was refused as "not
        # valid TOML ... (at line 1, column 1)", naming nothing the QA could see in the file.
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(p), "(file)", f"cannot read: {exc}") from None
    return parse_scenario(text, str(p))


def parse_scenario(text: str, source: str) -> Scenario:
    """Validate TOML text as a scenario; `source` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "(file)", f"not valid TOML: {exc}") from None
    except RecursionError:   # tomllib recurses per level of nested arrays or inline tables
        raise ScenarioError(source, "(file)", "not valid TOML: nested too deeply") from None
    except ValueError:   # Python reads no integer of more digits (sys.get_int_max_str_digits)
        raise ScenarioError(source, "(file)", "not valid TOML: a whole number of more than "
                                              f"{sys.get_int_max_str_digits()} digits") from None
    return _Validator(source).scenario(data)


BASELINE_SPO2_LOW = 50   # a scenario starts from a patient fit for sedation; steps may go lower


class _Validator:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, reason: str) -> ScenarioError:
        return ScenarioError(self.source, key, reason)

    def unknown_keys(self, table: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                raise self.fail(f"{where}{key}", f"unknown key; allowed: {', '.join(allowed)}")

    def string(self, table: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "required, a text value")
        if not isinstance(value, str):
            raise self.fail(f"{where}{key}", f"must be text, got {value_shown(value)}")
        return value

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        where: str,
        *,
        low: float | None = None,
        high: float | None = None,
        strict_low: bool = False,
        default: float | None = None,
    ) -> float:
        value = table.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "required, a number")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where}{key}", f"must be a number, got {value_shown(value)}")
        try:
            v = float(value)
        except OverflowError:   # a whole number past a float (a key held down): a traceback
            raise self.fail(f"{where}{key}", self.too_big(value, low, high, strict_low)) from None
        if not math.isfinite(v):   # nan passed every bound: a traceback, a hang, a silent step
            raise self.fail(f"{where}{key}", f"must be a finite number, got {value!r}")
        if low is not None and (v <= low if strict_low else v < low):
            sign = ">" if strict_low else ">="
            raise self.fail(f"{where}{key}", f"must be {sign} {low:g}, got {v:g}")
        if high is not None and v > high:
            raise self.fail(f"{where}{key}", f"must be <= {high:g}, got {v:g}")
        return v

    @staticmethod
    def too_big(value: float, low: float | None, high: float | None, strict_low: bool) -> str:
        """Why a whole number no float holds is refused: the bound it is past, if any."""
        try:
            got = f"got a whole number of {len(str(abs(int(value))))} digits"
        except ValueError:   # past sys.get_int_max_str_digits, as value_shown says
            got = f"got {value_shown(value)}"
        if value > 0 and high is not None:
            return f"must be <= {high:g}, {got}"
        if value < 0 and low is not None:
            return f"must be {'>' if strict_low else '>='} {low:g}, {got}"
        return f"must be a finite number, {got}"

    def scenario(self, data: Mapping[str, Any]) -> Scenario:
        self.unknown_keys(data, TOP_LEVEL_KEYS, "")
        name = self.string(data, "name", "")
        if not name.strip():
            raise self.fail("name", "must not be empty")
        description = self.string(data, "description", "")
        duration = self.number(data, "duration_minutes", "", low=0, strict_low=True,
                               high=MAX_DURATION_MINUTES)
        nibp = self.number(data, "nibp_interval_minutes", "", low=0, strict_low=True, high=120,
                           default=DEFAULT_NIBP_INTERVAL_MINUTES)
        baseline = self.baseline(data.get("baseline", {}))
        second = self.second_channels(data.get("second_channel", {}))
        raw_steps = data.get("steps", [])
        if not isinstance(raw_steps, list):
            raise self.fail("steps", "must be an array of tables ([[steps]])")
        steps = tuple(self.step(s, i, duration) for i, s in enumerate(raw_steps))
        self.nothing_while_unplugged(steps, duration)
        self.pressures_apart(steps, baseline, nibp)
        expect = self.expect(data.get("expect"))
        return Scenario(name, description, duration, nibp, baseline,
                        tuple(sorted(steps, key=lambda s: s.at_s)), expect, self.source, second)

    def pressures_apart(self, steps: tuple[Step, ...], baseline: Mapping[str, float],
                        nibp_minutes: float) -> None:
        """Refuse a blood-pressure ramp that would bring the diastolic within
        PULSE_PRESSURE_MIN of the systolic in force when it ends: the cuff caps it there, and
        diastolic 125 under a systolic of 124 played about 124/114, the file's expected high
        alarm never coming, without a word (review 45; `baseline` refuses it as it is)."""
        ramps = [Ramp(s.at_s, s.metric, s.to, s.over_s) for s in steps if s.action == "ramp"]
        if not any(r.metric in ("bp_systolic", "bp_diastolic") for r in ramps):
            return
        body = Physiology(baseline, ramps, 1, nibp_minutes * 60)
        for index, step in enumerate(steps):
            if step.action != "ramp" or step.metric not in ("bp_systolic", "bp_diastolic"):
                continue
            end = step.at_s + step.over_s
            systolic, diastolic = (body.trend("bp_systolic", end),
                                   body.trend("bp_diastolic", end))
            if systolic - diastolic < PULSE_PRESSURE_MIN:
                raise self.fail(
                    f"steps[{index}].to",
                    f"{step.metric} {step.to:g} leaves the blood pressure at {systolic:g}/"
                    f"{diastolic:g} at minute {end / 60:g}: the diastolic must stay at least "
                    f"{PULSE_PRESSURE_MIN} mmHg below the systolic in force (a cuff reads it so; "
                    "it was capped there unsaid); ramp the other one too")

    def nothing_while_unplugged(self, steps: tuple[Step, ...], duration_min: float) -> None:
        """Refuse a step that would write to the port (or pull it again) while it is unplugged.

        Nothing reaches an unplugged port, so the timeline could only drop it, and it was
        dropped without a word (review 39: NUL bytes 0.24 s into a 30 s disconnect). A probe
        off and a ramp happen to the patient and may come at any time.
        """
        unplugged: tuple[int, Step] | None = None   # the disconnect in force, with its index
        for index, step in sorted(enumerate(steps), key=lambda pair: pair[1].at_s):
            if step.action not in BYTE_FAULTS and step.action != "disconnect":
                continue
            if unplugged is not None:
                at, gone = unplugged
                back = gone.at_s + gone.seconds
                if step.at_s < back:
                    move = (f"move it to minute {back / 60:g} or later"
                            if back < duration_min * 60 else
                            f"move it before minute {gone.at_s / 60:g} (the port is gone to the end)")
                    raise self.fail(
                        f"steps[{index}].at_minute",
                        f"{step.action} at minute {step.at_s / 60:g} comes while the port is "
                        f"unplugged (steps[{at}]: disconnect at minute {gone.at_s / 60:g} for "
                        f"{gone.seconds:g} s) and nothing reaches an unplugged port; {move}, or "
                        "leave it out")
            if step.action == "disconnect":
                unplugged = (index, step)

    def baseline(self, table: Any) -> dict[str, float]:
        if not isinstance(table, dict):
            raise self.fail("baseline", "must be a table ([baseline])")
        out: dict[str, float] = {}
        for key in table:
            self.metric_name(key, f"baseline.{key}")
            low, high = METRICS[key].hard
            out[key] = self.number(table, key, "baseline.", low=low, high=high)
        # Values no patient has were played without a word (the QA audit): 80/120 came out as
        # about 79/70, and SpO2 0.97 (a fraction) as 0-2 %.
        systolic, diastolic = out.get("bp_systolic"), out.get("bp_diastolic")
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            raise self.fail("baseline.bp_diastolic", f"must be below bp_systolic "
                            f"({systolic:g}), got {diastolic:g}")
        self.pressures_at_start(out)
        if out.get("spo2", BASELINE_SPO2_LOW) < BASELINE_SPO2_LOW:
            raise self.fail("baseline.spo2", f"a percentage of at least {BASELINE_SPO2_LOW} "
                            f"at the start (97, not 0.97), got {out['spo2']:g}")
        return out

    def second_channels(self, table: Any) -> dict[str, SecondChannel]:
        """`[second_channel.VITAL]` tables: each `offset` (from the scenario's value) or `value`
        (fixed), not both: one of them given twice would leave a QA guessing which is sent."""
        if not isinstance(table, dict):
            raise self.fail("second_channel", "must be a table ([second_channel.spo2], "
                            "[second_channel.resp_rate])")
        self.unknown_keys(table, SECOND_CHANNELS, "second_channel.")
        out: dict[str, SecondChannel] = {}
        for vital, given in table.items():
            where = f"second_channel.{vital}."
            if not isinstance(given, dict):
                raise self.fail(f"second_channel.{vital}",
                                "must be a table with offset or value (e.g. value = 97)")
            self.unknown_keys(given, ("offset", "value"), where)
            if ("offset" in given) == ("value" in given):
                raise self.fail(f"second_channel.{vital}",
                                "give one of offset (from the scenario's value) or value (fixed)")
            low, high = METRICS[vital].hard
            if "value" in given:
                value = self.number(given, "value", where, low=low, high=high)
                if vital == "spo2" and value < BASELINE_SPO2_LOW:   # as `baseline` says it
                    raise self.fail(f"{where}value", f"a percentage of at least "
                                    f"{BASELINE_SPO2_LOW} (97, not 0.97), got {value:g}")
                out[vital] = SecondChannel(value=value)
            else:
                out[vital] = SecondChannel(offset=self.number(given, "offset", where,
                                                              low=low - high, high=high - low))
        return out

    def pressures_at_start(self, given: Mapping[str, float]) -> None:
        """Refuse a starting blood pressure closer than PULSE_PRESSURE_MIN, the one not given
        taking its default: the cuff caps the diastolic there, and `bp_diastolic = 125` alone
        (over the default systolic 124) played about 124/114, the file's expected
        bp_diastolic_high never coming, without a word (as `pressures_apart` for a ramp)."""
        if "bp_systolic" not in given and "bp_diastolic" not in given:
            return
        pressures = {**DEFAULT_BASELINE, **given}
        systolic, diastolic = pressures["bp_systolic"], pressures["bp_diastolic"]
        if systolic - diastolic >= PULSE_PRESSURE_MIN:
            return

        def other(metric: str) -> str:
            value = f"{metric} ({DEFAULT_BASELINE[metric]:g}, the default: none given)"
            return value if metric not in given else f"{metric} ({given[metric]:g})"

        capped = ("(a cuff reads no closer pressures: {} played capped at the systolic - "
                  f"{PULSE_PRESSURE_MIN})")
        if "bp_diastolic" in given:
            raise self.fail(
                "baseline.bp_diastolic",
                f"must be at least {PULSE_PRESSURE_MIN} mmHg below {other('bp_systolic')}, got "
                f"{diastolic:g} {capped.format('it was')}; give at most "
                f"{systolic - PULSE_PRESSURE_MIN:g}, or a higher bp_systolic")
        raise self.fail(
            "baseline.bp_systolic",
            f"must be at least {PULSE_PRESSURE_MIN} mmHg above {other('bp_diastolic')}, got "
            f"{systolic:g} {capped.format('the diastolic was')}; give at least "
            f"{diastolic + PULSE_PRESSURE_MIN:g}, or a lower bp_diastolic")

    def metric_name(self, name: Any, key: str) -> str:
        allowed = f"allowed: {', '.join(RAMPABLE)}"
        if name is None:
            raise self.fail(key, f"required, a metric name; {allowed}")
        if not isinstance(name, str):   # `name in DERIVED` of a list or table: a TypeError
            raise self.fail(key, f"must be text, got {value_shown(name)}; {allowed}")
        if name in DERIVED:
            raise self.fail(key, f"{name!r} cannot be set: {DERIVED[name]}; allowed: {', '.join(RAMPABLE)}")
        if name not in RAMPABLE:
            raise self.fail(key, f"unknown metric {name!r}; allowed: {', '.join(RAMPABLE)}")
        return str(name)

    def step(self, table: Any, index: int, duration_min: float) -> Step:
        where = f"steps[{index}]."
        if not isinstance(table, dict):
            raise self.fail(f"steps[{index}]", "must be a table")
        actions = f"allowed: {', '.join(ACTIONS)}"
        action = table.get("action")
        if action is None:
            raise self.fail(f"{where}action", f"required, the step's action; {actions}")
        if not isinstance(action, str):
            raise self.fail(f"{where}action", f"must be text, got {value_shown(action)}; {actions}")
        if action not in ACTIONS:
            raise self.fail(f"{where}action", f"unknown action {action!r}; {actions}")
        self.unknown_keys(table, ("at_minute", "action", "note", *ACTIONS[action]), where)
        at_min = self.number(table, "at_minute", where, low=0)
        if at_min >= duration_min:
            raise self.fail(f"{where}at_minute",
                            f"must be before the end (duration_minutes = {duration_min:g}), got {at_min:g}")
        note = self.string(table, "note", where, default="")
        at_s = at_min * 60
        if action == "ramp":
            metric = self.metric_name(table.get("metric"), f"{where}metric")
            low, high = METRICS[metric].hard
            to = self.number(table, "to", where, low=low, high=high)
            over = self.number(table, "over_minutes", where, low=0, high=MAX_DURATION_MINUTES)
            return Step(at_s, action, metric=metric, to=to, over_s=over * 60, note=note)
        if action == "disconnect":
            seconds = self.number(table, "seconds", where, low=0, strict_low=True,
                                  high=MAX_DISCONNECT_SECONDS)
            return Step(at_s, action, seconds=seconds, note=note)
        if action == "probe_off":
            # It may last to the end and beyond (a probe never put back): the frames stop there.
            seconds = self.number(table, "seconds", where, low=0, strict_low=True,
                                  high=MAX_DURATION_MINUTES * 60)
            return Step(at_s, action, seconds=seconds, note=note)
        if action in ("garbage", "nul_bytes"):
            count = self.number(table, "bytes", where, low=1, high=MAX_FAULT_BYTES)
            if count != int(count):
                raise self.fail(f"{where}bytes", f"must be a whole number, got {count:g}")
            return Step(at_s, action, count=int(count), note=note)
        return Step(at_s, action, note=note)

    def expect(self, table: Any) -> Expect:
        if table is None:
            raise self.fail("expect", "required: [expect] with text and alarms (alarms may be [])")
        if not isinstance(table, dict):
            raise self.fail("expect", "must be a table ([expect])")
        self.unknown_keys(table, ("text", "alarms", "max_speed"), "expect.")
        text = self.string(table, "text", "expect.")
        alarms = table.get("alarms")
        if not isinstance(alarms, list):
            raise self.fail("expect.alarms", "required, a list of condition names (may be [])")
        for i, name in enumerate(alarms):
            if name not in ALARM_CONDITIONS:
                raise self.fail(f"expect.alarms[{i}]",
                                f"unknown condition {value_shown(name)}; allowed: {', '.join(ALARM_CONDITIONS)}")
        max_speed = (None if table.get("max_speed") is None
                     else self.number(table, "max_speed", "expect.", low=0, strict_low=True))
        return Expect(text, tuple(alarms), max_speed)


def check_speed(scenario: Scenario, speed: float) -> None:
    """Refuse a `--speed` above the scenario's `expect.max_speed` (`Expect`): played so, a QA
    run would wait for an alarm the console is right not to raise.

    Raises:
        ScenarioError: names the alarms, the speed given and the fastest allowed.
    """
    fastest = scenario.expect.max_speed
    if fastest is None or speed <= fastest:
        return
    raise ScenarioError(
        scenario.source or scenario.name, "expect.max_speed",
        f"{', '.join(scenario.expect.alarms)} needs --speed {fastest:g} or less: the console "
        f"times it on its own clock, which --speed does not hasten, so at --speed {speed:g} the "
        "scenario's event is too short to bring it")


def check_playable(scenario: Scenario, fmt: str) -> None:
    """Refuse a scenario whose steps the simulated device of format `fmt` cannot play.

    A `probe_off` step needs a format that can say "no SpO2" while it sends the rest
    (`PROBE_OFF_FORMATS`), and an expected alarm needs a format that sends its metric
    (`ALARM_METRICS`, `SENT_METRICS`: a Masimo oximeter sends no RR, so `tachypnea` in it would
    never raise resp_rate_high); played without, a QA run would wait for an alarm that never comes.
    A device that is asked keeps its port open and answers whole messages (`LINE_FAULT_FORMATS`):
    it plays no byte fault, and its `disconnect` is silence, device_stale, never device_lost.
    A vital on a second channel needs a format that carries it (`SECOND_CHANNEL_FORMATS`):
    played on one channel only, the console would judge a value the scenario does not promise.

    Raises:
        ScenarioError: names the step or the alarm, the format and the formats that can play it.
    """
    for step in scenario.steps:
        if step.action == "probe_off" and fmt not in PROBE_OFF_FORMATS:
            raise ScenarioError(
                scenario.source or scenario.name, f"steps: probe_off at minute {step.at_s / 60:g}",
                f"the {fmt} simulator cannot send a probe off; formats that can: "
                f"{', '.join(PROBE_OFF_FORMATS)} (give one of them with --format, or leave the "
                "step out)")
        if step.action in BYTE_FAULTS and fmt not in LINE_FAULT_FORMATS:
            raise ScenarioError(
                scenario.source or scenario.name,
                f"steps: {step.action} at minute {step.at_s / 60:g}",
                f"the {fmt} simulator answers whole messages and cannot send bytes that are no "
                f"frame; formats that can: {', '.join(LINE_FAULT_FORMATS)} (give one of them with "
                "--format)")
    for vital in scenario.second_channels:
        if fmt not in SECOND_CHANNEL_FORMATS[vital]:
            raise ScenarioError(
                scenario.source or scenario.name, f"second_channel.{vital}",
                f"the {fmt} simulator cannot send {SECOND_CHANNELS[vital]} (one vital on two "
                f"channels); formats that can: {', '.join(SECOND_CHANNEL_FORMATS[vital])} (give "
                "one of them with --format)")
    if "device_lost" in scenario.expect.alarms and fmt not in LINE_FAULT_FORMATS:
        raise ScenarioError(
            scenario.source or scenario.name, "expect.alarms: device_lost",
            f"the {fmt} simulator keeps its port open and can only fall silent, which the console "
            f"shows as device_stale (no data); formats that drop the port: "
            f"{', '.join(LINE_FAULT_FORMATS)} (give one of them with --format)")
    sent = SENT_METRICS[fmt]
    for condition in scenario.expect.alarms:
        metric = ALARM_METRICS[condition]
        if metric is None or metric in sent:
            continue
        carriers = [name for name, metrics in SENT_METRICS.items() if metric in metrics]
        raise ScenarioError(
            scenario.source or scenario.name, f"expect.alarms: {condition}",
            f"needs {metric}, which the {fmt} simulator does not send (only {', '.join(sent)}); "
            f"formats that send {metric}: {', '.join(carriers)} (give one of them with --format)")


def check_duration(scenario: Scenario, duration_minutes: float | None) -> None:
    """Refuse a run that ends before a step the scenario is about: a `--duration-minutes`
    (`infusion-sim`), or None, the scenario's own duration, judged alike (a file whose alarm
    ramp ran past its own end was played without its alarm, unrefused: a review). A file's own
    step must be before its end (`_Validator.step`): played, `--scenario disconnect
    --duration-minutes 5` exited 0 having never unplugged, the device_lost `--list` promises
    never coming, without a word (a review). Every fault step counts, and in a scenario that
    expects alarms every step (a ramp may be what brings one), a ramp toward an expected alarm's
    limit played whole (`_when_played`): one cut before its target had counted as played,
    `tachypnea` for 11 minutes exiting 0 with RR never up to its alarm (a QA review). One that
    expects none may be cut short in its drift (`normal` for half a minute: a quick check of the
    port).

    Raises:
        ScenarioError: names the first step the run would not play (whole), its minute, and the
            least duration that plays them all; "leave --duration-minutes out" only when the
            scenario's own duration plays them.
    """
    body = Physiology(scenario.baseline, scenario.ramps(), 1, scenario.nibp_interval_minutes * 60)
    needed = [_when_played(scenario, body, s) for s in scenario.steps
              if s.action != "ramp" or scenario.expect.alarms]

    def cut_by(minutes: float) -> list[_Played]:
        return [p for p in needed if not p.by(minutes * 60)]

    own_cut = cut_by(scenario.duration_minutes)
    cut = own_cut if duration_minutes is None else cut_by(duration_minutes)
    if not cut:
        return
    first = cut[0]
    # The last to be played: a step needs a run longer than its minute, a whole ramp one that
    # lasts to its end (on a tie the step's "more than" is the least).
    last = max(needed, key=lambda p: (p.at_s, not p.whole))
    last_min = last.at_s / 60
    step = first.step
    ramp = (f"ramp of {step.metric} from minute {step.at_s / 60:g} reaches {step.to:g} at minute "
            f"{(step.at_s + step.over_s) / 60:g}")
    if first.cuff:
        what = (f"{ramp}, first read by the cuff at minute {first.at_s / 60:g}, which would not "
                "be played")
    elif first.whole:
        what = f"{ramp}, which would not be played whole"
    else:
        kind = f"ramp of {step.metric}" if step.action == "ramp" else step.action
        what = f"{kind} at minute {step.at_s / 60:g}, which would not be played"
    if last.whole:
        least = f"at least {last_min:g} (its last ramp ends at minute {last_min:g})"
    elif last.cuff:
        least = (f"more than {last_min:g} (the cuff first reads its last ramp at minute "
                 f"{last_min:g})")
    else:
        least = f"more than {last_min:g} (its last step is at minute {last_min:g})"
    expects = (f" (the scenario expects {', '.join(scenario.expect.alarms)})"
               if scenario.expect.alarms else "")
    if duration_minutes is None:
        key, then = f"duration_minutes = {scenario.duration_minutes:g}", (
            ", in the file or with --duration-minutes")
    else:
        # Leaving the option out plays the scenario's own duration: offered only if that plays.
        key, then = f"--duration-minutes {duration_minutes:g}", (
            "" if own_cut else
            f", or leave --duration-minutes out (the scenario's {scenario.duration_minutes:g})")
    raise ScenarioError(scenario.source or scenario.name, key,
                        f"ends the run before its {what}{expects}; give {least}{then}")


@dataclass(frozen=True, slots=True)
class _Played:
    """When a run has played `step`: once it lasts to `at_s` (`whole`) or once it is past it.

    Attributes:
        whole: a ramp toward an expected alarm's limit, played when the run lasts to its end.
        cuff: such a ramp of a cuff's pressure, played once the run is past `at_s`, the cuff's
            first reading at or after its end.
    """

    step: Step
    at_s: float
    whole: bool = False
    cuff: bool = False

    def by(self, end_s: float) -> bool:
        """Whether a run ending at `end_s` plays it (a frame at second t is sent when t < end_s)."""
        return self.at_s <= end_s if self.whole else self.at_s < end_s


def _when_played(scenario: Scenario, body: Physiology, step: Step) -> _Played:
    """When a run of `scenario` (its trends: `body`) has played `step`: a ramp toward an
    expected alarm's limit (up for a `_high` alarm, down for a `_low` one) to its end, and for a
    cuff's pressure until the cuff's first reading after it (a 15-minute run of a systolic ramp
    to 190 ending at minute 15 sent about 165 at most, read at minute 10.5: a review); any other
    step, a recovery ramp too, once the run reaches it (`tachypnea` for 35 minutes plays RR >= 25
    from about minute 16 to 33 and had been refused for its ramp back to 16, minute 30 to 38, when
    every ramp of an alarm's vital had to be played whole: a review)."""
    if step.action != "ramp":
        return _Played(step, step.at_s)
    limits = {(ALARM_METRICS[c], c.rpartition("_")[2]) for c in scenario.expect.alarms}
    start = body.trend(step.metric, step.at_s)   # from the baseline and the ramps before it
    way = "high" if step.to > start else "low" if step.to < start else ""
    if (step.metric, way) not in limits:
        return _Played(step, step.at_s)
    end_s = step.at_s + step.over_s
    if step.metric in ("bp_systolic", "bp_diastolic"):
        return _Played(step, first_cuff_reading_s(end_s, scenario.nibp_interval_minutes * 60),
                       cuff=True)
    # A step change (0 minutes) is played once the run is past it, as any step.
    return _Played(step, end_s, whole=step.over_s > 0)



# ------------------------------------------------------------------------------------ timeline


@dataclass(frozen=True, slots=True)
class Write:
    """Bytes to write to the port. `frames`: how many complete valid frames they hold."""

    data: bytes
    frames: int = 0
    note: str = "frame"


@dataclass(frozen=True, slots=True)
class Disconnect:
    """The port goes away for `seconds` (scenario time), then comes back at the same path."""

    seconds: float


Action = Write | Disconnect


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    t: float  # seconds from the start, scenario time (the player divides by its speed)
    action: Action


@dataclass(frozen=True, slots=True)
class Timeline:
    """A deterministic script for the player."""

    entries: tuple[TimelineEntry, ...]
    duration_s: float
    fmt: str
    name: str = ""
    start: datetime = DEFAULT_START
    truths: tuple[tuple[float, dict[str, float]], ...] = field(default=())
    """(t, metric -> value) for every valid frame written: what a decoder should find."""

    def valid_frames(self) -> int:
        return sum(e.action.frames for e in self.entries if isinstance(e.action, Write))

    def data(self) -> bytes:
        """Every byte written, in order (what a reader attached throughout would receive)."""
        return b"".join(e.action.data for e in self.entries if isinstance(e.action, Write))

    def disconnects(self) -> list[TimelineEntry]:
        return [e for e in self.entries if isinstance(e.action, Disconnect)]


def compile_timeline(
    scenario: Scenario,
    fmt: str = "hl7",
    seed: int = 1,
    start: datetime = DEFAULT_START,
    duration_minutes: float | None = None,
    *,
    identity: DeviceIdentity = DEFAULT_IDENTITY,
) -> Timeline:
    """Turn a scenario into the bytes a device of format `fmt` would send, second by second.

    Args:
        scenario: a validated scenario.
        fmt: one of `devices.simulator.encode.FORMAT_NAMES`.
        seed: physiology and fault bytes derive from it; same seed, same bytes.
        start: the device clock at t = 0 (UTC aware).
        duration_minutes: overrides the scenario's duration (steps after the end are skipped;
            `check_duration` refuses that for a QA's `--duration-minutes`).
        identity: who the device says it is (default: the library's fixed one).

    Raises:
        ValueError: unknown format or a duration <= 0.
        ScenarioError: a step the format cannot play (`check_playable`).
    """
    played = stream_timeline(scenario, fmt, seed, start, duration_minutes, identity=identity)
    entries: list[TimelineEntry] = []
    truths: list[tuple[float, dict[str, float]]] = []
    for entry, sample in _made(played):
        entries.append(entry)
        if sample is not None:
            truths.append((entry.t, _truth(sample, fmt)))
    return Timeline(tuple(entries), played.duration_s, fmt, scenario.name, start, tuple(truths))


@dataclass(frozen=True, slots=True)
class StreamedTimeline:
    """`compile_timeline`'s timeline made as it is played: the same entries, each one encoded
    when the player comes to it. A day's scenario compiled whole took 4.5 s (86,400 HL7
    messages), so `infusion-sim --duration-minutes 1440` sent its first byte after the console's
    4 s watchdog had raised "no data"; made as played, the first comes at once, and `start` can
    be set (`dataclasses.replace`) when the reader comes, nothing made before it."""

    scenario: Scenario
    fmt: str
    seed: int
    duration_s: float
    start: datetime = DEFAULT_START
    identity: DeviceIdentity = DEFAULT_IDENTITY   # the same for the whole run, replugs too

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def entries(self) -> Iterator[TimelineEntry]:
        """The entries from the first, in time order, made as they are taken (each use of the
        property makes them anew)."""
        return (entry for entry, _ in _made(self))


def stream_timeline(
    scenario: Scenario,
    fmt: str = "hl7",
    seed: int = 1,
    start: datetime = DEFAULT_START,
    duration_minutes: float | None = None,
    *,
    identity: DeviceIdentity = DEFAULT_IDENTITY,
) -> StreamedTimeline:
    """The timeline `compile_timeline` gives, to be made as it is played; checked here, at once.

    Raises:
        ValueError: unknown format or a duration <= 0.
        ScenarioError: a step the format cannot play (`check_playable`).
    """
    new_encoder(fmt)
    check_playable(scenario, fmt)
    duration_s = (duration_minutes if duration_minutes is not None else scenario.duration_minutes) * 60
    if duration_s <= 0:
        raise ValueError(f"duration must be > 0 minutes, got {duration_s / 60:g}")
    return StreamedTimeline(scenario, fmt, seed, duration_s, start, identity)


def _made(played: StreamedTimeline) -> Iterator[tuple[TimelineEntry, Sample | None]]:
    """The entries of `played` in time order, each with the sample of its valid frame (None for
    a fault or a disconnect): what a decoder should find in it."""
    scenario, start, duration_s = played.scenario, played.start, played.duration_s
    encoder = new_encoder(played.fmt, played.identity)
    body = Physiology(scenario.baseline, scenario.ramps(), played.seed,
                      scenario.nibp_interval_minutes * 60)
    # Fault bytes draw from their own generator so adding a garbage step never changes the vitals.
    faults = random.Random(f"{played.seed}:faults")
    steps = [s for s in scenario.steps if s.action != "ramp" and s.at_s < duration_s]
    due: list[TimelineEntry] = []  # what the steps played so far made, not taken yet
    gone_until = -1.0  # while the port is disconnected nothing reaches it
    probe_off_until = -1.0  # while the oximeter's probe is off its values are sent as "no value"
    pending_cuts: list[Step] = []  # truncated_frame / mid_frame steps waiting for a frame

    def play_steps_due(t: float, end: Sample | None = None) -> None:
        """Play every step due by `t` at its own time; `end`: past the last frame, the sample of
        the frame that would come next (a cut then cuts that one at once)."""
        nonlocal gone_until, probe_off_until
        while steps and steps[0].at_s <= t:
            step = steps.pop(0)
            if step.action == "probe_off":
                # The probe comes off the patient whether or not the cable is in.
                probe_off_until = max(probe_off_until, step.at_s + step.seconds)
                continue
            if step.at_s < gone_until:
                continue
            if step.action == "disconnect":
                due.append(TimelineEntry(step.at_s, Disconnect(step.seconds)))
                gone_until = step.at_s + step.seconds
            elif step.action in ("truncated_frame", "mid_frame"):
                if end is None:
                    pending_cuts.append(step)
                else:
                    due.append(TimelineEntry(step.at_s, cut_of(step, end)))
            else:
                due.append(TimelineEntry(step.at_s, _noise(step, faults, encoder.line_based)))

    def cut_of(step: Step, sample: Sample) -> Write:
        frame = encoder.frame(sample, start + timedelta(seconds=sample.t), start)
        return _cut(frame, step.action, faults, encoder.line_based)

    def take_due() -> Iterator[tuple[TimelineEntry, Sample | None]]:
        taken = list(due)
        due.clear()
        return ((entry, None) for entry in taken)

    # One sample past the end: a step after the last frame (at_minute 1.995 of 2) was accepted
    # by the file check and never played, without a word (review 39). Such steps are played at
    # their own times, a cut on the frame that would have come next.
    for sample in body.samples(duration_s + 1):
        sample = with_second_channels(sample, scenario.second_channels)
        t = sample.t
        if t >= duration_s:
            for waiting in pending_cuts:   # its frame never came: the port was gone to the end
                due.append(TimelineEntry(max(waiting.at_s, gone_until), cut_of(waiting, sample)))
            play_steps_due(duration_s, end=sample)
            due.sort(key=lambda e: e.t)
            yield from take_due()
            return
        play_steps_due(t)
        yield from take_due()
        if t < gone_until:
            continue
        if t < probe_off_until:
            # Only what is sent changes: the patient (and the seeded values after) goes on.
            sample = replace(sample, probe_on=False)
        frame = encoder.frame(sample, start + timedelta(seconds=t), start)
        if pending_cuts:
            # Each cut its own frame: two in one second had the first dropped without a word.
            cut = pending_cuts.pop(0)
            yield TimelineEntry(t, _cut(frame, cut.action, faults, encoder.line_based)), None
            continue
        yield TimelineEntry(t, Write(frame, frames=1)), sample


def _noise(step: Step, rng: random.Random, line_based: bool) -> Write:
    if step.action == "nul_bytes":
        return Write(b"\x00" * step.count, note="nul bytes")
    data = rng.randbytes(step.count)
    if line_based:
        # A line format cannot tell noise from the start of the next record: noise that does not
        # end at a line end corrupts the next line, so the burst ends at one (as line noise that
        # a real UART frames as a bad record does).
        data += b"\r\n"
    return Write(data, note="garbage")


def _cut(frame: bytes, how: str, rng: random.Random, line_based: bool) -> Write:
    cut = rng.randint(len(frame) // 4, (3 * len(frame)) // 4)
    if how == "truncated_frame":
        data = frame[:cut] + (b"\r\n" if line_based else b"")
        return Write(data, note="truncated frame")
    return Write(frame[cut:], note="frame tail (stream starts mid-frame)")


def _truth(sample: Sample, fmt: str) -> dict[str, float]:
    """The values a decoder of `fmt` should read from the frame of `sample`."""
    values: dict[str, float] = {"heart_rate": sample.heart_rate, "resp_rate": sample.resp_rate}
    if sample.probe_on:
        values |= {"pulse_rate": sample.pulse_rate, "spo2": sample.spo2}
    if sample.nibp is not None:
        values |= {"bp_systolic": sample.nibp.systolic, "bp_diastolic": sample.nibp.diastolic,
                   "bp_mean": sample.nibp.mean}
    # The table check_playable trusts: tests decode every frame and compare with this.
    return {metric: value for metric, value in values.items() if metric in SENT_METRICS[fmt]}


def replay_timeline(
    data: bytes,
    *,
    bytes_per_second: float = 960.0,
    max_chunk: int = 64,
    seed: int = 1,
    name: str = "replay",
) -> Timeline:
    """A raw capture as a timeline: random-sized chunks at a line rate (960 B/s is 9600 8N1)."""
    if bytes_per_second <= 0:
        raise ValueError(f"bytes_per_second must be > 0, got {bytes_per_second:g}")
    if max_chunk < 1:
        raise ValueError(f"max_chunk must be >= 1, got {max_chunk}")
    rng = random.Random(f"{seed}:replay")
    entries: list[TimelineEntry] = []
    pos = 0
    while pos < len(data):
        size = rng.randint(1, max_chunk)
        entries.append(TimelineEntry(pos / bytes_per_second, Write(data[pos : pos + size], note="capture")))
        pos += size
    return Timeline(tuple(entries), len(data) / bytes_per_second, "raw", name)


"""Physiological alarm conditions: does the latest value violate a protocol rule, and at what
priority, taking persistence (sustained), NIBP repeat-confirmation and baseline into account.

One `ConditionTracker` per condition (`<metric>_high` or `<metric>_low`); it is fed every accepted
reading of its metric and the clock, and answers with the `Raise` it holds, or None. Once an
absence rule of its metric holds (any condition's), its last value counts no more; nor, once the
SpO2's holds, does the pulse rate of its oximeter (`GOES_WITH`), nor the ECG's heart rate once
the pulse watches the heart (`taken_over`). A sustained count starts again after a silence
(`_current_for`); a reading judged again (T0) is never its own repeat. It knows nothing of
signals or acknowledgement (that is the board's job).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from console.clock import Moment
from console.session.alarms import Raise
from console.session.holding import HELD_DISCHARGE_SAID
from devices.reading import MANUAL
from protocols.vitals import BP_METRICS, METRICS, SPOT_CURRENT_SECONDS, metric
from protocols.model import AlarmRule, Priority


# A vital measured by the probe of another, which has absence rules of its own: the pulse rate
# is the oximeter's (a cuff's pulse, NIBP_PULSE, feeds no pulse alarm: engine `_accept`), so
# with the probe off its last value is as old as the SpO2's. A Masimo's "Pulse rate 115" was
# reminded "still present" minutes into "No SpO2" (review 47).
GOES_WITH: Final = {"pulse_rate": "spo2"}

# A continuous value older than this is not "now" (monitors send once a second); a typed value or
# an NIBP is current until the next check is due, so it gets the longer limit. Its tile greys it
# past this (console/session/tile_view.py); a sustained count starts again (`_current_for`).
STALE_SECONDS = 30.0
STALE_MANUAL_SECONDS = SPOT_CURRENT_SECONDS

# A cuff repeat counts from this long before its time (here, and the schedule's "Repeat
# Systolic BP"): a monitor's automatic cycle times the start of each measurement, and the result
# comes at its end, 20-60 s on by the arm and any motion; two results of a 5-minute cycle can
# come up to a minute short of 5 minutes apart. One a second early had confirmed nothing, the
# escalation waiting a cycle more (a review). Far shorter than the 5 minutes
# (clinical-defaults.md: a repeat after 5 minutes), so a spot check taken at once is no repeat.
CUFF_CYCLE_JITTER_S: Final = 60.0
# ...and at most this share of a shorter repeat (a protocol may ask for it after 1 minute): the
# whole 60 s off a 1-minute repeat took a 186 typed 5 s after a 185 for its confirmation.
CUFF_CYCLE_JITTER_SHARE: Final = 0.2


def cuff_cycle_jitter_s(repeat_s: float) -> float:
    """How long before a repeat asked `repeat_s` after its reading a cuff result counts as it."""
    return min(CUFF_CYCLE_JITTER_S, CUFF_CYCLE_JITTER_SHARE * repeat_s)


@dataclass(slots=True)
class _RuleState:
    rule: AlarmRule
    violating_since: float | None = None   # mono time of the first reading of the current streak
    confirm_from: float | None = None      # mono time the reading that asked for a repeat was taken


@dataclass(frozen=True, slots=True)
class RepeatRequest:
    """A confirm-repeat rule wants a new measurement of `metric` at `due_mono`."""

    metric: str
    due_mono: float
    reason: str
    repeat_s: float   # how long after the reading that asked (`cuff_cycle_jitter_s`)
    asked_by: tuple[float, float] | None = None   # that reading: its mono time and value


class ConditionTracker:
    """Evaluates the rules of one condition."""

    def __init__(self, condition: str, rules: list[AlarmRule],
                 uncounted_after: float | None = None) -> None:
        """`uncounted_after`: the silence after which the metric's last value no longer counts,
        the first of its absence rules to hold, this condition's or another's (`trackers_for`);
        None: this condition's own."""
        self.condition = condition
        self.metric = rules[0].metric
        self._as_shown = metric(self.metric).as_shown
        self._value_rules = [_RuleState(r) for r in rules if r.absent_seconds is None]
        self._absent_rules = [r for r in rules if r.absent_seconds is not None]
        self._uncounted_after = min(
            (s for s in (uncounted_after, *(r.absent_seconds for r in self._absent_rules))
             if s is not None), default=None)
        self._from_value: Raise | None = None
        self._from_absence: Raise | None = None
        self._uncounted: str | None = None   # "No SpO2 for 30 s" while the last value is stale
        # The same while the vital it goes with is missing (`gone_with`): until a value comes.
        self._gone_with: str | None = None
        self._judged: tuple[float, str] | None = None   # its last value's mono time and source
        # Its last value as `on_value` judged it: the value as received, the baseline as
        # shown, its beyond-range mark; what a sustained limit says once its time ends
        # (`_sustained_time`).
        self._last: tuple[float, float | None, str] | None = None

    def clone(self) -> ConditionTracker:
        """An independent copy (the engine's per-step snapshot); the rules themselves are shared."""
        twin = object.__new__(ConditionTracker)
        twin.condition, twin.metric, twin._as_shown = self.condition, self.metric, self._as_shown
        twin._uncounted_after, twin._uncounted = self._uncounted_after, self._uncounted
        twin._gone_with, twin._judged, twin._last = self._gone_with, self._judged, self._last
        # The constructor, not dataclasses.replace: this runs for every rule at every engine
        # step, and replace() was a fifth of a monitor message's engine time (profiled).
        twin._value_rules = [_RuleState(s.rule, s.violating_since, s.confirm_from)
                             for s in self._value_rules]
        twin._absent_rules = self._absent_rules
        twin._from_value, twin._from_absence = self._from_value, self._from_absence
        return twin

    @property
    def confirm_pending(self) -> bool:
        """A confirm-repeat rule is waiting for its repeat (the value that asked still stands)."""
        return any(state.confirm_from is not None for state in self._value_rules)

    def asks_repeat(self, value: float, baseline: float | None) -> bool:
        """Whether `value` breaks a rule that asks a repeat to confirm it (`on_value`'s request),
        judged as shown: a corrected value that still does keeps the repeat the value it stands
        for asked (`SessionEngine._withdraw_unasked_repeat`)."""
        shown = self._as_shown(value)
        judged = None if baseline is None else self._as_shown(baseline)
        return any(s.rule.confirm_repeat_minutes is not None and s.rule.escalate_to is not None
                   and s.rule.violated_by(shown, judged) for s in self._value_rules)

    @property
    def absent(self) -> bool:
        """An absence rule of the metric holds (this condition's or another's): the vital went
        missing while its source sent the others, and its last value no longer counts (or the
        vital it goes with went missing: `gone_with`)."""
        return self._uncounted is not None or self._gone_with is not None

    @property
    def watched_by_another(self) -> bool:
        """Another vital watches what this one did (`gone_with`, `taken_over`) and no absence
        rule of its own holds: its last value counts again once that no longer stands."""
        return self._gone_with is not None and self._uncounted is None

    @property
    def uncounted(self) -> str:
        """Why the last value no longer counts ("No SpO2 for 30 s"), or "" while it does."""
        return self._uncounted or self._gone_with or ""

    def forget_values(self) -> None:
        """The metric has no valid value any more (its only one was entered in error)."""
        for state in self._value_rules:
            state.violating_since = None
            state.confirm_from = None
        self._from_value = None
        self._gone_with = self._judged = self._last = None

    def on_value(self, value: float, baseline: float | None, now: Moment,
                 source: str = "", taken: float | None = None,
                 mark: str = "") -> RepeatRequest | None:
        """Evaluate a new reading, as its tile shows it (`source`: the reading's, `manual` when
        typed, "" when not known). Returns a repeat request when a confirm-repeat rule starts.
        `taken`: the mono time of the reading when it is judged again later (T0 judges the
        standing BP against the baseline); None: a new reading, taken `now`. `mark`: a monitor's
        value beyond its range ("<", `devices.reading.beyond_mark`), said as the tile says it."""
        # The limits judge the value as shown; the raise keeps the value as received, which the
        # take-backs and the review match to its reading (`_take_back_latched`, the review's
        # "its value was taken back"). The baseline is judged as shown too: the tile states a
        # monitor's baseline of 120.4 as 120, its limit "40 above baseline (160)"; judged as
        # received, a systolic of 160 stayed silent (160 - 120.4 < 40).
        shown = self._as_shown(value)
        if baseline is not None:
            baseline = self._as_shown(baseline)
        at = now.mono if taken is None else taken
        # A sustained count is of readings that came one after another: after a silence longer
        # than the tile keeps the value current, or once it stopped counting, it starts again
        # (10 s of HR 125, the monitor unplugged 6 min, one 125 was "above 120 for 5 min").
        anew = self.absent or (self._judged is not None
                               and at - self._judged[0] > self._current_for(source))
        self._from_absence = None
        self._uncounted = self._gone_with = None
        self._judged = (at, source)
        self._last = (value, baseline, mark)
        best: Raise | None = None
        request = None
        for state in self._value_rules:
            rule = state.rule
            if not rule.violated_by(shown, baseline):
                state.violating_since = None
                state.confirm_from = None
                continue
            if state.violating_since is None or anew:
                state.violating_since = now.mono
            if now.mono - state.violating_since < rule.sustained_seconds:
                continue   # persistence delay not yet over (disclosed with the limit)
            priority = rule.priority
            if rule.confirm_repeat_minutes is not None and rule.escalate_to is not None:
                repeat_s = rule.confirm_repeat_minutes * 60
                if state.confirm_from is None:
                    state.confirm_from = at
                    request = RepeatRequest(
                        self.metric, now.mono + repeat_s,
                        f"confirm {_describe(rule, value, baseline, mark)}", repeat_s,
                        (at, value),
                    )
                elif (at > state.confirm_from and at - state.confirm_from
                      >= repeat_s - cuff_cycle_jitter_s(repeat_s)):
                    # Timed from the readings, not from now: the reading that asked, judged
                    # again at T0 six minutes later, was taken for its own repeat (a review).
                    priority = rule.escalate_to
            candidate = Raise(
                priority, _message(rule, value, baseline, priority, mark), value,
                rule.describe_limit()
            )
            if best is None or candidate.priority > best.priority:
                best = candidate
        self._from_value = best
        return request

    def _current_for(self, source: str) -> float:
        """How long a value from `source` stays current, as its tile says (`STALE_SECONDS`), or
        less where the metric's last value stops counting sooner (`uncounted_after`)."""
        if source == MANUAL or self.metric in BP_METRICS:   # spot values: current till due
            return STALE_MANUAL_SECONDS
        return min(STALE_SECONDS, self._uncounted_after or STALE_SECONDS)

    def on_time(self, last_value_mono: float | None, expecting: bool, now: Moment) -> None:
        """Evaluate absence rules: no value for `absent_seconds` while a source should send one;
        and whether the last value still counts (`uncounted_after`); then a sustained limit
        whose time ended while the last value still counts (`_sustained_time`)."""
        self._from_absence = None
        self._uncounted = None
        if expecting and last_value_mono is not None:
            self._absence_time(now.mono - last_value_mono)
        self._sustained_time(now)

    def _absence_time(self, quiet: float) -> None:
        """The absence rules, no value of the metric for `quiet` seconds."""
        if self._uncounted_after is None or quiet < self._uncounted_after:
            return
        label = metric(self.metric).label
        if label[1:].islower():   # "respiratory rate", but "SpO2" as it is written
            label = label.lower()
        self._uncounted = f"No {label} for {quiet:.0f} s"
        for rule in self._absent_rules:
            if rule.absent_seconds is not None and quiet >= rule.absent_seconds:
                candidate = Raise(rule.priority, self._uncounted, None,
                                  f"none for {rule.absent_seconds:g} s")
                if self._from_absence is None or candidate.priority > self._from_absence.priority:
                    self._from_absence = candidate

    def _sustained_time(self, now: Moment) -> None:
        """Raise a sustained limit whose time ended, since the last value came, while that
        value counted: not absent, and its time ended no later than its tile keeps the value
        current (`_current_for`), the rule `on_value` applies when a value comes. Counted only
        as values came, a heart rate of 125 typed at a chair with no monitor (current 20 min)
        raised the medium ">110" and never the high ">120 for 5 min" (a review; README: "A
        sustained limit counts readings that came one after another"). A confirm-repeat rule is
        raised at its own priority: the repeat is asked for by the next reading (`on_value`).
        Judged by the readings' times, not by `now`'s, so a late look finds what the ticks
        found: a restart looks only at its own moment (and at the link's changes), and judged
        by whether the value was still current then, a typed 130's high, raised and
        acknowledged, came back as the medium ">110" 21 min after it was typed (a review;
        README: "A restart restores every alarm as it was")."""
        if self._judged is None or self._last is None or self.absent:
            return
        at, source = self._judged
        current_until = at + self._current_for(source)
        value, baseline, mark = self._last
        for state in self._value_rules:
            rule = state.rule
            if not rule.sustained_seconds or state.violating_since is None:
                continue
            ends = state.violating_since + rule.sustained_seconds
            if now.mono < ends or ends > current_until:
                continue   # not yet; or no longer current first: the next value counts anew
            candidate = Raise(rule.priority, _message(rule, value, baseline, rule.priority, mark),
                              value, rule.describe_limit())
            if self._from_value is None or candidate.priority > self._from_value.priority:
                self._from_value = candidate

    def gone_with(self, missing: ConditionTracker, source: str, now: Moment) -> None:
        """`missing`, a tracker of the vital this one goes with (`GOES_WITH`), says that vital's
        last value no longer counts, its last value from the device `source`. This one's last
        value counts no more either when it came from that device and nothing of it came for
        as long (`missing`'s silence limit): until a value of it comes (`on_value`), whatever
        the other does, as an absence stays until the vital is counted again. A value from
        another device or typed, or one still coming (a pulse measured without a saturation),
        counts: it is measured, and an alarm on it must reach the nurse."""
        why = missing.uncounted
        after = missing._uncounted_after
        if not why or after is None or not source:
            return
        if self._gone_with is not None:
            self._gone_with = why   # the words of now: an alarm of this one ending says them
            return
        if (self._judged is not None and self._judged[1] == source
                and now.mono - self._judged[0] >= after):
            self._gone_with = why
            self._from_absence = None

    def taken_over(self, why: str) -> None:
        """Another vital watches what this one did (the pulse rate the heart, once the ECG's
        heart rate stopped coming: engine `_ecg_taken_over`; `why`: "No heart rate for 31 s"):
        its last value counts no more until a value of it comes (`on_value`), as `gone_with`'s.
        The ECG's last "Heart rate 138" had stayed high beside a pulse of 80 (a review)."""
        self._gone_with = why
        self._from_absence = None

    @property
    def value_held(self) -> Raise | None:
        """What its last value holds, whether or not that value still counts (`held`): the
        words an alarm held high through its vital's absence reads for it."""
        return self._from_value

    def held(self) -> Raise | None:
        # Once an absence rule of the metric holds, the last value is that old and no longer
        # counted (a value that comes counts again, `on_value`): the absence is what holds,
        # whatever the value's priority, or nothing. Taken by priority, an acknowledged RR 7
        # hid the apnoea (review 40), an acknowledged SpO2 86 (high) a probe off (medium),
        # silent and reminded "still present"; and RR 26, a condition with no absence rule,
        # stood beside the apnoea for as long as it lasted (review 47).
        # Likewise the oximeter's pulse once its probe's SpO2 is missing (`gone_with`): an
        # absence rule of its own it has none, so nothing.
        if self._uncounted is not None or self._gone_with is not None:
            return self._from_absence
        return self._from_value


def _describe(rule: AlarmRule, value: float, baseline: float | None, mark: str = "") -> str:
    # A value beyond the monitor's range as its tile says it: "RR <5" is no rate counted at 5.
    m = metric(rule.metric)
    text = f"{m.label} {mark}{m.format(value)} {m.unit}"
    if rule.rise_above_baseline is not None and baseline is not None:
        text += f" ({value - baseline:+.0f} from baseline {m.format(baseline)})"
    return text


CONFIRMED = " (confirmed by a repeat reading)"
_BASELINE_VALUE = re.compile(r" from baseline [-0-9.]+\)")
_RISE_LIMIT = re.compile(r"≥([0-9.]+) above baseline")


def _message(rule: AlarmRule, value: float, baseline: float | None, priority: Priority,
             mark: str = "") -> str:
    text = f"{_describe(rule, value, baseline, mark)}, limit {rule.describe_limit()}"
    if priority is not rule.priority:
        text += CONFIRMED
    return text


# The equipment's messages in fewer words, each keeping what to do (a nurse walk on X at
# 1366x768: "* No data from the device (no valid frame for 4 s)…" lost "values are not
# current", and "** Still no data from the device: check the monit…" what to check).
_TECHNICAL_SHORT: Final = (
    ("No data from the device", "No device data: values not current"),
    ("Still no data from the device", "No device data: check monitor, cable"),
    ("Impossible value from the monitor", "Impossible monitor value: check sensor"),
    ("Monitor message not read", "Monitor message unread: check monitor"),
    ("Another monitor is sending", "Another monitor: check patient, reset"),
    # A restart's (engine `resume`): "* Station clock is behind this session's log: check…".
    ("Station clock is behind this session's log", "Station clock behind: check its date and time"),
    # A restart's (engine `_unsaved_left`): the counts and the file are in the row's tooltip;
    # the nurse's own part first ("Records not in log: tell Support" had dropped "re-enter what
    # matters"; with it, "not in log" did not fit 1366 px: "... tell Sup…").
    ("Records from before the restart are not in the log",
     "Records missing: re-enter, tell Support"),
    # Its file of a monitor's readings alone: nothing to re-enter, the monitor sends them again.
    ("Monitor readings from before the restart are not in the log",
     "Monitor readings missing: monitor resends"),
)


# The clinic network's alarm (console/network/link.py words it, its problems joined by "; ") in
# fewer words. In a quiet room what changed for the room is said first: at 1366x768 "** No
# central station online: bedside alarms at fu…" and "** Clinic bus not confirming delivery;
# central stat…" lost the full volume. Problems alike are said once: "central, bus not
# confirming".
_NETWORK_SHORT: Final = (
    ("no central station online", "no central"),
    ("central station not confirming alarms", "central not confirming"),
    ("clinic bus not confirming delivery", "bus not confirming"),
    ("interface engine not confirming delivery", "interface engine not confirming"),
)
_FULL_VOLUME: Final = ": bedside alarms at full volume"
_NOT_CONFIRMING: Final = " not confirming"


def _short_network(message: str) -> str | None:
    parts = [part[:1].lower() + part[1:] for part in message.split("; ")]
    # The room's volume first (a stable sort: the others keep their order).
    parts.sort(key=lambda part: not part.endswith(_FULL_VOLUME))
    shorts = [next((short for long, short in _NETWORK_SHORT if part.startswith(long)), None)
              for part in parts]
    if all(short is None for short in shorts):
        return None
    words: list[str | None] = []   # None: where the problems "... not confirming" are said
    waiting: list[str] = []
    for short, part in zip(shorts, parts, strict=True):
        said = short or part
        if said.endswith(_NOT_CONFIRMING):
            if not waiting:
                words.append(None)
            waiting.append(said.removesuffix(_NOT_CONFIRMING))
        else:
            words.append(said)
    text = "; ".join(", ".join(waiting) + _NOT_CONFIRMING if w is None else w for w in words)
    if parts[0].endswith(_FULL_VOLUME):
        text = f"full volume: {text}" if len(parts) > 1 else f"{text}: full volume"
    return text[:1].upper() + text[1:]


# A vitals prompt's list of what is missing, said first and with the vitals' short names: at
# 1366x768 "Vitals due: Sedation and breathing (Sedation: M…" lost what was due (a walk on X).
# A reminded prompt's row ends "(reminder: still present)" (`AlarmBoard.tick`): kept, at the end,
# not read as the list of what is missing.
_REMINDED: Final = r"( \(reminder: still present\))?"
_PROMPT = re.compile(r"Vitals (due|overdue by \d+ min): (.*?) \(([^()]*)\)" + _REMINDED)


# Fewer letters still, where the short names did not fit: at 1366x768 "** Overdue 7 min:
# Systolic, Diastolic, HR or Pulse…" lost the SpO2 owed. A pressure owed whole is "BP"; the
# heart rate or the oximeter's pulse rate "HR/PR", as monitors print them.
_BP_PAIR: Final = ("Systolic", "Diastolic")
_ALTERNATIVE_SHORT: Final = {"Pulse": "PR"}


def _listed_short(listed: str) -> str:
    """A vital as a prompt lists it ("Sedation: MOAA/S", "Systolic BP") in its short name; its
    alternatives each so, joined by "/" ("Heart rate or pulse rate": "HR/PR")."""
    if " or " in listed:
        names = (_listed_short(x[:1].upper() + x[1:]) for x in listed.split(" or "))
        return "/".join(_ALTERNATIVE_SHORT.get(name, name) for name in names)
    for m in METRICS.values():
        if listed == m.label.replace(" (", ": ").removesuffix(")"):
            return m.short or m.label.rsplit("(", 1)[-1].rstrip(")")
    return listed


def _short_prompt(message: str) -> str | None:
    found = _PROMPT.fullmatch(message)
    if found is None:
        return None
    when, check, listed, reminder = found.groups()
    lead = "Due" if when == "due" else when.replace("overdue by", "Overdue")
    names = [_listed_short(x) for x in listed.split(", ")]
    if all(half in names for half in _BP_PAIR):
        names[names.index(_BP_PAIR[0])] = "BP"
        names.remove(_BP_PAIR[1])
    # The vitals first: where even this is cut, the check's name gives way, not what is due.
    return f"{lead}: {', '.join(names)} · {check}{reminder or ''}"


# Esketamine's "move on" (engine `_devices_given_prompt`), the move first, then why: at 1366x768
# "** Nasal devices: all 2 devices given; move to the…" lost what it asks and why it is an alarm.
_MOVE_ON = re.compile(r".+?: all (\d+ devices?) given( and rested)?; move to the next phase"
                      r"( \(its vitals checks have not started\))?" + _REMINDED)


def _short_move_on(message: str) -> str | None:
    found = _MOVE_ON.fullmatch(message)
    if found is None:
        return None
    devices, _rested, unstarted, reminder = found.groups()
    why = "vitals checks not started" if unstarted else f"all {devices} given, rested"
    return f"Move to next phase: {why}{reminder or ''}"


# A phase's planned time run (engine `_phase_prompt`), what it asks first: at 1366x768
# "Infusion: planned 40 min reached; move to the n…" lost it. "When done" stays: the nurse
# finishes the phase's work first.
_PLANNED_TIME = re.compile(r"(.+?): planned (\S+ min) reached; move to the next phase when done"
                           + _REMINDED)


def _short_planned_time(message: str) -> str | None:
    found = _PLANNED_TIME.fullmatch(message)
    if found is None:
        return None
    phase, minutes, reminder = found.groups()
    whose = f"{phase}'" if phase.endswith("s") else f"{phase}'s"
    return f"Next phase when done: {whose} {minutes} reached{reminder or ''}"


# A device of the dose still open after the rest (engine `_devices_given_prompt`): at 1366x768
# "Device 3 due: tick it when given, or move on wit…"; its alarm lost why it is one.
_DEVICE_DUE = re.compile(r"(Device \d+) due: tick it when given, or move on with the reason"
                         r"( \(the next phase's vitals checks have not started\))?" + _REMINDED)


def _short_device_due(message: str) -> str | None:
    found = _DEVICE_DUE.fullmatch(message)
    if found is None:
        return None
    device, unstarted, reminder = found.groups()
    why = "vitals checks not started" if unstarted else "tick it or move on with reason"
    return f"{device} due: {why}{reminder or ''}"


# A restart's unsaved-records alarm led by a held discharge (engine `_unsaved_left`): at 1366x768
# "** Discharge at 09:11 by ana was not s…": what to do was cut. Its time and what to do only;
# who, the counts and the file are in the row's tooltip.
def _short_unsaved_discharge(message: str) -> str | None:
    found = HELD_DISCHARGE_SAID.match(message)
    if found is None or not message[found.end():].startswith(": discharge again; "):
        return None
    return f"Discharge {found['time']} lost: discharge again"


def short_message(condition: str, message: str) -> str:
    """A vital's alarm message in fewer characters, for an alarm row too narrow for it.

    "Respiratory rate 5 breaths/min, limit ≤8" was cut before its limit at 1366x768; this gives
    "RR 5/min, limit ≤8": the vital's short name and unit, a baseline rise as "(+27)" and its
    limit as "base +25" (the tile shows the baseline), "(confirmed)". The value and its limit
    keep their numbers. Messages are read as `_message` and the absence rule write them; the
    device's and the clinic network's technical messages, the vitals prompts, the "move on", a
    phase's planned time reached and a device due have short forms of their own; any other is
    returned as it is.
    """
    m = METRICS.get(condition.rsplit("_", 1)[0])
    if m is None:
        prompt = (_short_prompt(message) or _short_move_on(message)
                  or _short_planned_time(message) or _short_device_due(message)
                  or _short_unsaved_discharge(message))
        if prompt is not None:
            return prompt
        device = next((short for long, short in _TECHNICAL_SHORT if message.startswith(long)),
                      None)
        return device or _short_network(message) or message
    text = message
    if text.startswith(f"{m.label} "):
        text = m.short_label + text[len(m.label):].replace(f" {m.unit}", m.short_unit, 1)
    elif text.startswith(f"No {m.label.lower()} "):
        text = f"No {m.short_label}" + text[len(m.label) + 3:]
    text = _BASELINE_VALUE.sub(")", text)                # "(+27 from baseline 82)" -> "(+27)"
    text = _RISE_LIMIT.sub(r"base +\1", text)           # "≥25 above baseline" -> "base +25"
    return text.replace(CONFIRMED, " (confirmed)")


def short_text(message: str) -> str:
    """`short_message` for a message whose condition is not at hand (the central station reads
    an alarm's text from a chair's status): its vital found by the label it begins with."""
    for name, m in sorted(METRICS.items(), key=lambda item: -len(item[1].label)):
        if message.startswith((f"{m.label} ", f"No {m.label.lower()} ")):
            return short_message(f"{name}_alarm", message)
    return short_message("", message)


def trackers_for(rules: tuple[AlarmRule, ...]) -> dict[str, ConditionTracker]:
    """Group a protocol's rules into one tracker per condition. Each knows when its metric's
    last value stops counting: at the first of the metric's absence rules, whichever
    condition's (`ConditionTracker.held`)."""
    grouped: dict[str, list[AlarmRule]] = {}
    uncounted_after: dict[str, float] = {}
    for rule in rules:
        grouped.setdefault(rule.condition, []).append(rule)
        seconds = rule.absent_seconds
        if seconds is not None:
            uncounted_after[rule.metric] = min(seconds, uncounted_after.get(rule.metric, seconds))
    return {condition: ConditionTracker(condition, rs, uncounted_after.get(rs[0].metric))
            for condition, rs in grouped.items()}

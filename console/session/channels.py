"""Two channels of one vital in one monitor message: which one the alarm rules judge.

Monitors send some vitals on two channels in every message: two SpO2 probes (Comen OBX-4
1.3.1.150456 and 1.3.2.150456), capnography's airway respiration rate beside the impedance one
(HL7 151570 and 151562, IntelliVue 0x5012 and 0x500A, both `resp_rate`). Judged one after the
other, the later channel's normal value ended, every second, the alarm the earlier one's value
had raised: the alarm stood only "latched", the tile read the normal value, and an
acknowledgement never held (a review). An alarm condition is the patient's state (IEC 60601-1-8
6.1): a normal channel never ends the alarm of the other. So one reading per vital and message is
judged, the worse one by the protocol's rules for that vital (`worst`); the others are logged with
the `OTHER_CHANNEL` flag (devices/reading.py) and feed no tile, trend, baseline, due check or
alarm, live as after a restart's replay.

Not for an NIBP cuff's values (`devices.reading.is_nibp_value`): they have their own repeat and
superseded rules, one reading per measurement.

Pure functions, no Qt, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from devices.reading import MANUAL, OTHER_CHANNEL, Reading, is_nibp_value
from protocols.model import AlarmRule

Score = tuple[int, float]
"""How bad a value is by a vital's rules, larger is worse (`score`)."""


def score(value: float, rules: Sequence[AlarmRule], baseline: float | None) -> Score:
    """How bad `value` is by `rules` (one vital's value rules), larger is worse: beyond a limit,
    the highest priority of a rule it breaks (plus one), then how far beyond that priority's
    limits it is; inside every limit, (0, minus the distance to its nearest limit): the closer,
    the worse. A rise above the baseline counts only while a baseline stands (`baseline`).
    No rules: (0, -inf) for every value, so the first one in the message is judged."""
    worst_priority = -1
    beyond = 0.0
    nearest = -float("inf")   # minus the distance to the nearest limit (inside all of them)
    for rule in rules:
        if rule.absent_seconds is not None:
            continue
        for margin, broken in _margins(rule, value, baseline):
            if broken:
                priority = int(rule.priority)
                if priority > worst_priority:
                    worst_priority, beyond = priority, margin
                elif priority == worst_priority:
                    beyond = max(beyond, margin)
            elif worst_priority < 0:
                nearest = max(nearest, -margin)
    if worst_priority >= 0:
        return (worst_priority + 1, beyond)
    return (0, nearest)


def _margins(rule: AlarmRule, value: float,
             baseline: float | None) -> list[tuple[float, bool]]:
    """Each limit of `rule`: how far beyond it `value` is (>= 0, broken) or inside it (> 0, not
    broken), as `AlarmRule.violated_by` judges each edge."""
    found: list[tuple[float, bool]] = []
    if rule.above is not None:
        found.append((value - rule.above, True) if value > rule.above
                     else (rule.above - value, False))
    if rule.at_or_above is not None:
        found.append((value - rule.at_or_above, True) if value >= rule.at_or_above
                     else (rule.at_or_above - value, False))
    if rule.below is not None:
        found.append((rule.below - value, True) if value < rule.below
                     else (value - rule.below, False))
    if rule.at_or_below is not None:
        found.append((rule.at_or_below - value, True) if value <= rule.at_or_below
                     else (value - rule.at_or_below, False))
    if rule.rise_above_baseline is not None and baseline is not None:
        limit = baseline + rule.rise_above_baseline
        found.append((value - limit, True) if value >= limit else (limit - value, False))
    return found


def worst(values: Sequence[float], rules: Sequence[AlarmRule], baseline: float | None) -> int:
    """The index of the value the rules judge worst (`score`); on a tie the first one. SpO2 85
    beside 97 (limit <=90): 85; RR 6 beside 14 (limit <=8): 6; HR 130 beside 72: 130."""
    best, best_score = 0, score(values[0], rules, baseline)
    for index in range(1, len(values)):
        candidate = score(values[index], rules, baseline)
        if candidate > best_score:
            best, best_score = index, candidate
    return best


def judged_alone(readings: Sequence[Reading],
                 pick: Callable[[str, Sequence[float]], int]) -> Sequence[Reading]:
    """`readings` (one message, or what the port's reads handed over at once, in order) with the
    `OTHER_CHANNEL` flag on each continuous value of a vital that its source sent on another
    channel beside the one judged: of each such group, `pick(metric, values)` gives the index of
    the one judged.

    A group is one message's values of one vital from one source on different channels: a
    channel seen again starts the next group (the same probe's newer value in one message; a
    read that brought two messages without ids, as a serial line sends them), except channel ""
    within a message with an id (a monitor leaving OBX-4 empty sends the airway RR and the
    impedance RR both on channel "": grouped by the channel, both were judged, one after the
    other, and the normal one ended the other's alarm: a review). NIBP values, typed ones, DEMO
    and TEST ones are never grouped.
    One pass; `readings` itself when no vital came twice (the usual message)."""
    open_groups: dict[tuple[str, str, str], list[int]] = {}
    groups: list[list[int]] = []
    twice = False
    for index, reading in enumerate(readings):
        if reading.source == MANUAL or reading.is_demo_or_test or is_nibp_value(reading):
            continue
        key = (reading.metric, reading.source, reading.message)
        group = open_groups.get(key)
        if group is None or ((reading.channel or not reading.message)
                             and any(readings[i].channel == reading.channel for i in group)):
            group = open_groups[key] = [index]
            groups.append(group)
        else:
            group.append(index)
            twice = True
    if not twice:
        return readings
    flagged: set[int] = set()
    for group in groups:
        if len(group) < 2:
            continue
        kept = group[pick(readings[group[0]].metric, [readings[i].value for i in group])]
        flagged.update(i for i in group if i != kept)
    return [_other_channel(r) if i in flagged else r for i, r in enumerate(readings)]


def _other_channel(reading: Reading) -> Reading:
    return Reading(reading.metric, reading.value, reading.unit, reading.measured_at,
                   reading.received_at, reading.source, reading.channel,
                   reading.flags | {OTHER_CHANNEL}, reading.message)

"""What the alarm area shows, and in what order. No Qt: the rules here are the alarm bar's model.

Rules (written down because an alarm the nurse cannot see is an alarm lost):

- Two fixed fields, as bedside monitors have them (Mindray PM-9000 / uMEC12 manuals: a
  physiological alarm area and a technical alarm area): the patient's alarms on the left, the
  equipment's (technical alarms, then prompts such as "vitals due") on the right. A technical
  alarm can never push a patient's alarm out of sight, nor the reverse.
- Each field shows a fixed number of rows and never scrolls. Order: highest priority first;
  within a priority, those holding now, then those latched (ended unseen, waiting for a reset),
  then acknowledged ones;
  then the newest first (Dräger Infinity manual: "the most recently detected alarm condition of
  highest priority" is reported). So a high alarm is always on screen: it can only be hidden by
  as many other high alarms that are newer or still unacknowledged.
- What does not fit is counted on the field's header by priority ("+2 more: 1 high, 1 medium"),
  and a high alarm among it is named there in short words ("· *** SpO2 86 %, limit ≤90"), or
  where those do not fit, in fewer ("· *** SpO2 86, RR 5"), or in the fewest letters ("· SpO2
  86 RR 5 HR 138 Sys 212", the field's title then giving way too): each hidden high alarm's
  vital and value are read, never only counted.
- Acknowledging without a selection (F2) acknowledges the alarms *shown*, never one the nurse
  could not see (issue: F2 once acknowledged a device-lost alarm that was never on screen).
  Acknowledged rows then sort below the unacknowledged of their priority, so the next F2 reaches
  what was hidden. Across priorities too: when every row shown is acknowledged and an alarm
  still waits for the nurse out of sight, it takes the last row, and the acknowledged alarm it
  displaces is counted on the header (named there if high). A nurse walk on X: two
  acknowledged high alarms kept a MOAA/S 3 alarm hidden for 15 minutes, F2 never reaching it.
  Likewise a condition holding now, unacknowledged, is not kept out of sight by rows that all
  ended (latched) or were seen: it takes the last row, and a latched high it displaces is named
  on the header (the alarm audit: two latched BP highs, the pressure long back to normal, kept a live
  medium alarm as "+1 more: 1 medium" until F2 reset them).
- A prompt (INFO: "Vitals due") takes a row that way only from another prompt, never from an
  alarm (IEC 60601-1-8, highest priority first; clinical-defaults.md: prompts are information
  signals): a live prompt had pushed an unseen latched medium alarm out of sight.
- A row reads the alarm's current message (the engine updates it while the condition holds at
  the same priority: the value shown is the current one, not the one at raise time).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from console.session.alarms import PHYSIOLOGICAL, AlarmState, Occurrence, priority_marks
from console.session.conditions import short_message
from protocols.model import Priority
from protocols.vitals import METRICS

PHYSIOLOGICAL_ROWS = 2
EQUIPMENT_ROWS = 2


# Within a priority: a condition that holds now first, then one latched (it ended before anyone
# saw it: it waits for a reset), then one acknowledged. A nurse walk at 1366x768 saw two latched
# BP rows, the BP long back to normal, push a live SpO2 86 and RR 6 off the rows.
_NEED: Final = {AlarmState.ACTIVE: 0, AlarmState.LATCHED: 1, AlarmState.ACKNOWLEDGED: 2}


def order_key(occurrence: Occurrence) -> tuple[int, int, float, int]:
    """Highest priority, then holding now, latched, acknowledged, then newest."""
    return (-int(occurrence.priority), _NEED[occurrence.state], -occurrence.raised_at.mono,
            -occurrence.id)


@dataclass(frozen=True, slots=True)
class AlarmField:
    """One field of the alarm area: the rows shown and those that did not fit."""

    shown: tuple[Occurrence, ...]
    hidden: tuple[Occurrence, ...]

    def more(self) -> str:
        """"+2 more: 1 high, 1 medium", or "" when everything is shown."""
        return more_text(o.priority for o in self.hidden)

    def more_brief(self) -> str:
        """`more` in fewer letters (`more_brief_text`)."""
        return more_brief_text(o.priority for o in self.hidden)

    def hidden_high(self) -> str:
        """The high alarms that did not fit, each in its short words ("*** SpO2 86 %, limit
        ≤90"), for the field's header: a third high alarm at once must still be read, not only
        counted (the first sign, the oldest, is the one the order leaves out)."""
        return "; ".join(compact_row_text(o) for o in self._hidden_highs())

    def hidden_high_brief(self) -> str:
        """`hidden_high` in the fewest words, each alarm's vital and value ("*** SpO2 88, RR 5"),
        for a header too narrow for their limits: at 1366x768 three hidden highs were cut after
        the first ("*** RR 5/min, limit ≤8; *** Sp…"), the others counted but never named."""
        briefs = [brief_row_text(o) for o in self._hidden_highs()]
        return f"{priority_marks(Priority.HIGH)} {', '.join(briefs)}" if briefs else ""

    def hidden_high_fewest(self) -> str:
        """`hidden_high_brief` in the fewest letters ("SpO2 86 RR 5 HR 138 Sys 212"): no marks
        (the count before it says "high"), no commas, the shortest names, a hidden systolic and
        diastolic as one BP ("BP 212/124"). At 1366x768 four hidden highs read "*** SpO2 86,
        RR 5, HR 138, Sy…", the systolic of 212 never read; nine cut "Dia 12…", a MOAA/S of 1
        only counted."""
        highs = self._hidden_highs()
        # Joined only while both hold their value now (not latched, nor held high over a lower
        # value): one cuff's. A systolic latched at 212 beside a later cuff's diastolic 124 had
        # read "BP 212/124", a pressure no cuff measured.
        halves = {o.condition: o for o in highs if o.condition in _BP_HIGHS
                  and o.state is not AlarmState.LATCHED and o.current is o.priority}
        words = []
        for o in highs:
            if len(halves) == len(_BP_HIGHS) and o.condition in _BP_HIGHS:
                if o.condition == _BP_HIGHS[0]:
                    words.append("BP " + "/".join(fewest_row_text(halves[m]).partition(" ")[2]
                                                  for m in _BP_HIGHS))
                continue
            words.append(fewest_row_text(o))
        return " ".join(words)

    def _hidden_highs(self) -> list[Occurrence]:
        """Oldest first: the first sign is the one a narrow header must not cut (the alarm
        audit at 1366x768: "*** Systolic 212, HR 138, RR 5…" with SpO2 86, the oldest, cut)."""
        return sorted((o for o in self.hidden if o.priority is Priority.HIGH),
                      key=lambda o: (o.raised_at.mono, o.id))


def more_text(priorities: Iterable[Priority]) -> str:
    """The alarms not shown, counted by priority: "+2 more: 1 high, 1 medium", or "" for none.
    The bedside's alarm area and the central station's cards and strips say it alike."""
    counts = Counter(priorities)
    if not counts:
        return ""
    parts = [f"{counts[p]} {p.label}" for p in sorted(counts, reverse=True)]
    return f"+{sum(counts.values())} more: {', '.join(parts)}"


def more_brief_text(priorities: Iterable[Priority]) -> str:
    """`more_text` in fewer letters ("+7 high", "+2 high, +1 medium"), for a header too narrow
    for every hidden high's name beside the count (nine highs at 1366x768)."""
    counts = Counter(priorities)
    return ", ".join(f"+{counts[p]} {p.label}" for p in sorted(counts, reverse=True))


def arrange(occurrences: Iterable[Occurrence], physiological_rows: int = PHYSIOLOGICAL_ROWS,
            equipment_rows: int = EQUIPMENT_ROWS) -> tuple[AlarmField, AlarmField]:
    """Split and order the board's occurrences into the (patient, equipment) fields."""
    patient = sorted((o for o in occurrences if o.category == PHYSIOLOGICAL), key=order_key)
    equipment = sorted((o for o in occurrences if o.category != PHYSIOLOGICAL), key=order_key)
    return _fill(patient, physiological_rows), _fill(equipment, equipment_rows)


# How much a row still asks of the nurse, for `_fill`: a condition holding now and unseen most,
# one latched (ended unseen: a reset), one acknowledged nothing.
_ASKS: Final = {AlarmState.ACTIVE: 2, AlarmState.LATCHED: 1, AlarmState.ACKNOWLEDGED: 0}


def _fill(ordered: Sequence[Occurrence], rows: int) -> AlarmField:
    """The first `rows` shown, unless a hidden alarm asks more of the nurse than every row
    shown: then the one that asks most takes the last row (module docstring). A prompt
    (INFO) takes it only from a prompt."""
    shown, hidden = list(ordered[:rows]), list(ordered[rows:])
    if not shown or not hidden:
        return AlarmField(tuple(shown), tuple(hidden))
    # A prompt is an information signal, below every alarm (IEC 60601-1-8, highest priority
    # first): "Vitals due: BP" had taken the last row from a latched medium alarm nobody had
    # seen, counted only ("+1 more: 1 medium").
    candidates = [o for o in hidden
                  if o.priority > Priority.INFO or shown[-1].priority is Priority.INFO]
    if not candidates:
        return AlarmField(tuple(shown), tuple(hidden))
    waiting = min(candidates, key=lambda o: (-_ASKS[o.state], order_key(o)))
    if _ASKS[waiting.state] > max(_ASKS[o.state] for o in shown):
        hidden.remove(waiting)
        hidden = sorted([shown.pop(), *hidden], key=order_key)
        shown.append(waiting)
    return AlarmField(tuple(shown), tuple(hidden))


def row_text(occurrence: Occurrence) -> str:
    """The banner (`***` marks, message with its value and limit) and the operator's state."""
    text = occurrence.banner()
    # Physiological messages already say "limit ≥200"; add the limit where a message does not.
    if occurrence.threshold and occurrence.threshold not in occurrence.message:
        text += f" · limit {occurrence.threshold}"
    if occurrence.current < occurrence.priority and occurrence.value is not None:
        # Held at its priority until acknowledged (an unseen high alarm): its text is the
        # excursion that raised it, and the value now is said beside it (a walk showed "Systolic
        # BP 206" in the row while the tile read 191).
        text += f" · now {_now(occurrence, occurrence.value)}"
    if missing := occurrence.now_missing:   # held so while its vital went missing (review 47)
        text += f" · now: {missing[:1].lower()}{missing[1:]}"
    if occurrence.state is AlarmState.ACKNOWLEDGED:
        text += " · acknowledged"
    return text


def _now(occurrence: Occurrence, value: float) -> str:
    """A held alarm's value now (`value`, its `Occurrence.value`) as its tile shows it: the
    vital's own format ("92", never the "92.4" the tile rounds), a monitor's value beyond its
    range with its mark ("<5") as the condition's words now say it (conditions.py `_describe`)."""
    m = METRICS.get(occurrence.condition.rsplit("_", 1)[0])
    if m is None:
        return f"{value:g}"
    shown = m.format(value)
    said = occurrence.current_message.removeprefix(f"{m.label} ")
    mark = said[:1] if said[:1] in ("<", ">") and said[1:].startswith(f"{shown} ") else ""
    return mark + shown


def compact_row_text(occurrence: Occurrence) -> str:
    """`row_text` for a row too narrow for it: the message's short form (`short_message`:
    "RR 5/min, limit ≤8"), "(latched)", "· ack."; marks, value, limit and "now" as they are.
    The whole text stays the row's tooltip."""
    row = compact_row(occurrence)
    return row.words + row.state


@dataclass(frozen=True, slots=True)
class CompactRow:
    """`compact_row_text` in its two parts, for a row too narrow even for it: the alarm's
    `words` (marks, message, limit), with `shorter` forms to give way to, and its `state`
    ("(latched)", "· now 185", "· now: no SpO2 for 39 s", "· ack."), said whole after them. At
    1366x768 a latched confirmed systolic, the pressure back to 150, was cut in its words and
    lost its state: "*** Systolic 187 (+63), limit ≥180 or base +40 (c…", a pressure of 187
    now."""

    words: str
    shorter: tuple[str, ...]
    state: str


def compact_row(occurrence: Occurrence) -> CompactRow:
    """`compact_row_text` as a `CompactRow`: its words, their shorter forms, its state."""
    message = short_message(occurrence.condition, occurrence.message)
    words = f"{priority_marks(occurrence.priority)} {message}".strip()
    if occurrence.threshold and occurrence.threshold not in occurrence.message:
        words += f" · limit {occurrence.threshold}"
    state = ""
    if occurrence.state is AlarmState.LATCHED:
        state += " (latched)"
    if occurrence.current < occurrence.priority and occurrence.value is not None:
        state += f" · now {_now(occurrence, occurrence.value)}"
    if missing := occurrence.now_missing:
        missing = short_message(occurrence.condition, missing)   # "No RR for 20 s"
        state += f" · now: {missing[:1].lower()}{missing[1:]}"
    if occurrence.state is AlarmState.ACKNOWLEDGED:
        state += " · ack."
    return CompactRow(words, _fewer_words(words), state)


# As `short_message` words them: the confirmation and a baseline rise's limit ("base +40").
_CONFIRMED_SHORT: Final = " (confirmed)"
_RISE_LIMIT_SHORT: Final = (" or base +", " or +")
_LIMIT: Final = re.compile(r"(,| ·) limit ")


def _fewer_words(words: str) -> tuple[str, ...]:
    """`words` in fewer, each form shorter than the one before: without the detail ("(confirmed)":
    the marks say the priority), the limit's rise without "base", the limit without "limit",
    then the vital and its value alone (the row's tooltip has the whole)."""
    detail = words.replace(_CONFIRMED_SHORT, "")
    rise = detail.replace(*_RISE_LIMIT_SHORT)
    bare = rise.replace(", limit ", ", ")
    vital = _LIMIT.split(detail, maxsplit=1)[0]
    forms = [words]
    for form in (detail, rise, bare, vital):
        if form != forms[-1]:
            forms.append(form)
    return tuple(forms[1:])


_UNIT_AFTER_VALUE: Final = re.compile(r"(?<=[0-9])(/min| %)")


def brief_row_text(occurrence: Occurrence) -> str:
    """`compact_row_text` without the marks, the limit, the unit and the state: the vital and
    its value ("RR 5", "SpO2 88"). At 1366x768 "*** Systolic 215 (latched)" was cut in its
    word "latched"; the header's tooltip has the whole."""
    message = short_message(occurrence.condition, occurrence.message).split(", limit ")[0]
    return _UNIT_AFTER_VALUE.sub("", message)


# A vital's name in the fewest letters, for a header naming many hidden alarms: what a
# monitor's own small print uses ("Sys", "Dia"); the other short names are as short already.
_FEWEST_NAMES: Final = {"Systolic": "Sys", "Diastolic": "Dia"}
# A high systolic and a high diastolic, said as one BP in the fewest words (`hidden_high_fewest`).
_BP_HIGHS: Final = ("bp_systolic_high", "bp_diastolic_high")
# The vital and its value, from `brief_row_text`: "Systolic 165" of "Systolic 165 (+45)",
# "No RR" of "No RR for 25 s" (its value is that there is none).
_VITAL_AND_VALUE: Final = re.compile(r"No \S+|.+? -?[0-9][0-9.]*(?= |$)")


def fewest_row_text(occurrence: Occurrence) -> str:
    """`brief_row_text` as the vital's shortest name and its value alone: "Sys 212"."""
    brief = brief_row_text(occurrence)
    found = _VITAL_AND_VALUE.match(brief)
    name, _, value = (found.group(0) if found else brief).partition(" ")
    return f"{_FEWEST_NAMES.get(name, name)} {value}".strip()


def shown_ids(fields: Sequence[AlarmField]) -> list[int]:
    return [o.id for f in fields for o in f.shown]


def highest(fields: Sequence[AlarmField]) -> Priority | None:
    priorities = [o.priority for f in fields for o in (*f.shown, *f.hidden)]
    return max(priorities) if priorities else None


@dataclass
class NewAlarmWatch:
    """Says when an alarm calls the console's window to the front.

    Another window can lie over the console: the review it started (Ctrl+R), which a clinician
    may open mid-session to compare with the last session, or any other program on the station.
    The alarm area must never be hidden from a nurse who has to see an alarm (IEC 60601-1-8: a
    visual alarm signal perceivable from the operator's position), so a new alarm, an alarm that
    rises to a higher priority, or an acknowledged one that a reminder sounds again brings the
    window back over the others. Prompts (INFO) and everything else the nurse already saw do
    not: each of those would pull the window away from the clinician again and again.
    The central station asks the same of the alarms it sounds (`update_entries`).
    """

    _known: dict[Hashable, tuple[Priority, bool]] = field(default_factory=dict)

    def update(self, occurrences: Iterable[Occurrence]) -> bool:
        """Take the board as it is now; True if something in it calls the window forward."""
        return self.update_entries((o.id, o.priority, o.state is not AlarmState.ACKNOWLEDGED)
                                   for o in occurrences)

    def update_entries(self, entries: Iterable[tuple[Hashable, Priority, bool]]) -> bool:
        """The same for (key, priority, still needing the nurse) of every alarm open now."""
        now = {key: (priority, needs_nurse) for key, priority, needs_nurse in entries}
        calls = any(
            priority >= Priority.LOW and needs_nurse
            and (key not in self._known or priority > self._known[key][0]
                 or not self._known[key][1])
            for key, (priority, needs_nurse) in now.items())
        self._known = now
        return calls

"""The alarm board: alarm occurrences, their signals and the operator's actions on them.

Conditions (is the value beyond a limit, for how long, at what priority) are decided elsewhere
(`conditions.py`, `schedule.py`, the engine's technical checks); the board is told, for each
condition, the priority it holds now or None when it no longer holds. It keeps the three things of
IEC 60601-1-8 apart: the condition, the signal (visual + audio), the operator action.

States of one occurrence (`AlarmState`):
- ACTIVE: the condition holds; visual signal on; audio on unless paused or a higher one sounds.
- ACKNOWLEDGED: the condition holds; the nurse acknowledged: audio silenced for this occurrence
  only, visual steady. A reminder re-sounds it after `reminder_seconds` while it persists. If it
  escalates above every priority it was acknowledged at it becomes ACTIVE again (see
  `keeps_acknowledgement`).
- LATCHED: a high-priority physiological condition cleared before anyone acknowledged it: the
  visual and audio signals stay until the nurse resets it, so a transient excursion is never lost.

Rules:
- When a condition clears: ACKNOWLEDGED or not-latching ACTIVE occurrences end (`cleared`; one of
  the patient the nurse has acknowledged, reminded since or not, once its values have stayed
  inside `ACKNOWLEDGED_END_SECONDS`: `_ends_later`; by their times, a tick that came late
  included); an ACTIVE high-priority physiological
  occurrence that nobody has acknowledged becomes LATCHED (one
  re-sounded by a reminder after an acknowledgement does not latch), logged as `latched` at the
  moment its condition ended, so the record tells how long the excursion lasted apart from when
  the nurse reset it (the review read a 4-minute desaturation as 21 minutes). If the condition
  returns later at its priority it is a new occurrence and alarms again; at a lower one the
  latched occurrence stands again, active and high (`returned`).
- Priority rises → `escalated` (and the occurrence sounds again, unless the nurse already
  acknowledged it at that priority: `keeps_acknowledgement`, for a value wavering across a
  limit only). A vital's absence ("No respiratory rate for 20 s") taking over an acknowledged
  alarm of its values is a new alarm (`_absence_takes_over`): the acknowledged one ends, the
  absence is raised, sounding, and breaks through a pause as any new alarm; so it is when the
  nurse acknowledges an unseen high alarm of its values held high while its vital went missing
  (`acknowledge`). Priority falls → `deescalated`,
  except that an unacknowledged high-priority physiological occurrence stays shown as high until
  acknowledged. A condition that ends because its vital's last value no longer counts (the vital
  missing, `end_uncounted`) ends at once, saying so, or latches; a new cause of a condition
  standing (another bug: the Console fault, `renew`) is a new alarm, as the absence above.
- A value's occurrence whose vital goes missing at its priority (RR 7, then no RR for 20 s,
  both high) goes on as it is, in the absence's words, logged `updated` (`UPDATED`): the one
  change of words at one priority that writes a row (a value's own row says the others).
- Latched, an occurrence holds nothing below its priority now (`current`): its row says no
  value "now", live as after a restart.
- A value taken back (entered in error, or corrected: the engine's `_fall_back`) is told with
  `latch` False: an occurrence it alone held ends (`cleared`, never `latched`: no excursion
  happened), and an escalation it made is undone (`deescalated` back to the priority, text and
  acknowledgement the occurrence had before it), so a systolic 185 (medium) escalated by a
  typed 250 is the medium alarm of the 185 again, not a high one to latch. An escalation made
  by an earlier value, or acknowledged, is not undone (`Occurrence.before_escalation`).
- Audio pause (default 120 s, a countdown) silences all audio; a new occurrence, or an escalation,
  of a priority higher than every other occurrence the pause silences at that moment
  (unacknowledged, above INFO) breaks through at once and ends the pause (IEC 60601-1-8;
  clinical-defaults.md alarm behaviour 4: "a new alarm of higher priority sounds at once").
  Higher than what the pause holds silent now, not than what sounded when it was pressed: a high
  pressed for, acknowledged and ended kept a new high RR 6 silent for the rest of the pause
  (review 37). There is no alarm-off: every silencing action is logged with who did it.
- Only the highest-priority sounding occurrence sets the audio pattern.
- Prompts (category `prompt`) are INFO signals: never red, never flashing, never latching, and
  they sound only once they escalate above INFO.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from console.clock import Moment, clock_time
from console.records import (
    ACKNOWLEDGED,
    AUDIO_PAUSED,
    AUDIO_RESUMED,
    CLEARED,
    DEESCALATED,
    ESCALATED,
    LATCHED,
    RAISED,
    REMINDED,
    RESET,
    RETURNED,
    UPDATED,
    AlarmTransition,
    EventRecord,
)
from protocols.model import Priority

PHYSIOLOGICAL = "physiological"
TECHNICAL = "technical"
PROMPT = "prompt"

DEVICE_CHANGED = "device_changed"
"""Another monitor's values came into the session (engine `_monitor_identity`)."""
UNSAVED_RECORDS = "unsaved_records"
"""A restart found records of the session that the log never took, left in an unsaved-records
file by the console that stopped (engine `_unsaved_left`)."""
LATCHING_EVENTS = frozenset({DEVICE_CHANGED, UNSAVED_RECORDS})
"""Technical conditions that are events, not states: each is over the moment it is noticed, and
latches until a nurse at the bedside resets it, as an unseen high excursion does."""

Change = AlarmTransition | EventRecord


DEFAULT_PAUSE_SECONDS = 120.0
DEFAULT_REMINDER_SECONDS = 150.0   # "re-sounds after 2-3 min while it persists"
# An acknowledged alarm of the patient whose values are back inside its limits ends after this
# long inside; back out before, it is the same alarm, still acknowledged (a reminded one: still
# sounding, `AlarmBoard._ends_later`). A value wavering on a limit (SpO2 93/94 each second)
# raised 30 new medium alarms a minute, each sounding and bringing the window to the front, and
# acknowledging them did nothing (the alarm audit). The console's choice, not a standard's: it
# delays no alarm's start, and an alarm never acknowledged ends (or latches) as before.
ACKNOWLEDGED_END_SECONDS = 10.0


class AlarmState(enum.Enum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    LATCHED = "latched"


def priority_marks(priority: Priority) -> str:
    """"***" high, "**" medium, "*" low, "" a prompt: the priority said without colour."""
    return {Priority.HIGH: "***", Priority.MEDIUM: "**", Priority.LOW: "*"}.get(priority, "")


def keeps_acknowledgement(acknowledged_up_to: Priority | None, escalated_to: Priority) -> bool:
    """Whether an acknowledged occurrence stays acknowledged when its priority rises again,
    its values wavering across a limit (never a vital's absence taking over: the board makes
    that a new occurrence, `AlarmBoard._absence_takes_over`, so the composer and a restart
    read it from the `cleared` and `raised` rows).

    It does when the nurse has already acknowledged it at that priority or higher: a respiratory
    rate or SpO2 wavering across a tier's limit (RR 8/9, SpO2 90/91) is one alarm condition that
    has not ceased, and its return to a level already acknowledged is no news to the nurse (IEC
    60601-1-8: an acknowledgement inactivates the auditory signal until the condition no longer
    exists; clinical-defaults.md alarm behaviour 5: it alarms again when it clears and returns).
    Re-sounding it at every crossing taught the nurse to ignore it. A rise above every priority
    acknowledged is news and sounds. The bedside's board, the network composer and a restart's
    rebuild apply this one rule to the logged transitions.
    """
    return acknowledged_up_to is not None and escalated_to <= acknowledged_up_to


def acknowledged_at(acknowledged_up_to: Priority | None, priority: Priority) -> Priority:
    """The highest priority an occurrence was acknowledged at, once acknowledged at `priority`
    too (`keeps_acknowledgement` reads it)."""
    return max(priority, acknowledged_up_to or Priority.INFO)


@dataclass(frozen=True, slots=True)
class Raise:
    """What a condition reports to the board while it holds."""

    priority: Priority
    message: str
    value: float | None = None
    threshold: str = ""
    detail: str = ""   # the full cause, shown on demand (a player's error text), never logged twice


def another_value(held: Raise, current: Priority, value: float | None) -> bool:
    """`held` is another value than the one its condition held (`current`, `value`): from then
    on an escalation made before it stands, and a take-back no longer undoes it
    (`Occurrence.before_escalation`). The board applies it to each value it is told live
    (`_change`), a restart's replay to each value it replays, one taken back since included,
    as it was told live (engine.py `_open_occurrences`): one rule, so a take-back after a
    restart does what it does without one."""
    return (held.priority, held.value) != (current, value)


@dataclass(slots=True)
class Occurrence:
    """One alarm occurrence, from raised to cleared."""

    id: int
    condition: str
    category: str
    priority: Priority          # what is shown (stays HIGH while latched or unacknowledged)
    current: Priority           # what the condition holds now
    state: AlarmState
    raised_at: Moment
    message: str
    value: float | None
    threshold: str
    silenced_at: float | None = None   # mono time of the acknowledgement (ACKNOWLEDGED only)
    seen: bool = False                 # acknowledged at least once (a reminder does not unsee it)
    acknowledged_up_to: Priority | None = None   # highest priority it was acknowledged at
    detail: str = ""                   # the full cause, for the row's tooltip
    # What the condition holds now (`current`) in words: the row says it once the priority
    # shown comes down to it (an acknowledgement of a held-high alarm, `acknowledge`).
    current_message: str = ""
    current_threshold: str = ""
    # (priority, message, threshold, state, silenced_at, seen) before the value that stands now
    # escalated it; only until another value or priority comes, or the nurse acknowledges it
    # (a value taken back then undoes the escalation: `AlarmBoard.update` with latch False).
    before_escalation: tuple[Priority, str, str, AlarmState, float | None, bool] | None = None

    @property
    def latching(self) -> bool:
        """Latching protects an excursion nobody has seen (high, physiological) and an event
        nobody has seen (`LATCHING_EVENTS`): never acknowledged."""
        return not self.seen and (
            (self.category == PHYSIOLOGICAL and self.priority is Priority.HIGH)
            or self.condition in LATCHING_EVENTS)

    @property
    def now_missing(self) -> str:
        """What its condition holds now, when that is its vital's absence ("No SpO2 for 39 s":
        a `Raise` without a value) below the priority it is held at for an acknowledgement (an
        unseen SpO2 86, then the probe off); else "". Its row says it, as a held value's "now"."""
        if (self.category == PHYSIOLOGICAL and self.current < self.priority
                and self.value is None):
            return self.current_message
        return ""

    @property
    def flashing(self) -> bool:
        """High and medium flash until acknowledged; prompts and low never flash."""
        return self.state is not AlarmState.ACKNOWLEDGED and self.priority >= Priority.MEDIUM

    def banner(self) -> str:
        text = f"{priority_marks(self.priority)} {self.message}".strip()
        return f"{text} (latched: reset to clear)" if self.state is AlarmState.LATCHED else text


@dataclass(frozen=True, slots=True)
class AudioSignal:
    """What the speaker should play now: the pattern of `priority`, or nothing.

    `alarms`: the alarms sounding at that priority (any keys). The low burst plays once (IEC
    60601-1-8 allows a low alarm a single burst), so the sounder plays it again for an alarm
    that joins: the alarm audit heard a second low alarm make no sound at all.
    """

    priority: Priority | None
    paused_seconds_left: float | None   # None when no pause is running
    alarms: frozenset[Hashable] = frozenset()


# Why the discharge ends every alarm still on the board, in the words of each one's `cleared`
# row ("SpO2 86 %, limit ≤90 (session ended)"): the review reads an alarm ended so as still
# active at discharge, not as a condition that ended then (console/review/content.py).
SESSION_ENDED: Final = "session ended"


class AlarmBoard:
    """Holds the occurrences of one session and turns condition updates into transitions."""

    def __init__(
        self,
        session_id: int,
        pause_seconds: float = DEFAULT_PAUSE_SECONDS,
        reminder_seconds: float | None = DEFAULT_REMINDER_SECONDS,
        first_occurrence: int = 1,
    ) -> None:
        self.session_id = session_id
        self.pause_seconds = pause_seconds
        self.reminder_seconds = reminder_seconds
        self._next_id = first_occurrence
        self._by_condition: dict[str, Occurrence] = {}
        self._latched: list[Occurrence] = []     # cleared conditions still latched on screen
        self._pause_until: float | None = None   # mono time; set only while a pause runs
        self._ending: dict[str, Moment] = {}     # acknowledged, back inside since (condition)
        # The occurrences a restart put back (`restore`), timed from the log on a clock a later
        # step may correct (`restart_corrected`).
        self._restored: frozenset[int] = frozenset()

    def clone(self) -> AlarmBoard:
        """An independent copy (the engine's per-step snapshot)."""
        twin = AlarmBoard(self.session_id, self.pause_seconds, self.reminder_seconds, self._next_id)
        twin._by_condition = {k: replace(o) for k, o in self._by_condition.items()}
        twin._latched = [replace(o) for o in self._latched]
        twin._pause_until = self._pause_until
        twin._ending = dict(self._ending)
        twin._restored = self._restored
        return twin

    def restart_corrected(self, at: float, shift: float) -> None:
        """A step put right the clock of the restart at mono `at`: the alarms it put back move by
        `shift` seconds, as a replay of the log times them (`SessionEngine._restart_corrected`):
        their age, their acknowledgement (when its reminder sounds), their values back inside
        since. After a restart an hour ahead, an acknowledged alarm read an hour older and was
        reminded at once. What happened after the restart stays. Once only."""
        def moved(mono: float) -> float:
            return mono + shift if mono <= at else mono

        for occurrence in [*self._by_condition.values(), *self._latched]:
            if occurrence.id not in self._restored:
                continue
            occurrence.raised_at = Moment(moved(occurrence.raised_at.mono),
                                          occurrence.raised_at.wall)
            if occurrence.silenced_at is not None:
                occurrence.silenced_at = moved(occurrence.silenced_at)
            if (before := occurrence.before_escalation) is not None and before[4] is not None:
                occurrence.before_escalation = (*before[:4], moved(before[4]), before[5])
        self._ending = {condition: since if since.mono >= at or condition not in {
            o.condition for o in self._by_condition.values() if o.id in self._restored}
            else Moment(since.mono + shift, since.wall) for condition, since in self._ending.items()}
        self._restored = frozenset()

    # ---- condition updates -------------------------------------------------------------------

    def update(
        self, condition: str, category: str, held: Raise | None, now: Moment,
        latch: bool = True,
    ) -> list[Change]:
        """Tell the board what `condition` holds now; return the transitions this causes.
        `latch` False: the value that stood was taken back (entered in error, or corrected): a
        clear ends the occurrence even if it would latch (no excursion happened, and the nurse
        who took it back knows), and an escalation that value made is undone first."""
        occurrence = self._by_condition.get(condition)
        if held is None:
            if occurrence is None:
                return []
            if latch and self._ends_later(occurrence):
                self._ending.setdefault(condition, now)   # `tick` ends it (ACKNOWLEDGED_END_SECONDS)
                return []
            return self._clear(occurrence, now, latch)
        if occurrence is None:
            return self._raise(condition, category, held, now)
        inside_since = self._ending.pop(condition, None)   # back out before its end: the same
        if inside_since is not None and now.mono - inside_since.mono >= ACKNOWLEDGED_END_SECONDS:
            # Its end came first, only the tick that ends it came late (a busy or suspended
            # machine): ended as `tick` ends it, and what holds now is a new alarm, sounding.
            # Kept on, a new apnoea after a breath was silent, acknowledged; a restart ended it.
            return [*self._end_back_inside(occurrence, inside_since, now),
                    *self._raise(condition, category, held, now)]
        if self._absence_takes_over(occurrence, held):
            # A new alarm, not the acknowledged one going on (`_absence_takes_over`): the
            # acknowledged occurrence ends saying what followed it, the absence is raised.
            return [*self._clear(occurrence, now, latch=False,
                                 message=f"{occurrence.message} (a new alarm: {held.message})"),
                    *self._raise(condition, category, held, now)]
        undone = [] if latch else self._undo_escalation(occurrence, held)
        return [*(self._transition(o, DEESCALATED, now) for o in undone),
                *self._change(occurrence, held, now)]

    def renew(self, condition: str, category: str, held: Raise, now: Moment) -> list[Change]:
        """A new cause of `condition` while it stands (another bug: the Console fault): a new
        alarm, not the standing one going on, as `_absence_takes_over`. The standing occurrence
        ends saying what followed it, and `held` is raised: ACTIVE, sounding however the other
        was acknowledged, breaking through a pause as any new alarm."""
        occurrence = self._by_condition.get(condition)
        ended = [] if occurrence is None else self._clear(
            occurrence, now, latch=False,
            message=f"{occurrence.message} (a new alarm: {held.message})")
        return [*ended, *self._raise(condition, category, held, now)]

    def end_uncounted(self, condition: str, now: Moment, why: str) -> list[Change]:
        """`condition` no longer holds because its vital's last value no longer counts (the
        vital went missing while its source sent the others, conditions.py; `why`: "No
        respiratory rate for 20 s"). Its values are not back inside its limits, so an
        acknowledged occurrence ends at once, not `ACKNOWLEDGED_END_SECONDS` later as "back
        inside its limits", and its end says `why`; an unseen high one latches as any does (IEC
        60601-1-8: the latched signal stays until the nurse resets it). [] when none is open."""
        occurrence = self._by_condition.get(condition)
        if occurrence is None:
            return []
        return self._clear(occurrence, now, message=(
            f"{occurrence.message} (its value no longer counts: {why[:1].lower()}{why[1:]})"))

    @staticmethod
    def _absence_takes_over(occurrence: Occurrence, held: Raise) -> bool:
        """A vital's absence (no value for its `absent_seconds`; a physiological `Raise`
        without a value, conditions.py) now holds where an acknowledged alarm of its values
        stood: RR 7 acknowledged, RR 10, then no RR for 20 s while SpO2 keeps coming.

        Rule: it is news, a new occurrence, ACTIVE and sounding. "No RR for >= 20 s" is a high
        alarm condition of its own (clinical-defaults.md, default alarm thresholds), and an
        acknowledgement silences the occurrence the nurse saw only (clinical-defaults.md alarm
        behaviour 5; IEC 60601-1-8: acknowledgement inactivates the auditory signal of the
        alarm condition acknowledged); no counted rate is wavering across a limit here
        (`keeps_acknowledgement`). Taken for RR 7's wavering, the apnoea stood silent and steady
        as "*** No respiratory rate for 27 s · acknowledged" (review 40).
        The other way, a counted value taking over from an acknowledged absence, stays the
        same occurrence under `keeps_acknowledgement`: the vital counted again is the
        condition easing from the worst form the nurse has acknowledged (a rise above every
        priority acknowledged still sounds), and re-sounding every return of a breath teaches
        the nurse to ignore the alarm (same rule, clinical-defaults.md alarm behaviour 5).
        An unacknowledged occurrence already sounds: its escalation, if any, sounds as before.
        """
        return (occurrence.category == PHYSIOLOGICAL and occurrence.state is AlarmState.ACKNOWLEDGED
                and occurrence.value is not None and held.value is None)

    def _undo_escalation(self, occurrence: Occurrence, held: Raise) -> list[Occurrence]:
        """Put back what the occurrence was before the value now taken back escalated it (its
        priority, text and acknowledgement); returns it to log `deescalated`, or [] when that
        value escalated nothing."""
        before = occurrence.before_escalation
        if before is None:
            return []
        (occurrence.priority, occurrence.message, occurrence.threshold, occurrence.state,
         occurrence.silenced_at, occurrence.seen) = before
        occurrence.before_escalation = None
        occurrence.value = held.value   # the value that stands, in its `deescalated` row
        return [occurrence]

    def reword(self, condition: str, taken_back: Raise | None,
               standing: Sequence[tuple[float, Raise]], now: Moment) -> list[Change]:
        """A value taken back (entered in error) whose words (`taken_back`: what it held) an
        occurrence still shows (unseen and held high above what holds now, `_holds_high`, or
        latched): it reads the last value that stands at its priority since it was raised
        (`standing`: mono time and what each held, in order). Live it had kept "SpO2 90 %,
        limit ≤90 · now 92" for the typed 90 taken back (an alarm review); a latched diastolic
        122 entered in error came back "Diastolic BP 122" when the pressure rose again.
        With no such value (every value that held it high was entered in error), an open
        occurrence reads what its condition holds now: its vital's absence ("No SpO2 for 91
        s"), or the value that stands, still held high till seen. It names no value that counts
        nowhere: live had read the last value taken back, a restart the first; a systolic 205
        entered in error went on naming the 205 over the 185 after it, live and after a
        restart. New words are logged `updated`, as an absence taking over an
        alarm's words is: a restart's replay skips the value taken back and cannot tell which
        words it held (an SpO2 85 entered in error had come back in a `latched` row's words in
        place of the 89 that raised the alarm, a random walk)."""
        occurrence = self._by_condition.get(condition)
        if occurrence is None:
            occurrence = next((o for o in self._latched if o.condition == condition), None)
        if occurrence is None or taken_back is None or (
                (occurrence.message, occurrence.threshold)
                != (taken_back.message, taken_back.threshold)):
            return []
        words = next((held for mono, held in reversed(standing)
                      if held.priority == occurrence.priority
                      and mono >= occurrence.raised_at.mono), None)
        if words is None:
            if occurrence.state is AlarmState.LATCHED or not occurrence.current_message:
                return []
            words = Raise(occurrence.current, occurrence.current_message, None,
                          occurrence.current_threshold)
        if (words.message, words.threshold) == (occurrence.message, occurrence.threshold):
            return []
        occurrence.message, occurrence.threshold = words.message, words.threshold
        if occurrence.state is AlarmState.LATCHED:
            # Its `latched` row's words are what a restart shows; "now" is its own words.
            occurrence.current_message, occurrence.current_threshold = (words.message,
                                                                        words.threshold)
        return [self._transition(occurrence, UPDATED, now)]

    def reword_corrected(self, condition: str, held: Raise | None) -> None:
        """A correction of its vital's latest value while the vital is missing (the engine's
        `correct` leaves its conditions to the absence): what the corrected value holds
        (`held`), at the priority the occurrence shows, is its words, as any value at that
        priority words it (`_change`) and a restart's replay of the correction does (engine
        `_reworded`). Live it had gone on naming the SpO2 89 held high after the 97 that
        followed was corrected to 90."""
        occurrence = self._by_condition.get(condition)
        if occurrence is not None and held is not None and held.priority == occurrence.priority:
            occurrence.message, occurrence.threshold = held.message, held.threshold

    def _ends_later(self, occurrence: Occurrence) -> bool:
        """An alarm of the patient the nurse has acknowledged ends `ACKNOWLEDGED_END_SECONDS`
        after its values came back inside. So does one its reminder sounded again (`seen`,
        ACTIVE till acknowledged again): the condition has not ceased (clinical-defaults.md
        alarm behaviour 5: the reminder re-sounds it "while it persists"); ended at once, SpO2
        93/94 was a new alarm every other second again from the reminder on (an alarm review)."""
        return (occurrence.category == PHYSIOLOGICAL and occurrence.seen
                and ACKNOWLEDGED_END_SECONDS > 0)

    def _raise(self, condition: str, category: str, held: Raise, now: Moment) -> list[Change]:
        latched = next((o for o in self._latched if o.condition == condition), None)
        if latched is not None and held.priority < latched.priority:
            # The excursion nobody has seen is not over because the value came back at a lower
            # priority: the same occurrence stands again, still high and sounding, its row saying
            # the value now, until the nurse acknowledges it (IEC 60601-1-8 latching: a latched
            # signal continues until the operator deactivates it). A SpO2 86 that recovered
            # unseen and drifted to 92 used to be cleared "(returned)" and shown as medium.
            self._latched.remove(latched)
            latched.state = AlarmState.ACTIVE
            self._by_condition[condition] = latched
            # Logged: the record (and the PCD-04 feed) said `latched`, the condition over.
            return [*self._change(latched, held, now),
                    self._transition(latched, RETURNED, now, message=held.message)]
        # A return at the latched alarm's own priority is a new excursion, raised (and marked on
        # the trend) as one; the latched occurrence ends, saying why.
        out = self._end_latched(condition, now, reason="returned")
        occurrence = Occurrence(
            id=self._next_id, condition=condition, category=category, priority=held.priority,
            current=held.priority, state=AlarmState.ACTIVE, raised_at=now, message=held.message,
            value=held.value, threshold=held.threshold, detail=held.detail,
            current_message=held.message, current_threshold=held.threshold,
        )
        self._next_id += 1
        self._by_condition[condition] = occurrence
        return [*out, self._transition(occurrence, RAISED, now),
                *self._break_through(occurrence, now)]

    def _change(self, occurrence: Occurrence, held: Raise, now: Moment) -> list[Change]:
        if another_value(held, occurrence.current, occurrence.value):
            occurrence.before_escalation = None   # another value stands now: its escalation stays
        went_missing = (occurrence.category == PHYSIOLOGICAL and occurrence.value is not None
                        and held.value is None)
        occurrence.current = held.priority
        occurrence.value = held.value
        occurrence.detail = held.detail
        occurrence.current_message, occurrence.current_threshold = held.message, held.threshold
        if held.priority == occurrence.priority:
            # Same priority: no transition, but the row reads the current value, not the first.
            occurrence.message, occurrence.threshold = held.message, held.threshold
            if went_missing:   # the log says the absence, as no later value can (`UPDATED`)
                return [self._transition(occurrence, UPDATED, now)]
        if held.priority > occurrence.priority:
            occurrence.before_escalation = (occurrence.priority, occurrence.message,
                                            occurrence.threshold, occurrence.state,
                                            occurrence.silenced_at, occurrence.seen)
            occurrence.priority = held.priority
            occurrence.message, occurrence.threshold = held.message, held.threshold
            if (occurrence.state is AlarmState.ACKNOWLEDGED
                    and keeps_acknowledgement(occurrence.acknowledged_up_to, held.priority)):
                return [self._transition(occurrence, ESCALATED, now)]   # silent, as acknowledged
            occurrence.state = AlarmState.ACTIVE   # an escalation sounds again, and can latch
            occurrence.silenced_at = None
            occurrence.seen = False
            return [self._transition(occurrence, ESCALATED, now), *self._break_through(occurrence, now)]
        if held.priority < occurrence.priority and not self._holds_high(occurrence):
            occurrence.priority = held.priority
            occurrence.message, occurrence.threshold = held.message, held.threshold
            return [self._transition(occurrence, DEESCALATED, now)]
        return []

    def _holds_high(self, occurrence: Occurrence) -> bool:
        """An unacknowledged high physiological alarm keeps showing high (latching rule)."""
        return occurrence.latching and occurrence.state is AlarmState.ACTIVE

    def _clear(self, occurrence: Occurrence, now: Moment, latch: bool = True,
               message: str | None = None) -> list[Change]:
        del self._by_condition[occurrence.condition]
        self._ending.pop(occurrence.condition, None)
        occurrence.before_escalation = None
        if latch and occurrence.latching and occurrence.state is AlarmState.ACTIVE:
            occurrence.state = AlarmState.LATCHED
            # Its condition has ended: nothing holds "now" below the excursion (a row read
            # "· now 112" with the tile at 80), as a restart rebuilds it from the `latched` row.
            occurrence.current = occurrence.priority
            occurrence.current_message, occurrence.current_threshold = (occurrence.message,
                                                                        occurrence.threshold)
            self._latched.append(occurrence)
            return [self._transition(occurrence, LATCHED, now)]
        return [self._transition(occurrence, CLEARED, now, message=message)]

    def _end_back_inside(self, occurrence: Occurrence, since: Moment,
                         now: Moment) -> list[Change]:
        """End an acknowledged occurrence whose values came back inside at `since`
        (`_ends_later`), saying so."""
        return self._clear(occurrence, now, message=(
            f"{occurrence.message} (back inside its limits since {clock_time(since.wall)})"))

    def _end_latched(self, condition: str, now: Moment, reason: str) -> list[Change]:
        out: list[Change] = []
        for occurrence in [o for o in self._latched if o.condition == condition]:
            self._latched.remove(occurrence)
            out.append(self._transition(occurrence, CLEARED, now, message=f"{occurrence.message} ({reason})"))
        return out

    def take_back_latched(self, occurrence_id: int, now: Moment, reason: str) -> list[Change]:
        """End a latched occurrence whose value was taken back (entered in error, or corrected)
        after a later value had ended its condition: no excursion happened, so no reset is owed
        (the exception to latching: a value the nurse says was never measured). Logged
        `cleared`, saying `reason`; [] when no such occurrence is latched."""
        for occurrence in self._latched:
            if occurrence.id == occurrence_id:
                self._latched.remove(occurrence)
                return [self._transition(occurrence, CLEARED, now,
                                         message=f"{occurrence.message} ({reason})")]
        return []

    def restore(self, occurrences: Iterable[Occurrence],
                outlive: frozenset[str] = frozenset()) -> tuple[list[Occurrence], list[Occurrence]]:
        """Put back the occurrences a restarted console found open in its log (resume).

        Physiological alarms and prompts come back as they were, as the same occurrences (a
        latched one latched).
        Technical ones belonged to the process that stopped (its device link, speaker, log file):
        they are returned as ended, for the caller to log, and evaluated afresh; except the
        conditions in `outlive`, which are not the process's (the clinic network's: its
        messages wait in the log) and come back as they were. Of two open occurrences of one
        condition (a log written by an older console) the newer stays.

        Returns:
            (restored, ended).
        """
        restored: list[Occurrence] = []
        ended: list[Occurrence] = []
        for occurrence in sorted(occurrences, key=lambda o: o.id):
            if occurrence.category == TECHNICAL and occurrence.condition not in outlive:
                ended.append(occurrence)
                continue
            restored.append(occurrence)
            self._restored |= {occurrence.id}
            self._next_id = max(self._next_id, occurrence.id + 1)
            if occurrence.state is AlarmState.LATCHED:
                self._latched.append(occurrence)
                continue
            older = self._by_condition.get(occurrence.condition)
            if older is not None:
                restored.remove(older)
                ended.append(older)
            self._by_condition[occurrence.condition] = occurrence
        return restored, ended

    def end_all(self, now: Moment, reason: str) -> list[Change]:
        """End every occurrence on the board (the session ended); any audio pause ends too."""
        out: list[Change] = []
        for occurrence in self.occurrences():
            out.append(self._transition(occurrence, CLEARED, now,
                                        message=f"{occurrence.message} ({reason})"))
        self._by_condition.clear()
        self._latched.clear()
        self._ending.clear()
        self._pause_until = None
        return out

    # ---- operator actions --------------------------------------------------------------------

    def acknowledge(self, occurrence_id: int, actor: str, now: Moment) -> list[Change]:
        """Acknowledge an active occurrence, or reset a latched one.

        Raises:
            KeyError: no such occurrence is on the board (already cleared).
        """
        for occurrence in self._latched:
            if occurrence.id == occurrence_id:
                self._latched.remove(occurrence)
                return [
                    self._transition(occurrence, RESET, now, actor=actor),
                    self._transition(occurrence, CLEARED, now),
                ]
        for occurrence in self._by_condition.values():
            if occurrence.id == occurrence_id:
                if occurrence.state is AlarmState.ACKNOWLEDGED:
                    return []
                occurrence.state = AlarmState.ACKNOWLEDGED
                occurrence.silenced_at = now.mono
                occurrence.seen = True
                occurrence.before_escalation = None   # seen at this priority: it stands
                occurrence.acknowledged_up_to = acknowledged_at(occurrence.acknowledged_up_to,
                                                                occurrence.priority)
                out: list[Change] = [self._transition(occurrence, ACKNOWLEDGED, now, actor=actor)]
                missing = occurrence.now_missing
                if missing:
                    # Held high for its value, its vital missing since: the nurse acknowledged
                    # the value she was shown, never the absence. The absence is a new alarm,
                    # sounding, as `_absence_takes_over` makes it once a value alarm was
                    # acknowledged; lowered to it, "No SpO2 · acknowledged" stood silent till
                    # the reminder (review 47). Seen, the value alarm ends (no latch).
                    held = Raise(occurrence.current, missing, None, occurrence.current_threshold,
                                 occurrence.detail)
                    return [*out, *self._clear(occurrence, now, latch=False, message=(
                        f"{occurrence.message} (a new alarm: {missing})")),
                        *self._raise(occurrence.condition, occurrence.category, held, now)]
                if occurrence.current < occurrence.priority:   # held high only for acknowledgement
                    # In the words of the condition that holds now ("SpO2 92 %, limit ≤93"),
                    # as any `deescalated` row: it read "SpO2 88 %, limit ≤90" at value 92.
                    occurrence.priority = occurrence.current
                    occurrence.message = occurrence.current_message or occurrence.message
                    occurrence.threshold = occurrence.current_threshold or occurrence.threshold
                    out.append(self._transition(occurrence, DEESCALATED, now))
                return out
        raise KeyError(f"alarm {occurrence_id} is no longer active")

    def pause_audio(self, actor: str, now: Moment) -> list[Change]:
        """Silence all audio for `pause_seconds`; a higher-priority new alarm breaks through."""
        self._pause_until = now.mono + self.pause_seconds
        return [self._board_transition(AUDIO_PAUSED, now, actor, f"Audio paused for {self.pause_seconds:g} s")]

    def back_inside_since(self, condition: str, since: Moment) -> None:
        """A restored alarm the nurse has acknowledged (`_ends_later`) whose values came back
        inside at `since` (a restart's replay knows when): it ends ACKNOWLEDGED_END_SECONDS
        after that, as it would have without the restart, not that long after the restart."""
        occurrence = self._by_condition.get(condition)
        if occurrence is not None and self._ends_later(occurrence):
            self._ending[condition] = since

    def tick(self, now: Moment) -> list[Change]:
        """Time-driven changes: the end of an audio pause, reminders of acknowledged alarms, the
        end of an acknowledged alarm whose values have been back inside long enough."""
        out: list[Change] = []
        if self._pause_until is not None and now.mono >= self._pause_until:
            out.append(self._end_pause(now, "Audio pause ended"))
        ended = False
        for condition, since in list(self._ending.items()):
            if now.mono - since.mono >= ACKNOWLEDGED_END_SECONDS:
                out.extend(self._end_back_inside(self._by_condition[condition], since, now))
                ended = True
        if ended:
            out.extend(self._raised_under_pause(now))
        if self.reminder_seconds is not None:
            for occurrence in self._by_condition.values():
                if (
                    occurrence.condition not in self._ending   # its values are back inside
                    and occurrence.state is AlarmState.ACKNOWLEDGED
                    and occurrence.silenced_at is not None
                    # An information prompt ("Vitals due") has no sound to give again; one
                    # overdue, medium (clinical-defaults.md alarm behaviour 8), is reminded like
                    # any medium alarm: acknowledged once, a missed BP went silent for the session.
                    and occurrence.priority > Priority.INFO
                    and now.mono - occurrence.silenced_at >= self.reminder_seconds
                ):
                    occurrence.state = AlarmState.ACTIVE
                    occurrence.silenced_at = None
                    out.append(self._transition(
                        occurrence, REMINDED, now,
                        message=f"{occurrence.message} (reminder: still present)",
                    ))
        return out

    # ---- what is shown and heard -------------------------------------------------------------

    def occurrences(self) -> list[Occurrence]:
        """Every occurrence on the board, highest priority first, then oldest first."""
        items: Iterable[Occurrence] = [*self._by_condition.values(), *self._latched]
        return sorted(items, key=lambda o: (-o.priority, o.raised_at.mono, o.id))

    def occurrence_for(self, condition: str) -> Occurrence | None:
        return self._by_condition.get(condition)

    def audio(self, now: Moment) -> AudioSignal:
        paused_left = None
        if self._pause_until is not None:
            paused_left = max(0.0, self._pause_until - now.mono)
        priority = None if paused_left else self._sounding_priority(now)
        alarms = frozenset(o.id for o in self.occurrences()
                           if o.priority == priority and o.state is not AlarmState.ACKNOWLEDGED)
        return AudioSignal(priority, paused_left, alarms)

    def has_unresolved(self) -> bool:
        """Any physiological or technical alarm active, unacknowledged or latched (prompts aside)."""
        return any(o.category != PROMPT for o in self.occurrences())

    def _sounding_priority(self, now: Moment,
                           excluding: Occurrence | None = None) -> Priority | None:
        """The highest priority that sounds (or that a running pause holds silent)."""
        sounding = [
            o.priority for o in self.occurrences()
            if o.state is not AlarmState.ACKNOWLEDGED and o.priority > Priority.INFO
            and o is not excluding
        ]
        return max(sounding) if sounding else None

    def _raised_under_pause(self, now: Moment) -> list[Change]:
        """An alarm ended under a running pause: the highest one raised since the pause began
        breaks through now if nothing still held silent outranks it (`_break_through`), as it
        would have at its raise. A reminded bradycardia under F3 waits its 10 s to end once the
        rate swings to 115 (`_ends_later`): the tachycardia raised then had stayed silent for
        the rest of the pause (a review). One rule with what sounds (`_sounding_priority`): a
        high alarm waiting so still outranks a new medium one, and sounds when the pause ends."""
        if self._pause_until is None:
            return []
        since = self._pause_until - self.pause_seconds
        raised = next((o for o in self.occurrences()
                       if o.raised_at.mono >= since and o.state is not AlarmState.ACKNOWLEDGED
                       and o.priority > Priority.INFO), None)
        return [] if raised is None else self._break_through(raised, now)

    def _break_through(self, occurrence: Occurrence, now: Moment) -> list[Change]:
        """End a running pause for `occurrence` (just raised or escalated) when it is higher than
        every other occurrence the pause holds silent now (module docstring)."""
        priority = occurrence.priority
        if self._pause_until is None or priority <= Priority.INFO:
            return []
        silenced = self._sounding_priority(now, excluding=occurrence)
        if silenced is None or priority > silenced:
            return [self._end_pause(now, f"Audio pause ended: new {priority.label}-priority alarm")]
        return []

    def _end_pause(self, now: Moment, message: str) -> EventRecord:
        self._pause_until = None
        return self._board_transition(AUDIO_RESUMED, now, "engine", message)

    # ---- records -----------------------------------------------------------------------------

    def _transition(
        self, occurrence: Occurrence, transition: str, now: Moment,
        actor: str = "engine", message: str | None = None,
    ) -> AlarmTransition:
        return AlarmTransition(
            session_id=self.session_id, occurrence=occurrence.id, condition=occurrence.condition,
            category=occurrence.category, priority=occurrence.priority.label, transition=transition,
            at=now.wall, message=message or occurrence.message, value=occurrence.value,
            threshold=occurrence.threshold, actor=actor,
        )

    def _board_transition(self, kind: str, now: Moment, actor: str, message: str) -> EventRecord:
        # Audio pause concerns the whole board, not one occurrence: it is an event of its own.
        return EventRecord(self.session_id, now.wall, kind, actor, {"message": message})

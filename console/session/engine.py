"""The session engine: one patient's session from pre-checks to discharge. Plain Python, no Qt.

It owns the phases and their timers, the checklist state, the baseline, the vitals schedule and
the alarms. Every method takes `now` (a `Moment`); nothing here reads a clock or sleeps, so a
four-hour session runs in a test in milliseconds. Every decision is written to the `Recorder`
(committed) before the method returns, so what the UI then shows is already in the log.

Rules kept here (sources in shared/design/clinical-defaults.md):
- Leaving a phase with a required checklist item open, before its minimum time, with its infusion
  time not yet run, or before its exit conditions hold (BP back near baseline, MOAA/S) is refused
  unless the nurse gives an override reason, which is logged.
- T0 is the start of the first dosing phase. The baseline of a vital in the pre-dose gate (BP) is
  what the nurse saw when ticking the gate item ("Baseline BP below 140/90"): it is fixed then,
  logged with the tick, and later readings before T0 do not move it (the issue: BP rose from
  140/92 to 166/103 after the tick and silently became the baseline every "base+40" limit used).
  Other baselines are the last values before T0 (or the first after it when none was taken).
  A correction of the value a baseline was taken from moves the baseline to the right value
  (`_baseline_corrected`; a typed 210 for 128 had kept the limit at 250).
- A gated vital that reaches the gate again after its baseline was ticked refuses the start of
  dosing until a prescriber's decision is logged (an override with its reason).
- Discharge is refused while an alarm is unresolved, before the protocol's minimum time from T0,
  while systolic BP is rising, with MOAA/S or Aldrete below the gate, or with required discharge
  items open; a prescriber override is logged with its reason.
- DEMO/TEST readings are logged but never evaluated or counted as patient data.
- A device NIBP value repeated with the same measured time is one reading, not many.
- An ended (discharged) session takes no more writes: every action is refused with a reason. A
  discharge the log could not take is written by the tick once the log takes it, and until then
  F2 and F3 act on its log alarm in memory only (`_after_discharge`).
- A typed value and the monitor's reading of one vital: alarms follow the latest value whatever its
  source, so a typed value could end a monitor's alarm nobody saw (the issue: a typed 150/95 ended
  a diastolic-112 alarm 18 s after it was raised). So while a monitor's reading of a vital holds an
  alarm, a typed value of that vital is recorded only once the nurse confirms that it replaces
  the monitor's reading; it carries the REPLACES_DEVICE flag and the alarm's end, if it ends, says
  it was ended by the typed value. Views never pair values of different sources or measurements
  (tiles and trend: console/ui/tiles.py, console/session/trend_feed.py).

Commit first, then the state stands, then notify (the console's first rule: nothing the nurse
sees or a monitor is told is saved unless it is in the log). Every public action is one *step*
(`_step`): it works out its records, the log commits them in one transaction, and only when that
commit returns (or, for a log fault, the records are held in memory in order: holding.py) does the
new state stand and the listeners (`subscribe`) hear of it. Any other failure of the commit (a bug
in the recorder, a value the log refuses) puts the engine back exactly as it was before the step
(a snapshot taken at its start) and propagates, so no alarm is ever shown whose `raised` row is
not in the log and no later `acknowledged` row points at one that never reached it. Listeners are
told after every step that wrote something, so a view can never miss a change by someone
forgetting to tell it.

Resume (after a crash or kill) restores every alarm occurrence that was open, as the same
occurrence in the state it had (IEC 60601-1-8: a latched signal persists until the operator acts;
a restart is not an operator action on an alarm): active, acknowledged (its reminder clock keeps
running from the acknowledgement) or latched, with its raise time and priority. The conditions are
then evaluated again on the replayed readings by the normal rules: one that still holds carries on
as the same occurrence; an unacknowledged high one that no longer holds latches; an acknowledged
one that no longer holds ends as it would have. A technical condition about the patient's data
or the station stands through the restart too, as the same occurrence, when the restarted console
watches it again: the device's (lost, no data) when it reads a monitor, until the monitor's first
good frame; the speaker's when it reports the speaker; the network's, and "message not read" and
"impossible value" always (the values they say are missing are missing after the restart too).
Those about the process that died (log, console fault, and a device or speaker the new process
does not watch) end at restart, saying why. An audio pause in force ends at restart (what sounds,
sounds again).
"""

from __future__ import annotations

import contextlib
import math
import re
import tempfile
from bisect import bisect_left, bisect_right
from functools import partial
from itertools import chain
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar

from console.clock import Moment, clock_time, format_duration, format_span, iso
from console.paths import path_text
from console.records import (
    ACKNOWLEDGED,
    AUDIO_PAUSED,
    AUDIO_RESUMED,
    BASELINE_SET,
    CLEARED,
    DEESCALATED,
    ENGINE,
    ESCALATED,
    LATCHED,
    RAISED,
    REMINDED,
    RESET,
    RETURNED,
    SESSION_RESUMED,
    UPDATED,
    AlarmTransition,
    EventRecord,
    ObservationRecord,
    Record,
    Recorder,
    SessionEnded,
    SessionOpened,
)
from console.session.alarms import (
    DEVICE_CHANGED,
    SESSION_ENDED,
    UNSAVED_RECORDS,
    PHYSIOLOGICAL,
    PROMPT,
    TECHNICAL,
    AlarmBoard,
    AlarmState,
    AudioSignal,
    Occurrence,
    Raise,
    acknowledged_at,
    another_value,
    keeps_acknowledgement,
)
from console.session import device_rest
from console.session.clock_marks import (
    ALARM_ROWS_BEFORE,
    CLOCK_BEHIND_TOLERANCE_SECONDS,
    CLOCK_STEPPED,
    OBSERVATIONS_BEFORE,
    RunClocks,
    logged_count,
)
from console.session.channels import judged_alone, worst
from console.session.dosing import devices_ticked
from console.session.conditions import (
    GOES_WITH, STALE_MANUAL_SECONDS, ConditionTracker, trackers_for)
from console.session.entry import (
    Accepted,
    NeedsConfirmation,
    Rejected,
    Verdict,
    check_bp,
    check_number,
    pulse_pressure_question,
)
from console.session.holding import HeldFile, HeldWrites, LeftHeld, left_held, reading_key
from console.session.protocol_record import PROTOCOL_IN_FORCE, protocol_detail, protocol_in_force
from console.session.schedule import (
    KEEP_ROWS, Counted, DueInfo, Recounted, Schedule, counts_for_checks, timed_names,
)
from console.session.tile_view import same_measurement
from console.session.trend_feed import CUFF_WAIT_S, SAME_STEP_SECONDS, DeviceClocks
from console.store.errors import LogError
from protocols.vitals import BP_METRICS, DISSOCIATION_PRESENT_ABOVE, metric
from devices.reading import (
    AGE_UNKNOWN, DEMO_OR_TEST, MANUAL, OTHER_CHANNEL, Reading, beyond_mark, is_cuff_pulse,
    is_cuff_pulse_metric, is_nibp_metric, is_nibp_value, is_patient_value,
)
from devices.stream import (
    IMPOSSIBLE_BP,
    NOT_MONITORED,
    NOT_READ,
    OUT_OF_HARD_RANGE,
    pressures_in_order,
)
from protocols.model import (
    ChecklistItem, DoseMode, Phase, PhaseKind, Priority, Protocol, pre_dose_phases, yes_no,
)

HL7_SOURCE = "hl7:"   # how an HL7 message's readings name their source (devices.hl7.decoder)
IMPOSSIBLE_NIBP_KEYS = "impossible_nibp"
"""The `device_dropped` detail naming the impossible NIBP measurements' values (`_nibp_key`), so
that their repeats are known after a restart too (logged once)."""
IMPLAUSIBLE = frozenset({OUT_OF_HARD_RANGE, IMPOSSIBLE_BP})
"""Drops that raise "Impossible value from the monitor" (DEVICE_IMPLAUSIBLE)."""
OBSERVED = "observation"   # the event kind of an observation noted with a button ("Vomiting")
VOMITING = "Vomiting"
# The texts of the observation buttons at the chair: the console's own words, which a
# de-identified export keeps (console/export/deidentify.py); the entry panel draws them.
OBSERVATION_BUTTONS: Final = frozenset({VOMITING})
OBSERVED_AT: Final = "observed_at"
"""The detail key of an `entered_in_error` event that takes back an observation noted with a
button (`SessionEngine.void_observation`): when it was noted, as the log holds the time
(`console.clock.iso`, to the millisecond), which a restart, whose events come without their row
ids, finds the episode by. Its `event` names the row."""

# Technical conditions and their priorities. A lost device is medium: the nurse must look. No data
# from a connected device (the transport's STALE, 4 s without a complete frame: quality bar R2) is
# low at first, values greyed with their age, since one or two lost messages resume by themselves;
# if the silence lasts STALE_ESCALATE_SECONDS more it escalates to medium, like a lost device.
# The session log unavailable (R5) is medium: see SessionEngine._log_alarm.
DEVICE_LOST = "device_lost"
DEVICE_STALE = "device_stale"
AUDIO_UNAVAILABLE = "audio_unavailable"
LOG_UNAVAILABLE = "log_unavailable"
CONSOLE_FAULT = "console_fault"
NETWORK_UNCONFIRMED = "network_unconfirmed"
DEVICE_UNREADABLE = "device_unreadable"
DEVICE_IMPLAUSIBLE = "device_implausible"
DEVICE_RESENT = "device_resent"
"""The event of a monitor's resend of a message already logged (answered AA, kept once)."""
LOGGED_MESSAGES = 1000
"""Device message ids remembered to know a resend (~15 min of a monitor sending every second;
HL7 senders resend at once, at most 3 times)."""
UNREADABLE_HOLD_SECONDS = 60.0
"""How long "monitor message not read" stands after the last such message (then it ends)."""
CLOCK_BEHIND = "clock_behind"
LOG_RESTORED_FILE = "file"
"""The key of a `log_restored` event naming the unsaved-records file of the records it wrote
(their copy, `HeldFile`; None when no folder took one): a restart knows by it that the log has
that file's records (`_written_by_its_run`). An older console's event has no such key."""
UNSAVED_FOUND = "unsaved_records_found"
"""The event of an unsaved-records file a restart found (`_unsaved_left`): its path (`file`) and
what it holds of the session; a file an event of the session names is not raised again."""
DEVICE_SIMULATED = "device_simulated"
"""The detail key of `session_resumed`: the monitor it logged is a simulated one this console
started for a demo (gone with the console: the next resume starts a new one)."""
CLOCK_STEP_SECONDS = 5.0
"""A move of the wall clock against the monotonic one larger than this is a step (NTP, a
corrected RTC), logged (`CLOCK_STEPPED`) so that a restart can put the events its run logged
before it on the clock as it reads now (`SessionEngine.resume`). Smaller moves are left: they are
seconds on timers of minutes."""
PHASE_COMPLETE = "phase_complete:"   # + phase id: the "planned time reached" prompt
# The nasal devices' "all given, move on" prompt (or "device 3 due") is medium when the nurse has
# not moved on this long after it (`_devices_given_prompt`): a due check's 5 min
# (clinical-defaults.md alarm 8).
MOVE_ON_ESCALATE_SECONDS: Final = 300.0
STALE_ESCALATE_SECONDS = 10.0
ENDED = "The session has ended (discharged): nothing more is recorded for it."
EARLY_DEVICE = "Device given before the rest ended"   # the question a nasal device ticked early asks
EXTRA_DEVICE = "Device beyond the dose"   # the question a nasal device beyond the dose asks
GATE_APPROVAL = "Prescriber review"   # the question a pre-dose gate item over its gate asks
# (not `signing.GATE_DECISION`, the meaning the prescriber's signature of the answer carries)
# The discharge blockers' first words (`discharge_blockers`): + the item's text, + the alarm's
# message. The chair's dialogs read them back (console/ui/controller.py, checklist_panel.py).
REQUIRED_OPEN: Final = "Required item open: "
ALARM_NOT_RESOLVED: Final = "Alarm not resolved: "
BP_RISE_MMHG = 5.0
"""A systolic step up larger than this is "still rising" (discharge gate, clinical-defaults.md
alarm behaviour 9). ISO 81060-2 validates a cuff to a mean error within ±5 mmHg: a smaller step
between two readings is within the cuff's own error, not a rise."""

# LogError causes in the words of the alarm banner.
_LOG_CAUSES = {
    "read-only": "the file is read-only",
    "locked": "another program holds it locked",
    "disk-full": "the disk is full",
    "corrupt": "the file is damaged",
    "not-a-log": "the file is not a session log",
    "newer-schema": "written by a newer console",
    "permission": "permission denied",
    "not-a-file": "the path is not a file",
    "io": "disk input/output error",
    "size-limit": "the log reached this program's file size limit",
    "read-only-wal": "its write-ahead file cannot be written",
    "emptied": "the file holds no session log",
    "orphaned-wal": "its write-ahead file is there without it",
    "moved": "the log file was moved or deleted",
    "two-names": "the log file has another name",
}


def _log_cause(error: LogError | None) -> str:
    """Why the log takes no writes, in the words of the alarm banner. A read-only folder
    (`LogError.folder_read_only`) is said as the folder: SQLite must create the log's -wal and
    -shm there, and the file itself is writable."""
    if error is None:
        return "unknown cause"
    if error.cause == "read-only" and error.folder_read_only:
        return "its folder is read-only"
    return _LOG_CAUSES.get(error.cause, error.cause)


# How a refusal at a pre-dose gate ends: an override's record keeps its refusals as these
# sentences, and the REMS draft finds the prescriber's decision by them (console/export/rems.py).
PRESCRIBER_REVIEW: Final = "a prescriber review is required before dosing"


def _placed(event: EventRecord, key: str = OBSERVATIONS_BEFORE) -> int | None:
    """How many of the session's readings were logged before `event` (`OBSERVATIONS_BEFORE`;
    its alarm rows: `ALARM_ROWS_BEFORE`), or None where the event does not say (an older log)."""
    return logged_count(event.detail.get(key))


def _not_after(at: Moment, now: Moment) -> Moment:
    """`at`, or `now` on the monotonic clock when `at` would be later (its stamp kept)."""
    return at if at.mono <= now.mono else Moment(now.mono, at.wall)


def _ended_by_restart(condition: str) -> str:
    """Why a restart ended an open occurrence (its `cleared` row says it)."""
    if condition in (DEVICE_LOST, DEVICE_STALE):
        return "ended by the restart: no monitor is read now"
    if condition == AUDIO_UNAVAILABLE:
        return "ended by the restart: the speaker is not watched now"
    return "ended by the restart; evaluated again"


def _repeat_check(metric_name: str) -> str:
    """The one-off check a confirm-repeat rule asks for ("Repeat Systolic BP"): one name where it
    is added, replayed and withdrawn."""
    return f"Repeat {metric(metric_name).label}"


@dataclass(frozen=True, slots=True)
class Patient:
    patient_id: str
    weight_kg: float


# A monitor's heart rate this recent makes its pulse rate's alarm rules rest (`_evaluate`):
# monitors send both every second or few; 30 s covers a slow one without leaving a heart
# unwatched long when its ECG leads come off.
ECG_HEART_RATE_SECONDS: Final = 30.0


@dataclass(frozen=True, slots=True)
class Latest:
    """The most recent accepted value of a metric."""

    reading: Reading
    at: Moment   # when it was accepted (receive time)
    after_t0: bool = False   # taken after T0 (`_State.t0_reached`): judged against the baseline
    # A correction: when the measurement it stands for was received (`taken`); None: `at`.
    measured: Moment | None = None
    # Taken after the first nasal device was ticked (`_State.device_given`): after the dose.
    after_first_device: bool = False
    # Measured before the vital's standing value when it came (`SessionEngine._superseded`):
    # kept among the rows in its measured place, never judged by the alarm rules.
    superseded: bool = False
    # When it was measured, on the monotonic clock, as the trend places it
    # (`SessionEngine._measured_at`); None: `at`. The BP tile shows the newest by it
    # (`tile_view.bp_measurement`).
    placed: float | None = None
    # A correction: the value it took the place of (`SessionEngine._corrected_in_place`), which
    # stood until the correction was made (`SessionEngine._heart_rate_current_then`).
    replaced: Latest | None = None

    @property
    def taken(self) -> Moment:
        """When the measurement this value stands for was received: `at`, or for a correction
        that of the value it corrects (`_standing_for`). The tile's age and its BP pairing read
        it: a systolic typed at 09:00 and put right at 09:19 is still the 09:00 BP, paired with
        its diastolic and stale at 09:20, not "150/—", "manual 09:19 · 0 s ago" (review 45)."""
        return self.measured if self.measured is not None else self.at


@dataclass(frozen=True, slots=True)
class Tick:
    item_id: str
    actor: str
    at: datetime
    mono: float   # `at` on the monotonic clock (at a restart: rebuilt from `at`, see `resume`)
    note: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to an operator action: done, or refused with the reasons a nurse reads."""

    done: bool
    reasons: tuple[str, ...] = ()
    asks: str = ""   # a refusal a reason passes: the question to ask ('' when none does)

    @property
    def message(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class Blocker:
    """One reason an override passes, as its signatures are given for it
    (`SessionEngine.phase_override_blockers`, `discharge_override_blockers`).

    Attributes:
        text: the reason as the nurse reads it ("Alarm not resolved: SpO2 84 %, limit ≤90").
        key: what holds, not its words: an alarm's occurrence on the board (keyed by its
            condition, a latched SpO2 signed for passed a new desaturation raised while the
            nurse came to sign), a checklist item's id (open, or answered no), else the rule's
            words without their numbers and times (a countdown's "1:07 h left" is the same wait
            a minute later; a BP of 150 then 152 the same rule).
        rank: an alarm's priority, 0 for any other reason: the same alarm come up to a higher
            priority is not what was signed (one come down is).
        latched: an alarm whose condition had ended (latched, unseen): the same occurrence
            standing again, active and sounding, is not what was signed (one latched since is).
    """

    text: str
    key: str
    rank: int = 0
    latched: bool = False

    def signed_in(self, signed_for: Collection[Blocker]) -> bool:
        """Whether an override signed for `signed_for` passes this."""
        return any(s.key == self.key and s.rank >= self.rank and (self.latched or not s.latched)
                   for s in signed_for)


@dataclass(frozen=True, slots=True)
class PhaseTimes:
    elapsed_s: float                    # since the session opened
    phase_elapsed_s: float
    phase_remaining_s: float | None     # planned duration or minimum still to run; None if open
    since_t0_s: float | None


@dataclass
class _State:
    phase_index: int
    phase_started: Moment
    t0: Moment | None = None
    dosing_ended: Moment | None = None   # the start of the first phase after the dosing ones
    ticks: dict[tuple[str, str], Tick] = field(default_factory=dict)
    latest: dict[str, Latest] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    baseline_fixed: set[str] = field(default_factory=set)   # set by the gate tick: not moved
    baseline_logged: set[str] = field(default_factory=set)  # fixed by a logged gate tick or T0
    # T0 has come in the order readings are taken: live from the dose on, at a restart once its
    # phase start is replayed among the readings, placed by the newest observation row id it
    # logged (else by its time). A reading taken from then on is after T0: judged against the
    # baseline, never moving it. By their stamps, a wall clock stepped back after T0 (NTP) made
    # later readings the baseline, and a restart judged them against none: a rise above the
    # baseline alarming before the restart ended at it (the clock's review).
    t0_reached: bool = False
    # The first nasal device has been ticked, in the order readings are taken, as `t0_reached`
    # (live at the tick, at a restart once the tick is replayed among the readings): a score
    # taken from then on is after the dose (`SessionEngine._since_dose`).
    device_given: bool = False
    # The session's observation rows given to the log so far, written or held in memory
    # (written later in the same order): where an event comes among them (`_placed`).
    observations_logged: int = 0
    alarm_rows_logged: int = 0   # the same of its alarm rows (`ALARM_ROWS_BEFORE`)
    systolic_history: list[float] = field(default_factory=list)   # last few, for "rising"
    nibp_seen: set[tuple[str, str, str, float, str]] = field(default_factory=set)
    # Per device stream (metric, source, channel): the value and measured time of its last
    # reading logged, to know a monitor's resend of a message already on disk.
    last_sent: dict[tuple[str, str, str], tuple[float, datetime]] = field(default_factory=dict)
    continuous: set[str] = field(default_factory=set)   # metrics a device sends continuously
    # The devices' clocks as the trend judges them, from the values it is given (`_note_clock`).
    clocks: DeviceClocks = field(default_factory=DeviceClocks)
    device_state: str = "manual"
    connected_since: float | None = None   # mono time of the last change to "connected"
    stale_since: float | None = None       # mono time of the change to "stale" (while stale only)
    # Metrics whose "no value" alarm a restart restored: their silence counts from their last
    # value, not from the monitor's reconnection, until a value comes or the monitor is lost.
    absence_restored: set[str] = field(default_factory=set)
    unreadable_at: float | None = None     # mono time of the last message the decoder failed on
    implausible_at: float | None = None    # mono time of the last impossible value a device sent
    clock_behind_until: datetime | None = None   # the log's newest time, while the clock is behind
    # The session's runs as this run's restart read them from the log, its own last: their
    # clocks (`RunClocks`: which restart a step corrects), where each began on the monotonic
    # clock as the restart placed it (the session's start: -inf), and how far behind the log
    # this run's timers were counted from (the restart counted as at once); a step correcting
    # a restart's clock moves what came before that restart (`_restart_corrected`). Never
    # changed in place: `_step` rolls back by a shallow clone.
    restart_clock: tuple[RunClocks, tuple[float, ...], float] | None = None
    # The wall clock minus the monotonic one, in seconds, as of the last step seen (None until
    # the first action): a change of more than CLOCK_STEP_SECONDS is a clock step (`_clock_step`).
    wall_offset: float | None = None
    monitor_source: str | None = None   # the device whose readings the session takes now
    # The ids (HL7 MSH-10) of the device messages this run logged, by (source, id), the newest
    # LOGGED_MESSAGES, each with what it carried: a resend is known by its id and its content
    # (`SessionEngine._split_resent`).
    logged_messages: OrderedDict[tuple[str, str], Carried] = field(default_factory=OrderedDict)
    id_sources: set[str] = field(default_factory=set)   # devices this run logged an id of
    discharged: bool = False
    ended_at: datetime | None = None   # wall time of the discharge (ended sessions only)
    # The newest committed values of each metric with their row ids (what `void` can take back).
    rows: dict[str, list[tuple[int, Latest]]] = field(default_factory=dict)
    voided: set[int] = field(default_factory=set)   # rows entered in error
    # Rows of a vital's other channel beside the one judged (`judged_alone`): they count
    # nowhere, so nothing of them is corrected or taken back (`uncorrectable`).
    other_channel: set[int] = field(default_factory=set)
    # Every value typed by hand (a correction as the measurement it stands for,
    # `_standing_for`), by row id, for the whole session: they are few, and a correction can name
    # one long gone from `rows` (a 1 Hz oximeter pushes a typed SpO2 out of them in 20 s, a 5-min
    # cuff a typed BP in 100 min). Its latched alarm and its BP's other half are found by it.
    typed: dict[int, Latest] = field(default_factory=dict)
    # Rows already corrected: the correction's value and wall time, by the corrected row's id.
    corrected: dict[int, tuple[float, datetime]] = field(default_factory=dict)
    # Corrections entered in error, by vital: when their measurement came and when they were
    # made, on the monotonic clock (`SessionEngine._corrected_unlike_a_replay`).
    corrections_taken_back: dict[str, tuple[tuple[float, float], ...]] = field(
        default_factory=dict)
    # Observations noted with a button ("Vomiting"), by text: each episode that stands (its
    # time, and its event's row id: None at a restart, whose events come without ids), in the
    # order noted. One entered in error (`void_observation`) leaves them.
    observed: dict[str, tuple[tuple[datetime, int | None], ...]] = field(default_factory=dict)
    # Pre-dose ticks taken back before T0, their attested value entered in error, by (phase,
    # item): why the item is open again, until it is ticked again
    # (`SessionEngine._untick_attested`).
    unticked: dict[tuple[str, str], str] = field(default_factory=dict)

    def start_phase(self, index: int, kind: PhaseKind, at: Moment) -> bool:
        """Phase `index`, of `kind`, starts at `at`, live and replayed alike: the first dosing
        phase's start is T0 (True), and the first start after T0 of a phase that is not dosing
        ends the dosing. An infusion given as two dosing phases (10 min, then 30) ended with
        the first: "30 min after the infusion" ran from minute 10, and a whole infusion read
        "ended after 10 of 40 min" (a review of the protocols)."""
        self.phase_index, self.phase_started = index, at
        if self.t0 is None and kind is PhaseKind.DOSING:
            self.t0 = at
            return True
        if self.t0 is not None and self.dosing_ended is None and kind is not PhaseKind.DOSING:
            self.dosing_ended = at
        return False

    def note_observed(self, text: str, at: datetime, event_id: int | None = None) -> None:
        self.observed[text] = (*self.observed.get(text, ()), (at, event_id))

    def take_back_observed(self, text: str, noted_at: str) -> None:
        """The episode of `text` noted at `noted_at` (its time as the log holds it, `iso`) was
        entered in error: it counts nowhere."""
        self.observed[text] = tuple(e for e in self.observed.get(text, ())
                                    if iso(e[0]) != noted_at)

    def fix_baseline(self, values: Mapping[str, float]) -> None:
        """These baselines, as logged (the gate's tick, T0), stand: no later reading moves them."""
        self.baseline.update({k: float(v) for k, v in values.items()})
        self.baseline_fixed.update(values)
        self.baseline_logged.update(values)

    def unfix_baseline(self, name: str) -> None:
        """No baseline of `name` stands, logged or not: the next value sets it (`_remember`)."""
        self.baseline.pop(name, None)
        self.baseline_fixed.discard(name)
        self.baseline_logged.discard(name)

    def clone(self) -> _State:
        """An independent copy (the per-step snapshot); the values inside are immutable."""
        return replace(self, ticks=dict(self.ticks), latest=dict(self.latest),
                       baseline=dict(self.baseline), baseline_fixed=set(self.baseline_fixed),
                       baseline_logged=set(self.baseline_logged),
                       systolic_history=list(self.systolic_history),
                       nibp_seen=set(self.nibp_seen), continuous=set(self.continuous),
                       clocks=self.clocks.copy(),
                       last_sent=dict(self.last_sent),
                       absence_restored=set(self.absence_restored),
                       rows={k: list(v) for k, v in self.rows.items()}, voided=set(self.voided),
                       other_channel=set(self.other_channel),
                       typed=dict(self.typed),
                       corrected=dict(self.corrected), observed=dict(self.observed),
                       corrections_taken_back=dict(self.corrections_taken_back),
                       unticked=dict(self.unticked))


@dataclass(slots=True)
class _Step:
    """What one engine action writes: its records, then (after the commit) their row ids.

    `saved` is False while the log cannot take writes and the records are held in memory.
    """

    records: list[Record] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    saved: bool = True


class SessionEngine:
    """One session. Create with `open()` or `resume()`."""

    def __init__(
        self, protocol: Protocol, recorder: Recorder, session_id: int, patient: Patient,
        nurse: str, started: Moment, session_number: int, demo: bool = False,
        first_occurrence: int = 1, details: dict[str, Any] | None = None,
    ) -> None:
        self.protocol = protocol
        self.recorder = recorder
        self.writes = HeldWrites(recorder)   # holds records in memory while the log cannot take them
        # ... and copies them to a file as they are held, each line naming this session's start
        self.held_file = HeldFile(started=started.wall)
        self.spare_folders: list[Path] = [Path(tempfile.gettempdir())]
        # What a monitor sends that this console does not show, already logged (`_said_before`).
        self._not_monitored_said: set[tuple[str, tuple[tuple[str, int], ...], str]] = set()
        self.session_id = session_id
        self.patient = patient
        self.nurse = nurse
        self.started = started
        self.session_number = session_number
        self.demo = demo
        self.details: dict[str, Any] = dict(details or {})   # dose, pump rate, device: as opened
        self.board = AlarmBoard(session_id, first_occurrence=first_occurrence)
        # Nasal devices: the checks timed after T0 wait for the first device (`_first_device`).
        self.schedule = Schedule(protocol.phases,
                                 dosed_by_device=protocol.dose.mode is DoseMode.DEVICES)
        self._trackers: dict[str, ConditionTracker] = trackers_for(protocol.alarms)
        # The vitals with a limit relative to the baseline, judged from T0 on (`_standing_at_t0`).
        self._baseline_metrics = sorted({r.metric for r in protocol.alarms
                                         if r.rise_above_baseline is not None})
        # Per vital, the trackers as they were before each of its recent values (mono time,
        # value, copies), with its "Repeat" check as the value's count had left it (before the
        # value could ask it): what `void` puts back so a value entered in error counts nowhere,
        # as a restart's replay skips it. Outside `_State`: not part of the per-step copy, and
        # an entry of a step that was undone is never looked up (no row of it can be voided).
        self._trackers_before: dict[str, deque[tuple[float, float, _Before]]] = {}
        # Per vital, the due checks each of its recent values counted for, as they were before
        # it (mono time, value, checks): what `void` gives back (`Schedule.take_back`).
        self._counted_for: dict[str, deque[tuple[float, float, tuple[Counted, ...]]]] = {}
        self._inside_since: dict[str, Moment] = {}   # replay: condition -> its values back inside
        # Per correction's row id, the row id of the measurement it stands for (through a
        # correction of a correction): its place in the log's order, where a restart's replay
        # counts it for the due checks (`_uncount`).
        self._measured_row: dict[int, int] = {}
        # The values given to the log (written or held, in the order they reach it; replayed at
        # a restart), counted: per (vital, value) the place of its newest, and of each typed
        # value by its row id. Whether a value came again after a typed one no longer among the
        # kept rows (`_alone_raised`), held ones too: a log fault has no row ids to compare.
        # Written after the commit only (`_keep_rows`), so outside `_State`.
        self._values_given = 0
        self._newest_of_value: dict[tuple[str, float], int] = {}
        self._typed_place: dict[int, int] = {}
        # Values held while the log cannot take writes, each as `_keep_rows` keeps a value
        # written at once, as of its own step: among its vital's recent values (`_row_for`), and
        # a typed one for the session with its place (`_note_logged`). Kept by the row ids the
        # held records get when the log takes them (`_held_written`), matched by record.
        self._held_rows: list[tuple[ObservationRecord, Latest]] = []
        self._held_other: list[ObservationRecord] = []   # held rows flagged OTHER_CHANNEL
        self._typed_held: list[tuple[ObservationRecord, int, Latest]] = []
        # Resume only: per condition, the last value replayed at each priority, and (None) the
        # last at any (its replayed mono time, what it held): a value changes an alarm's value,
        # and its words at its own priority, without a row (`AlarmBoard._change`); `_reworded`
        # puts them back.
        self._replayed_held: dict[str, dict[Priority | None, tuple[float, Raise]]] | None = None
        # Resume only: per condition, the replayed mono times at which another value came
        # (`another_value`), one taken back since included: after them an escalation stands,
        # as live (`_open_occurrences`).
        self._replayed_changes: dict[str, list[float]] | None = None
        self._fault_alarmed = ""   # the summary of the bug the Console fault alarm stands for
        self._state = _State(phase_index=0, phase_started=started)
        self.schedule.start_phase(self.phase, started, None)
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every step that wrote something (committed or held)."""
        self._listeners.append(listener)

    # ---- opening -----------------------------------------------------------------------------

    @classmethod
    def open(
        cls, protocol: Protocol, recorder: Recorder, patient: Patient, nurse: str, now: Moment,
        session_number: int = 1, chosen_mg: float | None = None, demo: bool = False,
        details: dict[str, Any] | None = None,
    ) -> SessionEngine:
        """Start a new session in the protocol's first phase and log it."""
        dose = protocol.dose
        info = {
            "dose_mg": round(dose.dose_mg(patient.weight_kg, chosen_mg), 2),
            "pump_rate_ml_h": dose.pump_rate_ml_per_h(),
            "chosen_mg": chosen_mg,
            "protocol_name": protocol.name,
            **(details or {}),
        }
        session_id = recorder.start_session(SessionOpened(
            patient_id=patient.patient_id, protocol_id=protocol.id,
            protocol_version=protocol.version, session_number=session_number, nurse=nurse,
            weight_kg=patient.weight_kg, started_at=now.wall, demo=demo, details=info,
        ))
        engine = cls(protocol, recorder, session_id, patient, nurse, now, session_number, demo,
                     details=info)
        with engine._step(now) as step:
            recorded = protocol_detail(protocol)   # the session's order, kept whole
            if recorded is not None:
                step.records.append(EventRecord(session_id, now.wall, PROTOCOL_IN_FORCE, nurse,
                                                recorded))
            step.records.append(engine._phase_event(now, nurse))
        return engine

    @classmethod
    def resume(
        cls, protocol: Protocol | None, recorder: Recorder, session_id: int, opened: SessionOpened,
        observations: Sequence[ObservationRecord], events: Sequence[EventRecord],
        alarm_events: Sequence[AlarmTransition], now: Moment, actor: str = ENGINE,
        observation_ids: Sequence[int] | None = None, reads_device: bool = False,
        reports_audio: bool = False, device: tuple[str, str] | None = None,
        device_simulated: bool = False, log_path: Path | None = None,
    ) -> SessionEngine:
        """Rebuild an open session from its log after a crash and carry on with its timers.

        `protocol`: the installed file of the session's protocol, or None; the session runs
        under the copy its log holds when that differs (`protocol_record.protocol_in_force`,
        which raises ProtocolMissing when there is neither).
        `observation_ids`: the row id of each observation (aligned); with them, values entered
        in error are skipped and can still be taken back after the restart.
        `device`: the monitor (address, format) this run reads, logged with `session_resumed`
        so the next resume reads it too (`device_read_last`); `device_simulated`: it is a
        simulated monitor this console started for a demo, which the next resume starts anew
        (`plays_new_simulator`).
        `reads_device`, `reports_audio`: the restarted console reads a monitor and tells the
        engine its state (`device_state_changed`), reports the speaker (`audio_status`): then a
        device or speaker alarm open at the stop stands as the same occurrence until that report
        ends it, rather than ending at the restart (R10).
        `log_path`: the log file `recorder` writes; with it, records of the session the log
        never took, left in an unsaved-records file by the console that stopped, are said
        (`_unsaved_left`).

        Phases, T0, checklist ticks, latest values, baselines and the condition trackers (every
        reading replayed at its own time) come back as they were; open alarm occurrences are
        restored as the same occurrences (see the module docstring for the rules), and every
        condition is evaluated again, so what still holds goes on sounding.
        """
        # Logged wall times become monotonic ones measured back from now. A station clock that
        # is behind its own log (a wrong hardware clock after a reboot, before NTP) would push
        # every timer (reminders, due checks, T0) into the future by as much: then the newest
        # logged time stands for "now" (as if the restart came at once), and a technical alarm
        # says the clock is wrong until it has caught up (CLOCK_BEHIND).
        # The session runs under the protocol it started with (console/session/protocol_record.py).
        installed_version = protocol.version if protocol is not None else None
        taken = protocol_in_force(protocol, events, session_id, opened.protocol_id)
        protocol = taken.protocol
        # A wall-clock step the running console saw is logged (`_clock_step`): what was logged
        # before it is moved by it (and by every later step) onto the clock as it read after
        # the step, before it becomes a Moment; the Moment keeps the logged time as its stamp.
        # Events are placed by their order in the log: T0, phase starts and checklist ticks
        # (esketamine's first device, its 2 hours). Readings are placed by their order in the
        # log: each step logs how many were logged before it (`_placed`; whether a reading
        # stamped by the device's reader came before a step cannot be told by its time: one
        # stamped 0.2 s before the engine logged the step was moved an hour). Unmoved, one
        # taken before NTP set the clock back an hour replayed an hour ahead of T0 and the
        # checks: the last RR "received" in the future kept the apnoea alarm silent for the
        # hour after the restart (review 42). So are alarm rows: each step logs how many came
        # before it (`ALARM_ROWS_BEFORE`); left on their logged times, an acknowledgement before
        # NTP set the clock back an hour gave its reminder an hour late after a restart (one set
        # forward: at once), and a typo's latched alarm was no longer found to take back
        # (review 44). A step an older console logged, which did not say, moves no alarm row
        # (as then: after a step back their times cannot place it among them), but no row is
        # put later than the restart (`_not_after`), so that no reminder comes late.
        # A run is what follows a `session_resumed` (or the start). A step moves the runs
        # before its own too (their clock was the one it corrected: a restart, then NTP an hour
        # forward, had an esketamine session's T0 an hour earlier at the next restart), except
        # across a restart whose clock it corrects (`corrects_restart`: the clock wrong after
        # a reboot, put right; moving the earlier run's times, right on their own clock, had put
        # an hour on a wait or taken it off; review 40), or an older log's restart, which did
        # not say how its clock met the log. A step while the console was down cannot be seen:
        # nothing ran to compare the two clocks (a clock behind the log is caught below,
        # CLOCK_BEHIND).
        # (its index, the first event index it moves, step) and (the readings it moves by
        # their place in `observations`: from, to (excluded); step), and the same of the alarm
        # rows by their place in `alarm_events`:
        steps: list[tuple[int, int, float]] = []
        moves: list[tuple[int, int, float]] = []
        alarm_moves: list[tuple[int, int, float]] = []
        # Each run's first event index (the session's start is -1), how many readings and how
        # many alarm rows came before it (an older log's restart, which did not say: those
        # logged by its time, so that a step after it still moves those of the runs after it;
        # a review), and its clock against the log's newest time when it started (None:
        # unknown).
        runs: list[tuple[int, int, int, float | None]] = [(-1, 0, 0, None)]
        clocks = RunClocks()   # which restart a step corrects: each at most once
        for i, e in enumerate(events):
            if e.kind == SESSION_RESUMED:
                gap = e.detail.get("clock_gap_s")
                place = _placed(e)
                if place is None:
                    place = sum(o.received_at <= e.at for o in observations)
                # (the rows the restart itself ended, stamped with its time, are its run's)
                rows_place = _placed(e, ALARM_ROWS_BEFORE)
                if rows_place is None:
                    rows_place = sum(t.at < e.at for t in alarm_events)
                runs.append((i, place, rows_place,
                             float(gap) if isinstance(gap, int | float) else None))
                clocks.restarted(runs[-1][3])
            elif e.kind == CLOCK_STEPPED:
                step_s = float(e.detail.get("step_s", 0.0))
                reach = clocks.stepped(step_s)
                steps.append((i, runs[reach][0], step_s))
                first, before = runs[reach][1], _placed(e)
                if before is not None:
                    moves.append((first, before, step_s))
                first, before = runs[reach][2], _placed(e, ALARM_ROWS_BEFORE)
                if before is not None:
                    alarm_moves.append((first, before, step_s))

        def shift_of(index: int) -> float:
            return sum(step for i, first, step in steps if first <= index < i)

        def reading_shift(place: int) -> float:
            """The steps that move the reading at `place` in `observations`, as `shift_of`
            an event's."""
            return sum(step for first, before, step in moves if first <= place < before)

        def alarm_row_shift(place: int) -> float:
            """The steps that move the alarm row at `place` in `alarm_events`."""
            return sum(step for first, before, step in alarm_moves if first <= place < before)

        # The log's newest time on the clock as it reads now: with a step logged, the events'
        # alone (a reading or an alarm row logged before a step back reads newer than it was,
        # and would make the log look ahead of the clock: every timer shortened by the step).
        unplaced = () if steps else (*(o.received_at for o in observations),
                                     *(t.at for t in alarm_events))
        newest_logged = max((
            opened.started_at + timedelta(seconds=shift_of(-1)),
            *(e.at + timedelta(seconds=shift_of(i)) for i, e in enumerate(events)),
            *unplaced))
        reference = max(now.wall, newest_logged)

        def moment(wall: datetime, shift: float = 0.0) -> Moment:
            return Moment(now.mono - (reference - wall).total_seconds() + shift, wall)

        engine = cls(
            protocol, recorder, session_id, Patient(opened.patient_id, opened.weight_kg),
            opened.nurse, moment(opened.started_at, shift_of(-1)), opened.session_number,
            opened.demo,
            first_occurrence=max((t.occurrence for t in alarm_events), default=0) + 1,
            details=opened.details,
        )
        state = engine._state
        paused = False
        last_unreadable: Moment | None = None
        last_implausible: Moment | None = None
        # The sources of the impossible NIBP of the last implausible drop: the monitor repeats
        # it, unlogged, in its messages after it (`ingest_message`).
        repeating: frozenset[str] = frozenset()
        # Each phase's checks start at its own time, readings counted against the checks of
        # their time: a fixed-time check a phase left open (esketamine's BP at T+115 carried
        # into Discharge) stands through a restart as it did live.
        # (None, tick, first dose): the first device ticked after T0 (`_replay_phase_start`).
        phase_starts: list[tuple[Phase | None, Moment, Moment | None]] = []
        # Where each phase start came among the readings, where logged: how many came before it
        # (`_placed`), or an older log's newest row id committed before it. The replay places the
        # start among the readings by it (exact, whatever the clock did).
        starts_through: list[tuple[int | None, int | None]] = []
        for index, event in enumerate(events):
            if event.kind == "phase_started":
                started = protocol.phase_index(event.detail["phase"])
                state.start_phase(started, protocol.phases[started].kind,
                                  moment(event.at, shift_of(index)))
                phase_starts.append((engine.phase, state.phase_started, engine._first_dose()))
                through = event.detail.get("observations_through")
                starts_through.append((_placed(event),
                                       through if isinstance(through, int) else None))
            elif event.kind == "checklist_ticked":
                key = (event.detail["phase"], event.detail["item"])
                dosed_before = engine._first_dose()
                ticked = moment(event.at, shift_of(index))
                state.ticks[key] = Tick(key[1], event.actor, event.at, ticked.mono,
                                        event.detail.get("note", ""))
                state.unticked.pop(key, None)
                state.fix_baseline(event.detail.get("baseline") or {})
                dosed = engine._first_dose()
                if dosed is not None and (engine._first_device(key[1]) or (
                        dosed_before is not None and dosed.mono != dosed_before.mono)):
                    # The first device moved the checks timed after T0, as live (`tick_item`):
                    # replayed in its place among the readings and the phase starts.
                    phase_starts.append((None, ticked, dosed))
                    starts_through.append((_placed(event), None))
            elif event.kind == "dosing_started":   # T0 fixes every baseline it had
                state.fix_baseline(event.detail.get("baseline") or {})
            elif event.kind == "discharged":
                state.discharged = True
                state.ended_at = event.at
            elif event.kind == "handed_over":   # the nurse who took it over runs it still
                engine.nurse = str(event.detail.get("to") or engine.nurse)
            elif event.kind in (AUDIO_PAUSED, AUDIO_RESUMED):
                paused = event.kind == AUDIO_PAUSED
            elif event.kind == "entered_in_error" and OBSERVED_AT in event.detail:
                # An observation noted with a button, taken back (`void_observation`).
                state.take_back_observed(str(event.detail.get("text", "")),
                                         str(event.detail[OBSERVED_AT]))
            elif event.kind == "entered_in_error":
                state.voided.add(int(event.detail.get("observation", -1)))
                engine._replay_untick(event.detail)
                for name, value in (event.detail.get("baseline") or {}).items():
                    if value is None:   # none stands: the first after T0 sets it
                        state.unfix_baseline(name)
                    else:
                        state.fix_baseline({name: value})
                        if event.detail.get("baseline_after_t0"):   # as `void`: no logged one
                            state.baseline_logged.discard(name)
            elif event.kind == OBSERVED:
                state.note_observed(str(event.detail.get("text", "")), event.at)
            elif event.kind == "device_dropped":
                counts = event.detail.get("counts") or {}
                impossible_nibp = _logged_nibp_keys(event.detail.get(IMPOSSIBLE_NIBP_KEYS))
                state.nibp_seen.update(impossible_nibp)   # their repeats stay unlogged, as live
                if any(counts.get(reason) for reason in NOT_READ):
                    last_unreadable = moment(event.at, shift_of(index))
                if any(counts.get(reason) for reason in IMPLAUSIBLE):
                    last_implausible = moment(event.at, shift_of(index))
                    repeating = frozenset(key[1] for key in impossible_nibp)
        starts = iter(zip(phase_starts, starts_through, strict=True))
        next_start = next(starts, None)

        def starts_before(start: tuple[tuple[Phase | None, Moment, Moment | None],
                                       tuple[int | None, int | None]],
                          obs: ObservationRecord, place: int, row_id: int | None) -> bool:
            """The phase start came before `obs` (at `place` in `observations`): by how many
            readings came before it, or by row id (an older log), else by time (one older
            still, whose phase starts did not say where they came)."""
            (_, started, _), (before, through) = start
            if before is not None:
                return place >= before
            if through is not None and row_id is not None:
                return row_id > through
            return started.wall <= obs.received_at
        # A vital's absence ("No respiratory rate for 20 s") is replayed as the tick raised it
        # live, through the monitor's link as the log has it (`device_state`; a restart starts
        # with none): at each logged time, and before each change of the link. Taken from the
        # `raised` row it was missed when it came at the priority of a value alarm already
        # standing (RR 7, then RR 10, then no RR: no row is logged), and the restart put back
        # the last RR's medium alarm in place of the apnoea.
        # A link change is placed among the readings as a phase start is: by how many readings
        # came before it (`_placed`), else (an older log) on the stepped clock. By its logged
        # wall time, a monitor unplugged after NTP set the clock back 10 min read as unplugged
        # before every reading logged before the step: the apnoea was never replayed and the
        # restart put back the last RR's medium alarm in its place.
        # The other conditions of those vitals too: the absence leaves their last value
        # uncounted (conditions.py), and so it must after the restart (RR 26 beside an apnoea).
        # And those of a vital that goes with one of them (the oximeter's pulse: `GOES_WITH`).
        missing = {r.metric for r in protocol.alarms if r.absent_seconds is not None}
        missing |= {name for name, other in GOES_WITH.items() if other in missing}
        absence = frozenset(r.condition for r in protocol.alarms if r.metric in missing)
        marks = iter([(e, moment(e.at, shift_of(i)), _placed(e)) for i, e in enumerate(events)
                      if e.kind in ("device_state", SESSION_RESUMED)])
        next_mark = next(marks, None)
        unlinked: tuple[str, float | None] = (state.device_state, None)   # as a console starts
        link = unlinked

        def mark_before(mark: tuple[EventRecord, Moment, int | None], until: Moment,
                        place: int) -> bool:
            """The link change `mark` came before the reading at `place` (at `until`)."""
            _, at, before = mark
            return place >= before if before is not None else at.mono <= until.mono

        def replay_time(until: Moment, place: int) -> None:
            """The absence rules up to `until`, through the link's changes logged before the
            reading at `place` in `observations` (`len(observations)`: all of them)."""
            nonlocal next_mark, link
            while next_mark is not None and mark_before(next_mark, until, place):
                event, at, _ = next_mark
                if event.kind == SESSION_RESUMED:   # when the stopped console died is unknown
                    link = unlinked
                else:
                    engine._replay_absence(absence, *link, at)
                    linked = str(event.detail.get("state", ""))
                    link = (linked, at.mono if linked == "connected" else link[1])
                next_mark = next(marks, None)
            engine._replay_absence(absence, *link, until)

        ids: Sequence[int | None] = (observation_ids if observation_ids is not None
                                     else [None] * len(observations))
        # What `void` puts back is kept for each vital's last values only, those it can take
        # back (KEEP_ROWS rows; twice as many values, for the skipped ones among them): kept for
        # every replayed value, a 2-hour session's restart took 0.12 s longer.
        left = Counter(o.metric for o in observations)
        engine._replayed_held, engine._replayed_changes = {}, {}
        # A baseline moved after T0 (`BASELINE_SET`: its value entered in error, corrected)
        # judged the standing value again at once (`_rejudge_standing`): new words at the same
        # priority write no row, so they are noted at that time, for `_reworded`. Left out, a
        # 185 acknowledged before the pre-dose 138 it was judged against was taken back read
        # "+47 from baseline 138" after a restart, "+61 from baseline 124" live (README: the
        # limits judge the standing value again at once; a review).
        moved = iter([(moment(e.at, shift_of(i)), str(name)) for i, e in enumerate(events)
                      if e.kind == BASELINE_SET for name in e.detail.get("baseline") or {}])
        next_moved = next(moved, None)

        def rejudged_before(until: float) -> None:
            """The standing values judged again by the baselines moved before `until`."""
            nonlocal next_moved
            while next_moved is not None and next_moved[0].mono < until:
                engine._replay_rejudged(next_moved[1], next_moved[0])
                next_moved = next(moved, None)

        # The measurements whose last correction was entered in error count for no check, as
        # `void` takes them back live (`_uncount`). The log voids the correction's row only:
        # replayed as counted, the corrected row left esketamine's "BP at T+40" done with no
        # systolic standing (README: "a correction taken back included").
        correcting = {row: obs.corrects for obs, row in zip(observations, ids, strict=True)
                      if obs.corrects is not None and row is not None}
        uncounted: set[int] = set()
        for row in state.voided & correcting.keys():
            while row in correcting:   # a correction of a correction: back to the measurement
                row = correcting[row]
            uncounted.add(row)

        for place, (obs, row_id) in enumerate(zip(observations, ids, strict=True)):
            left[obs.metric] -= 1
            keep = left[obs.metric] < 2 * KEEP_ROWS
            while next_start is not None and starts_before(next_start, obs, place, row_id):
                engine._replay_phase_start(next_start[0])
                next_start = next(starts, None)
            reading = Reading(obs.metric, obs.value, obs.unit, obs.measured_at, obs.received_at,
                              obs.source, obs.channel, obs.flags)
            engine._note_sent(reading)   # a resend answered after the restart is kept once
            engine._note_clock(reading)   # as the trend loads it: one entered in error too
            if obs.source != MANUAL:
                state.monitor_source = obs.source
            at = moment(obs.received_at, reading_shift(place))
            rejudged_before(at.mono)
            replay_time(at, place)
            voided = row_id is not None and row_id in state.voided
            if reading.is_demo_or_test:
                continue
            engine._note_logged(row_id, obs, at)   # as `_keep_rows` noted it live
            if OTHER_CHANNEL in obs.flags:
                if row_id is not None:
                    state.other_channel.add(row_id)
                continue   # never judged live (`judged_alone`): not the vital's value, as live
            if obs.corrects is not None and obs.corrects in state.other_channel:
                continue   # a correction of one counts nowhere either, as live (`correct`)
            if voided and obs.corrects is None:
                engine._note_taken_back(reading, at)
                if obs.source != MANUAL and not is_nibp_value(reading):
                    # The monitor sent the vital, so it is expected, as live (`_remember`):
                    # skipped, an apnoea after its rate was taken back latched at the restart
                    # and none was watched after it (fuzz_late seed 326).
                    state.continuous.add(obs.metric)
                continue
            if obs.corrects is not None and row_id is not None:
                engine._replay_correction(obs, reading, row_id, at)   # as `correct` took it
                if voided:
                    # Entered in error after it: taken back as `void` took it, so the value
                    # before the corrected row stands again. Skipped, it left the corrected
                    # row standing: the very value the nurse had corrected away.
                    engine._replay_void(obs.metric, row_id, at)
                continue
            late = engine._superseded(reading, at)   # history, as live (`_accept`)
            if row_id is not None:
                engine._remember_row(row_id, obs, at)
            engine._is_repeat(reading)   # remembers NIBP keys so repeats stay deduplicated
            if late:
                continue
            engine._remember(reading, at)
            if obs.corrects is None and row_id not in uncounted:
                # The due checks before the trackers, as `_accept`: the reading first satisfies
                # a repeat already asked, then its own repeat is asked anew. The other way round
                # a BP >= 180 taken as the repeat left no "Repeat Systolic BP" after a restart.
                counted = engine.schedule.on_reading(
                    obs.metric, engine._counts_from(state.latest[obs.metric]), reading.flags)
                if keep:
                    engine._note_counted(reading, at, counted)
            engine._replay_trackers(reading, at, keep)
            if obs.corrects is not None:   # a correction is no new measurement (as live)
                engine._withdraw_unasked_repeat(obs.metric)
        for start in (next_start, *starts):
            if start is not None:
                engine._replay_phase_start(start[0])
        rejudged_before(math.inf)
        state.observations_logged = len(observations)
        state.alarm_rows_logged = len(alarm_events)
        replay_time(moment(newest_logged), len(observations))
        # The network alarm is about messages that wait in the log, not about this process: it
        # stands through a restart until the network confirms (or the console runs without a
        # network: network_bridge / app end it), as IEC 60601-1-8 asks of any alarm condition.
        # So are "Monitor message not read" and "Impossible value from the monitor": the values
        # they say are missing are missing after the restart too; each ends
        # UNREADABLE_HOLD_SECONDS after the last such message or value, as live.
        # The device's and the speaker's stand when this console watches them again (R10: none
        # ended by the restart): a monitor silent or gone before the crash is so until its first
        # good frame (`_device_state_records`), and an acknowledgement given stays given.
        # Another monitor's arrival stays latched until a nurse resets it, as it was; so do
        # records found missing from the log at an earlier restart (`_unsaved_left`).
        outlive = {NETWORK_UNCONFIRMED, DEVICE_UNREADABLE, DEVICE_IMPLAUSIBLE, DEVICE_CHANGED,
                   UNSAVED_RECORDS}
        outlive |= {DEVICE_LOST, DEVICE_STALE} if reads_device else set()
        outlive |= {AUDIO_UNAVAILABLE} if reports_audio else set()
        # No row is later than the restart: one an older log's step left on its logged time
        # (set back an hour) had put an acknowledgement an hour ahead, its reminder an hour late.
        rows_at = [_not_after(moment(t.at, alarm_row_shift(i)), now)
                   for i, t in enumerate(alarm_events)]
        restored, ended = engine.board.restore(
            _lost_reworded(_reworded(_open_occurrences(alarm_events, rows_at,
                                                       engine._replayed_changes or {}),
                                     alarm_events, rows_at, engine._replayed_held or {}), events),
            outlive=frozenset(outlive))
        engine._replayed_held = engine._replayed_changes = None
        for o in restored:   # an acknowledged alarm back inside ends when it would have live
            if o.condition in engine._inside_since:
                engine.board.back_inside_since(o.condition, engine._inside_since[o.condition])
        if any(o.condition == DEVICE_UNREADABLE for o in restored):
            state.unreadable_at = last_unreadable.mono if last_unreadable else now.mono
        if any(o.condition == DEVICE_IMPLAUSIBLE for o in restored):
            state.implausible_at = (last_implausible.mono if last_implausible
                                    else now.mono)
            if last_implausible is not None and repeating:
                # Its repeats held it live, unlogged: up to the monitor's last message before
                # the stop (its readings are logged), not ended at the restart and raised again
                # by the next repeat.
                state.implausible_at = _repeated_until(
                    observations, lambda place, obs: moment(obs.received_at,
                                                            reading_shift(place)).mono,
                    repeating, last_implausible.mono)
        engine.schedule.adopt_reported({o.condition for o in restored})
        # A restored physiological alarm without a value is a vital's absence (apnoea: no RR for
        # 20 s). It is the patient's, not the process's: it stands until the vital is counted
        # again (IEC 60601-1-8: an alarm condition stands until it has ceased), rather than
        # ending at the restart and being raised anew 20 s after the monitor is back.
        # Only one still holding at the stop: a reading of the vital logged after the absence
        # was raised means breathing was counted again (a latched apnoea waiting for its reset),
        # and the restart's own silence is not the patient's.
        stated = {t.occurrence: at.mono for t, at in zip(alarm_events, rows_at, strict=True)
                  if t.transition in (RAISED, ESCALATED, DEESCALATED, ACKNOWLEDGED, UPDATED)}
        for o in restored:
            tracker = engine._trackers.get(o.condition)
            if (o.category != PHYSIOLOGICAL or o.value is not None or tracker is None
                    or o.state is AlarmState.LATCHED):   # latched: its condition had ended
                continue
            latest = state.latest.get(tracker.metric)
            # A correction logged since is no breath counted: the time of what it corrects.
            if latest is None or latest.taken.mono <= stated[o.id]:   # on the stepped clock
                state.absence_restored.add(tracker.metric)
        # The clock as it reads now is the one the resumed timers are on (no step to log).
        state.wall_offset = now.wall.timestamp() - now.mono
        with engine._step(now) as step:
            step.records.extend(
                AlarmTransition(session_id, o.id, o.condition, o.category, o.priority.label,
                                CLEARED, now.wall,
                                f"{o.message} ({_ended_by_restart(o.condition)})",
                                o.value, o.threshold)
                for o in ended
            )
            if paused:
                step.records.append(EventRecord(session_id, now.wall, AUDIO_RESUMED, ENGINE, {
                    "message": "Audio pause ended: the console restarted"}))
            step.records.append(EventRecord(session_id, now.wall, SESSION_RESUMED, actor, {
                "phase": engine.phase.id, "protocol_version_now": installed_version,
                "protocol_version_logged": opened.protocol_version, "protocol": taken.said,
                "protocol_kept_because": taken.kept_because,
                "restored_occurrences": [
                    {"occurrence": o.id, "condition": o.condition, "state": o.state.value,
                     "priority": o.priority.label} for o in restored],
                "ended_occurrences": [o.id for o in ended],
                "device": device[0] if device else None,
                "format": device[1] if device else None,
                DEVICE_SIMULATED: bool(device and device_simulated),
                # Where this run starts among the readings, and whether its clock read on
                # from the log's: what a clock step it logs moves, at the next restart.
                OBSERVATIONS_BEFORE: len(observations),
                ALARM_ROWS_BEFORE: len(alarm_events),
                "clock_gap_s": round((now.wall - newest_logged).total_seconds(), 3),
            }))
            for name in engine._in_time_order(engine._trackers):
                step.records.extend(engine._tracker_time(name, now))
            step.records.extend(engine._prompts(now))
            if log_path is not None:
                step.records.extend(engine._unsaved_left(log_path, events, alarm_events, now,
                                                         observations))
            gap_s = (now.wall - newest_logged).total_seconds()
            clocks.restarted(gap_s)   # this run's, after those the log tells
            state.restart_clock = (clocks, (
                -math.inf, *(moment(events[run[0]].at, shift_of(run[0])).mono
                             for run in runs[1:]), now.mono), max(0.0, -gap_s))
            engine.schedule.restarted(now.mono)   # its slots timed from the log, as the above
            if (newest_logged - now.wall).total_seconds() > CLOCK_BEHIND_TOLERANCE_SECONDS:
                state.clock_behind_until = newest_logged
                step.records.extend(engine.board.update(CLOCK_BEHIND, TECHNICAL, Raise(
                    Priority.LOW, "Station clock is behind this session's log: check its date "
                                  "and time", detail=f"The log's newest entry is "
                    f"{format_duration((newest_logged - now.wall).total_seconds())} ahead of "
                    "the clock; new entries are timed by the clock as it is."), now))
        return engine

    def _unsaved_left(self, log_path: Path, events: Sequence[EventRecord],
                      alarm_events: Sequence[AlarmTransition], now: Moment,
                      observations: Sequence[ObservationRecord] = ()) -> list[Record]:
        """Records of this session the log never took, found at a restart: a console stopped
        (SIGKILL, power cut, or a close with the log still refusing) while it held them left
        them in an unsaved-records file (`HeldFile`: the log's folder, else a spare one). The
        session comes back from the log alone, so an alarm raised and acknowledged, a typed
        BP, are missing from it, and nothing on screen said so.

        Rule: nothing handed to the console is lost without a word, and a restart restores
        every alarm (README, "A restart restores every alarm"). So each such file is named
        by an `UNSAVED_FOUND` event with what it holds, and a medium technical alarm says what
        is missing and where; it latches until a nurse at the bedside resets it
        (`LATCHING_EVENTS`, as another monitor's arrival), and a restart before that brings
        it back (`outlive`). The log is never patched from the file: Support reads it and the
        nurse re-enters what matters. A file an event of this session already names is not
        news: no new alarm for it at a later restart (reset or not). When a new file is
        found, the alarm names and counts the new files only (it had counted a file already
        re-entered and reset again, and the new one was "1 more file"); one still latched gives
        way to it, its files kept in the new alarm's detail. A file whose records a
        `log_restored` names (written with them; the console stopped before it removed the
        copy) is in the log: nothing is said. A discharge among the records leads the
        alarm, its time and who: the session is back open, and is discharged again.

        Counted as missing are the typed values, the alarm changes and the other entries: what
        the nurse re-enters or Support reads. Not the log's own "Session log unavailable" alarm
        changes (nobody re-enters them), nor a monitor's reading the log has (in `observations`,
        the session's as logged: sent again, same source, channel, metric, value and measured
        time), nor what a restart writes again on its own (below): a restart held behind a log
        still refusing writes had its resume, its own unsaved-records alarm and the speaker's
        and monitor's state counted as "4 alarm changes, 4 other entries" to re-enter, hiding
        the one alarm change lost. A monitor's readings the log lacks are said apart: each was
        answered "not stored" (AE) and the monitor sends it again (re-entered by hand as the
        alarm asked, they were logged twice)."""
        logged = {key for o in observations if (key := reading_key(o)) is not None}
        # Bookkeeping: the log's own alarm, this very alarm and a resume's events; and, at a
        # restart (holding `RESUME_OWN_SECONDS`), what it evaluates afresh (README, "A restart
        # restores every alarm": a console fault ended, the monitor's link and the speaker
        # watched again, the clock against the log). Live, those are episodes: counted.
        # The session's start as its row has it: a restored log's next session reuses an id.
        left = [f for f in left_held([log_path.parent, *self.spare_folders], log_path,
                                     self.session_id, logged,
                                     not_counted={LOG_UNAVAILABLE, UNSAVED_RECORDS},
                                     not_counted_events={SESSION_RESUMED, UNSAVED_FOUND,
                                                         "log_restored"},
                                     at_resume={CONSOLE_FAULT, DEVICE_LOST, DEVICE_STALE,
                                                AUDIO_UNAVAILABLE, CLOCK_BEHIND},
                                     at_resume_events={"audio_status", "device_state",
                                                       AUDIO_RESUMED},
                                     started=self.started.wall)
                if not _written_by_its_run(f, events)]
        # Each file as its event names it (`path_text`: a Latin-1 folder's byte escaped, which
        # the log can hold; as such the event was refused and the resume raised).
        named = {str(e.detail.get("file")) for e in events if e.kind == UNSAVED_FOUND}
        new = [f for f in left if path_text(f.path) not in named]
        if not new:
            return []
        records: list[Record] = [
            EventRecord(self.session_id, now.wall, UNSAVED_FOUND, ENGINE, {
                "file": path_text(f.path), "readings": f.readings, "typed_values": f.typed,
                "monitor_readings": f.monitor, "alarm_changes": f.alarm_changes,
                "other_entries": f.other}) for f in new]
        latched = [o for o in self.board.occurrences() if o.condition == UNSAVED_RECORDS]
        unreset = _named_since_reset(events, alarm_events) if latched else set()
        kept = [f for f in left if path_text(f.path) in unreset]
        for o in latched:
            records.extend(self.board.take_back_latched(
                o.id, now, "followed by an alarm that keeps its files in its detail"))
        total = LeftHeld(new[0].path, sum(f.typed for f in new), sum(f.monitor for f in new),
                         sum(f.alarm_changes for f in new), sum(f.other for f in new),
                         max(f.last_at for f in new))
        others = len(new) - 1
        more = f" and {others} more file{'s' if others > 1 else ''}" if others else ""
        # A held discharge leads: the session is back open from the log, its patient maybe
        # gone home, and "4 other entries" did not say it (README: "discharge it again").
        ended = max((f for f in [*new, *kept] if f.discharged is not None),
                    key=lambda f: f.last_at, default=None)
        lead = (f"{ended.discharge_words()} was not saved: discharge again; records"
                if ended is not None else "Records")

        def what(f: LeftHeld) -> str:
            among = f" ({f.discharge_words()} not saved, among them)" if f.discharged else ""
            counted = ", ".join(w for w in (f.words(), f.monitor_words()) if w)
            return f"{counted}{among} in {f.path}"

        # The monitor's readings apart: not for re-entry (README, "A restart says what the log
        # lacks"). A file of them alone begins otherwise, so no short form says "re-enter".
        resent = ("answered 'not stored' (AE): the monitor sends "
                  f"{'it' if total.monitor == 1 else 'them'} again")
        if total.words():
            message = (f"{lead} from before the restart are not in the log: {total.words()} in "
                       f"{new[0].path.name}{more}: re-enter what matters, tell Support"
                       + (f"; {total.monitor_words()} {resent}" if total.monitor else ""))
        else:
            message = (f"monitor readings from before the restart are not in the log: "
                       f"{total.monitor} in {new[0].path.name}{more}, {resent}")
            message = (f"{ended.discharge_words()} was not saved: discharge again; {message}"
                       if ended is not None else message[:1].upper() + message[1:])
        said = Raise(
            Priority.MEDIUM, message,
            detail="Not in the session log: " + "; ".join(what(f) for f in new)
                   + ("; named at an earlier restart, not yet reset: "
                      + "; ".join(what(f) for f in kept) if kept else "")
                   + ". The log is never filled in from these files: Support reads them."
                   + (" A monitor that takes no answers (a serial stream) does not send its "
                      "readings again: they are in these files only." if total.monitor else ""))
        records.extend(self.board.update(UNSAVED_RECORDS, TECHNICAL, said, now))
        records.extend(self.board.update(UNSAVED_RECORDS, TECHNICAL, None, now))   # latched
        return records

    def _judge_at_t0(self, metric_name: str, standing: Latest | None, t0: Moment) -> None:
        """`_as_if_never`'s T0: the value of `metric_name` standing then (the last one replayed
        before it, else the one before the value taken back) judged against the baseline."""
        if metric_name not in self._baseline_metrics:
            return
        if standing is None:
            standing = next((v for _, v in reversed(self._state.rows.get(metric_name, []))
                             if not v.after_t0), None)
        if standing is not None and _stands_at_t0(standing.reading, t0):
            self._replay_trackers(standing.reading, t0, at_t0=True, taken=standing.taken.mono)

    def _replay_phase_start(self, start: tuple[Phase | None, Moment, Moment | None]) -> None:
        """A phase's start at a restart: its checks, and at T0 the standing values judged
        against the baseline (`_standing_at_t0`), as it was live. No phase: the first device
        ticked after T0, which moved the checks timed after the dose (`tick_item`)."""
        phase, started, dosed = start
        if phase is None:
            if dosed is not None:
                self.schedule.first_dose_given(dosed, started)
                self._state.device_given = True   # the readings replayed from here: after it
            return
        self.schedule.start_phase(phase, started, dosed)
        t0 = self._state.t0
        if phase.kind is PhaseKind.DOSING and t0 is not None and started.wall == t0.wall:
            self._state.t0_reached = True   # the readings replayed from here came after it
            for reading in self._standing_at_t0(started):
                self._replay_trackers(reading, started, at_t0=True,
                                      taken=self._state.latest[reading.metric].taken.mono)

    def _replay_trackers(self, reading: Reading, at: Moment, keep: bool = True,
                         at_t0: bool = False, after_t0: bool | None = None,
                         taken: float | None = None, live: bool = False) -> None:
        """Feed a logged reading to its trackers as it was fed live (resume, and `void`'s
        `_as_if_never`). A repeat it asked for comes back even when already due: the readings
        replayed after it satisfy it, or it prompts (and escalates when overdue) as it did
        before the restart. `keep`: keep the trackers before it, for `void`. `taken`: a value
        judged again (T0), its mono time (`ConditionTracker.on_value`). `live`: fed again by
        `void`, a pulse rate rests by the heart rate that stood then, not the newest
        (`_heart_rate_current_then`)."""
        if is_cuff_pulse(reading):
            return   # as live (`_accept`): a cuff's pulse feeds no pulse alarm
        if keep:   # what `void` puts back (`_as_if_never`)
            self._note_trackers_before(reading.metric, reading.value, at)
        if reading.metric == "pulse_rate" and (
                self._heart_rate_current_then(at) if live else self.ecg_heart_rate_current(at)):
            self._rest_pulse_rules(at)   # as it was live (the board is restored after the replay)
            return
        if after_t0 is None:
            after_t0 = self._state.t0_reached
        baseline = (self._state.baseline.get(reading.metric)
                    if self._state.t0 is not None and (at_t0 or after_t0) else None)
        for tracker in self._trackers.values():
            if tracker.metric == reading.metric:
                request = tracker.on_value(reading.value, baseline, at, reading.source, taken,
                                           beyond_mark(reading.flags))
                if request is not None:
                    self.schedule.add_one_off(_repeat_check(reading.metric),
                                              (reading.metric,), at.plus(request.due_mono - at.mono),
                                              request.repeat_s, asked_by=request.asked_by)
                self._note_replayed_held(tracker, at)
                if tracker.held() is None:   # back inside since (resume: `back_inside_since`)
                    self._inside_since.setdefault(tracker.condition, at)

    def _note_replayed_held(self, tracker: ConditionTracker, at: Moment) -> None:
        """`tracker` replayed at `at`: holding anything, a value or its vital's absence, its
        values are not back inside (`_inside_since`: an apnoea's first breath had kept the last
        breath before the apnoea as "back inside since"). Resume only: what it holds, for
        `_reworded`, and whether it is another value than the last it held, for
        `_open_occurrences`."""
        held = tracker.held()
        if held is not None:
            self._inside_since.pop(tracker.condition, None)
        if self._replayed_held is not None and held is not None:
            last = self._replayed_held.setdefault(tracker.condition, {})
            self._note_replayed_change(tracker.condition, held, at)
            last[held.priority] = last[None] = (at.mono, held)

    def _replay_rejudged(self, name: str, at: Moment) -> None:
        """Resume only: `name`'s baseline moved at `at` (`BASELINE_SET`), and live judged its
        standing value again then (`_rejudge_standing`): what its trackers hold is noted at
        that time, for `_reworded` (the replay judged it against the baseline that stands)."""
        if self._standing_for_baseline(name) is None:
            return
        for tracker in self._trackers.values():
            if tracker.metric == name:
                self._note_replayed_held(tracker, at)

    def _note_replayed_change(self, condition: str, held: Raise | None, at: Moment) -> None:
        """Resume only: `held` came at `at`; another value than the last replayed (as the board
        compares it live: `another_value`), it is a change `_open_occurrences` reads. A value
        the condition stopped holding in between is no change: live, the board kept the last."""
        if self._replayed_held is None or self._replayed_changes is None or held is None:
            return
        last = self._replayed_held.get(condition, {}).get(None)
        if last is None or another_value(held, last[1].priority, last[1].value):
            self._replayed_changes.setdefault(condition, []).append(at.mono)

    def _note_taken_back(self, reading: Reading, at: Moment) -> None:
        """Resume only: a value entered in error, which the replay skips (it counts nowhere),
        was told to the board live before it was taken back, and from then on an escalation
        made before it stood (`another_value`): so it is a change here too. Fed to copies of
        its trackers, as `_replay_trackers` would feed it; the trackers stay as they are."""
        if self._replayed_changes is None or is_cuff_pulse(reading) or (
                reading.metric == "pulse_rate" and self.ecg_heart_rate_current(at)):
            return
        baseline = (self._state.baseline.get(reading.metric)
                    if self._state.t0 is not None and self._state.t0_reached else None)
        for tracker in self._trackers.values():
            if tracker.metric == reading.metric:
                twin = tracker.clone()
                twin.on_value(reading.value, baseline, at, reading.source,
                              mark=beyond_mark(reading.flags))
                self._note_replayed_change(twin.condition, twin.held(), at)

    # ---- properties --------------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        return self.protocol.phases[self._state.phase_index]

    @property
    def dosing_minutes(self) -> float | None:
        """How long the dosing ran (T0 to the phase after the dosing ones), once it has ended;
        else None."""
        t0, ended = self._state.t0, self._state.dosing_ended
        return (ended.mono - t0.mono) / 60 if t0 is not None and ended is not None else None

    @property
    def t0(self) -> Moment | None:
        return self._state.t0

    @property
    def discharged(self) -> bool:
        return self._state.discharged

    @property
    def ended_at(self) -> datetime | None:
        """When the session was discharged (None while it runs)."""
        return self._state.ended_at

    @property
    def baseline(self) -> dict[str, float]:
        return dict(self._state.baseline)

    @property
    def device_state(self) -> str:
        return self._state.device_state

    def latest(self, metric_name: str) -> Latest | None:
        return self._state.latest.get(metric_name)

    def device_clock(self, source: str, at: datetime) -> float | None:
        """The offset of the clock of device `source` (seconds, positive: ahead) as its values
        have shown it by `at`, None while right as far as they tell: the trend's verdict, by its
        rule from the values it is given (`trend_feed.DeviceClocks`). The tiles read it."""
        return self._state.clocks.offset(source, at)

    def noted(self, event_id: int) -> tuple[str, datetime] | None:
        """The observation noted with a button that event `event_id` logged, as (its text, when),
        while it stands: None once entered in error, or for an episode a restart replayed (its
        events come without row ids: no Undo outlives the console that offered it)."""
        return next(((text, at) for text, episodes in self._state.observed.items()
                     for at, row in episodes if row == event_id), None)

    def observed(self, text: str) -> tuple[int, datetime] | None:
        """How often an observation noted with a button ("Vomiting") was noted this session,
        and the latest time; None when never. An episode entered in error is not counted."""
        episodes = self._state.observed.get(text)
        return (len(episodes), episodes[-1][0]) if episodes else None

    def ticks(self, phase_id: str | None = None) -> dict[str, Tick]:
        phase_id = phase_id or self.phase.id
        return {item: t for (p, item), t in self._state.ticks.items() if p == phase_id}

    def alarms(self) -> list[Occurrence]:
        return self.board.occurrences()

    def audio(self, now: Moment) -> AudioSignal:
        return self.board.audio(now)

    def due(self, now: Moment) -> list[DueInfo]:
        return self.schedule.upcoming(now)

    def times(self, now: Moment) -> PhaseTimes:
        phase, state = self.phase, self._state
        phase_elapsed = now.mono - state.phase_started.mono
        since_t0 = now.mono - state.t0.mono if state.t0 else None
        remaining = [
            planned - done
            for planned, done in (
                (_minutes(phase.duration_minutes), phase_elapsed),
                (_minutes(phase.min_minutes), phase_elapsed),
                (_minutes(phase.min_minutes_from_t0), self._since_first_dose_s(since_t0)),
            )
            if planned is not None and done is not None
        ]
        return PhaseTimes(
            elapsed_s=now.mono - self.started.mono,
            phase_elapsed_s=phase_elapsed,
            phase_remaining_s=max(remaining) if remaining else None,
            since_t0_s=since_t0,
        )

    def _first_dose(self) -> Moment | None:
        """When the first dose was given: T0, or the first device recorded given when that was
        later (`_since_first_dose_s`). The checks timed after T0 count from it ("BP at T+40",
        the REMS form's BP about 40 min after the dose): from the dosing phase's start, device 1
        given 10 minutes into it made the T+40 BP due 30 minutes after the dose.

        Compared on the monotonic clock, as every other timer: by the wall clock, a station
        clock stepped back 10 min (NTP, a corrected RTC) before device 1 made device 1, given
        at T0 + 10, read as given at T0, and the label's 2 hours from the first device
        (clinical-defaults.md, esketamine boxed warning/REMS) ended 110 min after it (review 40).
        """
        t0 = self._state.t0
        if t0 is None:
            return None
        if self.protocol.dose.mode is not DoseMode.DEVICES:   # an infusion: T0 is the dose
            return t0
        # A device is an item `device-<n>` (`device_rest.device_number`), not any id beginning
        # "device-": a pre-dose "device-instructions" ticked before T0 held the 2 hours at T0.
        devices = [tick for (_, item), tick in self._state.ticks.items()
                   if device_rest.device_number(item) is not None]
        first = min(devices, key=lambda tick: tick.mono, default=None)
        return Moment(first.mono, first.at) if first and first.mono > t0.mono else t0

    def _first_device(self, item_id: str) -> bool:
        """`item_id`, just ticked, is the session's first nasal device: the dose the checks
        timed after T0 wait for (`Schedule.first_dose_given`), at T0 too."""
        return (device_rest.device_number(item_id) is not None
                and devices_ticked(self.protocol, (item for _, item in self._state.ticks)) == 1)

    def _since_first_dose_s(self, since_t0: float | None) -> float | None:
        """Seconds since the first dose: since T0, less the time until the first device was
        recorded given when that was later (nasal devices; `_first_dose`)."""
        t0, dosed = self._state.t0, self._first_dose()
        if since_t0 is None or t0 is None or dosed is None:
            return since_t0
        return since_t0 - (dosed.mono - t0.mono)

    # ---- readings ----------------------------------------------------------------------------

    def ingest(self, reading: Reading, now: Moment, entered_by: str = ENGINE,
               confirmed: bool = False) -> int | None:
        """Accept a reading from a device (or a validated manual value); log it; evaluate alarms.

        Returns the observation id, or None for a repeated NIBP value (same source, channel,
        value and measured time) that is already in the log, for a reading held in memory while
        the log cannot be written, or after the session ended (nothing more is recorded).
        """
        if self._state.discharged:
            return None
        with self._step(now) as step:
            step.records.extend(self._reading_records(reading, now, entered_by, confirmed))
        return step.ids[0] if step.ids else None

    def ingest_message(self, readings: Sequence[Reading], now: Moment,
                       dropped: Mapping[str, int] | None = None, example: str = "",
                       device: str = "", *, warnings: Mapping[str, int] | None = None,
                       implausible: str = "") -> bool:
        """Accept what one device message (or one read of the port, or the reads the transport
        held while the one before was committed) carried, in one transaction:
        its readings with the decisions they cause, and a count of the values that could not be
        used (by reason, one example), so a drop is never lost and never costs a second commit
        (quality bar P2: one fsync per message, not one per value). `warnings` counts doubts
        about values that were kept (devices.stream.KEPT_NOTICES), logged in the same event;
        `implausible` says the first value dropped as impossible (its technical alarm's detail).

        Returns True when it is committed to the log (the monitor may be told AA), False when
        the log cannot take writes now and it is held in memory, or the session has ended (the
        monitor must keep it: AE). Raises what failed (the fault handler's "Console fault",
        the monitor told AE) after committing what did not (`_message_by_parts`).
        """
        if self._state.discharged:
            return False
        readings, impossible = _without_impossible_bp(readings)
        # The monitor repeats its last NIBP in every message: an impossible one is logged as
        # dropped once, as a plausible one is logged once (`_is_repeat`); a row a message
        # buried the drops that matter. Each repeat still holds its alarm.
        told = [(words, parts) for words, parts in impossible
                if not all(self._known_nibp(r) for r in parts)]
        if told:
            # Not the patient's BP (a cuff artefact, swapped rows): not charted and no alarm or
            # gate of its own, but an "Impossible value" alarm naming the pair, as for a value
            # out of range; the pair's words are the drop's example (unless a row went unread).
            dropped = {**(dropped or {})}
            dropped[IMPOSSIBLE_BP] = (dropped.get(IMPOSSIBLE_BP, 0)
                                      + sum(len(parts) for _, parts in told))
            if not example or not any(dropped.get(reason) for reason in NOT_READ):
                example = told[0][0]
        if impossible:
            implausible = implausible or (told or impossible)[0][0]
        told_keys = [key for _, parts in told for r in parts if (key := _nibp_key(r)) is not None]
        # A resend of what is held is not on disk either: AE again, never AA.
        held_again = any(self._held_already(reading) for reading in readings)
        # The messages of a read that are logged already (known by their ids), or that it
        # brings twice, are kept once; one logged only in part has its other rows logged.
        every = readings
        readings, resent, completing = self._split_resent(readings)
        # A message with drops or doubts is never taken for a resend: they are logged, and a
        # decoder failure raises its alarm (a resend of it is answered as the first was).
        if not held_again and not dropped and not warnings and not impossible and (
                (resent and not readings) or self._resent(readings)):
            # Its readings are on disk: the AA is due again, the rows are not (the answer to the
            # first send was lost, or the console stopped between its commit and its answer; an
            # HL7 sender resends the same message until answered). Logged, never silent.
            with self._step(now) as step:
                step.records.append(self._resent_record(now, device, len(resent) + len(readings)))
            return step.saved
        # A message's heart rate before its pulse rate: the pulse's rules rest beside an ECG
        # heart rate of the same message too (`ecg_heart_rate_current`).
        readings = sorted(readings, key=lambda r: r.metric == "pulse_rate")
        # One vital on two channels (two SpO2 probes, capnography's RR beside the impedance
        # RR): the worse value is judged, the other is logged flagged OTHER_CHANNEL. Judged one
        # after the other, the normal channel ended the other's alarm every second.
        readings = judged_alone(readings, self._worst_channel)
        say_dropped = bool(dropped or warnings) and not self._said_before(device, dropped,
                                                                          warnings, example)

        def message_records(evaluate: bool) -> list[Record]:
            records: list[Record] = []
            if resent:
                records.append(self._resent_record(now, device, len(resent), completing))
            for reading in readings:
                records.extend(self._reading_records(reading, now, ENGINE, False, evaluate))
            if say_dropped:
                detail: dict[str, object] = {"device": device, "counts": dict(dropped or {}),
                                             "example": example[:200]}
                if warnings:
                    detail["kept_with_warnings"] = dict(warnings)
                if told_keys:   # a restart knows their repeats (`resume`)
                    detail[IMPOSSIBLE_NIBP_KEYS] = [list(key) for key in told_keys]
                records.append(EventRecord(self.session_id, now.wall, "device_dropped",
                                           ENGINE, detail))
            self._state.nibp_seen.update(told_keys)
            if dropped and any(dropped.get(reason) for reason in NOT_READ):
                records.extend(self._unreadable(now, example))
            if impossible or (dropped and any(dropped.get(reason) for reason in IMPLAUSIBLE)):
                records.extend(self._implausible(now, implausible or example))
            return records

        gathered = False
        try:
            with self._step(now) as step:
                step.records.extend(message_records(evaluate=True))
                gathered = True
        except Exception as first:
            # Only a failure in what the message decides (a rule's bug): a failed commit is
            # the log's (nothing of the message stands), and one after it wrote the rows.
            if not gathered:
                self._message_by_parts(every, now, partial(message_records, evaluate=False),
                                       first)
            raise
        # Held messages too: a resend while they are held is known by its id (AE again, kept
        # once), and so is one after they are written (AA). All the read carried, resent rows
        # too: a message logged in part and then whole is known whole from now on.
        self._note_messages(every)
        return step.saved and not held_again

    def _message_by_parts(self, readings: Sequence[Reading], now: Moment,
                          unevaluated: Callable[[], list[Record]], first: Exception) -> None:
        """A message whose step failed (a bug in one vital's rule), as the tick's parts
        (`_tick_by_parts`): its readings committed without their alarm rules (`unevaluated`),
        then each reading's rules in a step of its own, so one rule's bug loses neither the
        values nor the other vitals' alarms (an RR rule's bug had lost the SpO2 85 of the same
        message, and every resend of it). Errors are noted on `first`, which the caller raises
        for the fault handler: the monitor is answered AE, and its resend is known as one
        (`_note_messages`) and answered AA, its values already on disk. Once they are, `first`
        says so (`values_kept`, read by `console.session.feed.apply`)."""
        def note(exc: Exception) -> None:
            if str(exc) != str(first) or type(exc) is not type(first):
                first.add_note(f"Also failing in this message: {type(exc).__name__}: {exc}")

        try:
            with self._step(now) as step:
                step.records.extend(unevaluated())
        except Exception as exc:
            note(exc)
            return
        # Its values stand (committed or held): `feed.apply` must not have the decoder forget
        # them (`DeviceEvent.rolled_back`), or an untimed NIBP it repeats is logged again.
        first.values_kept = True  # type: ignore[attr-defined]
        self._note_messages(readings)   # held ones too, as `ingest_message`
        rowed = [r for r in step.records if isinstance(r, ObservationRecord)]
        for record in rowed:
            if (record.flags & DEMO_OR_TEST or OTHER_CHANNEL in record.flags
                    or is_cuff_pulse_metric(record.metric, record.flags)):
                continue
            try:
                with self._step(now) as part:
                    part.records.extend(self._evaluate(record.metric, record.value, now,
                                                       source=record.source,
                                                       mark=beyond_mark(record.flags)))
                    part.records.extend(self._prompts(now))
            except Exception as exc:
                note(exc)

    def _said_before(self, device: str, dropped: Mapping[str, int] | None,
                     warnings: Mapping[str, int] | None, example: str) -> bool:
        """A monitor that sends a vital this console does not show (an Ivy's temperature, EtCO2)
        sends it in every message: the first such message's count and words are logged, the
        same again is not, this run (a row a second for hours said nothing new, and buried the
        drops that matter in the record: the QA audit). Any other drop is logged every time."""
        if warnings or not dropped or set(dropped) != {NOT_MONITORED}:
            return False
        said = (device, tuple(sorted(dropped.items())), example)
        if said in self._not_monitored_said:
            return True
        self._not_monitored_said.add(said)
        return False

    def _split_resent(self, readings: Sequence[Reading]
                      ) -> tuple[list[Reading], list[Reading], int]:
        """(new readings, readings of messages already logged, how many of the new ones complete
        a message logged in part): the monitor sent a message again (its answer was lost, or
        it was answered AE).

        Known by its id (HL7 MSH-10: a resend keeps it) and what it carries, once this run has
        logged a message of that device with one: a resend of any message of the last
        LOGGED_MESSAGES, not only the last (a resend after eight newer messages had been logged
        again, its SpO2 97 ending a high SpO2 86 alarm). A message with a logged id that carries
        other values or times is new: a monitor restarted numbers its messages from 1 again, and
        one whose MSH-10 names the kind of message (a Mindray bedside's "204" every second) has
        one id for all (the QA audit: every message after the first was answered AA and not
        logged, SpO2 87 and RR 6 never alarmed). One that carries everything logged under its id
        and more is that message sent whole after it was read only in part (answered AE, as a
        row cut by the next header): only its rows not yet logged are new (the rows before the
        cut had been logged twice). Within one read, a row that its message's id and content
        brought earlier in the read is a resend too: the console stalled past the monitor's
        time-out, and the message and its resend came together (each value was logged twice)."""
        carried = _carried(readings)
        fresh: list[Reading] = []
        resent: list[Reading] = []
        completing = 0
        earlier: dict[tuple[str, str], set[CarriedRow]] = {}
        for reading in readings:
            if not reading.message or reading.source == MANUAL:   # as `_carried`
                fresh.append(reading)
                continue
            key = (reading.source, reading.message)
            row = _carried_row(reading)
            logged = self._state.logged_messages.get(key)
            again = logged is not None and logged <= carried[key]
            seen = earlier.setdefault(key, set())
            if row in seen or (again and logged is not None and row in logged):
                resent.append(reading)
            else:
                fresh.append(reading)
                completing += again
            seen.add(row)
        return fresh, resent, completing

    def _resent(self, readings: Sequence[Reading]) -> bool:
        """The monitor sent the message again (its answer was lost): by its id and content
        (`_split_resent`: `readings` are those not resent by it), and a new message is new
        whatever its values (a monitor stamping to the minute sent 40 messages of steady values:
        39 were taken for resends and not logged, and no RR for 20 s raised a false high alarm).
        Otherwise (an HL7 message without an id, or the first message after a restart, whose
        ids this run never saw): every reading of the message is its stream's last logged one,
        value and measured time alike. One new value among them makes it a new message (a
        monitor re-reports an unchanged slow value with its old time; each is kept). An NIBP the
        monitor repeats in every message with its own time tells nothing (it is dropped as a
        repeat anyway): a message of repeated NIBP alone is no resend. Only a sender that is
        answered resends (`_may_be_resent`): a Masimo whose clock was stuck stamped every line
        with one time, and every SpO2 98 after the first was taken for a resend, not logged,
        and "No SpO2" raised 30 s later."""
        if readings and all(r.message and r.source in self._state.id_sources for r in readings):
            return False
        told = [r for r in readings if not self._known_nibp(r)]
        return bool(told) and all(
            _may_be_resent(r) and r.measured_at is not None
            and self._state.last_sent.get((r.metric, r.source, r.channel)) == (r.value, r.measured_at)
            for r in told)

    def _resent_record(self, now: Moment, device: str, values: int,
                       completing: int = 0) -> EventRecord:
        """The `device_resent` event: `values` rows kept once; `completing` rows of a message
        logged in part, logged now."""
        detail: dict[str, object] = {
            "device": device, "values": values,
            "message": "The monitor sent a message again whose values are already logged (its "
                       "answer was lost): kept once"}
        if completing:
            detail["new_values"] = completing
            detail["message"] = (f"The monitor sent again a message read only in part: its "
                                 f"{values} value(s) already logged kept once, its {completing} "
                                 "new value(s) logged")
        return EventRecord(self.session_id, now.wall, DEVICE_RESENT, ENGINE, detail)

    def _note_messages(self, readings: Sequence[Reading]) -> None:
        logged = self._state.logged_messages
        for key, carried in _carried(readings).items():
            logged[key] = carried
            logged.move_to_end(key)
            self._state.id_sources.add(key[0])
        while len(logged) > LOGGED_MESSAGES:
            logged.popitem(last=False)

    def _known_nibp(self, reading: Reading) -> bool:
        key = _nibp_key(reading)
        return key is not None and key in self._state.nibp_seen

    def _note_sent(self, reading: Reading) -> None:
        if reading.measured_at is not None and reading.source != MANUAL:
            self._state.last_sent[(reading.metric, reading.source, reading.channel)] = (
                reading.value, reading.measured_at)

    def _held_already(self, reading: Reading) -> bool:
        """While the log cannot take writes, a message is answered AE and the monitor resends it
        (at most 3 times): its readings are already held, and would be written twice. A device
        whose messages carry ids is judged by them (`_resent`): a new message with the values
        and the minute of a held one had been taken for its resend and lost. A sender nobody
        answers resends nothing (`_may_be_resent`): its line is a new reading, held as well."""
        if (not self.writes.held or not _may_be_resent(reading)
                or (reading.message and reading.source in self._state.id_sources)):
            return False
        key = reading_key(reading)
        return key is not None and self.writes.holds_reading(key)

    def _unreadable(self, now: Moment, example: str) -> list[Record]:
        """A monitor message the decoder failed on (a bug, or a message no rule foresaw), or
        the rest of one its sender paused inside (`devices.stream.NOT_READ`), may have carried
        the very value that alarms: a medium technical alarm, never only a count in the events
        (a bug becomes a technical alarm, never silence; IEC 60601-1-8 6.1.2). A failed message
        was answered AE, so the monitor resends; the rest of a paused one cannot be asked for
        again. The alarm ends UNREADABLE_HOLD_SECONDS after the last such message."""
        self._state.unreadable_at = now.mono
        return list(self.board.update(DEVICE_UNREADABLE, TECHNICAL, Raise(
            Priority.MEDIUM, "Monitor message not read: values may be missing, check the monitor",
            detail=f"A message from the monitor was not read: {example[:160]}"),
            now))

    def _implausible(self, now: Moment, example: str) -> list[Record]:
        """A device value outside what the vital can be (SpO2 150 %, HR 400): dropped, so the
        tile kept its last good value in normal colours for 30 s and nothing alarmed (a nurse
        walk on X: a probe gone bad looked like a steady patient). A medium technical alarm,
        as clinical-defaults.md's alarm behaviour 7 lists "implausible value"; it ends
        UNREADABLE_HOLD_SECONDS after the last such value."""
        self._state.implausible_at = now.mono
        return list(self.board.update(DEVICE_IMPLAUSIBLE, TECHNICAL, Raise(
            Priority.MEDIUM, "Impossible value from the monitor, not used: check the sensor",
            detail=f"The monitor sent a value the vital cannot have, not used: {example[:160]}"),
            now))

    def _clock_caught_up(self, now: Moment) -> list[Record]:
        until = self._state.clock_behind_until
        if until is None or now.wall < until:
            return []
        self._state.clock_behind_until = None
        return list(self.board.update(CLOCK_BEHIND, TECHNICAL, None, now))

    def _held_device_alarms_time(self, now: Moment) -> list[Record]:
        """"Monitor message not read" and "Impossible value from the monitor" end
        UNREADABLE_HOLD_SECONDS after the last such message or value."""
        def ended(last: float) -> bool:
            return now.mono - last >= UNREADABLE_HOLD_SECONDS

        records: list[Record] = []
        state = self._state
        if state.unreadable_at is not None and ended(state.unreadable_at):
            state.unreadable_at = None
            records.extend(self.board.update(DEVICE_UNREADABLE, TECHNICAL, None, now))
        if state.implausible_at is not None and ended(state.implausible_at):
            state.implausible_at = None
            records.extend(self.board.update(DEVICE_IMPLAUSIBLE, TECHNICAL, None, now))
        return records

    def _reading_records(self, reading: Reading, now: Moment, entered_by: str,
                         confirmed: bool, evaluate: bool = True) -> list[Record]:
        """The observation row and what it changes (alarms, prompts; `evaluate` False: not its
        alarm rules, `_message_by_parts`); [] for a repeated NIBP or a resend of a reading still
        held."""
        m = metric(reading.metric)
        if not m.in_hard_range(reading.value):
            raise ValueError(f"{m.label} {reading.value} outside {m.describe_range()}")  # decoders drop these
        if self._is_repeat(reading) or self._held_already(reading):
            return []
        self._note_sent(reading)
        records: list[Record] = [ObservationRecord(
            session_id=self.session_id, metric=reading.metric, value=reading.value,
            unit=reading.unit, source=reading.source, measured_at=reading.measured_at,
            received_at=reading.received_at, entered_by=entered_by, channel=reading.channel,
            flags=reading.flags, confirmed=confirmed,
        )]
        if reading.source != MANUAL:
            records.extend(self._monitor_identity(reading, now))
        self._note_clock(reading)
        if not reading.is_demo_or_test and OTHER_CHANNEL not in reading.flags:
            records.extend(self._accept(reading, now, evaluate))
        return records

    def _worst_channel(self, name: str, values: Sequence[float]) -> int:
        """Which of `values`, one vital's channels in one message, its alarm rules judge
        (`channels.worst`): by the values and the baseline as the trackers judge them, as
        shown (`ConditionTracker.on_value`)."""
        shown = metric(name).as_shown
        baseline = self._baseline_for(name)
        return worst([shown(value) for value in values],
                     [rule for rule in self.protocol.alarms if rule.metric == name],
                     None if baseline is None else shown(baseline))

    def _note_clock(self, reading: Reading) -> None:
        """Let a logged value's times count towards its device's clock, as the trend counts
        them (`trend_feed.DeviceClocks`): the tile and the trend judge by the same values."""
        if reading.source != MANUAL and is_patient_value(reading.flags, self.demo):
            self._state.clocks.note(reading.source, reading.metric, reading.measured_at,
                                    reading.received_at, self.started.wall, reading.flags)

    def _monitor_identity(self, reading: Reading, now: Moment) -> list[Record]:
        """A reading from another device than the session's monitor: another monitor now sends
        on this console's port (a replacement, or a network monitor's address given to another
        bed; a walk: a leftover link of another simulator fed 1,449 foreign values into a
        session as "monitor back"). Its values are kept and alarm as any (nothing handed to the
        console is lost, and if it is this patient's they matter), and the change is a medium
        technical alarm that latches until a nurse at the bedside resets it, having checked the
        monitor is on this patient (`LATCHING_EVENTS`; the central cannot reset it). Rule: IEC
        60601-1-8 6.1.2, a technical alarm condition for what makes the data untrustworthy.
        A device that sends no identity is known by its port (`Reading.source`), so only a
        change of what the devices say they are is seen."""
        before, self._state.monitor_source = self._state.monitor_source, reading.source
        if before is None or before == reading.source:
            return []
        return [
            EventRecord(self.session_id, now.wall, "monitor_changed", ENGINE,
                        {"from": before, "to": reading.source}),
            *self.board.update(DEVICE_CHANGED, TECHNICAL, Raise(
                Priority.MEDIUM, "Another monitor is sending: check that it is on this patient, "
                                 "then reset",
                detail=f"Values now come from {reading.source}; until now from {before}."),
                now),
            *self.board.update(DEVICE_CHANGED, TECHNICAL, None, now),
        ]

    def enter_manual(self, metric_name: str, value: float, actor: str, now: Moment,
                     confirmed: bool = False, *, replaces: bool | None = None) -> Verdict:
        """A value the nurse typed (already parsed). Implausible values need `confirmed`.

        Two answers, never read one for the other (a "Record it" to the form's pulse pressure
        question was taken as "yes, it replaces the monitor's alarming reading" and ended the
        cuff's alarm: review 46):

        - `confirmed`: the nurse confirmed a question about the value itself: it is logged with
          confirmed = 1 (the review, the CSV and the FHIR note show it was doubted and checked).
          The value implausible alone, or the form's pulse pressure question of a BP pair, about
          both values: the form confirms both halves (review 39: 150/40 confirmed as measured
          was logged with confirmed = 0, as a BP nobody had looked at twice).
        - `replaces`: her answer to `manual_question` (her typed value replaces the monitor's
          reading that holds an alarm): only True records the value while a monitor's reading
          holds an alarm; the row carries REPLACES_DEVICE, a doubt about the value stays
          `confirmed`'s. None, for callers that answer every question at once (scripts,
          tests): `confirmed` answers both, and the row is logged doubted only when the value is
          implausible alone or no monitor's reading was replaced.

        Returns the verdict; only `Accepted` (or a confirmed implausible value) is recorded.
        """
        return self.enter_manual_row(metric_name, value, actor, now, confirmed,
                                     replaces=replaces)[0]

    def enter_manual_row(self, metric_name: str, value: float, actor: str, now: Moment,
                         confirmed: bool = False, *,
                         replaces: bool | None = None) -> tuple[Verdict, int | None]:
        """`enter_manual`, with the row id of the observation it wrote: what an undo points at.

        The id is None when nothing was written, and while the log cannot take writes (the row
        is held in memory and has no id yet).
        """
        verdict = check_number(metric(metric_name), value)
        if isinstance(verdict, Rejected):
            return verdict, None
        m = metric(metric_name)
        if self._state.discharged:
            return Rejected(metric_name, ENDED), None
        alarm = self._device_alarm(metric_name)
        replacing = confirmed if replaces is None else replaces
        doubt = (verdict.message if isinstance(verdict, NeedsConfirmation) and not confirmed
                 else None)
        if doubt is not None or (alarm is not None and not replacing):
            # Only the questions not answered yet are asked (again).
            asked = [doubt, None if replacing else self.manual_question(metric_name, value)]
            question = " ".join(q for q in asked if q is not None)
            return NeedsConfirmation(metric_name, value, question), None
        reading = Reading(metric_name, value, m.unit, now.wall, now.wall, MANUAL,
                          flags=REPLACES_DEVICE if alarm is not None else frozenset())
        doubted = isinstance(verdict, NeedsConfirmation) or (
            confirmed and (replaces is not None or alarm is None))
        with self._step(now) as step:
            records = self._reading_records(reading, now, actor, doubted)
            step.records.extend(
                _ended_because(records, metric_name, f"ended by a value typed by {actor}, "
                                                     "replacing the monitor's reading")
                if alarm is not None else records)
        return Accepted(metric_name, value), (step.ids[0] if step.ids else None)

    def manual_question(self, metric_name: str, value: float) -> str | None:
        """The engine's own question about typing `value` now (it would replace the monitor's
        reading that holds an alarm), or None. Read-only: a form asks every question of its
        values before it records any (review 37: a No to a BP's diastolic came after its
        systolic was written)."""
        if self._device_alarm(metric_name) is None:
            return None
        m = metric(metric_name)
        monitor = self.latest(metric_name)
        shown = m.format(monitor.reading.value) if monitor is not None else "reading"
        return (f"The monitor's {m.label} {shown} {m.unit} has raised an alarm. "
                f"Does your typed {m.format(value)} {m.unit} replace the monitor's "
                "reading? Yes: it is recorded and the alarm follows it (its end, if "
                "it ends, says it was ended by your typed value). No: nothing is "
                "recorded.")

    def _device_alarm(self, metric_name: str) -> Occurrence | None:
        """The alarm a monitor's reading of `metric_name` holds now (a typed value would decide
        it), or None. A latched alarm is not asked about: no value ends it, only a reset."""
        latest = self.latest(metric_name)
        if latest is None or latest.reading.source == MANUAL:
            return None
        found = [o for t in self._trackers.values() if t.metric == metric_name
                 if (o := self.board.occurrence_for(t.condition)) is not None]
        return max(found, key=lambda o: o.priority) if found else None

    def correct(self, observation_id: int, metric_name: str, value: float, actor: str, now: Moment,
                reason: str, confirmed: bool = False) -> Verdict:
        """Record a corrected value for a logged observation: a new row pointing at the old one.

        The original row stays as it was (the log is append-only); the correction is validated like
        any entry (a BP half with its other half: `check_correction`) and needs a reason, logged
        with it. A value already corrected or entered in error is refused (`uncorrectable`).

        When the corrected row is the vital's latest value, the replaced value is taken back as
        `void` takes it back (`_fall_back`): an alarm only it held ends, saying "its value was
        corrected to 150 mmHg, by …", rather than latching, and an escalation it made is undone
        (`AlarmBoard.update` with latch False). A systolic 250 typed for the cuff's 150 had left a
        latched high alarm for a value that never existed, while the same typo entered in error
        ended it (the alarm audit; IEC 60601-1-8 latching protects an excursion, and none
        happened). The corrected value is then evaluated as a new reading would be: 150 raises
        nothing, a corrected 210 alarms, and a real unseen high excursion before the typo still
        latches. A correction of an older row (a later value of the vital stands) changes not
        the latest value, nor an alarm a later reading holds or held; only a latched alarm that
        row raised and no later value held ends (`_take_back_latched`). Either way the
        correction takes the corrected row's place among the values `void` can take back.
        """
        m = metric(metric_name)
        if self._state.discharged:
            return Rejected(metric_name, ENDED)
        if not reason.strip():
            return Rejected(metric_name, f"Say why {m.label} is corrected (e.g. 'typed 188, cuff read 138').")
        verdict = self.check_correction(observation_id, metric_name, value)
        if isinstance(verdict, Rejected) or (isinstance(verdict, NeedsConfirmation) and not confirmed):
            return verdict
        records: list[Record] = [
            ObservationRecord(self.session_id, metric_name, value, m.unit, MANUAL, now.wall, now.wall,
                              actor, confirmed=isinstance(verdict, NeedsConfirmation),
                              corrects=observation_id),
            EventRecord(self.session_id, now.wall, "correction", actor,
                        {"corrects": observation_id, "metric": metric_name, "value": value,
                         "reason": reason.strip()}),
        ]
        rows = self._state.rows.get(metric_name, [])
        index = next((i for i, (row, _) in enumerate(rows) if row == observation_id), None)
        latest = index is not None and index == len(rows) - 1
        # The corrected value stands for the measurement it corrects, when that is still kept:
        # before or after T0 as it was, of its times (`_standing_for`).
        gone = rows[index][1] if index is not None else None
        after_t0 = gone.after_t0 if gone is not None else self._state.t0_reached
        why = f"its value was corrected to {m.format(value)} {m.unit}, by {actor}"
        # A vital missing now stays missing: a corrected value is no value counted now (an
        # apnoea had ended "its value was corrected to 13 breaths/min", unseen, not latched).
        missing = frozenset(t.condition for t in self._trackers.values()
                            if t.metric == metric_name and t.absent)
        # What its correction holds, of a vital missing now: the words of an alarm at that
        # priority (`AlarmBoard.reword_corrected`).
        reworded = (self._held_by(metric_name, gone, value)
                    if latest and missing and gone is not None else {})
        with self._step(now) as step:
            self._state.corrected[observation_id] = (value, now.wall)
            if latest or index is None:
                self._trackers_before.pop(metric_name, None)   # its history is rewritten (below)
            if index is not None and gone is not None:
                rows.pop(index)   # it counts nowhere now: the correction stands for it
                baseline = self._state.baseline.get(metric_name)
                self._baseline_corrected(metric_name, gone, rows, index, value)
                records.extend(self._baseline_set(metric_name, baseline, now))
                if latest:
                    restored = metric_name in self._state.absence_restored
                    taken = _undone_by(self._fall_back(metric_name, rows, gone, now, missing),
                                       actor)
                    # The corrected measurement's value, of its time; its alarms are judged now.
                    self._remember(_standing_for(Reading(metric_name, value, m.unit, now.wall,
                                                         now.wall, MANUAL), gone),
                                   now, after_t0, gone.taken, gone.after_first_device,
                                   gone.placed)
                    if restored:
                        self._state.absence_restored.add(metric_name)
                    # Typed, as its tile says and a restart replays it: current 20 min for a
                    # sustained limit (a monitor's HR corrected to 125 never became the high
                    # ">120 for 5 min" live; fuzz_late seed 156).
                    taken.extend(self._evaluate(metric_name, value, now, source=MANUAL,
                                                missing=missing))
                    records.extend(_ended_because(taken, metric_name, why))
                    for condition in missing:
                        self.board.reword_corrected(condition, reworded.get(condition))
                else:
                    records.extend(self._take_back_latched(metric_name, gone, rows[index:], why,
                                                           now))
                    # An older row's correction changes no rule, so the trackers kept before
                    # each later value stand, as a restart's replay has them: dropped, a later
                    # value entered in error could not be taken back as if never come (a 200
                    # stayed "confirmed by a repeat reading" by it, its repeat never asked).
                    # A baseline it moved judges the standing value again: their history then
                    # is rewritten.
                    if self._state.baseline.get(metric_name) != baseline:
                        self._trackers_before.pop(metric_name, None)
                        records.extend(self._rejudge_standing(metric_name, now, missing))
            elif (older := self._alone_raised(metric_name, observation_id)) is not None:
                # A typed value no longer among the kept ones, every one of which came after it:
                # a latched alarm it alone raised ends all the same (a review: a SpO2 85 typed
                # for 95, corrected 25 s into a 1 Hz oximeter's 96, stayed latched to reset).
                records.extend(self._take_back_latched(metric_name, older, rows, why, now))
            records.extend(self._prompts(now))
            step.records.extend(records)
        if step.ids:
            self._measured_row[step.ids[0]] = self._measured_row.get(observation_id,
                                                                     observation_id)
        self._corrected_in_place(metric_name, step.ids[:1], after_t0, gone)
        if not latest:
            self._keep_in_place(metric_name, step.ids[:1], index)
        # The repeat a wrong value asked, once the correction stands in its place, as a restart's
        # replay withdraws it (`_replay_correction`): before, a typed 185 "corrected" to 185
        # after a 130 came lost its repeat live and kept it after a restart.
        with self._step(now) as step:
            self._withdraw_unasked_repeat(metric_name)
            step.records.extend(self._prompts(now))
        return Accepted(metric_name, value)

    def uncorrectable(self, observation_id: int, metric_name: str) -> str | None:
        """Why the logged value `observation_id` cannot be corrected, or None when it can.

        A value already corrected, or entered in error, counts nowhere: a correction of it was
        logged and counted nowhere either ("Corrected: SpO2 96 %" said, the first correction's
        95 kept). Refused rather than passed on to the newest correction: the log then holds at
        most one correction of a row, naming the row the nurse chose, and a restart replays it as
        it was taken live; a value entered in error has no correction to pass it on to."""
        m = metric(metric_name)
        if observation_id in self._state.voided:
            return (f"This {m.label} value was entered in error: it counts nowhere. Record the "
                    "right value as a new one.")
        if observation_id in self._state.other_channel:
            # Corrected, it had changed nothing live and become the standing value after a
            # restart, the judged probe's 85 and its high alarm put aside (a review).
            return (f"This {m.label} value came from the monitor's other channel, beside the one "
                    "judged (the worse of the two): it counts nowhere, so there is nothing of it "
                    "to correct or take back.")
        if observation_id in self._state.corrected:
            value, at = self._state.corrected[observation_id]
            return (f"This {m.label} value was corrected to {m.format(value)} {m.unit} at "
                    f"{at.astimezone():%H:%M:%S}: select that correction to correct it again.")
        return None

    def check_correction(self, observation_id: int, metric_name: str, value: float) -> Verdict:
        """What `correct` would answer for `value`, without writing: refused for a value that
        cannot be corrected (`uncorrectable`), checked as a typed value is, and a blood pressure
        half with the other half of its measurement by the form's pair rules (`check_bp`): a
        systolic 128 of 128/84 corrected to 70 was recorded as BP 70/84."""
        refused = self.uncorrectable(observation_id, metric_name)
        if refused is not None:
            return Rejected(metric_name, refused)
        verdict = check_number(metric(metric_name), value)
        other = {"bp_systolic": "bp_diastolic", "bp_diastolic": "bp_systolic"}.get(metric_name)
        if other is None or isinstance(verdict, Rejected):
            return verdict
        rows = self._state.rows
        # A typed BP is looked up among the typed values too, however many cuff readings came
        # since (a review: 128/84 corrected to 70 after 20 cuffs was recorded as BP 70/84).
        this = next((kept for row, kept in rows.get(metric_name, []) if row == observation_id),
                    self._state.typed.get(observation_id))
        pair = next((kept for kept in chain((kept for _, kept in reversed(rows.get(other, []))),
                                            self._typed_standing(other))
                     if this is not None and same_measurement(this, kept)), None)
        if pair is None:   # no other half measured with it: the value alone
            return verdict
        systolic, diastolic = ((value, pair.reading.value) if other == "bp_diastolic"
                               else (pair.reading.value, value))
        paired = check_bp(f"{systolic:.0f}/{diastolic:.0f}")
        wrong = next((v for v in paired if isinstance(v, Rejected)), None)
        if wrong is not None:
            return Rejected(metric_name, wrong.message)
        # The pulse pressure is asked as the form asks it: in one question with a half unusual
        # alone (140/90 with its diastolic corrected to 20 had been asked of the 20 only).
        question = pulse_pressure_question(systolic, diastolic)
        if question is not None:
            return NeedsConfirmation(metric_name, value, question)
        return verdict

    def _typed_standing(self, metric_name: str) -> Iterator[Latest]:
        """The typed values of `metric_name` that stand (neither corrected nor entered in
        error; a correction stands for its measurement), newest first."""
        for row, kept in reversed(self._state.typed.items()):
            if (kept.reading.metric == metric_name and row not in self._state.voided
                    and row not in self._state.corrected):
                yield kept

    def _keep_in_place(self, metric_name: str, ids: Sequence[int], index: int | None) -> None:
        """The correction of an older row takes that row's place among the values `void` can take
        back (`_keep_rows` added it as the newest), or none when the row was not among them: a
        later value stands, and taking that back must go back to the corrected value, never to
        the value it replaced nor to the correction as if it were newer."""
        rows = self._state.rows.get(metric_name, [])
        found = next((i for i, (row, _) in enumerate(rows) if ids and row == ids[0]), None)
        if found is None:
            return
        entry = rows.pop(found)
        if index is not None:
            rows.insert(index, entry)

    def void_refusal(self, observation_id: int, metric_name: str) -> str | None:
        """Why `void` would refuse to take the logged value `observation_id` back, or None when
        it would take it (nothing written): the rule `void` itself asks, so the Events tab can
        leave "Entered in error…" off for such a value instead of asking the nurse's reason
        and signature first (a review: a typed HR at a monitored chair leaves the last values
        in about 20 s of its 1 Hz monitor)."""
        m = metric(metric_name)
        # A value already taken back is said so, in the Events tab's words: "not one of the
        # recent values: correct it from the Events tab" sent the nurse to a Correct... that is
        # off for it, about the score she had just put right.
        taken_back = self.uncorrectable(observation_id, metric_name)
        if taken_back is not None:
            return taken_back
        if any(row == observation_id for row, _ in self._state.rows.get(metric_name, [])):
            return None
        # Named as the Events tab shows it, not by a row number (a review): what is taken
        # back with it (due checks counted, trackers) is kept for the last values only.
        typed = self._state.typed.get(observation_id)
        named = (f"{m.label} {m.format(typed.reading.value)} {m.unit} of "
                 f"{typed.reading.received_at.astimezone():%H:%M:%S}" if typed is not None
                 else f"This {m.label} value")
        return (f"{named} came before the last {KEEP_ROWS} {m.label} values: it can no longer "
                "be entered in error. Correct it (Correct…) with the value measured.")

    def void(self, observation_id: int, metric_name: str, actor: str, now: Moment,
             reason: str) -> Outcome:
        """A value entered in error with no right value to put in its place (a mis-click on a
        scale nobody had scored): an `entered_in_error` event names the row, and from then on
        the value counts nowhere. The vital's latest value goes back to the one before it (or
        to none), the alarms on it are evaluated again, a restart skips it, and the trends, the
        review and the reports leave it out. The row itself stays in the log (append-only).
        """
        m = metric(metric_name)
        if self._state.discharged:
            return Outcome(False, (ENDED,))
        if not reason.strip():
            return Outcome(False, (f"Say why the {m.label} value is entered in error.",))
        refused = self.void_refusal(observation_id, metric_name)
        if refused is not None:
            return Outcome(False, (refused,))
        rows = self._state.rows.get(metric_name, [])
        index = next(i for i, (row, _) in enumerate(rows) if row == observation_id)   # kept (above)
        # A vital missing now stays missing, as `correct` keeps it: taking a value back counts
        # none, also where the trackers before it are no longer kept (a correction of the vital
        # came since: the fallbacks below). An apnoea had ended "its value was entered in
        # error", unseen and unlatched (README: a vital that went missing stays missing).
        missing = frozenset(t.condition for t in self._trackers.values()
                            if t.metric == metric_name and t.absent)
        with self._step(now) as step:
            _, gone = rows.pop(index)
            revived = self._revive_superseded(rows, gone)
            self._state.voided.add(observation_id)
            detail: dict[str, Any] = {"observation": observation_id, "metric": metric_name,
                                      "value": gone.reading.value, "reason": reason.strip()}
            step.records.append(EventRecord(self.session_id, now.wall, "entered_in_error", actor,
                                            detail))
            why = f"its value was entered in error, by {actor}"
            latest = index == len(rows)
            previous = (self._forget_latest(metric_name, rows, gone, entered_in_error=True)
                        if latest else None)
            baseline = self._state.baseline.get(metric_name)
            unticked = self._untick_attested(metric_name, gone, rows[index:])
            if unticked:   # a restart takes them back too
                detail["unticked"] = unticked
            logged = self._state.t0 is not None and metric_name in self._state.baseline_logged
            fixed = self._state.t0 is not None and metric_name in self._state.baseline_fixed
            self._baseline_without(metric_name, gone, rows, index)
            standing = self._state.baseline.get(metric_name)
            after_t0 = standing is not None and metric_name not in self._state.baseline_logged
            # A restart fixes the baseline T0 logged, then reads this one in its place. Also
            # when the first value after T0 takes T0's place (`_logged_baseline_without`) at the
            # same value, marked as no logged one: a correction of it moves it then
            # (`_baseline_corrected`; diastolic baseline 100 live, 80 after a restart). And when
            # a plain value, which a restart skips (it redoes a correction's void,
            # `_replay_void`), moves a baseline fixed after T0: the one logged here before had
            # stood after a restart, none live.
            if (logged or (fixed and gone.measured is None)) and (
                    standing != baseline or (logged and after_t0)):
                detail["baseline"] = {metric_name: standing}
                if after_t0:
                    detail["baseline_after_t0"] = True
            step.records.extend(self._baseline_set(metric_name, baseline, now))
            self._uncount(metric_name, gone)
            if metric_name == "bp_systolic":   # "still rising" reads the values that stand
                # A late cuff (`superseded`) is never compared, unless it stands now (below).
                self._state.systolic_history = [kept.reading.value for _, kept in rows
                                                if AGE_UNKNOWN not in kept.reading.flags
                                                and (not kept.superseded
                                                     or kept is previous)][-3:]
            if not latest:   # a later value stands: a latched alarm this one raised ends
                step.records.extend(self._take_back_latched(metric_name, gone, rows[index:], why,
                                                            now))
            # With the cuffs `gone` had superseded, which stand now (`_revive_superseded`).
            later = rows[index if revived is None else min(index, revived):]
            if previous is not None and previous.superseded:
                # A late measurement (`_superseded`) stands now: judged as it arrived, as a
                # restart's replay, which skips `gone`, judges it.
                previous = replace(previous, superseded=False)
                rows[-1] = (rows[-1][0], previous)
                self._state.latest[metric_name] = previous
                later = [rows[-1]]
            self._note_correction_taken_back(metric_name, gone)
            unlike = self._corrected_unlike_a_replay(
                metric_name, rows, gone, self._state.corrections_taken_back.get(metric_name, ()))
            if unlike:
                # The trackers kept from `gone` on cannot be put back as a restart's replay
                # would have them: the fallbacks below, as when they are no longer kept.
                self._trackers_before[metric_name] = deque(
                    (entry for entry in self._trackers_before.get(metric_name, ())
                     if entry[0] < gone.at.mono), maxlen=KEEP_ROWS)
            rebuilt = self._as_if_never(metric_name, gone, later, now)
            # Not where a correction came since `gone` that a replay takes otherwise
            # (`_corrected_unlike_a_replay`): fed again in its row's place, it was judged anew.
            if rebuilt is None and later and not unlike:
                asked, before_asked = self._asked_the_repeat(metric_name, gone, later)
                if asked:
                    rebuilt = self._as_if_never(metric_name, gone, later, now, asker=True,
                                                before_asked=before_asked)
            reworded = rebuilt is not None   # `_as_if_never` words the alarms anew
            if rebuilt is None:
                # The trackers kept since `gone` came were fed it: put back later, they brought
                # back what it held (a correction to 112 entered in error, then the value after
                # it too: "Diastolic BP 112" raised live, none after a restart). Dropped, as
                # `correct` drops them; those kept before it stand.
                # A correction no tracker was fed (of an older row: kept from before it on,
                # none kept at it) leaves them: it fed none of them, as at a restart.
                kept = self._trackers_before.get(metric_name, ())
                if gone.measured is None or not any(entry[0] < gone.at.mono for entry in kept):
                    self._trackers_before[metric_name] = deque(
                        (entry for entry in kept if entry[0] < gone.at.mono), maxlen=KEEP_ROWS)
                if latest:   # too old to put back: the one before, fed now
                    rebuilt = self._feed_previous(metric_name, previous, now, missing=missing,
                                                  own_time=gone.measured is None)
                # A correction made while a later value stood changed no alarm rule (`correct`
                # judges only the latest), and a restart takes it back in its place, before the
                # values since (`_replay_void`): a repeat they left owed stays. Withdrawn here, a
                # 205's repeat went when the pre-dose systolic's correction was taken back after
                # an in-range 125 had cleared the rules (a differential fuzzer, seed 3962).
                if gone.measured is None or not any(kept.taken.mono < gone.at.mono
                                                    for _, kept in rows[index:]):
                    self._withdraw_unasked_repeat(metric_name)
            # Else `_as_if_never` put the repeat check back as it was before `gone` and let the
            # later values ask theirs, as a restart's replay (which skips `gone`) has it: a repeat
            # only `gone` asked is gone. Withdrawn as well when no tracker waits for it, a real
            # 185's repeat, with a 130 after it, went with a later typo live and stood after a
            # restart.
            else:
                # `gone` a correction (it stands for an earlier measurement): the repeat kept
                # with its trackers is the corrected value's, which `correct` withdrew after
                # them, and a restart withdraws it again (`_replay_void`). Put back, a typed
                # 185's repeat came back with its correction to 125 entered in error (a review).
                # `gone` the repeat of a value taken back before: the check it met, put back,
                # was asked by that value, which no longer stands; a restart never asked it
                # (a diastolic 112 entered in error, then its repeat 80: fuzzer seed 3906).
                self._withdraw_unasked_repeat(metric_name)
            if (rebuilt is None and not latest
                    and self._state.baseline.get(metric_name) != baseline):
                rebuilt = self._rejudge_standing(metric_name, now, missing)   # as `correct`
                if gone.measured is None:   # a correction's void is replayed in its place
                    self._rejudge_askers(metric_name)
            step.records.extend(_ended_because(_undone_by(rebuilt or [], actor), metric_name, why))
            if not reworded:
                step.records.extend(self._reword_without(metric_name, gone, now))
            if metric_name == "heart_rate":
                step.records.extend(self._pulse_without(gone, now))
            if metric_name in ("heart_rate", "pulse_rate"):
                # A heart rate put back as it was before `gone` may be one a pulse taken back
                # since had taken over.
                step.records.extend(self._heart_rate_without_pulse(now))
            step.records.extend(self._prompts(now))
        return Outcome(True)

    def _note_correction_taken_back(self, metric_name: str, gone: Latest) -> None:
        """`gone`, entered in error, is a correction: when its measurement came and when it
        was corrected, for `_corrected_unlike_a_replay`."""
        if gone.measured is not None:
            state = self._state
            state.corrections_taken_back[metric_name] = (
                *state.corrections_taken_back.get(metric_name, ()),
                (gone.measured.mono, gone.at.mono))

    def _corrected_unlike_a_replay(self, metric_name: str, rows: Sequence[tuple[int, Latest]],
                                   gone: Latest, taken_back: Sequence[tuple[float, float]]) -> bool:
        """`gone` (entered in error; `rows`: the vital's values without it) came between a
        measurement and a correction of it made later (one that stands, or `taken_back`: the
        measured and corrected times of those entered in error), and no value that stands
        did: a restart's replay, which skips `gone`, takes that correction as of the latest
        value (`_replay_correction`), not in the older row's place as `correct` took it live.
        The trackers kept before `gone` were fed the value corrected away: put back, a typed
        250 corrected to 150 under a cuff's 230 came back with the 230 taken back.
        So too when a later measurement was corrected in an older row's place: the replay fed
        its value as measured, and `_as_if_never` would feed the correction's (a systolic
        corrected to 214 asked a repeat no restart asked). Not a later measurement corrected
        while it was the latest value (no value that stands came between) to one that asks no
        repeat: the replay judges it as `_as_if_never` feeds it, in its row's place, its value
        ending the repeat rules' wait whatever the values before it held. Taken as unlike, a
        typed 199 entered in error after a cuff's 128 corrected to 138 left the repeat the 208
        after them asked timed from the 199, 3 s early live (a random walk)."""
        corrections = [kept for _, kept in rows if kept.measured is not None]
        if any(kept.taken.mono > gone.at.mono
               and not self._corrected_as_latest_asking_none(metric_name, rows, kept)
               for kept in corrections):
            return True
        spans = [*((kept.taken.mono, kept.at.mono) for kept in corrections), *taken_back]
        return any(measured < gone.at.mono < corrected
                   and not any(measured < other.taken.mono < corrected for _, other in rows)
                   for measured, corrected in spans)

    def _corrected_as_latest_asking_none(self, metric_name: str,
                                         rows: Sequence[tuple[int, Latest]],
                                         kept: Latest) -> bool:
        """`kept`, a correction, was made while its measurement was the vital's latest value
        (none of `rows` came between), and its value breaks no rule that asks a repeat."""
        if any(kept.taken.mono < other.taken.mono < kept.at.mono for _, other in rows):
            return False
        baseline = self._baseline_for(metric_name) if kept.after_t0 else None
        return not any(t.metric == metric_name and t.asks_repeat(kept.reading.value, baseline)
                       for t in self._trackers.values())

    def _revive_superseded(self, rows: list[tuple[int, Latest]], gone: Latest) -> int | None:
        """The late cuffs that came after `gone` (entered in error) and were history only
        because it stood (`_superseded`) stand as they would have, had it never come: as a
        restart's replay, which skips it, judges them (their alarms, their repeat, the due
        checks). Left history, a diastolic 121 measured before a typed 93 that was then entered
        in error asked no repeat live, and "Repeat Diastolic BP" after a restart (a review).
        `rows`: the vital's values without `gone`, marked again in place. Returns the first
        position revived, or None."""
        if not any(kept.superseded for _, kept in rows):
            return None
        order = sorted(range(len(rows)), key=lambda i: rows[i][1].taken.mono)
        if len(rows) + 1 >= KEEP_ROWS and rows[order[0]][1].taken.mono > gone.taken.mono:
            return None   # what stood before `gone` is no longer kept
        first: int | None = None
        standing: Latest | None = None
        for i in order:
            row_id, kept = rows[i]
            if (kept.superseded and kept.taken.mono > gone.taken.mono
                    and (standing is None or self._placed(kept) >= self._placed(standing))):
                kept = replace(kept, superseded=False)
                rows[i] = (row_id, kept)
                first = i if first is None else min(first, i)
            if not kept.superseded:
                standing = kept
        return first

    def _pulse_without(self, gone: Latest, now: Moment) -> list[Record]:
        """The pulse rate's rules as if the heart rate `gone` (entered in error) had never come,
        as a restart's replay has them: the pulse values that came after it, rested while it
        was current (`ecg_heart_rate_current`), are judged unless a heart rate that stands was
        current then (`_heart_rate_current_then`). Its trackers as they were before the first of
        them, fed them again in order, then the board now. Left rested, a pulse of 43 typed
        beside a monitor's heart rate that was an artefact alarmed after a restart, never live
        (a review)."""
        if gone.reading.source == MANUAL:
            return []   # a typed heart rate rests no pulse rule
        rows = self._state.rows.get("pulse_rate", [])
        later = [kept for _, kept in rows
                 if kept.at.mono >= gone.at.mono and not kept.superseded
                 and not kept.reading.is_demo_or_test and not is_cuff_pulse(kept.reading)]
        kept = _kept_for(self._trackers_before.get("pulse_rate", ()), later[0]) if later else None
        if kept is None:
            return []   # none came since, or a correction rewrote their history (`correct`)
        # Noted again as they are fed again (what a void of one of them puts back).
        self._trackers_before["pulse_rate"] = deque(
            (entry for entry in self._trackers_before["pulse_rate"]
             if entry[0] < later[0].at.mono), maxlen=KEEP_ROWS)
        for tracker in kept[0]:
            self._trackers[tracker.condition] = tracker.clone()
        for value in later:
            if self._heart_rate_current_then(value.at):   # rested, as the replay rests it
                self._note_trackers_before("pulse_rate", value.reading.value, value.at)
                for tracker in self._trackers.values():
                    if tracker.metric == "pulse_rate":
                        tracker.forget_values()
            else:
                self._replay_trackers(value.reading, value.at, after_t0=value.after_t0,
                                      live=True)
        out: list[Record] = []
        for tracker in kept[0]:
            current = self._trackers[tracker.condition]
            self._absence_time(current, self._state.device_state, self._state.connected_since,
                               now)
            out.extend(self.board.update(current.condition, PHYSIOLOGICAL, current.held(), now,
                                         latch=False))
        return out

    def _heart_rate_without_pulse(self, now: Moment) -> list[Record]:
        """After a pulse rate (or a heart rate) entered in error: the heart rate's last value
        counts again where only a pulse taken back had taken its watch over
        (`_ecg_taken_over`), as a restart's replay, which skips the pulse, never took it over.
        Left taken over, a monitor's "Heart rate 114" ended by a typed pulse of 86 stayed ended
        once that pulse was entered in error, and stood after a restart (a review)."""
        heart = self._state.latest.get("heart_rate")
        if heart is None or not any(t.metric == "heart_rate" and t.watched_by_another
                                    for t in self._trackers.values()):
            return []
        if self._pulse_watches_heart():
            return []   # a pulse that stands still watches the heart
        return self._feed_previous("heart_rate", heart, now, own_time=True,
                                   skip=frozenset(t.condition for t in self._trackers.values()
                                                  if t.metric == "heart_rate"
                                                  and not t.watched_by_another))

    def _heart_rate_current_then(self, at: Moment) -> bool:
        """`ecg_heart_rate_current` as of `at`, by the heart rate that stood then among those
        that stand now (a later one does not count back). A correction made after `at` had not
        replaced its value yet: the value it replaced stood then, of its own time and source, as
        a restart's replay (which takes the correction when it was made) has it. A monitor's
        ECG heart rate corrected after a typed pulse of 127 had let the pulse alarm live once
        the heart rates after it were entered in error, and rested it after a restart (a random
        walk). From the correction on, it is a typed value, which rests no pulse rule."""
        stood = (_stood_at(kept, at) for _, kept in self._state.rows.get("heart_rate", [])
                 if not kept.superseded)
        then = [kept for kept in stood if kept.at.mono <= at.mono]
        return bool(then) and _ecg_current(then[-1], at)

    def _untick_attested(self, metric_name: str, gone: Latest,
                         later: Sequence[tuple[int, Latest]]) -> list[dict[str, str]]:
        """Before T0, the pre-dose ticks that attested `gone` (entered in error; `later` the
        values after it that stand) are taken back: the item is open again, and a gate's vitals'
        baselines go back to the values that stand, unfixed, until it is ticked again. A gate
        tick on the value its baseline was taken from: a "Baseline BP below 140/90" ticked on
        the next chair's 138/88, both halves then entered in error, had let dosing start with no
        BP of this patient, and kept 138 as the baseline: a rise of 52 above the real 98 raised
        nothing (README: a value entered in error counts nowhere). And any item left with no
        value of what it attests (its `needs`, its gate's vitals: `_recorded`): "Baseline MOAA/S
        and dissociation (CADSS) scored" stood ticked with its only CADSS entered in error, and
        dosing started with no baseline score (a review). Returns the (phase, item) of each, for
        the log."""
        state = self._state
        if state.t0 is not None:
            return []
        gated = (metric_name in state.baseline_logged
                 and state.baseline.get(metric_name) == gone.reading.value
                 and self._set_logged_baseline(metric_name, gone, later))
        out = []
        for phase, item in self._pre_dose_items():
            tick = state.ticks.get((phase.id, item.id))
            if tick is None:
                continue
            by_gate = (gated and tick.mono >= gone.taken.mono
                       and any(name == metric_name for name, _ in item.gate))
            if by_gate or any(metric_name in names and not self._recorded(names)
                              for names in self._attested(item)):
                out.append({"phase": phase.id, "item": item.id})
                self._withdraw_tick(phase.id, item, metric_name, gone.reading.value)
        return out

    def _replay_untick(self, detail: Mapping[str, Any]) -> None:
        """The pre-dose ticks an `entered_in_error` event took back (`_untick_attested`), at a
        restart: open again, the baselines they fixed the values that stand (the replay)."""
        for taken in detail.get("unticked") or ():
            key = (str(taken.get("phase")), str(taken.get("item")))
            item = next((i for p, i in self._pre_dose_items() if (p.id, i.id) == key), None)
            if item is not None:
                self._withdraw_tick(key[0], item, str(detail.get("metric", "")),
                                    float(detail.get("value", 0)))

    def _withdraw_tick(self, phase_id: str, item: ChecklistItem, metric_name: str,
                       value: float) -> None:
        """The pre-dose tick of `item`, on `metric_name`'s `value` now entered in error, taken
        back (`_untick_attested`; a restart replays it): a gate's vitals' baselines are the
        values that stand again, by `_remember`'s rule."""
        state = self._state
        m = metric(metric_name)
        state.ticks.pop((phase_id, item.id), None)
        # "Dissociation (CADSS) 0", no "score": the review's `baseline_text` says it alike.
        state.unticked[(phase_id, item.id)] = (
            f"{item.text!r} was ticked on {m.label} {m.format(value)}{m.spoken_unit}, entered "
            "in error since: record the value again and tick it")
        for name, _ in item.gate:
            state.unfix_baseline(name)
            standing = state.latest.get(name)
            if standing is not None and _of_known_age(standing):   # as `_remember`
                state.baseline[name] = standing.reading.value

    def _withdraw_unasked_repeat(self, metric_name: str) -> None:
        """After a correction, or a value entered in error whose trackers before it are no
        longer kept (`void`; else `_as_if_never` puts the check back as it was): the repeat a
        wrong value asked for (a typed 250 asks to confirm it in 5 min) is withdrawn unless a
        value that still stands asks for it, so no "Repeat Systolic BP" prompt, and no medium
        alarm when it is overdue, follows a typing error that was already put right. A resume
        does the same (`resume`). A value that asked it and still stands keeps it, though a
        later in-range value cleared the rules (the repeat is owed till met): taking back the
        pre-dose BP withdrew a corrected 185's repeat live, kept after a restart (a differential
        fuzzer, seed 3962). So does a correction of it (the same measurement: its `taken` time)
        whose value still breaks the rule: a 185 corrected to 195 lost its repeat."""
        if any(t.metric == metric_name and t.confirm_pending for t in self._trackers.values()):
            return
        repeat = self.schedule.one_off(_repeat_check(metric_name))
        rows = self._state.rows.get(metric_name, ())
        standing = () if repeat is None else tuple(
            asked for asked in repeat.check.asked_by
            if any(self._still_asks(metric_name, kept, (asked,)) for _, kept in rows))
        if standing:
            # Timed from the first that stands: a typed 185 corrected to 120 had left the
            # repeat the 208 after it asked at the 185's time, 35 s early (a differential fuzzer).
            self.schedule.asked_by_standing(_repeat_check(metric_name), standing)
            return
        self.schedule.drop_one_off(_repeat_check(metric_name))

    def _rejudge_askers(self, metric_name: str) -> None:
        """A plain value entered in error moved the vital's baseline (`void`): the values after
        T0 that asked its "Repeat" check ask it only if they break the rule against the new
        baseline, as a restart's replay, which skips that value, judged them. Kept among the
        askers, a 165 that asked only as 45 above a baseline of 120 entered in error (150
        the baseline since) kept the repeat timed from it, minutes earlier than the 183's
        after a restart (a differential fuzzer)."""
        name = _repeat_check(metric_name)
        repeat = self.schedule.one_off(name)
        if repeat is None or not repeat.check.asked_by:
            return
        baseline = self._baseline_for(metric_name)
        trackers = [t for t in self._trackers.values() if t.metric == metric_name]
        rows = self._state.rows.get(metric_name, ())

        def still(asked: tuple[float, float]) -> bool:
            kept = next((kept for _, kept in rows
                         if any((at.mono, kept.reading.value) == asked
                                for at in (kept.at, kept.taken))), None)
            if kept is None or not kept.after_t0:
                return True   # judged before T0, or no longer kept: as it was asked
            return any(t.asks_repeat(kept.reading.value, baseline) for t in trackers)

        standing = tuple(asked for asked in repeat.check.asked_by if still(asked))
        if standing == repeat.check.asked_by:
            return
        if standing:
            self.schedule.asked_by_standing(name, standing)
        elif not any(t.confirm_pending for t in trackers):
            self.schedule.drop_one_off(name)

    def _still_asks(self, metric_name: str, kept: Latest,
                    asked_by: tuple[tuple[float, float], ...]) -> bool:
        """`kept` is a value that asked a repeat (`asked_by`: mono time and value), or a
        correction of one whose value asks it too (the trackers judge it as `on_value` would)."""
        value = kept.reading.value
        if any((at.mono, value) in asked_by for at in (kept.at, kept.taken)):
            return True
        if kept.measured is None or not any(mono == kept.taken.mono for mono, _ in asked_by):
            return False
        baseline = self._baseline_for(metric_name) if kept.after_t0 else None
        return any(t.metric == metric_name and t.asks_repeat(value, baseline)
                   for t in self._trackers.values())

    def _fall_back(self, metric_name: str, rows: list[tuple[int, Latest]], gone: Latest,
                   now: Moment, missing: frozenset[str] = frozenset()) -> list[Record]:
        """The vital as if its latest value (`gone`, taken back: entered in error or corrected)
        had never come. An alarm that value raised ends rather than latching, and an escalation
        it made is undone (latch False): a mis-clicked MOAA/S 1, taken back at once, left a
        latched high alarm to reset (a walk on X); no excursion happened, and the nurse knows.
        `rows`: the vital's values without `gone`; `missing`: conditions left as they are, their
        vital missing (`correct` judges them with the corrected value)."""
        return self._feed_previous(metric_name, self._forget_latest(metric_name, rows, gone), now,
                                   missing)

    def _feed_previous(self, metric_name: str, previous: Latest | None, now: Moment,
                       skip: frozenset[str] = frozenset(),
                       missing: frozenset[str] = frozenset(),
                       own_time: bool = False) -> list[Record]:
        """The vital's trackers fed `previous` (the value that stands again) now, or emptied
        when none stands; an alarm the taken-back value raised ends rather than latching. The
        conditions in `skip` are left as they are; those in `missing` (their vital missing, and
        it stays so: `void`) have their absence judged again (`_evaluate`), or are left as they
        are when no value stands. `own_time`: judged as the measurement of its time, no new
        one (a plain value entered in error, which a restart's replay skips: the value before
        it stands as it was judged). Judged as taken now, a systolic 185 stood again 5 min
        after it was taken and confirmed itself: "(confirmed by a repeat reading)", high live,
        medium after a restart (a review)."""
        if previous is not None:
            return self._evaluate(metric_name, previous.reading.value, now, latch=False,
                                  source=previous.reading.source,
                                  taken=previous.at.mono if own_time else None,
                                  mark=beyond_mark(previous.reading.flags), missing=missing,
                                  skip=skip)
        out: list[Record] = []
        for tracker in self._trackers.values():
            if tracker.metric == metric_name and tracker.condition not in skip | missing:
                tracker.forget_values()
                out.extend(self.board.update(tracker.condition, PHYSIOLOGICAL, tracker.held(), now,
                                             latch=False))
        return out

    def _as_if_never(self, metric_name: str, gone: Latest, later: Sequence[tuple[int, Latest]],
                     now: Moment, asker: bool = False,
                     before_asked: Counted | None = None) -> list[Record] | None:
        """The vital's trackers as if `gone` (entered in error) had never come, as a restart's
        replay has them (it skips such a value): as they were before it, then fed the values
        that came after it and stand (`later`), each at its own time; then the board at `now`
        (an alarm `gone` raised ends rather than latching). Fed the value before it at the
        void's time instead, a typed 100 voided in a run of HR 125 restarted the "above 120
        for 5 min" count, and a wrong BP voided between a systolic 185 and its repeat restarted
        the repeat's 5 minutes: medium live, high after a restart (R10). None when the
        trackers before `gone` are no longer kept, or a correction of the vital came since (a
        restart's replay then takes the correction as the latest value's: `correct` forgets
        them). `asker`: `gone` asked its vital's repeat and the trackers before it are no longer
        kept: they are taken as none of its values had come, the repeat as it was before `gone`
        asked it (`before_asked`; `_asked_the_repeat`)."""
        kept = _kept_for(self._trackers_before.get(metric_name, ()), gone)
        if kept is None and asker:
            kept = (self._trackers_anew(metric_name), before_asked)
        if kept is None:
            return None
        before, repeat = kept
        # A vital missing now stays missing: no value is counted by taking one back, and the
        # replay below feeds none after its absence began (a value would have ended it).
        missing = {t.condition for t in before if self._trackers[t.condition].absent}
        for tracker in before:
            self._trackers[tracker.condition] = tracker.clone()
        # The repeat check as it was before `gone` too, then counted and asked by the later
        # values as a restart's replay does: `add_one_off` keeps a check already asked, and a
        # repeat asked by a typed systolic 185 taken back stayed timed from it, though the real
        # 182 after it had asked its own (review 44).
        name = _repeat_check(metric_name)
        put_back = self._repeat_before(metric_name, gone, repeat)
        # A value that stands again waits for it (`confirm_pending`): owed, as a restart's
        # replay keeps it (`_withdraw_unasked_repeat`). A 181 standing again once the 166
        # after it was taken back lost its repeat live, the 214 that had asked it corrected.
        waits = gone.measured is None and any(t.confirm_pending for t in before)
        if put_back is not None and put_back.check.asked_by and not waits and not any(
                self._still_asks(metric_name, kept, put_back.check.asked_by)
                for _, kept in self._state.rows.get(metric_name, ())):
            # Asked only by values that no longer stand (a 194 whose correction is `gone`, which
            # takes the measurement with it): a restart's replay has it withdrawn, and the values
            # since ask their own. Put back, a late cuff's 197 was asked to repeat from the 194's
            # time, 5 min early (a review).
            put_back = None
        self.schedule.put_back_one_off(name, put_back)
        t0 = self._state.t0
        # T0 came after `gone`: the replay judges the value standing then at T0, in its place
        # among the later values, as live and a restart's replay do (`_standing_at_t0`).
        judged_at_t0 = t0 is None or gone.after_t0
        # What `gone` held, and what the values that stand held, in order (`AlarmBoard.reword`).
        taken_back = self._held_by(metric_name, gone)
        rows = self._state.rows.get(metric_name, [])
        words: dict[str, list[tuple[float, Raise]]] = {t.condition: [] for t in before}
        for _, value in rows[:len(rows) - len(later)]:
            for condition, held in self._held_by(metric_name, value).items():
                if held is not None and condition in words:
                    words[condition].append((value.at.mono, held))
        if len(rows) > len(later):
            # The trackers before `gone` hold the last value that stands before it, also where
            # `_held_by` no longer finds it (a correction rewrote the trackers kept, feeding
            # that value again): a correction entered in error while SpO2 was missing left the
            # alarm reading its 90, a restart the 88 standing again (a random walk). What that
            # value holds, also where its vital went missing since (the absence holds now): an
            # SpO2 84 entered in error after 30 s of silence had stayed the alarm's words live,
            # the 89 before it after a restart (a random walk).
            last = rows[len(rows) - len(later) - 1][1].at.mono
            for tracker in before:
                if (held := tracker.value_held) is not None and held.value is not None:
                    words[tracker.condition].append((last, held))

        def note_words(at: Moment) -> None:
            for condition, noted in words.items():
                if (held := self._trackers[condition].held()) is not None:
                    noted.append((at.mono, held))

        standing: Latest | None = None
        for _, value in later:
            if value.superseded:
                continue   # never judged, live or replayed (`_accept`)
            if not judged_at_t0 and t0 is not None and value.after_t0:
                self._judge_at_t0(metric_name, standing, t0)
                judged_at_t0 = True
            if not value.reading.is_demo_or_test:
                if counts_for_checks(value.reading.flags):   # as `on_reading` counted it
                    self.schedule.count_for_one_off(name, metric_name,
                                                    self._counts_from(value))
                # By the heart rate that stood then: by the newest, a pulse of 112 fed again
                # after an older pulse was entered in error rested under a monitor's heart rate
                # that came after it, its alarm gone live and standing after a restart (a
                # review).
                self._replay_trackers(value.reading, value.at, after_t0=value.after_t0,
                                      live=True)
                standing = value
                note_words(value.at)
        if not judged_at_t0 and t0 is not None:
            self._judge_at_t0(metric_name, standing, t0)
            note_words(t0)
        out: list[Record] = []
        for tracker in before:
            current = self._trackers[tracker.condition]
            carried = current.condition in missing
            self._absence_time(current, self._state.device_state, self._state.connected_since,
                               now, missing=carried)
            # The absence that stands is no value taken back: an escalation it made stays (an
            # unseen RR 11 escalated by the apnoea went back to "RR 11" till the next tick).
            out.extend(self.board.update(current.condition, PHYSIOLOGICAL, current.held(), now,
                                         latch=carried))
            # Logged when it words the alarm anew (`AlarmBoard.reword`): a restart reads the
            # words from the log, the value taken back skipped by its replay.
            out.extend(self.board.reword(current.condition, taken_back.get(current.condition),
                                         words[current.condition], now))
        return out

    def _asked_the_repeat(self, metric_name: str, gone: Latest,
                          later: Sequence[tuple[int, Latest]]) -> tuple[bool, Counted | None]:
        """`gone` (a plain value entered in error) asked its vital's "Repeat" check, still owed
        or met since by a value that stands (`later`); with the check as it was before `gone`
        asked it when met (asked by values before it; None when `gone` asked it first). Its
        rule did not hold for the value before it (that value would have asked), so the
        trackers before it are as if the vital had no value (`_trackers_anew`): fed the values
        after it, as a restart's replay (which skips it) feeds them, the first of them that
        breaks the rule asks the repeat. Left to the fallbacks (`void`), the rule's pending
        confirmation kept the repeat timed from the typo: prompted a minute early live, timed
        from the 190 typed a minute after it after a restart (a differential fuzzer). A
        correction entered in error takes the value it corrected with it (a replay skips
        both): the same, else the repeat stayed timed from them, up to a minute early live.
        Met since, the value that met it stayed "confirmed by a repeat reading" by `gone` alone
        once a correction of the baseline had left no trackers before `gone` (a review; README:
        a value entered in error counts nowhere): a restart's replay asks its own repeat."""
        name = _repeat_check(metric_name)
        asked = (gone.at.mono, gone.reading.value)
        owed = self.schedule.one_off(name)
        if owed is not None and asked in owed.check.asked_by:
            return True, None
        # A correction since `gone` entered in error: the replay fed the measurement it stood
        # for in its place (`_replay_void`), which `later` no longer holds; fed without it, a
        # 130 that had ended the run was skipped and the 190 after it stayed "confirmed by a
        # repeat reading" by the 186 before it, its own repeat withdrawn (a review).
        if any(measured > gone.at.mono
               for measured, _ in self._state.corrections_taken_back.get(metric_name, ())):
            return False, None
        met = (c for _, kept in later
               for c in (self._counted_entry(kept) or (0.0, 0.0, ()))[2] if c.check.name == name)
        repeat = next((c for c in met if asked in c.check.asked_by), None)
        if repeat is None:
            return False, None
        earlier = repeat.check.asked_by[:repeat.check.asked_by.index(asked)]
        if not earlier:
            return True, None
        return True, Counted(replace(repeat.check, asked_by=earlier,
                                     seen=dict(repeat.check.seen)))

    def _reword_without(self, metric_name: str, gone: Latest, now: Moment) -> list[Record]:
        """`void`'s fallbacks (the trackers before `gone` no longer kept): an alarm that still
        reads `gone` (entered in error) reads the last value that stands at its priority since
        it was raised, or, none known, its vital's absence (`AlarmBoard.reword`). What each
        value holds is judged alone, by trackers with no value before it: a limit's words need
        none (a sustained or confirmed one's differ, and are not found). Left alone, an SpO2 88
        entered in error after the 90 before it was corrected to 97 went on naming the 88 live,
        the 90 corrected away after a restart; an SpO2 84 that raised the alarm anew after 30 s
        without SpO2, entered in error, went on naming the 84 live, after a restart the 90 of
        the latched alarm it had ended (a random walk)."""
        def alone(value: Latest) -> dict[str, Raise | None]:
            baseline = (self._state.baseline.get(metric_name)
                        if self._state.t0 is not None and value.after_t0 else None)
            held: dict[str, Raise | None] = {}
            for tracker in self._trackers_anew(metric_name):
                tracker.on_value(value.reading.value, baseline, value.at, value.reading.source,
                                 mark=beyond_mark(value.reading.flags))
                held[tracker.condition] = tracker.value_held
            return held

        standing: dict[str, list[tuple[float, Raise]]] = {}
        for _, kept in sorted(self._state.rows.get(metric_name, []),
                              key=lambda row: row[1].at.mono):
            if kept.superseded or kept.reading.is_demo_or_test:
                continue
            for condition, held in alone(kept).items():
                if held is not None:
                    standing.setdefault(condition, []).append((kept.at.mono, held))
        out: list[Record] = []
        for condition, held in alone(gone).items():
            out.extend(self.board.reword(condition, held, standing.get(condition, ()), now))
        return out

    def _trackers_anew(self, metric_name: str) -> tuple[ConditionTracker, ...]:
        """The vital's trackers with no value judged (a vital gone missing stays so)."""
        trackers = tuple(t.clone() for t in self._trackers.values() if t.metric == metric_name)
        for tracker in trackers:
            tracker.forget_values()
        return trackers

    def _held_by(self, metric_name: str, value: Latest,
                 corrected: float | None = None) -> dict[str, Raise | None]:
        """What `value` held, per condition of its vital: fed to copies of its trackers as they
        were before it (kept for `void`); {} when they are no longer kept. `corrected`: what
        its correction to that value, typed, would have held in its place."""
        kept = _kept_for(self._trackers_before.get(metric_name, ()), value)
        if kept is None:
            return {}
        baseline = (self._state.baseline.get(metric_name)
                    if self._state.t0 is not None and value.after_t0 else None)
        held: dict[str, Raise | None] = {}
        for tracker in kept[0]:
            twin = tracker.clone()
            if corrected is not None:
                twin.on_value(corrected, baseline, value.at, MANUAL)
            else:
                twin.on_value(value.reading.value, baseline, value.at, value.reading.source,
                              mark=beyond_mark(value.reading.flags))
            held[twin.condition] = twin.held()
        return held

    def _repeat_before(self, metric_name: str, gone: Latest,
                       kept: Counted | None) -> Counted | None:
        """The vital's "Repeat" check as it was before `gone` came: as `gone`'s count left it
        (`kept`), unless `gone` itself counted for it (met it): then as it was before that. A
        correction as the measurement it stands for (`_counted_entry`): a 185's repeat met by
        a 150 whose correction was then entered in error had come back timed from the
        correction, 5 min later than the restart's, owed since the 185's."""
        entry = self._counted_entry(gone)
        counted = entry[2] if entry is not None else ()
        name = _repeat_check(metric_name)
        return next((c for c in counted if c.check.name == name), kept)

    def _baseline_without(self, name: str, gone: Latest, rows: Sequence[tuple[int, Latest]],
                          index: int) -> None:
        """The vital's baseline as if `gone` (entered in error; `rows` the values that stand,
        `index` where it was among them) had never come, by `_remember`'s rule as a restart
        replays it: the last value before T0, else the first after it. A baseline logged (the
        gate's tick, T0) moves only when `gone` is the value it was taken from
        (`_untick_attested`, `_logged_baseline_without`). A mis-typed CADSS 40 voided before
        the dose stayed the baseline, logged at T0, and a patient still dissociated at 40
        passed "back near baseline" at discharge."""
        state = self._state
        if state.baseline.get(name) != gone.reading.value:
            return
        t0 = state.t0

        def before_t0(value: Latest) -> bool:
            return t0 is None or not value.after_t0

        # In the order they came, as the replay takes them: a late cuff measured before `gone`
        # that came after it (`_revive_superseded`) is a value after it, and one still history
        # (`_superseded`) set no baseline. By place, such a cuff 172 measured before T0, come
        # after the first BP after T0, kept that BP (135, entered in error) the baseline; a
        # restart took the cuff (a review).
        came_before = [(v.taken.mono, i) < (gone.taken.mono, index)
                       for i, (_, v) in enumerate(rows)]
        earlier = [v for (_, v), b in zip(rows, came_before, strict=True)
                   if b and not v.superseded]
        later = [v for (_, v), b in zip(rows, came_before, strict=True)
                 if not b and not v.superseded]
        if name in state.baseline_logged:
            self._logged_baseline_without(name, gone, rows, index)
            return
        # A BP of unknown age is no baseline (`_remember`): the monitor's screen BP at connect
        # had become it live once the typed BP after it was entered in error, never after a
        # restart (README: an NIBP of unknown age "is no baseline").
        known = [v for v in earlier if _of_known_age(v)]
        later_known = [v for v in later if _of_known_age(v)]
        if before_t0(gone):
            if any(before_t0(v) for v in later_known):
                return   # a later value before T0 is the baseline
            if len(rows) + 1 >= KEEP_ROWS and not any(before_t0(v) for v in earlier):
                return   # the value before it is no longer kept: left as it is
            standing = [v for v in known if before_t0(v)]
        elif any(not before_t0(v) for v in known) or name not in state.baseline_fixed:
            return   # not the first value after T0: not the one that set the baseline
        else:
            standing = []
        if standing:
            state.baseline[name] = standing[-1].reading.value
            return
        first_after = next((v for v in later_known if not before_t0(v)), None)
        if first_after is not None:
            state.baseline[name] = first_after.reading.value
            state.baseline_fixed.add(name)
        else:
            state.baseline.pop(name, None)
            state.baseline_fixed.discard(name)

    def _logged_baseline_without(self, name: str, gone: Latest,
                                 rows: Sequence[tuple[int, Latest]], index: int) -> None:
        """`_baseline_without` of a baseline logged at T0 (before T0 a gate tick's is taken
        back with the tick, `_untick_attested`): when `gone` is the value it was taken from
        (`_set_logged_baseline`), it goes back to the value that stands, the last before T0
        (one the gate's tick could have seen first), else the first after T0, else none; fixed
        as T0 fixed it. Kept, the limits judged the patient against a value that counts nowhere
        (README: a value entered in error counts nowhere, the baseline goes back to the value
        that stands). One taken after T0 is `_remember`'s, moved by `_baseline_without`."""
        state = self._state
        if state.t0 is None or gone.after_t0 or not self._set_logged_baseline(
                name, gone, rows[index:]):
            return
        if index == 0 and len(rows) + 1 >= KEEP_ROWS:
            return   # the values before it are no longer kept: left as it is
        # A BP of unknown age is no baseline (`_remember`, `_baseline_without`).
        earlier = [v for _, v in rows[:index] if _of_known_age(v)]
        before = [v for _, v in rows if not v.after_t0 and _of_known_age(v)]
        after = [v for _, v in rows if v.after_t0 and _of_known_age(v)]
        standing = earlier[-1] if earlier else before[-1] if before else None
        if standing is not None:
            state.baseline[name] = standing.reading.value
        elif after:
            state.baseline[name] = after[0].reading.value   # as one with no baseline at T0
            state.baseline_logged.discard(name)
        else:
            state.unfix_baseline(name)

    def _baseline_corrected(self, name: str, gone: Latest, rows: Sequence[tuple[int, Latest]],
                            index: int, value: float) -> None:
        """The vital's baseline moved to `value` when `gone` (corrected; `rows` the values that
        stand without it, `index` where it was among them) set it: the first value after T0
        with none at T0 (`_remember`), or the one a logged baseline (the gate's tick, T0) was
        taken from (`_set_logged_baseline`). A typed 210 for the cuff's 128, corrected, had
        stayed the baseline, live and after a restart: the limit at 250, not 168, and a real
        rise to 170 raised nothing. A correction is no later reading: what the gate's tick
        fixed was this measurement, its right value now known. A value before T0 that set no
        logged baseline moves it by `_remember`'s rule (the latest value before T0)."""
        state = self._state
        if state.baseline.get(name) != gone.reading.value:
            return
        if name in state.baseline_logged:
            if not self._set_logged_baseline(name, gone, rows[index:]):
                return
        elif name not in state.baseline_fixed or state.t0 is None or not gone.after_t0:
            return
        else:
            earlier = [v for _, v in rows[:index]]
            if any(v.after_t0 for v in earlier):
                return   # not the first value after T0: not the one that set the baseline
            if not earlier and len(rows) + 1 >= KEEP_ROWS:
                return   # the values before it are no longer kept: left as it is
        state.baseline[name] = value

    def _standing_for_baseline(self, name: str) -> Latest | None:
        """The vital's latest value when its baseline judges it: taken after T0, or standing at
        T0 (`_standing_at_t0`); None before T0 or for a vital with no baseline limit."""
        latest = self._state.latest.get(name)
        t0 = self._state.t0
        if (latest is None or t0 is None or not self._state.t0_reached
                or name not in self._baseline_metrics):
            return None
        return latest if latest.after_t0 or _stands_at_t0(latest.reading, t0) else None

    def _rejudge_standing(self, name: str, now: Moment,
                          missing: frozenset[str] = frozenset()) -> list[Record]:
        """A correction moved `name`'s baseline: its standing value is judged again against
        the new one, at once (as taken: never its own repeat). Baseline typed 130 for the
        cuff's 100 and corrected, the standing 150 raised nothing until the next cuff, 10-15
        min later (a review). Not latched: an alarm only the wrong baseline held never was.
        `missing`: conditions whose vital is missing and stays so (`_evaluate`)."""
        standing = self._standing_for_baseline(name)
        if standing is None:
            return []
        return self._evaluate(name, standing.reading.value, now, latch=False,
                              source=standing.reading.source, taken=standing.taken.mono,
                              mark=beyond_mark(standing.reading.flags), missing=missing)

    def _set_logged_baseline(self, name: str, gone: Latest,
                             later: Sequence[tuple[int, Latest]]) -> bool:
        """`gone` is the value a logged baseline was taken from: the latest before T0 (or, for
        a gated vital, before the gate's tick that fixed it) of those that stand, `later` the
        ones after it. Ordered by the monotonic clock (a correction by its measurement's):
        after NTP set the clock back between the BP and the tick, the BP's wall time read as
        after the tick, and its correction left the baseline as it was (review 46)."""
        ticked = [self._state.ticks[(p.id, i.id)].mono for p in self.protocol.phases
                  for i in p.checklist if (p.id, i.id) in self._state.ticks
                  if any(gated == name for gated, _ in i.gate)]
        tick = max(ticked, default=None)

        def set_it(value: Latest) -> bool:
            return not value.after_t0 and (tick is None or value.taken.mono <= tick)

        return set_it(gone) and not any(set_it(v) for _, v in later)

    def _note_counted(self, reading: Reading, at: Moment, counted: tuple[Counted, ...]) -> None:
        if counted:
            self._counted_for.setdefault(reading.metric, deque(maxlen=KEEP_ROWS)).append(
                (at.mono, reading.value, counted))

    def _uncount(self, metric_name: str, gone: Latest) -> None:
        """The due checks `gone` (entered in error) counted for are owed again, as a restart
        has them (its replay skips the value): a voided T+10 heart rate left no prompt and the
        next check at T+20 live, and "Vitals due" at once after a restart. Also after a phase
        change since it came: the checks it met are carried over as the replay carries them
        (`Schedule.take_back_value`; a T+40 SpO2 entered in error once Observation had begun
        had left the infusion's T+40 check met live, owed and overdue after a restart). It no
        longer counts as taken recently for a new phase's first check either (a BP of the
        infusion's end taken back after it stood for the observation's T+45 slot, where a
        restart, which skips it, asked it). A correction takes the measurement it stands for
        with it (`Latest.taken`), as a restart's replay leaves the corrected row uncounted
        (`resume`): esketamine's "BP at T+40" had stayed done, nothing asked, once the corrected
        systolic of its BP was entered in error (README: "a correction taken back included")."""
        # As `on_reading` counted it (`_counts_from`): a correction as the measurement it
        # corrects (`_counted_entry`).
        entry = self._counted_entry(gone)
        counted = entry[2] if entry is not None else ()
        # Each counted as `on_reading` counted it (`_counts_from`), in the order they came, as a
        # restart's replay counts them. A correction counts as the measurement it stands for
        # (`Latest.taken`); at its own time, a heart rate of T0 corrected at T+8 met "BP and
        # HR" live once the diastolic of T+8 was taken back.
        # Values of one moment in the order the log has them (a correction at its measurement's
        # place): by vital, the monitor's SpO2 and RR of the message that brought the heart rate
        # which met "Vitals and sedation" were counted before it, for the slot it met; the
        # replay counts them after it, for the next slot, and asked only MOAA/S there (a review).
        came = [kept for _, kept in sorted(
            ((row, kept) for rows in self._state.rows.values() for row, kept in rows
             if kept.taken.mono >= gone.taken.mono and not kept.reading.is_demo_or_test
             and not kept.superseded and counts_for_checks(kept.reading.flags)),
            key=lambda entry: (entry[1].taken.mono, self._measured_row.get(entry[0], entry[0])))]
        recounted = self.schedule.take_back_value(
            (metric_name, self._counts_from(gone).mono), gone.taken.mono, counted,
            [(kept.taken.mono, kept.reading.metric, self._counts_from(kept)) for kept in came])
        for index, again in recounted.items():
            self._recount(came[index], again)

    def _recount(self, kept: Latest, again: Recounted) -> None:
        """What `kept` gives back, entered in error later (`_counted_for`), after a take-back
        passed its checks again (`Schedule.take_back_value`): those it counted for as they are
        now, not as they were (put back, they undid the take-back). A correction as the
        measurement it stands for (`_counted_entry`)."""
        entries = self._counted_for.get(kept.reading.metric, ())
        entry = self._counted_entry(kept)
        before = entry[2] if entry is not None else ()
        counted = (*(c for c in before if c.check.name not in again.checks), *again.counted)
        if counted != before:
            key = entry[:2] if entry is not None else (kept.taken.mono, kept.reading.value)
            others = [e for e in entries if e is not entry]
            self._counted_for[kept.reading.metric] = deque(
                sorted([*others, (*key, counted)], key=lambda e: e[0]), maxlen=KEEP_ROWS)

    def _counted_entry(self, kept: Latest) -> tuple[float, float, tuple[Counted, ...]] | None:
        """`_counted_for`'s entry of the measurement `kept` stands for, or None: its own (its
        time and value), or for a correction the corrected value's, found by its time
        (`Latest.taken`): a correction is counted as that measurement, never at its own time
        (`on_reading` is not given it, live or in a restart's replay)."""
        entries = self._counted_for.get(kept.reading.metric, ())
        if kept.measured is None:
            key = (kept.at.mono, kept.reading.value)
            return next((e for e in reversed(entries) if (e[0], e[1]) == key), None)
        return next((e for e in reversed(entries) if e[0] == kept.measured.mono), None)

    def _note_trackers_before(self, name: str, value: float, at: Moment) -> None:
        """Keep the vital's trackers, and its "Repeat" check, as they are before `value` is fed
        to them (`_as_if_never`)."""
        trackers = tuple(t.clone() for t in self._trackers.values() if t.metric == name)
        if trackers:
            self._trackers_before.setdefault(name, deque(maxlen=KEEP_ROWS)).append(
                (at.mono, value, (trackers, self.schedule.one_off(_repeat_check(name)))))

    def _take_back_latched(self, metric_name: str, gone: Latest,
                           later: Sequence[tuple[int, Latest]], why: str,
                           now: Moment) -> list[Record]:
        """An older value taken back while a later one stands: a latched alarm it raised (in its
        own step, at its value) ends, saying `why`, when no later value held it (none has its
        value): a typed 85 for 95 whose alarm a later 96 had latched left an alarm to reset
        for a value never measured. An alarm a later value holds, or held before it ended (its
        value is that one's), stays: that excursion happened."""
        value = gone.reading.value
        if any(kept.reading.value == value for _, kept in later):
            return []
        conditions = {t.condition for t in self._trackers.values() if t.metric == metric_name}
        out: list[Record] = []
        for o in self.board.occurrences():
            if (o.state is AlarmState.LATCHED and o.condition in conditions and o.value == value
                    and abs(o.raised_at.mono - gone.at.mono) <= SAME_STEP_SECONDS):
                out.extend(self.board.take_back_latched(o.id, now, why))
        return out

    def _forget_latest(self, metric_name: str, rows: list[tuple[int, Latest]],
                       gone: Latest, entered_in_error: bool = False) -> Latest | None:
        """The latest value goes back to the one that stood before `gone` (returned), or to
        none; `gone` leaves the systolic history the "still rising" check reads, as a restart
        leaves it out (a typed 100 corrected to 150 after a 145 had read "still rising: 100 →
        150"). A late cuff kept just before `gone` (`superseded`) never stood: `gone` corrected,
        its measurement stands still, so the cuff stays history (taken as the value before, a
        cuff 205 of 0:41 superseded by a typed 120 of 1:00 sounded a latched "Systolic BP 205"
        when the 120 was corrected to 118: a review). `entered_in_error`: the measurement went
        with `gone`, so the row before it is returned as it is; `void` lets such a cuff stand,
        as a restart's replay, which skips `gone`, judges it."""
        history = self._state.systolic_history
        if metric_name == "bp_systolic" and history and history[-1] == gone.reading.value:
            history.pop()
        stood = [kept for _, kept in rows if entered_in_error or not kept.superseded]
        if stood:
            self._state.latest[metric_name] = stood[-1]
            return stood[-1]
        self._state.latest.pop(metric_name, None)
        return None

    def _replay_correction(self, obs: ObservationRecord, reading: Reading, row_id: int,
                           at: Moment) -> None:
        """A logged correction, replayed at a restart as `correct` took it live: of the vital's
        latest value, the replaced value is taken back (its trackers fed the value before it)
        and the corrected one taken; of an older row, it only takes that row's place. Either
        way a baseline the corrected row set moves to the corrected value. Never a new
        measurement for the due checks."""
        rows = self._state.rows.setdefault(obs.metric, [])
        index = next((i for i, (row, _) in enumerate(rows) if row == obs.corrects), None)
        latest = index is not None and index == len(rows) - 1
        after_t0 = rows[index][1].after_t0 if index is not None else self._state.t0_reached
        if latest or index is None:
            self._trackers_before.pop(obs.metric, None)   # as `correct`
        if obs.corrects is not None:   # `correct` refuses it again, as live
            self._state.corrected[obs.corrects] = (obs.value, obs.received_at)
            self._measured_row[row_id] = self._measured_row.get(obs.corrects, obs.corrects)
        if index is not None:
            _, gone = rows.pop(index)
            baseline = self._state.baseline.get(obs.metric)
            self._baseline_corrected(obs.metric, gone, rows, index, obs.value)   # as `correct`
            if not latest:
                rows.insert(index, (row_id, Latest(_standing_for(reading, gone), at, after_t0,
                                                   gone.taken, gone.after_first_device,
                                                   placed=gone.placed, replaced=gone)))
                standing = self._standing_for_baseline(obs.metric)
                if self._state.baseline.get(obs.metric) != baseline:
                    self._trackers_before.pop(obs.metric, None)   # as `correct`
                if standing is not None and self._state.baseline.get(obs.metric) != baseline:
                    self._replay_trackers(standing.reading, at, at_t0=not standing.after_t0,
                                          after_t0=standing.after_t0,
                                          taken=standing.taken.mono)   # as `correct`
            else:
                self._replay_fall_back(obs.metric, rows, gone, at)
                self._remember_row(row_id, obs, at)
                self._corrected_in_place(obs.metric, [row_id], after_t0, gone)
                self._remember(_standing_for(reading, gone), at, after_t0, gone.taken,
                               gone.after_first_device, gone.placed)
                self._replay_trackers(reading, at)
        self._withdraw_unasked_repeat(obs.metric)

    def _replay_void(self, metric_name: str, row_id: int, at: Moment) -> None:
        """A replayed row entered in error later, taken back at a restart as `void` took it
        live: the value before it stands again (its trackers as before the correction, which
        had fed them that value, or fed it now). Only a correction needs it: a plain value
        entered in error is skipped, while a correction had taken the corrected row's place,
        and skipped it left that row standing."""
        rows = self._state.rows.get(metric_name, [])
        index = next((i for i, (row, _) in enumerate(rows) if row == row_id), None)
        if index is None:
            return
        _, gone = rows.pop(index)
        # A late cuff the corrected measurement had superseded stands now, as `void` revives it.
        revived = self._revive_superseded(rows, gone) is not None
        if index == len(rows) and rows and rows[-1][1].superseded:
            rows[-1] = (rows[-1][0], replace(rows[-1][1], superseded=False))
            revived = True
        kept = _kept_for(self._trackers_before.get(metric_name, ()), gone)
        self._note_correction_taken_back(metric_name, gone)
        if index == len(rows) and kept is not None:
            # It was the latest: its trackers and its "Repeat" check as they were before it,
            # as `void` puts them back (`_as_if_never`). Fed the value before it again here, a
            # repeat that value had asked was asked anew from the correction: overdue live,
            # "due in 2 min" after a restart (a review).
            previous = self._forget_latest(metric_name, rows, gone)
            trackers, repeat = kept
            for tracker in trackers:
                self._trackers[tracker.condition] = restored = tracker.clone()
                self._note_replayed_held(restored, at)
                if restored.held() is None:   # as `_replay_trackers`
                    self._inside_since.setdefault(restored.condition, at)
            self.schedule.put_back_one_off(_repeat_check(metric_name),
                                           self._repeat_before(metric_name, gone, repeat))
            if revived and previous is not None:
                # Never judged while the measurement stood: judged as it arrived, as `void`
                # judges it (`_as_if_never`); left unjudged, a cuff 205 whose typed 120's
                # correction was entered in error alarmed live and came back latched, with no
                # repeat asked, after a restart.
                self._replay_trackers(previous.reading, previous.at)
        elif index == len(rows):   # it was the latest: the one before stands again
            self._replay_fall_back(metric_name, rows, gone, at)
        # The baseline too, as `void` moved it: left alone, a correction to CADSS 30 taken
        # back before the dose stayed the baseline, and T0 logged it (review 44).
        self._baseline_without(metric_name, gone, rows, index)
        self._withdraw_unasked_repeat(metric_name)

    def _replay_fall_back(self, metric_name: str, rows: list[tuple[int, Latest]], gone: Latest,
                          at: Moment) -> None:
        """`_fall_back` at a restart: the vital as if `gone` had never come, its trackers fed
        the value that stood before it (or none: `_forget_latest`); the board is restored
        after the replay."""
        previous = self._forget_latest(metric_name, rows, gone)
        if previous is not None:
            self._replay_trackers(previous.reading, at)
        else:
            for tracker in self._trackers.values():
                if tracker.metric == metric_name:
                    tracker.forget_values()

    def _replay_absence(self, conditions: frozenset[str], device_state: str,
                        connected_since: float | None, at: Moment) -> None:
        """The tick's absence rules (`conditions`) at `at` as `_tracker_time` ran them live, the
        monitor's link then being `device_state` (connected at mono `connected_since`): a vital
        missing while the monitor sent the others stays missing until a value of it is
        replayed. Resume only: the board is restored after the replay."""
        for condition in self._in_time_order(conditions):
            tracker = self._trackers[condition]
            self._absence_time(tracker, device_state, connected_since, at)
            # What it holds now, as the tick gives it to the board live: an unseen high "No
            # respiratory rate" that took over RR 7's alarm (no row) came back "Respiratory
            # rate 7" when RR 10 followed (review 44).
            self._note_replayed_held(tracker, at)

    def _is_repeat(self, reading: Reading) -> bool:
        key = _nibp_key(reading)
        if key is None:
            return False
        if key in self._state.nibp_seen:
            return True
        self._state.nibp_seen.add(key)
        return False

    def _accept(self, reading: Reading, now: Moment, evaluate: bool = True) -> list[Record]:
        if self._superseded(reading, now):
            # A measurement older than the one that stands (a cuff taken during a link outage,
            # delivered after the BP the nurse typed since) is history: logged and drawn in its
            # place, but the tile, the baseline, the due checks and the alarm rules keep the
            # newer one. Alarm conditions are the patient's current state (IEC 60601-1-8 6.1):
            # judged as current, a cuff 128 of 09:11 ended the alarm of a typed 205 of 09:12.
            return []
        baseline = self._state.baseline.get(reading.metric)
        self._remember(reading, now)
        records = self._baseline_set(reading.metric, baseline, now)
        counts_from = self._counts_from(self._state.latest[reading.metric])
        self._note_counted(reading, now, self.schedule.on_reading(reading.metric, counts_from,
                                                                  reading.flags))
        if not evaluate:
            return records
        if is_cuff_pulse(reading):
            # A cuff's pulse feeds no pulse alarm: those watch the heart from a continuous
            # source (ECG, else the oximeter's pulse), as monitors choose their alarm source. It
            # is one spot value with the cuff's older time; fed in, each new cuff measurement
            # ended the oximeter's "above 120 sustained 5 min" run. It is logged with its BP.
            return [*records, *self._prompts(now)]
        return [*records, *self._evaluate(reading.metric, reading.value, now,
                                          source=reading.source,
                                          mark=beyond_mark(reading.flags)),
                *self._prompts(now)]

    def _superseded(self, reading: Reading, at: Moment) -> bool:
        """`reading` was measured before the standing value of its vital, each by the time
        the trend places it at (`_measured_at`). Only a cuff can come so late: a typed value is
        measured as it is entered, a continuous one as it arrives. Judged per vital, as a value
        is entered in error: a restart's replay, which skips such a value, then finds what live
        found (judged against the whole BP, a cuff systolic came back superseded by a typed
        diastolic that still stood when it arrived, its own typed systolic taken back)."""
        if reading.metric not in BP_METRICS:
            return False
        standing = self._state.latest.get(reading.metric)
        return (standing is not None
                and self._measured_at(reading, at) < self._placed(standing))

    @staticmethod
    def _placed(kept: Latest) -> float:
        return kept.placed if kept.placed is not None else kept.at.mono

    @staticmethod
    def _counts_from(kept: Latest) -> Moment:
        """When `kept` counts for the vitals checks (`Schedule.on_reading`): when its
        measurement was made, as the trend, the review and the REMS draft place it
        (`Latest.placed`, `_measured_at`): a cuff delivered late at its measured time, never
        after its arrival; a typed or continuous value at its arrival; a correction at the
        measurement it stands for. A check's window is met by a value measured in it: counted
        at its arrival, a cuff of T+30 delivered at T+45 after a link outage met "BP at T+40"
        (window from T+38), and the REMS draft named a BP of T+115 "the first BP taken for the
        console's T+40 check" (a review). One of unknown age (placed before all) at its
        arrival: it counts for no check (`counts_for_checks`)."""
        taken = kept.taken
        if kept.placed is None or not math.isfinite(kept.placed):
            return taken
        return Moment(kept.placed, taken.wall - timedelta(seconds=taken.mono - kept.placed))

    def _measured_at(self, reading: Reading, at: Moment) -> float:
        """When `reading`, taken at `at`, was measured, on the monotonic clock (a wall clock
        set back by NTP put a BP typed after the step before the one typed before it), as the
        trend places it (`TrendFeed._placed_at`): an NIBP as long before its arrival as its
        measured time is before its receive time while its monitor's clock reads right (and
        will at the end of its wait, `CUFF_WAIT_S`: a cuff stamped 2000 by a reset clock is no
        measurement older than the typed BP), any other value (a typed one too) at its
        arrival. Never after its arrival: a stamp ahead of it is a clock ahead (a monitor 27 s
        ahead had its cuff stand "newer" than a 215/125 typed 17 s after it came, which raised
        no alarm: a nurse walk on X). One of unknown age (`AGE_UNKNOWN`, an Ivy's screen BP
        at connect) before any of known time: nothing says it is newer. At its arrival it took
        the tile from a 205/95 typed during the outage and ended its high alarm (a review)."""
        if AGE_UNKNOWN in reading.flags:
            return -math.inf
        waited = reading.received_at + timedelta(seconds=CUFF_WAIT_S + 1)
        if (reading.source != MANUAL and is_nibp_value(reading)
                and reading.measured_at is not None
                and self._state.clocks.offset(reading.source, waited) is None):
            before = (reading.received_at - reading.measured_at).total_seconds()
            return at.mono - max(0.0, before)
        return at.mono

    def _baseline_set(self, name: str, before: float | None, now: Moment) -> list[Record]:
        """A `BASELINE_SET` event when the baseline of `name`, a vital with a limit relative to
        it, changed after T0 from `before` (its first value after T0, `_remember`; that value
        entered in error, `_baseline_without`, or corrected, `_baseline_corrected`: the last
        one logged stands). `dosing_started` logs those fixed by T0; one
        fixed later was logged nowhere, and the trend, which draws the limits from the log,
        never drew the line the alarm fired at. Live only: a restart's replay computes it
        again (`_remember`) and logs nothing."""
        value = self._state.baseline.get(name)
        if (not self._state.t0_reached or name not in self._baseline_metrics
                or value == before):
            return []
        return [EventRecord(self.session_id, now.wall, BASELINE_SET, ENGINE,
                            {"baseline": {name: value}})]

    def _remember(self, reading: Reading, now: Moment, after_t0: bool | None = None,
                  measured: Moment | None = None,
                  after_first_device: bool | None = None, placed: float | None = None) -> None:
        """`reading` is the vital's latest value. `after_t0`, `after_first_device`: a
        correction's, those of the value it corrects: a baseline score typed 1 for 10, corrected
        at discharge, had counted as a score taken after the dose and passed the discharge gate
        (a review). `measured`: a correction's, when the measurement it corrects was received
        (`Latest.taken`)."""
        state = self._state
        name = reading.metric
        state.absence_restored.discard(name)
        if reading.source != MANUAL and not is_nibp_value(reading):   # a cuff is a spot value
            state.continuous.add(name)
        if after_t0 is None:
            after_t0 = self._state.t0_reached
        if after_first_device is None:
            after_first_device = state.device_given
        if placed is None and measured is None:
            placed = self._measured_at(reading, now)
        state.latest[name] = Latest(reading, now, after_t0, measured, after_first_device,
                                    placed=placed)
        if AGE_UNKNOWN in reading.flags:
            # A cuff result found on the monitor at connect, measured when nobody knows (its
            # tile says so): no baseline nor BP history, as no scheduled check (`on_reading`).
            # A restart at T+39 had taken one for the patient's BP then (a review).
            return
        if (not after_t0 and name not in state.baseline_fixed) or name not in state.baseline:
            state.baseline[name] = reading.value   # last before T0, or the first one after
            if after_t0:
                state.baseline_fixed.add(name)     # the first after T0 stands, as one at T0
        if name == "bp_systolic":
            state.systolic_history = [*state.systolic_history[-2:], reading.value]

    def _evaluate(self, name: str, value: float, now: Moment, latch: bool = True,
                  source: str = "", taken: float | None = None,
                  mark: str = "", missing: frozenset[str] = frozenset(),
                  skip: frozenset[str] = frozenset()) -> list[Record]:
        """`name`'s trackers fed `value` (from the device `source`, "" when not known: such a
        value never goes missing with another vital's, `ConditionTracker.gone_with`; `taken`:
        a value judged again, its mono time; `mark`: a monitor's value beyond its range,
        `ConditionTracker.on_value`). `missing`: conditions whose vital was missing and stays
        so (a corrected value, `correct`): their absence is judged again from the vital's
        latest value before the board hears of them. `skip`: conditions not fed."""
        self._note_trackers_before(name, value, now)
        if name == "pulse_rate" and self.ecg_heart_rate_current(now):
            return self._rest_pulse_rules(now)
        fed: list[tuple[ConditionTracker, bool]] = []
        for tracker in self._trackers.values():
            if tracker.metric != name or tracker.condition in skip:
                continue
            request = tracker.on_value(value, self._baseline_for(name), now, source, taken, mark)
            if request is not None:
                due = now.plus(request.due_mono - now.mono)
                self.schedule.add_one_off(_repeat_check(name), (name,), due, request.repeat_s,
                                          asked_by=request.asked_by)
            carried = tracker.condition in missing
            if carried:   # as `_as_if_never`: the absence that stands is no value taken back
                self._absence_time(tracker, self._state.device_state,
                                   self._state.connected_since, now, missing=True)
            fed.append((tracker, carried))
        # The board hears what ends before what is raised: a heart rate from 45 to 115 under a
        # pause for the bradycardia raised the tachycardia while the bradycardia still counted
        # as held silent, and the new alarm stayed silent for the rest of the pause (a review;
        # the other way round it sounded, the high rules coming first).
        fed.sort(key=lambda pair: pair[0].held() is not None)
        out: list[Record] = []
        for tracker, carried in fed:
            out.extend(self.board.update(tracker.condition, PHYSIOLOGICAL, tracker.held(), now,
                                         latch or carried))
        return out

    def ecg_heart_rate_current(self, now: Moment) -> bool:
        """A monitor's heart rate came in within ECG_HEART_RATE_SECONDS: the heart rate's rules
        watch the heart, and the pulse's rules rest. A pulse oximeter alone (a Masimo Rad-8, an
        SpO2 + NIBP monitor) sends only a pulse rate, and its rules are then the heart's watch;
        with both, one excursion would raise two alarms and fill the alarm area. Monitors choose
        their heart-rate alarm source the same way: ECG when there is one, else the pulse."""
        latest = self._state.latest.get("heart_rate")
        return latest is not None and _ecg_current(latest, now)

    def _ecg_taken_over(self, tracker: ConditionTracker, now: Moment) -> None:
        """A monitor's heart rate stopped coming and the pulse rate has been judged since
        (`ecg_heart_rate_current`): the pulse watches the heart, and the heart rate's last
        value counts no more until one comes again (`ConditionTracker.taken_over`). A typed
        heart rate never rested the pulse's rules: it stays counted."""
        if self._pulse_watches_heart():
            heart = self._state.latest["heart_rate"]
            tracker.taken_over(f"No heart rate for {now.mono - heart.at.mono:.0f} s")

    def _pulse_watches_heart(self) -> bool:
        """The pulse rate that stands came after a monitor's heart rate stopped coming
        (`_ecg_taken_over`)."""
        heart = self._state.latest.get("heart_rate")
        pulse = self._state.latest.get("pulse_rate")
        return not (heart is None or pulse is None or heart.reading.source == MANUAL
                    or is_cuff_pulse(pulse.reading)   # a cuff's pulse watches nothing (`_accept`)
                    or pulse.at.mono - heart.at.mono <= ECG_HEART_RATE_SECONDS)

    def _rest_pulse_rules(self, now: Moment) -> list[Record]:
        """The pulse rate's conditions end (an unseen high one latches, as any does)."""
        out: list[Record] = []
        for tracker in self._trackers.values():
            if tracker.metric == "pulse_rate":
                tracker.forget_values()
                out.extend(self.board.update(tracker.condition, PHYSIOLOGICAL, None, now))
        return out

    def _baseline_for(self, name: str) -> float | None:
        # Baseline-relative limits apply from T0 on: before dosing there is no baseline yet.
        return self._state.baseline.get(name) if self._state.t0 is not None else None

    # ---- time --------------------------------------------------------------------------------

    def tick(self, now: Moment) -> None:
        """Time passes: due checks, absent values, audio pause end, reminders, a held log retried,
        no device data escalating. Logs what changes.

        A bug in one part of the tick (one rule's time check) must not stop the others: the
        apnoea alarm, the reminders and the end of an audio pause all come from here, and the
        whole tick would otherwise be undone at every tick. So a tick that fails is done again
        part by part, each in its own step, and the first error goes on to the fault handler
        (the "Console fault" alarm). Records written from the held queue get their own step
        first: nothing later in the tick can undo the news that they are on disk.

        An ended session's tick writes what is held, and only that: a discharge the log could
        not take is those records, and writing them completes it (it had stayed in memory
        while the window stood, the log showing the session open, `_after_discharge`)."""
        if self._state.discharged:
            if self.writes.held_since is not None:
                self._retry_log(now)
            self.board.tick(now)   # its log alarm's reminder and pause end, not logged
            return
        retry_failed: Exception | None = None
        if self.writes.held_since is not None:
            try:
                self._retry_log(now)
            except Exception as exc:   # a held record the log refuses (a bug): the clock's alarms go on
                retry_failed = exc
        try:
            with self._step(now) as step:
                step.records.extend(self._time_records(now))
        except Exception as first:
            self._tick_by_parts(now, first)
            raise
        if retry_failed is not None:
            raise retry_failed

    def _time_parts(self, now: Moment) -> list[Callable[[], list[Record]]]:
        """The tick's independent parts, in the order one tick runs them. Each looks its objects
        up when it runs: a step that fails puts back copies of the board and the trackers."""
        trackers = [partial(self._tracker_time, name, now)
                    for name in self._in_time_order(self._trackers)]
        return [*trackers, partial(self._prompts, now), partial(self._board_tick, now),
                partial(self._stale_escalation, now), partial(self._held_device_alarms_time, now),
                partial(self._clock_caught_up, now)]

    def _board_tick(self, now: Moment) -> list[Record]:
        return list(self.board.tick(now))

    def _time_records(self, now: Moment) -> list[Record]:
        return [record for part in self._time_parts(now) for record in part()]

    def _tick_by_parts(self, now: Moment, first: Exception) -> None:
        """Each part of a failed tick in its own step: what works is committed, what fails is
        rolled back alone and noted on `first`, the error the fault handler reports."""
        for part in self._time_parts(now):
            try:
                with self._step(now) as step:
                    step.records.extend(part())
            except Exception as exc:
                if str(exc) != str(first) or type(exc) is not type(first):
                    first.add_note(f"Also failing in this tick: {type(exc).__name__}: {exc}")

    def _tracker_time(self, name: str, now: Moment) -> list[Record]:
        tracker = self._trackers[name]
        self._absence_time(tracker, self._state.device_state, self._state.connected_since, now)
        if tracker.metric == "heart_rate":
            self._ecg_taken_over(tracker, now)
        held = tracker.held()
        if held is None and tracker.absent:   # its vital went missing: not back inside its limits
            return list(self.board.end_uncounted(tracker.condition, now, tracker.uncounted))
        return list(self.board.update(tracker.condition, PHYSIOLOGICAL, held, now))

    def _absence_time(self, tracker: ConditionTracker, device_state: str,
                      connected_since: float | None, now: Moment, missing: bool = False) -> None:
        """`tracker`'s absence rules at `now`, the monitor's link being `device_state`
        (connected at mono `connected_since`): live from the tick, and at a restart through the
        link's logged changes (`_replay_absence`). `missing`: its vital was missing before its
        tracker was rebuilt (`_as_if_never`), as if `tracker.absent`."""
        state = self._state
        latest = state.latest.get(tracker.metric)
        if tracker.metric in state.absence_restored or tracker.absent or missing:
            # Counted from its last value: an absence the restart restored, or one raised while
            # the monitor sent the other vitals. It is the patient's until the vital is counted
            # again; a monitor lost or stale after it says nothing of the breathing, and ended
            # an acknowledged "No respiratory rate" alarm as if breathing had come back (the
            # alarm audit; clinical-defaults.md alarm behaviour 7: a technical alarm never
            # clears a physiological one). A correction counts from the measurement it stands
            # for (`Latest.taken`), not from its own time: no value was counted then.
            expecting = tracker.metric in state.continuous
            last = latest.taken.mono if latest else None
        else:
            expecting = tracker.metric in state.continuous and device_state == "connected"
            # Silence before the device (re)connected is the device's absence, not the patient's.
            last = max(latest.taken.mono, connected_since or 0.0) if latest else None
        tracker.on_time(last, expecting, now)
        other = GOES_WITH.get(tracker.metric)
        if other is not None:
            self._gone_with(tracker, other, now)

    def _gone_with(self, tracker: ConditionTracker, other: str, now: Moment) -> None:
        """`tracker`'s vital is measured by the probe of `other` (`GOES_WITH`: the pulse rate
        the oximeter's): once `other`'s last value no longer counts, nor does `tracker`'s of the
        same device (`ConditionTracker.gone_with`). `other`'s trackers are judged first
        (`_in_time_order`). A typed SpO2 standing is no device's: nothing goes with it."""
        latest = self._state.latest.get(other)
        if latest is None or latest.reading.source == MANUAL:
            return
        missing = next((t for t in self._trackers.values() if t.metric == other and t.absent),
                       None)
        if missing is not None:
            tracker.gone_with(missing, latest.reading.source, now)

    def _in_time_order(self, conditions: Iterable[str]) -> list[str]:
        """`conditions` in the order their time is judged: as the protocol lists them, those of
        a vital that goes with another (`GOES_WITH`) after it, each tick and at a restart alike
        (the shipped protocols list the pulse before the SpO2: judged first, the pulse's alarm
        would end a tick after the SpO2's absence is raised)."""
        return sorted(conditions, key=lambda c: self._trackers[c].metric in GOES_WITH)

    def _prompts(self, now: Moment) -> list[Record]:
        out: list[Record] = []
        for condition, held in self.schedule.prompts(now).items():
            out.extend(self.board.update(condition, PROMPT, held, now))
        current = f"{PHASE_COMPLETE}{self.phase.id}"
        out.extend(self.board.update(current, PROMPT, self._phase_prompt(now), now))
        # A phase's "planned time reached" ends with the phase (also one a restart restored).
        for occurrence in self.board.occurrences():
            if occurrence.condition.startswith(PHASE_COMPLETE) and occurrence.condition != current:
                out.extend(self.board.update(occurrence.condition, PROMPT, None, now))
        return out

    def _phase_prompt(self, now: Moment) -> Raise | None:
        duration = _minutes(self.phase.duration_minutes)
        if duration is None:
            return self._devices_given_prompt(now)
        if now.mono - self._state.phase_started.mono < duration:
            return None
        return Raise(Priority.INFO, f"{self.phase.name}: planned {self.phase.duration_minutes:g} min "
                                    "reached; move to the next phase when done")

    def _devices_given_prompt(self, now: Moment) -> Raise | None:
        """Nasal devices with every device of the dose ticked and the rest after the last one
        run: the nurse is asked to move on, medium once ignored MOVE_ON_ESCALATE_SECONDS (as a
        due check, clinical-defaults.md alarm behaviour 8). The phase has no planned length
        (2 or 3 devices) and no checks of its own: a nurse who gave the dose and stayed on its
        screen was asked nothing, no sedation or breathing check, ever (review 42). A device of
        the dose still open once that rest has run is asked for the same way: tick it, or move
        on with the reason (84 mg, device 3 unticked: nothing at all was asked 25 min after its
        rest, an esketamine review). With no device ticked, device 1 is asked for the same way,
        counted from T0: T0's question says "Give the first device as you confirm", so by T0
        plus the rest the label's rest after it has run, when device 2 would be asked for (its
        tick forgotten, the board stayed empty for hours and "Next vitals: BP at T+40 40:00
        min" stood still, as the checks after the dose wait for device 1: an esketamine
        review). From the ticks' monotonic times and T0's, which a restart rebuilds: the same
        prompt after it."""
        phase, dose = self.phase, self.protocol.dose
        if phase.kind is not PhaseKind.DOSING or dose.mode is not DoseMode.DEVICES:
            return None
        ticked = self.ticks()
        count = device_rest.dose_devices(self.protocol, self.details) or sum(
            1 for i in phase.checklist
            if i.required and device_rest.device_number(i.id) is not None)
        given = [t.mono for item, t in ticked.items()
                 if device_rest.device_number(item) is not None]
        t0 = self._state.t0
        since = max(given) if given else t0.mono if t0 is not None else None
        if since is None:
            return None
        late = now.mono - (since + dose.rest_minutes * 60)
        if late < 0:
            return None
        open_ = [f"{device_rest.DEVICE_PREFIX}{k}" for k in range(1, count + 1)
                 if f"{device_rest.DEVICE_PREFIX}{k}" not in ticked]
        if open_:
            due = (f"{device_rest.device_name(open_[0]).capitalize()} due: tick it when given, "
                   "or move on with the reason")
            if late < MOVE_ON_ESCALATE_SECONDS:
                return Raise(Priority.INFO, due)
            return Raise(Priority.MEDIUM, f"{due} (the next phase's vitals checks have not "
                                          "started)")
        devices = f"{len(given)} device{'s' if len(given) != 1 else ''}"
        if late < MOVE_ON_ESCALATE_SECONDS:
            return Raise(Priority.INFO, f"{phase.name}: all {devices} given and rested; move to "
                                        "the next phase")
        return Raise(Priority.MEDIUM, f"{phase.name}: all {devices} given; move to the next "
                                      "phase (its vitals checks have not started)")

    # ---- technical conditions ----------------------------------------------------------------

    def device_state_changed(self, state: str, now: Moment, detail: str = "") -> None:
        """The transport's connection state: connecting, connected, stale, disconnected.

        The same state again is no news (the transport repeats states), save a monitor still
        lost for another reason than its alarm says: a profile put back broken had stood as
        "not installed", sending IT to copy the file once more (review 44)."""
        if self._state.discharged:
            return
        if state == self._state.device_state:
            reworded = self._lost_in_new_words(state, detail)
            if reworded is not None:
                with self._step(now) as step:
                    step.records.append(self._device_state_event(state, now, detail))
                    step.records.extend(self.board.update(DEVICE_LOST, TECHNICAL, reworded, now))
            return
        with self._step(now) as step:
            step.records.extend(self._device_state_records(state, now, detail))

    def _lost_in_new_words(self, state: str, detail: str) -> Raise | None:
        """The standing "Device disconnected" alarm in the words of `detail`'s reason, at its
        own priority (the same occurrence: no new raise, an acknowledgement stays given), when
        the monitor is still lost and those words are not the ones it says; else None."""
        lost = self.board.occurrence_for(DEVICE_LOST)
        reason = _lost_reason(detail)
        if state != "disconnected" or lost is None or not reason:
            return None
        words = _lost_words(reason)
        return None if lost.message == words else Raise(lost.priority, words)

    def _device_state_records(self, state: str, now: Moment, detail: str) -> list[Record]:
        self._state.device_state = state
        if state in ("disconnected", "stale"):
            # From now on a silence is the device's; an absence already standing stays
            # (`_tracker_time`: the tracker holds it until the vital is counted again).
            self._state.absence_restored.clear()
        if state == "connected":
            self._state.connected_since = now.mono
        self._state.stale_since = now.mono if state == "stale" else None
        reason = _lost_reason(detail)
        was_lost = self.board.occurrence_for(DEVICE_LOST)
        was_stale = self.board.occurrence_for(DEVICE_STALE)
        lost: Raise | None = None
        if state == "disconnected":
            lost = Raise(Priority.MEDIUM, _lost_words(reason))
        elif was_lost is not None and state != "connected":
            # The port is open again (a cable or adapter plugged back) but nothing has come from
            # the monitor yet: the loss holds until its first good frame (R2: an alarm for as long
            # as data is missing), rather than a silent gap and then a low "no data". A profile
            # found again is no longer the reason (review 44: it sent IT back to the profiles).
            lost = Raise(was_lost.priority, _PROFILE_FOUND if _read_again(was_lost.message)
                         else was_lost.message)
        stale: Raise | None = None
        if lost is None and was_stale is not None and state in ("connecting", "stale"):
            # Only after a restart (live, "stale" goes on to "connected" or "disconnected"): the
            # silence restored from the log goes on, as it was, until the first good frame.
            stale = Raise(was_stale.priority, was_stale.message)
        elif lost is None and state == "stale":
            stale = Raise(Priority.LOW, f"No data from the device{' (' + detail + ')' if detail else ''}: "
                                        "values are not current")
        records: list[Record] = [self._device_state_event(state, now, detail)]
        records.extend(self.board.update(DEVICE_LOST, TECHNICAL, lost, now))
        records.extend(self.board.update(DEVICE_STALE, TECHNICAL, stale, now))
        return records

    def _device_state_event(self, state: str, now: Moment, detail: str) -> EventRecord:
        """The link's change, placed among the readings for a restart's replay of the absence
        rules (`resume`): after a clock step its time cannot say where it came."""
        return EventRecord(self.session_id, now.wall, "device_state", ENGINE, {
            "state": state, "detail": detail,
            OBSERVATIONS_BEFORE: self._state.observations_logged})

    def _stale_escalation(self, now: Moment) -> list[Record]:
        since = self._state.stale_since
        if since is None or now.mono - since < STALE_ESCALATE_SECONDS:
            return []
        occurrence = self.board.occurrence_for(DEVICE_STALE)
        if occurrence is None or occurrence.priority >= Priority.MEDIUM:
            return []
        return list(self.board.update(DEVICE_STALE, TECHNICAL, Raise(
            Priority.MEDIUM, "Still no data from the device: check the monitor, its cable and "
                             "its settings"), now))

    def audio_status(self, available: bool, now: Moment, detail: str = "") -> None:
        """The station's speaker works or not.

        One steady technical alarm, low priority (steady cyan, IEC 60601-1-8): the speaker cannot
        sound anyway, and a flashing row that the nurse cannot silence would only train them to
        ignore the alarm area. The player's own error is the row's detail (its tooltip) and the
        `audio_status` event, not the banner. It is a condition of the station, not of the
        patient: it never blocks discharge (see `discharge_blockers`). Another reason while it
        stands is logged and becomes the row's detail, on the same alarm (no new alarm, its
        acknowledgement kept): the row had kept "Connection refused" over a muted output.
        """
        held = None if available else Raise(
            Priority.LOW, "Audio unavailable: visual only",
            detail=detail)
        if self._state.discharged:
            return
        standing = self.board.occurrence_for(AUDIO_UNAVAILABLE)
        if available == (standing is None) and (standing is None or standing.detail == detail):
            return   # no change: nothing to log
        with self._step(now) as step:
            step.records.append(EventRecord(self.session_id, now.wall, "audio_status", ENGINE,
                                            {"available": available, "detail": detail[:300]}))
            step.records.extend(self.board.update(AUDIO_UNAVAILABLE, TECHNICAL, held, now))

    def console_fault(self, summary: str, now: Moment, crash_file: str = "") -> None:
        """A bug in the console: a high-priority technical alarm that stays until a restart.

        Rule (IEC 60601-1-8 6.1.2, technical alarm conditions; style rule 8): the console never
        carries on silently after an internal error. The alarm sounds like any high alarm; the
        nurse may acknowledge it (silence, with the reminder) but nothing clears it except a
        restart, which resumes the session from its log. The event row keeps the summary and
        the crash file's name for support.

        Each bug is alarmed once (the fault handler passes a bug on once, `_repeat`): a summary
        other than the standing alarm's is another bug, a new alarm that sounds and names it
        however the first was acknowledged (`AlarmBoard.renew`); acknowledged, bug A had left a
        different bug B an event row only, silent, the row naming A (review 47). The same
        summary again is an event row only.
        """
        standing = self.board.occurrence_for(CONSOLE_FAULT)
        fault = Raise(Priority.HIGH, f"Console fault: {summary[:120]} — restart the console "
                                     "(the session resumes)")
        with self._step(now) as step:
            step.records.append(EventRecord(self.session_id, now.wall, "console_fault", ENGINE,
                                            {"summary": summary[:300], "crash_file": crash_file}))
            if standing is None:
                step.records.extend(self.board.update(CONSOLE_FAULT, TECHNICAL, fault, now))
            elif summary != self._fault_alarmed:
                step.records.extend(self.board.renew(CONSOLE_FAULT, TECHNICAL, fault, now))
        self._fault_alarmed = summary   # once committed

    def network_status(self, problem: Raise | None, now: Moment, state: str = "") -> None:
        """The clinic network confirms delivery, or has not for a while (console/network/link.py
        decides when and at which priority; this only records and shows it).

        A technical alarm of the station, like the audio one: the bedside keeps working exactly
        as without a network, and it never blocks discharge. Each change of the problem's
        priority (or its end) is an `network_status` event with the link's state in words.
        """
        if self._state.discharged:
            return
        current = self.board.occurrence_for(NETWORK_UNCONFIRMED)
        if problem is None and current is None:
            return
        if (problem is not None and current is not None and current.priority == problem.priority
                and current.message == problem.message):
            return   # no change: nothing to log
        with self._step(now) as step:
            step.records.append(EventRecord(self.session_id, now.wall, "network_status", ENGINE, {
                "problem": problem.message if problem is not None else None,
                "priority": problem.priority.name.lower() if problem is not None else None,
                "state": state[:300]}))
            step.records.extend(self.board.update(NETWORK_UNCONFIRMED, TECHNICAL, problem, now))

    def network_configured(self, description: str, quiet_room: bool, now: Moment) -> None:
        """Record, once per session start or resume, how this station is on the clinic network
        (issue 12: the quiet-room choice is logged at session start)."""
        if self._state.discharged:
            return
        with self._step(now) as step:
            step.records.append(EventRecord(self.session_id, now.wall, "network_configured",
                                            ENGINE, {"network": description[:300],
                                                     "quiet_room": quiet_room}))

    def acknowledge_from_central(self, occurrence_id: int, by: str, station: str,
                                 command_id: str, now: Moment, priority: str = "") -> Outcome:
        """A central station's nurse acknowledged this occurrence (issue 12).

        The bedside stays the alarm authority (IEC 60601-1-8 6.11.2, distributed alarm systems:
        the risk analysis decides what the remote side may do). The central may acknowledge an
        active alarm, as the bedside's F2 does (the audio stops, the reminder runs); it cannot
        reset a latched one: a latched alarm is an excursion nobody at the bedside has seen, and
        it stays until a nurse there resets it. The actor of the log row says who and where.
        `priority`: the priority the central nurse saw; an occurrence that has risen above it
        since is not acknowledged (it would stay silent at that priority for the rest of the
        occurrence: `keeps_acknowledgement`), and the central sounds it again.

        One not applied is recorded all the same, with why (`central_ack_not_applied`: the
        occurrence, who, where, the command, the reasons), committed first as every record: the
        record of who silenced what had no word of a central nurse's press the chair refused
        (a review). Nothing after the discharge: the closed record takes nothing more.
        """
        if self._state.discharged:
            return Outcome(False, (ENDED,))
        occurrence = next((o for o in self.board.occurrences() if o.id == occurrence_id), None)
        seen = Priority.__members__.get(priority.upper()) if priority else None
        refused = ""
        if occurrence is None:
            refused = f"alarm {occurrence_id} is no longer open"
        elif occurrence.state is AlarmState.LATCHED:
            refused = "a latched alarm is reset at the bedside only"
        elif occurrence.state is AlarmState.ACKNOWLEDGED:
            refused = "already acknowledged"
        elif seen is not None and occurrence.priority > seen:
            refused = (f"the alarm rose to {occurrence.priority.label} after the central nurse "
                       f"acknowledged it at {seen.label}")
        detail: dict[str, Any] = {"occurrence": occurrence_id, "by": by, "station": station,
                                  "command": command_id}
        with self._step(now) as step:
            if refused:
                step.records.append(EventRecord(
                    self.session_id, now.wall, "central_ack_not_applied", ENGINE,
                    {**detail, "priority": seen.label if seen else "", "reasons": [refused]}))
            else:
                step.records.append(EventRecord(self.session_id, now.wall,
                                                "acknowledged_at_central", ENGINE, detail))
                step.records.extend(self.board.acknowledge(
                    occurrence_id, f"{by} (at central {station})", now))
        return Outcome(False, (refused,)) if refused else Outcome(True)

    # ---- operator actions --------------------------------------------------------------------

    def acknowledge(self, occurrence_id: int, actor: str, now: Moment) -> Outcome:
        if self._state.discharged:
            return self._after_discharge(partial(self.board.acknowledge, occurrence_id, actor, now))
        with self._step(now) as step:
            try:
                step.records.extend(self.board.acknowledge(occurrence_id, actor, now))
            except KeyError as exc:
                return Outcome(False, (str(exc.args[0]),))
        return Outcome(True)

    def acknowledge_all(self, actor: str, now: Moment) -> Outcome:
        if self._state.discharged:
            return self.acknowledge_shown([o.id for o in self.board.occurrences()], actor, now)
        with self._step(now) as step:
            for occurrence in self.board.occurrences():
                step.records.extend(self.board.acknowledge(occurrence.id, actor, now))
        return Outcome(True)

    def acknowledge_shown(self, occurrence_ids: Sequence[int], actor: str, now: Moment) -> Outcome:
        """Acknowledge (or reset, when latched) the occurrences the nurse was shown (F2 with no
        row selected): one step, and never one that was not on screen (alarm_area.py)."""
        present = {o.id for o in self.board.occurrences()}
        if self._state.discharged:
            return self._after_discharge(lambda: [
                r for i in occurrence_ids if i in present
                for r in self.board.acknowledge(i, actor, now)])
        with self._step(now) as step:
            for occurrence_id in occurrence_ids:
                if occurrence_id in present:
                    step.records.extend(self.board.acknowledge(occurrence_id, actor, now))
        return Outcome(True)

    def pause_audio(self, actor: str, now: Moment) -> Outcome:
        if self._state.discharged:
            return self._after_discharge(partial(self.board.pause_audio, actor, now))
        with self._step(now) as step:
            step.records.extend(self.board.pause_audio(actor, now))
        return Outcome(True)

    def _after_discharge(self, act: Callable[[], object]) -> Outcome:
        """F2 or F3 on an ended session: `act` on its board while a discharge the log could not
        take is held, its "Session log unavailable" alarm the one left (`discharge` ended the
        rest). In memory only: the closed record takes nothing but the held discharge, so the
        log alarm is silenced as the console's own fault after a discharge is (not logged)."""
        if self.board.occurrence_for(LOG_UNAVAILABLE) is None:
            return Outcome(False, (ENDED,))
        try:
            act()   # its rows are dropped: nothing is written after the discharge
        except KeyError as exc:
            return Outcome(False, (str(exc.args[0]),))
        for listener in list(self._listeners):
            listener()
        return Outcome(True)

    def hand_over(self, to: str, now: Moment) -> Outcome:
        """Another nurse takes the session over (issue 13): a `handed_over` event {from, to},
        by the nurse taking over; from then on `nurse`, the actor of the console's records, is
        `to`. Nothing is written when `to` runs it already."""
        if self._state.discharged:
            return Outcome(False, (ENDED,))
        to = to.strip()
        if not to:
            return Outcome(False, ("A hand-over needs the name of the nurse taking over.",))
        if to == self.nurse:
            return Outcome(True)
        with self._step(now) as step:
            step.records.append(EventRecord(self.session_id, now.wall, "handed_over", to,
                                            {"from": self.nurse, "to": to}))
        self.nurse = to   # after the step: a step that raised leaves the actor as it was
        return Outcome(True)

    def console_closed(self, actor: str, now: Moment, signal: str = "") -> Outcome:
        """The nurse closed the console while the session runs (or, with `signal`, the system
        stopped it: SIGTERM at a shutdown): its alarms and readings stop until it is started
        again (the session then resumes from its log). Logged so the record says why it has a
        gap, and who or what chose it, rather than a silence nobody explains."""
        if self._state.discharged:
            return Outcome(False, (ENDED,))
        detail: dict[str, Any] = {"phase": self.phase.id}
        if signal:
            detail["signal"] = signal
        with self._step(now) as step:
            step.records.append(EventRecord(self.session_id, now.wall, "console_closed", actor,
                                            detail))
        return Outcome(True)

    def note(self, text: str, actor: str, now: Moment, kind: str = "note") -> Outcome:
        return self.note_row(text, actor, now, kind)[0]

    def note_row(self, text: str, actor: str, now: Moment,
                 kind: str = "note") -> tuple[Outcome, int | None]:
        """`note`, with the row id of the event it wrote: what an undo of an observation noted
        with a button points at (`void_observation`). None when nothing was written, and while
        the log cannot take writes (the event is held in memory and has no id yet)."""
        if self._state.discharged:
            return Outcome(False, (ENDED,)), None
        if not text.strip():
            return Outcome(False, ("The note is empty: write what you observed.",)), None
        with self._step(now) as step:
            step.records.append(EventRecord(self.session_id, now.wall, kind, actor,
                                            {"text": text.strip()}))
            if kind == OBSERVED:
                self._state.note_observed(text.strip(), now.wall)
        event_id = step.ids[0] if step.ids else None
        if kind == OBSERVED and event_id is not None:   # the episode just noted is that row
            *before, _ = self._state.observed[text.strip()]
            self._state.observed[text.strip()] = (*before, (now.wall, event_id))
        return Outcome(True), event_id

    def void_observation(self, event_id: int, actor: str, now: Moment, reason: str) -> Outcome:
        """An observation noted with a button ("Vomiting") by mistake, taken back: an
        `entered_in_error` event names its event (`event`, its `text` and when it was noted,
        `OBSERVED_AT`), and from then on the episode counts nowhere, live as after a restart
        (which replays it so), in the review and the report. The event stays in the log
        (append-only). A review: a mis-click beside the Nausea buttons stayed an adverse
        event for good, though every other observation button offers a 10-second Undo."""
        if self._state.discharged:
            return Outcome(False, (ENDED,))
        found = self.noted(event_id)
        if found is None:
            return Outcome(False, ("That observation is not one noted at this chair since the "
                                   "console started, or it was taken back already.",))
        text, at = found
        if not reason.strip():
            return Outcome(False, (f"Say why {text} is entered in error.",))
        with self._step(now) as step:
            step.records.append(EventRecord(
                self.session_id, now.wall, "entered_in_error", actor,
                {"event": event_id, "kind": OBSERVED, "text": text, OBSERVED_AT: iso(at),
                 "reason": reason.strip()}))
            self._state.take_back_observed(text, iso(at))
        return Outcome(True)

    def tick_item(self, item_id: str, actor: str, now: Moment, note: str = "",
                  gate_decision: str = "", early_reason: str = "",
                  extra_reason: str = "") -> Outcome:
        """Tick a checklist item of the current phase.

        A gate item (baseline BP 140/90) whose latest values reach the gate needs a prescriber
        decision, logged with it: refused without one with `asks=GATE_APPROVAL`, the one refusal
        a prescriber's approval passes. An item is refused, naming them, while a value it attests
        (its gate's vitals, its `needs`) has none. A nasal device ticked before the rest after
        the last one has run needs the reason it was given early (`device_rest`), and one beyond
        the session's dose (device 3 of 56 mg) the reason it was given at all, then, before its
        rest has run, the reason it was given early too, each logged with the tick. The first
        device passes the pre-dose gate once more: a gated value at or over it taken after T0
        asks for the prescriber's decision as the gate item does (`_gate_before_first_device`).
        A device is refused while a device numbered before it is open: that one was given now.
        What the nurse typed to answer a question (`early_reason`, `gate_decision`) is logged
        though the question no longer stands when it comes (the rest run out, a BP under the
        gate come in meanwhile).
        """
        if self._state.discharged:
            return Outcome(False, (ENDED,))
        item = self._item(item_id)
        if item is None:
            known = ", ".join(i.id for i in self.phase.checklist)
            return Outcome(False, (f"{self.phase.name} has no checklist item {item_id!r}; items: {known}.",))
        if item.asks and not note.strip():   # e.g. a device's lot number, for the REMS form
            return Outcome(False, (f"{item.asks} needed: type it to tick {item.text!r}.",))
        if item.if_no and yes_no(note) is None:
            # Read as yes or no, as the gate and the REMS form read it: "acceptable?" is neither.
            return Outcome(False, (f"Answer yes or no to tick {item.text!r}: {note.strip()!r} is "
                                   "neither.",))
        if item.asks_minutes and not _whole_minutes(note):
            return Outcome(False, (f"{item.asks}: type a whole number of minutes, 0 to "
                                   f"{MAX_ANSWER_MINUTES}, e.g. 90, to tick {item.text!r}: "
                                   f"{note.strip()!r} is not one.",))
        dose_devices = device_rest.beyond_dose(self.protocol, self.details, item.id)
        open_devices = device_rest.devices_open(self.protocol, self.details, self.ticks())
        if dose_devices is not None and open_devices:
            # Device 3 ticked while device 2 of a 56 mg dose is open is the second device
            # under the wrong row (an X walk): the dose's own row records it.
            return Outcome(False, (f"{device_rest.device_name(item.id).capitalize()} is beyond "
                                   f"this session's dose ({float(self.details['dose_mg']):g} mg "
                                   f"is {dose_devices} devices) while "
                                   f"{device_rest.device_name(open_devices[0])} is open: tick "
                                   f"{device_rest.device_name(open_devices[0])} for the device "
                                   "given now.",))
        lower = device_rest.lower_open(item.id, {i.id for i in self.phase.checklist}, self.ticks())
        if lower:
            # The same within the dose: device 2 ticked with device 1 open had the record read
            # device 1 given at 10:16, device 2 at 10:11 and the observation from 10:11 (an
            # esketamine review).
            return Outcome(False, (f"{device_rest.device_name(item.id).capitalize()} follows "
                                   f"{device_rest.device_name(lower[0])}, which is open: tick "
                                   f"{device_rest.device_name(lower[0])} for the device given "
                                   "now.",))
        if dose_devices is not None and not extra_reason.strip():
            return Outcome(False, (device_rest.beyond_question(
                dose_devices, item.id, float(self.details["dose_mg"])) + ".",), asks=EXTRA_DEVICE)
        rest = device_rest.rest_before(
            self.protocol, self.details, {i: Moment(t.mono, t.at) for i, t in self.ticks().items()},
            item.id, beyond_dose_too=True)
        early = rest is not None and rest.left_s(now) > 0
        if rest is not None and early and not early_reason.strip():
            return Outcome(False, (device_rest.early_question(rest, item.id, now) + ".",),
                           asks=EARLY_DEVICE)
        gate_item, over = ((item.id, self._gate_exceeded(item)) if item.gate
                           else self._gate_before_first_device(item))
        unrecorded = self._unrecorded(item, over)
        if unrecorded:
            return Outcome(False, (f"Record {', '.join(unrecorded)} before ticking {item.text!r}.",))
        undone = self._undone_checks(item)
        if undone:
            return Outcome(False, (f"Record the scheduled {' and '.join(undone)} before ticking "
                                   f"{item.text!r}.",))
        wait = self.discharge_wait_s(now) if item.after_discharge_time else None
        if wait is not None:
            return Outcome(False, (f"{item.text!r} waits for the discharge time: "
                                   f"{format_duration(wait, round_up=True)} left.",))
        records: list[Record] = []
        if over and not gate_decision.strip():
            # The words ask for an approval, not any decision: "NO-do-not-dose" typed as
            # "the prescriber's decision" ticked the gate (a nurse walk on X). Marked by
            # `asks`, not by its words: the panel took any refusal whose text said
            # "prescriber" (the gate item's own text does) for this one (review 39).
            return Outcome(False, (f"{'; '.join(over)}: {PRESCRIBER_REVIEW}. To tick this "
                                   "item, name the prescriber who approves dosing, with their "
                                   "words (Cancel if they do not approve).",),
                               asks=GATE_APPROVAL)
        if gate_decision.strip() and gate_item:
            # Logged though nothing is over the gate now: a BP under it that came in while the
            # prescriber was asked had dropped the decision given without a word (an esketamine
            # review). Nothing a nurse types is lost.
            decided: dict[str, Any] = {"item": item.id, "values": over,
                                       "decision": gate_decision.strip()}
            if gate_item != item.id:   # the first device: the gate it passes is the pre-check's
                decided["gate"] = gate_item
            records.append(EventRecord(self.session_id, now.wall, "gate_decision", actor, decided))
        with self._step(now) as step:
            dosed_before = self._first_dose()
            tick = Tick(item.id, actor, now.wall, now.mono, note.strip())
            self._state.ticks[(self.phase.id, item.id)] = tick
            self._state.unticked.pop((self.phase.id, item.id), None)
            detail: dict[str, Any] = {"phase": self.phase.id, "item": item.id, "text": item.text,
                                      "note": tick.note}
            dosed = self._first_dose()
            moved = (dosed is not None and dosed_before is not None
                     and dosed.mono != dosed_before.mono)
            if dosed is not None and (moved or self._first_device(item.id)):
                # The first device: the checks timed after the dose, waiting for it, count from
                # it (`Schedule.first_dose_given`), and so do the scores (`_since_dose`); after
                # T0, placed among the readings for a restart.
                self.schedule.first_dose_given(dosed, now)
                self._state.device_given = True
            if moved:
                detail[OBSERVATIONS_BEFORE] = self._state.observations_logged
            if item.gate and self._state.t0 is None:
                detail["baseline"] = self._fix_baseline(item)
            if rest is not None and (early or early_reason.strip()):
                # A reason typed is kept, the rest run out while she typed it: device 2 asked at
                # 4:40 and answered at 5:10 had dropped it without a word (an esketamine review).
                detail["early"] = device_rest.early_detail(rest, now, early_reason.strip())
            if dose_devices is not None:
                detail["beyond_dose"] = {"dose_mg": self.details["dose_mg"],
                                         "devices": dose_devices, "reason": extra_reason.strip()}
            records.append(EventRecord(self.session_id, now.wall, "checklist_ticked", actor, detail))
            step.records.extend(records)
        if item.answered_no(tick.note):   # logged, but it holds the gate (`_unmet_items`)
            # What it holds first, the answer last: the checklist's two-line message cut "waits
            # for a yes" off "Logged 'no': Vital signs recorded not acceptable …" (a review).
            held = ("discharge" if self.phase.kind is PhaseKind.DISCHARGE
                    else "dosing" if self.next_starts_first_dose else "the next phase")
            return Outcome(True, (f"Still open: {held} waits for a yes or an override "
                                  f"({tick.note!r} logged: {item.if_no}).",))
        return Outcome(True)

    def _unrecorded(self, item: ChecklistItem, over: Sequence[str]) -> list[str]:
        """What the item attests was recorded and has no value yet, in the words of the refusal:
        its gate's vitals (unless one is already over the gate: that asks the prescriber) and
        its `needs`, an entry of alternatives named as "Heart rate (or Pulse rate)". Said all
        at once: "Baseline BP, HR, SpO2 and RR recorded" was ticked with only a BP (review 39).
        """
        entries = item.needs if over else self._attested(item)
        missing = [[metric(m).label for m in names] for names in entries
                   if not self._recorded(names)]
        return [labels[0] + (f" (or {' or '.join(labels[1:])})" if labels[1:] else "")
                for labels in missing]

    @staticmethod
    def _attested(item: ChecklistItem) -> tuple[tuple[str, ...], ...]:
        """The values `item` attests were recorded: its gate's vitals, then its `needs` (an
        entry of alternatives: either one)."""
        return (*((name,) for name, _ in item.gate), *item.needs)

    def _recorded(self, names: Sequence[str]) -> bool:
        """A value of one of `names` stands. One measured at a time not known (`AGE_UNKNOWN`)
        is no value recorded now."""
        return any((kept := self.latest(m)) is not None and AGE_UNKNOWN not in kept.reading.flags
                   for m in names)

    def _unmet_items(self, phase: Phase, needed: Collection[str] = ()) -> list[str]:
        """The items of `phase` that hold it, as the gate says them: a required one (or a device
        in `needed`) not ticked ("Required item open: …"), and a yes-or-no item whose latest
        answer is no, in its `if_no` words ("Vital signs recorded not acceptable …"). The "no"
        is the nurse's logged record, not a tick that satisfies the item: taken as one, the
        patient went home with it and no override (an esketamine review). Read from the ticks,
        which a restart rebuilds from the log with their notes."""
        reasons = []
        for item in phase.checklist:
            tick = self._state.ticks.get((phase.id, item.id))
            if tick is None and (item.required or item.id in needed):
                reasons.append(f"{REQUIRED_OPEN}{item.text}")
            elif tick is not None and item.answered_no(tick.note):
                reasons.append(item.if_no)
        return reasons

    def _undone_checks(self, item: ChecklistItem) -> list[str]:
        """The times of the item's `needs_checks` without their reading yet ("BP at T+40")."""
        checks = [c for p in self.protocol.phases for c in p.checks if c.name in item.needs_checks]
        return [name for c in checks for name in timed_names(c) if not self.schedule.done(name)]

    def _fix_baseline(self, item: ChecklistItem) -> dict[str, float]:
        """The gate item is ticked: its vitals' latest values become the baseline, fixed."""
        fixed = {}
        for name, _ in item.gate:
            latest = self.latest(name)
            if latest is not None:
                fixed[name] = self._state.baseline[name] = latest.reading.value
                self._state.baseline_fixed.add(name)
                self._state.baseline_logged.add(name)
        return fixed

    def _gate_reached_again(self) -> list[str]:
        """Gated vitals that reached the gate after their baseline was ticked (before T0).

        After the tick: received after it, or, when the tick saw the vital below the gate (its
        fixed baseline), any value at the gate now, which the nurse had not seen: a monitor's
        166/103 decoded a few milliseconds before a tick of 130/80 and taken after it (it
        waited in the window's queue) counted as before the tick, and dosing started without
        the prescriber. Resumed alike: the tick's baseline is logged with it.

        Each vital is judged by its newest gate tick only (a prescriber's decision is logged
        with its tick): with an arrival BP ticked at 130/80 and a pre-dose BP of 150/95
        approved at its tick, the arrival tick took the approved BP for one come after it,
        and dosing was refused asking for the decision just given (a review of e593755)."""
        if self._state.t0 is not None:
            return []
        newest: dict[str, tuple[Tick, float]] = {}
        for phase, item in self._pre_dose_gates():
            tick = self._state.ticks.get((phase.id, item.id))
            if tick is None:
                continue
            for name, limit in item.gate:
                if name not in newest or tick.mono >= newest[name][0].mono:
                    newest[name] = (tick, limit)
        reasons = []
        for name, (tick, limit) in newest.items():
            latest, shown = self.latest(name), metric(name).as_shown
            ticked_below = shown(self._state.baseline.get(name, limit)) < limit
            # After the tick: received after it, or come to stand after it (a correction
            # stands for its measurement's time: a baseline approved at 150 and corrected to
            # 175 after the tick had passed unasked, review 45). On the monotonic clock:
            # after NTP set the clock back between the BP and the tick, the approved BP read
            # as come after it, and dosing was refused (review 46).
            if latest is not None and shown(latest.reading.value) >= limit and (
                    ticked_below or latest.at.mono > tick.mono):
                m = metric(name)
                reasons.append(
                    f"{m.label} is now {m.format(latest.reading.value)} {m.unit} (gate ≥{limit:g}) "
                    f"since the baseline was ticked at {clock_time(tick.at)}: a prescriber "
                    "review is required before dosing; give the prescriber's decision")
        return reasons

    def prescriber_gates_open(self, now: Moment) -> list[str]:
        """The prescriber gates an override of this phase would pass (empty when none): before
        the first dose, a gated vital at or over its gate without a prescriber's decision, or
        one that reached it again since. Overriding them is a prescriber's decision (issue 13:
        only an account with the prescriber role decides at a gate), not a nurse's override."""
        if not self.next_starts_first_dose:
            return []
        reasons = self._gate_reached_again()
        for phase, item in self._pre_dose_gates():
            if (phase.id, item.id) not in self._state.ticks:
                over = self._gate_exceeded(item)
                if over:
                    reasons.append(f"{', '.join(over)}: {PRESCRIBER_REVIEW}")
        return reasons

    def _item(self, item_id: str) -> ChecklistItem | None:
        return next((i for i in self.phase.checklist if i.id == item_id), None)

    def _pre_dose_gates(self) -> list[tuple[Phase, ChecklistItem]]:
        """The gate items of every phase before the first dosing one, with their phase. Read
        from the current phase only, a gate item in the first of two pre phases (arrival, then
        pre-dose checks) was passed unasked: a BP at the gate after its tick, or an optional
        gate item left unticked (a review of the protocols)."""
        return [(phase, item) for phase, item in self._pre_dose_items() if item.gate]

    def _pre_dose_items(self) -> list[tuple[Phase, ChecklistItem]]:
        """Every checklist item of the phases before the first dosing one, with its phase."""
        return [(phase, item) for phase in pre_dose_phases(self.protocol.phases)
                for item in phase.checklist]

    def _gate_before_first_device(self, item: ChecklistItem) -> tuple[str, list[str]]:
        """The pre-dose gate a nasal session's first device passes: (the gate item's id, its
        gated vitals at or over the gate, as `_gate_exceeded` says them) for values taken after
        T0 while no device is ticked yet, the first gate and [] when none is over (its
        prescriber's decision is kept all the same); ('', []) for any other item. The dose is
        the first device, not T0: a BP of 152/96 typed on the devices' screen before device 1
        is the BP before the dose (the REMS form reads it so), and device 1 was ticked with no
        prescriber asked (review 45). Values before T0 were judged by the move to dosing."""
        if (self._state.t0 is None or device_rest.device_number(item.id) is None
                or any(device_rest.device_number(i) is not None for _, i in self._state.ticks)):
            return "", []
        gates = [gated for _, gated in self._pre_dose_gates()]
        for gated in gates:
            over = self._gate_exceeded(gated, since_t0=True)
            if over:
                return gated.id, over
        return (gates[0].id if gates else ""), []

    def _stands_since_t0(self, latest: Latest) -> bool:
        """`latest` was taken after T0, or came to stand after it: a baseline corrected on the
        devices' screen (128 typed for the cuff's 158) was never judged by the move to dosing,
        and device 1 was ticked on it unasked (review 45)."""
        t0 = self._state.t0
        return latest.after_t0 or (t0 is not None and latest.at.mono > t0.mono)

    def _gate_exceeded(self, item: ChecklistItem, since_t0: bool = False) -> list[str]:
        """The item's gated vitals at or over their gate, judged on the value as shown (as the
        alarms are): a monitor's 140.6 reads "141" and asks the prescriber at a ≥141 gate (it
        had compared the raw 140.6 and ticked without asking, review 40). `since_t0`: only
        values taken after T0."""
        over = []
        for name, limit in item.gate:
            latest = self.latest(name)
            if since_t0 and (latest is None or not self._stands_since_t0(latest)):
                continue
            if latest is not None and metric(name).as_shown(latest.reading.value) >= limit:
                m = metric(name)
                over.append(f"{m.label} {m.format(latest.reading.value)} {m.unit} (gate ≥{limit:g})")
        return over

    def phase_blockers(self, now: Moment) -> list[str]:
        """Why the current phase cannot end now (empty when it can)."""
        phase, state = self.phase, self._state
        ticked = {item for (p, item) in state.ticks if p == phase.id}
        needed = device_rest.devices_open(self.protocol, self.details, ticked)
        reasons = self._unmet_items(phase, needed)
        reasons.extend(self._phase_time_blockers(now))
        reasons.extend(self._phase_exit_blockers())
        if self.next_starts_first_dose:
            reasons.extend(self._gate_reached_again())
            reasons.extend(self._state.unticked.values())
        return reasons

    def _phase_time_blockers(self, now: Moment) -> list[str]:
        """The current phase's own time still to run (`times`: its `duration_minutes`,
        `min_minutes`, `min_minutes_from_t0`), as its end and, in the discharge phase, the
        discharge say it; empty once run. Every wait still running is rounded up, as the rest's
        countdown is (`device_rest._clock`): 0.4 s before the 2 hours, "0:00 min left" stood
        beside a discharge refused (an esketamine review)."""
        phase, left = self.phase, self.times(now).phase_remaining_s
        if left is None or left <= 0:
            return []
        if phase.kind is PhaseKind.DOSING and phase.duration_minutes:
            return [f"{phase.name} has {format_duration(left, round_up=True)} of its "
                    f"{phase.duration_minutes:g} min left"]
        return [f"{phase.name} must last {format_duration(left, round_up=True)} more"]

    def _phase_exit_blockers(self, min_moaas: int | None = None) -> list[str]:
        """The current phase's own exit rules unmet: systolic within its band of the baseline
        and not rising, its MOAA/S. `min_moaas`: a MOAA/S held beside the phase's (the
        discharge gate's), asked in the one line of the higher."""
        phase = self.phase
        reasons = []
        if phase.exit_bp_within_baseline_mmhg is not None:
            reasons.extend(self._bp_not_settled(phase.exit_bp_within_baseline_mmhg))
        least = max((m for m in (phase.exit_min_moaas, min_moaas) if m is not None), default=None)
        if least is not None:
            reasons.extend(self._moaas_below(least))
        return reasons

    @property
    def next_starts_first_dose(self) -> bool:
        """The next phase is the first dosing one: moving on starts T0."""
        index = self._state.phase_index + 1
        return (self._state.t0 is None and index < len(self.protocol.phases)
                and self.protocol.phases[index].kind is PhaseKind.DOSING)

    def advance_phase(self, actor: str, now: Moment, override_reason: str = "",
                      signed_for: Collection[Blocker] | None = None) -> Outcome:
        """Move to the next phase; refused with reasons unless an override reason is given.

        `signed_for`: what the override's signature was given for (`phase_override_blockers`
        as it was asked); anything blocking now beyond it refuses the override, nothing
        recorded. None: not signed (a log without accounts)."""
        if self._state.discharged:
            return Outcome(False, (ENDED,))
        if self._state.phase_index + 1 >= len(self.protocol.phases):
            return Outcome(False, ("This is the last phase: use discharge to end the session.",))
        blockers = self.phase_blockers(now)
        records: list[Record] = []
        if blockers:
            if not override_reason.strip():
                return Outcome(False, tuple(blockers))
            if signed_for is not None:
                new = self._not_signed_for(self.phase_override_blockers(now), signed_for)
                if new:
                    return Outcome(False, (f"New since the signature: {new}. Nothing was "
                                           "recorded: ask for the signature again.",))
            records.append(EventRecord(self.session_id, now.wall, "override", actor, {
                "action": "end_phase", "phase": self.phase.id, "blockers": blockers,
                "reason": override_reason.strip(),
            }))
        with self._step(now) as step:
            step.records.extend(records)
            step.records.extend(self._next_phase_records(actor, now))
        return Outcome(True)

    def _next_phase_records(self, actor: str, now: Moment) -> list[Record]:
        records: list[Record] = [EventRecord(self.session_id, now.wall, "phase_ended", actor,
                                             {"phase": self.phase.id, "name": self.phase.name})]
        index = self._state.phase_index + 1
        first_dose = self._state.start_phase(index, self.protocol.phases[index].kind, now)
        if first_dose:
            self._state.t0_reached = True
            # The baseline is fixed at T0 (as logged in dosing_started): a reading that looks
            # earlier by a wall clock stepped back later (NTP) must not move it, or the limits
            # relative to it would follow every value and never fire.
            self._state.baseline_fixed.update(self._state.baseline)
            self._state.baseline_logged.update(self._state.baseline)
        records.append(self._phase_event(now, actor))
        if first_dose:
            records.append(EventRecord(self.session_id, now.wall, "dosing_started", actor, {
                "t0": True, "baseline": dict(self._state.baseline),
            }))
        self.schedule.start_phase(self.phase, now, self._first_dose())
        if first_dose:
            for reading in self._standing_at_t0(now):
                # Judged again, as taken: never its own repeat (`ConditionTracker.on_value`).
                taken = self._state.latest[reading.metric].taken.mono
                records.extend(self._evaluate(reading.metric, reading.value, now,
                                              source=reading.source, taken=taken,
                                              mark=beyond_mark(reading.flags)))
        records.extend(self._prompts(now))
        return records

    def _standing_at_t0(self, t0: Moment) -> list[Reading]:
        """The values the limits relative to the baseline judge at T0, when they start to apply:
        each such vital's last value, if it is no older than its tile keeps it current (a cuff
        or typed BP: 20 minutes). A BP already 40 above its ticked baseline (140/88 after
        100/60, under the dosing gate) raised nothing at T0: the alarm waited for the next cuff
        measurement, 10 minutes into the infusion (an alarm review, 4 Dec 2026). Read from
        logged times only, so a restart replays it as it was (`resume`)."""
        standing = (self._state.latest.get(name) for name in self._baseline_metrics)
        return [s.reading for s in standing if s is not None and _stands_at_t0(s.reading, t0)]

    def _phase_event(self, now: Moment, actor: str) -> EventRecord:
        detail: dict[str, object] = {"phase": self.phase.id, "name": self.phase.name,
                                     "kind": self.phase.kind.value}
        # Where the phase starts among the readings, exactly, for a restart's replay.
        detail[OBSERVATIONS_BEFORE] = self._state.observations_logged
        return EventRecord(self.session_id, now.wall, "phase_started", actor, detail)

    # ---- discharge ---------------------------------------------------------------------------

    def discharge_wait_s(self, now: Moment) -> float | None:
        """Seconds until the discharge gate's times have run, the longest of its waits: from
        T0 (esketamine: 2 h from the first device, as recorded given) and from the end of dosing
        (IV: 30 min after the infusion, however long the pump ran), and in the discharge phase its
        own times (`_discharge_phase_left_s`); None when all have run, or there are none, or no
        dose was given."""
        waits = [w for w in (self._wait_from_t0_s(now), self._wait_after_dosing_s(now),
                             self._discharge_phase_left_s(now))
                 if w is not None]
        return max(waits, default=None)

    def _discharge_phase_left_s(self, now: Moment) -> float | None:
        """Seconds the discharge phase's own times still run (its `min_minutes`,
        `min_minutes_from_t0`: `times`) while the session is in it; None once run, or in
        another phase. They hold the discharge as they hold any phase's end."""
        left = self.times(now).phase_remaining_s
        if self.phase.kind is not PhaseKind.DISCHARGE or left is None or left <= 0:
            return None
        return left

    def _wait_from_t0_s(self, now: Moment) -> float | None:
        minutes = self.protocol.discharge.min_minutes_from_t0
        since = self._since_first_dose_s(self.times(now).since_t0_s)
        if minutes is None or since is None or since >= minutes * 60:
            return None
        return minutes * 60 - since

    def _wait_after_dosing_s(self, now: Moment) -> float | None:
        """The gate's wait after the dosing ended (with its last phase). A T0 of 70 min was 30
        min after a 40-min infusion only: one paused at the pump for nausea that ended at T+55
        let the patient go 15 min after it (review 41). Counted from `dosing_ended` on the
        monotonic clock (rebuilt by `resume` from the logged phase starts); the whole wait
        while dosing still runs."""
        minutes = self.protocol.discharge.min_minutes_after_dosing
        ended = self._state.dosing_ended
        if minutes is None or self._state.t0 is None:
            return None
        since = 0.0 if ended is None else now.mono - ended.mono
        return minutes * 60 - since if since < minutes * 60 else None

    def _discharge_time_blockers(self, now: Moment) -> list[str]:
        """The gate's time not yet run, in one line: the wait that holds longest (two lines
        reading "28:00 min left" for one moment were noise), the one from T0 on a tie. The
        discharge phase's own times are one more wait, said as its end says them."""
        gate = self.protocol.discharge
        timed = gate.min_minutes_from_t0 is not None or gate.min_minutes_after_dosing is not None
        if timed and self._state.t0 is None:
            return ["No dose was given: T0 is not set"]
        from_t0, after_dosing = self._wait_from_t0_s(now), self._wait_after_dosing_s(now)
        own = self._discharge_phase_left_s(now)
        if own is not None and own > max(from_t0 or 0.0, after_dosing or 0.0):
            return self._phase_time_blockers(now)
        if after_dosing is not None and (from_t0 is None or after_dosing > from_t0):
            dosing = self.protocol.dosing_phases[-1]   # the dosing ends with its last phase
            return [f"Observation must reach {gate.min_minutes_after_dosing:g} min after "
                    f"{dosing.name} ended: {format_duration(after_dosing, round_up=True)} left"]
        if from_t0 is not None:
            return [f"Observation must reach {gate.min_minutes_from_t0:g} min after the "
                    f"first dose: {format_duration(from_t0, round_up=True)} left"]
        return []

    def discharge_blockers(self, now: Moment) -> list[str]:
        gate = self.protocol.discharge
        in_discharge = self.phase.kind is PhaseKind.DISCHARGE
        reasons = []
        if not in_discharge:
            reasons.append(f"The session is in {self.phase.name}: finish it before discharge")
        else:
            reasons.extend(self._unmet_items(self.phase))
        if gate.refuse_while_alarm:
            reasons.extend(f"{ALARM_NOT_RESOLVED}{o.message}" for o in self._refusing_alarms())
        reasons.extend(self._discharge_time_blockers(now))
        # The observation's own exit rule, BP back near baseline ("vitals until stable",
        # clinical-defaults.md post-session), holds at discharge too: Observation left against it
        # (a nurse's reason) then took the patient home with it unchecked.
        bands = {p.exit_bp_within_baseline_mmhg for p in self.protocol.phases
                 if p.kind is PhaseKind.OBSERVATION}
        for band in sorted(b for b in bands if b is not None):
            reasons.extend(self._bp_off_baseline(band))
        if gate.refuse_while_bp_rising:
            reasons.extend(self._bp_rising())
        if in_discharge:
            # The discharge phase's own band and MOAA/S (protocols/README.md, [[phases]]:
            # "observation / discharge only") hold the discharge as they hold a phase's end, its
            # times with the gate's above: loaded and never read, a Discharge phase saying 90 min
            # from T0 let the patient go at T0 + 70 (a review of the protocols).
            reasons.extend(self._phase_exit_blockers(gate.min_moaas))
        elif gate.min_moaas is not None:
            reasons.extend(self._moaas_below(gate.min_moaas))
        if gate.refuse_while_dissociated:
            reasons.extend(self._dissociation_unresolved())
        if gate.min_aldrete is not None:
            reasons.extend(self._aldrete_below(gate.min_aldrete))
        # A rising systolic refused by the phase's band and by the gate is said once.
        return list(dict.fromkeys(reasons))

    def discharge(self, actor: str, now: Moment, override_reason: str = "",
                  signed_for: Collection[Blocker] | None = None) -> Outcome:
        """Discharge and end the session, or refuse with the reasons (logged either way).

        `signed_for`: what the override's signatures were given for
        (`discharge_override_blockers` as they were asked); anything blocking now beyond it
        refuses the override with nothing recorded: a high alarm raised while the nurse came
        to sign had been overridden, and ended "session ended", on the prescriber's signature
        for a list that never named it (a window review). The override's signatures are then
        bound to no record (signing.py), and the refusal is no gate refusal to log: the gate
        is asked again. None: not signed (a log without accounts)."""
        if self._state.discharged:
            return Outcome(False, ("The session has already ended.",))
        blockers = self.discharge_blockers(now)
        if blockers and not override_reason.strip():
            with self._step(now) as step:
                step.records.append(EventRecord(self.session_id, now.wall, "discharge_refused",
                                                actor, {"reasons": blockers}))
            return Outcome(False, tuple(blockers))
        if blockers and signed_for is not None:
            new = self._not_signed_for(self.discharge_override_blockers(now), signed_for)
            if new:
                return Outcome(False, (f"New since the signatures: {new}. Nothing was "
                                       "recorded: ask for the signatures again.",))
        records: list[Record] = []
        if blockers:
            records.append(EventRecord(self.session_id, now.wall, "override", actor, {
                "action": "discharge", "blockers": blockers, "reason": override_reason.strip(),
            }))
        since = self.times(now).since_t0_s
        records.append(EventRecord(self.session_id, now.wall, "discharged", actor, {
            "minutes_from_t0": round(since / 60, 1) if since is not None else None,
            "minutes_total": round((now.mono - self.started.mono) / 60, 1),
        }))
        records.append(EventRecord(self.session_id, now.wall, "session_ended", actor, {}))
        with self._step(now) as step:
            # Whatever is still on the board ends with the session (an override discharged it).
            step.records.extend(records[:-2])
            step.records.extend(self.board.end_all(now, SESSION_ENDED))
            step.records.extend(records[-2:])
            step.records.append(SessionEnded(self.session_id, now.wall))
            self._state.discharged = True
            self._state.ended_at = now.wall
        return Outcome(True)

    def phase_override_blockers(self, now: Moment) -> tuple[Blocker, ...]:
        """What an override of the phase's end passes now, each with its identity: the
        controller asks it as it asks for the signature and gives it back to `advance_phase`
        (`signed_for`). The prescriber gates count: a BP come over the gate while the nurse
        signed her override of an open item makes it a prescriber's decision she never signed."""
        return self._identified([*self.phase_blockers(now), *self.prescriber_gates_open(now)])

    def discharge_override_blockers(self, now: Moment) -> tuple[Blocker, ...]:
        """What an override of the discharge gate passes now, each with its identity (as
        `phase_override_blockers`, for `discharge`)."""
        return self._identified(self.discharge_blockers(now))

    def _refusing_alarms(self) -> list[Occurrence]:
        """The alarms that refuse discharge (`refuse_while_alarm`: "any active or unacknowledged
        alarm", protocols/README.md; clinical-defaults.md alarm behaviour 9): the patient's, and
        a prompt become a medium alarm (a check overdue, behaviour 8). A "Vitals overdue"
        sounding had let the patient go with no word or override, the last BP 25 min old
        (a review). A technical condition of the station (speaker, device link, log) says
        nothing about whether the patient may leave, nor does a "Vitals due" information
        prompt."""
        return [o for o in self.board.occurrences()
                if o.category == PHYSIOLOGICAL
                or (o.category == PROMPT and o.priority >= Priority.MEDIUM)]

    def _identified(self, reasons: Sequence[str]) -> tuple[Blocker, ...]:
        """Each reason with what holds behind its words (`Blocker.key`): the alarm whose row it
        words, as `discharge_blockers` words it, or the current phase's checklist item."""
        alarms = {f"{ALARM_NOT_RESOLVED}{o.message}": o for o in self._refusing_alarms()}
        items = {}
        for item in self.phase.checklist:
            items[f"{REQUIRED_OPEN}{item.text}"] = f"item {item.id} open"
            if item.if_no:
                items[item.if_no] = f"item {item.id} answered no"
        identified = []
        for text in dict.fromkeys(reasons):   # a gate reached again is a phase's and a gate's
            alarm = alarms.get(text)
            if alarm is not None:
                identified.append(Blocker(text, f"alarm {alarm.id}", int(alarm.priority),
                                          alarm.state is AlarmState.LATCHED))
            else:
                identified.append(Blocker(text, items.get(text) or _rule_words(text)))
        return tuple(identified)

    @staticmethod
    def _not_signed_for(blocking: Sequence[Blocker], signed_for: Collection[Blocker]) -> str:
        """What blocks now that the override was not signed for, in words ('' when nothing):
        fewer than signed is fine, a value moved is the same blocker."""
        return "; ".join(b.text for b in blocking if not b.signed_in(signed_for))

    # ---- shared checks -----------------------------------------------------------------------

    def _bp_rising(self) -> list[str]:
        """The reason, when the last systolic reading is more than `BP_RISE_MMHG` above the one
        before: named with just those two, the pair the rule compares (an earlier, higher
        reading shown beside them read as a contradiction). A smaller step is the cuff's own
        scatter: 123 → 124 refused a stable patient's discharge (a nurse walk on X). Judged as
        the tiles show them (the history keeps the values as received, which a take-back
        matches): a monitor's 119.6 → 125.4 reads 120 → 125, and was refused "still rising"."""
        shown = [metric("bp_systolic").as_shown(v) for v in self._state.systolic_history[-2:]]
        if len(shown) == 2 and shown[1] - shown[0] > BP_RISE_MMHG:
            return [f"Systolic BP still rising: {shown[0]:.0f} → {shown[1]:.0f} mmHg at "
                    "the last two readings"]
        return []

    def _bp_not_settled(self, within: float) -> list[str]:
        return self._bp_off_baseline(within) + self._bp_rising()

    def _bp_off_baseline(self, within: float) -> list[str]:
        latest, base = self.latest("bp_systolic"), self._state.baseline.get("bp_systolic")
        if latest is None or base is None:
            return ["No systolic BP to compare with baseline"]
        # Both as their tiles show them, as the alarm limits judge (`ConditionTracker.on_value`):
        # a monitor's 140.4 reads "140", 20 from 120, and was refused as "more than 20".
        shown = metric("bp_systolic").as_shown
        value, base = shown(latest.reading.value), shown(base)
        if abs(value - base) > within:
            return [f"Systolic BP {value:.0f} is more than {within:g} mmHg from "
                    f"baseline {base:.0f}"]
        return []

    def _dissociation_unresolved(self) -> list[str]:
        """Dissociation back near its baseline and no hallucinations: the post-session rule
        (clinical-defaults.md; the esketamine boxed warning: observe until dissociation has
        resolved). The checklist's own tick said "resolved" over a CADSS of 24 against a
        baseline of 0 with hallucinations present, and the patient went home (an esketamine
        walk): the recorded scores decide. Near baseline: not above the baseline score, nor
        above the score taken as dissociation present."""
        reasons = []
        latest, base = self._since_dose("dissociation"), self._state.baseline.get("dissociation")
        allowed = max(DISSOCIATION_PRESENT_ABOVE, base or 0)
        if latest is None and (self._scores_dissociation() or self.latest("dissociation")):
            # "Dissociation near baseline" (clinical-defaults.md, post-session) compares a score
            # taken after the dose with the baseline one: the baseline alone had passed. Asked
            # where the protocol scores dissociation (a check, or an item that needs the score:
            # every shipped one) or this session scored it; else left to the checklist, as before.
            reasons.append(f"No dissociation (CADSS) score recorded since the dose (needs "
                           f"{allowed:.0f} or less)")
        elif latest is not None and latest.reading.value > allowed:
            baseline = f"baseline {base:.0f}" if base is not None else "no baseline"
            reasons.append(f"Dissociation (CADSS) {latest.reading.value:.0f}, {baseline}: not "
                           f"resolved (needs {allowed:.0f} or less)")
        hallucinations = self.latest("hallucinations")
        if hallucinations is not None and hallucinations.reading.value >= 1:
            reasons.append("Hallucinations recorded present: record them absent once resolved")
        return reasons

    def _since_dose(self, metric_name: str) -> Latest | None:
        """The metric's latest value when it was taken after the dose, else None (also before
        T0: no dose given). A score rules on the patient after the dose: the baseline MOAA/S 5
        had passed Observation's "alert" and the discharge gate with no score taken since
        (review 40). Post-session "MOAA/S 5; dissociation near baseline" (clinical-defaults.md;
        esketamine boxed warning: observe until sedation and dissociation resolve) is a state
        after the dose, not the pre-dose baseline. The dose is T0, or for nasal devices the
        first device ticked (`_first_dose`): scores taken on the devices' screen before device
        1 had passed the gate with none after it (an esketamine review; the REMS draft calls
        them before the dose). Judged by the value's own `after_t0` and `after_first_device` (set as
        it was taken, and as a restart replays it after T0's phase start and the first
        device's tick), not by comparing times: a restart after the wall clock was stepped back
        places the baseline scores after a T0 rebuilt from the stepped clock, and the patient
        went home on them (review 42)."""
        latest = self.latest(metric_name)
        if latest is None or not latest.after_t0:
            return None
        # With no device ticked (the phase left with a reason) T0 stands for the dose, as in
        # `_first_dose`.
        if self._state.device_given and not latest.after_first_device:
            return None
        return latest

    def _scores_dissociation(self) -> bool:
        """Whether the protocol scores dissociation: a check of it, or an item needing it."""
        return any("dissociation" in c.named
                   for p in self.protocol.phases for c in p.checks) or any(
            "dissociation" in names for p in self.protocol.phases for i in p.checklist
            for names in i.needs)

    def _score_below(self, metric_name: str, minimum: int, missing: str, shown: str,
                     needs: str) -> list[str]:
        """The reason, when the score since the dose (`_since_dose`) is missing or below
        `minimum`: "No MOAA/S recorded since the dose (needs 5)", "Modified Aldrete 8 (needs
        ≥9)". Recovery is scored after the dose: a pre-sedation Aldrete of 10 had passed the
        gate with no score taken after the infusion (review 42), as the baseline MOAA/S had."""
        latest = self._since_dose(metric_name)
        if latest is None:
            since = " since the dose" if self.latest(metric_name) is not None else ""
            return [f"No {missing} recorded{since} (needs {needs})"]
        if latest.reading.value < minimum:
            return [f"{shown} {latest.reading.value:.0f} (needs {needs})"]
        return []

    def _moaas_below(self, minimum: int) -> list[str]:
        return self._score_below("moaas", minimum, "MOAA/S", "MOAA/S", f"{minimum}")

    def _aldrete_below(self, minimum: int) -> list[str]:
        return self._score_below("aldrete", minimum, "modified Aldrete score",
                                 "Modified Aldrete", f"≥{minimum}")

    # ---- writing -----------------------------------------------------------------------------

    def _clock_step(self, now: Moment) -> list[Record]:
        """A `CLOCK_STEPPED` event when the wall clock has moved against the monotonic one by
        more than CLOCK_STEP_SECONDS since the last step seen, logged ahead of the action's own
        records. The timers run on the monotonic clock and go on unchanged; the event lets a
        restart, which has only the logged wall times, undo the step (`resume`): NTP stepping
        the clock an hour forward at T0 + 30 and a restart at T0 + 32 had shown 28 min of
        esketamine's 2 hours left, not 88 (review 40)."""
        if self._state.discharged:
            return []   # after the discharge only the held discharge itself is written
        offset = now.wall.timestamp() - now.mono
        known, self._state.wall_offset = self._state.wall_offset, offset
        if known is None:
            return []
        step_s = offset - known
        if abs(step_s) <= CLOCK_STEP_SECONDS:
            self._state.wall_offset = known   # small moves add up until they make a step
            return []
        self._restart_corrected(step_s)
        before = now.wall - timedelta(seconds=step_s)
        message = (f"Station clock set {'forward' if step_s > 0 else 'back'} "
                   f"{format_span(abs(step_s))} (from {clock_time(before)} to "
                   f"{clock_time(now.wall)}): the session's timers run on unchanged")
        return [EventRecord(self.session_id, now.wall, CLOCK_STEPPED, ENGINE, {
            "step_s": round(step_s, 3), "message": message,
            OBSERVATIONS_BEFORE: self._state.observations_logged,   # the readings it moves
            ALARM_ROWS_BEFORE: self._state.alarm_rows_logged})]     # and the alarm rows

    def _restart_corrected(self, step_s: float) -> None:
        """A live step that puts right the clock a restart found wrong against the log moves
        what this run's restart rebuilt from the log as a replay of the log moves it (`resume`:
        the step moves the runs from the restart it corrects on, not the earlier ones): a clock
        an hour ahead at the restart had counted the hour as downtime, and "Elapsed", T0's
        timers and the discharge gate kept it live (the gate open an hour early) until the next
        restart took it back. One behind had the restart counted as at once: its real downtime
        comes back. The restart it corrects is the replay's (`RunClocks.stepped`): this run's,
        or an earlier one a restart since did not find wrong (the station restarting again on
        the same wrong clock before NTP: the step reaches back through the second restart to
        the first, and the gate had opened 20 min early)."""
        restart = self._state.restart_clock
        if restart is None:
            return
        known, starts, behind = restart
        clocks = known.copy()
        reach = clocks.stepped(step_s)
        self._state.restart_clock = (clocks, starts, behind)
        # Put right once: a later step is the clock's own, which the timers run on through
        # (the clock falling back an hour and NTP putting it right again had moved T0 an hour
        # early), as a replay reads it (`RunClocks`). A step stopped by an older log's restart,
        # which did not say its clock, corrects nothing here.
        if not clocks.corrected(reach) or known.corrected(reach):
            return
        own = reach == len(starts) - 1
        # This run's restart: what it rebuilt, up to it; an earlier one: what came before that
        # restart, not the restart's own records (its run moves with the step, as live).
        at = starts[reach] if own else math.nextafter(starts[reach], -math.inf)
        shift = (behind if own else 0.0) - step_s
        self._state.restart_clock = (clocks, tuple(
            start + shift if start < at else start for start in starts), behind)

        def moved(moment: Moment | None) -> Moment | None:
            return moment if moment is None or moment.mono >= at else Moment(
                moment.mono + shift, moment.wall)

        state = self._state
        self.started = moved(self.started) or self.started
        state.phase_started = moved(state.phase_started) or state.phase_started
        state.t0, state.dosing_ended = moved(state.t0), moved(state.dosing_ended)
        state.ticks = {key: tick if tick.mono >= at else replace(tick, mono=tick.mono + shift)
                       for key, tick in state.ticks.items()}
        # The due checks and the alarms it put back, by the same shift: left, a check read an
        # hour more overdue than a replay says after a restart an hour ahead.
        self.schedule.restart_corrected(shift, at)
        self.board.restart_corrected(at, shift)

    @contextlib.contextmanager
    def _step(self, now: Moment) -> Iterator[_Step]:
        """One action: gather its records, commit them, then let the new state stand and notify.

        A failure anywhere before the commit has returned (other than the log fault that holds
        records, handled in `_commit`) restores the engine to its state before the step.
        """
        step = _Step()
        board, schedule, state = self.board.clone(), self.schedule.clone(), self._state.clone()
        trackers = {name: tracker.clone() for name, tracker in self._trackers.items()}
        started = self.started   # a step correcting the restart's clock moves it
        try:
            step.records.extend(self._clock_step(now))   # before anything timed by the new clock
            yield step
            ids = self._commit(step.records, now)
        except BaseException:
            self.board, self.schedule, self._trackers, self._state = board, schedule, trackers, state
            self.started = started
            raise
        step.ids, step.saved = ids or [], ids is not None
        # Written or held, in order either way (held ones reach the log before anything later).
        self._state.observations_logged += sum(
            isinstance(r, ObservationRecord) for r in step.records)
        self._state.alarm_rows_logged += sum(
            isinstance(r, AlarmTransition) for r in step.records)
        self._keep_rows(step, now)
        if step.records:
            for listener in list(self._listeners):
                listener()

    def _keep_rows(self, step: _Step, now: Moment) -> None:
        """Remember the newest committed values of each metric with their row ids (after the
        commit: only a row that is in the log can be taken back)."""
        for index, record in enumerate(step.records):
            if isinstance(record, ObservationRecord) and not record.flags & DEMO_OR_TEST:
                row_id = step.ids[index] if index < len(step.ids) else None   # None: held
                self._note_logged(row_id, record, now)
                if OTHER_CHANNEL in record.flags:
                    # Never the vital's value (`judged_alone`): none to fall back to, and
                    # nothing of it to correct or take back (`uncorrectable`).
                    if row_id is not None:
                        self._state.other_channel.add(row_id)
                    else:
                        self._held_other.append(record)
                    continue
                if row_id is not None:
                    self._remember_row(row_id, record, now)
                else:
                    self._held_rows.append((record, self._row_for(record, now)))

    def _note_logged(self, row_id: int | None, record: ObservationRecord, at: Moment) -> None:
        """Note a value given to the log (live: written or held) or replayed (resume): the
        newest of its value, and a typed one with its row id for the session (`_State.typed`),
        a correction as the measurement it corrects (`_standing_for`: paired with the rest of
        its BP by that measurement's time)."""
        self._values_given += 1
        self._newest_of_value[(record.metric, record.value)] = self._values_given
        if record.source != MANUAL:
            return
        reading = Reading(record.metric, record.value, record.unit, record.measured_at,
                          record.received_at, record.source, record.channel, record.flags)
        corrected = (self._state.typed.get(record.corrects) if record.corrects is not None
                     else None)
        if corrected is not None:
            reading = _standing_for(reading, corrected)
        kept = Latest(reading, at, self._state.t0_reached,
                      after_first_device=self._state.device_given)
        if row_id is None:   # held: its row id comes when the log takes it
            self._typed_held.append((record, self._values_given, kept))
            return
        self._typed_place[row_id] = self._values_given
        self._state.typed[row_id] = kept

    def _held_written(self, written: Sequence[tuple[Record, int]]) -> None:
        """The held records reached the log with these row ids: each value among them is kept
        by its id as it would have been written at once (`_held_rows`, `_typed_held`), in order,
        as a restart's replay keeps it. Without it a typed SpO2 85 held by a locked log could not
        be entered in error, its correction left its alarm sounding, and taking a later value
        back skipped the monitor's values held with it, until "Restart and resume" (reviews)."""
        ids = {id(record): row_id for record, row_id in written}
        for record, kept in self._held_rows:
            if (row_id := ids.get(id(record))) is not None:
                self._keep_row(row_id, kept)
        for record, place, typed in self._typed_held:
            if (row_id := ids.get(id(record))) is not None:
                self._typed_place[row_id] = place
                self._state.typed[row_id] = typed
        self._held_rows = [entry for entry in self._held_rows if id(entry[0]) not in ids]
        self._state.other_channel.update(ids[id(record)] for record in self._held_other
                                         if id(record) in ids)
        self._held_other = [record for record in self._held_other if id(record) not in ids]
        self._typed_held = [entry for entry in self._typed_held if id(entry[0]) not in ids]

    def _alone_raised(self, metric_name: str, row_id: int) -> Latest | None:
        """The typed value `row_id` when no value of the vital came again after it (`typed`,
        `_newest_of_value`): a latched alarm at its value then stands for it alone. None
        otherwise, or when it is not a typed value: an excursion a later value held happened."""
        kept = self._state.typed.get(row_id)
        if kept is None or (self._newest_of_value.get((metric_name, kept.reading.value))
                            != self._typed_place.get(row_id)):
            return None
        return kept

    def _remember_row(self, row_id: int, record: ObservationRecord, at: Moment) -> None:
        self._keep_row(row_id, self._row_for(record, at))

    def _row_for(self, record: ObservationRecord, at: Moment) -> Latest:
        """`record` as its vital's recent values keep it, given to the log at `at` (now)."""
        reading = Reading(record.metric, record.value, record.unit, record.measured_at,
                          record.received_at, record.source, record.channel, record.flags)
        return Latest(reading, at, self._state.t0_reached,
                      after_first_device=self._state.device_given,
                      superseded=self._superseded(reading, at),
                      placed=self._measured_at(reading, at))

    def _keep_row(self, row_id: int, kept: Latest) -> None:
        rows = self._state.rows.setdefault(kept.reading.metric, [])
        # In measurement order: a late cuff goes before the value that superseded it, which
        # stays the latest (`void` of it goes back to the cuff, as a restart's replay has it).
        place, measured = len(rows), self._placed(kept)
        while kept.superseded and place > 0 and self._placed(rows[place - 1][1]) > measured:
            place -= 1
        rows.insert(place, (row_id, kept))
        del rows[:-KEEP_ROWS]

    def _corrected_in_place(self, metric_name: str, ids: Sequence[int], after_t0: bool,
                            gone: Latest | None) -> None:
        """The correction's row, kept as taken now (`_remember_row`), keeps the corrected
        value's place before or after T0 and the first device (`_remember`), and the times of
        its measurement (`gone`, the corrected row's, when still kept): taken back to it later,
        a value voided after it, the tile shows the measurement as it was, not as of the
        correction."""
        rows = self._state.rows.get(metric_name, [])
        for i, (row, kept) in enumerate(rows):
            if ids and row == ids[0]:
                if gone is not None:
                    kept = replace(kept, reading=_standing_for(kept.reading, gone),
                                   measured=gone.taken, placed=gone.placed,
                                   after_first_device=gone.after_first_device, replaced=gone)
                rows[i] = (row, replace(kept, after_t0=after_t0))

    def _commit(self, records: Sequence[Record], now: Moment) -> list[int] | None:
        """Commit `records` (one transaction) and return their ids; None when the log cannot take
        them now: they are then held in memory, in order, and a technical alarm says so (R5)."""
        if not records:
            return []
        ids = self.writes.write(records, now.mono)
        if ids is not None:
            return ids
        log_alarm = self._log_alarm(now)
        self.writes.hold(log_alarm)   # after `records`, outside the step: counted here
        self._state.alarm_rows_logged += sum(isinstance(r, AlarmTransition) for r in log_alarm)
        self._copy_held(now)
        return None

    def _copy_held(self, now: Moment, force: bool = False,
                   more_folders: Sequence[Path] = ()) -> Path | None:
        """Copy what is held to a file as it is held (`HeldFile`): the log's folder first, else
        the spare folders (the system's temporary folder unless the app says otherwise)."""
        error = self.writes.error
        folders = [*([error.path.parent] if error is not None else []), *self.spare_folders,
                   *more_folders]
        return self.held_file.copy(self.writes.held, folders, now.wall, now.mono, force,
                                   log=error.path if error is not None else None)

    def _log_alarm(self, now: Moment) -> list[Record]:
        """Raise (or keep) the "session log unavailable" technical alarm while records are held.

        Medium priority: nothing is lost yet and the patient's alarms still work, but the record
        is not in the log (held in memory, with a copy in `HeldFile`'s file) until the log takes
        it, so the nurse must act (free the disk, close the program holding the file, call
        support) within minutes; high is kept for what needs an immediate response to the
        patient.
        """
        error = self.writes.error
        held = Raise(Priority.MEDIUM, f"Session log unavailable ({_log_cause(error)}): readings "
                                      "are held in memory and not yet saved")
        return list(self.board.update(LOG_UNAVAILABLE, TECHNICAL, held, now))

    def _retry_log(self, now: Moment, force: bool = False) -> None:
        """Write what is held once the log takes it again (an attempt when one is due, or
        `force`), in one step of its own and one transaction with the records saying so: the
        `log_restored` event, naming the unsaved-records file the held records were copied to,
        and the log alarm's end. Then the file goes.

        One transaction: a console killed between the held batch's commit and the note's (two
        transactions) had left a log with the records and a file its restart took for records
        the log lacks, "re-enter what matters" (entered twice). The note names the file: the
        restart knows a file the log took by its name (`_written_by_its_run`), not by times a
        clock step moves. The file goes only after the commit: a kill before it leaves a file
        the note names. It goes once they are committed even when a bug ends the step after
        (in `_keep_rows`, a listener): kept, its stale lines had the next hold's records
        appended into no file (`HeldFile.copy`), lost at a kill."""
        if not self.writes.due(now.mono, force):
            return
        held_since, path = self.writes.held_since, self.held_file.path
        try:
            with self.writes.flushing(), self._step(now) as step:
                step.records.append(EventRecord(self.session_id, now.wall, "log_restored", ENGINE, {
                    "records_written": self.writes.count,
                    "held_seconds": (round(now.mono - held_since, 1) if held_since is not None
                                     else None),
                    # Escaped as the log can hold it (`path_text`): a Latin-1 folder's byte
                    # made the log refuse the batch and its note, at every try, held for good.
                    LOG_RESTORED_FILE: path_text(path) if path is not None else None,
                }))
                step.records.extend(self.board.update(LOG_UNAVAILABLE, TECHNICAL, None, now))
        except LogError as exc:   # the step is undone (the alarm stands); still held
            self.writes.refused(exc, now.mono)
            return
        except Exception:   # a bug: if after the commit, the records and their note are in
            if not self.writes.held:   # the log, and the copy goes as below
                self.held_file.written_to_log()
                self._held_written(self.writes.flushed)   # and their values are kept
            raise
        self.held_file.written_to_log()
        self._held_written(self.writes.flushed)

    def close(self, now: Moment, spare_folders: Sequence[Path] = ()) -> Path | None:
        """The console stops: a last attempt to write what is held, else its file (`HeldFile`).

        Returns the file the held records are in (JSON lines, 0600: the log's folder, else the
        first spare folder that takes it), or None when nothing was left held. The file was
        written as they were held, so a SIGKILL or a power cut loses none of them either.
        """
        failed: Exception | None = None
        try:
            self._retry_log(now, force=True)
        except Exception as exc:   # a held record the log refuses (a bug): the file still comes first
            failed = exc
        path = None
        if self.writes.count:
            path = self._copy_held(now, force=True, more_folders=spare_folders)
            if path is not None:
                self.writes.held.clear()   # saved elsewhere: a second close must not write them again
        if failed is not None:
            failed.add_note(f"the records held were saved to {path}" if path is not None
                            else "the records held could not be saved to any file")
            raise failed
        return path

    @property
    def entered_in_error(self) -> frozenset[int]:
        """The observation rows taken back as entered in error (restored at a restart): they
        count nowhere, and leave every trend (the central's snapshot too)."""
        return frozenset(self._state.voided)

    @property
    def unsaved_readings(self) -> int:
        """How many of the held records are readings (what the status line tells the nurse)."""
        return self.writes.observations

    @property
    def pause_seconds(self) -> float:
        """How long an audio pause lasts."""
        return self.board.pause_seconds

    @property
    def unsaved(self) -> int:
        """Records held in memory because the log cannot take them (0 when all are saved)."""
        return self.writes.count

    @property
    def log_error(self) -> LogError | None:
        """Why records are held (None when nothing is)."""
        return self.writes.error if self.writes.count else None


# The transport's reasons for DISCONNECTED (devices/transport.py), as the alarm banner says them.
_PROFILE_WORDS = (": profile ", ": code map ")
_PROFILE_FOUND = "Device disconnected: no valid frame yet"
_LOST_REASONS = (
    ("port lost", "port lost"),
    ("cannot open", "cannot open its port"),
    # A profile's code map refused as the port opened (a clinic copy saved with a typo): the
    # transport tries again with the back-off (devices/transport.py).
    ("cannot read", "code map cannot be read"),
    ("unexpected error", "reading it failed"),
    ("reader failed", "reading it failed"),
    # Short: the alarm area shows about 45 characters at 1366x768 ("…is not i…" was cut).
    ("unknown monitor", "profile not installed"),
    ("unusable monitor", "profile cannot be used"),
)


# What one device message carried: each reading's vital, channel, value and measured time.
CarriedRow = tuple[str, str, float, datetime | None]
Carried = frozenset[CarriedRow]


def _carried_row(reading: Reading) -> CarriedRow:
    return (reading.metric, reading.channel, reading.value, reading.measured_at)


def _carried(readings: Sequence[Reading]) -> dict[tuple[str, str], Carried]:
    """What each device message among `readings` carried, by (source, message id)."""
    found: dict[tuple[str, str], set[CarriedRow]] = {}
    for r in readings:
        if r.message and r.source != MANUAL:
            found.setdefault((r.source, r.message), set()).add(_carried_row(r))
    return {key: frozenset(items) for key, items in found.items()}


def _may_be_resent(reading: Reading) -> bool:
    """A device reading whose sender may send its message again: one that is answered (HL7:
    an AE, or an AA lost, brings the same message back), known by its message id (MSH-10), or
    by its HL7 source when the message had none. A Masimo line, an Ivy frame or an IntelliVue
    reply is answered by nobody and never comes twice: each is a new reading, however alike (a
    device clock stuck stamps every line the same). A Mindray bedside link, unanswered too,
    reads as HL7 without ids and is still judged by values and times."""
    return reading.source != MANUAL and (bool(reading.message)
                                         or reading.source.startswith(HL7_SOURCE))


def _without_impossible_bp(
        readings: Sequence[Reading]) -> tuple[list[Reading], list[tuple[str, list[Reading]]]]:
    """`readings` without the device NIBP measurements whose diastolic is not below their
    systolic (80/125: a cuff artefact or swapped rows; typed, the same pair is refused,
    `check_bp`), or, each pressure sent once, not diastolic < mean < systolic (the decoders'
    rule, `pressures_in_order`: an HL7 cuff whose rows carry their own OBX-14 is left to this
    judgement, and its 120/80 with a mean of 80 was logged as the patient's MAP), and each such
    measurement: its words and its values dropped. A measurement is one source, message and
    time: its pair, its mean pressure and the cuff's pulse go together (the mean of an 80/125
    had been logged and charted as the patient's MAP of 110)."""
    measurements: dict[tuple[str, str, datetime], list[Reading]] = {}
    for r in readings:
        if is_nibp_value(r) and r.source != MANUAL:
            measurements.setdefault((r.source, r.message, r.measured_at or r.received_at),
                                    []).append(r)
    out: set[int] = set()
    found: list[tuple[str, list[Reading]]] = []
    for parts in measurements.values():
        said = [f"NIBP {systolic.value:g}/{diastolic.value:g} mmHg from {systolic.source}: "
                f"diastolic {diastolic.value:g} not below systolic {systolic.value:g}"
                for systolic, diastolic in zip(
                    [r for r in parts if r.metric == "bp_systolic"],
                    [r for r in parts if r.metric == "bp_diastolic"], strict=False)
                if diastolic.value >= systolic.value]
        pressures = [r for r in parts if r.metric in BP_METRICS]
        sent = {r.metric: r.value for r in pressures}
        if not said and len(sent) == len(pressures) and not pressures_in_order(sent):
            shown = "/".join(f"{sent[m]:g}" if m in sent else "-" for m in BP_METRICS[:2])
            mean = f"{sent['bp_mean']:g}" if "bp_mean" in sent else "-"
            said = [f"NIBP {shown} ({mean}) mmHg from {parts[0].source}: "
                    "not diastolic < mean < systolic"]
        if said:
            out |= {id(r) for r in parts}
            found.append(("; ".join(said), parts))
    return [r for r in readings if id(r) not in out], found


def _repeated_until(observations: Sequence[ObservationRecord],
                    mono_of: Callable[[int, ObservationRecord], float], sources: frozenset[str],
                    since: float) -> float:
    """When a monitor of `sources` last sent a message after `since` (the impossible NIBP's
    drop), as its logged readings say, until it logged an NIBP again (a new measurement: the
    impossible one no longer repeated): how long the repeats held the alarm live."""
    held = since
    for place, obs in enumerate(observations):
        if obs.source not in sources or (at := mono_of(place, obs)) <= since:
            continue
        if is_nibp_metric(obs.metric, obs.flags):
            break
        held = at
    return held


def _logged_nibp_keys(logged: object) -> list[tuple[str, str, str, float, str]]:
    """The `_nibp_key`s a `device_dropped` event logged (IMPOSSIBLE_NIBP_KEYS); a malformed one
    is skipped (its repeats are logged as dropped again, nothing is lost)."""
    keys = []
    for item in logged if isinstance(logged, list) else ():
        if (isinstance(item, list) and len(item) == 5
                and isinstance(item[3], int | float) and all(isinstance(v, str) for v in
                                                             (*item[:3], item[4]))):
            keys.append((item[0], item[1], item[2], float(item[3]), item[4]))
    return keys


def _nibp_key(reading: Reading) -> tuple[str, str, str, float, str] | None:
    """A monitor's NIBP measurement, as it repeats it in every message with its own time: its
    pressures and the cuff's pulse (`is_nibp_value`; the pulse had been logged every second)."""
    if not is_nibp_value(reading) or reading.source == MANUAL or reading.measured_at is None:
        return None
    return (reading.metric, reading.source, reading.channel, reading.value,
            reading.measured_at.isoformat())


def _read_again(words: str) -> bool:
    """The loss was the monitor's profile or code map: once the port opens again, that file was
    read and is no longer the reason (review 44)."""
    return any(part in words for part in _PROFILE_WORDS)


def _lost_words(reason: str) -> str:
    """The "Device disconnected" alarm's words for a loss `_lost_reason` gave (or none)."""
    return f"Device disconnected{': ' + reason if reason else ''}"


def _lost_reason(detail: str) -> str:
    """Why the device is lost, in words without the port's name.

    An alarm message travels into reports and de-identified exports as text the console wrote,
    and a port such as /dev/serial/by-id/usb-<vendor>_<serial> names the device; the full detail
    stays in the `device_state` event, which de-identification treats as free text.
    """
    for prefix, words in _LOST_REASONS:
        if detail.startswith(prefix):
            return words
    return ""


def _lost_reworded(occurrences: list[Occurrence],
                   events: Sequence[EventRecord]) -> list[Occurrence]:
    """The open "Device disconnected" occurrence in the words its `device_state` events last
    gave it: they change its words at its priority and write no alarm row (a profile put back
    broken, found again; `device_state_changed`). From its `raised` row, a restart put back
    "profile not installed" that the console had stopped saying (review 44)."""
    words: str | None = None
    linked = "manual"   # as a console starts (`_State.device_state`)
    for event in events:
        if event.kind == SESSION_RESUMED:
            linked = "manual"
        if event.kind != "device_state":
            continue
        state, detail = str(event.detail.get("state", "")), str(event.detail.get("detail", ""))
        reason = _lost_reason(detail)
        if state == linked:   # repeated: only a monitor still lost for another reason rewords
            words = _lost_words(reason) if state == "disconnected" and reason else words
        elif state == "disconnected":   # as `_device_state_records` words it
            words = _lost_words(reason)
        elif state == "connected":
            words = None
        elif words is not None and _read_again(words):
            words = _PROFILE_FOUND
        linked = state
    for o in occurrences:
        if o.condition == DEVICE_LOST and words is not None:
            o.message = o.current_message = words
    return occurrences


def _written_by_its_run(left: LeftHeld, events: Sequence[EventRecord]) -> bool:
    """The records of `left` reached the log: a `log_restored` names its file (written in the
    same transaction as them, `_retry_log`; the console stopped before it removed the file).

    By the name, not by times: after NTP set the clock back an hour, an earlier episode's
    `log_restored` at 10:00:20 came "after" a file held at 09:01, and the held SpO2 alarm and
    typed BP, in no log, were not said. The name is that hold's alone (`HeldFile`: a random
    part; time and process id came again after a clock step back). An older console's
    `log_restored` names no file: for it, as then, one after the newest of the records with no
    restart between (the run that held them wrote them); a later run's wrote only its own."""
    restored = [e for e in events if e.kind == "log_restored"]
    if any(Path(str(e.detail[LOG_RESTORED_FILE])).name == left.path.name for e in restored
           if e.detail.get(LOG_RESTORED_FILE)):
        return True
    for event in events:
        if event.at < left.last_at:
            continue
        if event.kind == SESSION_RESUMED:
            return False
        if event.kind == "log_restored" and LOG_RESTORED_FILE not in event.detail:
            return True
    return False


def _named_since_reset(events: Sequence[EventRecord],
                       alarm_events: Sequence[AlarmTransition]) -> set[str]:
    """The unsaved-records files named (`UNSAVED_FOUND`) at a restart after the nurse last reset
    the alarm that says them: the latched alarm still says them (each new file's alarm took the
    one before over), a file named before that reset was dealt with. Placed among the alarm rows
    by their restart's `ALARM_ROWS_BEFORE`, not by their times (a clock step moves those)."""
    resets = [i for i, t in enumerate(alarm_events)
              if t.condition == UNSAVED_RECORDS and t.transition == RESET]
    last_reset = resets[-1] if resets else -1
    rows_before = len(alarm_events)   # a restart that did not log where it began: after any
    named = set()
    for event in events:
        if event.kind == SESSION_RESUMED:
            rows_before = int(event.detail.get(ALARM_ROWS_BEFORE, len(alarm_events)))
        elif event.kind == UNSAVED_FOUND and rows_before > last_reset:
            named.add(str(event.detail.get("file")))
    return named


def _minutes(value: float | None) -> float | None:
    return value * 60 if value is not None else None



REPLACES_DEVICE = frozenset({"REPLACES_DEVICE"})
"""The flag of a typed value the nurse said replaces the monitor's reading of an alarming vital."""


_Kept = TypeVar("_Kept")
# The trackers of a vital before one of its values, and its "Repeat" check then (`_as_if_never`).
_Before = tuple[tuple[ConditionTracker, ...], Counted | None]


MAX_ANSWER_MINUTES = 600   # a minutes answer (`asks_minutes`): ten hours bounds any session's


def _whole_minutes(note: str) -> bool:
    """`note` is a whole number of minutes from 0 to MAX_ANSWER_MINUTES ("90", " 120 ")."""
    text = note.strip()
    return text.isascii() and text.isdigit() and int(text) <= MAX_ANSWER_MINUTES


def _ecg_current(heart: Latest, now: Moment) -> bool:
    """A monitor's heart rate (`heart`) still current at `now` (`ecg_heart_rate_current`): not
    typed, and come within ECG_HEART_RATE_SECONDS."""
    return heart.reading.source != MANUAL and now.mono - heart.at.mono <= ECG_HEART_RATE_SECONDS


def _stood_at(kept: Latest, at: Moment) -> Latest:
    """The value in `kept`'s place at `at`: `kept`, or for a correction made after `at` the
    value it replaced (`Latest.replaced`), down a chain of corrections."""
    while kept.replaced is not None and kept.at.mono > at.mono:
        kept = kept.replaced
    return kept


def _standing_for(correction: Reading, gone: Latest) -> Reading:
    """A correction's value as the measurement it corrects (`gone`): of that measurement's
    times, so the tile pairs it with the rest of its BP and ages it from then. The log keeps
    the correction's own row (made at the correction's time): the review, the exports and a
    restart find the measured time through `corrects`."""
    return replace(correction, measured_at=gone.reading.measured_at,
                   received_at=gone.reading.received_at)


def _of_known_age(value: Latest) -> bool:
    """`value` may be a baseline: not a BP of unknown age (`AGE_UNKNOWN`, an Ivy's screen BP
    at connect), which `_remember` never makes one."""
    return AGE_UNKNOWN not in value.reading.flags


def _kept_for(kept: Sequence[tuple[float, float, _Kept]], gone: Latest) -> _Kept | None:
    """What was kept before the value `gone` came (by its time and value; the newest first), or
    None when it is no longer kept (`void`)."""
    return next((item for mono, value, item in reversed(kept)
                 if mono == gone.at.mono and value == gone.reading.value), None)


def _ended_because(records: Sequence[Record], metric_name: str, why: str) -> list[Record]:
    """Say in the end of an alarm on `metric_name` what ended it (`why`, in brackets)."""
    out: list[Record] = []
    for record in records:
        if (isinstance(record, AlarmTransition) and record.transition == CLEARED
                and record.condition.startswith(metric_name + "_")):
            record = replace(record, message=f"{record.message} ({why})")
        out.append(record)
    return out


def _stands_at_t0(reading: Reading, t0: Moment) -> bool:
    """`reading` is still current at T0 by its tile's rule for a cuff or typed value (20 min),
    read from its logged time (`_standing_at_t0`)."""
    return (t0.wall - reading.received_at).total_seconds() <= STALE_MANUAL_SECONDS


def _reworded(occurrences: list[Occurrence], alarm_events: Sequence[AlarmTransition],
              moments: Sequence[Moment],
              replayed: Mapping[str, Mapping[Priority | None, tuple[float, Raise]]]
              ) -> list[Occurrence]:
    """The open occurrences with the value of the last value replayed that held each, and in
    the words of the last at the priority each shows, where it came at or after the
    occurrence's last row: a value changes an alarm's value, and its words at its own
    priority, and writes no row (`AlarmBoard._change`; a row per reading would fill the
    log). An unseen high SpO2 88 that fell to 80 and rose to 92 (held high) read "SpO2 88 %"
    after a restart, "SpO2 80 %" live (review 44). A latched occurrence keeps its `latched`
    row's: no value after it held it. Times are the replay's (`moments`: each row's, on the
    clock as stepped since): by logged times, a value after NTP set the clock back an hour read
    as older than the row before the step, and was left out (review 44). A `reminded` row
    words nothing anew (`AlarmBoard.tick`): a reminded alarm back inside for its last 10 s
    came back in its `acknowledged` row's words, not its last value's."""
    last_row = {t.occurrence: at.mono for t, at in zip(alarm_events, moments, strict=True)
                if t.transition != REMINDED}
    for o in occurrences:
        if o.category != PHYSIOLOGICAL or o.state is AlarmState.LATCHED:
            continue
        last = replayed.get(o.condition, {})
        since = {p: held for p, (at, held) in last.items() if at >= last_row[o.id]}
        if None in since:
            o.current, o.value = since[None].priority, since[None].value
            o.current_message, o.current_threshold = since[None].message, since[None].threshold
        if o.priority in since:
            o.message, o.threshold = since[o.priority].message, since[o.priority].threshold
    return occurrences


def _undone_by(records: Sequence[Record], actor: str) -> list[Record]:
    """Name `actor` (the nurse who took a value back) on the `deescalated` rows of a take-back:
    an escalation that value made, undone. A restart reads that name to put back the state from
    before the escalation (`_open_occurrences`): an acknowledged medium escalated by a typo and
    put back came back unacknowledged, sounding (an alarm review, 4 Dec 2026)."""
    return [replace(r, actor=actor)
            if isinstance(r, AlarmTransition) and r.transition == DEESCALATED else r
            for r in records]


def _open_occurrences(alarm_events: Sequence[AlarmTransition], moments: Sequence[Moment],
                      changes: Mapping[str, Sequence[float]]) -> list[Occurrence]:
    """The occurrences the log leaves open, each in the state its last transitions gave it.

    A latched occurrence comes back latched (its `latched` row). A log written before latching
    had a row of its own restores it as ACTIVE, and the re-evaluation on resume latches it again
    by the board's rule. `changes`: per condition, the replayed mono times at which another
    value came (`another_value`; `_note_replayed_change`), in order.
    """
    found: dict[int, Occurrence] = {}
    escalated_at: dict[int, float] = {}   # occurrence -> mono of the row `before_escalation` is of

    def stands(o: Occurrence, until: float | None = None) -> bool:
        """Another value came after the row that escalated `o` (and before `until`): live,
        the board then let the escalation stand (`AlarmBoard._change`)."""
        times = changes.get(o.condition, ())
        after = bisect_right(times, escalated_at[o.id])
        return after < (len(times) if until is None else bisect_left(times, until))
    # `Occurrence.before_escalation` as the board keeps it live: what the occurrence was before
    # its last `escalated` row (priority, words, acknowledgement), until another row of it says
    # the value that escalated it no longer stands alone (an acknowledgement makes it stand; a
    # `deescalated`, `latched` or `returned` row means another value or priority came). A
    # value taken back after a restart then undoes the escalation as it does live
    # (`AlarmBoard._undo_escalation`): rebuilt only in part, a systolic 185 escalated by a
    # typed 250 stayed a high "Systolic BP 250" alarm after the 250 was taken back (review 40).
    # A take-back's own `deescalated` row (`_undone_by`: a nurse's name) puts it back.
    # Nor does a value write a row when it changes an alarm at its priority (SpO2 88 escalates,
    # 87 follows): live, it lets the escalation stand (`another_value`), and so it does here, from
    # the values the replay fed (`changes`), one taken back since included. From the rows alone,
    # the 88 and the 87 taken back after a restart put back a medium, acknowledged, silent alarm
    # that went on high and sounding without the restart.
    for t, at in zip(alarm_events, moments, strict=True):
        if t.transition in (CLEARED, RESET):
            found.pop(t.occurrence, None)
            continue
        priority = Priority[t.priority.upper()]
        occurrence = found.get(t.occurrence)
        if occurrence is None:
            occurrence = found[t.occurrence] = Occurrence(
                id=t.occurrence, condition=t.condition, category=t.category, priority=priority,
                current=priority, state=AlarmState.ACTIVE, raised_at=at, message=t.message,
                value=t.value, threshold=t.threshold)
        before = occurrence.before_escalation
        if before is not None and stands(occurrence, at.mono):
            before = None
        if t.transition == ESCALATED:
            occurrence.before_escalation = (occurrence.priority, occurrence.message,
                                            occurrence.threshold, occurrence.state,
                                            occurrence.silenced_at, occurrence.seen)
            escalated_at[occurrence.id] = at.mono
        elif t.transition != REMINDED:   # a reminder leaves it (`AlarmBoard.tick`)
            occurrence.before_escalation = None
        occurrence.priority = occurrence.current = priority
        if t.transition == DEESCALATED and t.actor != ENGINE and before is not None:
            occurrence.state, occurrence.silenced_at, occurrence.seen = before[3:]
        if t.transition == ACKNOWLEDGED:
            occurrence.state, occurrence.silenced_at, occurrence.seen = (
                AlarmState.ACKNOWLEDGED, at.mono, True)
            occurrence.acknowledged_up_to = acknowledged_at(occurrence.acknowledged_up_to, priority)
        elif t.transition == LATCHED:
            occurrence.state = AlarmState.LATCHED
        elif (t.transition == ESCALATED and occurrence.state is AlarmState.ACKNOWLEDGED
              and keeps_acknowledgement(occurrence.acknowledged_up_to, priority)):
            pass   # back to a priority already acknowledged: still acknowledged (alarms.py)
        elif t.transition in (ESCALATED, REMINDED, RETURNED):
            occurrence.state, occurrence.silenced_at = AlarmState.ACTIVE, None
            if t.transition == ESCALATED:
                occurrence.seen = False
        if t.transition in (RAISED, ESCALATED, DEESCALATED, ACKNOWLEDGED, LATCHED, UPDATED):
            # An `acknowledged` row says what the nurse acknowledged too: an apnoea that took
            # over an unseen RR 7 at its priority (no row of its own) and was acknowledged came
            # back as RR 7's value alarm, and the absence then took it over as a new alarm
            # (`AlarmBoard._absence_takes_over`), sounding though acknowledged live. So does a
            # `latched` row: an unseen SpO2 90 that fell to 80 and recovered came back as
            # "SpO2 90 %", the excursion to review read as borderline (review 44). An `updated`
            # row is the absence that took over its value at its priority (`UPDATED`).
            occurrence.message, occurrence.value, occurrence.threshold = (
                t.message, t.value, t.threshold)
            occurrence.current_message, occurrence.current_threshold = t.message, t.threshold
    for o in found.values():
        if o.before_escalation is not None and stands(o):
            o.before_escalation = None
    return sorted(found.values(), key=lambda o: o.id)


# A duration as `format_duration` writes it ("4:05 min", "2:11 h"), then any other number.
_DURATION = re.compile(r"\d+:\d\d (?:min|h)\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def _rule_words(reason: str) -> str:
    """A blocker's words without its values: the rule that holds ("Systolic BP # is more than #
    mmHg from baseline #"), one key for it as its values move ("1:07 h left", then "59:40 min
    left")."""
    return _NUMBER.sub("#", _DURATION.sub("<time>", reason))

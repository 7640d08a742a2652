"""The central station's model: every chair on the clinic bus, its card, and what sounds.

Qt-free and transport-free: messages come in as (topic, payload) with the time they arrived
(`receive`), time moves by `tick(now)`, and what the station sends goes out through the
`Publisher` it is given; the window renders `cards(now)` and `banner(now)`, the sounder plays
`audio(now)`. Time is always passed in (style rule 3), so staleness and flashing are tested without
sleeping.

What a card says (issue 12):

- Room, patient as configured, protocol, phase and the session's elapsed time, from the chair's
  retained status (console/network/bus_topics.py). Elapsed time counts on locally between two
  status messages (it is the chair's `elapsed_s` plus the time since that status arrived).
- Latest BP "185/118 (140)", HR, RR, SpO2, each marked in its alarm colour (the status's
  `alarm` of that vital; BP takes the highest of its three parts); the pulse rate in the HR's
  place while no ECG heart rate watches the heart (`PULSE_VITAL`), as the bedside's alarms do.
- The chair's highest alarm: its text, priority and state. Order as the bedside's alarm area
  (console/session/alarm_area.py, its own table): highest priority, then those holding now
  (audio-paused ones too), then latched, then acknowledged, then the newest; "+N" counts the
  others. A prompt ("Vitals due", information) is none, from its PCD-04 as from a status
  (`_alarms`): the status never lists one. It flashes (high 2 Hz, medium 0.5 Hz: the window's
  job) until the chair says it is acknowledged; acknowledged is steady.
- "No connection" when the chair's Last Will arrives (status with online=false) or its status
  has not come for STATUS_STALE_S (10 s), with since when (the last status heard). A chair
  with no session says "No session".

Where alarms come from: the status lists every open alarm as of its `sent_at`; a PCD-04 reports
one phase of one alarm at its time `at`. Both are stamped by the chair's clock, so the newer
wins, per occurrence: an alarm in the last status stands unless a later PCD-04 ended or changed
it; a PCD-04 later than the last status adds or updates its alarm; an alarm that a newer status
no longer lists is over. A PCD-04 of the same instant as a status wins: the status cannot
have known of it unless it says the same (in a conflict the transition came after the status
was read), and of two PCD-04s of one occurrence the later `at` stands, whatever the order they
arrive in. The chair stays the authority when its clock steps back (NTP, an administrator, a
restart before NTP): a PCD-04 end is final for its occurrence whatever its time, and no start or
update replaces it, until a new run of the chair's console (a log restored from a backup gives out
its ids again); a status taken although stamped before the one shown (its count went on) is
the whole truth of the open alarms, as the first status after a Last Will is; a start or update
stamped ahead of the chair's own clock now (`AHEAD_S`) was stamped before such a step and is
left to the statuses; so is the first status of a new run of the chair's console (`_new_run`).
Two consoles under one chair name number alike: each one's alarms are kept so, apart, by its
run token (`_keep_runs_apart`), and its card line names its room.
At a restart the board starts from its log (`restore`), with what its nurse silenced.

Duplicates: QoS 1 is at least once. Every PCD-01 and PCD-04 is kept once by its MSH-10 in the
central log (UNIQUE): a duplicate changes nothing on screen and sounds nothing. Each PCD-04 is
confirmed (`confirm` JSON to `<prefix>/chair/<chair>/confirm`; a batch's once the log committed
it: `confirming_after`), duplicates again: the bedside's quiet-room mode waits for that
confirmation, and confirming twice is harmless.

What sounds (`audio`): the highest priority among
- chair alarms (prompts are none: `_alarms`) that the chair has not acknowledged or
  audio-paused (a bedside silence is mirrored, as Data Critical's PatientNet does: an alarm
  whose state is "paused" in the status, or whose PCD-04 says audio-paused) and that the
  central has not acknowledged;
- the station's own technical alarms (`StationAlarm`) not silenced here.
A chair without connection sounds nothing of its alarms (they are unknown): its loss, if it had
an open session, is the station's own technical alarm instead, medium, or high when a high alarm
was open at the chair when it was last heard, and that alarm is named in it ("Room 3: no
connection to the chair; last heard with *** SpO2 85 %"); the card's offline page names it too.
A console killed while its SpO2 85 sounded had left the station with a medium "no connection"
and no trace of the high (the bedside that sounded it is gone: nobody hears it now). Rule: IEC
60601-1-8 6.11, a failure of the distributed alarm system is itself an alarm condition, and the
risk it carries decides its priority; a lost high alarm is a high risk.

A latched alarm (a high excursion that ended before anyone at the chair saw it) is reset only at
the chair, which refuses a central's acknowledgement of it: Acknowledge at the central silences
the central's own tone for it (logged as `silence`), sends nothing, and the card says so.

Acknowledge at the central (`acknowledge`): the bedside stays the alarm authority. The station
records the action in its log, sends the command JSON to the chair and silences its own tone for
that occurrence at once, up to the priority acknowledged (an escalation sounds again). The card
says "ack sent…" until the chair's PCD-04 update or status says acknowledged; after
ACK_CONFIRM_S without that it says "ack not confirmed" and the tone returns, because the alarm is
still unacknowledged at the chair. One that rose above the priority acknowledged before the chair
applied it (the chair then refuses it) sounds again at once, its note "medium ack refused". Only
the alarm shown on the card is acknowledged, never one the nurse could not see (the bedside's F2
rule): the click names the alarm as drawn (`AckTarget`), and one that is no longer what
Acknowledge acts on (a new alarm, an escalation, since the last draw) is not acknowledged; the
nurse is told, and the card redrawn. While this station's own bus is
down nothing is sent (the bus client would hold the command until its next connect, however
late): the nurse is told to acknowledge at the chair, and the tone goes on.

Station technical alarms (medium, flashing until silenced here, then steady while they last; one
that rises above the priority it was silenced at sounds again):
- the bus not connected for BUS_ALARM_S (10 s): "Central station not connected to the clinic bus"
  (why is on the status line); connected but refused its subscription to the chairs (the
  broker's ACL), as long: "Central station not receiving the chairs: <the broker's refusal>";
  at once when a chair heard here goes unheard for it (or was unheard for it when the station
  stopped), and high, naming it right after those first words (the refusal last), when such a
  chair had a high alarm open (`_bus_alarm`);
- a chair with an open session without connection: "<room>: no connection to the chair" (high,
  naming it, when a high alarm was open there); one lost before the bus dropped stays lost,
  and one still unheard with an alarm open when the bus comes back is lost from then on (the
  bus alarm named it: `set_bus`), the others having 10 s to be heard; after a restart, as the
  log found each when the station stopped (its `stale` row says whether lost: `_restore_chair`);
- the central log cannot take writes (locked by another program, the disk full, the file moved
  away or replaced: `_hold`): the rows it could not take, and every row after them, are held in
  memory in order (duplicates told apart there) and tried again, all in one transaction, every
  RETRY_S on the station's clock (`tick`); the alarm stands until they are all written, saying
  how many wait;
- a chair whose statuses are of a newer schema version: "chair-1 sends status version 2; this
  station reads 1: update the central station", medium, or as urgent as the alarm known open
  there (its PCD-04s, read here), naming it; in place of its loss (`_unreadable_alarm`);
- low, steady: the speaker does not work ("Audio unavailable: visual only").
Among them the highest priority comes first, then the newest (when this station found each; a
chair's loss from when it was found gone, which the log keeps across a restart), as the
bedside's alarm area orders.

Logged (central_log.py): every new PCD-01 and PCD-04; status only when a chair goes online or
offline, its session starts or ends, or its highest alarm or that alarm's value changes; the
nurse's acknowledgements and silences, and a silence's end (`silence_ended`: `_settle_acks`).

Bad input: a payload that is not what its topic promises is counted (`ignored`, with the last
reason) and changes nothing; so is a status with a number or time no card can draw (a NaN
elapsed time, an integer too large for a float, a vital's time out of range), which had stopped
every card from drawing. A trend snapshot's points outside its session (before its start, or
after the chair's clock now: `_trend_window`) are left out, the message counted with its reason,
the rest drawn. Each text a card shows is cut to TEXT_LIMIT on arrival, counted so, the rest of
its message taken (`_cut_status`, `_cut_report`); a message over MAX_PAYLOAD_BYTES is refused
whole. A status of a newer schema version makes its chair unreadable (`_newer_status`): the
station's own alarm, as urgent as the alarm known open there, until a status it reads comes.
Every refusal goes into the central log (`refused` rows, rate-limited: `_note_refusal`).

Across chairs, "the newest alarm" (the trend strip's, F2's) is the one this station heard of last,
by its own clock (`_across_key`); within a chair, the chair's own time orders, as at the bedside.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol, runtime_checkable

from console.clock import Moment, format_duration, iso, parse_iso
from console.network import bus_topics
from console.network.pcd import AlertState, EventPhase, Inactivation
from console.network.twin_watch import TwinWatch
from console.network.pcd_read import (
    AlertReport,
    Header,
    Observation,
    ObservationReport,
    PcdError,
    read_pcd01,
    read_pcd04,
)
from console.records import ESCALATED, RAISED, AlarmTransition
from console.session.alarm_area import _NEED as NEED
from console.session.alarm_area import more_text
from console.session.alarms import AlarmState, priority_marks
from console.session.conditions import short_text
from console.session.trend_feed import SKEW_LIMIT_S, clock_offset, series_of
from devices.reading import OTHER_CHANNEL, is_nibp_metric
from protocols.model import Priority
from protocols.vitals import metric

__all__ = ["ACK_CONFIRM_S", "BUS_ALARM_S", "MAX_PAYLOAD_BYTES", "REFUSED_LOG_S", "RETRY_S",
           "TEXT_LIMIT", "AckTarget", "AlarmLine", "Board", "CardView",
           "ChairAlarm", "CheckedStore", "Publisher", "ReceivedStore", "StationAlarm", "TrendData",
           "VitalView"]

BUS_ALARM_S: Final = 10.0
"""The bus not connected this long: the station's own technical alarm (issue 12)."""
ACK_CONFIRM_S: Final = 10.0
"""An acknowledgement the chair has not confirmed after this long is said to be unconfirmed and
the central tone returns (the alarm is still open at the bedside)."""
CLOSED_CARD_S: Final = 300.0
"""A chair whose console closed cleanly, or was lost (its Last Will), with no session open leaves
the board this long after: its card said "No connection (console closed)" for good, and a 21st
card shrank every number on the board to a third of its size (a charge nurse's walk); a PC lost
between sessions and renamed kept its ghost card at every restart, its Will retained (a review).
A chair lost, or closed, during a session stays."""
TWIN_CHAIR_S: Final = 30.0
"""Two runs of a console under one chair name, their statuses interleaved within this long, are
two chairs with one name: a station alarm that ends this long after the last interleaving (a
restart changes the run's token once and never goes back to the old one)."""
AHEAD_S: Final = bus_topics.STATUS_STALE_S
"""A PCD-04 start or update stamped this far ahead of the chair's own clock now (its last
status's `sent_at` plus the time since that status arrived) was stamped before a step back of
that clock: a raise still in the outbox of a console killed and restarted with its clock behind
(before NTP). Shown, it outranked by time every status of the new run and sounded for an alarm
over at the chair (a code review). The chair's statuses say whether it is open. (A status's
own delay over the network is under a second; one late by this much is stale anyway.)"""
TREND_EARLY_S: Final = SKEW_LIMIT_S
"""A trend snapshot's point this far before its session's start is still taken (not drawn:
`Board.trend` draws from the start): the bedside places a monitor's value at its measured time
when its clock is within SKEW_LIMIT_S of the chair's (console/session/trend_feed.py)."""
RESTORE_S: Final = 12 * 3600.0
"""A chair last heard longer ago than this is not brought back from the log at a restart
(`Board.restore`): no session runs that long (README: a crash's restart comes minutes later)."""
MEMORY_IDS: Final = 50_000
"""Control ids remembered in memory while the log cannot be written (about 40 min at 20 chairs)."""
RETRY_S: Final = 2.0
"""While the central log cannot take writes, the rows held in memory are tried again this often,
on the station's clock (`Board.tick`), all in one transaction: the bedside's pace for its held
records (console/session/holding.py RETRY_SECONDS). Tried per message, a log locked by another
program held the window's thread for the busy timeout at each, 2 s a PCD-01 and 4 s a PCD-04,
and every chair went "No connection" (a review)."""
CHECK_S: Final = 1.0
"""How often the tick looks whether the log's file is still the one at its path (a stat of its
folder while nothing changed there: console/store/in_place.py), as each batch does before its
COMMIT (`CentralLog.batch`)."""

TEXT_LIMIT: Final = 200
"""The most characters of a chair's text a card keeps (room, patient, protocol and phase names,
alarm words, a Last Will's reason): a card line shows some 60 at 1920 wide and its tooltip the
rest, and no room, label or alarm text of a clinic comes near it. One is cut to it on arrival
(`_cut`), the rest of its message taken: a status whose patient label was 4 MB held the window's
thread 6-10 s at each refresh (its label measured the whole text), and another chair's new high
alarm was drawn and sounded that much later (a review)."""
MAX_PAYLOAD_BYTES: Final = 8 * 1024 * 1024
"""A chair's message larger than this is refused whole (`receive`): a status is a few kB, a PCD
message less, and the largest trend snapshot a chair builds (chair_status.build_trend: every
series at 1,500 points, a break every 10 s of an 8-hour session) under 1 MB. Parsing one of
tens of MB on the window's thread would stop the station for every chair."""
REFUSED_LOG_S: Final = 600.0
"""A chair's refusals of one reason go into the central log (`refused` rows: `_note_refusal`),
the first at once, then how many more came, at most once this often: they went nowhere (a
review), and a row a second from a chair sending garbage every second would fill the disk."""
MAX_REFUSAL_KINDS: Final = 1000
"""(chair, reason) pairs whose refusals are counted in memory; the oldest written out beyond."""

PRIORITIES: Final[Mapping[str, Priority]] = {
    "info": Priority.INFO, "low": Priority.LOW, "medium": Priority.MEDIUM, "high": Priority.HIGH}
BEDSIDE_STATES: Final[Mapping[str, AlarmState]] = {
    "active": AlarmState.ACTIVE, "paused": AlarmState.ACTIVE,
    "latched": AlarmState.LATCHED, "acknowledged": AlarmState.ACKNOWLEDGED}
"""A chair alarm's state as the bedside's engine holds it: an audio pause at the chair is a
condition holding now, only quiet for a while (console/network/chair_status.py sends "paused"
for an active alarm under a pause)."""
STATES: Final = frozenset(BEDSIDE_STATES)
CARD_VITALS: Final = (("BP", ("bp_systolic", "bp_diastolic", "bp_mean")), ("HR", ("heart_rate",)),
                      ("RR", ("resp_rate",)), ("SpO2", ("spo2",)))
PULSE_VITAL: Final = ("Pulse", ("pulse_rate",))
"""In the HR's place while no ECG heart rate watches the heart (the chair's status says so:
`ecg_heart_rate` false): a pulse oximeter alone, whose pulse the bedside's Pulse tile shows and
whose pulse alarms sound. The card read "HR 70", the session's first value, beside "Pulse 132"
sounding (a review)."""
LATCHED: Final = "latched"
LATCHED_SILENCED: Final = f"{LATCHED} · silenced here"
"""A latched alarm silenced here: reset only at the chair (`Board.acknowledge`)."""
ACK_REFUSED: Final = "ack refused"
"""The end of the note of an alarm acknowledged here at a priority it has risen above since,
"medium ack refused" (`Board._note`): the chair refuses such an acknowledgement (engine
`acknowledge_from_central`), and the note said nothing while the tone came back. Whole beside
the Acknowledge button at 20 chairs on 1366x768 ("ack of medium not applied" read "ack of
medium not…")."""
BUS_LOST_TEXT: Final = "Central station not connected to the clinic bus"
BLIND_TEXT: Final = "Central station not receiving the chairs"
AUDIO_TEXT: Final = "Audio unavailable: visual only"
FAULT_TEXT: Final = "Central station fault"


class Publisher(Protocol):
    """Where the station's own messages go (the bus client's `publish`)."""

    def __call__(self, topic: str, payload: bytes, qos: int, retain: bool) -> None: ...


class ReceivedStore(Protocol):
    """The central log, as the board uses it (console/central/central_log.CentralLog)."""

    @property
    def uid(self) -> str:
        """A token of this log file (in command ids: a new file never repeats one)."""

    def add_received(self, control_id: str | None, chair: str, kind: str,
                     received_at: datetime, payload: str) -> bool: ...

    def add_action(self, at: datetime, nurse: str, chair: str, session: int | None,
                   occurrence: int | None, kind: str, detail: dict[str, Any]) -> int: ...

    def actions_since(self, since: datetime) -> Sequence[LoggedAction]:
        """The nurses' actions logged since then, in order (read back by `Board.restore`)."""


@runtime_checkable
class CheckedStore(Protocol):
    """What the central log (console/central/central_log.CentralLog) has beyond a stand-in: the
    board writes the rows it held in one transaction, and looks on its tick that the file is
    still the one at its path (`Board.tick`). A stand-in without them is written row by row."""

    def batch(self) -> AbstractContextManager[None]: ...

    def check(self) -> None: ...


class LoggedAction(Protocol):
    """One action of the log (console/central/central_log.Action), as `Board.restore` reads it."""

    @property
    def id(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def chair(self) -> str: ...
    @property
    def session(self) -> int | None: ...
    @property
    def occurrence(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def detail(self) -> dict[str, Any]: ...


# ---------------------------------------------------------------------------------------------
# What the window renders


@dataclass(frozen=True, slots=True)
class VitalView:
    """One vital on a card: "BP" "185/118 (140)", marked in its alarm colour when `priority`;
    `stale` when the bedside greys it (too old, of unknown age, or from a monitor not connected):
    drawn grey and never in an alarm colour, as the bedside's tile (the chair decides, by the
    tile's own rule: chair_status.build_status)."""

    label: str
    text: str
    priority: Priority | None
    tooltip: str = ""
    stale: bool = False


@dataclass(frozen=True, slots=True)
class AckTarget:
    """The alarm an Acknowledge acts on, as drawn (`CardView.target`): the window passes it back
    with the click (`Board.acknowledge`), as Silence passes the banner's key. Worked out again
    at the click, a high alarm taken after the last draw (the grid redraws every 250 ms) was
    acknowledged unseen (a code review). The priority too: an escalation is a new condition."""

    session: int
    occurrence: int
    priority: Priority


@dataclass(frozen=True, slots=True)
class AlarmLine:
    """The highest alarm of a chair (or the station's banner).

    Attributes:
        text: the alarm text as the bedside shows it.
        priority: its priority (colour).
        flashing: high or medium, not acknowledged at the chair (IEC 60601-1-8: until then).
        note: what the central knows beyond the chair's state: "ack sent…", "ack not confirmed",
            "medium ack refused" (`ACK_REFUSED`), "acknowledged", "audio paused at the chair",
            "latched", "latched · silenced here" (`LATCHED_SILENCED`), or "".
        others: the priorities of the other open alarms (of the chair, or the station's own),
            highest first.
        session / occurrence: which alarm it is (what an acknowledgement names).
        sounding: it sounds at the central now.
        room: the room of the console it is from while two consoles use the chair's name
            (`Board._twinned`): the line names it, "Room 5: SpO2 83 %…"; "" otherwise.
    """

    text: str
    priority: Priority
    flashing: bool
    note: str
    others: tuple[Priority, ...]
    session: int | None
    occurrence: int | None
    sounding: bool
    key: str = ""   # a station alarm's key (the banner): what its Silence acts on
    latched: bool = False   # latched at the chair: the alarm's line says "(latched)"
    room: str = ""

    def more(self) -> str:
        """"+2 more: 1 high, 1 medium" (the bedside's words), or ""."""
        return more_text(self.others)

    def note_beside(self) -> str:
        """The note beside an alarm line that says "(latched)" itself (a card's): the central's
        own words alone, "silenced here" of "latched · silenced here". At 20 chairs on 1366x768
        the note has some 15 letters beside "Ack ** HR 125/min": "latched: silenced here, reset
        at the chair" read "lat…" (a review)."""
        if not self.latched:
            return self.note
        return self.note.removeprefix(LATCHED).removeprefix(" · ")


@dataclass(frozen=True, slots=True)
class CardView:
    """Everything one chair's card shows (the window decides only the look)."""

    chair: str
    room: str
    title: str             # the room; "room · chair" when another chair has the same room
    connected: bool
    connection_text: str   # "" while connected; "No connection since 09:14:05 (connection lost)"
    has_session: bool
    patient: str
    protocol: str
    phase: str
    elapsed: str
    demo: bool
    ended: bool
    device_note: str   # "" or e.g. "Monitor disconnected"
    audio_note: str    # "" or "soft bedside tones": a quiet room relying on this station's tones
    vitals: tuple[VitalView, ...]
    alarm: AlarmLine | None
    can_acknowledge: bool
    # The alarm the Acknowledge button and F2 act on when it is not the one shown: an alarm
    # sounding here under a higher one that does not (`Board._target`), in its short form.
    sounding_other: str = ""
    # The alarm the Acknowledge button and F2 act on (None when `can_acknowledge` is False):
    # what the window passes back with the click.
    target: AckTarget | None = None


@dataclass(frozen=True, slots=True)
class InSight:
    """The one alarm a view that covers the grid keeps in sight (`Board.in_sight`).

    Attributes:
        where: the chair's card title, or "Central station" for the station's own alarm.
        line: the alarm.
        others: the priorities of every other open alarm, highest first (for "+2 more: 1 high,
            1 medium").
        chair: the chair whose alarm it is, or None for the station's own.
        can_acknowledge: its card's Acknowledge would act on it (`CardView.can_acknowledge`).
        sounding_other: the alarm that Acknowledge acts on when it is not `line`, as the card
            names it (`CardView.sounding_other`); "" when it is `line`.
        target: the alarm Acknowledge acts on (`CardView.target`), passed back with the click.
    """

    where: str
    line: AlarmLine
    others: tuple[Priority, ...]
    chair: str | None = None
    can_acknowledge: bool = False
    sounding_other: str = ""
    target: AckTarget | None = None

    def headline(self) -> str:
        """"Room 3: SpO2 88 %, limit ≤90"."""
        return f"{self.where}: {self.line.text}"

    def more(self) -> str:
        """"+2 more: 1 high, 1 medium" (the bedside's words), or ""."""
        return more_text(self.others)


@dataclass(frozen=True, slots=True)
class StationAlarm:
    """One of the station's own technical alarms."""

    key: str
    priority: Priority
    text: str
    silenced: bool


@dataclass(frozen=True, slots=True)
class TrendData:
    """A chair's session trend: each metric's (epoch seconds, value, typed by a nurse) points,
    the alarms raised or escalated (from the PCD-04s received) for the trend's markers, and the
    times (epoch seconds, in order) its device lines break (`Board.trend`)."""

    chair: str
    session: int | None
    started_at: datetime | None
    series: dict[str, list[tuple[float, float, bool]]]
    alarms: list[AlarmTransition] = field(default_factory=list)
    breaks: list[float] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Inside


@dataclass(frozen=True, slots=True)
class ChairAlarm:
    """One open alarm of a chair as last heard (status or PCD-04)."""

    session: int
    occurrence: int
    priority: Priority
    category: str
    text: str
    state: str          # active | acknowledged | latched | paused
    raised_at: datetime | None
    as_of: datetime     # the chair's time of what we know
    # The room of the console it is from while two use the chair's name (`_Run`); "" otherwise.
    room: str = ""


@dataclass(slots=True)
class _CentralAck:
    priority: Priority
    at_mono: float
    command_id: str   # "" for a latched alarm silenced here only (no command: see acknowledge)


@dataclass(slots=True)
class _Unreadable:
    """A chair whose statuses are of a newer schema version than this station reads
    (`Board._newer_status`): the station's alarm until a status it can read comes."""

    version: int
    since: datetime      # this station's clock: its first such status refused
    last_mono: float     # when its last such status came


@dataclass(slots=True)
class _Refusals:
    """One chair's refusals of one reason, as the central log has them (`Board._note_refusal`)."""

    topic: str
    reason: str          # the last
    count: int           # refused since the last row written
    since: datetime      # the first of `count` (this station's clock)
    written_mono: float  # when the last row was written


@dataclass(slots=True)
class _Series:
    """Compact points of one metric (array, not tuples: 20 chairs x 6 vitals x 8 h at 1 Hz)."""

    times: array[float] = field(default_factory=lambda: array("d"))
    values: array[float] = field(default_factory=lambda: array("d"))
    manual: bytearray = field(default_factory=bytearray)

    def append(self, t: float, v: float, manual: bool) -> None:
        self.times.append(t)
        self.values.append(v)
        self.manual.append(1 if manual else 0)

    def drop(self, t: float, v: float) -> None:
        """Take out the points of value `v` at `t` (to the millisecond, as a snapshot has it)."""
        for i in range(len(self.times) - 1, -1, -1):
            if round(self.times[i], 3) == round(t, 3) and self.values[i] == v:
                del self.times[i], self.values[i], self.manual[i]

    def outside(self, first: float, last: float) -> _Series:
        """The points before `first` or after `last` (those a snapshot does not cover)."""
        kept = _Series()
        for i, at in enumerate(self.times):
            if at < first or at > last:
                kept.append(at, self.values[i], bool(self.manual[i]))
        return kept


COMMIT_LAG_S: Final = 0.5
"""A monitor value's place in a chair's trend snapshot (its receive time) and in its PCD-01 (the
commit's MSH-7) differ by the commit's milliseconds: a PCD-01 value this close after the
snapshot's newest point is that point again."""


SENDER_RUN: Final = "sender:"
"""The run key of a console's alarm messages whose room names no one run (`Board._run_of`),
followed by their sender (MSH-3.2)."""


@dataclass(slots=True)
class _Run:
    """One of two consoles using one chair's name (`Board._twinned`), its open alarms kept
    apart from the other's: both logs number sessions and alarms alike (`Board._keep_runs_apart`).
    As a chair's own are kept: its last status's alarms and the PCD-04s since (`_open_alarms`)."""

    room: str
    alarms: dict[tuple[int, int], ChairAlarm] = field(default_factory=dict)
    sent_at: datetime | None = None   # its last status's (None: none heard while kept apart)
    reports: dict[tuple[int, int], AlertReport] = field(default_factory=dict)
    ended: set[tuple[int, int]] = field(default_factory=set)
    # Its console's sender (MSH-3.2): a run's, once its status listed an alarm message kept by
    # sender (`Board._link_sender`); a sender run's, its own; "" not known.
    sender: str = ""


@dataclass(slots=True)
class _Chair:
    name: str
    first_mono: float
    room: str = ""
    online: bool = False                 # as the last status or will said
    heard: bool = False                  # a status came at all
    will_reason: str = ""
    status: dict[str, Any] = field(default_factory=dict)
    status_sent_at: datetime | None = None
    status_seq: int | None = None   # the chair's count of its statuses (from 0 at each start)
    unconfirmed: list[str] = field(default_factory=list)   # PCD-04s come while not connected
    status_mono: float | None = None     # when the last status (online) arrived
    status_wall: datetime | None = None
    # The chair's clock as this station can tell it (`Board._chair_clock`): a status's `sent_at`
    # and when it arrived here (monotonic, when heard live; else this station's wall clock). Set
    # only by a status whose arrival is known: a retained one the broker hands over after a
    # restart of the station says nothing of when it came, and read against the last logged
    # status's arrival it put the chair's clock minutes ahead (a code review).
    clock_base: tuple[datetime, float | None, datetime] | None = None
    # The latest time a status of the session was stamped with: a chair's clock stepped back
    # (NTP) still sends the points it stamped before the step (`Board._trend_window`).
    newest_stamp: datetime | None = None
    offline_since: datetime | None = None   # set while without connection: the last status heard
    # Unheard with an alarm open when this station's bus came back (`set_bus`), or found lost
    # when this station stopped (its log's last row of it `stale`, lost: `_restore_chair`): lost
    # from then on, its loss taking over from the bus alarm that named it, until a live status.
    unheard_at_return: bool = False
    # Unheard for this station's own bus when it stopped (its log's last row of it `stale`, not
    # lost: the bus down, or back for less than 10 s): as a chair heard here gone unheard, the
    # bus alarm names it at once (`_bus_alarm`) and the bus's return takes it as live
    # (`set_bus`), until a live status comes.
    unheard_for_bus: bool = False
    # When this station found the chair gone (its Last Will came, or the log's "stale" row of it
    # lost, at a restart), by this station's clock; None while it is heard. Orders its loss among
    # the station's alarms (`Board.station_alarms`) across a restart, when every loss is found
    # anew.
    gone_since: datetime | None = None
    session: dict[str, Any] | None = None
    session_id: int | None = None
    # Its open alarms: its last status's and the PCD-04s since (`_open_alarms`); while two
    # consoles use its name, each one's in `twin_runs` instead.
    status_alarms: dict[tuple[int, int], ChairAlarm] = field(default_factory=dict)
    reports: dict[tuple[int, int], AlertReport] = field(default_factory=dict)
    # Occurrences of this session whose PCD-04 end came: final, whatever its time (the chair's
    # clock may have stepped back since the start), never reopened by a start or an update of
    # this run of its console (a new run may give an id out again: `Board._on_status`).
    ended: set[tuple[int, int]] = field(default_factory=set)
    acks: dict[tuple[int, int], _CentralAck] = field(default_factory=dict)
    logged: tuple[Any, ...] | None = None   # what the log last heard (`Board._summary`)
    # The newest summary held in memory while the log cannot take it (`Board._hold`): it counts
    # as logged once it is written (`Board.write_held`); None while none is held.
    held_summary: tuple[Any, ...] | None = None
    trend_session: int | None = None
    snapshot: dict[str, _Series] = field(default_factory=dict)
    snapshot_breaks: list[float] = field(default_factory=list)   # its device lines' breaks
    recent: dict[str, _Series] = field(default_factory=dict)
    # Where the session's device lines break, by its statuses (epoch s, the chair's clock): its
    # monitor not connected, or its console started again (`Board._note_break`).
    breaks: list[float] = field(default_factory=list)
    device_connected: bool | None = None   # as its last status of the session said
    marks: list[AlarmTransition] = field(default_factory=list)   # raised / escalated, for the trend
    marked: dict[tuple[int, int], Priority] = field(default_factory=dict)   # priority marked
    # When this station first heard of each open occurrence (its own wall clock): "the newest
    # alarm" across chairs is decided by it, never by two chairs' clocks (`_across_key`).
    arrived: dict[tuple[int, int], datetime] = field(default_factory=dict)
    monitor_clock_off: bool = False   # its monitor's times are not trusted (trend_feed's rule)
    runs: dict[str, tuple[float, str]] = field(default_factory=dict)   # token -> (seen, room)
    run: str | None = None               # the token of the last status
    twin_seen: float | None = None       # mono time two runs' statuses last interleaved
    # While two runs interleave (`Board._twinned`): each console's alarms by its run token, in
    # place of `status_alarms`, `reports` and `ended` (`Board._keep_runs_apart`); empty otherwise.
    twin_runs: dict[str, _Run] = field(default_factory=dict)
    # When its console closed cleanly or was lost while heard idle (`heard_idle`): its card
    # leaves CLOSED_CARD_S later (`Board.tick`).
    gone_idle_mono: float | None = None
    heard_idle: bool = False             # its last online status had no session open


_ReceivedArgs = tuple[str | None, str, str, datetime, str]
"""A message received as `ReceivedStore.add_received` takes it."""
_ActionArgs = tuple[datetime, str, str, int | None, int | None, str, dict[str, Any]]
"""An action as `ReceivedStore.add_action` takes it."""


@dataclass(frozen=True, slots=True)
class _Received:
    """A message received, as a row of the central log (`_Row`)."""

    args: _ReceivedArgs

    def write(self, log: ReceivedStore) -> int:
        """Write it: False when the log has its control id already (a duplicate)."""
        return log.add_received(*self.args)


@dataclass(frozen=True, slots=True)
class _Action:
    """An action, as a row of the central log (`_Row`)."""

    args: _ActionArgs

    def write(self, log: ReceivedStore) -> int:
        """Write it: its row id."""
        return log.add_action(*self.args)


_Row = _Received | _Action
"""One row of the central log as the board writes it (`write` raises what the log raises):
noted inside a batch (`Board.log_again`), and held in memory, in order, while the log cannot
take writes (`Board._hold`)."""


ACKNOWLEDGEABLE_NOTES: Final = frozenset({"", "ack not confirmed", LATCHED,
                                          "audio paused at the chair"})
"""An alarm whose card note is one of these, or says an acknowledgement here was refused
(`ACK_REFUSED`), can be acknowledged (or, latched, silenced) here."""


def _twin_rooms(chair: _Chair) -> str:
    """" (Room 2, Room 5)": the rooms of the consoles heard under `chair`'s name, or ""."""
    rooms = ", ".join(sorted({room for _, room in chair.runs.values() if room}))
    return f" ({rooms})" if rooms else ""


def _priority(value: Any) -> Priority | None:
    return PRIORITIES.get(value) if isinstance(value, str) else None


def _time(value: Any) -> datetime | None:
    """A chair's ISO time, or None when it is none or cannot be read. One that parses but cannot
    be placed (year 1 at +05:00 is before datetime's range in UTC or the local zone) is not
    readable either: read, it raised OverflowError at every card drawn (a code review)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_iso(value)
        parsed.astimezone()   # what a card shows; the same overflow, found here
        parsed.timestamp()
    except (ValueError, OverflowError, OSError):
        return None
    return parsed


def _natural(name: str) -> tuple[Any, ...]:
    """chair-2 before chair-10."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name))


def _order_key(alarm: ChairAlarm) -> tuple[int, int, float, int]:
    """The bedside's order (alarm_area.order_key): priority, then holding now (or paused),
    latched, acknowledged, then newest. The rank is the bedside's own table (`NEED`), not a
    copy: ranking a latched alarm like an active one put a high that had ended unseen on the
    card before an RR 5 holding now, "+1 more", and Acknowledge acted on the latched one (a
    code review)."""
    raised = (alarm.raised_at or alarm.as_of).timestamp()
    return (-int(alarm.priority), NEED[BEDSIDE_STATES[alarm.state]], -raised, -alarm.occurrence)


def _across_key(chair: _Chair, alarm: ChairAlarm) -> tuple[int, int, float, float, int]:
    """`_order_key` across chairs: "newest" by when this station first heard of the alarm
    (its own clock), then by the chair's time. Each chair stamps with its own clock: a chair an
    hour ahead always had "the newest alarm", the trend strip and F2 kept on its older alarm
    while a newer high sounded at another chair (a code review). Within one chair its own time
    orders, as at the bedside."""
    arrived = chair.arrived.get((alarm.session, alarm.occurrence))
    heard = arrived.timestamp() if arrived is not None else -math.inf
    priority, need, raised, occurrence = _order_key(alarm)
    return (priority, need, -heard, raised, occurrence)


class Board:
    """Every chair on the bus, as the central station knows it (see the module docstring).

    Args:
        station: this central station's name (in its commands and confirmations).
        log: the central log (or a stand-in with its writes and `actions_since`; without
            `CheckedStore`'s, rows held are written row by row and the file is not looked at).
        publish: sends a message on the bus.
        prefix: the topic prefix.
    """

    def __init__(self, station: str, log: ReceivedStore, publish: Publisher,
                 prefix: str = bus_topics.DEFAULT_PREFIX) -> None:
        self.station = bus_topics.check_name(station, "central station name")
        self.prefix = bus_topics.check_prefix(prefix)
        self.log = log
        self.publish = publish
        self.chairs: dict[str, _Chair] = {}
        self.ignored = 0
        self.last_ignored = ""
        self.duplicates = 0
        # The bus: connected or since when not (mono), and the words of the status line.
        self.bus_connected = False
        self.bus_down_since: float | None = None
        self.bus_up_since = -math.inf
        self.bus_text = "Not connected yet"
        self.bus_blind = ""   # connected, the chairs' subscription refused: the broker's words
        # Why the log cannot take writes ("" while it takes them): every row is then held in
        # memory (`_held_rows`, in order) until the retry timer writes them all (`tick`).
        self.log_problem = ""
        self._held_rows: list[_Row] = []
        self._retry_at: float | None = None   # mono, while the log fails; None: the next tick's
        self._checked = log if isinstance(log, CheckedStore) else None
        self._next_check = -math.inf   # mono: when the tick next looks at the log's file
        self.audio_problem = ""
        self.fault = ""   # the first bug met at this station (`station_fault`); "" while none
        self.twins: TwinWatch | None = None   # another central with this name (app.py sets it)
        self._memory_ids: OrderedDict[str, None] = OrderedDict()
        # Station alarms silenced here (until they end), each with the priority it had then: one
        # that rises above it sounds again (IEC 60601-1-8: a higher priority is a new condition;
        # the bus alarm silenced at medium stayed silent when an unheard chair's high made it high).
        self._silenced: dict[str, Priority] = {}
        # Chairs' losses silenced before a restart (`restore`), until each is found again (then
        # silenced as above) or the chair is heard.
        self._silenced_before: dict[str, Priority] = {}
        # When this station first found each of its own alarm conditions (its wall clock), kept
        # while it lasts: the newest of the highest priority takes the banner.
        self._began: dict[str, datetime] = {}
        self._commands = 0
        self._restoring = False   # `restore` replays the log: nothing of it is logged again
        # Confirmations held until the log's batch is committed (`confirming_after`), as
        # (topic, payload); None while they go out at once.
        self._held: list[tuple[str, bytes]] | None = None
        # The rows written to the log inside that batch (`confirming_after`), the board's own
        # actions among them (a silence's end: `_settle_acks`), in order: written again when its
        # COMMIT fails (`log_again`). None outside.
        self._journal: list[_Row] | None = None
        # A failed batch: its rows, its confirmations and why it failed (`log_again`).
        self._failed: tuple[list[_Row], list[tuple[str, bytes]], str] | None = None
        self._restored_at: datetime | None = None   # the log row replayed (`restore`): its time
        # Chairs whose last status in the log had no session open (`restore`): a Last Will the
        # broker kept for one is of a chair heard idle (`_on_status`).
        self._idle_in_log: set[str] = set()
        # Chairs whose statuses are of a newer version (`_newer_status`), by name.
        self._unreadable: dict[str, _Unreadable] = {}
        # Refusals by (chair, reason) while their count waits for the log (`_note_refusal`).
        self._refusals: OrderedDict[tuple[str, str], _Refusals] = OrderedDict()
        self.on_change: Callable[[], None] | None = None

    # ---- input -------------------------------------------------------------------------------

    def receive(self, topic: str, payload: bytes, now: Moment, retained: bool = False,
                held_s: int | None = None) -> None:
        """One message from the bus. Never raises for what a message holds: a bad one is counted.

        `retained`: the MQTT retain flag, True for the broker's stored copy that a subscription
        brings (at each connect), False for a message published now. A retained status is
        information, not a sign of life (`_on_status`). `held_s`: how long the broker held the
        message (mqtt_bus.held_s; None: not known). A status is a sign of life as of when the
        chair sent it: one queued for this station's persistent session while it was away
        arrives without the retain flag, and a hung chair's showed it connected after a
        restart, its old alarm sounding as now, for another 10 s (a code review)."""
        where = bus_topics.parse_chair_topic(topic, self.prefix)
        if where is None:
            self._ignore(f"{topic}: {bus_topics.chair_topic_problem(topic, self.prefix)}",
                         now, topic=topic[:200])
            return
        if where.kind in ("command", "confirm"):
            return   # what central stations send (our own come back to us): nothing to show
        if len(payload) > MAX_PAYLOAD_BYTES:
            self._ignore(f"{topic}: a message of {len(payload):,} bytes, refused: a chair's "
                         f"messages are far smaller (the limit is {MAX_PAYLOAD_BYTES:,} bytes)",
                         now, where.chair, topic)
            return
        try:
            if where.kind == "status":
                self._on_status(where.chair, payload, now, retained, held_s or 0)
            elif where.kind == "pcd04":
                self._on_pcd04(where.chair, payload, now)
            elif where.kind == "pcd01":
                self._on_pcd01(where.chair, payload, now)
            elif where.kind == "trend":
                self._on_trend(where.chair, payload, now)
        except _Bad as exc:
            self._ignore(f"{topic}: {exc}", now, where.chair, topic, exc.detail)
        except PcdError as exc:
            self._ignore(f"{topic}: {exc}", now, where.chair, topic)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            self._ignore(f"{topic}: {type(exc).__name__}: {exc}", now, where.chair, topic)

    def restore(self, words: Mapping[str, list[tuple[str, datetime, str]]],
                now: Moment) -> None:
        """Start from what this station's log last heard of each chair (before connecting).

        `words`: per chair, its last logged status (online) and the status, will, stale and
        PCD-04 rows after it, as (kind, received_at, payload) in order (CentralLog.last_words),
        after the chair's PCD-04 rows before that status: those only mark the session's alarms
        on its trend (what this station received), never open an alarm again (the status
        after them says which are open). Each occurrence's arrival here is the time its row
        was received (`_across_key`). Last, its newest PCD-01 row if it came after. The chair
        was last heard at the newest of its rows after that status (a status, a PCD-04 or
        that PCD-01; a PCD message as of when it was sent, on this station's clock, if
        earlier: `_sent_by`): what its "No connection since" says. Statuses are logged only on
        change: taken from them alone, a quiet chair heard until 09:10 was "No connection since
        09:00:00" (a review).
        A chair whose status had an open session comes back heard earlier, not connected: a
        retained Last Will then lands on a chair known to have had an open session, with its
        alarms, so its loss is the station's alarm again (high after a high alarm). A restart of
        the central had started empty: a chair lost during a session, its high alarm sounding,
        was a grey card and nothing sounded (a code review). One still silent 10 s after the
        bus connects is lost as any chair that stops talking (`_lost`); one the log had found
        lost (its last row `stale`, lost) is lost at once, as after its Last Will; one it had
        found unheard for this station's own bus (`stale`, not lost) is named by the bus alarm
        at once, and the bus's return takes it as live (`set_bus`). Then the nurse's
        silences of what is still open are taken back from the log (`_restore_silences`).
        """
        self._restoring = True
        try:
            for name, rows in words.items():
                self._restore_chair(name, rows, now)
            self._restore_silences(now)
        finally:
            self._restoring = False
            self._restored_at = None

    def _restore_silences(self, now: Moment) -> None:
        """Take back what the nurse silenced or acknowledged here of what is still open: a
        restart had forgotten it, and a latched high she had silenced, or a lost chair's
        alarm, sounded and flashed again at the same nurse (a code review). Each at the
        priority it was silenced at (a rise since is a new condition); the chair's next status
        settles or ends it as it does any (`_settle_acks`). Silences and their ends
        (`silence_ended`, logged by `_settle_acks`) in log order: one that ended live stays
        ended (a latched high whose silence ended when it returned, latched again since and
        sounding, came back "silenced here": a review). An acknowledgement only while its
        confirmation is still awaited (`ACK_CONFIRM_S`): an older one, confirmed or not, no
        longer keeps the tone off. A silence logged without its priority (an older station)
        is not taken: the alarm sounds again rather than stay silent at an unknown rise."""
        since = now.wall - timedelta(seconds=RESTORE_S)
        for action in self.log.actions_since(since):
            priority = _priority(action.detail.get("priority"))
            if priority is None or action.kind not in ("silence", "acknowledge", "silence_ended"):
                continue
            if not action.chair:
                self._restore_station_silence(action, priority)
                continue
            chair = self.chairs.get(action.chair)
            if chair is None or action.session is None or action.occurrence is None \
                    or action.session != chair.session_id:
                continue   # its session is over (or the chair not brought back)
            key = (action.session, action.occurrence)
            age_s = (now.wall - action.at).total_seconds()
            if action.kind == "silence":
                chair.acks[key] = _CentralAck(priority, now.mono - age_s, "")
            elif action.kind == "acknowledge" and 0 <= age_s <= ACK_CONFIRM_S:
                chair.acks[key] = _CentralAck(priority, now.mono - age_s,
                                              f"{self.station}-{self.log.uid}-{action.id}")
            else:
                # The latest action on it no longer silences: the silence ended live, or the
                # acknowledgement is no longer awaited.
                chair.acks.pop(key, None)

    def _restore_station_silence(self, action: LoggedAction, priority: Priority) -> None:
        """A chair's loss silenced here since the chair was last heard: the same loss (one
        found later comes after a status, which ends the silence: `_on_status`). Held until
        the loss is found again after the restart (`tick`)."""
        key = str(action.detail.get("alarm", ""))
        unread = self._unreadable.get(key.removeprefix("unreadable:")) \
            if key.startswith("unreadable:") else None
        if unread is not None:
            if action.at >= unread.since:   # silenced while its statuses were as unreadable
                self._silenced_before[key] = priority
            return
        chair = self.chairs.get(key.removeprefix("chair:")) if key.startswith("chair:") else None
        if chair is None or chair.status_wall is None or action.at < chair.status_wall:
            return
        self._silenced_before[key] = priority

    def _restore_chair(self, name: str, rows: list[tuple[str, datetime, str]],
                       now: Moment) -> None:
        if not any(kind == "status" for kind, _, _ in rows):
            self._restore_unreadable(name, rows, now)
            return
        first = next((i for i, row in enumerate(rows) if row[0] != "pcd04"), len(rows))
        earlier, rows = rows[:first], rows[first:]
        if not rows or rows[0][0] != "status":
            return
        obj = bus_topics.decode(rows[0][2].encode("utf-8"))
        session = obj.get("session") if obj is not None else None
        if not isinstance(session, dict) or session.get("ended"):
            # No session open: nothing at risk (and no card left from long ago). Its Last Will,
            # retained, may come at the connect: that of a chair heard idle (`CLOSED_CARD_S`).
            self._idle_in_log.add(name)
            return
        chair = self._chair(name, now)
        for _, at, payload in earlier:
            # Marked only (another session's marks go with the status's session change).
            try:
                report, _ = _cut_report(read_pcd04(payload))
            except PcdError as exc:
                self._ignore(f"central log, chair {name}: {type(exc).__name__}: {exc}")
                continue
            self._mark(chair, report)
            self._arrive(chair, report, at)
        last_heard = lost_at = rows[0][1]
        # The board's last word of the chair (`_log_change`): found lost, or unheard for this
        # station's own bus (not lost: the one bus alarm said why, or it was back < 10 s).
        stale = unheard_for_bus = False
        for kind, at, payload in rows:
            self._restored_at = at
            # One row the board cannot take is named and the rest still replayed: stopping at
            # it left the alarms logged after it out (walked on X: the lost chair came back
            # with an older medium alarm in place of its high one).
            try:
                if kind == "status" and _board_summary(payload):
                    last_heard = at   # the board's own record of a change: heard then
                    chair.gone_since = None
                    stale = unheard_for_bus = False
                elif kind == "stale":
                    # The board's own record of the chair unheard since then, and whether it
                    # was lost (`_lost`): written while this station's bus was down it was not,
                    # and taken for lost every chair in session came back lost at once where
                    # live the one bus alarm stood (a review). A row of an older station does
                    # not say: lost, as it had it. A loss found again after the restart keeps
                    # its place among the station's alarms.
                    stale = json.loads(payload).get("lost", True) is not False
                    unheard_for_bus = not stale
                    if stale:
                        chair.gone_since = chair.gone_since or at
                elif kind == "status":
                    self._on_status(name, payload.encode("utf-8"), now)
                    last_heard = at
                    stale = unheard_for_bus = False
                elif kind == "will":
                    self._on_status(name, payload.encode("utf-8"), now)
                    lost_at = at
                elif kind == "pcd04":
                    report, _ = _cut_report(read_pcd04(payload))
                    self._apply_pcd04(self._chair(name, now), report, now)
                    last_heard = max(last_heard, _sent_by(chair, report.header, at))
                elif kind == "refused":
                    self._restore_refused(name, at, payload, now)
                elif kind == "pcd01":   # the newest (CentralLog.last_words): heard then
                    last_heard = max(last_heard,
                                     _sent_by(chair, read_pcd01(payload, at).header, at))
            except (_Bad, PcdError, KeyError, TypeError, ValueError, AttributeError,
                    OverflowError) as exc:
                self._ignore(f"central log, chair {name}: {type(exc).__name__}: {exc}")
        self._restored_at = None
        if not chair.heard:   # its status could not be taken (named above): nothing to show
            del self.chairs[name]
            return
        chair.status_mono = None   # heard earlier, not now: not connected
        chair.status_wall = last_heard
        # Found lost when the station stopped (a hung chair: no Last Will): lost at once, as one
        # whose Will the log holds, until a live status comes. Given the 10 s any chair has to
        # be heard after the bus comes up, its high loss went silent for them (a review).
        chair.unheard_at_return = stale
        chair.unheard_for_bus = unheard_for_bus
        chair.offline_since = None if chair.online else max(lost_at, last_heard)
        chair.unconfirmed.clear()   # confirmed, or not, by the station that showed them
        chair.logged = self._summary(chair, *self._seen(chair, now))   # what the log says

    def _restore_refused(self, name: str, at: datetime, payload: str, now: Moment) -> None:
        """A `refused` row of the log: one of a newer status version makes the chair unreadable
        again (`_newer_status`) as of then, until a status read after it (`_on_status`)."""
        version = json.loads(payload).get("version")
        if isinstance(version, int) and not isinstance(version, bool):
            self._newer_status(name, version, at, now.mono - (now.wall - at).total_seconds())

    def _restore_unreadable(self, name: str, rows: list[tuple[str, datetime, str]],
                            now: Moment) -> None:
        """A chair never read here, its statuses of a newer version (`CentralLog.last_words`
        gives its `refused` and PCD-04 rows): unreadable again, its alarms from its PCD-04s,
        so a restart keeps the station alarm at the priority it had (a high alarm it sent)."""
        for kind, at, payload in rows:
            self._restored_at = at
            try:
                if kind == "refused":
                    self._restore_refused(name, at, payload, now)
                elif kind == "pcd04":
                    report, _ = _cut_report(read_pcd04(payload))
                    self._apply_pcd04(self._chair(name, now), report, now)
            except (PcdError, KeyError, TypeError, ValueError, AttributeError,
                    OverflowError) as exc:
                self._ignore(f"central log, chair {name}: {type(exc).__name__}: {exc}")
        self._restored_at = None
        if name not in self._unreadable:
            self.chairs.pop(name, None)   # no longer unreadable: nothing at risk to show
        elif name in self.chairs:
            self.chairs[name].unconfirmed.clear()

    def set_bus(self, connected: bool, text: str, now: Moment, blind: str = "") -> None:
        """The bus client's state: receiving the chairs or not, and the status line's words for
        it; `blind`: connected, but the broker refused the subscription to the chairs (its
        words): as good as not connected, said for what it is."""
        self.bus_text = text
        if connected and not self.bus_connected and self.bus_down_since is not None \
                and self._bus_alarm(self.bus_down_since, now) is not None:
            # The bus alarm ends here, but not what it stood for: a chair it could not hear with
            # an alarm open is still unheard. Its loss takes over at once, at the priority it
            # had; it went silent for the 10 s a chair has to be heard again (`_lost`), a high
            # alarm still open there (a review; IEC 60601-1-8: an alarm condition lasts until
            # it ends). A chair heard with none open keeps its 10 s: its status may be on its way.
            for chair in self._unheard(now):
                chair.unheard_at_return = self._last_heard(chair) is not None
        self.bus_blind = "" if connected else blind
        if connected:
            if not self.bus_connected:
                self.bus_up_since = now.mono
            self.bus_connected, self.bus_down_since = True, None
            self._silenced.pop("bus", None)
        elif self.bus_connected or self.bus_down_since is None:
            self.bus_connected, self.bus_down_since = False, now.mono

    def _unheard_because(self) -> str:
        """Why this station hears no chair while its own bus does not work."""
        if self.bus_blind:
            return "the broker refuses this station the chairs' messages"
        return "this station is not connected to the clinic bus"

    def empty_text(self) -> str:
        """What the board says while no chair is on it: none heard yet, or none can be."""
        if self.bus_connected:
            return "No chair heard on the clinic bus yet."
        return f"No chair can be heard: {self._unheard_because()} (the line below says why)."

    def station_fault(self, summary: str) -> None:
        """A bug at this station (the fault handler's one line): a high station alarm until a
        restart, as the bedside's "Console fault" (IEC 60601-1-8: equipment that cannot work as
        intended is a technical alarm, never silence)."""
        if not self.fault:
            self.fault = summary

    def set_audio(self, available: bool, detail: str) -> None:
        """Whether the speaker works (the sounder's check)."""
        self.audio_problem = "" if available else (detail or "unavailable")

    def tick(self, now: Moment) -> None:
        """Time passes: chairs go stale, acknowledgements time out (both are read from `now`);
        log the chairs whose connection or highest alarm changed. First the log itself: its
        file still the one at its path (every CHECK_S), and while it fails the rows held
        written (every RETRY_S: `write_held`)."""
        self._look_after_log(now)
        self._write_refusals(now)
        for name, unread in list(self._unreadable.items()):
            # Its statuses stopped long ago (its console closed: its farewell is of its version
            # too) and no alarm of it is open here: over. One open stays (a nurse silences it).
            chair = self.chairs.get(name)
            if now.mono - unread.last_mono > CLOSED_CARD_S \
                    and (chair is None or self._highest(chair) is None):
                del self._unreadable[name]
        for chair in self.chairs.values():
            if not self._connected(chair, now) and chair.offline_since is None:
                chair.offline_since = chair.status_wall
            self._log_change(chair, now)
        for name, chair in list(self.chairs.items()):
            # Only a chair this station heard online with no session open (live, or last in its
            # log), or whose farewell says none was: one whose clean stop or Last Will is all a
            # station started later knows (an older console's farewell says nothing of its
            # session) may have gone mid-session.
            if (chair.gone_idle_mono is not None and not chair.online and chair.heard_idle
                    and now.mono - chair.gone_idle_mono >= CLOSED_CARD_S
                    and (chair.session is None or chair.session.get("ended"))):
                del self.chairs[name]
                self._record_action(now, "", name, None, None, "card_removed", {
                    "reason": f"{chair.will_reason} with no session open, {CLOSED_CARD_S:g} s "
                              "ago"})
        # A station alarm that ended forgets its silence: the next one sounds again.
        live = {a.key for a in self._station_conditions(now)}
        for key in live & self._silenced_before.keys():
            self._silenced.setdefault(key, self._silenced_before.pop(key))
        self._silenced = {k: p for k, p in self._silenced.items() if k in live}
        self._began = {k: at for k, at in self._began.items() if k in live}

    # ---- what the window and the sounder read ------------------------------------------------

    def cards(self, now: Moment) -> list[CardView]:
        """Every chair's card, in natural order of the chair names (chair-2 before chair-10)."""
        return [self._card(self.chairs[name], now) for name in sorted(self.chairs, key=_natural)]

    def card(self, chair: str, now: Moment) -> CardView:
        return self._card(self.chairs[chair], now)

    def _title(self, chair: _Chair) -> str:
        room = self._room(chair)
        shared = sum(1 for c in self.chairs.values() if self._room(c) == room) > 1
        return f"{room} · {chair.name}" if shared and room != chair.name else room

    def station_alarms(self, now: Moment) -> list[StationAlarm]:
        """The station's own technical alarms, highest first, then the newest (as the
        bedside's alarm area and `in_sight` order): by key, Room 10 lost first stayed on the
        banner when Room 2 was lost a minute later (a code review)."""
        return sorted(self._station_conditions(now),
                      key=lambda a: (-int(a.priority), -self._began_at(a.key, now), a.key))

    def _began_at(self, key: str, now: Moment) -> float:
        """When the station alarm `key` began (epoch s): when this station first found it, or,
        for a chair's loss, when the chair was found gone if that is earlier (its Last Will, or
        the log's record at a restart, where every loss is found again at once)."""
        began = self._began.get(key, now.wall)   # set by `_station_conditions`
        chair = self.chairs.get(key.removeprefix("chair:")) if key.startswith("chair:") else None
        if chair is not None and chair.gone_since is not None:
            began = min(began, chair.gone_since)
        return began.timestamp()

    def banner(self, now: Moment) -> AlarmLine | None:
        """The station alarm the banner shows, or None: the highest that sounds, else the
        highest. Silence acts on it alone (`silence_station`), as the bedside's F2 on what it
        shows: one click silenced three station alarms of which the banner showed one, and
        "Two chairs use the name …" was never on screen (a walk on X)."""
        alarms = self.station_alarms(now)
        if not alarms:
            return None
        return _station_line(next((a for a in alarms if not a.silenced), alarms[0]), alarms)

    def audio(self, now: Moment) -> Priority | None:
        """The priority the central sounds now, or None."""
        sounding = [a.priority for a in self._station_conditions(now)
                    if not a.silenced and a.priority > Priority.INFO]
        for chair in self.chairs.values():
            if not self._connected(chair, now):
                continue
            for alarm in self._alarms(chair):
                if self._sounds(chair, alarm, now):
                    sounding.append(alarm.priority)
        return max(sounding) if sounding else None

    def sounding(self, now: Moment) -> list[tuple[Hashable, Priority, bool]]:
        """Every alarm the central sounds now, as (key, priority, True) for NewAlarmWatch: one
        that starts sounding (new, higher, or again after its acknowledgement lapsed) calls the
        station's window to the front."""
        found: list[tuple[Hashable, Priority, bool]] = [
            (("station", a.key), a.priority, True) for a in self._station_conditions(now)
            if not a.silenced and a.priority > Priority.INFO]
        for name, chair in self.chairs.items():
            if self._connected(chair, now):
                # With the room: two consoles under one name number alike, and the second's
                # new high was taken for the first's, not calling the window forward.
                # The chair's room when one console uses it (`_keep_runs_apart`), the same
                # as its run's: a key changing as twinning ended brought the window forward
                # for an alarm sounding all along (a review).
                found.extend(((name, alarm.room or self._room(chair), alarm.session,
                               alarm.occurrence),
                              alarm.priority, True)
                             for alarm in self._alarms(chair) if self._sounds(chair, alarm, now))
        return found

    def highest_chair(self, now: Moment) -> str | None:
        """The chair whose alarm to acknowledge (`_target`) sounds and comes first by the
        bedside's order."""
        best: tuple[tuple[Any, ...], str] | None = None
        for name, chair in self.chairs.items():
            if not self._connected(chair, now):
                continue
            target = self._target(chair, now)
            if target is None or not self._sounds(chair, target, now):
                continue
            key = (*_across_key(chair, target)[:4], _natural(name))   # a tie: the lower chair
            if best is None or key < best[0]:
                best = (key, name)
        return best[1] if best else None

    def in_sight(self, now: Moment, viewing: str | None = None) -> InSight | None:
        """What a view covering the grid (a chair's trend) must keep in sight: of the station's
        own alarms and every connected chair's alarms, the highest priority, with the others
        counted by priority, or None when nothing is open.

        The rule above all others: nothing hides an alarm, and the highest priority is the one
        shown, as the bedside's alarm area does (console/session/alarm_area.py; IEC 60601-1-8 as
        in Dräger's manual, "the most recently detected alarm condition of highest priority").
        A station alarm of low priority (audio unavailable) once took the strip from a chair's
        high alarm. At the same priority a chair's alarm comes before the station's (a patient
        before the equipment), and `viewing`, the chair whose trend is open, after the station's:
        its nurse is already looking at it. Then, among chairs, one whose alarm sounds here
        before one whose does not, as F2 (`highest_chair`) and the banner choose: a high
        acknowledged from the strip ("ack sent…", no Acknowledge) kept it while another chair's
        high sounded, counted as "+1 more" (a review). Then the bedside's order.
        """
        tops: list[tuple[tuple[Any, ...], InSight]] = []
        every: list[Priority] = []   # every open alarm's priority, the tops' included
        station = self.station_alarms(now)
        if station:
            # The station's highest open alarm, silenced or not (of those, the one that sounds
            # first, as the banner): the banner's own choice, the highest that sounds, is what
            # Silence acts on. Taken here, a lost chair's high loss silenced here gave the strip
            # to another chair's medium alarm while the speaker's low one sounded (a review).
            top = next((a for a in station if not a.silenced
                        and a.priority == station[0].priority), station[0])
            line = _station_line(top, station)
            tops.append(((-int(line.priority), 1), InSight("Central station", line, ())))
            every += [a.priority for a in station]
        for name, chair in self.chairs.items():
            alarms = self._alarms(chair) if self._connected(chair, now) else []
            card = self._card(chair, now) if alarms else None
            if card is None or card.alarm is None:
                continue   # a chair without connection: its loss is the station's own alarm
            rank = 2 if name == viewing else 0
            quiet = 0 if card.alarm.sounding else 1
            tops.append(((-int(card.alarm.priority), rank, quiet,
                          *_across_key(chair, alarms[0])[1:], _natural(name)),
                         # The alarm's own room while two consoles use the name: the
                         # title is whichever's status came last.
                         InSight(card.alarm.room or card.title, card.alarm, (), name,
                                 card.can_acknowledge, card.sounding_other, card.target)))
            every += [a.priority for a in alarms]
        if not tops:
            return None
        shown = min(tops, key=lambda top: top[0])[1]
        every.remove(shown.line.priority)
        return replace(shown, others=tuple(sorted(every, reverse=True)))

    def trend(self, chair: str) -> TrendData:
        """The session's trend so far: the retained snapshot merged with the PCD-01 values that
        came since, once per (metric, time); only values of the current session. Its device
        lines break where the snapshot says and where a status heard said the monitor was not
        connected or the console had started again: the bedside breaks them there however short
        the gap (trend_feed.py), and a central drew HR 80 joined to 140 across 100 s unplugged."""
        c = self.chairs.get(chair)
        if c is None:
            return TrendData(chair, None, None, {})
        started = _time((c.session or {}).get("started_at"))
        start_epoch = started.timestamp() if started else -math.inf
        series: dict[str, list[tuple[float, float, bool]]] = {}
        use_snapshot = c.trend_session is not None and c.trend_session == c.session_id
        for name in sorted(set(c.recent) | (set(c.snapshot) if use_snapshot else set())):
            points: dict[float, tuple[float, float, bool]] = {}
            snapshot = c.snapshot.get(name) if use_snapshot else None
            # The snapshot holds the session up to its newest point; PCD-01 values add what
            # came after. A value in both sits at the chair's receive time in one and at its
            # commit (MSH-7) a few ms later in the other: taken once, by that cut.
            covered = max(snapshot.times, default=-math.inf) if snapshot is not None else -math.inf
            if snapshot is not None:
                for i, t in enumerate(snapshot.times):
                    if t >= start_epoch:
                        points[round(t, 3)] = (t, snapshot.values[i], bool(snapshot.manual[i]))
            recent = c.recent.get(name)
            if recent is not None:   # the PCD-01 value wins a tie: it knows if it was typed
                for i, t in enumerate(recent.times):
                    key = round(t, 3)
                    if t >= start_epoch and (key in points or t > covered + COMMIT_LAG_S):
                        points[key] = (t, recent.values[i], bool(recent.manual[i]))
            if points:
                series[name] = [points[k] for k in sorted(points)]
        alarms = sorted((m for m in c.marks if m.session_id == c.session_id),
                        key=lambda m: m.at)
        breaks = sorted({t for t in (c.snapshot_breaks if use_snapshot else []) + c.breaks
                         if t >= start_epoch})
        return TrendData(chair, c.session_id, started, series, alarms, breaks)

    # ---- the nurse's actions -----------------------------------------------------------------

    def acknowledge(self, chair: str, nurse: str, now: Moment, seen: AckTarget | None) -> str:
        """Acknowledge `chair`'s alarm that its card's Acknowledge acts on (`_target`), if it is
        still `seen`, the one the nurse clicked under (`CardView.target` as drawn; None: the
        card offered none); returns what was done, in words, naming the chair as its card's
        title does (two chairs in one room: "Room 1 · chair-2").

        Logs the action, silences the central tone for it at once and sends the command. The
        card shows it acknowledged only once the chair says so. When the alarm to acknowledge
        is no longer the one seen (another came, or it escalated, since the card was drawn),
        nothing is acknowledged and the words say what the card shows now: the bedside's F2
        rule, never an alarm the nurse could not see.
        """
        c = self.chairs.get(chair)
        if c is None:
            return f"{chair}: no connection, nothing sent"
        if not self._connected(c, now):   # gone quiet since its card was drawn (up to 250 ms)
            return (f"{self._title(c)}: no connection to the chair: nothing sent; "
                    "acknowledge at the chair")
        if not self.bus_connected:
            # The chair's last status is still recent, but nothing sent now reaches it: the bus
            # client held the command until its next connect, however much later, and the chair
            # acknowledged then an alarm the card had long said "ack not confirmed" (a code
            # review). Nothing is sent or silenced: the tone goes on until the chair says.
            because = ("the broker refuses this station the chairs' messages" if self.bus_blind
                       else "not connected to the clinic bus")
            return f"{self._title(c)}: {because}: nothing sent; acknowledge at the chair"
        if self._twinned(c, now):
            # Two consoles use this name (`_note_run`): the command names a session and an
            # occurrence, which both consoles' logs may number alike, and both receive it: it
            # could acknowledge the other patient's alarm. Nothing is sent or silenced.
            return (f"{self._title(c)}: two chairs use the name {chair}{_twin_rooms(c)}: nothing "
                    "sent (it could acknowledge the other chair's alarm); acknowledge at the chair")
        shown = self._target(c, now)
        if shown is not None and _ack_target(shown) != seen:
            return (f"{self._title(c)}: nothing acknowledged; the alarm changed since it was "
                    f"shown, now {priority_marks(shown.priority)} {short_text(shown.text)}: "
                    "read the card and acknowledge again")
        if shown is None:
            highest = self._highest(c)
            if highest is None:
                return f"{self._title(c)}: no alarm to acknowledge"
            if highest.state == "acknowledged":
                return f"{self._title(c)}: already acknowledged at the chair"
            return f"{self._title(c)}: nothing more to acknowledge ({self._note(c, highest, now)})"
        key = (shown.session, shown.occurrence)
        detail = {"priority": shown.priority.label, "text": shown.text,
                  "room": self._room(c), "station": self.station}
        if shown.state == "latched":
            # A latched alarm is an excursion nobody at the chair has seen: only a nurse there
            # resets it (the chair refuses a central's acknowledgement of it). The central
            # silences its own tone for it and says so; nothing is sent.
            self._record_action(now, nurse, chair, shown.session, shown.occurrence,
                                "silence", {**detail, "state": "latched"})
            c.acks[key] = _CentralAck(shown.priority, now.mono, "")
            return f"{self._title(c)}: silenced here; a latched alarm is reset at the chair"
        number = self._record_action(now, nurse, chair, shown.session, shown.occurrence,
                                     "acknowledge", detail)
        command_id = f"{self.station}-{self.log.uid}-{number}"
        c.acks[key] = _CentralAck(shown.priority, now.mono, command_id)
        payload = bus_topics.encode({
            "id": command_id, "kind": "acknowledge", "session": shown.session,
            "occurrence": shown.occurrence, "priority": shown.priority.label, "by": nurse,
            "station": self.station,
            # On the chair's own clock as this station reads it from its statuses: the chair
            # measures how long the command took to reach it (COMMAND_STALE_S) on its clock,
            # and one two minutes ahead of this station's refused every acknowledgement.
            "at": iso(self.chair_now(chair, now))})
        self.publish(bus_topics.chair_topic(chair, "command", self.prefix), payload, 1, False)
        return f"{self._title(c)}: acknowledgement sent ({shown.text})"

    def no_chair_sounds(self, now: Moment) -> str:
        """What F2 says when no chair alarm sounds: a station alarm that sounds, about a chair
        or not, is silenced on the banner. "No chair alarm sounds" under a lost chair's high
        tone pointed nowhere (a code review)."""
        banner = self.banner(now)
        if banner is None or not banner.sounding:
            return "No chair alarm sounds"
        return (f"Nothing to acknowledge on a chair: the alarm sounding is the station's own "
                f"({banner.text}): press Silence on the banner")

    def silence_station(self, nurse: str, now: Moment, key: str = "",
                        seen: Priority | None = None) -> str:
        """Silence the station alarm the banner shows (`key`, as drawn when the nurse clicked;
        default the one it shows now); it stays shown while it lasts, and the next one that
        sounds then takes the banner. Worked out again at the click, a chair flipping on and
        off between draw and click made Silence act on alarms never shown (a walk on X).
        `seen`: its priority as drawn: silenced at that priority, so one that rose since (the
        nurse typing her name) sounds on, as any rise above a silence does (review 45: a
        medium clicked, a high silenced unseen)."""
        loud = [a for a in self.station_alarms(now) if not a.silenced]
        alarm = next((a for a in loud if a.key == key), None) if key else next(iter(loud), None)
        if alarm is None:
            return ("That station alarm has ended or is silenced already: nothing silenced"
                    if key else "No station alarm sounds")
        if seen is not None and alarm.priority > seen:
            return (f"Nothing silenced: {alarm.text} rose to {alarm.priority.label} since it was "
                    "shown; silence it again if it is the one you mean")
        self._silenced[alarm.key] = alarm.priority
        self._record_action(now, nurse, "", None, None, "silence",
                            {"alarm": alarm.key, "text": alarm.text,
                             "priority": alarm.priority.label})
        more = f" ({len(loud) - 1} more still sounding)" if len(loud) > 1 else ""
        return f"Silenced: {alarm.text}{more}"

    def nurse_signed(self, nurse: str, now: Moment) -> None:
        """The name typed for the shift (logged, once per change)."""
        self._record_action(now, nurse, "", None, None, "nurse", {"station": self.station})

    # ---- messages ----------------------------------------------------------------------------

    def _chair(self, name: str, now: Moment) -> _Chair:
        chair = self.chairs.get(name)
        if chair is None:
            chair = self.chairs[name] = _Chair(name, now.mono)
        return chair

    def _on_status(self, name: str, payload: bytes, now: Moment, retained: bool = False,
                   held_s: int = 0) -> None:
        """Take a chair's status. A Last Will (online false) is taken as it comes, retained or
        not: it says the chair is gone. A retained online status (`retained`: the broker's copy
        of the chair's last status, handed at each subscription) is shown for what it is, the
        chair's last word, never a sign of life: its values, session and alarms are what the
        card's "No connection" page names, and the chair stays without connection until a
        status published now comes (within its heartbeat, when it is alive). After a restart
        the board had only the last status its log kept (statuses are logged on change), did
        not know the retained copy for the same, and showed a hung chair connected, its
        5-minute-old values current and its old alarm sounding (a code review). Taken while
        the chair is connected it would say nothing new: dropped."""
        obj = bus_topics.decode(payload)
        if obj is None:
            version = _newer_version(payload)
            if version is None:
                raise _Bad("not a status of this schema (JSON object with v=1)")
            self._newer_status(name, version, now.wall, now.mono)
            raise _Bad(f"not a status of this schema (JSON object with v=1): status version "
                       f"{version}; this station reads {bus_topics.SCHEMA_VERSION}: update the "
                       "central station", {"version": version})
        if obj.get("chair", name) != name:
            raise _Bad(f"status names chair {obj.get('chair')!r}")
        self._unreadable.pop(name, None)   # it speaks this station's version (again)
        online = obj.get("online")
        if not isinstance(online, bool):
            raise _Bad("status without online true/false")
        obj, cuts = _cut_status(obj)
        topic = bus_topics.chair_topic(name, "status", self.prefix)
        if not online:   # the Last Will (or a chair signing off)
            if cuts:
                self._ignore(_cut_reason(topic, cuts), now, name, topic)
            chair = self._chair(name, now)
            self._take_room(chair, obj)
            if not chair.heard and name in self._idle_in_log:
                chair.heard_idle = True   # its log's last status: no session open (`restore`)
            chair.online = False
            chair.heard = True
            chair.will_reason = str(obj.get("reason") or "connection lost")
            closed = chair.will_reason == bus_topics.CLOSED_REASON
            # A chair gone while heard idle leaves as one closed cleanly: lost between sessions
            # (a PC unplugged, then renamed) it kept its grey card for good (a review).
            chair.gone_idle_mono = now.mono if closed or chair.heard_idle else None
            if closed and isinstance(obj.get("session_open"), bool):
                # The chair says whether it closed mid-session: a station started after it
                # closed between sessions kept its grey card for good.
                chair.heard_idle = not obj["session_open"]
                if chair.heard_idle and chair.session and not chair.session.get("ended"):
                    # The session this station last heard (its log, before a restart) ended
                    # while it was away: over, not lost. Kept open, it was "no connection to
                    # the chair" for good, its card never leaving (a review).
                    chair.session = {**chair.session, "ended": True}
            if chair.offline_since is None:
                chair.offline_since = chair.status_wall or now.wall
            if chair.gone_since is None:
                chair.gone_since = self._restored_at or now.wall
            self._log_change(chair, now, payload)
            return
        # Every check before the board changes: a status refused is counted as ignored and
        # changes nothing. Its room taken first, a sounding high's card sent the nurse to the
        # refused status's room, and one from a chair never heard left a grey "No connection
        # (no status yet)" card for good (a review).
        sent_at = _time(obj.get("sent_at"))
        if sent_at is None:
            raise _Bad("status without a readable sent_at")
        session = obj.get("session")
        if session is not None and not isinstance(session, dict):
            raise _Bad("status session is neither null nor an object")
        new_id = session.get("id") if session else None
        if not isinstance(new_id, int) or isinstance(new_id, bool):
            new_id = None
        alarms = self._status_alarms(obj.get("alarms"), sent_at, -1 if new_id is None else new_id)
        vitals = obj.get("vitals") or {}
        if not isinstance(vitals, dict):
            raise _Bad("status vitals is not an object")
        _check_drawable(session, vitals)
        if cuts:   # taken, its long texts cut: said as a message partly ignored
            self._ignore(_cut_reason(topic, cuts), now, name, topic)
        chair = self._chair(name, now)
        seq = obj.get("seq") if isinstance(obj.get("seq"), int) \
            and not isinstance(obj.get("seq"), bool) else None
        copy = sent_at == chair.status_sent_at and seq == chair.status_seq
        if retained and self._connected(chair, now):
            return   # the broker's copy at our resubscription: the live statuses say more
        token = obj.get("instance")
        previous = chair.run
        new_run = not retained and self._new_run(chair, token)
        # The other console under this name (`_note_run`) stamps by its own clock and counts on
        # its own: its status is never an older copy of this one's. Dropped as one, a console
        # whose clock was behind had every status and alarm dropped (a review).
        twin = not retained and self._twin_run(chair, token)
        if (self._older_status(chair, sent_at, seq) or copy) and chair.online and not new_run \
                and not twin:
            # An older status than the one shown, or the same one again: the broker hands its
            # retained copy at each resubscription. A copy is no sign of life: taken, it made a
            # hung chair connected again, its minutes-old values current (a code review).
            return
        # The room of a status taken, never of one dropped as older than the card's.
        self._take_room(chair, obj)
        # The first status after the chair's Last Will is the whole truth of its open alarms:
        # a restart may stamp with a clock behind what it sent before (a hardware clock before
        # NTP), and an old "raised" must not outrank it by time and stay on the card, sounding.
        # So is the first status of a new run of the chair's console (`_new_run`): a PC rebooted
        # before the broker sent its Will, its clock behind until NTP, counting from 0 again,
        # had each status taken for an older copy and dropped, "No connection" while it talked.
        back = (chair.heard and not chair.online) or new_run
        # So is a status taken although stamped before the one shown (its count went on: the
        # chair's clock stepped back, NTP or an administrator): compared by time with it, a
        # PCD-04 start stamped before the step stayed "newer" than everything the chair said
        # after it, and an alarm over at the chair stayed on the card, sounding (a code review).
        stepped = not twin and chair.status_sent_at is not None and sent_at < chair.status_sent_at
        if retained:
            # What the chair last said, not that it is alive: the connection stays as it was
            # (a Last Will heard stays, a chair heard only before stays unheard since) and a
            # chair first known by it is online but unheard, lost 10 s after the bus came up
            # unless a live status comes (`_lost`), as a restored chair is.
            chair.online = chair.online or not chair.heard
        else:
            self._note_run(chair, token, now)
            chair.online = True
            chair.heard_idle = not session or bool(session.get("ended"))
            chair.will_reason = ""
            # Heard when the chair sent it: the broker may have held it a few seconds.
            chair.status_mono = now.mono - held_s
            chair.status_wall = now.wall - timedelta(seconds=held_s)
            chair.offline_since = None
            chair.gone_since = None
            chair.unheard_at_return = chair.unheard_for_bus = False
            self._began.pop(f"chair:{name}", None)   # heard: a loss found later is a new one
            self._silenced_before.pop(f"chair:{name}", None)
            chair.clock_base = (
                (sent_at, None, self._restored_at) if self._restoring and self._restored_at
                else (sent_at, chair.status_mono, chair.status_wall))
        chair.status = obj
        chair.heard = True
        chair.status_sent_at = sent_at
        chair.status_seq = seq
        if new_id != chair.session_id:
            chair.newest_stamp = None
        chair.newest_stamp = max(sent_at, chair.newest_stamp or sent_at)
        if new_id != chair.session_id:
            chair.recent.clear()
            chair.breaks.clear()
            chair.device_connected = None
            chair.monitor_clock_off = False   # judged again, as the bedside's trend does
            chair.acks.clear()
            chair.marks = [m for m in chair.marks if m.session_id == new_id]
            chair.ended = {k for k in chair.ended if k[0] == new_id}
            chair.arrived = {k: at for k, at in chair.arrived.items() if k[0] == new_id}
        if new_run:
            # A new run numbers its alarms on from its log, and a log restored from a backup
            # hands out ids already sent: a high alarm under the id of one that ended here was
            # dropped while it sounded at the bedside. What ended is over all the same: this
            # status lists only the open alarms (`back`), a PCD-04 sent again is a duplicate
            # by its control id, and one heard late is older than this status (`_alarms`).
            for key in chair.ended:
                chair.marked.pop(key, None)    # the new alarm is marked on the trend
                chair.arrived.pop(key, None)   # and is as new as it is across chairs
            chair.ended.clear()
        chair.session = session
        chair.session_id = new_id
        if new_id is not None:
            self._note_break(chair, obj.get("device"), sent_at, new_run)
        if not self._keep_runs_apart(chair, token, previous, alarms, sent_at, back, now):
            chair.status_alarms = alarms
            # PCD-04s older than this status are what it already says.
            chair.reports = {} if back or stepped else {
                k: r for k, r in chair.reports.items() if r.at >= sent_at}
        for key in alarms:
            chair.arrived.setdefault(key, self._restored_at or now.wall)
        self._settle_acks(chair, now)
        if retained:
            # Logged as what the board makes of it (not connected), never as a status heard:
            # the next restart would take its arrival for the chair's last sign of life.
            self._log_change(chair, now)
            return
        self._log_change(chair, now, payload)
        for control_id in chair.unconfirmed:   # shown from now on: confirmed now
            self._confirm(name, control_id, now)
        chair.unconfirmed.clear()

    def _newer_status(self, name: str, version: int, at: datetime, mono: float) -> None:
        """A status of `name` refused for its newer schema version, come at `at` (`mono`): the
        chair is heard but cannot be read, its alarms with it, so it is the station's own alarm
        until a status this station reads comes (`_station_conditions`). Only counted, a chair
        updated before the central was never heard: its high alarm's PCD-04 read and logged, its
        card a grey "No connection (no status yet)", nothing sounding (a review)."""
        known = self._unreadable.get(name)
        if known is None or known.version != version:
            self._unreadable[name] = _Unreadable(version, at, mono)
        else:
            known.last_mono = max(known.last_mono, mono)

    def _unreadable_alarm(self, name: str, unread: _Unreadable) -> tuple[str, Priority, str]:
        """A chair whose statuses are of a newer version: medium, or as urgent as the alarm open
        there as far as this station knows (its PCD-04s, its last status read), named as a
        chair's loss names it (IEC 60601-1-8: a failure of the distributed alarm system is
        itself an alarm condition, its priority the risk it carries)."""
        chair = self.chairs.get(name)
        top = self._highest(chair) if chair is not None else None
        who = f"{name} ({chair.room})" if chair is not None and chair.room \
            and chair.room != name else name
        text = (f"{who} sends status version {unread.version}; this station reads "
                f"{bus_topics.SCHEMA_VERSION}: update the central station")
        if top is not None:
            text += f"; {_last_heard_text(top)}"
        priority = max(Priority.MEDIUM, top.priority) if top is not None else Priority.MEDIUM
        return (f"unreadable:{name}", priority, text)

    @staticmethod
    def _take_room(chair: _Chair, obj: dict[str, Any]) -> None:
        """The room a status taken names (a status without one keeps the room known)."""
        if isinstance(obj.get("room"), str):
            chair.room = obj["room"]

    @staticmethod
    def _note_break(chair: _Chair, device: Any, sent_at: datetime, new_run: bool) -> None:
        """A status of the session saying its monitor is not connected (the first of a run of
        them), or the first of a new run of its console: the device lines break at its time, as
        the bedside's do at the device's state and at a restart (`trend_feed.breaks_lines`)."""
        connected = device == "connected"
        if new_run or (not connected and chair.device_connected is not False):
            chair.breaks.append(sent_at.timestamp())
        chair.device_connected = connected

    @staticmethod
    def _new_run(chair: _Chair, token: Any) -> bool:
        """A status carries a run token (`instance`) other than the last one's, and not one
        heard within TWIN_CHAIR_S (an interleaving twin: `_note_run`): the chair's console
        started again. A restart never goes back to an old token."""
        return (isinstance(token, str) and bool(token) and chair.run is not None
                and token != chair.run and token not in chair.runs)

    @staticmethod
    def _note_run(chair: _Chair, token: Any, now: Moment) -> None:
        """Two consoles publishing under one chair name (a settings kit copied to a second
        station): their statuses interleave, and the card flipped each second between two rooms
        and patients whose values and trends mixed, with no alarm here (a charge nurse's walk).
        A status from an earlier run's token after another's is that (`TWIN_CHAIR_S`)."""
        if not isinstance(token, str) or not token:
            return
        if chair.run is not None and token != chair.run:
            earlier = chair.runs.get(token)
            if earlier is not None and now.mono - earlier[0] <= TWIN_CHAIR_S:
                chair.twin_seen = now.mono
        chair.runs[token] = (now.mono, chair.room)
        chair.run = token
        for old in [t for t, (seen, _) in chair.runs.items() if now.mono - seen > TWIN_CHAIR_S]:
            del chair.runs[old]

    @staticmethod
    def _twin_run(chair: _Chair, token: Any) -> bool:
        """A status carries the token of a run other than the last one's, heard within
        TWIN_CHAIR_S: the other of two consoles using this chair's name (`_note_run`)."""
        return (isinstance(token, str) and bool(token) and chair.run is not None
                and token != chair.run and token in chair.runs)

    @staticmethod
    def _twinned(chair: _Chair, now: Moment) -> bool:
        """Two runs' statuses interleaved under this chair's name within TWIN_CHAIR_S."""
        return chair.twin_seen is not None and now.mono - chair.twin_seen <= TWIN_CHAIR_S

    def _keep_runs_apart(self, chair: _Chair, token: Any, previous: str | None,
                         alarms: dict[tuple[int, int], ChairAlarm], sent_at: datetime,
                         back: bool, now: Moment) -> bool:
        """While two consoles use the chair's name (`_twinned`), keep each one's alarms apart
        (`_Chair.twin_runs`): this status's alarms are its console's, whose PCD-04s older than
        it are what it says, as a chair's own are; the other's stay as its own last status and
        PCD-04s left them. Each status of one had replaced the other's, and Room 2's high SpO2
        84 was off the card every other second; then, both logs numbering alike, kept by
        (session, occurrence) alone, Room 5's SpO2 83 threw the 84 away, and one console's
        alarm ending ended the other's of the same number (reviews; README: the alarm area never
        hides a high alarm). Returns False when they are not kept apart: the chair's own, as
        ever (one console left: its alarm messages and ends are the chair's again)."""
        if not (self._twinned(chair, now) and isinstance(token, str) and token):
            if chair.twin_runs:
                run = chair.twin_runs.get(token) if isinstance(token, str) else None
                chair.reports = dict(run.reports) if run is not None else {}
                chair.ended = set(run.ended) if run is not None else set()
                chair.twin_runs.clear()
            return False
        if not chair.twin_runs:
            # Found two now: the chair's last status was the previous run's, and each PCD-04
            # since is its console's (`_run_of`).
            if previous is not None and previous != token:
                room = chair.runs[previous][1] if previous in chair.runs else ""
                chair.twin_runs[previous] = _Run(room, chair.status_alarms)
            for key, report in chair.reports.items():
                kept = self._run_of(chair, report.header, key)
                kept.reports[key] = report
                if key in chair.ended:
                    kept.ended.add(key)
            chair.status_alarms, chair.reports, chair.ended = {}, {}, set()
        chair.twin_runs = {k: r for k, r in chair.twin_runs.items()
                           if k in chair.runs or k.startswith(SENDER_RUN)}
        run = chair.twin_runs.setdefault(token, _Run(chair.room))
        stepped = run.sent_at is not None and sent_at < run.sent_at
        run.reports = {} if back or stepped else {
            k: r for k, r in run.reports.items() if r.at >= sent_at}
        run.room, run.alarms, run.sent_at = chair.room, alarms, sent_at
        self._link_sender(chair, token, run)
        return True

    @staticmethod
    def _link_sender(chair: _Chair, token: str, run: _Run) -> None:
        """A console's alarm messages kept by their sender (`_run_of`: the rooms alike) become
        its run's once its status lists one of them (number and words) and the other
        console's does not: its alarm was listed twice, once from each ("+1 more" counting the
        copy), and its end, kept by sender, never reached the status's, the alarm left on the
        card, sounding (a review). Its later messages go to its run by their sender."""
        if run.sender:
            return
        others = [r for t, r in chair.twin_runs.items() if t != token and t in chair.runs]
        for key, kept in list(chair.twin_runs.items()):
            if not key.startswith(SENDER_RUN):
                continue
            listed = {k for k, r in kept.reports.items()
                      if not r.ended and k in run.alarms and run.alarms[k].text == r.text}
            if not listed or any(
                    k in other.alarms and other.alarms[k].text == run.alarms[k].text
                    for other in others for k in listed):
                continue
            run.sender = kept.sender
            for k, report in kept.reports.items():   # an end final, else the later stands
                before = run.reports.get(k)
                if before is None or report.ended or (report.at >= before.at
                                                      and k not in run.ended):
                    run.reports[k] = report
            run.ended |= kept.ended
            del chair.twin_runs[key]
            return

    @staticmethod
    def _run_of(chair: _Chair, header: Header, key: tuple[int, int]) -> _Run:
        """The console an alarm message comes from while two use the chair's name: a PCD-04
        carries no run token, but its room (PV1-3.2) as the statuses name it. The rooms alike
        (a whole kit copied) or unknown: the run its sender was found to be (`_link_sender`),
        else the one whose status lists its alarm (of those whose sender is not known to be
        another); else its sender's own (MSH-3.2, each console's own log id)."""
        sender = header.equipment_id
        tokens = [t for t, (_, room) in chair.runs.items() if room == header.room]
        if len(tokens) != 1:
            runs = {t: r for t, r in chair.twin_runs.items()
                    if t in chair.runs and r.sender in ("", sender)}
            tokens = [t for t, r in runs.items() if r.sender == sender] \
                or [t for t, r in runs.items() if key in r.alarms]
        if len(tokens) == 1:
            return chair.twin_runs.setdefault(tokens[0], _Run(header.room))
        return chair.twin_runs.setdefault(f"{SENDER_RUN}{sender}", _Run(header.room, sender=sender))

    @staticmethod
    def _status_alarms(raw: Any, sent_at: datetime,
                       session: int) -> dict[tuple[int, int], ChairAlarm]:
        """The status's open alarms by (session, occurrence); they belong to its session."""
        if raw is None:
            return {}
        if not isinstance(raw, list):
            raise _Bad("status alarms is not a list")
        out: dict[tuple[int, int], ChairAlarm] = {}
        for item in raw:
            if not isinstance(item, dict):
                raise _Bad("a status alarm is not an object")
            priority = _priority(item.get("priority"))
            occurrence = item.get("occurrence")
            if priority is None or not isinstance(occurrence, int):
                raise _Bad("a status alarm without priority or occurrence")
            state = item.get("state", "active")
            if state not in STATES:
                raise _Bad(f"a status alarm in state {state!r}")
            out[(session, occurrence)] = ChairAlarm(
                session=session, occurrence=occurrence, priority=priority,
                category=str(item.get("category", "")), text=str(item.get("text", "")),
                state=state, raised_at=_time(item.get("raised_at")), as_of=sent_at)
        return out

    @staticmethod
    def _older_status(chair: _Chair, sent_at: datetime, seq: int | None) -> bool:
        """Older than the status shown: sent earlier by the chair's clock, and not later by its
        count. A chair clock stepped back (NTP, an administrator) sends statuses that look old
        by time but count on; they were dropped, and the chair went "no connection" while it
        talked. A restarted chair counts from 0 again, but its clock moved on."""
        if chair.status_sent_at is None or sent_at >= chair.status_sent_at:
            return False
        return seq is None or chair.status_seq is None or seq <= chair.status_seq

    def _on_pcd04(self, name: str, payload: bytes, now: Moment) -> None:
        text = _text(payload)
        report, cuts = _cut_report(read_pcd04(text))
        if cuts:   # its alarm taken, its long texts cut (logged whole below)
            topic = bus_topics.chair_topic(name, "pcd04", self.prefix)
            self._ignore(_cut_reason(topic, cuts), now, name, topic)
        chair = self._chair(name, now)
        new = self._keep(report.control_id, name, "pcd04", now, text)
        if new:
            self._apply_pcd04(chair, report, now)
        # Confirm what was shown, and again for a duplicate (the chair may have missed ours);
        # never while this station shows the chair as "no connection": its card shows and sounds
        # none of its alarms, and a quiet room's bedside keeps its soft tones on our word.
        # It is confirmed once the chair's next status has made its card connected.
        if not self._connected(chair, now):
            chair.unconfirmed.append(report.control_id)
            return
        self._confirm(name, report.control_id, now)

    def _apply_pcd04(self, chair: _Chair, report: AlertReport, now: Moment) -> None:
        """A new PCD-04 (not a duplicate) changes what the board knows of its alarm."""
        key = (report.session, report.occurrence)
        reports, ended = chair.reports, chair.ended
        if chair.twin_runs:   # two consoles number alike: each one's apart (`_keep_runs_apart`)
            run = self._run_of(chair, report.header, key)
            reports, ended = run.reports, run.ended
            if report.ended and run is chair.twin_runs.get(f"{SENDER_RUN}{run.sender}"):
                # Linked to no console's status (`_run_of`): it ends the alarm of its number
                # at every console that may be its sender, until that one's next status says
                # what is open there (README: an alarm's end is final, never an ended alarm
                # left on the card, sounding).
                for other in chair.twin_runs.values():
                    mine = other.reports.get(key)
                    if other is not run and other.sender in ("", run.sender) \
                            and (mine is None or mine.at <= report.at):
                        other.reports[key] = report
        before = reports.get(key)
        # An end is final for its occurrence, kept whatever its time (stamped after a step back
        # of the chair's clock it is "older" than the start it ends); a start or an update
        # never replaces it. Otherwise, of two phases of one occurrence the later stands.
        if report.ended:
            ended.add(key)
            reports[key] = report
        elif key not in ended and (before is None or report.at >= before.at) \
                and not self._ahead_of_chair(chair, report, now):
            reports[key] = report
            self._arrive(chair, report, self._restored_at or now.wall)
        self._mark(chair, report)
        self._settle_acks(chair, now)
        self._log_change(chair, now)

    def _ahead_of_chair(self, chair: _Chair, report: AlertReport, now: Moment) -> bool:
        """`report` is stamped ahead of the connected chair's clock now (`AHEAD_S`). Not while
        the log is replayed (`restore`): its statuses were kept only when something changed."""
        if self._restoring or not self._connected(chair, now):
            return False
        chair_now = self._chair_clock(chair, now)
        return chair_now is not None and report.at > chair_now + timedelta(seconds=AHEAD_S)

    @staticmethod
    def _chair_clock(chair: _Chair, now: Moment) -> datetime | None:
        """The chair's own clock now, as far as this station can tell: the `sent_at` of the
        last status whose arrival is known plus the time since it arrived (by this station's
        monotonic clock; by its wall clock for a status known only from the log: `clock_base`).
        None: no such status."""
        if chair.clock_base is None:
            return None
        sent_at, mono, wall = chair.clock_base
        if mono is not None:
            return sent_at + timedelta(seconds=now.mono - mono)
        return sent_at + (now.wall - wall)

    def chair_now(self, chair: str, now: Moment) -> datetime:
        """The chair's own clock now (`_chair_clock`), or this station's when it is not known:
        the time a chair's trend runs to. Its session started by the chair's clock: against
        this station's clock, a chair 5 min behind had a trend that ended in 5 empty minutes,
        a monitor silent that was not (a code review)."""
        c = self.chairs.get(chair)
        found = self._chair_clock(c, now) if c is not None else None
        return found if found is not None else now.wall

    def _confirm(self, chair: str, control_id: str, now: Moment) -> None:
        topic = bus_topics.chair_topic(chair, "confirm", self.prefix)
        payload = bus_topics.encode({
            "control_id": control_id, "station": self.station, "at": iso(now.wall)})
        if self._held is not None:
            self._held.append((topic, payload))
        else:
            self.publish(topic, payload, 1, False)

    @contextlib.contextmanager
    def confirming_after(self) -> Iterator[None]:
        """Hold the PCD-04 confirmations of what is received inside, and send them once it
        ends without an error: around the log's batch (`CentralLog.batch`), after its commit.
        Sent from inside, a confirmation reached the chair before the COMMIT and its sync: a
        station killed, or whose commit failed, in between had told the bedside "shown" (its
        quiet room keeps its soft tones on that word) of a message not in its log (a code
        review). An error keeps them, with the rows the board wrote inside (all rolled back),
        for `log_again`: what the board took in the batch is shown already and is not taken
        again, so its rows must be written again (a replay of the messages found every status a
        copy and every row "logged already", and a chair's Last Will was in no log, though the
        station showed it: a code review)."""
        held: list[tuple[str, bytes]] = []
        journal: list[_Row] = []
        self._held, self._journal = held, journal
        self._failed = None
        try:
            yield
        except BaseException as exc:
            self._failed = (journal, held, str(exc))
            raise
        finally:
            self._held = self._journal = None
        for topic, payload in held:
            self.publish(topic, payload, 1, False)

    def log_again(self, now: Moment | None = None) -> None:
        """The last batch (`confirming_after`) failed, its transaction rolled back: its rows
        (the board's own actions among them, a silence's end) are held, in order, ahead of any
        held since, and the log's failure is the station's alarm (`_hold`); a batch whose BEGIN
        failed took nothing, and the rest of it is held as it is taken. Rows written before a
        COMMIT that failed are tried again at once, in one transaction (an I/O error of a
        moment); a log that refuses them again holds them for the retry timer. Then its
        confirmations go out (as for any message taken while the log fails: shown, so
        confirmed). `now`: when (the retry timer counts from it; None: from the next tick)."""
        if self._failed is None:
            return
        rows, held, problem = self._failed
        self._failed = None
        self._held_rows[:0] = rows
        self._hold(problem, (), now)
        if rows:
            self.write_held(now)
        for topic, payload in held:
            self.publish(topic, payload, 1, False)

    @property
    def log_failing(self) -> bool:
        """The log failed and has not taken writes since: what the board logs is held in memory,
        in order, and written by the retry timer (`tick`); nothing is to try the log meanwhile."""
        return bool(self.log_problem)

    def _write(self, row: _Row, now: Moment) -> int | None:
        """Write one row (its answer: `_Row`), noted for `log_again` inside a batch; None when
        it is held in memory instead: the log failed at it, or before and has not taken writes
        since (`_hold`)."""
        if self.log_problem:
            self._held_rows.append(row)
            return None
        try:
            answer = row.write(self.log)
        except Exception as exc:   # noqa: BLE001 - the log's environment failing (CentralLogError)
            self._hold(str(exc), (row,), now)
            return None
        if self._journal is not None:
            self._journal.append(row)
        return answer

    def _hold(self, problem: str, rows: Sequence[_Row], now: Moment | None) -> None:
        """The log cannot take writes (`problem`, said by the station's log alarm): `rows` and
        every row after them are held in memory, in order, and the log is not tried again until
        the retry timer writes them all (`tick`, RETRY_S from `now`). Tried per message, a log
        locked by another program held the window's thread for its busy timeout at each, the
        station's tick and redraw standing still; and the row that had failed was never written
        again, its alarm ending at the next row written, a restart bringing back neither a
        chair's high alarm nor the nurse's silence (a review; as the bedside holds its records:
        console/session/holding.py)."""
        if not self.log_problem:
            self._retry_at = None if now is None else now.mono + RETRY_S
        self.log_problem = problem
        self._held_rows.extend(rows)

    def _look_after_log(self, now: Moment) -> None:
        """Every CHECK_S while the log takes writes, that its file is still the one at its
        path: moved away or deleted, SQLite writes on into the file it has open, and what the
        station logged was in no file at its path at the next start (a review). While it fails,
        every RETRY_S, the rows held (`write_held`)."""
        if self.log_problem:
            if self._retry_at is None:
                self._retry_at = now.mono + RETRY_S
            if now.mono >= self._retry_at:
                self.write_held(now)
            return
        if self._checked is None or now.mono < self._next_check:
            return
        self._next_check = now.mono + CHECK_S
        try:
            self._checked.check()
        except Exception as exc:   # noqa: BLE001 - the log's environment failing (CentralLogError)
            self._hold(str(exc), (), now)

    def write_held(self, now: Moment | None = None) -> None:
        """Write the rows held while the log failed, in order, in one transaction of the log
        (checked before its COMMIT to be the file at its path: `CentralLog.batch`; a stand-in
        without one, row by row); then the log alarm ends and rows go to the log again as they
        come. If it fails again they stay held, tried again RETRY_S after `now` (None: after the
        next tick). A summary held counts as logged from then on (`_log_change`)."""
        if not self.log_problem:
            return
        rows = self._held_rows
        written = 0
        try:
            with self._checked.batch() if self._checked is not None else contextlib.nullcontext():
                for row in rows:
                    row.write(self.log)
                    written += 1
        except Exception as exc:   # noqa: BLE001 - the log's environment failing (CentralLogError)
            if self._checked is None:
                del rows[:written]   # each its own write: those are in the log
            self.log_problem = str(exc)
            self._retry_at = None if now is None else now.mono + RETRY_S
            return
        self._held_rows = []
        self.log_problem = ""
        self._retry_at = None
        for chair in self.chairs.values():
            if chair.held_summary is not None:
                chair.logged, chair.held_summary = chair.held_summary, None

    @staticmethod
    def _arrive(chair: _Chair, report: AlertReport, at: datetime) -> None:
        """This station first heard of the occurrence at `at` (its own clock: `_across_key`)."""
        if not report.ended:
            chair.arrived.setdefault((report.session, report.occurrence), at)

    @staticmethod
    def _mark(chair: _Chair, report: AlertReport) -> None:
        """Keep a raise, or a rise in priority, as the bedside's trend marks it."""
        key = (report.session, report.occurrence)
        priority = PRIORITIES[report.priority]
        before = chair.marked.get(key)
        if report.phase is EventPhase.END or (before is not None and priority <= before):
            return
        chair.marked[key] = priority
        chair.marks.append(AlarmTransition(
            report.session, report.occurrence, report.condition, report.category,
            report.priority, RAISED if before is None else ESCALATED, report.at, report.text,
            value=report.value))

    def _on_pcd01(self, name: str, payload: bytes, now: Moment) -> None:
        text = _text(payload)
        report = read_pcd01(text, now.wall)
        chair = self._chair(name, now)
        if not self._keep(report.control_id, name, "pcd01", now, text):
            return
        self._add_points(chair, report, now)

    def _on_trend(self, name: str, payload: bytes, now: Moment) -> None:
        obj = bus_topics.decode(payload)
        if obj is None:
            raise _Bad("not a trend of this schema (JSON object with v=1)")
        series = obj.get("series")
        session = obj.get("session")
        if not isinstance(series, dict) or not isinstance(session, int):
            raise _Bad("trend without session or series")
        first, last = self._trend_window(name, session, obj.get("sent_at"), now)
        outside: list[tuple[str, float]] = []
        snapshot: dict[str, _Series] = {}
        for metric_name, points in series.items():
            if not isinstance(points, list):
                raise _Bad(f"trend series {metric_name!r} is not a list")
            s = _Series()
            for point in points:
                # An empty point raised IndexError out of receive: a station fault, for good,
                # for one chair's bad retained snapshot (a code review).
                if not isinstance(point, list) or len(point) < 2:
                    raise _Bad(f"trend series {metric_name!r} has a point that is not "
                               f"[time, value]: {point!r}"[:200])
                t, v = float(point[0]), float(point[1])
                if math.isfinite(t) and not first <= t <= last:
                    outside.append((str(metric_name), t))
                elif math.isfinite(t) and math.isfinite(v):
                    s.append(t, v, False)
            snapshot[str(metric_name)] = s
        if outside:
            # The rest of the snapshot is drawn: one bad point must not cost a session's trend.
            what, t = outside[0]
            topic = bus_topics.chair_topic(name, "trend", self.prefix)
            self._ignore(
                f"{topic}: trend series {what!r} "
                f"has a point at {_epoch_text(t)}, outside the session (allowed "
                f"{_epoch_text(first)} to {_epoch_text(last)}, the chair's clock now plus "
                f"{SKEW_LIMIT_S + AHEAD_S:g} s); {len(outside)} point(s) left out, the rest drawn",
                now, name, topic)
        raw_breaks = obj.get("breaks", [])   # absent from an older chair's snapshot
        raw_breaks = raw_breaks if isinstance(raw_breaks, list) else [raw_breaks]
        breaks = [float(t) for t in raw_breaks if isinstance(t, (int, float))
                  and not isinstance(t, bool) and first <= t <= last]
        if len(breaks) < len(raw_breaks):
            # The points are drawn all the same: a line joined where it broke, no more.
            topic = bus_topics.chair_topic(name, "trend", self.prefix)
            self._ignore(f"{topic}: {len(raw_breaks) - len(breaks)} trend break(s) not a time "
                         "within the session, left out", now, name, topic)
        chair = self._chair(name, now)
        chair.trend_session = session
        chair.snapshot = snapshot
        chair.snapshot_breaks = breaks
        # The bedside judges its monitor's clock on receive times, which this station does not
        # have (a PCD-01 committed late, after a log outage, would look skewed here).
        chair.monitor_clock_off = obj.get("monitor_clock_off") is True
        # Keep only the PCD-01 values the snapshot does not cover (it holds the newest points of
        # each vital, so a long session's start may be only here), which bounds what is kept.
        for metric_name, recent in list(chair.recent.items()):
            have = snapshot.get(metric_name)
            if have is not None and len(have.times):
                chair.recent[metric_name] = recent.outside(min(have.times), max(have.times))

    def _trend_window(self, name: str, session: int, sent_at: Any,
                      now: Moment) -> tuple[float, float]:
        """The times (epoch s) a trend snapshot's points may have: from the session's start
        (less TREND_EARLY_S; unbounded when the chair's status has not said when that session
        started) to the chair's clock now plus SKEW_LIMIT_S and AHEAD_S (by its last status,
        else the snapshot's own `sent_at`, else this station's clock). Taken, a point at 1e15 s (the year 31
        million) stretched the chair's trend over 16 trillion minutes, every value in one
        pixel column, and the dialog's time only grows (a code review)."""
        chair = self.chairs.get(name)
        first = -math.inf
        if chair is not None and chair.session_id == session:
            started = _time((chair.session or {}).get("started_at"))
            if started is not None:
                first = started.timestamp() - TREND_EARLY_S
        clock = self._chair_clock(chair, now) if chair is not None else None
        # A chair's clock stepped back still sends what it stamped before the step: up to the
        # latest time it has stamped a status with (3 min of SpO2 had left the trend).
        heard = [t for t in (clock, chair.newest_stamp if chair is not None else None) if t]
        newest = max(heard) if heard else (_time(sent_at) or now.wall)
        # The bedside draws a cuff value at its monitor's time when that clock is within
        # SKEW_LIMIT_S of its own: a monitor 30 s fast had every NIBP point refused here.
        return first, newest.timestamp() + SKEW_LIMIT_S + AHEAD_S

    def _add_points(self, chair: _Chair, report: ObservationReport, now: Moment) -> None:
        """Place each value where the bedside's trend does (console/session/trend_feed.py): a
        typed value and a monitor's NIBP at their measured time, any other monitor value when
        the chair committed it (the message's MSH-7), and every monitor value there once its
        clock is found more than SKEW_LIMIT_S off. A monitor clock 30 min behind left the
        chair's trend here empty, and one ahead drew a 13-minute session over 67 minutes, its
        alarm marks apart from their values (a charge nurse's walk). Whether the monitor's clock
        is off is the bedside's word, in its trend snapshot (judged on receive times); before
        the snapshot says so, an NIBP is judged here by the bedside's own rule on its commit
        (`clock_offset`): measured more than SKEW_LIMIT_S ahead of it (nothing is sent before it
        was measured) or before the session started, it is placed at its commit. Kept at its
        measured time, a cuff of a monitor 5 min ahead sent in the seconds before the bedside's
        snapshot said so stayed drawn 5 min in the future for good (a walk on X), later
        snapshots covering only what they hold; one measured behind its commit since the
        session started is a late delivery (a log outage), drawn where it was measured."""
        committed = report.header.sent_at or now.wall
        started = _time((chair.session or {}).get("started_at")) or committed

        def measured(obs: Observation) -> datetime | None:
            """Its measured time when the trend places it there (else its commit's)."""
            trusted = obs.manual or (
                is_nibp_metric(obs.metric, obs.flags) and not chair.monitor_clock_off
                and obs.measured_at is not None
                and clock_offset(obs.metric, obs.measured_at, committed, started,
                                 obs.flags) is None)
            return obs.measured_at if trusted else None

        for obs in report.observations:
            if OTHER_CHANNEL in obs.flags:
                # The vital's other channel (two SpO2 probes), not the value the chair judged: a
                # PCD-01 carries both at one time, and the one read last took the point (97
                # drawn beside a chair alarming at 85).
                continue
            at = (measured(obs) or committed).timestamp()
            # The cuff's pulse apart from the pulse line, as at the bedside.
            if not math.isfinite(obs.value):
                continue   # no point to draw (as a trend snapshot's: `_on_trend`)
            series = series_of(obs.metric, obs.flags, obs.manual)
            chair.recent.setdefault(series, _Series()).append(at, obs.value, obs.manual)
        for obs in report.withdrawn:
            # A value entered in error at the chair (OBX-11 W): its point leaves the trend, from
            # the snapshot too until the chair's next one, which no longer has it. A monitor
            # value drawn at its own commit, which the withdrawal does not say, waits for that.
            when = measured(obs)
            if when is None or OTHER_CHANNEL in obs.flags:   # never drawn
                continue
            series = series_of(obs.metric, obs.flags, obs.manual)
            for points in (chair.recent.get(series), chair.snapshot.get(series)):
                if points is not None:
                    points.drop(when.timestamp(), obs.value)

    def _keep(self, control_id: str, chair: str, kind: str, now: Moment, payload: str) -> bool:
        """Log a message once; False for a duplicate (counted)."""
        written = self._write(_Received((control_id, chair, kind, now.wall, payload)), now)
        new = written is None or bool(written)   # held: a duplicate is told in memory
        if new and control_id in self._memory_ids:
            new = False   # seen while the log could not be written
        self._memory_ids[control_id] = None
        while len(self._memory_ids) > MEMORY_IDS:
            self._memory_ids.popitem(last=False)
        if not new:
            self.duplicates += 1
        return new

    def watched(self, now: Moment) -> list[str]:
        """The card titles of the chairs this station watches now: session open, connected or
        not. Counting only the connected ones, a station whose one alarm was a chair lost in
        session, heard nowhere else, closed unasked (a code review)."""
        return [c.title for c in self.cards(now) if c.has_session and not c.ended]

    def heard_only_here(self, now: Moment) -> list[str]:
        """The chairs lost in session, whose loss only this station sounds, each with the alarm
        it had open when last heard: "Room 1, last heard with *** SpO2 89 %, limit ≤90"."""
        found: list[str] = []
        for name in sorted(self.chairs, key=_natural):
            chair = self.chairs[name]
            if self._lost(chair, now):
                last = self._last_heard(chair)
                found.append(self._title(chair) + (f", {_last_heard_text(last)}" if last else ""))
        return found

    def closed_by(self, nurse: str, now: Moment, signal: str | None = None) -> None:
        """The station's nurse closed it while it watched chairs, or the system stopped it
        (`signal`, e.g. "SIGTERM", `nurse` "system"): logged, with the chairs watched."""
        self._record_action(now, nurse, "", None, None, "closed",
                            {"station": self.station, "watched": self.watched(now),
                             **({"signal": signal} if signal is not None else {})})

    def _record_action(self, now: Moment, nurse: str, chair: str, session: int | None,
                       occurrence: int | None, kind: str, detail: dict[str, Any]) -> str:
        """Log an action; its number (the log's row id, or a time-based one if the log fails).
        A command's id is `<station>-<log uid>-<number>`: the contract's `<central>-<n>` with
        an `n` no other log file of this station gives. Held while the log fails (`_hold`):
        written in order with the rest, the log alarm standing until then (her silence in no log
        had ended it at the next row written, and a restart sounded the alarm again: a review)."""
        row_id = self._write(_Action((now.wall, nurse, chair, session, occurrence, kind, detail)),
                             now)
        if row_id is not None:
            return str(row_id)
        self._commands += 1
        return f"t{int(now.wall.timestamp() * 1000)}-{self._commands}"

    def _seen(self, chair: _Chair, now: Moment) -> tuple[bool, ChairAlarm | None, bool]:
        """The chair connected, its highest alarm while it is, and whether it is lost."""
        connected = self._connected(chair, now)
        return connected, self._highest(chair) if connected else None, self._lost(chair, now)

    @staticmethod
    def _summary(chair: _Chair, connected: bool, shown: ChairAlarm | None,
                 lost: bool) -> tuple[Any, ...]:
        """What the log must hear of when it changes: the connection, the session open or
        ended, and the highest alarm. Without the session, a session starting or ending at a
        chair first heard idle was never logged (it changed neither connection nor alarm): a
        restart replayed the idle status and forgot the chair lost in session, or the status in
        session and raised a loss for one that had ended (a code review). The alarm's text too
        (its value): a restart named a lost chair's alarm by the value it began with, SpO2 89,
        where the station had last heard 86. A status is logged then at most once a status
        (2 s) while an alarm's value moves. Whether it is lost (`_lost`): a chair unheard is not
        lost while this station's own bus is down, and a restart took every one for lost (a
        review); one lost at the bus's return (`set_bus`) or 10 s after it is logged then.
        `connected`, `shown`, `lost`: `_seen`."""
        return (connected, lost, chair.will_reason, chair.session_id,
                bool((chair.session or {}).get("ended")), None if shown is None else
                (shown.session, shown.occurrence, int(shown.priority), shown.state, shown.text))

    def _log_change(self, chair: _Chair, now: Moment, payload: bytes | None = None) -> None:
        """Store a status only when the connection, the session or the highest alarm changed
        since the last stored or held, or the chair was found lost (`_summary`). One held (the
        log failing: `_hold`) counts as logged once written (`write_held`): counted before its
        write, a change whose write failed was never written, every later status saying the
        same (a review)."""
        if self._restoring:
            return   # read from the log: it is there already
        connected, shown, lost = self._seen(chair, now)   # once a status: 20 chairs at 1 Hz
        logged = chair.logged if chair.held_summary is None else chair.held_summary
        if payload is not None and chair.online and not connected and logged is not None:
            # A status that is no sign of life now (the broker held it: `receive`) is not
            # logged for the loss it ends or starts (`_summary`'s second): its row, the chair's
            # status, is read at a restart as the chair heard then. The tick logs the loss.
            lost = logged[1]
        summary = self._summary(chair, connected, shown, lost)
        if summary == logged:
            return
        if payload is None:
            kind = "status" if connected else "stale"
            body = json.dumps({"connected": connected, "highest": None if shown is None else {
                "session": shown.session, "occurrence": shown.occurrence,
                "priority": shown.priority.label, "state": shown.state, "text": shown.text},
                "last_status_at": iso(chair.status_wall) if chair.status_wall else None,
                "lost": lost}, ensure_ascii=False)
        else:
            kind = "status" if chair.online else "will"
            body = payload.decode("utf-8", errors="replace")
        if self._write(_Received((None, chair.name, kind, now.wall, body)), now) is None:
            chair.held_summary = summary
        else:
            chair.logged = summary

    def _ignore(self, reason: str, now: Moment | None = None, chair: str = "", topic: str = "",
                detail: Mapping[str, Any] | None = None) -> None:
        """Count a message refused (or partly: a text cut, a trend's points left out), with its
        reason; with `now`, also into the central log (`_note_refusal`), not while the log is
        replayed (`restore`: its rows are there already)."""
        self.ignored += 1
        self.last_ignored = reason[:300]
        if now is not None and not self._restoring:
            self._note_refusal(chair, topic, reason[:300], now, detail or {})

    def _note_refusal(self, chair: str, topic: str, reason: str, now: Moment,
                      detail: Mapping[str, Any]) -> None:
        """A `refused` row in the central log, per chair and reason: the first at once, then
        how many more came, at most once every REFUSED_LOG_S (`_write_refusals`). The reason's
        numbers do not make a new one (a trend's times, a message's size)."""
        key = (chair, re.sub(r"\d+", "#", reason.removeprefix(topic))[:80])
        known = self._refusals.get(key)
        if known is not None:
            known.count += 1
            known.reason, known.topic = reason, topic
            self._refusals.move_to_end(key)
            return
        self._write_refusal(chair, topic, reason, 1, now.wall, now, detail)
        self._refusals[key] = _Refusals(topic, reason, 0, now.wall, now.mono)
        while len(self._refusals) > MAX_REFUSAL_KINDS:
            (old_chair, _), oldest = self._refusals.popitem(last=False)
            if oldest.count:
                self._write_refusal(old_chair, oldest.topic, oldest.reason, oldest.count,
                                    oldest.since, now, {})

    def _write_refusals(self, now: Moment) -> None:
        """Each chair's refusals counted since its last row, once REFUSED_LOG_S has passed
        (`tick`); a reason none came of for as long is forgotten (the next is a first again)."""
        for key, known in list(self._refusals.items()):
            if now.mono - known.written_mono < REFUSED_LOG_S:
                continue
            if known.count:
                self._write_refusal(key[0], known.topic, known.reason, known.count, known.since,
                                    now, {})
                known.count, known.since, known.written_mono = 0, now.wall, now.mono
            else:
                del self._refusals[key]

    def _write_refusal(self, chair: str, topic: str, reason: str, count: int, since: datetime,
                       now: Moment, detail: Mapping[str, Any]) -> None:
        body = json.dumps({"topic": topic, "reason": reason, "count": count,
                           "since": iso(since), **detail}, ensure_ascii=False)
        self._write(_Received((None, chair, "refused", now.wall, body)), now)

    # ---- rules -------------------------------------------------------------------------------

    def _connected(self, chair: _Chair, now: Moment) -> bool:
        if not chair.online:
            return False
        return chair.status_mono is not None and \
            now.mono - chair.status_mono <= bus_topics.STATUS_STALE_S

    def _lost(self, chair: _Chair, now: Moment) -> bool:
        """A chair with an open session lost: its Last Will came, or no status for
        STATUS_STALE_S of a working bus (not right after the bus itself returns, unless the
        chair was unheard then with an alarm open: `set_bus`, or found lost when this station
        stopped: `_restore_chair`). While this station's own bus is down the clock of this rule
        stops at the drop: a chair silent since is not lost (the one bus alarm says why, not
        20), and one lost before stays lost; so after a restart (`_restore_chair`). The bus
        dropping had ended every chair's loss: a lost chair's high alarm went silent for 10 s,
        then only the medium bus alarm sounded (a code review)."""
        if chair.session is None or chair.session.get("ended") or not chair.heard:
            return False
        if not chair.online:
            return True   # its Last Will (heard while the bus worked, or restored)
        if chair.unheard_at_return:
            return True   # unheard before the bus came back or the station restarted
        heard = max(chair.status_mono if chair.status_mono is not None else -math.inf,
                    self.bus_up_since)
        if heard == -math.inf:
            return False   # heard only before a restart, the bus not up since: unknown
        until = now.mono if self.bus_connected or self.bus_down_since is None \
            else min(now.mono, self.bus_down_since)
        return until - heard > bus_topics.STATUS_STALE_S

    def _alarms(self, chair: _Chair) -> list[ChairAlarm]:
        """The chair's open alarms, newest knowledge per occurrence (module docstring), prompts
        left out. A prompt ("Vitals due", information) comes as a PCD-04 but not in the chair's
        status (chair_status.build_status lists low to high): taken from its PCD-04, it was the
        card's alarm or its "+1 more" until the next status 2 s later, while still open at the
        chair (a review). Its PCD-04 still marks the trend (`_mark`), as the bedside's does.
        Each console's apart while two use the chair's name (`_keep_runs_apart`)."""
        if chair.twin_runs:
            found = [alarm for run in chair.twin_runs.values() for alarm in _open_alarms(
                run.alarms, run.reports, run.ended, run.sent_at, run.room)]
        else:
            found = _open_alarms(chair.status_alarms, chair.reports, chair.ended,
                                 chair.status_sent_at)
        return sorted((a for a in found if a.priority > Priority.INFO), key=_order_key)

    def _highest(self, chair: _Chair) -> ChairAlarm | None:
        """The alarm a chair's card shows: the first by the bedside's order (the highest; the
        alarm area never hides a high alarm)."""
        alarms = self._alarms(chair)
        return alarms[0] if alarms else None

    def _last_heard(self, chair: _Chair) -> ChairAlarm | None:
        """The alarm a chair had open when it was last heard (prompts are none: `_alarms`):
        its loss is at least that urgent, and says it (module docstring)."""
        return self._highest(chair)

    def _target(self, chair: _Chair, now: Moment,
                alarms: list[ChairAlarm] | None = None) -> ChairAlarm | None:
        """The alarm the card's Acknowledge and F2 act on: the first by the bedside's order that
        sounds here and can be acknowledged, else the card's own if it can, else none. Two
        latched highs silenced here kept the card while a third alarm sounded on, and F2 said
        "No chair alarm sounds" (a charge nurse's walk): an alarm this station sounds can always
        be acknowledged here, and the card names it when it is not the one shown. One that the
        central has just acknowledged (ack sent) is no target, so a second press acknowledges
        nothing the nurse did not see. `alarms`: the chair's, when the caller has them."""
        alarms = self._alarms(chair) if alarms is None else alarms
        if not alarms:
            return None

        def able(alarm: ChairAlarm) -> bool:
            note = self._note(chair, alarm, now)
            return note in ACKNOWLEDGEABLE_NOTES or note.endswith(ACK_REFUSED)

        sounding = next((a for a in alarms if able(a) and self._sounds(chair, a, now)), None)
        if sounding is not None:
            return sounding
        return alarms[0] if able(alarms[0]) else None

    def _settle_acks(self, chair: _Chair, now: Moment) -> None:
        """Forget a central acknowledgement once the chair says acknowledged, or the alarm ended:
        from then on the chair's state rules (a reminder there sounds here again). A silence
        given here to a latched alarm ends when the alarm is active again: its condition came
        back ("returned"), sounding at the chair and acknowledgeable. An audio pause at the
        chair does not end it: the alarm stays latched under the pause (a code review: the
        pause made a latched alarm silenced here sound again at the chair's next status).
        A silence's end is logged (`silence_ended`): a restart takes the silences back from the
        log (`_restore_silences`), and one whose alarm had returned and latched again, sounding
        here, came back silenced, "latched · silenced here" (a review)."""
        open_alarms = {(a.session, a.occurrence): a for a in self._alarms(chair)}
        for key, ack in list(chair.acks.items()):
            alarm = open_alarms.get(key)
            if alarm is None or alarm.state == "acknowledged" or (
                    not ack.command_id and alarm.state == "active"):
                del chair.acks[key]
                if not ack.command_id:
                    reason = "ended" if alarm is None else (
                        "acknowledged at the chair" if alarm.state == "acknowledged"
                        else "active again")
                    self._record_action(now, "", chair.name, key[0], key[1], "silence_ended",
                                        {"priority": ack.priority.label, "reason": reason})

    def _central_ack(self, chair: _Chair, alarm: ChairAlarm) -> _CentralAck | None:
        ack = chair.acks.get((alarm.session, alarm.occurrence))
        if ack is None or ack.priority < alarm.priority:
            return None   # none, or the alarm escalated above what was acknowledged
        return ack

    def _sounds(self, chair: _Chair, alarm: ChairAlarm, now: Moment) -> bool:
        if alarm.state in ("acknowledged", "paused"):
            return False
        ack = self._central_ack(chair, alarm)
        if ack is not None and not ack.command_id:
            return False   # a latched alarm silenced here: until the chair resets it
        return ack is None or now.mono - ack.at_mono > ACK_CONFIRM_S

    def _station_conditions(self, now: Moment) -> list[StationAlarm]:
        found: list[tuple[str, Priority, str]] = []
        if self.fault:
            found.append(("fault", Priority.HIGH,
                          f"{FAULT_TEXT}: {self.fault}; restart the central station"))
        if not self.bus_connected and self.bus_down_since is not None:
            bus = self._bus_alarm(self.bus_down_since, now)
            if bus is not None:
                found.append(bus)
        twin = self.twins.seen(now.mono) if self.twins is not None else None
        if twin is not None:
            found.append(("twin", Priority.MEDIUM, f"Another central station uses the name "
                          f"{self.station}: the chairs' messages are split between the two; "
                          f"give each station its own name and settings ({twin})"))
        if self.log_problem:
            # How many rows wait, first: the banner gives way at the end of its words.
            held = len(self._held_rows)
            waiting = (f"{held} record{'s' if held != 1 else ''} held in memory, written when "
                       "the log takes them; ") if held else ""
            found.append(("log", Priority.MEDIUM,
                          f"Central log unavailable: {waiting}{self.log_problem}"))
        for name, unread in self._unreadable.items():
            found.append(self._unreadable_alarm(name, unread))
        for name, chair in self.chairs.items():
            if self._twinned(chair, now):
                found.append(self._twin_alarm(name, chair))
            # A chair whose statuses cannot be read is unheard, not lost: its own alarm above
            # says why, at the priority its loss would have.
            if self._lost(chair, now) and name not in self._unreadable:
                last = self._last_heard(chair)
                found.append((f"chair:{name}",
                              max(Priority.MEDIUM, last.priority) if last else Priority.MEDIUM,
                              f"{self._title(chair)}: no connection to the chair"
                              + (f"; {_last_heard_text(last)}" if last else "")))
        if self.audio_problem:
            found.append(("audio", Priority.LOW, f"{AUDIO_TEXT} ({self.audio_problem})"))
        for key, _, _ in found:   # when each began: read by every tick (`_began_at`)
            self._began.setdefault(key, now.wall)
        silenced = {**self._silenced_before, **self._silenced}
        return [StationAlarm(k, p, t, k in silenced and p <= silenced[k]) for k, p, t in found]

    def _twin_alarm(self, name: str, chair: _Chair) -> tuple[str, Priority, str]:
        """Two consoles under one chair name (`_note_run`): as urgent as the highest alarm open
        at either (each one's apart: `_keep_runs_apart`), naming each room's first of that
        priority, in the bedside's order, right after the first words, as the bus alarm names
        the chair it stands for (`_bus_alarm`). Fixed at medium and naming none, it sounded a
        medium while Room 2's high SpO2 84 was off the card every other second; naming one, it
        named Room 5's SpO2 83 where Room 2's 84 was on no part of the screen (reviews)."""
        words = f"Two chairs use the name {name}{_twin_rooms(chair)}"
        alarms = self._alarms(chair)
        named: dict[str, ChairAlarm] = {}
        for alarm in alarms:
            if alarm.priority == alarms[0].priority:
                named.setdefault(alarm.room or self._room(chair), alarm)
        for room, alarm in named.items():
            words += f"; {room}: {priority_marks(alarm.priority)} {short_text(alarm.text)}"
        priority = max(Priority.MEDIUM, alarms[0].priority) if alarms else Priority.MEDIUM
        return (f"twin-chair:{name}", priority, f"{words}{';' if named else ':'} their alarms "
                "and values mix on one card; give each chair its own name and settings")

    def _bus_alarm(self, down_since: float, now: Moment) -> tuple[str, Priority, str] | None:
        """The bus not connected: one alarm for every chair this station cannot hear for it
        (not lost before: those are their own), as urgent as the highest alarm they had open
        when last heard, and naming it, as a chair's loss does. A chair connected with its high
        alarm sounding went quiet 10 s into an outage, and only a medium bus alarm sounded (a
        code review). Raised after BUS_ALARM_S, or at once when a chair heard here goes unheard
        (its alarms were sounding here up to then), or was unheard for it when this station
        stopped (`_Chair.unheard_for_bus`: the bus alarm named it then)."""
        unheard = self._unheard(now)
        if now.mono - down_since < BUS_ALARM_S and \
                not any(c.status_mono is not None or c.unheard_for_bus for c in unheard):
            return None
        # The chair it stands for right after what happened, the broker's refusal last; the bus
        # client's words are left to the status line, which says them whole: a broker's long
        # sentence in the middle cut the chair's name and "+2 more" off the banner (a review).
        text = BLIND_TEXT if self.bus_blind else BUS_LOST_TEXT
        lasts = [(_across_key(c, last), _natural(c.name), last, c) for c in unheard
                 if (last := self._last_heard(c)) is not None]
        if not lasts:
            return ("bus", Priority.MEDIUM, f"{text}: {self.bus_blind}" if self.bus_blind else text)
        _, _, last, chair = min(lasts, key=lambda found: found[:2])
        refused = f"; {self.bus_blind}" if self.bus_blind else ""
        return ("bus", max(Priority.MEDIUM, last.priority),
                f"{text}; {self._title(chair)}: {_last_heard_text(last)}{refused}")

    def _unheard(self, now: Moment) -> list[_Chair]:
        """The chairs in session this station cannot hear for its own bus (`_bus_alarm`)."""
        return [c for c in self.chairs.values()
                if c.heard and c.session and not c.session.get("ended")
                and not self._connected(c, now) and not self._lost(c, now)]

    # ---- the card ----------------------------------------------------------------------------

    @staticmethod
    def _room(chair: _Chair) -> str:
        return chair.room or chair.name

    def _card(self, chair: _Chair, now: Moment) -> CardView:
        connected = self._connected(chair, now)
        session = chair.session or {}
        has_session = bool(chair.session)
        elapsed = ""
        if has_session and isinstance(session.get("elapsed_s"), int | float):
            seconds = float(session["elapsed_s"])
            if connected and not session.get("ended") and chair.status_mono is not None:
                seconds += now.mono - chair.status_mono
            elapsed = format_duration(seconds)
        connection_text = ""
        if not connected:
            since = chair.offline_since or chair.status_wall
            unread = self._unreadable.get(chair.name)
            if unread is not None:
                # Heard, its statuses refused: "no status yet" sent the nurse to its network.
                reason = (f"its statuses cannot be read: version {unread.version}, this station "
                          f"reads {bus_topics.SCHEMA_VERSION}")
            elif chair.will_reason:
                # Its Last Will (or farewell) came before: its reason still holds, whatever
                # this station's bus does since ("connection lost" read "this station is not
                # connected to the clinic bus" through an outage here: a review).
                reason = chair.will_reason
            elif not self.bus_connected:
                # Not the chair's fault as far as this station knows: its own link is down.
                reason = self._unheard_because()
            elif chair.heard and chair.status_mono is None:
                # Known from the log or the broker's retained copy: silent since this start.
                reason = "no status since this station started"
            elif chair.heard:
                reason = f"no status for {bus_topics.STATUS_STALE_S:g} s"
            else:
                reason = "no status yet"
            # A Last Will from a chair this station never heard (kept by the broker from before
            # the station started): the loss came before it was heard, at an unknown time.
            before = " before" if chair.status_wall is None else ""
            when = f" since{before} {since.astimezone().strftime('%H:%M:%S')}" if since else ""
            connection_text = f"No connection{when} ({reason})"
            last = self._last_heard(chair) if has_session and not session.get("ended") else None
            if last is not None:
                connection_text += f"; {_last_heard_text(last)}"
        alarm: AlarmLine | None = None
        target: ChairAlarm | None = None
        other = ""
        if connected:
            alarms = self._alarms(chair)
            top = alarms[0] if alarms else None
            target = self._target(chair, now, alarms)
            if top is not None and target is not None and target is not top:
                other = f"{priority_marks(target.priority)} {short_text(target.text)}"
            if top is not None:
                alarm = AlarmLine(
                    text=top.text, priority=top.priority,
                    flashing=top.priority >= Priority.MEDIUM and top.state != "acknowledged",
                    note=self._note(chair, top, now),
                    # Every other open alarm: two consoles under one name number alike.
                    others=tuple(a.priority for a in alarms[1:]),
                    session=top.session, occurrence=top.occurrence,
                    sounding=self._sounds(chair, top, now), latched=top.state == "latched",
                    room=top.room)
        device = chair.status.get("device") if connected else None
        device_note = {"silent": "Monitor silent", "disconnected": "Monitor disconnected"}.get(
            device if isinstance(device, str) else "", "")
        quiet = connected and has_session and chair.status.get("audio") == "quiet"
        audio_note = "soft bedside tones" if quiet else ""
        return CardView(
            chair=chair.name, room=self._room(chair), title=self._title(chair),
            connected=connected,
            connection_text=connection_text, has_session=has_session,
            patient=str(session.get("patient", "")) if has_session else "",
            protocol=str(session.get("protocol_name") or session.get("protocol") or ""),
            phase=str(session.get("phase_name") or session.get("phase") or ""),
            elapsed=elapsed, demo=bool(session.get("demo")), ended=bool(session.get("ended")),
            device_note=device_note,
            audio_note=audio_note,
            vitals=self._vitals(chair) if connected and has_session else (),
            alarm=alarm,
            can_acknowledge=target is not None,
            sounding_other=other,
            target=_ack_target(target),
        )

    def _note(self, chair: _Chair, alarm: ChairAlarm, now: Moment) -> str:
        if alarm.state == "acknowledged":
            return "acknowledged"
        ack = self._central_ack(chair, alarm)
        if ack is not None and not ack.command_id:
            return LATCHED_SILENCED
        if ack is not None:
            return "ack sent…" if now.mono - ack.at_mono <= ACK_CONFIRM_S else "ack not confirmed"
        sent = chair.acks.get((alarm.session, alarm.occurrence))
        if sent is not None and sent.command_id:
            # Acknowledged here below the priority the chair now says (it rose before the command
            # came): the chair refuses it (a higher priority is a new alarm condition, IEC
            # 60601-1-8), and the card's empty note left the nurse's press unexplained while the
            # tone came back (a review). The alarm line says the priority now.
            return f"{sent.priority.label} {ACK_REFUSED}"
        if alarm.state == "paused":
            return "audio paused at the chair"
        if alarm.state == "latched":
            return LATCHED
        return ""

    def _vitals(self, chair: _Chair) -> tuple[VitalView, ...]:
        raw = chair.status.get("vitals") or {}
        out: list[VitalView] = []
        shown: tuple[tuple[str, tuple[str, ...]], ...] = CARD_VITALS
        if chair.status.get("ecg_heart_rate") is False and isinstance(raw.get("pulse_rate"), dict):
            shown = tuple(PULSE_VITAL if label == "HR" else (label, names)
                          for label, names in CARD_VITALS)
        for label, names in shown:
            values: list[str] = []
            priority: Priority | None = None
            times: list[str] = []
            stale = False
            for name in names:
                item = raw.get(name)
                if not isinstance(item, dict) or not isinstance(item.get("value"), int | float) \
                        or isinstance(item.get("value"), bool):
                    values.append("")
                    continue
                values.append(metric(name).format(float(item["value"])))
                stale = stale or item.get("stale") is True
                p = _priority(item.get("alarm"))
                if p is not None and (priority is None or p > priority):
                    priority = p
                at = _time(item.get("at"))
                if at is not None:
                    times.append(at.astimezone().strftime("%H:%M"))
            if label == "BP":
                systolic, diastolic, mean = values
                # A half alone with the other's place held ("—/88"), as the review writes it:
                # "BP 88" read as a pressure of 88 (review 47).
                text = ("/".join(half or "—" for half in (systolic, diastolic))
                        if systolic or diastolic else "")
                if mean:
                    text = f"{text} ({mean})" if text else f"({mean})"
            else:
                text = values[0]
            # A value sent with no time (found on the monitor at connect) says so.
            tooltip = f"{label} measured {times[0]}" if times else \
                (f"{label}: time of measurement unknown" if text else "")
            stale = stale and bool(text)
            if stale:
                tooltip += " · STALE: not a current value"
            out.append(VitalView(label, text or "—", priority if text and not stale else None,
                                 tooltip, stale))
        return tuple(out)


class _Bad(ValueError):
    """A message that is not what its topic promises; `detail`: what the central log's
    `refused` row says of it beyond the reason (a newer status's `version`)."""

    def __init__(self, reason: str, detail: Mapping[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.detail: Mapping[str, Any] = detail or {}


def _station_line(top: StationAlarm, alarms: list[StationAlarm]) -> AlarmLine:
    """The station alarm `top` as a line (the banner's, the trend strip's), the others of
    `alarms` counted: flashing and sounding until silenced here."""
    return AlarmLine(
        text=top.text, priority=top.priority,
        flashing=not top.silenced and top.priority >= Priority.MEDIUM,
        note="silenced here" if top.silenced else "",
        others=tuple(a.priority for a in alarms if a.key != top.key),
        session=None, occurrence=None,
        sounding=not top.silenced and top.priority > Priority.INFO, key=top.key)


def _ack_target(alarm: ChairAlarm | None) -> AckTarget | None:
    return None if alarm is None else AckTarget(alarm.session, alarm.occurrence, alarm.priority)


def _board_summary(payload: str) -> bool:
    """A logged status row that is the board's own summary of a change (`_log_change`:
    connected and highest alarm), not a status as the chair sent it."""
    try:
        obj = json.loads(payload)
    except ValueError:
        return False
    return isinstance(obj, dict) and "connected" in obj and "v" not in obj


def _check_drawable(session: dict[str, Any] | None, vitals: dict[str, Any]) -> None:
    """Refuse a status whose numbers or times no card can draw. Taken, one chair's NaN
    `elapsed_s` or a vital's time out of datetime's range made every `cards()` raise: the
    window stopped drawing every chair, its banner and its sounder on every tick (a code
    review). Refused here, it is counted as ignored, with its reason, as any bad message.

    Raises:
        _Bad: what cannot be drawn, named.
    """
    problem = _undrawable((session or {}).get("elapsed_s"))
    if problem:
        raise _Bad(f"status session elapsed_s {problem}")
    for name, item in vitals.items():
        if not isinstance(item, dict):
            continue   # drawn as no value (`_vitals`)
        problem = _undrawable(item.get("value"))
        if problem:
            raise _Bad(f"status vital {name!r} value {problem}")
        at = item.get("at")
        if at is not None and _time(at) is None:
            raise _Bad(f"status vital {name!r} time {at!r} is not a readable time"[:200])


def _undrawable(value: Any) -> str:
    """Why a number a card draws as a float cannot be drawn ("" when it can, or is no number:
    that is drawn as no value). JSON has integers of any size: HR 10**400 passed the float
    check, and `float()` of it raised OverflowError at every `cards()`, every chair's card
    frozen under "Central station fault" (a code review)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    number = value
    if isinstance(value, int):
        try:
            number = float(value)
        except OverflowError:
            # Named by its size: str() of a big enough integer raises ValueError (Python's cap).
            return (f"is too large for any number a card can draw (a {value.bit_length()}-bit "
                    "integer)")
    if not math.isfinite(number):
        return f"is not a finite number ({value!r})"
    return ""


def _epoch_text(t: float) -> str:
    """A trend point's time for a reason line: ISO when it is a date, else the number."""
    try:
        return iso(datetime.fromtimestamp(t, UTC))
    except (ValueError, OverflowError, OSError):
        return f"{t:g} s since 1970"


def _text(payload: bytes) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        raise _Bad("not UTF-8 text") from None


def _sent_by(chair: _Chair, header: Header, received_at: datetime) -> datetime:
    """When a logged PCD message shows its chair alive, by this station's clock: when it came,
    or when the chair sent it (MSH-7) if that is earlier. A hung chair's messages queued for
    this station's persistent session are logged when the broker hands them over, minutes
    after the chair last spoke. MSH-7 is the chair's clock: it is read on this station's by the
    chair's offset its last status gave (`_Chair.clock_base`); taken as it was, a chair 5 min
    behind read "No connection since" 5 min early after a restart (a review). No status's
    arrival known, no offset: when it came stands."""
    if header.sent_at is None or chair.clock_base is None:
        return received_at
    status_sent_at, _, arrived = chair.clock_base
    return min(received_at, header.sent_at - (status_sent_at - arrived))


def _last_heard_text(alarm: ChairAlarm) -> str:
    """The alarm a chair had open when it was last heard, for its loss ("last heard with ***
    SpO2 85 %, limit ≤90")."""
    return f"last heard with {priority_marks(alarm.priority)} {short_text(alarm.text)}"


def _open_alarms(status: Mapping[tuple[int, int], ChairAlarm],
                 reports: Mapping[tuple[int, int], AlertReport], ended: set[tuple[int, int]],
                 sent_at: datetime | None, room: str = "") -> list[ChairAlarm]:
    """One console's open alarms (`Board._alarms`): its last status's (`sent_at`), with the
    PCD-04s not older ended or laid over them; `room`: its room, said on each while two
    consoles use the chair's name (`_Run`)."""
    merged = {k: replace(a, room=room) if room else a
              for k, a in status.items() if k not in ended}
    for key, report in sorted(reports.items(), key=lambda kv: kv[1].at):
        if report.ended or key in ended:
            merged.pop(key, None)   # an end is final, whatever its time
            continue
        if sent_at is not None and report.at < sent_at:
            continue
        before = merged.get(key)
        merged[key] = ChairAlarm(
            session=report.session, occurrence=report.occurrence,
            priority=PRIORITIES[report.priority], category=report.category,
            text=report.text, state=_state_of(report),
            raised_at=before.raised_at if before else report.at, as_of=report.at, room=room)
    return list(merged.values())


def _cut(value: Any, what: str, cuts: list[str]) -> Any:
    """`value` cut to TEXT_LIMIT characters when it is a longer text, the cut said in `cuts`."""
    if not isinstance(value, str) or len(value) <= TEXT_LIMIT:
        return value
    cuts.append(f"a {len(value):,}-character {what}")
    return value[:TEXT_LIMIT - 1] + "…"


def _cut_status(obj: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A status with every text a card shows cut to TEXT_LIMIT (`_cut`), and what was cut; the
    rest as it came (its alarms still show: a refused status shows none)."""
    cuts: list[str] = []
    out = dict(obj)
    for key in ("room", "reason"):
        if key in out:
            out[key] = _cut(out[key], key, cuts)
    if isinstance(out.get("session"), dict):
        session = out["session"] = dict(out["session"])
        for key in ("patient", "protocol", "protocol_name", "phase", "phase_name"):
            if key in session:
                session[key] = _cut(session[key], f"session {key}", cuts)
    if isinstance(out.get("alarms"), list):
        alarms: list[Any] = []
        for item in out["alarms"]:
            if isinstance(item, dict):
                item = dict(item)
                for key in ("text", "category"):
                    if key in item:
                        item[key] = _cut(item[key], f"alarm {key}", cuts)
            alarms.append(item)
        out["alarms"] = alarms
    return out, cuts


def _cut_report(report: AlertReport) -> tuple[AlertReport, list[str]]:
    """A PCD-04 with its alarm text, condition and room cut to TEXT_LIMIT (`_cut`), and what
    was cut."""
    cuts: list[str] = []
    text = _cut(report.text, "alarm text", cuts)
    condition = _cut(report.condition, "alarm condition", cuts)
    room = _cut(report.header.room, "room", cuts)
    if not cuts:
        return report, cuts
    return replace(report, text=text, condition=condition,
                   header=replace(report.header, room=room)), cuts


def _cut_reason(topic: str, cuts: list[str]) -> str:
    """Why a message taken counts as partly ignored: its texts cut (`_cut`)."""
    return (f"{topic}: {'; '.join(cuts[:3])}{'; …' if len(cuts) > 3 else ''} cut to "
            f"{TEXT_LIMIT} characters (no card shows more); the rest of the message taken")


def _newer_version(payload: bytes) -> int | None:
    """The schema version of a JSON object of a version newer than this station reads, or
    None (not JSON, not an object, no such version)."""
    try:
        obj = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    version = obj.get("v") if isinstance(obj, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) \
            and version > bus_topics.SCHEMA_VERSION:
        return version
    return None


def _state_of(report: AlertReport) -> str:
    if report.inactivation is Inactivation.ALERT_ACKNOWLEDGED:
        return "acknowledged"
    if report.inactivation is Inactivation.AUDIO_PAUSED:
        return "paused"
    if report.state is AlertState.LATCHED:
        return "latched"
    return "active"

"""What the outbox holds: the IHE PCD messages of each commit (console/store/outbox.py's composer).

One PCD-01 (ORU^R01) per commit that holds observations of a session, one PCD-04 (ORU^R40) per
alarm transition, all built by console/network/pcd.py with the control id the log gives them. A
demo or test session's messages go as training (MSH-11 T), so they never reach an EHR as patient
data unmarked. Events (checklist ticks, notes...) have no PCD message and send nothing, except
an audio pause and its end: network.md's "paused -> update", one PCD-04 per open alarm; and a
value entered in error: a PCD-01 that posts it as wrong (OBX-11 W), repeating it as the outbox
first sent it (found there, so after a restart too), or nothing when it never went out.

The values a PCD-01 carries are the patient's, dated as the trend dates them (pcd.py's module
docstring): a value whose flags keep it off the patient's values (`not_patient_flags`: an NIBP of
unknown age, a monitor's TEST value) is left out; a monitor whose clock its values show off
(trend_feed.py `DeviceClocks`, the trend's and the tiles' rule and code, fed the session's values
in log order: learnt from the log the first time a session is seen, then from each commit, all
of a commit's values before any is dated) has its values dated when received; a value so dated
before the session's start by more than `STALE_MANUAL_SECONDS`, and that old already when it
came (a monitor's last cuff, the previous patient's; not a reading after the station's clock was
set back), is none of this session's and is left out, as the review, the course and the FHIR
Bundle leave it out (trend_feed.py `before_the_session`). A correction
(`corrects`) whose result went out goes alone as OBX-11 C where that result went (its order,
OBX-4 and OBX-14, found in the outbox as a withdrawal finds its row; through a correction of a
correction, the newest of the rows it corrects that went); one whose result never went out goes
as F, dated at the measurement it stands for, or not at all when that measurement is before the
session.

A transition alone does not say the whole ACM state (an acknowledged alarm whose priority steps
down is still acknowledged; an alarm raised during a pause is paused), so the composer keeps each
open occurrence's acknowledgement and each session's pause, learnt from the log's history of a
session the first time it sees it (a restart; the commit's own rows left out, each step is folded
once) and then from every transition it composes in a write that commits (`rolled_back`: a
write held and retried is learnt once; a compose that fails part way, a bug, forgets its
sessions, learnt again from the log that holds its rows). The
bedside's board, the central's card and the interface engine then read the same state: a
typo's escalation taken back puts back the acknowledgement it had undone, as the bedside and a
restart do (engine.py `_open_occurrences`). Within a
commit, a step says the state the bedside holds once the commit is done: an alarm that breaks
through a pause starts `enabled`, and the pause's end updates only the other open alarms.

The patient is shown as the clinic chose (network.toml `patient_shown`): its identifier, or none
(the chair alone identifies the session; the EHR matches by chair and time).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from console.clock import Clock
from console.network.pcd import (
    AlertState,
    Inactivation,
    PatientShown,
    SentObservation,
    Station,
    pcd01,
    pcd04,
    sent_observation,
)
from console.records import (
    ACKNOWLEDGED,
    AUDIO_PAUSED,
    AUDIO_RESUMED,
    CLEARED,
    DEESCALATED,
    ENGINE,
    ESCALATED,
    LATCHED,
    REMINDED,
    RESET,
    UPDATED,
    AlarmTransition,
    EventRecord,
    ObservationRecord,
    Record,
)
from console.session.alarms import acknowledged_at, keeps_acknowledgement
from console.session.trend_feed import DeviceClocks, before_the_session
from console.store.errors import LogError
from console.store.outbox import Outgoing
from devices.reading import MANUAL, is_patient_value
from protocols.model import Priority

if TYPE_CHECKING:
    from console.store import EventLog

PCD01 = "pcd01"
PCD04 = "pcd04"
# The event of a value taken back with no value in its place (engine.py `SessionEngine.void`).
ENTERED_IN_ERROR = "entered_in_error"


# How many rows a correction is followed back through (a correction of a correction...): a loop
# in a damaged log must not hold the commit.
_MAX_CORRECTIONS = 64

# A PCD-04 to build: the step, and the ACM state and inactivation it leaves (None: as implied).
_Step = tuple[AlarmTransition, AlertState | None, Inactivation | None]

# An alarm's words changed at its priority (`UPDATED`): sent as PCD-04's "update" phase, which
# pcd.py gives a de-escalation; its state and inactivation are the composer's (`_facets`).
_UPDATE_PHASE_OF = DEESCALATED


@dataclass(slots=True)
class _Placing:
    """A session's monitors' clocks as the trend judges them (trend_feed.py `DeviceClocks`),
    from its start and its patient values in log order."""

    started_at: datetime
    clocks: DeviceClocks = field(default_factory=DeviceClocks)

    def note(self, record: ObservationRecord) -> None:
        """One patient value of the session, in log order (engine.py `_note_clock`'s rule)."""
        if record.source != MANUAL:
            self.clocks.note(record.source, record.metric, record.measured_at,
                             record.received_at, self.started_at, record.flags)

    def before_the_session(self, record: ObservationRecord) -> bool:
        """`record` (a measurement, noted) is dated before the session, none of its values."""
        # The review's rule (trend_feed.py `before_the_session`): the PCD-01 sent a monitor's
        # last cuff, the previous patient's 196/104 of 3 h before, as this patient's.
        return before_the_session(_times(record, self)[0] or record.received_at,
                                  record.received_at, self.started_at)


def _times(record: ObservationRecord, placing: _Placing | None) -> tuple[datetime | None, ...]:
    """The times a PCD-01 may date `record` at (OBX-14), the one it is dated at now first: its
    measured time, or, for a monitor whose clock is found off, when the console received it, as
    the trend, the review, the report and FHIR place that monitor's values (fhir.py `_Clocks`).
    Dated by that clock, the engine got a monitor's values two hours before the session began.
    Its values sent before the clock was found off went with their own time: the second, for a
    match (`sent_observation`)."""
    if (placing is None or record.source == MANUAL or record.measured_at is None
            or placing.clocks.offset(record.source) is None):
        return (record.measured_at,)
    return (record.received_at, record.measured_at)


def _dated(record: ObservationRecord, at: datetime | None) -> ObservationRecord:
    """`record` with the measured time its OBX-14 says."""
    return record if at is None or at == record.measured_at else replace(record, measured_at=at)


@dataclass(frozen=True, slots=True)
class _Open:
    """An open occurrence as the ACM reports it: its last step, acknowledged, latched, the
    highest priority it was acknowledged at (console/session/alarms.py `keeps_acknowledgement`),
    and (acknowledged, latched) as they were before its last escalation, while a value taken
    back may still undo it (`Occurrence.before_escalation`)."""

    last: AlarmTransition
    acknowledged: bool = False
    latched: bool = False
    acknowledged_up_to: Priority | None = None
    before_escalation: tuple[bool, bool] | None = None


# Per session, its open occurrences (None: not learnt yet) and whether it was paused.
_Saved = dict[int, tuple[dict[int, _Open] | None, bool]]


class _AlarmMemory:
    """Each session's open occurrences and pause, folded from its transitions and events."""

    def __init__(self, history: Callable[[int], Sequence[AlarmTransition]]) -> None:
        self._history = history
        self._open: dict[int, dict[int, _Open]] = {}
        self._paused: set[int] = set()

    def session(self, session_id: int, own: Sequence[AlarmTransition] = ()) -> dict[int, _Open]:
        """A session's open occurrences; first seen (a restart), learnt from the log.

        Args:
            own: the commit's transitions of this session, which `learn` folds. The log is read
                inside the write transaction, so its history ends with them: folded there too,
                an escalation forgot what it escalated from (`before_escalation`), and a typo's
                escalation taken back went out sounding after every restart.
        """
        found = self._open.get(session_id)
        if found is None:
            # Kept only once learnt: a history that could not be read (or folded) left the
            # session known with no open alarm, and a pause sent none of them.
            found = {}
            history = self._history(session_id)
            for step in history[:len(history) - _written(history, own)]:
                self._fold(found, step)
            self._open[session_id] = found
        return found

    def learn(self, step: AlarmTransition) -> _Open | None:
        """Take one transition; the occurrence as it now stands (None once ended)."""
        occurrences = self.session(step.session_id)
        self._fold(occurrences, step)
        return occurrences.get(step.occurrence)

    @staticmethod
    def _fold(occurrences: dict[int, _Open], step: AlarmTransition) -> None:
        if step.transition in (CLEARED, RESET):
            occurrences.pop(step.occurrence, None)
            return
        before = occurrences.get(step.occurrence) or _Open(step)
        priority = Priority[step.priority.upper()]
        up_to = before.acknowledged_up_to
        # The engine's rule (engine.py `_open_occurrences`), so the bedside, a restart and the
        # network say one state: an escalation keeps what came before it, a reminder leaves
        # that, any other row ends it.
        undo = ((before.acknowledged, before.latched) if step.transition == ESCALATED
                else before.before_escalation if step.transition == REMINDED else None)
        if step.transition == ACKNOWLEDGED:
            occurrences[step.occurrence] = _Open(step, True, before.latched,
                                                 acknowledged_at(up_to, priority))
        elif step.transition == LATCHED:
            occurrences[step.occurrence] = _Open(step, before.acknowledged, True, up_to)
        elif (step.transition == DEESCALATED and step.actor != ENGINE
              and before.before_escalation is not None):
            # A value taken back (its row names the nurse, engine.py `_undone_by`): the
            # escalation it made is undone, acknowledgement included (alarms.py
            # `_undo_escalation`). Sent active and sounding, the central could not silence it.
            acknowledged, latched = before.before_escalation
            occurrences[step.occurrence] = _Open(step, acknowledged, latched, up_to)
        elif step.transition == DEESCALATED or (
                step.transition == ESCALATED and before.acknowledged
                and keeps_acknowledgement(up_to, priority)):
            # As it was, re-prioritised.
            occurrences[step.occurrence] = replace(before, last=step, before_escalation=undo)
        elif step.transition == UPDATED:   # as it was, in new words
            occurrences[step.occurrence] = replace(before, last=step, before_escalation=None)
        else:   # raised, escalated, reminded, returned: active again, not acknowledged
            occurrences[step.occurrence] = _Open(step, acknowledged_up_to=up_to,
                                                 before_escalation=undo)

    def save(self, session_ids: Iterable[int]) -> _Saved:
        """What folding steps of these sessions may change, to put back with `restore`."""
        return {session_id: (dict(found) if (found := self._open.get(session_id)) is not None
                             else None, session_id in self._paused)
                for session_id in session_ids}

    def forget(self, records: Sequence[Record]) -> None:
        """A commit whose composing failed part way: its sessions' occurrences are learnt
        again from the log, which holds its rows, and their pause is the one it leaves."""
        for record in records:
            if isinstance(record, AlarmTransition):
                self._open.pop(record.session_id, None)
            elif isinstance(record, EventRecord) and record.kind in (AUDIO_PAUSED, AUDIO_RESUMED):
                self._open.pop(record.session_id, None)
                self.pause(record.session_id, record.kind == AUDIO_PAUSED)

    def restore(self, saved: _Saved) -> None:
        for session_id, (occurrences, paused) in saved.items():
            if occurrences is None:   # not learnt before: learnt again from the log
                self._open.pop(session_id, None)
            else:
                self._open[session_id] = occurrences
            self.pause(session_id, paused)

    def pause(self, session_id: int, paused: bool) -> None:
        if paused:
            self._paused.add(session_id)
        else:
            self._paused.discard(session_id)

    def paused(self, session_id: int) -> bool:
        return session_id in self._paused


def _written(history: Sequence[AlarmTransition], own: Sequence[AlarmTransition]) -> int:
    """How many of `history`'s last rows are `own` (the commit's rows, already in the log it was
    read from): all of them, or none when it was read before the commit. `at` is left out of
    the match: the log keeps it to the millisecond."""
    count = len(own)
    if not count or len(history) < count:
        return 0
    tail = history[len(history) - count:]
    same = all(replace(kept, at=step.at) == step for kept, step in zip(tail, own, strict=True))
    return count if same else 0


def _facets(now: _Open, paused: bool) -> tuple[AlertState, Inactivation]:
    """The ACM state and inactivation of an open occurrence."""
    state = AlertState.LATCHED if now.latched else AlertState.ACTIVE
    if now.acknowledged:
        return state, Inactivation.ALERT_ACKNOWLEDGED
    return state, Inactivation.AUDIO_PAUSED if paused else Inactivation.ENABLED


def _resumed_ahead(records: Sequence[Record]) -> set[int]:
    """The indices of a commit's alarm steps that an audio pause's end later in it applies to.

    The engine logs a break-through (IEC 60601-1-8: a new alarm of higher priority sounds at
    once, ending the pause) as the alarm's raise or escalation, then the pause's end. Composed in
    that order, the start said `audio-paused` (an alarm manager paging on the start phase saw a
    silenced alarm), then an update said `enabled`. Each step says the state the bedside holds
    once the commit is done: a step before the session's pause's end, with no new pause between.
    """
    ending: set[int] = set()   # sessions whose pause ends further on in the commit
    ahead: set[int] = set()
    for index in range(len(records) - 1, -1, -1):
        record = records[index]
        if isinstance(record, AlarmTransition):
            if record.session_id in ending:
                ahead.add(index)
        elif isinstance(record, EventRecord) and record.kind == AUDIO_RESUMED:
            ending.add(record.session_id)
        elif isinstance(record, EventRecord) and record.kind == AUDIO_PAUSED:
            ending.discard(record.session_id)
    return ahead


class PcdComposer:
    """Builds the messages of a commit; the log calls it inside the write transaction, and
    `rolled_back` when that transaction did not commit."""

    def __init__(self, station: Station, patient_for: Callable[[int], PatientShown],
                 destinations: frozenset[str], clock: Clock,
                 demo_sessions: Callable[[int], bool] = lambda _session: False,
                 history: Callable[[int], Sequence[AlarmTransition]] = lambda _session: (),
                 observation: Callable[[int], ObservationRecord | None] = lambda _row: None,
                 sent_observations: Callable[[int], Iterable[str]] = lambda _session: (),
                 readings: Callable[[int], tuple[datetime, Iterable[ObservationRecord]] | None]
                 = lambda _session: None) -> None:
        """
        Args:
            station: this console and its chair.
            patient_for: the patient as shown for a session id.
            destinations: where every message goes (bus, engine).
            clock: MSH-7 and the outbox row's time.
            demo_sessions: whether a session is a demo (its messages go as training, T).
            history: a session's alarm transitions as the log holds them, oldest first.
            observation: a logged observation by its row id (None: not in the log).
            sent_observations: a session's PCD-01 messages as the outbox holds them, the newest
                first (`sent_pcd01`); read lazily, up to the one a withdrawal repeats.
            readings: a session's start and its logged observations in log order
                (`session_readings`), read once per session to learn its monitors' clocks; None
                (not known): its values are dated by their own times.
        """
        self._station = station
        self._patient_for = patient_for
        self._destinations = destinations
        self._clock = clock
        self._demo = demo_sessions
        self._alarms = _AlarmMemory(history)
        self._before: _Saved = {}   # the memory as the last compose found it (`rolled_back`)
        self._observation = observation
        self._sent = sent_observations
        self._readings = readings
        self._placing: dict[int, _Placing | None] = {}   # per session, once learnt

    def compose(self, records: Sequence[Record],
                next_control_id: Callable[[], str]) -> list[Outgoing]:
        try:
            return self._compose(records, next_control_id)
        except Exception:
            # The log commits the records without the messages (`EventLog._compose`) and calls
            # no `rolled_back`: the steps folded before the failure stayed, neither the log's
            # state nor the one before, and an alarm acknowledged in the commit was sent as
            # only audio-paused at the next pause. The next compose learns what the log holds.
            self._alarms.forget(records)
            raise

    def _compose(self, records: Sequence[Record],
                 next_control_id: Callable[[], str]) -> list[Outgoing]:
        self._learn_sessions(records)   # first: what `rolled_back` puts back is this compose's
        now = self._clock.now().wall
        out: list[Outgoing] = []
        observations: dict[int, list[ObservationRecord]] = {}
        withdrawn: list[EventRecord] = []
        alarms: list[_Step] = []
        resumed = _resumed_ahead(records)
        # Per session, the occurrences whose own step already said the pause's end.
        said: dict[int, set[int]] = {}
        for index, record in enumerate(records):
            if isinstance(record, ObservationRecord):
                observations.setdefault(record.session_id, []).append(record)
            elif isinstance(record, AlarmTransition):
                if index in resumed:
                    self._alarms.pause(record.session_id, False)
                    said.setdefault(record.session_id, set()).add(record.occurrence)
                alarms.append(self._alarm_step(record))
            elif isinstance(record, EventRecord) and record.kind in (AUDIO_PAUSED, AUDIO_RESUMED):
                alarms += self._pause_steps(record, said.pop(record.session_id, set()))
            elif isinstance(record, EventRecord) and record.kind == ENTERED_IN_ERROR:
                withdrawn.append(record)
        for session_id, batch in observations.items():
            out += self._observations(session_id, batch, next_control_id, now)
        for event in withdrawn:
            out += self._withdrawal(event, next_control_id, now)
        for alarm, state, inactivation in alarms:
            control_id = next_control_id()
            text = pcd04(alarm, control_id=control_id, sent_at=now, station=self._station,
                         patient=self._patient_for(alarm.session_id), state=state,
                         inactivation=inactivation,
                         processing_id="T" if self._demo(alarm.session_id) else "P")
            out.append(Outgoing(alarm.session_id, control_id, PCD04, text, self._destinations,
                                now))
        return out

    def rolled_back(self) -> None:
        """The transaction of the last `compose` did not commit (a full disk, an I/O error): its
        steps are forgotten. The write is held and retried (engine.py `_retry_log`); learnt at
        each attempt, an escalation's second fold took the escalated state for the one to go
        back to, and its typo taken back went out sounding, not acknowledged."""
        self._alarms.restore(self._before)
        self._before = {}

    def _learn_sessions(self, records: Sequence[Record]) -> None:
        """Each session whose alarms this commit steps, learnt from the log before its steps are
        folded, without the commit's own rows (`_AlarmMemory.session`)."""
        own: dict[int, list[AlarmTransition]] = {}
        for record in records:
            if isinstance(record, AlarmTransition):
                own.setdefault(record.session_id, []).append(record)
            elif isinstance(record, EventRecord) and record.kind in (AUDIO_PAUSED, AUDIO_RESUMED):
                own.setdefault(record.session_id, [])
        # The memory is changed inside the write transaction: saved first, put back if the
        # commit fails (`rolled_back`), so a write retried folds its steps once.
        self._before = self._alarms.save(own)
        for session_id, steps in own.items():
            self._alarms.session(session_id, steps)

    def _observations(self, session_id: int, batch: Sequence[ObservationRecord],
                      next_control_id: Callable[[], str], now: datetime) -> list[Outgoing]:
        """A session's values of one commit (the module's rules): one PCD-01 of the patient's
        values, each dated as the trend dates it, then one of its own for each correction of a
        result that went out (OBX-11 C where that result went)."""
        demo = self._demo(session_id)
        placing = self._place(session_id)
        # Only the patient's (pcd.py's module docstring).
        patient = [r for r in batch if not r.flags or is_patient_value(r.flags, demo)]
        if placing is not None:
            # All noted before any is dated, as the trend moves a cuff when its message's heart
            # rate shows the monitor's clock off (`TrendFeed._skew`): dated one by one, the cuff
            # of a monitor 3 h behind, listed first, went dated 3 h before the session, and
            # would now be left out as a previous patient's.
            for record in patient:
                if record.corrects is None:
                    placing.note(record)
        values: list[ObservationRecord] = []
        corrections: list[tuple[ObservationRecord, SentObservation]] = []
        for record in patient:
            if record.corrects is None:
                if placing is None or not placing.before_the_session(record):
                    values.append(_dated(record, _times(record, placing)[0]))
                continue
            corrected = self._chain(record)[1:]
            found = self._sent_row(corrected, placing)
            if found is not None:
                corrections.append((record, found[1]))
            elif placing is None or not placing.before_the_session(
                    corrected[-1] if corrected else record):
                # Nothing to replace: a result of the measurement it stands for (none when
                # that is before the session: none of its values, corrected or not).
                values.append(_dated(record, _times(corrected[-1], placing)[0]
                                     if corrected else None))
        out = [self._pcd01(session_id, values, demo, next_control_id(), now)] if values else []
        for record, sent in corrections:
            out.append(self._pcd01(session_id, [record], demo, next_control_id(), now, sent))
        return out

    def _pcd01(self, session_id: int, records: list[ObservationRecord], demo: bool,
               control_id: str, now: datetime,
               replaces: SentObservation | None = None) -> Outgoing:
        text = pcd01(records, control_id=control_id, sent_at=now, station=self._station,
                     patient=self._patient_for(session_id), processing_id="T" if demo else None,
                     replaces=replaces)
        return Outgoing(session_id, control_id, PCD01, text, self._destinations, now)

    def _place(self, session_id: int) -> _Placing | None:
        """A session's monitors' clocks, learnt from the log the first time it is seen. Read
        inside the write, the log holds the commit's own rows, which are then noted twice:
        `DeviceClocks.note` takes a value it has taken once more as it took it."""
        if session_id in self._placing:
            return self._placing[session_id]
        try:
            learnt = self._readings(session_id)
        except (sqlite3.Error, LogError):
            # Only the dating of a monitor's values needs it: unread, they go by their own
            # times, as before it was read. Raised, the compose failed whole: the commit's
            # PCD-04 (a high alarm's start) and every later message of the session were lost.
            learnt = None
        placing = None
        if learnt is not None:
            started_at, rows = learnt
            placing = _Placing(started_at)
            demo = self._demo(session_id)
            for row in rows:
                if is_patient_value(row.flags, demo):
                    placing.note(row)
        self._placing[session_id] = placing
        return placing

    def _chain(self, record: ObservationRecord) -> list[ObservationRecord]:
        """`record`, the row it corrects, the row that one corrects... back to the first
        measurement, as far as the log has them (of the same session)."""
        chain = [record]
        while (row := chain[-1].corrects) is not None and len(chain) <= _MAX_CORRECTIONS:
            found = self._observation(row)
            if found is None or found.session_id != record.session_id:
                break
            chain.append(found)
        return chain

    def _sent_row(self, chain: Sequence[ObservationRecord], placing: _Placing | None
                  ) -> tuple[ObservationRecord, SentObservation] | None:
        """The first row of `chain` (newest first) that a PCD-01 carried as a result, and where
        (`sent_observation`); each row of a chain is dated at the first measurement's time."""
        if not chain:
            return None
        times = _times(chain[-1], placing)
        for row in chain:
            messages = self._sent(row.session_id)
            try:
                sent = sent_observation(row, messages, times)
            finally:
                if isinstance(messages, Generator):   # its query ends here, inside the write
                    messages.close()
            if sent is not None:
                return row, sent
        return None

    def _withdrawal(self, event: EventRecord, next_control_id: Callable[[], str],
                    now: datetime) -> list[Outgoing]:
        """A value entered in error, posted as wrong (OBX-11 W) as it was first sent: its order
        (OBR-3), OBX-3, OBX-4, OBX-14 and value, which is how the interface engine and the
        central find the result to take back. Sent as final, a typed systolic 250 stood in the
        EHR although the nurse had taken it back. A correction that never went out posts the
        result it corrects as wrong, as sent. Nothing when none went out (nothing to withdraw:
        typed before the network was set up, or its message could not be built)."""
        row = event.detail.get("observation")
        record = self._observation(row) if isinstance(row, int) else None
        if record is None or record.session_id != event.session_id:
            return []
        found = self._sent_row(self._chain(record), self._place(event.session_id))
        if found is None:
            return []
        control_id = next_control_id()
        text = pcd01([found[0]], control_id=control_id, sent_at=now, station=self._station,
                     patient=self._patient_for(event.session_id),
                     processing_id="T" if self._demo(event.session_id) else None, wrong=found[1])
        return [Outgoing(event.session_id, control_id, PCD01, text, self._destinations, now)]

    def _alarm_step(self, step: AlarmTransition) -> _Step:
        """A transition with the ACM state it leaves (None: ended, as the transition says)."""
        now = self._alarms.learn(step)
        if now is None:
            return step, None, None
        if step.transition == UPDATED:
            step = replace(step, transition=_UPDATE_PHASE_OF)
        return (step, *_facets(now, self._alarms.paused(step.session_id)))

    def _pause_steps(self, event: EventRecord, said: set[int]) -> list[_Step]:
        """An audio pause or its end: an update for each open alarm not acknowledged.

        Args:
            event: the pause or its end.
            said: occurrences left out: their own step in this commit said the pause's end.
        """
        paused = event.kind == AUDIO_PAUSED
        self._alarms.pause(event.session_id, paused)
        steps: list[_Step] = []
        for key, occurrence in self._alarms.session(event.session_id).items():
            if occurrence.acknowledged or key in said:
                continue
            # The alert's own text stays: OBX-1 is the alarm, the pause is its inactivation.
            step = replace(occurrence.last, transition=event.kind, at=event.at, actor=event.actor)
            steps.append((step, *_facets(occurrence, paused)))
        return steps


def session_readings(log: EventLog, session_id: int) -> tuple[datetime, list[ObservationRecord]]:
    """A session's start and its logged observations in log order (`PcdComposer`'s
    `readings`: its monitors' clocks are learnt from them)."""
    return log.session(session_id).started_at, [o for _, o in log.observations(session_id)]


def sent_pcd01(conn: sqlite3.Connection, session_id: int) -> Iterator[str]:
    """A session's PCD-01 messages in the log's outbox, the newest first, read as they are taken
    (`PcdComposer`'s `sent_observations`: a value taken back is most often one just typed)."""
    cursor = conn.execute(
        "SELECT message FROM outbox WHERE session_id = ? AND kind = ? ORDER BY id DESC",
        [session_id, PCD01])
    try:
        for (message,) in cursor:
            yield message
    finally:
        cursor.close()

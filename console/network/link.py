"""The console's end of the clinic network: outbox rows to the senders, deliveries back to the log,
commands from a central station in, and the network's health as one technical alarm.

Store and forward (issue 12, "nothing lost, nothing twice"):

- The log commits each message with its records (console/store/outbox.py) and then hands the new
  rows here (`_queue_rows`, on the thread that wrote: the GUI thread). They go on to the MQTT
  client (QoS 1, chair topic by kind) and the MLLP sender, in outbox order, by `hand_off`, which
  runs through `later`: the console's window runs it at the end of the commit's turn of its
  loop, after its paint of what the turn changed (network_bridge.AfterPaint), so the bedside
  changes its state and paints its alarm before its transports are woken (commit, change state,
  notify: the network is told last, as the chair status is; P12). The pump's own hand-off (in
  case that turn has not come) waits behind it in the window too.
  The transports are told at most once every HAND_OFF_GAP_S: a row after a quiet spell goes on
  the owner's next turn, rows committed in a burst (a monitor's backlog, a held write) wait at
  most that long and go together, in one write to each transport's worker. Each hand-off wakes
  both workers, and on two processors a wake for every commit cost the bedside more than
  building and logging the messages (P12).
  Each transport runs in a process of its own (bus_process.py, engine_process.py), so their
  work for every acknowledgement is not done under this process's GIL, beside the alarm path.
- A PUBACK (bus) or an AA/CA (engine) is a delivery; an engine's AR/CR (or AE three times), or
  a PUBACK that refuses the message (the broker's ACL), a failure, with the reason. The engine's
  failures are sent again only on request (`infusion-console network resend`, resend.py: an AR
  means "do not send this again" to an engine); the broker's go again at the console's next
  start as well, and refused again they are the bus's technical alarm again (the central
  station still lacks them: a network failure is an alarm); one delivered by `network resend`
  beside the running console ends its part of that alarm within REFUSALS_CHECK_S. An engine's
  failure is its technical alarm by the same rule, through a restart too (below). The senders
  report on their own threads into a queue; `pump()`, on the GUI thread, writes them as
  `deliveries` rows (never an update), all that came since the last pump in one transaction.
  Only the first delivery since the last pump wakes the app (a pump, with its synced commit,
  for every PUBACK cost the bedside more than the messages themselves, P12); a failure, a
  status change and a message from the bus always do.
- At start every row of this chair without a delivery for a destination is sent again, in
  order, with its control id: a console killed with messages pending sends them after its
  restart, and a message delivered just before the kill goes twice, which receivers drop by
  MSH-10. A row is this chair's when its PV1-3.3 (the chair, as every row of a console names
  it) is this console's chair: two chairs may share a log (README), and a console published
  the other chair's backlog under its own topics, that patient on its card at the central
  station. The key is the chair, not the session, so a chair's next console sends what the
  last one left, whatever session it opens; not MSH-3, which is the log's id, shared. The
  other chairs' rows are left to their consoles, and the console's log says how many of which
  chair's: a chair renamed in its settings or taken out of service has no next start, so
  `network undelivered` lists them and `network resend` sends the engine's (resend.py).

The network alarm (IEC 60601-1-8 6.11.2.2: a failure of a distributed alarm system's
communication is itself a technical alarm condition; Dräger Infinity's bedside says so after 10 s
without the central's confirmation, shared/design/network.md):

- a destination that has had something waiting, or no connection, for 10 s without a
  confirmation, or whose oldest message waiting was handed over 10 s ago, whatever it
  confirmed since: LOW "Clinic bus not confirming delivery" (the figures in its detail) — the
  record is safe on disk and the bedside works as without a network, but the central station
  is blind to this chair. (A destination that confirms more slowly than the chair writes had
  the backlog grow without bound with no alarm, each confirmation starting the count again: a
  high alarm's PCD-04 sat a minute at the console, a review.) After an outage the alarm stands
  until the backlog has caught up to 10 s; a backlog found at start was handed over at the
  start;
- the same for 60 s: MEDIUM, the nurse must call IT, the central has been blind a minute;
- in quiet-room mode (a softer bedside tone while a central confirms alarms): a bus problem, no
  central station online, or an alarm phase the central has not confirmed within 10 s of its
  hand-off is MEDIUM at once, and the bedside returns to full volume (`quiet_allowed` False)
  until it is confirmed; at a start, full volume with nothing raised for the central until its
  presence is known (`_centrals_heard`); a central online after a time with none is sent the
  last alarm message again and waited for on that one only, its presence ending nothing before
  that confirmation (`_central_came_online`, "not confirming alarms yet"), and so is
  the central after a reconnection of the bus, its confirmations in flight lost
  (`_central_reconnected`), and at every resume (`_recall_central_owed`);
- a message the broker refused: the bus's alarm, from 10 s after it was handed over, until it is
  delivered (`_bus_part`);
- an engine's refusal (AR) of a message, or a message it gave up: LOW, MEDIUM ("taking no
  messages") once the engine has confirmed nothing for UNCONFIRMED_MEDIUM_S while messages kept
  failing (only an AA/CA confirms: an engine that answers AE or AR to everything has the EHR
  blind as surely as one that is down), until each such message is delivered (by `network
  resend`, seen in the log within REFUSALS_CHECK_S), through a restart (read back from the log
  at start: a restart restores every alarm as it was; MEDIUM too, the failures logged since the
  engine's last delivery counting again). Another message
  delivered does not end it: the EHR still lacks the refused one, as the central station lacks
  a message the broker refused (the same rule, IEC 60601-1-8 6.11.2.2 above);
- a message the console could not build: LOW, until the next message built; in quiet-room mode
  MEDIUM, at full volume, until the central confirms an alarm message built since
  (`_compose_unshown`); one it could not hand on to a transport (a bug in the network layer):
  LOW, until the rows that hand-off did not hand on are handed (`hand_off`).

Qt-free; the callbacks of the transports never touch the log or the engine.
"""

from __future__ import annotations

import logging
import math
import queue
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from console.clock import Clock, Moment, parse_iso
from console.network import bus_topics as topics
from console.network.chair_status import offline_status
from console.network.composer import PCD01, PCD04, PcdComposer, sent_pcd01, session_readings
from console.network.config import IN_CLEAR_NOTE, NetworkConfig, crosses_in_clear
from console.network.engine_process import EngineProcessClient
from console.network.mllp_sender import SenderState, SenderStatus, backoff_delay, control_id_of
from console.network.pcd import PatientShown, Station
from console.network.pcd_read import PcdError, read_pcd04
# chair_in_message is read here and re-exported (tests, callers of the link).
from console.network.resend import chair_in_message as chair_in_message
from console.network.resend import failing_since_delivered, given_up
from console.network.twin_watch import TwinWatch, new_instance
from console.records import CLEARED, AlarmTransition, ObservationRecord
from console.session.alarms import Raise
from console.session.engine import NETWORK_UNCONFIRMED
from console.store import EventLog, LogError
from console.store.outbox import BUS, DELIVERED, ENGINE, FAILED, Delivery, OutboxHooks, OutboxRow
from protocols.model import Priority

if TYPE_CHECKING:
    from console.network.bus_process import BusProcessClient
    from console.network.mqtt_bus import BusStatus

logger = logging.getLogger(__name__)

UNCONFIRMED_LOW_S = 10.0
# The least time between two hand-offs (module docstring): far below what a central station's
# nurse could notice (Dräger: an alarm at the central "typically in less than two seconds").
HAND_OFF_GAP_S = 0.005
UNCONFIRMED_MEDIUM_S = 60.0
CENTRAL_CONFIRM_S = 10.0
# How often a running console looks in its log for refused messages delivered by `network
# resend`: one small query per destination, only while the broker or the engine has refused
# something.
REFUSALS_CHECK_S = 5.0

# The engine sender's states as the status line says them (BACKING_OFF is said with its wait).
_SENDER_WORDS = {
    SenderState.NOT_STARTED: "starting",
    SenderState.IDLE: "all sent",
    SenderState.CONNECTING: "connecting",
    SenderState.AWAITING_ACK: "sent, waiting for its answer",
    SenderState.RESEND_WAIT: "the engine could not take a message (AE), sending it again shortly",
    SenderState.STOPPED: "stopped",
    SenderState.CRASHED: "stopped by a fault (see the console's log)",
}


@dataclass(frozen=True, slots=True)
class Command:
    """An acknowledgement sent by a central station's nurse (bus_topics "Commands")."""

    id: str
    session: int
    occurrence: int
    by: str
    station: str
    priority: str = ""   # what the central nurse saw; "" from a central before this field


@dataclass(frozen=True, slots=True)
class LinkReport:
    """What `pump()` found, for the app to act on.

    Attributes:
        problem: the network technical alarm to hold now, or None.
        state: the network state in words, for the status line.
        commands: new commands from a central station, in arrival order.
        quiet_allowed: quiet-room mode may keep the softer bedside tone now.
        plaintext: patient data goes unencrypted to a non-loopback host (the operator allowed it).
        line: the status line's words: what `state` says, with the causes last (`line_text`).
        judged: False in the start's grace (the first UNCONFIRMED_LOW_S, until a destination
            confirms) while nothing else is wrong: "no problem" is not yet known, and a network
            alarm restored from the log stands as it was (the app leaves it alone), rather
            than ending at the first pump of a restart and coming back 10 s later. A problem
            is always judged: it is reported at once.
    """

    problem: Raise | None
    state: str
    commands: list[Command] = field(default_factory=list)
    quiet_allowed: bool = False
    plaintext: bool = False
    judged: bool = True
    line: str = ""


class NetworkLink:
    """The clinic network of one console (one log, one chair)."""

    def __init__(self, config: NetworkConfig, log: EventLog, clock: Clock, *, station: Station,
                 wake: Callable[[], None] = lambda: None) -> None:
        """
        Args:
            config: the station's settings (enabled: a broker, a forward, or both).
            log: the session log; used on the caller's thread only.
            clock: the console's clock.
            station: this console and its chair (MSH-3, PV1-3).
            wake: called from any thread when news arrived (the app runs `pump()` soon); the
                app may set `wake` later, before `start()`.
        """
        self.config = config
        self._log = log
        self._clock = clock
        self._station = station
        self.wake = wake
        # `later(run, delay)` runs `run` on this thread after `delay` s (0: after this turn of
        # the owner's loop). Without a loop: at once, whatever the delay (see the docstring).
        self.later: Callable[[Callable[[], None], float], None] = lambda run, _delay: run()
        self._to_hand: list[OutboxRow] = []   # committed, not yet given to the transports
        # Rows a hand-off failed to give a transport (a bug), by destination, in outbox order:
        # they go first at its next hand-off; until then `_hand_off_error` is the alarm's cause.
        self._unhanded: dict[str, list[OutboxRow]] = {}
        self._hand_off_error: str | None = None
        self._handed_at = float("-inf")       # mono of the last hand-off
        self._inbox: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._patients: dict[int, PatientShown] = {}
        self._demo: dict[int, bool] = {}
        # GUI-thread state:
        self._bus_waiting: dict[int, float] = {}      # outbox id -> mono handed to the bus
        # Messages the broker refused, outbox id -> mono handed over: the bus's alarm counts
        # from the oldest (its alarm at 10 s and medium at 60 s), whatever is delivered since,
        # until each is delivered: by `network resend` beside this console
        # (`_resent_elsewhere`), or at the next start (`_bus_part`).
        self._refused_by_broker: dict[int, float] = {}
        self._refusals_checked = float("-inf")   # mono of the last look for their deliveries
        # Messages the engine refused or gave up, outbox id -> the alarm's words for it: the
        # engine's technical alarm stands until each is delivered (module docstring), so one
        # value reset by the next delivery ended it unseen (two answers in one pump: never
        # raised). Read back from the log at start.
        self._refused_by_engine: dict[int, str] = {}
        self._engine_waiting: dict[str, tuple[int, float]] = {}   # control id -> (outbox id, mono)
        # Since the engine's last confirmation: (mono the oldest message that failed since was
        # handed over, mono of the latest failure); None while the engine takes what it gets.
        self._engine_failing: tuple[float, float] | None = None
        self._last_confirmed = {BUS: clock.now().mono, ENGINE: clock.now().mono}
        self._unwritten: list[Delivery] = []
        self._delivery_woke = False   # set by a transport's thread, cleared by the pump
        self._engine_failed = 0   # messages the engine refused or that were given up, this run
        self._engine_failure: str | None = None   # the last one's short words (SenderStatus)
        self._compose_error: str | None = None
        # Quiet room: the cause of a message not built (`_compose_failed`) while no central has
        # confirmed a bedside alarm's message built since, and those messages' control ids.
        self._compose_unshown: str | None = None
        self._compose_awaited: set[str] = set()
        self._central_pending: dict[str, float] = {}  # PCD-04 control id -> mono sent
        self._last_pcd04: tuple[str, str] | None = None   # (control id, message) last published
        # The alarm message sent again to a central come online (`_central_came_online`), while
        # it is owed: that central has confirmed nothing yet. None before any.
        self._central_awaited: str | None = None
        self._centrals: dict[str, bool] = {}          # central station name -> online
        self._centrals_heard_once = False   # their presence known (`_centrals_heard`)
        self._bus_was_connected = False   # a connection made before: the next is a reconnection
        self._seen_commands: set[str] = set()
        self._bus_status: BusStatus | None = None
        self._mllp_status: SenderStatus | None = None
        self._status_seq = 0
        self._session_open = False   # as the last status published said (for the farewell)
        self._stopped = False   # set by stop(): nothing is published after it
        self._started_mono: float | None = None   # set by start(): the health's grace begins
        self._started_at: Moment | None = None   # set by start(): the log's times read by it
        # Set by start(): the wall time the log's times are measured from (`_mono_of`).
        self._log_now: datetime | None = None
        # A destination confirmed something in this run: the start's grace is over (`_in_grace`).
        self._confirmed_in_run = False
        self._judged = False
        # Another console running with this chair's settings kit (console/network/twin_watch.py).
        self._twins = TwinWatch(new_instance(), config.chair)

        destinations = frozenset(d for d, on in ((BUS, config.broker), (ENGINE, config.forward))
                                 if on)
        self.destinations = destinations
        self.composer = PcdComposer(station, self._patient_for, destinations, clock,
                                    demo_sessions=self._is_demo, history=self._alarm_history,
                                    observation=self._observation,
                                    sent_observations=self._sent_observations,
                                    readings=self._readings)
        self.bus: BusProcessClient | None = None
        self.mllp: EngineProcessClient | None = None
        if config.broker:
            # paho is imported only by a console that has a bus (start-up time, P7).
            from console.network.bus_process import BusProcessClient  # noqa: PLC0415
            from console.network.mqtt_bus import BusConfig, Will  # noqa: PLC0415

            self.bus = BusProcessClient(
                BusConfig(config.broker, username=config.username, password=config.password,
                          ca_file=config.ca_file, allow_plaintext=config.allow_plaintext),
                client_id=f"chair-{config.chair}", clock=clock,
                will=Will(self._topic("status"), topics.encode(
                    {**offline_status(config.chair, config.room, "connection lost"),
                     "instance": self._twins.instance})),
                on_message=self._on_message, on_status=self._on_bus_status,
                on_refused=self._on_bus_refused)
        if config.forward:
            # The MLLP sender runs in a process of its own, as the bus client does (P12).
            self.mllp = EngineProcessClient(
                config.forward, on_delivered=self._on_engine_delivered,
                on_failed=self._on_engine_failed, on_status=self._on_mllp_status,
                ca_file=config.engine_ca_file, ca_key=config.engine_ca_key)

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Attach to the log, connect, and send what the log holds undelivered, in order.

        What waited before a restart has waited since it was committed, and the destination
        has not confirmed since its last delivery in the log: the health counts from those, so
        a network alarm standing at a kill stands again at once after it (a restart restores
        every alarm as it was), instead of ending and coming back 10 s later.
        """
        self._log.attach_outbox(OutboxHooks(self.composer, self._queue_rows, self._compose_failed))
        now = self._started_at = self._clock.now()
        delivered = {d: self._log.last_delivered_at(d) for d in self.destinations}
        self._log_now = max([now.wall, *self._newest_logged(),
                             *(t for t in delivered.values() if t is not None)])
        mono_of = self._mono_of
        for destination, last in delivered.items():
            self._last_confirmed[destination] = mono_of(last) if last is not None else -math.inf
        self._started_mono = now.mono
        if self.bus is not None:
            self.bus.subscribe(self._topic("command"))
            self.bus.subscribe(self._topic("confirm"))
            self.bus.subscribe(self._topic("status"))   # another console with these settings
            self.bus.subscribe(topics.central_filter(self.config.topic_prefix))
            self.bus.start()
            # What the broker refused goes again at each start (its ACL is the clinic's to fix,
            # and a refusal again is the bus's alarm again: the central lacks these messages).
            self._queue_bus(self._own(self._log.undelivered(BUS, failed_too=True), BUS),
                            since=lambda r: mono_of(r.created_at))
        if self.mllp is not None:
            self.mllp.start()
            self._queue_engine(self._own(self._log.undelivered(ENGINE), ENGINE),
                               since=lambda r: mono_of(r.created_at))

    @property
    def _chair(self) -> str:
        """The chair whose rows are this console's (module docstring: a log two chairs share):
        the one the topics name (`config.chair`), else the one this console writes in PV1-3."""
        return self.config.chair or self._station.bed

    def _own(self, rows: list[OutboxRow], destination: str) -> list[OutboxRow]:
        """The rows this chair wrote (`_chair`). The others are left to their chairs' consoles,
        and the console's log says how many of which chair's: a chair renamed or out of service
        has no next start, and `network undelivered` lists them for `network resend`
        (resend.py)."""
        chair = self._chair
        own, left = [], Counter[str]()
        for row in rows:
            writer = chair_in_message(row.message)
            if writer == chair:
                own.append(row)
            else:
                left[writer] += 1
        if left:
            logger.warning("%d message(s) for the %s waiting in the log are another chair's (%s), "
                        "not this chair's (%r): left to that chair's console at its next start; "
                        "`infusion-console network undelivered` lists them, `network resend` "
                        "sends the engine's", sum(left.values()), destination,
                        ", ".join(f"{name or 'no chair'!s}: {n}" for name, n in left.items()),
                        chair)
        return own

    def _mono_of(self, when: datetime) -> float:
        """A time the log holds on the monotonic clock, as of the start: as long before it as
        the wall clock says, never after it. A wall clock behind the log (NTP stepped it back,
        a hardware clock that boots behind) is measured from the log's newest time instead, as
        the engine's resume does: the log's last delivery, "in the future", had read as
        confirmed at the start, and the bus alarm standing at the stop ended (a review)."""
        now = self._started_at or self._clock.now()
        reference = max(now.wall, self._log_now or now.wall)
        return now.mono - max(0.0, (reference - when).total_seconds())

    def _newest_logged(self) -> list[datetime]:
        """The times of the newest rows of what the link reads back at a start (a message, a
        delivery, an alarm transition: the network alarm's raising), the last run's last
        moments (`EventLog.newest_network_times`); none when they cannot be read (the times are
        then measured from the clock, as they were)."""
        try:
            return self._log.newest_network_times()
        except (LogError, sqlite3.Error, ValueError):
            return []

    def _recall_engine_refusals(self) -> None:
        """The engine's failures of this chair not delivered since (what `network undelivered`
        lists): their alarm stood at the stop and stands again, nothing having been delivered
        since. Of every session of this chair, as live, where a refusal stands in the next
        patient's session until it is delivered: read back for the resumed session only, the
        alarm the resume had restored ended at a restart, the message still undelivered (a
        review). This chair's only, by the rule of its backlog (`_own`): on a log two chairs
        share, the other chair's refusals had become this one's alarm, in its patient's record
        (a review)."""
        if self.mllp is None:
            return
        chair = self._chair
        for failed in given_up(self._log.conn):
            if failed.destination == ENGINE and chair_in_message(failed.message) == chair:
                self._refused_by_engine[failed.outbox_id] = _refusal_words(failed.control_id,
                                                                           failed.reason)
        self._recall_engine_failing()

    def _recall_engine_failing(self) -> None:
        """"Taking no messages" stood at the stop when messages kept failing with nothing
        confirmed since: the failures the log holds after the engine's last delivery count
        again (the oldest one's message as handed over, the latest failure), so MEDIUM stands
        again at once instead of LOW for UNCONFIRMED_MEDIUM_S (a restart restores every alarm
        as it was). Nothing to do while this run already counts its own."""
        if not self._refused_by_engine or self._engine_failing is not None:
            return
        failing = failing_since_delivered(self._log.conn, ENGINE)
        if failing is not None:
            first, latest = failing
            self._engine_failing = (self._mono_of(parse_iso(first)),
                                    self._mono_of(parse_iso(latest)))

    def stop(self, timeout: float = 3.0) -> None:
        """Say goodbye on the bus (retained offline status), let pending sends finish within
        `timeout`, write the deliveries heard, and detach from the log.

        The goodbye goes ahead of the messages still waiting and, unconfirmed at the end of the
        wait, has the broker publish the Last Will instead (BusClient.stop): behind a backlog
        it had never left, and the chair stayed "online" retained for good (a review). What
        waits is sent at the next start (module docstring)."""
        self._log.attach_outbox(None)
        self.hand_off()   # what was committed is handed over before the goodbye
        if self.bus is not None:
            self._stopped = True
            self.bus.stop(timeout, farewell=(self._topic("status"), topics.encode(
                offline_status(self.config.chair, self.config.room, topics.CLOSED_REASON,
                               session_open=self._session_open))))
        if self.mllp is not None:
            self.mllp.flush(timeout)   # what is due goes first, unless the engine is away
            self.mllp.stop(timeout)
        self._drain()
        self._write_deliveries()

    # --- sessions -------------------------------------------------------------------------------

    def session_opened(self, session_id: int, patient_id: str, demo: bool,
                       acknowledged_commands: Iterable[str] = ()) -> None:
        """Tell the link about the session this console runs (patient as shown, demo or not,
        commands already applied: a resumed session must not apply a central's acknowledgement
        twice); the engine's refusals of this chair stand again (`_recall_engine_refusals`)."""
        self._know_session(session_id, patient_id, demo)
        self._seen_commands.update(acknowledged_commands)
        self._recall_engine_refusals()
        self._recall_central_owed(session_id)

    def _recall_central_owed(self, session_id: int) -> None:
        """Quiet room: the central station's confirmations are not logged, so at every resume
        the session's last alarm message goes to the central again (it drops the duplicate by
        control id and confirms it again, console/central/board.py) and is owed from now: a
        central that confirms has it confirmed within moments, a hung one leaves the bedside at
        full volume with the alarm 10 s on. When it was owed only while a network alarm
        stood, a restart less than 10 s after an alarm message the central had not confirmed
        forgot that message: the alarm, restored, played soft for good, the central never
        having shown it (a review). A network alarm for the central standing at the stop
        stands: the message is owed since the central's part joined the alarm, and the bedside
        stays at full volume until it is confirmed (a restart had brought soft tones back and
        ended the alarm, the central still silent: the audio review). One for another cause (the
        engine's refusal) owes only the resend, from now (owed since its raising, it read
        "central station not confirming" at once, a review)."""
        if not self.config.quiet_room or self.bus is None:
            return
        standing = self._standing_network_words(session_id)
        if standing is not None and _UNSHOWN in standing[0].lower():
            # A message not built, no central having confirmed an alarm message built since,
            # stands through a restart as it stood (a restart restores every alarm as it was).
            self._compose_unshown = "before the restart"
        last = self._log.last_outbox_row(session_id, PCD04, BUS)
        if last is None:
            return   # no alarm message sent: nothing for the central to confirm
        owed = self._clock.now().mono
        if standing is not None and standing[1] is not None:
            # Owed since the central's part joined the alarm, at the latest (it joins 10 s
            # after what it waited for).
            owed = self._mono_of(standing[1]) - CENTRAL_CONFIRM_S
        if last.control_id not in self._central_pending:   # else undelivered: `start` sent it
            self._publish(self._topic("pcd04"), last.message.encode("utf-8"))
            self._last_pcd04 = (last.control_id, last.message)
        self._central_pending[last.control_id] = min(
            self._central_pending.get(last.control_id, math.inf), owed)

    def _standing_network_words(self, session_id: int) -> tuple[str, datetime | None] | None:
        """The network alarm standing at the stop: its words as last logged, and since when they
        have spoken of the central station (None when they do not); None when none stands.

        Words read from the `network_status` events, logged at every change of them: a part
        joining the alarm at its priority writes no alarm row (`AlarmBoard._change`), so the
        last row's words had lost "could not be built" joining a standing "No central station
        online", and the central's part joining a standing "could not be built" (a review)."""
        network = [t for _, t in self._log.alarm_events(session_id)
                   if t.condition == NETWORK_UNCONFIRMED]
        if not network or network[-1].transition == CLEARED:
            return None
        words = network[-1].message
        raised = next(t.at for t in network if t.occurrence == network[-1].occurrence)
        central: datetime | None = raised if "central station" in words.lower() else None
        statuses = [e for _, e in self._log.events(session_id, ("network_status",))]
        if statuses and isinstance(statuses[-1].detail.get("problem"), str):
            words, central = statuses[-1].detail["problem"], None
            for event in statuses:   # since the last event that did not speak of the central
                problem = event.detail.get("problem")
                if not isinstance(problem, str) or "central station" not in problem.lower():
                    central = None
                elif central is None:
                    central = event.at
        return words, central

    def _know_session(self, session_id: int, patient_id: str, demo: bool) -> None:
        shown = patient_id if self.config.patient_shown == "id" else ""
        self._patients[session_id] = PatientShown(shown)
        self._demo[session_id] = demo

    def _patient_for(self, session_id: int) -> PatientShown:
        found = self._patients.get(session_id)
        if found is None:
            row = self._log.session(session_id)   # a backlog's: not this console's session
            self._know_session(session_id, row.patient_id, row.demo)
            found = self._patients[session_id]
        return found

    def _alarm_history(self, session_id: int) -> list[AlarmTransition]:
        return [step for _, step in self._log.alarm_events(session_id)]

    def _observation(self, row_id: int) -> ObservationRecord | None:
        """A logged observation (a value entered in error, to withdraw: composer.py)."""
        # Imported when a value is taken back, not at every start (P7).
        from console.review.queries import observation_by_id  # noqa: PLC0415

        return observation_by_id(self._log.conn, row_id)

    def _sent_observations(self, session_id: int) -> Iterator[str]:
        return sent_pcd01(self._log.conn, session_id)

    def _readings(self, session_id: int) -> tuple[datetime, list[ObservationRecord]]:
        """A session's start and its logged values: the composer learns its monitors' clocks
        from them, once per session (composer.py)."""
        return session_readings(self._log, session_id)

    def _is_demo(self, session_id: int) -> bool:
        self._patient_for(session_id)
        return self._demo.get(session_id, False)

    # --- outgoing -------------------------------------------------------------------------------

    def _topic(self, kind: topics.Kind) -> str:
        return topics.chair_topic(self.config.chair, kind, self.config.topic_prefix)

    def _queue_rows(self, rows: list[OutboxRow]) -> None:
        """New outbox rows, just committed (same thread as the log): `hand_off` through
        `later`, HAND_OFF_GAP_S after the last one at the earliest."""
        self._compose_error = None
        if self._compose_unshown is not None:
            self._compose_awaited.update(r.control_id for r in rows if _bedside_alarm(r))
        due = not self._to_hand
        self._to_hand.extend(rows)
        if due:
            gap = self._handed_at + HAND_OFF_GAP_S - self._clock.now().mono
            self.later(self.hand_off, max(0.0, gap))

    def hand_off(self) -> None:
        """Give the transports the rows committed since the last hand-off, in outbox order, each
        transport in a try of its own. A failure here (a bug) is the network's technical alarm
        until the rows it did not hand on are handed: they are kept, and go first at that
        transport's next hand-off of new rows (meanwhile they count as waiting, the 10 s rule);
        the next message built does not end it. Both in one try, a bug on the bus's side kept
        the commit's rows from the engine for good, and the alarm ended at the next commit (a
        review)."""
        rows, self._to_hand = self._to_hand, []
        if not rows:
            return
        self._handed_at = self._clock.now().mono
        for destination, queue_rows in ((BUS, self._queue_bus), (ENGINE, self._queue_engine)):
            due = [*self._unhanded.pop(destination, []),
                   *(r for r in rows if destination in r.destinations)]
            try:
                queue_rows(due)
            except Exception as exc:  # noqa: BLE001 - a bug: the network alarm says it
                if self._hand_off_error is None:
                    logger.exception("%d message(s) could not be handed on to the %s; kept for "
                                     "its next hand-off", len(due), destination)
                self._unhanded[destination] = due
                self._hand_off_error = f"{type(exc).__name__}: {exc}"[:200]
        if not self._unhanded:
            self._hand_off_error = None

    def _queue_bus(self, rows: list[OutboxRow],
                   since: Callable[[OutboxRow], float] | None = None) -> None:
        """Hand `rows` to the bus; each waits from now, or from `since(row)` (a backlog), for
        the broker's confirmation, and from now for a central station's."""
        if self.bus is None or self._stopped:
            return
        now = self._clock.now().mono
        messages = []
        for row in rows:
            kind: topics.Kind
            if row.kind == PCD01:
                kind = "pcd01"
            elif row.kind == PCD04:
                kind = "pcd04"
            else:
                continue
            # A row kept from a failed hand-off waits from its first (`hand_off`).
            self._bus_waiting.setdefault(row.id, since(row) if since is not None else now)
            if kind == "pcd04" and self.config.quiet_room:
                # The central's 10 s run from now, when it can first have the message: a
                # backlog's alarm message dated from its commit read "not confirming" at once
                # after every restart. (One owed at a restart: `_recall_central_owed`.)
                self._central_pending[row.control_id] = now
                self._last_pcd04 = (row.control_id, row.message)
            messages.append((self._topic(kind), row.message.encode("utf-8"),
                             self._delivered_callback(BUS, row.id)))
        if messages:
            self.bus.publish_many(messages)

    def _queue_engine(self, rows: list[OutboxRow],
                      since: Callable[[OutboxRow], float] | None = None) -> None:
        """Hand `rows` to the engine; each waits from now, or from `since(row)` (a backlog)."""
        if self.mllp is None:
            return
        now = self._clock.now().mono
        for row in rows:
            # A row kept from a failed hand-off waits from its first (`hand_off`).
            self._engine_waiting.setdefault(
                row.control_id, (row.id, since(row) if since is not None else now))
        if rows:
            self.mllp.submit_many([(row.control_id, row.message) for row in rows])

    def _delivered_callback(self, destination: str, outbox_id: int) -> Callable[[], None]:
        def delivered() -> None:   # the client's thread
            self._inbox.put(("delivered", destination, outbox_id, self._clock.now(), ""))
            self._wake_for_delivery()
        return delivered

    def _on_engine_delivered(self, control_id: str) -> None:   # the engine client's reader
        self._inbox.put(("engine", control_id, DELIVERED, self._clock.now(), ""))
        self._wake_for_delivery()

    def _wake_for_delivery(self) -> None:   # a transport's thread, after its put
        # The first delivery since the last pump wakes the app; the rest are written by that
        # pump or the next (P12). The pump clears the flag before it drains, so a delivery put
        # after the drain wakes it again: none waits for the timer.
        if not self._delivery_woke:
            self._delivery_woke = True
            self.wake()

    def _on_engine_failed(self, control_id: str, reason: str) -> None:   # engine client's reader
        self._inbox.put(("engine", control_id, FAILED, self._clock.now(), reason))
        self.wake()

    def _on_bus_status(self, status: BusStatus) -> None:   # the client's thread
        self._inbox.put(("bus_status", status))
        self.wake()

    def _on_bus_refused(self, topic: str, payload: bytes, reason: str) -> None:   # reader
        self._inbox.put(("bus_refused", payload, reason, self._clock.now()))
        self.wake()

    def _on_mllp_status(self, status: SenderStatus) -> None:   # the engine client's reader
        self._inbox.put(("mllp_status", status))

    def _on_message(self, topic: str, payload: bytes) -> None:   # the client's thread
        self._inbox.put(("message", topic, payload))
        self.wake()

    def _compose_failed(self, error: BaseException) -> None:
        self._compose_error = f"{type(error).__name__}: {error}"[:200]
        if self.config.quiet_room:
            # The message not built may be an alarm's: no central shows that phase, let alone
            # confirms it, so soft tones stay off until the central confirms a bedside alarm's
            # message built after this failure (it is then hearing this chair's alarms again,
            # and the retained status gives it every open alarm: `_central_came_online`'s
            # rule). The next message built, an observation's, had brought soft tones back
            # for a high alarm no central had heard of (README, Quiet room: soft only "with a
            # central station that confirms every alarm phase it shows"; a review). The
            # network alarm's own messages do not count: they say nothing of the lost one.
            self._compose_unshown = self._compose_error
            self._compose_awaited.clear()

    def publish_status(self, status: dict[str, Any]) -> None:
        """The chair's retained status (bus_topics): every STATUS_PERIOD_S and on change."""
        if self.bus is not None:
            session = status.get("session")
            self._session_open = isinstance(session, dict) and not session.get("ended")
            self._status_seq += 1
            self._publish(self._topic("status"), topics.encode({**status,
                                                                "instance": self._twins.instance}),
                          retain=True)

    def publish_trend(self, trend: dict[str, Any]) -> None:
        if self.bus is not None:
            self._publish(self._topic("trend"), topics.encode(trend), retain=True)

    def _publish(self, topic: str, payload: bytes, *, retain: bool = False,
                 on_delivered: Callable[[], None] | None = None) -> None:
        # After stop() nothing more goes out: a pump woken by news that came during the stop
        # may still run once (its status is not news; the offline status was the last word).
        if self.bus is not None and not self._stopped:
            self.bus.publish(topic, payload, retain=retain, on_delivered=on_delivered)

    @property
    def log(self) -> EventLog:
        return self._log

    @property
    def twins(self) -> TwinWatch:
        return self._twins

    @property
    def status_seq(self) -> int:
        return self._status_seq

    # --- the GUI thread's turn ------------------------------------------------------------------

    def pump(self, held: bool = False) -> LinkReport:
        """Take what the transports reported: write deliveries, collect commands, judge health.
        `held`: the engine holds records the log cannot take (`SessionEngine.unsaved`): an alarm
        among them is in no outbox, so no central confirms it: full volume (README, quiet room)."""
        self._delivery_woke = False
        self.hand_off()   # in case the app's deferred turn has not come yet
        commands = self._drain()
        self._write_deliveries()
        now = self._clock.now().mono
        self._resent_elsewhere(now)
        # (priority, the banner's words, the detail with figures): the banner stays the same
        # while a problem lasts, so the log has one row per change, not one per second.
        parts: list[tuple[Priority, str, str]] = []
        quiet = self.config.quiet_room
        grace = self._in_grace(now)
        bus_part = self._bus_part(now, grace, quiet)
        if bus_part is not None:
            parts.append(bus_part)
        engine_wait = self._engine_wait(now) if not grace else None
        if engine_wait is not None and max(engine_wait) >= UNCONFIRMED_LOW_S:
            parts.append((self._level(max(engine_wait), False),
                          "interface engine not confirming delivery",
                          _waiting_words("the interface engine", *engine_wait,
                                         len(self._engine_waiting))))
        twin = self._twins.seen(now)
        if twin is not None:
            # The chair's name first: the end of a long alarm row is what 1366x768 cuts (a
            # charge nurse's walk read "Another console is using the network settings of …").
            parts.append((Priority.MEDIUM, f"chair name {self.config.chair} used by another "
                          "console too: each station needs its own settings kit", twin))
        if self._refused_by_engine:
            parts.append(self._engine_refusal_part())
        unshown = self._compose_unshown   # set in a quiet room only (`_compose_failed`)
        if self._compose_error or self._hand_off_error or unshown:
            causes = [e for e in (self._compose_error, self._hand_off_error) if e]
            words = "a network message " + (_UNSHOWN if unshown
                                            else "could not be built or handed on")
            if unshown:
                if unshown not in causes:
                    causes.append(f"a message not built: {unshown}")
                causes.append("the central station has confirmed no alarm message built since")
            # In a quiet room MEDIUM at once, as every problem that keeps the central from
            # confirming an alarm phase (module docstring).
            parts.append((Priority.MEDIUM if unshown else Priority.LOW, words, "; ".join(causes)))
        quiet_allowed = False
        # Until the broker has relayed what it holds (a central's retained presence), "no
        # central online" is not known: full volume, nothing raised (a resume raised a medium
        # alarm and cleared it a moment later, every time).
        unheard = quiet and self.bus is not None and not self._centrals_heard(now)
        if quiet and self.bus is not None and not unheard:
            oldest = min(self._central_pending.values(), default=now)
            unconfirmed = now - oldest >= CENTRAL_CONFIRM_S
            if not any(self._centrals.values()):
                parts.append((Priority.MEDIUM, "no central station online: bedside alarms at "
                                               "full volume", ""))
            elif unconfirmed:
                parts.append((Priority.MEDIUM, "central station not confirming alarms: bedside "
                                               "alarms at full volume",
                              f"an alarm sent {now - oldest:.0f} s ago is not confirmed"))
            elif self._central_awaited in self._central_pending:
                # A central come online that has confirmed nothing yet: its presence alone had
                # ended the alarm and brought soft tones (README: "the alarm ends once it
                # confirms that one"; a review).
                parts.append((Priority.MEDIUM, "central station not confirming alarms yet: "
                              "bedside alarms at full volume",
                              f"a central station came online {now - oldest:.0f} s ago and has "
                              "not confirmed the last alarm message, sent to it again"))
            # Soft tones only while the bus is up: a lost connection confirms nothing, and
            # the central stays "online" to this chair until its will arrives through it
            # (README, quiet room: "the moment ... the bus is down ... full volume").
            quiet_allowed = not parts and self._bus_connected() and not held
        problem = None
        if parts:
            top = max(p for p, _, _ in parts)
            text = "; ".join(words for _, words, _ in parts)
            problem = Raise(top, text[:1].upper() + text[1:],
                            detail="\n".join([*(d for _, _, d in parts if d), self.state_text()]))
        if problem is not None:
            # A problem found in the grace (a refusal, a message that could not be built) is
            # reported at once, and from then on its end too.
            self._judged = True
        state = self.state_text()
        # The nurse reads why the tones are soft, or why they are not (the alarm says more).
        tones = (f"quiet room: {'soft bedside tones' if quiet_allowed else 'full volume'}"
                 if quiet else "")
        if tones:
            state += f"; {tones}"
        return LinkReport(problem, state, commands, quiet_allowed, plaintext=self.plaintext,
                          judged=not (grace or unheard) or problem is not None,
                          line=self.line_text(tones))

    def _in_grace(self, now: float) -> bool:
        """The start's grace: until a destination confirms, or UNCONFIRMED_LOW_S, the waits are
        not judged (a backlog found at start is not a problem before the transports have had
        their chance), and a network alarm restored from the log stands."""
        if self._judged or self._started_mono is None:
            return False
        # A confirmation heard in this run, never the log's last delivery: read as of the
        # start, that ended the grace at once (a clock behind the log), and the alarm restored.
        self._judged = self._confirmed_in_run or now - self._started_mono >= UNCONFIRMED_LOW_S
        return not self._judged

    def _centrals_heard(self, now: float) -> bool:
        """Whether the central stations' presence is known: a central heard online, this
        connection has relayed this chair's own status (the broker relays in order: what it held
        retained came before), or UNCONFIRMED_LOW_S since the start (a broker that relays
        nothing: no central is online to this chair). Once known, known for the run: after a
        reconnection the centrals last heard stand until their presence or will comes."""
        if self._started_mono is None:
            return True   # not started: nothing to wait for
        if not self._centrals_heard_once:
            self._centrals_heard_once = (
                any(self._centrals.values()) or self._twins.caught_up()
                or now - self._started_mono >= UNCONFIRMED_LOW_S)
        return self._centrals_heard_once

    def _bus_part(self, now: float, grace: bool, quiet: bool) -> tuple[Priority, str, str] | None:
        """The bus's part of the network alarm: its wait for a confirmation (not judged in the
        start's grace), and the messages the broker refused, counted from the oldest one's
        hand-over until each is delivered. Another message delivered does not end the
        refusals' part: the central station still lacks the refused one (the engine's rule,
        `_engine_refusal_part`; a broker refusing a chair's alarm messages only had the alarm
        end at the next observation, the central blind to that chair's alarms)."""
        wait = self._bus_wait(now) if not grace else None
        waited = max(wait) if wait is not None else None
        refused = (now - min(self._refused_by_broker.values())
                   if self._refused_by_broker else None)
        longest = max((w for w in (waited, refused) if w is not None), default=0.0)
        if longest < UNCONFIRMED_LOW_S:
            return None
        said = []
        if wait is not None and max(wait) >= UNCONFIRMED_LOW_S:
            said.append(_waiting_words("the clinic bus", *wait, len(self._bus_waiting)))
        if refused is not None and refused >= UNCONFIRMED_LOW_S:
            count = len(self._refused_by_broker)
            said.append(f"the broker refused {count} message{'s' if count > 1 else ''}, the "
                        f"oldest handed over {refused:.0f} s ago; the central station lacks "
                        f"{'them' if count > 1 else 'it'} until delivered (`network resend`, or "
                        "the next start)")
        return self._level(longest, quiet), "clinic bus not confirming delivery", "; ".join(said)

    @staticmethod
    def _level(waited: float, quiet: bool) -> Priority:
        return Priority.MEDIUM if quiet or waited >= UNCONFIRMED_MEDIUM_S else Priority.LOW

    def _bus_wait(self, now: float) -> tuple[float, float] | None:
        """(seconds the bus has gone without confirming what it should have, seconds since the
        oldest message waiting was handed over: 0 when none waits), or None.

        Waiting starts at the oldest message not yet confirmed or, when the connection is down,
        at the loss, whichever came first (a loss noticed late by the keepalive must not restart
        the count for messages already waiting), and never before the last confirmation. The
        oldest message's age counts whatever was confirmed since (`_engine_wait`). The
        messages the broker refused are not among them: a confirmation does not end their wait
        (`_bus_part`).
        """
        from console.network.mqtt_bus import BusState  # noqa: PLC0415 - loaded with the bus

        if self.bus is None:
            return None
        live = self.bus.status()
        status = self._bus_status or live
        # The oldest unconfirmed now, not as of the last status change: a refusal or a delivery
        # changes no status, and the snapshot kept a message resent by `network resend`.
        oldest = [t for t in (live.oldest_unconfirmed_mono,
                              min(self._bus_waiting.values(), default=None)) if t is not None]
        starts = list(oldest)
        if status.state is not BusState.CONNECTED:
            starts.append(status.since_mono)
        if not starts:
            return None
        age = now - self._handed_over(min(oldest)) if oldest else 0.0
        return now - max(min(starts), self._last_confirmed[BUS]), age

    def _bus_connected(self) -> bool:
        from console.network.mqtt_bus import BusState  # noqa: PLC0415 - loaded with the bus

        if self.bus is None:
            return False
        return (self._bus_status or self.bus.status()).state is BusState.CONNECTED

    def _engine_wait(self, now: float) -> tuple[float, float] | None:
        """(seconds the engine has gone without confirming what waits, seconds since the oldest
        message waiting was handed over), or None when nothing waits.

        The first runs from the oldest message waiting (a backlog's from its commit) or the last
        confirmation, whichever came later: an alarm standing at a restart stands again at
        once. The second counts whatever was confirmed since: an engine that confirms more
        slowly than the chair writes had the backlog grow without bound with no alarm, each
        confirmation starting the count again (a review); after an outage the alarm stands
        until the backlog has caught up to UNCONFIRMED_LOW_S.
        """
        if self.mllp is None or not self._engine_waiting:
            return None
        oldest = min(t for _, t in self._engine_waiting.values())
        return now - max(oldest, self._last_confirmed[ENGINE]), now - self._handed_over(oldest)

    def _handed_over(self, waiting_since: float) -> float:
        """When a message waiting since `waiting_since` was handed over: then, or at the start
        for a backlog found there (it waits from its commit, `start`). Aged from its commit,
        last night's backlog would raise the alarm at medium at every start while the engine
        took it."""
        if self._started_mono is None:
            return waiting_since
        return max(waiting_since, self._started_mono)

    def _drain(self) -> list[Command]:
        commands: list[Command] = []
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return commands
            kind = item[0]
            if kind == "delivered":
                _, destination, outbox_id, at, detail = item
                self._bus_waiting.pop(outbox_id, None)
                self._last_confirmed[destination] = at.mono
                self._confirmed_in_run = True
                self._unwritten.append(Delivery(outbox_id, destination, DELIVERED, at.wall, detail))
            elif kind == "engine":
                _, control_id, outcome, at, detail = item
                entry = self._engine_waiting.pop(control_id, None)
                if outcome == FAILED:
                    # A failure is no confirmation: the engine took nothing (module docstring).
                    self._engine_failed += 1
                    handed = entry[1] if entry is not None else at.mono
                    first = self._engine_failing[0] if self._engine_failing else handed
                    self._engine_failing = (min(first, handed), at.mono)
                else:
                    self._last_confirmed[ENGINE] = at.mono
                    self._confirmed_in_run = True
                    self._engine_failing = None
                if entry is not None:
                    self._engine_answered(entry[0], control_id, outcome, detail)
                    self._unwritten.append(Delivery(entry[0], ENGINE, outcome, at.wall,
                                                    detail[:300]))
            elif kind == "bus_refused":
                self._bus_refused(item[1], item[2], item[3])
            elif kind == "bus_status":
                was = self._bus_status
                if item[1].state.name == "CONNECTED" and (
                        was is None or was.state.name != "CONNECTED"):
                    self._twins.connected()   # what this connection relays is read anew
                    if self._bus_was_connected:
                        self._central_reconnected()
                    self._bus_was_connected = True
                self._bus_status = item[1]
            elif kind == "mllp_status":
                self._mllp_status = item[1]
                # Kept past a restarted worker, whose new sender knows of no failure.
                self._engine_failure = item[1].last_failure or self._engine_failure
            elif kind == "message":
                command = self._read_message(item[1], item[2])
                if command is not None:
                    commands.append(command)

    def _bus_refused(self, payload: bytes, reason: str, at: Moment) -> None:
        """An outbox row the broker refused: recorded as failed with the reason, so that
        `network undelivered` lists it and `network resend` sends it once the ACL is fixed. (A
        status or trend refused is no row: the bus's status line counts it.)"""
        try:
            control_id = control_id_of(payload.decode("utf-8"))
            outbox_id = int(control_id.rsplit("-", 1)[1])   # the row id ends it (SCHEMA.md)
        except (UnicodeDecodeError, ValueError, IndexError):
            return
        handed = self._bus_waiting.pop(outbox_id, None)
        if handed is None:
            return
        self._refused_by_broker[outbox_id] = handed
        self._unwritten.append(Delivery(outbox_id, BUS, FAILED, at.wall,
                                        f"refused by the broker: {reason}"[:300]))

    def _engine_answered(self, outbox_id: int, control_id: str, outcome: str,
                         detail: str) -> None:
        """A message's failure at the engine stands as its alarm until that message is
        delivered; the delivery of another one does not end it (module docstring)."""
        if outcome == FAILED:
            self._refused_by_engine[outbox_id] = _refusal_words(control_id, detail)
        else:
            self._refused_by_engine.pop(outbox_id, None)

    def _engine_refusal_part(self) -> tuple[Priority, str, str]:
        """The engine's refusals as a part of the network alarm: LOW, or MEDIUM when messages
        kept failing for UNCONFIRMED_MEDIUM_S with nothing confirmed (module docstring)."""
        detail = self._engine_refusal_detail()
        if self._engine_failing is not None:
            first, latest = self._engine_failing
            unconfirmed = latest - max(first, self._last_confirmed[ENGINE])
            if unconfirmed >= UNCONFIRMED_MEDIUM_S:
                return (Priority.MEDIUM, "interface engine taking no messages",
                        f"the interface engine has confirmed no message for {unconfirmed:.0f} s, "
                        f"every one failed; {detail}")
        return Priority.LOW, "interface engine refused a message", detail

    def _engine_refusal_detail(self) -> str:
        """The alarm's detail: the last refusal's words, and how many wait to be resent."""
        *_, last = self._refused_by_engine.values()
        count = len(self._refused_by_engine)
        more = f" ({count} messages refused or given up, not delivered since)" if count > 1 else ""
        return last + more

    def _resent_elsewhere(self, now: float) -> None:
        """Forget the refusals (the broker's, the engine's) that were delivered since (IT fixed
        the channel and ran `network resend`, another process writing to this log): the alarm
        for them ends within REFUSALS_CHECK_S instead of standing until the next start (the
        broker's) or for ever (the engine's)."""
        refusals = ((BUS, self._refused_by_broker), (ENGINE, self._refused_by_engine))
        if not any(refused for _, refused in refusals) \
                or now - self._refusals_checked < REFUSALS_CHECK_S:
            return
        self._refusals_checked = now
        for destination, refused in refusals:
            if not refused:
                continue
            try:
                delivered = self._log.delivered_among(destination, refused)
            except LogError:
                return   # looked for again at the next check; the log's own alarm tells the nurse
            for outbox_id in delivered:
                del refused[outbox_id]

    def _read_message(self, topic: str, payload: bytes) -> Command | None:
        obj = topics.decode(payload)
        if obj is None:
            return None
        prefix = self.config.topic_prefix
        if topic.startswith(f"{prefix}/central/"):
            name = topic.split("/")[-2]
            was_online = any(self._centrals.values())
            self._centrals[name] = bool(obj.get("online"))
            if not was_online and self._centrals[name] and self._centrals_heard_once:
                self._central_came_online()
            return None
        parsed = topics.parse_chair_topic(topic, prefix)
        if parsed is None or parsed.chair != self.config.chair:
            return None
        if parsed.kind == "status":
            self._twins.read(obj, self._clock.now().mono)
            return None
        if parsed.kind == "confirm":
            control_id = str(obj.get("control_id", ""))
            self._central_pending.pop(control_id, None)
            if control_id in self._compose_awaited:
                self._compose_unshown = None
                self._compose_awaited.clear()
            return None
        if parsed.kind != "command" or obj.get("kind") != "acknowledge":
            return None
        try:
            command = Command(str(obj["id"]), _whole(obj["session"]), _whole(obj["occurrence"]),
                              str(obj.get("by", ""))[:80] or "central nurse",
                              str(obj.get("station", ""))[:40] or "central",
                              str(obj.get("priority", ""))[:10])
        except (KeyError, TypeError, ValueError, OverflowError):
            return None
        if command.id in self._seen_commands:
            return None
        self._seen_commands.add(command.id)
        age = self._command_age(obj.get("at"))
        if age is not None and age > topics.COMMAND_STALE_S:
            logger.warning("a central's acknowledgement %s of occurrence %d given %.0f s ago is "
                        "not applied: the central has sounded again since (COMMAND_STALE_S)",
                        command.id, command.occurrence, age)
            return None
        return command

    def _central_came_online(self) -> None:
        """Quiet room: a central station online after a time with none (started after the
        chair). What waited for its confirmation was published while no central had a session
        on the broker to receive it: nobody can confirm it, and "not confirming" stood for good
        while the central confirmed everything it got. The last alarm message goes to it again
        and its 10 s run from now: soft tones once it confirms that one (the retained status
        gives it every open alarm). Until it does, the alarm stands and the bedside stays at
        full volume (`_central_awaited`): its presence is no confirmation, and had brought soft
        tones for 10 s from a central that confirmed nothing (a review). Not at a start, where
        the centrals are first heard: what they owe stands (`_recall_central_owed`)."""
        if not self.config.quiet_room or not self._central_pending or self._last_pcd04 is None:
            return
        control_id, message = self._last_pcd04
        self._central_pending = {control_id: self._clock.now().mono}
        self._central_awaited = control_id
        self._publish(self._topic("pcd04"), message.encode("utf-8"))

    def _central_reconnected(self) -> None:
        """Quiet room: the bus connected again. The chair's session is a clean one, so the
        broker dropped what it had in flight to the chair, a central's confirmation among it;
        the alarm message was PUBACKed, so nothing sent it again, and "not confirming" stood
        at full volume for the rest of the run, the central confirming every new message (a
        review). The last alarm message goes to the central again (a duplicate it confirms
        again, console/central/board.py) and is owed in place of what was, as for a central
        come online (`_central_came_online`; the retained status gives it every open alarm).
        Owed since the oldest of what was owed: its 10 s are not started again, so a network
        alarm for a hung central stands through a reconnection instead of ending for 10 s of
        soft tones at each one."""
        if not self.config.quiet_room or not self._central_pending or self._last_pcd04 is None:
            return
        control_id, message = self._last_pcd04
        if self._central_awaited in self._central_pending:   # a central come online, silent yet
            self._central_awaited = control_id   # owed in its place
        self._central_pending = {control_id: min(self._central_pending.values())}
        self._publish(self._topic("pcd04"), message.encode("utf-8"))

    def _command_age(self, at: object) -> float | None:
        """Seconds since a central's command was given (its `at`), by this chair's clock; None
        when it does not say (applied: nothing tells it is late)."""
        try:
            given = parse_iso(str(at)) if at is not None else None
        except ValueError:
            return None
        return None if given is None else (self._clock.now().wall - given).total_seconds()

    def _write_deliveries(self) -> None:
        if not self._unwritten:
            return
        try:
            self._log.record_deliveries(self._unwritten)
        except LogError:
            return   # kept for the next pump; the log's own alarm tells the nurse
        self._unwritten = []

    # --- for the status line --------------------------------------------------------------------

    @property
    def plaintext(self) -> bool:
        return any(crosses_in_clear(url) for url in (self.config.broker, self.config.forward))

    def _engine_words(self, status: SenderStatus) -> str:
        """What the engine's sender is doing, in words a nurse or IT reads (not its state's
        name), and how many messages it did not take since the start: "idle" was all the line
        said while the engine refused every message (the clinic IT audit)."""
        doing, error, failed, last = self._engine_parts(status)
        words = doing + (f" ({error})" if error else "")
        if failed:
            failed += f" (last: {last})" if last else ""
            words = failed if status.state is SenderState.IDLE else f"{words}; {failed}"
        return words

    def _engine_parts(self, status: SenderStatus) -> tuple[str, str, str, str]:
        """(what the sender is doing, its last error, the messages not taken since the start,
        the cause of the last one): each "" when there is none."""
        doing = _SENDER_WORDS.get(status.state, status.state.value)
        if status.state is SenderState.BACKING_OFF:
            doing = f"no connection, retrying in {backoff_delay(status.failures):g} s"
        count = self._engine_failed
        failed = f"{count} message{'s' if count > 1 else ''} not taken since the start"
        last = (self._engine_failure or "") if count else ""
        return doing, status.last_error or "", failed if count else "", last

    @staticmethod
    def _bus_parts(status: BusStatus) -> tuple[str, str]:
        """(the bus's state in a few words, its cause or "") from the sentence the bus client
        writes: connected to where, the refusals after "; "; not connected, why, and that it
        tries again."""
        from console.network.mqtt_bus import BusState  # noqa: PLC0415 - loaded with the bus

        detail = status.detail or status.state.name.lower()
        if status.state is BusState.DISCONNECTED:
            for again in ("retrying", "reconnecting"):
                if detail.endswith(f"; {again}"):
                    return f"not connected, {again}", detail.removesuffix(f"; {again}")
            return "not connected", detail
        if status.state is BusState.REFUSED:
            return "not connected", detail
        state, _, cause = detail.partition("; ")
        return state, cause

    def _messages_waiting(self) -> int:
        """Messages not yet confirmed by a destination they go to: one message waiting for the
        bus and the engine is one (the sum read "4 to send" for two readings)."""
        return len(self._bus_waiting.keys() | {row for row, _ in self._engine_waiting.values()})

    def state_text(self) -> str:
        parts = []
        if self.bus is not None:
            status = self._bus_status or self.bus.status()
            parts.append(status.detail or status.state.name.lower())
        if self.mllp is not None:
            status_m = self._mllp_status or self.mllp.status()
            parts.append(f"engine {self.mllp.peer}: {self._engine_words(status_m)}")
        waiting = self._messages_waiting()
        if waiting:
            parts.append(f"{waiting} to send")
        if self.plaintext:
            parts.append(IN_CLEAR_NOTE)
        return "; ".join(parts)

    def line_text(self, tones: str = "") -> str:
        """What `state_text` says (and `tones`, the quiet-room state), for the status line: each
        transport's state, the messages to send, UNENCRYPTED and the quiet-room state first, the
        causes last. A window too narrow for all of it cuts the end (console/ui/network_bridge.py):
        said in `state_text`'s order, the broker's long sentences pushed UNENCRYPTED and the
        quiet-room state out of sight at 1366x768, as on the central station (central/app.py
        `bus_line`; the README promises the line always says the quiet-room state)."""
        shown: list[str] = []
        causes: list[str] = []
        if self.bus is not None:
            state, cause = self._bus_parts(self._bus_status or self.bus.status())
            shown.append(state)
            causes.append(cause)
        if self.mllp is not None:
            status = self._mllp_status or self.mllp.status()
            doing, error, failed, last = self._engine_parts(status)
            if failed and status.state is SenderState.IDLE:
                doing = failed
            elif failed:
                doing = f"{doing}; {failed}"
            shown.append(f"engine {self.mllp.peer}: {doing}")
            causes += [f"engine: {error}" if error else "",
                       f"last not taken: {last}" if last else ""]
        waiting = self._messages_waiting()
        if waiting:
            shown.append(f"{waiting} to send")
        if self.plaintext:
            shown.append(IN_CLEAR_NOTE)
        return "; ".join(part for part in (*shown, tones, *causes) if part)


def _whole(value: Any) -> int:
    """A command's number (a session, an occurrence) as an int.

    Raises:
        ValueError, TypeError, OverflowError: not a whole number: 7.5 was read as 7, another
            alarm, and 1e999 (JSON readers' infinity) raised OverflowError out of the pump.
    """
    if isinstance(value, bool):
        raise TypeError("true or false is not a number")
    number = int(value)
    if isinstance(value, float) and value != number:
        raise ValueError(f"not a whole number: {value!r}")
    return number


# The quiet room's words for a message not built that no central has been shown since
# (`_compose_unshown`), by which a restart knows that alarm.
_UNSHOWN: Final = "could not be built or handed on: bedside alarms at full volume"


def _bedside_alarm(row: OutboxRow) -> bool:
    """Whether `row` is the central's message of a bedside alarm: a PCD-04 for the bus, of any
    condition but the network alarm's own (`_compose_failed`)."""
    if row.kind != PCD04 or BUS not in row.destinations:
        return False
    try:
        return read_pcd04(row.message).condition != NETWORK_UNCONFIRMED
    except PcdError:
        return False   # not known to be one: it ends nothing


def _waiting_words(who: str, unconfirmed: float, age: float, count: int) -> str:
    """The alarm's detail for a destination's wait (`_engine_wait`, `_bus_wait`): the time it
    has gone without a confirmation, or, when it confirms but the oldest message has waited
    longer, both."""
    if age > unconfirmed:
        return (f"{who} last confirmed {unconfirmed:.0f} s ago, but the oldest of the {count} "
                f"messages waiting was handed over {age:.0f} s ago")
    return f"{who} has not confirmed for {unconfirmed:.0f} s ({count} messages waiting)"


def _refusal_words(control_id: str, reason: str) -> str:
    """The engine alarm's detail for one message it refused or gave up."""
    return f"interface engine refused message {control_id}: {reason}"[:240]

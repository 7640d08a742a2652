"""The chair's bus client in a process of its own (`console/network/bus_worker.py`), behind the
same interface as `mqtt_bus.BusClient`: `start`, `subscribe`, `publish`, `status`, `stop`.

Why a process (P12, the network's cost to the bedside): paho's network thread reads the broker's
PUBACKs a few bytes a system call and runs a callback for each, about 45 µs of interpreter time a
message. In the console's process that time is taken under the GIL from the thread that commits
readings and paints alarms; on its own process it runs on another core. What stays here is one
send on a local socket per message (never blocking) and a reader thread that wakes for each batch
of news the worker gathered (console/network/worker_process.py, shared with the MLLP sender's
worker).

The rules (the same as BusClient's, so the link cannot tell them apart):

- **Nothing lost.** Every message given to `publish` is kept here, by a token, until the worker
  reports its PUBACK (`on_delivered`) or the broker's refusal (`on_refused` with the broker's
  reason, the message's own and the client's: the link records it as failed, issue 12). If the worker ends
  without being asked (a crash, a kill), it is started again at once and given the subscriptions
  and every kept message again, in order: the broker may get a message twice, which receivers
  drop by MSH-10, never none. Until it is connected again the status says why (DISCONNECTED,
  "the network process ended ..."), which the link turns into its technical alarm after 10 s.
- **The Last Will still speaks for the console.** The worker holds the broker connection; when
  the console dies (SIGKILL, power) its end of the socket closes, and the worker leaves at once
  without a DISCONNECT, so the broker publishes the will (bus_worker.py). A clean stop's
  farewell goes ahead of what waits, and the will speaks when it is not confirmed in time
  (`stop`, BusClient.stop).
- **A retained snapshot replaces the one to its topic kept unsent.** While the worker is not
  connected it holds what it is given unsent, and a newer status or trend says all an older
  one said: the older one is no longer kept here (nor sent by the worker, BusClient.publish).
  The PCD messages are never replaced, and keep their order.
- **Times are the owner's clock.** `status()` is built here: the state and its sentence come
  from the worker, "since" is this clock's time when the news arrived, and the unconfirmed count
  and the oldest of them are this side's own, so an injected clock still drives the link's
  10 s / 60 s rules in tests.

Callbacks run on the reader thread, like paho's thread for BusClient: quick, hand the news on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from console.clock import Clock
from console.network.mqtt_bus import (
    BusConfig,
    BusState,
    BusStatus,
    Pending,
    Will,
    call_owner,
    check_publish,
    check_settings,
    check_subscription,
    next_status,
    tls_context,
)
from console.network.worker_process import Message, WorkerProcess


class BusProcessClient:
    """A BusClient run by a worker process (see the module docstring)."""

    def __init__(self, config: BusConfig, *, client_id: str, clock: Clock,
                 will: Will | None = None,
                 on_message: Callable[[str, bytes], None] | None = None,
                 on_status: Callable[[BusStatus], None] | None = None,
                 on_refused: Callable[[str, bytes, str], None] | None = None) -> None:
        """Check the settings here, in the console (the same errors as BusClient's); nothing
        starts before start().

        `on_refused(topic, payload, reason)` hears every message the broker refused, also
        those given to `publish_many`, which take no callback of their own for it.

        Raises:
            ValueError: what BusClient refuses, with the same words.
        """
        scheme, _host, _port = check_settings(config, client_id, will)
        if scheme == "mqtts":
            tls_context(config.ca_file)
        self.config = config
        self.client_id = client_id
        self._clock = clock
        self._will = will
        self._on_message = on_message
        self._on_status = on_status
        self._on_refused = on_refused
        self._lock = threading.Lock()
        self._kept: dict[int, Pending] = {}   # token -> message, in the order given
        self._next_token = 0
        self._snapshots: dict[str, int] = {}   # topic -> token of the last retained message
        self._subscriptions: dict[str, int] = {}
        self._status = BusStatus(BusState.NOT_STARTED, f"not started ({config.describe()})",
                                 clock.now().mono, 0, None)
        self._started = False
        self._stopping = False
        self._worker = WorkerProcess("console.network.bus_worker", self._lock, greet=self._greet,
                                     handle=self._handle, ended=self._ended,
                                     cannot_start=self._cannot_start)

    # -- the owner's side ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker; it connects in the background and keeps reconnecting."""
        with self._lock:
            if self._started:
                raise RuntimeError(f"the bus client {self.client_id} was already started")
            self._started = True
        self._set_status(BusState.CONNECTING, f"connecting to {self.config.describe()}")
        self._worker.start()

    def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        """Receive what is published on `topic_filter` (from now on, and on every reconnect)."""
        check_subscription(topic_filter, qos)
        with self._lock:   # sent under the lock: the worker hears things in the order given
            self._subscriptions[topic_filter] = qos
            self._worker.send(("subscribe", topic_filter, qos))

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False,
                on_delivered: Callable[[], None] | None = None,
                on_refused: Callable[[str], None] | None = None) -> None:
        """As BusClient.publish: kept until the broker's PUBACK; never blocks, never raises for
        a network state.

        Raises:
            ValueError: qos other than 1, a topic with a wildcard or empty, a payload not bytes.
            RuntimeError: called after stop().
        """
        check_publish(topic, payload, qos)
        with self._lock:
            self._worker.send(self._keep(topic, payload, retain, on_delivered, on_refused))

    def publish_many(self, messages: Sequence[tuple[str, bytes, Callable[[], None] | None]]
                     ) -> None:
        """`publish` for several (topic, payload, on_delivered), QoS 1, not retained, in order,
        handed to the worker in one write (P12)."""
        for topic, payload, _ in messages:
            check_publish(topic, payload, 1)
        with self._lock:
            self._worker.send_many([self._keep(topic, payload, False, on_delivered, None)
                                    for topic, payload, on_delivered in messages])

    def _keep(self, topic: str, payload: bytes, retain: bool,
              on_delivered: Callable[[], None] | None,
              on_refused: Callable[[str], None] | None) -> Message:
        """Keep one message until its PUBACK (under the lock); the worker's order for it."""
        if self._stopping:
            raise RuntimeError(f"publish to {topic} after the bus client "
                               f"{self.client_id} was stopped")
        token = self._next_token
        self._next_token += 1
        data = bytes(payload)
        if retain:
            last = self._snapshots.get(topic)
            if last is not None and self._status.state is not BusState.CONNECTED:
                # The worker holds it unsent and replaces it too: an outage had kept every
                # stale status and trend, here and there, and sent them all after it (a review).
                self._kept.pop(last, None)
            self._snapshots[topic] = token
        self._kept[token] = Pending(topic, data, retain, on_delivered, self._clock.now().mono,
                                    on_refused)
        return ("publish", token, topic, data, retain)   # sent never blocks

    def status(self) -> BusStatus:
        with self._lock:
            return self._snapshot()

    @property
    def worker_pid(self) -> int | None:
        """The worker process's id (for diagnostics and fault tests)."""
        return self._worker.pid

    def stop(self, timeout: float = 5.0, *, farewell: tuple[str, bytes] | None = None) -> None:
        """As BusClient.stop: the worker waits up to `timeout` for unconfirmed messages while
        connected, disconnects cleanly (no will; with `farewell` unconfirmed, asking for the
        will) and ends; then the reader ends.

        Raises:
            ValueError: a farewell `publish` would refuse.
        """
        if farewell is not None:
            check_publish(farewell[0], farewell[1], 1)
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
            if farewell is not None:   # told before the stop order, in the same stream
                self._worker.send(("farewell", farewell[0], bytes(farewell[1])))
        self._worker.stop(timeout)
        with self._lock:
            left = len(self._kept)
        self._set_status(BusState.STOPPED, "stopped" + (
            f" ({left} message(s) not confirmed by {self.config.url})" if left else ""))

    # -- the worker ---------------------------------------------------------------------------

    def _greet(self, send: Callable[[Message], None]) -> None:
        """A new worker (the first, or one started again): the settings, the subscriptions and
        every message still kept, in order, then start."""
        send(("init", self.config, self.client_id, self._will))
        for topic_filter, qos in self._subscriptions.items():
            send(("subscribe", topic_filter, qos))
        for token, entry in self._kept.items():
            send(("publish", token, entry.topic, entry.payload, entry.retain))
        send(("start",))

    def _ended(self, code: int) -> None:
        self._set_status(BusState.DISCONNECTED, (
            f"the network process for {self.config.describe()} ended unexpectedly "
            f"(exit code {code}); started again, messages kept are sent again"))

    def _cannot_start(self, cause: str) -> None:
        self._set_status(BusState.DISCONNECTED, (
            f"the network process for {self.config.describe()} could not be started ({cause}); "
            "trying again every second, messages kept"))

    def _handle(self, message: Message) -> None:
        kind = message[0]
        if kind == "delivered":
            with self._lock:
                pop = self._kept.pop
                entries = [pop(token, None) for token in message[1]]
            for entry in entries:
                if entry is not None and entry.on_delivered is not None:
                    call_owner(entry.on_delivered, "on_delivered")
        elif kind == "refused":
            self._refused(message[1])
        elif kind == "status":
            self._set_status(BusState(message[1]), str(message[2]))
        elif kind == "message":
            if self._on_message is not None:
                call_owner(self._on_message, "on_message", message[1], message[2])

    def _refused(self, refusals: list[tuple[int, str]]) -> None:
        """Messages the broker refused, by token, with its reason: no longer kept."""
        with self._lock:
            entries = [(self._kept.pop(token, None), reason) for token, reason in refusals]
        for entry, reason in entries:
            if entry is None:
                continue
            if entry.on_refused is not None:
                call_owner(entry.on_refused, "on_refused", reason)
            if self._on_refused is not None:
                call_owner(self._on_refused, "on_refused", entry.topic, entry.payload, reason)

    def _snapshot(self) -> BusStatus:
        oldest = next(iter(self._kept.values())).handed_mono if self._kept else None
        return BusStatus(self._status.state, self._status.detail, self._status.since_mono,
                         len(self._kept), oldest)

    def _set_status(self, state: BusState, detail: str) -> None:
        with self._lock:
            new = next_status(self._status, state, detail, self._clock)
            if new is None:
                return
            self._status = new
            snapshot = self._snapshot()
        if self._on_status is not None:
            call_owner(self._on_status, "on_status", snapshot)


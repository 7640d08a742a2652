"""The forwarding to the clinic's interface engine in a process of its own: the MLLP sender
(`mllp_sender.MllpSender`, all its ACK rules unchanged) runs in `engine_worker.py`, and this is
its console end, with the calls the link makes: `start`, `submit`, `status`, `flush`, `stop`.

Why a process: the sender's thread wakes for every ACK and runs Python for it. In the console's
process that time is taken under the GIL from the thread that commits readings and paints
alarms; measured with P12, the forwarding cost P3's alarm latency p99 1.58× (13.9 ms against
8.8 ms without a network) where the bus, already in its own process, cost nothing measurable
(worker_process.py).

The rules (the link cannot tell this from an MllpSender in its own process):

- **Nothing lost.** Every message given to `submit` is kept here, by control id in the order
  given, until the worker reports the engine's AA/CA (`on_delivered`) or a failure for good
  (`on_failed`: AR/CR, or AE three times). If the worker ends without being asked, it is started
  again at once and given every kept message again, in order: the engine may get one twice, and
  drops it by MSH-10. A worker the system will not start is tried again every second (
  worker_process.py). Until then the status names the cause, and the link's 10 s rule runs on
  what it has not seen confirmed.
- **Bad input is refused here, in the caller's thread** (a control id that is not the message's
  MSH-10 or already pending, MLLP bytes in the text, a bad URL, a CA file that cannot be read),
  with MllpSender's own words.
- **Times.** The ACK time-out and the back-off run on the worker's clock (real time), so this
  client takes no clock; the link's own 10 s / 60 s alarm rules run on the clock it was given,
  from what it hands over and hears.

Callbacks run on the reader thread, like the sender's thread: quick, hand the news on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from console.network.mllp_sender import (
    SenderState,
    SenderStatus,
    check_queueable,
    client_tls_context,
    message_bytes,
    parse_mllp_url,
)
from console.network.worker_process import Message, WorkerProcess


class EngineProcessClient:
    """An MllpSender run by a worker process (see the module docstring)."""

    def __init__(self, url: str, *, on_delivered: Callable[[str], None],
                 on_failed: Callable[[str, str], None],
                 on_status: Callable[[SenderStatus], None] | None = None,
                 ca_file: Path | None = None, ca_key: str = "forward_ca_file") -> None:
        """Check the settings here, in the console; nothing starts before start().

        Args:
            url: `mllp://host:port`, or `mllps://host:port` for TLS (the engine's certificate
                checked against `ca_file`, or the system's CAs when None).
            ca_key: the setting that gave `ca_file` (`forward_ca_file`, or `ca_file` when that
                was not set: config.NetworkConfig.engine_ca_key), named with the file when the
                engine's certificate is not accepted.

        Raises:
            ValueError: a bad URL (the message gives the form to use), or a `ca_file` that
                cannot be used (the message names it and the cause).
        """
        self.url = url
        host, port = parse_mllp_url(url)
        client_tls_context(url, ca_file)   # refused here, not in the worker
        self.peer = f"{host}:{port}"
        self._ca_file = ca_file
        self._ca_key = ca_key
        self._on_delivered = on_delivered
        self._on_failed = on_failed
        self._on_status = on_status
        self._lock = threading.Lock()
        self._kept: dict[str, str] = {}   # control id -> message, in the order given
        self._status = SenderStatus(SenderState.NOT_STARTED)
        self._started = False
        self._stopping = False
        self._flushed = threading.Event()
        self._worker = WorkerProcess("console.network.engine_worker", self._lock,
                                     greet=self._greet, handle=self._handle, ended=self._ended,
                                     cannot_start=self._cannot_start)

    # -- the owner's side ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker; it connects when there is something to send."""
        with self._lock:
            if self._started:
                raise RuntimeError(f"the MLLP sender to {self.peer} was already started")
            self._started = True
        self._worker.start()

    def submit(self, control_id: str, message: str) -> None:
        """Queue one HL7 message to be sent after those already queued (never blocks).

        Raises:
            ValueError: as MllpSender.submit (not MSH-10, already pending, MLLP bytes).
            RuntimeError: the sender was stopped.
        """
        self.submit_many([(control_id, message)])

    def submit_many(self, messages: Sequence[tuple[str, str]]) -> None:
        """`submit` for several (control id, message), in order, handed to the worker in one
        write (P12). Checked first: one refused queues none."""
        for control_id, message in messages:
            message_bytes(control_id, message)
        with self._lock:
            batch: dict[str, str] = {}
            for control_id, message in messages:
                for queued in (self._kept, batch):
                    check_queueable(control_id, queued, self._stopping, self.peer)
                batch[control_id] = message
            self._kept.update(batch)
            self._worker.send_many([("submit", c, m) for c, m in batch.items()])

    def pending(self) -> list[str]:
        """Control ids not yet delivered nor failed, in sending order."""
        with self._lock:
            return list(self._kept)

    def status(self) -> SenderStatus:
        with self._lock:
            return self._status

    @property
    def worker_pid(self) -> int | None:
        """The worker process's id (for diagnostics and fault tests)."""
        return self._worker.pid

    def flush(self, timeout: float) -> bool:
        """As MllpSender.flush: wait up to `timeout` for what is kept to be delivered or failed,
        unless the engine is away (backing off). True when nothing is left."""
        with self._lock:
            if not self._kept or not self._started or self._stopping:
                return not self._kept
            self._flushed.clear()
            self._worker.send(("flush", timeout))
        self._flushed.wait(timeout + 2.0)
        with self._lock:
            return not self._kept

    def stop(self, timeout: float = 5.0) -> None:
        """End the worker and its connection; what is kept stays in the caller's outbox."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
        self._worker.stop(timeout)
        self._set_status(SenderStatus(SenderState.STOPPED))

    # -- the worker ---------------------------------------------------------------------------

    def _greet(self, send: Callable[[Message], None]) -> None:
        """A new worker (the first, or one started again): the settings, then every message
        still kept, in order, then start."""
        send(("init", self.url, self._ca_file, self._ca_key))
        for control_id, message in self._kept.items():
            send(("submit", control_id, message))
        send(("start",))

    def _ended(self, code: int) -> None:
        self._set_status(SenderStatus(SenderState.CONNECTING, last_error=(
            f"the network process for the MLLP peer {self.peer} ended unexpectedly (exit code "
            f"{code}); started again, messages kept are sent again")))

    def _cannot_start(self, cause: str) -> None:
        self._set_status(SenderStatus(SenderState.CONNECTING, last_error=(
            f"the network process for the MLLP peer {self.peer} could not be started ({cause}); "
            "trying again every second, messages kept")))

    def _handle(self, message: Message) -> None:
        kind = message[0]
        if kind == "delivered":
            for control_id in message[1]:
                if self._forget(control_id):
                    self._on_delivered(control_id)
        elif kind == "failed":
            for control_id, reason in message[1]:
                if self._forget(control_id):
                    self._on_failed(control_id, reason)
        elif kind == "status":   # the latest of those gathered
            self._set_status(message[1][-1])
        elif kind == "flushed":
            self._flushed.set()

    def _forget(self, control_id: str) -> bool:
        with self._lock:
            return self._kept.pop(control_id, None) is not None

    def _set_status(self, status: SenderStatus) -> None:
        with self._lock:
            self._status = status
        if self._on_status is not None:
            self._on_status(status)

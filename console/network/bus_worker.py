"""The worker process of `bus_process.BusProcessClient`: one `mqtt_bus.BusClient`, driven over a
socket by the console that started it (`python -m console.network.bus_worker FD`).

It reads the console's orders in the order given (init, subscribe, publish, start, stop) and
sends back the client's news: status changes, messages heard, and the tokens of the messages the
broker confirmed or refused, gathered for `GATHER_S` so that the console's reader wakes once for
a burst of PUBACKs rather than once each.

When the console's end closes without a stop (the console was killed, or crashed), the worker
leaves at once *without* a DISCONNECT: the broker then publishes the chair's Last Will, "chair N
offline", as it would have for the console itself (IEC 60601-1-8 6.11.2.2: the loss of a
distributed alarm system's communication must be known at the other end). Ctrl+C in the
console's terminal is the console's to handle; the worker ignores it and ends with its socket.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from functools import partial
from typing import Any, Final

from console.clock import SystemClock
from console.network.bus_process import frame, read_frame
from console.network.mqtt_bus import BusClient, BusStatus

log = logging.getLogger("console.network.bus_worker")

# PUBACKs that come within this of the first are reported together: the console's reader then
# wakes at most 50 times a second however fast messages go (P12). Nothing waits on it but the
# deliveries rows (the link writes them every 500 ms) and the link's 10 s rule.
GATHER_S: Final = 0.02


class _Reporter:
    """Sends the client's news to the console; confirmations are gathered briefly."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._confirmed: dict[str, list[int]] = {"delivered": [], "refused": []}
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="bus-worker-report", daemon=True)
        self._thread.start()

    def send(self, message: tuple[Any, ...]) -> None:
        data = frame(message)
        with self._send_lock:
            try:
                self._sock.sendall(data)
            except OSError:
                os._exit(0)   # the console is gone: leave without DISCONNECT (the will speaks)

    def confirmed(self, kind: str, token: int) -> None:
        with self._cond:
            self._confirmed[kind].append(token)
            self._cond.notify()

    def status(self, status: BusStatus) -> None:
        self.flush()   # confirmations heard before a change are reported before it
        self.send(("status", status.state.value, status.detail))

    def flush(self) -> None:
        with self._cond:
            batches = [(kind, tokens) for kind, tokens in self._confirmed.items() if tokens]
            self._confirmed = {"delivered": [], "refused": []}
        for kind, tokens in batches:
            self.send((kind, tokens))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(1.0)
        self.flush()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or any(self._confirmed.values()))
                if self._closed:
                    return
                # Let the PUBACKs of this burst gather (a close cuts it short).
                self._cond.wait_for(lambda: self._closed, GATHER_S)
            self.flush()


def serve(sock: socket.socket) -> int:
    """Run the orders read from `sock` until stop (0) or until the console is gone."""
    reporter = _Reporter(sock)
    client: BusClient | None = None
    while (order := read_frame(sock)) is not None:
        kind = order[0]
        if kind == "init":
            _, config, client_id, will = order
            client = BusClient(config, client_id=client_id, clock=SystemClock(), will=will,
                               on_message=lambda t, p: reporter.send(("message", t, p)),
                               on_status=reporter.status)
        elif client is None:
            log.error("bus worker: %r before init; ignored", kind)
        elif kind == "subscribe":
            client.subscribe(order[1], order[2])
        elif kind == "publish":
            _, token, topic, payload, retain = order
            client.publish(topic, payload, retain=retain,
                           on_delivered=partial(reporter.confirmed, "delivered", token),
                           on_refused=partial(reporter.confirmed, "refused", token))
        elif kind == "start":
            client.start()
        elif kind == "stop":
            client.stop(float(order[1]))
            reporter.close()
            reporter.send(("stopped",))
            return 0
    # The console's end closed without a stop: leave now, the broker publishes the will.
    os._exit(0)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="bus worker: %(levelname)s %(message)s")
    sock = socket.socket(fileno=int(argv[0]))
    return serve(sock)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The worker process of `bus_process.BusProcessClient`: one `mqtt_bus.BusClient`, driven over a
socket by the console that started it (`python -m console.network.bus_worker FD`).

It reads the console's orders in the order given (init, subscribe, publish, start, farewell,
stop) and sends back the client's news: status changes, messages heard, and the tokens of the
messages the broker confirmed or refused (with the broker's reason), gathered
(worker_process.Reporter) so that the console's reader wakes once for a burst of PUBACKs rather
than once each. The farewell is the stop's last word, held until the stop order
(BusClient.stop).

When the console's end closes without a stop (the console was killed, or crashed), the worker
leaves at once *without* a DISCONNECT: the broker then publishes the chair's Last Will, "chair N
offline", as it would have for the console itself (IEC 60601-1-8 6.11.2.2: the loss of a
distributed alarm system's communication must be known at the other end). Ctrl+C in the
console's terminal is the console's to handle; the worker ignores it and ends with its socket.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from functools import partial

from console.clock import SystemClock
from console.network.mqtt_bus import BusClient, BusStatus
from console.network.worker_process import Reporter, read_frame, run_worker

log = logging.getLogger("console.network.bus_worker")


def serve(sock: socket.socket) -> int:
    """Run the orders read from `sock` until stop (0) or until the console is gone."""
    reporter = Reporter(sock, ("delivered", "refused"))
    client: BusClient | None = None
    farewell: tuple[str, bytes] | None = None   # the stop's last word (BusClient.stop)

    def status(news: BusStatus) -> None:
        reporter.flush()   # confirmations heard before a change are reported before it
        reporter.send(("status", news.state.value, news.detail))

    while (order := read_frame(sock)) is not None:
        kind = order[0]
        if kind == "init":
            _, config, client_id, will = order
            client = BusClient(config, client_id=client_id, clock=SystemClock(), will=will,
                               on_message=lambda t, p: reporter.send(("message", t, p)),
                               on_status=status)
        elif client is None:
            log.error("bus worker: %r before init; ignored", kind)
        elif kind == "subscribe":
            client.subscribe(order[1], order[2])
        elif kind == "publish":
            _, token, topic, payload, retain = order
            client.publish(topic, payload, retain=retain,
                           on_delivered=partial(reporter.confirmed, "delivered", token),
                           on_refused=partial(_refused, reporter, token))
        elif kind == "start":
            client.start()
        elif kind == "farewell":
            farewell = (order[1], order[2])
        elif kind == "stop":
            client.stop(float(order[1]), farewell=farewell)
            reporter.close()
            reporter.send(("stopped",))
            return 0
    # The console's end closed without a stop: leave now, the broker publishes the will.
    os._exit(0)


def _refused(reporter: Reporter, token: int, reason: str) -> None:
    """A message the broker refused: its token and the reason, for the console's log."""
    reporter.confirmed("refused", (token, reason))


if __name__ == "__main__":
    raise SystemExit(run_worker(sys.argv[1:], "bus worker", serve))

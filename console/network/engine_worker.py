"""The worker process of `engine_process.EngineProcessClient`: one `mllp_sender.MllpSender`,
driven over a socket by the console that started it (`python -m console.network.engine_worker FD`).

It reads the console's orders in the order given (init, submit, start, flush, stop) and sends
back the sender's news, gathered (worker_process.Reporter) so that the console's reader wakes
once for a burst of ACKs rather than once or more for each: the control ids delivered, those
failed with the reason, and the sender's latest status. When the console's end closes without a
stop (the console was killed), the worker leaves at once; what it had not delivered is in the
console's outbox and goes again after the console's restart.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path

from console.clock import SystemClock
from console.network.mllp_sender import MllpSender, client_tls_context
from console.network.worker_process import Reporter, read_frame, run_worker

log = logging.getLogger("console.network.engine_worker")


def serve(sock: socket.socket) -> int:
    """Run the orders read from `sock` until stop (0) or until the console is gone."""
    reporter = Reporter(sock, ("delivered", "failed", "status"))
    sender: MllpSender | None = None
    while (order := read_frame(sock)) is not None:
        kind = order[0]
        if kind == "init":
            url: str = order[1]
            ca_file: Path | None = order[2]
            ca_key: str = order[3]
            sender = MllpSender(
                url, clock=SystemClock(),
                on_delivered=lambda cid: reporter.confirmed("delivered", cid),
                on_failed=lambda cid, reason: reporter.confirmed("failed", (cid, reason)),
                on_status=lambda status: reporter.latest("status", status),
                ssl_context=client_tls_context(url, ca_file), ca_file=ca_file, ca_key=ca_key)
        elif sender is None:
            log.error("engine worker: %r before init; ignored", kind)
        elif kind == "submit":
            try:
                sender.submit(order[1], order[2])
            except ValueError:   # the console checked it already; never a crash loop here
                log.exception("engine worker: message %r not queued", order[1])
        elif kind == "start":
            sender.start()
        elif kind == "flush":
            sender.flush(float(order[1]))
            reporter.flush()   # what was delivered before the answer
            reporter.send(("flushed",))
        elif kind == "stop":
            sender.stop(float(order[1]))
            reporter.close()
            reporter.send(("stopped",))
            return 0
    os._exit(0)   # the console's end closed without a stop: it is gone


if __name__ == "__main__":
    raise SystemExit(run_worker(sys.argv[1:], "engine worker", serve))

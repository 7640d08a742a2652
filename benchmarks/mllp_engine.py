"""An interface engine for the benchmarks: the tests' real MLLP peer (python-hl7's `hl7.mllp`
server, answering AA to every message) in a process of its own, as a clinic's engine runs on
another machine and not in the console's interpreter.

    python -m benchmarks.mllp_engine      # prints "ready <port>"; each line in: one line out, the
                                          # messages received so far ("ids": their control ids,
                                          # a JSON list); stdin closed: it ends

`MllpEngine` starts it, reads its port, and asks how many messages (or which) it received.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO

if __package__ in (None, ""):   # `python benchmarks/mllp_engine.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT  # noqa: E402


def main() -> int:
    from tests.network.mllp_peer import MllpPeer, always, reserve_port  # noqa: PLC0415

    # A clinic's engine runs on a server of its own. On this machine it shares the bedside's two
    # processors, and python-hl7 parses every message (about 0.3 ms of processor time each), so
    # at the lowest priority it takes only what the console leaves: its time is not charged to
    # the bedside. It answers later, which the bedside does not wait for (store and forward).
    os.nice(19)
    with reserve_port() as port:
        peer = MllpPeer(port, always("AA"))
        peer.listen()
        print(f"ready {port}", flush=True)
        try:
            for line in sys.stdin:
                with peer.cond:
                    received = list(peer.received)
                print(json.dumps(received) if line.strip() == "ids" else len(received),
                      flush=True)
        finally:
            peer.close()
    return 0


class MllpEngine:
    """`python -m benchmarks.mllp_engine` as a child: `url` to forward to, `received()` to ask."""

    def __init__(self) -> None:
        self.child = subprocess.Popen([sys.executable, "-m", "benchmarks.mllp_engine"], cwd=ROOT,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self._out.readline().split()
        if line[:1] != ["ready"]:
            self.stop()
            raise RuntimeError(f"the MLLP engine did not start (said {line!r})")
        self.url = f"mllp://127.0.0.1:{line[1]}"

    @property
    def _out(self) -> IO[str]:
        assert self.child.stdout is not None
        return self.child.stdout

    def received(self) -> int:
        """Messages the engine has read so far, duplicates included."""
        assert self.child.stdin is not None
        self.child.stdin.write("received\n")
        self.child.stdin.flush()
        return int(self._out.readline())

    def control_ids(self) -> list[str]:
        """The control ids (MSH-10) of the messages the engine has read so far, in order."""
        assert self.child.stdin is not None
        self.child.stdin.write("ids\n")
        self.child.stdin.flush()
        return [str(cid) for cid in json.loads(self._out.readline())]

    def stop(self) -> None:
        if self.child.stdin is not None:
            self.child.stdin.close()
        try:
            self.child.wait(10)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
        if self.child.stdout is not None:
            self.child.stdout.close()


if __name__ == "__main__":
    raise SystemExit(main())

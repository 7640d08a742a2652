"""P1, decoder throughput: HL7 PCD-01 messages through the console's framer + decoder, against
python-hl7's `hl7.parse` on the same messages.

The console's side is what the transport's reader thread does with the bytes of a port: the MLLP
stream, cut into 4 KiB reads, fed to `FORMATS["hl7"].new_decoder()` (framer, segment and field
splitting, MDC code and unit mapping, range checks, timestamps, the ACK for each message). The
peer gets each message already unframed, as one `str`, and only parses it into its container tree
(no framing, no code mapping, no ACK). Both run in the same process, alternately, `repeats` times;
the figure is the median messages/s.
"""

from __future__ import annotations

import time
from typing import Any

import hl7

from benchmarks.common import Row, median, mllp, pcd01_message, time_decoder

DEFAULTS = {"messages": 2000, "repeats": 7, "chunk": 4096}
QUICK = {"messages": 300, "repeats": 3, "chunk": 4096}


def _ours(stream: bytes, chunk: int, expected: int) -> float:
    return time_decoder("hl7", stream, chunk, expected, 6)


def _peer(messages: list[str]) -> float:
    start = time.perf_counter()
    for message in messages:
        hl7.parse(message)
    return time.perf_counter() - start


def run(params: dict[str, Any]) -> list[Row]:
    n, repeats, chunk = int(params["messages"]), int(params["repeats"]), int(params["chunk"])
    messages = [pcd01_message(i) for i in range(n)]
    stream = b"".join(mllp(m) for m in messages)
    _ours(stream, chunk, n)   # warm-up: imports, regex compilation, code tables
    _peer(messages[:100])
    ours, peer = [], []
    for _ in range(repeats):
        ours.append(n / _ours(stream, chunk, n))
        peer.append(n / _peer(messages))
    mine, theirs = median(ours), median(peer)
    ratio = mine / theirs
    return [Row(
        id="P1", what="HL7 decode: framer + decoder", figure=mine, unit="msg/s",
        peer=theirs, ratio=ratio, bar="≥ 1.0× hl7.parse", passed=ratio >= 1.0,
        details={"message_bytes": round(len(stream) / n), "obx_rows": 6, "messages": n,
                 "repeats": repeats, "read_chunk_bytes": chunk,
                 "ours_msg_s": [round(x) for x in ours], "peer_msg_s": [round(x) for x in peer],
                 "peer": f"hl7.parse (python-hl7 {hl7.__version__}) on the unframed message text"},
    )]

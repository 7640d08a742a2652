"""P1b, IntelliVue decoder throughput: poll replies through the serial framer + decoder, against
the console's own HL7 decoder (P1's) on PCD-01 messages carrying the same six vitals.

The IntelliVue side is what the transport's reader thread does with a MIB/RS232 line: the framed
byte stream, cut into 4 KiB reads, fed to `FORMATS["intellivue"].new_decoder()` (unescaping,
FCS-16, envelope, observations, ids, states, units, ranges). Each message is one extended poll
reply as a monitor sends it (handle, type, label id, UTF-16 label and value per observation;
HR, SpO2, RR and the NBP compound with its time stamp: six readings). The reference is the HL7
decoder of P1 on the ~1 KB PCD-01 messages of `benchmarks.common` (six readings each), in the
same process, alternately, `repeats` times; the figure is the median messages/s, and the ratio
IntelliVue / HL7. Bytes/s are kept in the details: an IntelliVue message is about a third the size.
"""

from __future__ import annotations

import struct
from datetime import timedelta
from typing import Any

from benchmarks.common import START, Row, median, mllp, pcd01_message, time_decoder
from devices.intellivue import ids
from devices.intellivue.codec import ava, encode_bcd_time, encode_float
from devices.intellivue.framing import frame
from devices.intellivue.messages import poll_reply
from devices.intellivue.numerics import (
    compound_value,
    label_string,
    numeric_value,
    observation,
    poll_info_list,
)

DEFAULTS = {"messages": 2000, "repeats": 7, "chunk": 4096}
QUICK = {"messages": 300, "repeats": 3, "chunk": 4096}
READINGS_PER_MESSAGE = 6

# (handle, physiological id, unit, label, centre, spread): the vitals of P1's HL7 message.
_NUMERICS = (
    (0x82CF, 0x4182, ids.UNIT_BPM, "HR", 72, 8),
    (0x82D6, 0x500A, ids.UNIT_RESP_PER_MIN, "RR", 15, 3),
    (0x8400, 0x4BB8, ids.UNIT_PERCENT, "SpO\u2082", 97, 2),
)


def _common(handle: int, physio_id: int, label: str) -> list[bytes]:
    return [ava(ids.ATTR_HANDLE, struct.pack(">H", handle)),
            ava(ids.ATTR_TYPE, struct.pack(">HH", ids.PARTITION_OBJECT, ids.CLASS_NUMERIC)),
            ava(ids.ATTR_LABEL, struct.pack(">HH", ids.PARTITION_SCADA, physio_id)),
            ava(ids.ATTR_LABEL_STRING, label_string(label))]


def intellivue_message(i: int) -> bytes:
    """Framed extended poll reply number `i`: HR, RR, SpO2 and NBP, values varying with `i`."""
    observations = []
    for n, (handle, physio_id, unit, label, centre, spread) in enumerate(_NUMERICS, start=1):
        value = centre + (i * 7 + n * 13) % (2 * spread + 1) - spread
        observations.append(observation(handle, _common(handle, physio_id, label) + [
            ava(ids.ATTR_NUMERIC, numeric_value(physio_id, 0, unit, encode_float(value)))]))
    sys_, dia = 124 + i % 9 - 4, 78 + i % 7 - 3
    members = [numeric_value(physio_id, 0, ids.UNIT_MMHG, encode_float(v)) for physio_id, v in
               ((0x4A05, sys_), (0x4A06, dia), (0x4A07, dia + (sys_ - dia) // 3))]
    stamp = encode_bcd_time(START + timedelta(seconds=i - 30))
    observations.append(observation(0x8272, _common(0x8272, ids.NBP_COMPOUND, "NBP") + [
        ava(ids.ATTR_TIME_STAMP_ABS, stamp), ava(ids.ATTR_COMPOUND, compound_value(members))]))
    message = poll_reply(i % 0xFFFF + 1, i % 0xFFFF + 1, poll_info_list([(1, observations)]),
                         abs_time=encode_bcd_time(START + timedelta(seconds=i)),
                         rel_time=i * 8000, linked=None)
    return frame(message)


def _decode(fmt: str, stream: bytes, chunk: int, expected: int) -> float:
    return time_decoder(fmt, stream, chunk, expected, READINGS_PER_MESSAGE)


def run(params: dict[str, Any]) -> list[Row]:
    n, repeats, chunk = int(params["messages"]), int(params["repeats"]), int(params["chunk"])
    ivue = b"".join(intellivue_message(i) for i in range(n))
    hl7 = b"".join(mllp(pcd01_message(i)) for i in range(n))
    _decode("intellivue", ivue, chunk, n)   # warm-up: imports, tables
    _decode("hl7", hl7, chunk, n)
    ours, peer = [], []
    for _ in range(repeats):
        ours.append(n / _decode("intellivue", ivue, chunk, n))
        peer.append(n / _decode("hl7", hl7, chunk, n))
    mine, theirs = median(ours), median(peer)
    ratio = mine / theirs
    return [Row(
        id="P1b", what="IntelliVue decode: serial framer + decoder", figure=mine, unit="msg/s",
        peer=theirs, ratio=ratio, bar="≥ 1.0× the HL7 decoder (P1)", passed=ratio >= 1.0,
        details={"message_bytes": round(len(ivue) / n), "hl7_message_bytes": round(len(hl7) / n),
                 "readings_per_message": READINGS_PER_MESSAGE, "messages": n,
                 "repeats": repeats, "read_chunk_bytes": chunk,
                 "ours_msg_s": [round(x) for x in ours], "peer_msg_s": [round(x) for x in peer],
                 "ours_bytes_s": round(mine * len(ivue) / n),
                 "peer_bytes_s": round(theirs * len(hl7) / n),
                 "peer": "the console's HL7 decoder (FORMATS['hl7'], as in P1) on PCD-01 "
                         "messages with the same six vitals"},
    )]

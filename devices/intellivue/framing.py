"""IntelliVue serial (MIB/RS232) framing: one message per frame, escaped, with an FCS-16.

Frame on the wire (devices.md; every frame of the sample capture checks out this way)::

    0xC0 | 0x11 0x01 length(u16 BE) | message | FCS-16 (low byte first) | 0xC1

The FCS is RFC 1662's (PPP) over the unescaped header and message. Inside the frame (header,
message and FCS) the bytes 0x7D, 0xC0 and 0xC1 are sent as 0x7D, byte XOR 0x20, so a 0xC0 always
starts a frame and a 0xC1 always ends one.

Decoding rules (`split_frames`): bytes outside a frame are `garbage`; a frame whose FCS does not
check is `bad-fcs`; a header that does not match is `bad-frame-header`; a new 0xC0 before the
0xC1 means the frame was cut short (`truncated-frame`): it is dropped and decoding resumes at the
new 0xC0, so the frame that follows is not lost (the sample's host capture has one: an abort cut
short and run into the next association request). Nothing here raises on bad bytes, does I/O or
reads a clock, and the buffer is bounded.
"""

from __future__ import annotations

import binascii

from devices.framing import Frame, Split
from devices.stream import Dropped

BOF = 0xC0
EOF = 0xC1
ESCAPE = 0x7D
ESCAPE_XOR = 0x20
PROTOCOL_ID = 0x11
MESSAGE_TYPE = 0x01
HEADER_BYTES = 4
FCS_BYTES = 2
MAX_MESSAGE = 0xFFFF
"""The length field is 16 bits: no message is longer."""
MAX_ESCAPED_FRAME = 2 * (HEADER_BYTES + MAX_MESSAGE + FCS_BYTES)
"""A frame with every byte escaped; an open frame longer than this lost its 0xC1."""
_MAX_GARBAGE = 64 * 1024

_BOF = bytes([BOF])
_EOF = bytes([EOF])
_ESC = bytes([ESCAPE])
_MUST_ESCAPE = frozenset({ESCAPE, BOF, EOF})

# RFC 1662's FCS-16 is the bit-reflected CRC-CCITT (polynomial 0x1021, initial 0xFFFF, final
# XOR 0xFFFF). binascii.crc_hqx computes the unreflected CRC in C; reflecting each input byte
# and the 16-bit result turns one into the other (0xFFFF reflects to itself), which is ~50x
# faster than a table loop in Python. tests/devices/test_intellivue_framing.py checks it
# against the bitwise definition and against every frame of the sample capture.
_REFLECT_BYTE = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def _reflect16(value: int) -> int:
    return _REFLECT_BYTE[value & 0xFF] << 8 | _REFLECT_BYTE[value >> 8]


def fcs16(data: bytes) -> int:
    """Return the RFC 1662 FCS-16 of `data` (sent low byte first).

    Args:
        data: the unescaped header and message.

    Returns:
        The 16-bit frame check sequence.
    """
    return _reflect16(binascii.crc_hqx(data.translate(_REFLECT_BYTE), 0xFFFF)) ^ 0xFFFF


def escape(data: bytes) -> bytes:
    """Return `data` with 0x7D, 0xC0 and 0xC1 escaped as 0x7D, byte XOR 0x20."""
    if not _MUST_ESCAPE.intersection(data):
        return data
    out = bytearray()
    for byte in data:
        if byte in _MUST_ESCAPE:
            out.append(ESCAPE)
            out.append(byte ^ ESCAPE_XOR)
        else:
            out.append(byte)
    return bytes(out)


def unescape(data: bytes) -> bytes | None:
    """Undo `escape`; None when the data ends in a lone 0x7D (an escape with nothing after it)."""
    if ESCAPE not in data:
        return data
    parts = data.split(_ESC)
    out = bytearray(parts[0])
    for part in parts[1:]:
        if not part:
            return None  # 0x7D at the end, or 0x7D 0x7D (an escaped byte is never 0x7D)
        out.append(part[0] ^ ESCAPE_XOR)
        out += part[1:]
    return bytes(out)


def frame(message: bytes) -> bytes:
    """Wrap one message in a serial frame (header, FCS, escapes, 0xC0 ... 0xC1).

    Args:
        message: the message (at most 65535 bytes).

    Returns:
        The bytes to write to the port.

    Raises:
        ValueError: the message is longer than the length field can say.
    """
    if len(message) > MAX_MESSAGE:
        raise ValueError(f"message of {len(message)} bytes; a frame holds at most {MAX_MESSAGE}")
    body = bytes((PROTOCOL_ID, MESSAGE_TYPE, len(message) >> 8, len(message) & 0xFF)) + message
    fcs = fcs16(body)
    return _BOF + escape(body + bytes((fcs & 0xFF, fcs >> 8))) + _EOF


def _hex(data: bytes, limit: int = 16) -> str:
    return data[:limit].hex(" ") + (" ..." if len(data) > limit else "")


def open_frame(body: bytes) -> tuple[bytes | None, Dropped | None]:
    """Check one frame's content (between 0xC0 and 0xC1) and return its message.

    Args:
        body: the escaped bytes between the frame's 0xC0 and 0xC1.

    Returns:
        (message, None) for a good frame, else (None, why it was dropped).
    """
    raw = unescape(body)
    if raw is None:
        return None, Dropped("bad-frame-header", f"frame ends in a lone 0x7D escape: {_hex(body)}")
    if len(raw) < HEADER_BYTES + FCS_BYTES:
        return None, Dropped("bad-frame-header", f"frame of {len(raw)} bytes is shorter than "
                             f"header + FCS (6): {_hex(raw)}")
    content, sent = raw[:-FCS_BYTES], raw[-FCS_BYTES] | raw[-1] << 8
    computed = fcs16(content)
    if computed != sent:
        return None, Dropped("bad-fcs", f"frame of {len(raw)} bytes: FCS {sent:#06x} sent, "
                             f"{computed:#06x} computed; frame dropped")
    length = content[2] << 8 | content[3]
    if content[0] != PROTOCOL_ID or content[1] != MESSAGE_TYPE or length != len(content) - 4:
        return None, Dropped("bad-frame-header", f"header {content[:4].hex(' ')} (expected 11 01 "
                             f"and length {len(content) - 4}); frame dropped")
    return content[HEADER_BYTES:], None


def split_frames(buffer: bytes, final: bool = False) -> Split:
    """Split the complete frames out of `buffer`.

    Args:
        buffer: bytes received so far and not yet framed.
        final: the stream ended: an open frame is dropped as `truncated-frame`.

    Returns:
        The good frames (Frame.data = the message), the leftover to keep, and the drops.
    """
    out = Split()
    pos, n = 0, len(buffer)
    while pos < n:
        start = buffer.find(_BOF, pos)
        if start < 0:
            tail = buffer[pos:]
            if final or len(tail) > _MAX_GARBAGE:
                out.dropped.append(Dropped("garbage", f"{len(tail)} bytes outside a frame "
                                           f"(no 0xC0): {_hex(tail)}"))
                pos = n
            break
        if start > pos:
            out.dropped.append(Dropped("garbage", f"{start - pos} bytes before a frame start "
                                       f"(stream began mid-frame?): {_hex(buffer[pos:start])}"))
        end = buffer.find(_EOF, start + 1)
        restart = buffer.find(_BOF, start + 1, end if end >= 0 else n)
        if restart >= 0:
            out.dropped.append(Dropped("truncated-frame", f"frame of {restart - start} bytes cut "
                                       f"short by the next 0xC0: {_hex(buffer[start:restart])}"))
            pos = restart
            continue
        if end < 0:
            if n - start > MAX_ESCAPED_FRAME:
                out.dropped.append(Dropped("frame-too-long", f"over {MAX_ESCAPED_FRAME} bytes "
                                           "without the closing 0xC1; discarded"))
                pos = n
            elif final:
                out.dropped.append(Dropped("truncated-frame", f"stream ended inside a frame of "
                                           f"{n - start} bytes: {_hex(buffer[start:])}"))
                pos = n
            else:
                pos = start
            break
        message, why = open_frame(buffer[start + 1 : end])
        if why is not None:
            out.dropped.append(why)
        elif message is not None:
            out.frames.append(Frame(message))
        pos = end + 1
    out.rest = buffer[pos:]
    return out


class SerialFramer:
    """Stateful IntelliVue serial framer: any chunking in, whole messages out."""

    def __init__(self) -> None:
        self._buffer = b""

    def push(self, data: bytes) -> Split:
        """Add `data` and return the frames it completed."""
        result = split_frames(self._buffer + data if self._buffer else data)
        self._buffer = result.rest
        return result

    def flush(self) -> Split:
        """End of stream: drop an open frame."""
        result = split_frames(self._buffer, final=True)
        self._buffer = b""
        return result

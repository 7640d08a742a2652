"""Binary building blocks of IntelliVue messages, for both directions.

Everything is big-endian. A message is read through `Reader`, which never reads past the end of
its slice and raises `Malformed` (and only that) when a length or count does not fit: callers
turn it into a `Dropped`. Lengths nest (a list's length bounds its items, an attribute's length
bounds its value), so each level gets its own `Reader` over exactly its bytes.

- FLOAT-Type: 8-bit signed exponent, 24-bit signed mantissa, value = mantissa x 10^exponent;
  mantissa 0x7FFFFF is NaN (also NRes, +INF, -INF: `ids.FLOAT_SPECIALS`).
- AbsoluteTime: 8 BCD bytes: century, year, month, day, hour, minute, second, 1/100 s;
  0xFF bytes mean "not set".
- AttributeList: count (u16), length (u16), then count x (id u16, length u16, value).
- The remote-operation envelope of every data message: SPpdu (session id 0xE100, context id),
  ROapdus (type, length), then the invoke/result/linked-result/error header.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

from devices.intellivue import ids


class Malformed(ValueError):
    """The bytes do not fit the structure being read (a length, count or field is wrong)."""


class Reader:
    """A bounded big-endian cursor over one slice of a message.

    Args:
        data: the bytes to read.
        what: the structure's name, for error messages.
    """

    __slots__ = ("data", "pos", "what")

    def __init__(self, data: bytes, what: str = "message") -> None:
        self.data = data
        self.pos = 0
        self.what = what

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        """Return the next `n` bytes.

        Raises:
            Malformed: fewer than `n` bytes are left.
        """
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise Malformed(f"{self.what}: needs {n} bytes at offset {self.pos}, "
                            f"{len(self.data) - self.pos} left")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        value: int = struct.unpack(">H", self.take(2))[0]
        return value

    def u32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def sub(self, n: int, what: str) -> Reader:
        """Return a Reader over the next `n` bytes (a nested structure) and skip them here."""
        return Reader(self.take(n), what)


# --- FLOAT-Type ------------------------------------------------------------------------------


def decode_float(raw: int) -> tuple[float | None, str]:
    """Decode a 32-bit FLOAT-Type.

    Args:
        raw: the four bytes as an unsigned integer.

    Returns:
        (value, text): the value rounded to its own decimals and the value as sent, or
        (None, name) for a special mantissa (NaN, NRes, +INF, -INF).
    """
    mantissa = raw & 0xFFFFFF
    special = ids.FLOAT_SPECIALS.get(mantissa)
    if special is not None:
        return None, special
    if mantissa & 0x800000:
        mantissa -= 1 << 24
    exponent = raw >> 24
    if exponent & 0x80:
        exponent -= 1 << 8
    if exponent >= 0:
        value = float(mantissa * 10**exponent)
        return value, f"{mantissa}e{exponent}"
    # Divide by an exact power of ten and round to the exponent's decimals: -9 x 10^-1 is -0.9,
    # not -0.9000000000000001.
    value = round(mantissa / 10 ** (-exponent), -exponent)
    return value, f"{mantissa}e{exponent}"


def encode_float(value: float | None, decimals: int = 0) -> int:
    """Encode a value as a 32-bit FLOAT-Type (None or a non-finite value as NaN).

    Args:
        value: the value.
        decimals: digits after the point to keep (the exponent is -decimals).

    Returns:
        The four bytes as an unsigned integer.

    Raises:
        ValueError: the value does not fit a 24-bit mantissa at these decimals.
    """
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return ids.FLOAT_NAN
    mantissa = int(round(value * 10.0**decimals))
    if not -(1 << 23) + 3 <= mantissa < (1 << 23) - 2:
        raise ValueError(f"{value} does not fit a FLOAT-Type mantissa at {decimals} decimals")
    return ((-decimals) & 0xFF) << 24 | (mantissa & 0xFFFFFF)


# --- AbsoluteTime (BCD) ----------------------------------------------------------------------


def _bcd(byte: int) -> int | None:
    high, low = byte >> 4, byte & 0x0F
    return high * 10 + low if high < 10 and low < 10 else None


def decode_bcd_time(raw: bytes) -> tuple[datetime | None, str]:
    """Decode an 8-byte BCD AbsoluteTime into a naive datetime (the monitor's own clock).

    Args:
        raw: century, year, month, day, hour, minute, second, hundredths.

    Returns:
        (time, "") or (None, why it is not a usable time).
    """
    if len(raw) != 8:
        return None, f"time stamp of {len(raw)} bytes, expected 8"
    if raw[:7] == b"\xff" * 7:
        return None, "time stamp not set (FF FF ...)"
    digits = [_bcd(b) for b in raw]
    if None in digits[:7]:
        return None, f"time stamp {raw.hex(' ')} is not BCD"
    century, year, month, day, hour, minute, second = (d or 0 for d in digits[:7])
    hundredths = digits[7] if digits[7] is not None else 0
    try:
        return datetime(century * 100 + year, month, day, hour, minute, second,
                        hundredths * 10_000), ""
    except ValueError:
        return None, f"time stamp {raw.hex(' ')} is not a real date"


def encode_bcd_time(when: datetime) -> bytes:
    """Encode a datetime's wall-clock fields as an 8-byte BCD AbsoluteTime."""
    fields = (when.year // 100, when.year % 100, when.month, when.day, when.hour, when.minute,
              when.second, when.microsecond // 10_000)
    return bytes((f // 10) << 4 | f % 10 for f in fields)


# --- Attribute lists ---------------------------------------------------------------------------


def ava(attribute_id: int, value: bytes) -> bytes:
    """Encode one attribute (AVA-Type): id, length, value."""
    return struct.pack(">HH", attribute_id, len(value)) + value


def attribute_list(items: list[bytes]) -> bytes:
    """Encode an AttributeList from already encoded attributes (see `ava`)."""
    body = b"".join(items)
    return struct.pack(">HH", len(items), len(body)) + body


def read_attributes(reader: Reader, what: str) -> list[tuple[int, bytes]]:
    """Read an AttributeList at the reader's position.

    Args:
        reader: positioned at the list's count.
        what: the owner's name, for error messages.

    Returns:
        (attribute id, value bytes) in the order sent.

    Raises:
        Malformed: the count, the length or an attribute's length does not fit.
    """
    count, length = reader.u16(), reader.u16()
    body = reader.sub(length, f"{what} attribute list")
    out = []
    for _ in range(count):
        attribute_id, size = body.u16(), body.u16()
        out.append((attribute_id, body.take(size)))
    if body.remaining:
        raise Malformed(f"{what}: {body.remaining} bytes after {count} attributes")
    return out


def variable_label(raw: bytes) -> bytes:
    """Return the content of a VariableLabel / String (u16 length, then the bytes)."""
    reader = Reader(raw, "label")
    return reader.take(reader.u16())


def label_text(raw: bytes) -> str:
    """A label attribute's text for Dropped details (UTF-16BE, NUL padding removed); never used
    to identify a value."""
    try:
        text = variable_label(raw)
    except Malformed:
        text = raw
    return text.decode("utf-16-be", "replace").replace("\x00", "").strip()


# --- The remote-operation envelope -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Envelope:
    """The header of a data message.

    Attributes:
        ro_type: `ids.RO_INVOKE`, `RO_RESULT`, `RO_ERROR`, `RO_REJECT` or `RO_LINKED_RESULT`.
        invoke_id: the invoke id (echoed by a result).
        command: the command type; for RO_ERROR the error value, for RO_REJECT the problem.
        linked_state: RO_LINKED_RESULT only: 1 first, 2 middle, 3 last (else 0).
        linked_count: RO_LINKED_RESULT only: the part's number.
        body: the bytes after the header (the command's argument or result).
    """

    ro_type: int
    invoke_id: int
    command: int
    body: bytes
    linked_state: int = 0
    linked_count: int = 0


def read_envelope(message: bytes) -> Envelope:
    """Read the SPpdu, ROapdus and RO header of a data message.

    Raises:
        Malformed: not a data message, or a length that does not fit.
    """
    reader = Reader(message, "data message")
    session, _context = reader.u16(), reader.u16()
    if session != ids.SESSION_ID:
        raise Malformed(f"session id {session:#06x}, expected {ids.SESSION_ID:#06x}")
    ro_type, length = reader.u16(), reader.u16()
    ro = reader.sub(length, "ROapdus")
    state = count = 0
    if ro_type == ids.RO_LINKED_RESULT:
        state, count = ro.u8(), ro.u8()
    if ro_type not in (ids.RO_INVOKE, ids.RO_RESULT, ids.RO_ERROR, ids.RO_REJECT,
                       ids.RO_LINKED_RESULT):
        raise Malformed(f"remote operation type {ro_type} is not one of 1, 2, 3, 4, 5")
    invoke_id, command = ro.u16(), ro.u16()
    if ro_type == ids.RO_REJECT:
        return Envelope(ro_type, invoke_id, command, b"")
    body = ro.take(ro.u16())
    return Envelope(ro_type, invoke_id, command, body, state, count)


def envelope(ro_type: int, invoke_id: int, command: int, body: bytes,
             linked: tuple[int, int] | None = None) -> bytes:
    """Encode a data message: SPpdu, ROapdus, RO header, then `body`.

    Args:
        ro_type: the remote-operation type.
        invoke_id: the invoke id.
        command: the command type (or error value for RO_ERROR).
        body: the argument or result.
        linked: (state, count) for a linked result.

    Returns:
        The message bytes (unframed).
    """
    header = struct.pack(">HHH", invoke_id, command, len(body))
    if linked is not None:
        header = bytes(linked) + header
    ro = header + body
    return struct.pack(">HHHH", ids.SESSION_ID, ids.PRESENTATION_CONTEXT, ro_type, len(ro)) + ro

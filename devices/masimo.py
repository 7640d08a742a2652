"""Masimo Rad-8 / Rad-7 / Radical-7 "ASCII 1" serial trend lines: SpO2 and pulse rate.

One line a second at 9600 8N1::

    03/17/16 19:19:36 SN=---------- SPO2=098% BPM=123 PI=00.55 ... ALARM=000000 EXC=0000C00

Dashes (`---%`, `--.-`) mean no value. A complete line has fixed-width fields (`SPO2=098%`,
`BPM=123`) and ends in its `ALARM=hex EXC=hex` bit fields (devices.md, and every line of the public
sample): a line cut short (a cable pulled, bytes lost, or run into the next line) is dropped whole
as `truncated-line`, so `SPO2=09` or `BPM=07` is never read as 9 or 7. Noise run into a line
with no line end between them is dropped as `garbage` up to the line's device time, and the line
is read from there. The line carries the oximeter's own clock (MM/DD/YY,
no zone), read in the station's zone (`devices.reading.STATION_ZONE`); in the hour a summer-time
change makes ambiguous, as the reading nearer the line's arrival (`devices.local_time`).
Reading.source is `masimo:<SN>`, or `masimo:<hint>` / `masimo` when SN is dashes.
Non-zero ALARM and EXC bit fields are carried in Reading.flags as sent (`EXC=0000C00`) so that a
reading taken under a sensor exception can be told apart in the log.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from protocols.vitals import PER_MIN_BEATS, PERCENT
from devices.framing import FramedDecoder, LineFramer
from devices.local_time import wall_clock_to_utc
from devices.reading import STATION_ZONE, Reading
from devices.stream import DecodeResult, Dropped, outside_hard_range

_LINE = re.compile(
    r"^(\d{2})/(\d{2})/(\d{2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\S+=.*)$"
)
_PAIR = re.compile(r"(\w+)=(\S*)")
_NUMBER = re.compile(r"^\d{1,3}(?:\.\d+)?$")
_HEX = re.compile(r"^[0-9A-Fa-f]+$")
# The device clock at a line start; found again inside a line, the line ran into the next one.
_STAMP = re.compile(r"\d{2}/\d{2}/\d{2}\s+\d{2}:\d{2}:\d{2}")
# A value as a complete line writes it: three digits, SPO2 with its `%` (BPM takes the `%` only
# after dashes in the Rad-8 sample, `BPM=---%`, so it is allowed, not required).
_WHOLE = {"SPO2": re.compile(r"^\d{3}%$"), "BPM": re.compile(r"^\d{3}%?$")}
# Digits without the full width or the unit: the start of a value whose end was cut off.
_CUT = re.compile(r"^\d{0,3}%?$")
# Field name -> (metric, unit). PI, SpCO, SpMet, SpHb, PVI are not vitals this console shows.
_FIELDS = {"SPO2": ("spo2", PERCENT), "BPM": ("pulse_rate", PER_MIN_BEATS)}


def decode_line(line: bytes, received_at: datetime, *, maybe_partial: bool = False,
                source_hint: str = "", default_tz: tzinfo | None = STATION_ZONE) -> DecodeResult:
    """Decode one Masimo ASCII line (without its line end).

    Args:
        line: the line's bytes.
        received_at: host time it arrived (UTC, aware).
        maybe_partial: first line after opening the port; a malformed one is reported as
            `partial-line` rather than `bad-frame`.
        source_hint: the transport's device name, used when SN is dashes.
        default_tz: the zone of the oximeter's clock (it sends none); by default the station's.

    Returns:
        spo2 and pulse_rate readings, and what was dropped.
    """
    text = line.decode("latin-1").strip()
    starts = [found.start() for found in _STAMP.finditer(text)]
    if starts and starts[0] > 0:
        # Noise (or a line's lost-start tail) ran into a line on the wire, with no line end
        # between them: the bytes before the device time are dropped, and said so; the line
        # from its device time on is read as any other (devices.md: resynchronise).
        # A partial first line is a frame rejected (transport.FRAME_REJECTIONS), so it counts
        # as one: the whole line after it still proves the oximeter is there, values or not.
        noise = text[:starts[0]]
        reason = "partial-line" if maybe_partial else "garbage"
        merged = DecodeResult(frames=int(maybe_partial), dropped=[Dropped(
            reason, f"{len(noise)} bytes before a device time, not a Masimo line: "
                    f"{noise[:60]!r}")])
        merged.extend(decode_line(text[starts[0]:].encode("latin-1"), received_at,
                                  source_hint=source_hint, default_tz=default_tz))
        return merged
    if len(starts) > 1:
        # A line cut short runs into the next on the wire (no line end between them): read
        # each part from its own device time, so the whole line after the cut keeps its values
        # and the cut one is dropped as truncated, on its own.
        merged = DecodeResult()
        for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
            merged.extend(decode_line(text[begin:end].encode("latin-1"), received_at,
                                      source_hint=source_hint, default_tz=default_tz))
        return merged
    result = DecodeResult(frames=1)
    m = _LINE.match(text)
    if m is None:
        reason = "partial-line" if maybe_partial else "bad-frame"
        result.dropped.append(Dropped(reason, f"not a Masimo ASCII line (MM/DD/YY HH:MM:SS "
                                      f"SN=... SPO2=...): {text[:60]!r}"))
        return result
    month, day, year, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        # The hour that comes twice (or never) at a summer-time change is read as the reading
        # nearer the line's arrival (devices.local_time).
        measured_at: datetime | None = wall_clock_to_utc(
            datetime(2000 + year, month, day, hour, minute, second), default_tz, received_at)
    except ValueError:
        measured_at = None
        result.dropped.append(Dropped("bad-timestamp", f"device time {text[:17]!r} is not a real "
                                      "date; readings kept without it"))
    pairs = {k.upper(): v for k, v in _PAIR.findall(m.group(7))}
    cut = _truncation(m.group(7), pairs)
    if cut:
        result.dropped.append(Dropped("truncated-line", f"{cut}; line not read: {text[:90]!r}"))
        return result
    serial = pairs.get("SN", "").strip("-")
    source = f"masimo:{serial or source_hint.strip()}".rstrip(":")
    flags = frozenset(
        f"{k}={v.upper()}" for k, v in pairs.items()
        if (k.startswith("ALARM") or k.startswith("EXC")) and _HEX.match(v) and int(v, 16)
    )
    if not any(k in pairs for k in _FIELDS):
        result.dropped.append(Dropped("bad-frame", f"Masimo line without SPO2 or BPM: {text[:60]!r}"))
        return result
    for key, (metric, unit) in _FIELDS.items():
        if key not in pairs:
            continue
        raw = pairs[key]
        value = raw.rstrip("%")
        if not value or set(value) <= {"-", "."}:
            result.dropped.append(Dropped("no-value", f"{key}={raw}: no value"))
            continue
        if not _NUMBER.match(value):
            result.dropped.append(Dropped("not-numeric", f"{key}={raw} is not a number"))
            continue
        number = float(value)
        out = outside_hard_range(metric, number, f"{key}={raw}", value)
        if out is not None:
            result.dropped.append(out)
            continue
        result.readings.append(Reading(metric, number, unit, measured_at, received_at, source,
                                       "", flags))
    return result


def _truncation(fields: str, pairs: dict[str, str]) -> str:
    """Why a line whose timestamp matched is not whole, or '' when it is."""
    if _STAMP.search(fields):
        return "a second device time inside the line: it ran into the next one"
    missing = [k for k in ("ALARM", "EXC") if not _HEX.match(pairs.get(k, ""))]
    if missing:
        return f"no {' or '.join(f'{k}=hex' for k in missing)} at its end"
    for key, whole in _WHOLE.items():
        raw = pairs.get(key)
        if raw is not None and not whole.match(raw) and _CUT.match(raw) and raw.strip("%"):
            return f"{key}={raw} is shorter than {key}=" + ("098%" if key == "SPO2" else "123")
    return ""


class MasimoDecoder(FramedDecoder):
    """StreamDecoder for Masimo ASCII 1 trend lines.

    Args:
        source_hint: the transport's device name, used when the line's SN is dashes.
        default_tz: the zone of the oximeter's clock; by default the station's.
        at_line_start: the stream begins at a line start (a file), not mid-line (a port).
    """

    def __init__(self, source_hint: str = "", *, default_tz: tzinfo | None = STATION_ZONE,
                 at_line_start: bool = False) -> None:
        super().__init__(LineFramer(at_line_start), lambda frame, received_at: decode_line(
            frame.data, received_at, maybe_partial=frame.maybe_partial, source_hint=source_hint,
            default_tz=default_tz))

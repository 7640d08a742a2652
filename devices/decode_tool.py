"""`infusion-console decode --format hl7|masimo|ansar-b|intellivue FILE`: decode a capture for
support and QA.

A capture is the raw bytes as received (a connection's `capture_path`): for `intellivue`, the
monitor's MIB/RS232 frames as they came off the line (binary, not hex text; a `spy://` log is a
hex dump and must be converted first).
Replies the console would have sent (the IntelliVue MDS-create confirmation, HL7 ACKs) are
counted, not sent; the IntelliVue conversation itself is not replayed. A polled HL7 profile's
capture holds the monitor's answers to queries this tool never sent: each is read as answering
one (the profile's bed rules still apply).

Prints one JSON object per reading per line on stdout, then a summary on stderr: frames seen,
readings, replies the console would send, and dropped counts by reason with a few examples; then
warnings (`stream.KEPT_NOTICES`: doubts about values that were kept) apart from the drops. A file
of hex text given for a format read as bytes (`intellivue`, `ansar-b`) is not decoded as hex: the
summary says it looks like hex text and how to convert it (the capture is what the console reads,
and a hex sample file also holds comments and host frames).
Bad usage or an unreadable file gives one line naming the problem and what is allowed, exit 2.
Exit 0 otherwise, even when nothing decoded (the summary says why).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import IO, NoReturn

from devices.formats import FORMATS
from devices.reading import Reading
from devices.transport import FormatLike, resolve_format
from devices.stream import KEPT_NOTICES, DecodeResult, Dropped
from devices.usage import home_path

USAGE_EXIT = 2
EXAMPLES_PER_REASON = 3
EXAMPLE_CHARS = 300
"""An example longer than this is cut at a field or word boundary, with " …" (a drop's detail
is its location, then why: the old cut at 160 characters lost the why)."""
EXAMPLE_WHERE_CHARS = 100
"""The location before the first ": " of a long example is shortened to this first, so the
reason's words after it stay whole."""
_BOUNDARIES = ("; ", ", ", "|", "^", " ")
BINARY_FORMATS = frozenset({"intellivue", "ansar-b"})
"""Formats whose captures are bytes, not text: a file of hex text given for one is said to be."""
HEX_TEXT_NOTE = ("this file looks like hex text, not the device's bytes: convert it first "
                 "(xxd -r -p; drop '#' comment lines first: grep -v '^#' FILE | xxd -r -p > "
                 "FILE.bin)")
_HEX_LINE = re.compile(r"(?:[0-9A-Fa-f]{4,8}:?\s+)?(?:[0-9A-Fa-f]{2}[ \t:]*)+")
# Feed in serial-read-sized pieces so the file goes through the same path as a live stream.
_CHUNK = 4096


class _UsageError(Exception):
    """Bad command line; the message is the one line shown."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog="infusion-console decode",
        description="Decode a device capture and print its readings as JSON lines.",
    )
    parser.add_argument("--format", required=True, metavar="FORMAT",
                        help=f"device format ({', '.join(FORMATS)}) or device profile "
                             "(`infusion-console devices` lists them): a profile decodes with "
                             "its vendor code map, as the console does")
    parser.add_argument("file", type=home_path, metavar="FILE",
                        help="capture file, or - for standard input")
    return parser


def reading_json(reading: Reading) -> str:
    """Return one reading as a JSON object on one line (times in ISO 8601 UTC)."""
    return json.dumps({
        "metric": reading.metric,
        "value": reading.value,
        "unit": reading.unit,
        "measured_at": _iso(reading.measured_at),
        "received_at": _iso(reading.received_at),
        "source": reading.source,
        "channel": reading.channel,
        "flags": sorted(reading.flags),
    }, ensure_ascii=False)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def summary(name: str, fmt: str, result: DecodeResult, *, hex_text: bool = False) -> str:
    """Return the stderr summary: counts, then dropped and warning counts by reason with examples.

    Args:
        name: the file's name as given.
        fmt: the format it was decoded as.
        result: what decoding gave.
        hex_text: the file looks like hex text though `fmt` is read as bytes (`looks_like_hex_text`):
            said on the line after the counts.
    """
    dropped = [d for d in result.dropped if d.reason not in KEPT_NOTICES]
    warnings = [d for d in result.dropped if d.reason in KEPT_NOTICES]
    lines = [f"{name} ({fmt}): {result.frames} frames, {len(result.readings)} readings, "
             f"{len(dropped)} dropped, {len(warnings)} warnings, {len(result.replies)} replies"]
    if hex_text:
        lines.append(f"note: {HEX_TEXT_NOTE}")
    lines += _by_reason("dropped by reason:", dropped)
    lines += _by_reason("warnings by reason (values kept):", warnings)
    return "\n".join(lines)


def looks_like_hex_text(data: bytes) -> bool:
    """Whether `data` is a hex dump as text (a sample file, a `spy://` log), not device bytes:
    text whose lines, apart from blank ones and `#` comments, are mostly hex byte pairs
    (optionally after an offset column)."""
    try:
        text = data.decode("utf-8")   # comments may not be ASCII (the LAN sample's Cyrillic)
    except UnicodeDecodeError:
        return False   # never UTF-8: IntelliVue frames open with 0xC0, ANSAR-B ones with 0xFF
    body = [line.strip() for line in text.splitlines()]
    body = [line for line in body if line and not line.startswith("#")]
    hex_lines = sum(1 for line in body if _HEX_LINE.fullmatch(line))
    return bool(body) and hex_lines >= 0.8 * len(body)


def example(detail: str, limit: int = EXAMPLE_CHARS) -> str:
    """One drop's detail as an example: whole when it fits `limit`; else its location (before
    the first ": ") shortened first, then the rest cut at a field or word boundary, with " …"."""
    if len(detail) <= limit:
        return detail
    where, colon, why = detail.partition(": ")
    if colon and len(where) > EXAMPLE_WHERE_CHARS:
        detail = f"{_cut(where, EXAMPLE_WHERE_CHARS)}: {why}"
        if len(detail) <= limit:
            return detail
    return _cut(detail, limit)


def _cut(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at its last boundary, marked " …"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 2]
    # The strongest boundary in the second half: between list items or clauses, else fields
    # or words; else (one long token, a hex preview) the limit itself.
    at = next((i for i in (head.rfind(b) for b in _BOUNDARIES) if i >= limit // 2), len(head))
    return head[:at].rstrip(" ,;") + " …"


def _by_reason(title: str, items: list[Dropped]) -> list[str]:
    """Return `title` and each reason's count with a few examples, or nothing for no items."""
    counts = Counter(d.reason for d in items)
    examples: dict[str, list[str]] = defaultdict(list)
    for d in items:
        if len(examples[d.reason]) < EXAMPLES_PER_REASON:
            examples[d.reason].append(d.detail)
    lines = [title] if counts else []
    for reason, count in counts.most_common():
        lines.append(f"  {reason}: {count}")
        lines.extend(f"    e.g. {example(detail)}" for detail in examples[reason])
    return lines


def decode_bytes(fmt: str, data: bytes, received_at: datetime) -> DecodeResult:
    """Decode a whole capture with a fresh decoder of `fmt`, a format or a device profile name
    (resolved as the console resolves it: a profile's code map applies), fed in chunks, then
    flushed.

    Raises:
        ValueError: `fmt` is neither, or its profile cannot be used (the message says why).
    """
    decoder = resolve_format(fmt).new_decoder("")
    # A polled monitor's capture answers queries this tool never sent (devices/hl7/polled.py).
    read_capture = getattr(decoder, "read_capture", None)
    if read_capture is not None:
        read_capture()
    result = DecodeResult()
    for start in range(0, len(data), _CHUNK):
        result.extend(decoder.feed(data[start : start + _CHUNK], received_at))
    result.extend(decoder.flush(received_at))
    return result


def _format_name(typed: str, fmt: FormatLike) -> str:
    """The format a format or a device profile reads its bytes with: `philips-intellivue-mib`
    reads IntelliVue's binary frames, so hex text given for it is said to be, as for
    `--format intellivue`."""
    from devices.profiles import ProfileFormat   # late, as devices/transport.py resolves it

    return fmt.profile.format if isinstance(fmt, ProfileFormat) else typed


def _read(path: str, stdin: IO[bytes] | None) -> bytes:
    if path == "-":
        if stdin is None:   # started with standard input closed (a service, `<&-`)
            raise _UsageError("no standard input to read: give a capture file")
        return stdin.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise _UsageError(f"cannot read FILE {path!r}: no such file; give a readable capture "
                          "file or - for standard input") from None
    except IsADirectoryError:
        raise _UsageError(f"cannot read FILE {path!r}: it is a directory; give a capture file "
                          "or - for standard input") from None
    except OSError as exc:
        raise _UsageError(f"cannot read FILE {path!r}: {exc.strerror or exc}; give a readable "
                          "capture file or - for standard input") from None


def main(argv: list[str] | None = None) -> int:
    """Run the decode command.

    Args:
        argv: arguments after `decode` (default: sys.argv[1:]).

    Returns:
        0 after decoding, 2 on bad usage or an unreadable file.
    """
    args_list = sys.argv[1:] if argv is None else argv
    try:
        if any(a in ("-h", "--help") for a in args_list):
            print(_parser().format_help(), end="")
            return 0
        args = _parser().parse_args(args_list)
        try:   # a format, or a profile (QA: a Nihon Kohden capture could not be read with its map)
            resolved = resolve_format(args.format)
        except ValueError as exc:
            raise _UsageError(f"--format: {exc}") from None
        data = _read(args.file, sys.stdin.buffer if sys.stdin is not None else None)
    except _UsageError as exc:
        print(f"infusion-console decode: error: {exc} "
              "(usage: infusion-console decode --format FORMAT-OR-PROFILE FILE)",
              file=sys.stderr)
        return USAGE_EXIT
    # The tool is the I/O edge, so it may read the clock; decoders below it never do.
    received_at = datetime.now(timezone.utc)
    result = decode_bytes(args.format, data, received_at)
    try:
        for reading in result.readings:
            sys.stdout.write(reading_json(reading) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # `... | head`: the reader left; not an error of ours.
        return 0
    name = "<stdin>" if args.file == "-" else args.file
    hex_text = _format_name(args.format, resolved) in BINARY_FORMATS and looks_like_hex_text(data)
    print(summary(name, args.format, result, hex_text=hex_text), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

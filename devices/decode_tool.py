"""`infusion-console decode --format hl7|masimo|ansar-b|intellivue FILE`: decode a capture for
support and QA.

A capture is the raw bytes as received (a connection's `capture_path`): for `intellivue`, the
monitor's MIB/RS232 frames as they came off the line (binary, not hex text; a `spy://` log is a
hex dump and must be converted first).
Replies the console would have sent (the IntelliVue MDS-create confirmation, HL7 ACKs) are
counted, not sent; the IntelliVue conversation itself is not replayed.

Prints one JSON object per reading per line on stdout, then a summary on stderr: frames seen,
readings, replies the console would send, and dropped counts by reason with a few examples; then
warnings (`stream.KEPT_NOTICES`: doubts about values that were kept) apart from the drops.
Bad usage or an unreadable file gives one line naming the problem and what is allowed, exit 2.
Exit 0 otherwise, even when nothing decoded (the summary says why).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import IO, NoReturn

from devices.formats import FORMATS
from devices.reading import Reading
from devices.stream import KEPT_NOTICES, DecodeResult, Dropped

USAGE_EXIT = 2
EXAMPLES_PER_REASON = 3
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
                        help=f"device format: {', '.join(FORMATS)}")
    parser.add_argument("file", metavar="FILE", help="capture file, or - for standard input")
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


def summary(name: str, fmt: str, result: DecodeResult) -> str:
    """Return the stderr summary: counts, then dropped and warning counts by reason with examples."""
    dropped = [d for d in result.dropped if d.reason not in KEPT_NOTICES]
    warnings = [d for d in result.dropped if d.reason in KEPT_NOTICES]
    lines = [f"{name} ({fmt}): {result.frames} frames, {len(result.readings)} readings, "
             f"{len(dropped)} dropped, {len(warnings)} warnings, {len(result.replies)} replies"]
    lines += _by_reason("dropped by reason:", dropped)
    lines += _by_reason("warnings by reason (values kept):", warnings)
    return "\n".join(lines)


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
        lines.extend(f"    e.g. {detail[:160]}" for detail in examples[reason])
    return lines


def decode_bytes(fmt: str, data: bytes, received_at: datetime) -> DecodeResult:
    """Decode a whole capture with a fresh decoder of `fmt` (fed in chunks, then flushed)."""
    decoder = FORMATS[fmt].new_decoder("")
    result = DecodeResult()
    for start in range(0, len(data), _CHUNK):
        result.extend(decoder.feed(data[start : start + _CHUNK], received_at))
    result.extend(decoder.flush(received_at))
    return result


def _read(path: str, stdin: IO[bytes]) -> bytes:
    if path == "-":
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
        if args.format not in FORMATS:
            raise _UsageError(f"unknown --format {args.format!r}; allowed: {', '.join(FORMATS)}")
        data = _read(args.file, sys.stdin.buffer)
    except _UsageError as exc:
        print(f"infusion-console decode: error: {exc} "
              f"(usage: infusion-console decode --format {{{','.join(FORMATS)}}} FILE)",
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
    print(summary(name, args.format, result), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

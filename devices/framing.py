"""Framers: arbitrary byte chunks in, complete frames out, the partial frame kept for next time.

Three framings, one per device format:

- `MllpFramer`: HL7 v2 in MLLP (`0x0B <message> 0x1C 0x0D`) and bare HL7 without MLLP (a message
  runs from `MSH|` to the next `MSH|` at a segment start, the next `0x0B MSH|`, or `flush`; at
  `flush` a last segment without its CR or LF was cut by the end of the stream and is dropped,
  and so is a segment the next message's header (or `0x0B MSH|`) starts inside: the sender
  restarted mid-message; that message is marked `cut` and its dropped row is a CUT_MESSAGE, read
  only in part). On a quiet line (`MllpFramer.quiet`) a bare message ends after its last
  segment, or, quiet QUIET_CUT_SECONDS inside one, is read without that row (a CUT_MESSAGE too).
  Bytes after a message taken at a quiet, up to the next message's start, are its rows not read
  (CUT_MESSAGE), said at the next message start or the next quiet, whichever comes first.
  Inside a message, a 0x0B not followed by `MSH|` is field data (a vertical tab typed in a
  name); between messages it is noise, dropped as `garbage`. An MLLP frame that meets
  the next message (`MSH|` at a segment start, or `0x0B MSH|`) before its 0x1C is dropped as
  `truncated-frame` and the stream read on from there.
- `LineFramer`: one record per line (Masimo ASCII): CR, LF or CR LF; NUL bytes stripped.
- `AnsarBFramer`: Ivy ANSAR-B: `0xFF "ANSAR-B "` + 400 waveform bytes + ASCII records + `0xFE`.

Each framer has a pure core, `split_*(buffer, final) -> Split`, that returns the complete frames,
the leftover to keep and what it discarded; the framer classes only hold the leftover between
calls. Nothing here does I/O or reads a clock, and nothing raises on bad bytes.

Every buffer is bounded: a stream of garbage without a terminator is discarded with a `Dropped`
reason instead of growing memory (R2, R3 in quality-bars.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from devices.stream import CUT_MESSAGE, DECODER_ERROR, DecodeResult, Dropped

# MLLP envelope bytes (HL7 v2 Transport Specification, MLLP release 2).
MLLP_START = b"\x0b"
MLLP_END = b"\x1c"
MLLP_TRAILER = b"\r"

# Largest HL7 message kept whole. A 1 Hz PCD-01 message with six numerics is ~1 KB; gateways that
# also send waveform (NA) rows reach tens of KB. 1 MiB leaves room for those and still bounds a
# garbage stream that opens with 0x0B and never closes.
MAX_HL7_FRAME = 1 << 20
# Masimo ASCII lines are ~200 bytes; anything 16x longer without a line end is not a record.
MAX_LINE = 4096
# ANSAR-B: 400 waveform bytes plus ~180 bytes of records in the Ivy 450C capture; 4 KB of records
# without the closing 0xFE means the closing byte was lost.
ANSAR_B_HEADER = b"\xffANSAR-B "
ANSAR_B_WAVEFORM_BYTES = 400
ANSAR_B_END = b"\xfe"
MAX_ANSAR_B_RECORDS = 4096
# Garbage kept while waiting for a frame start: only the tail that could be the start of one.
_MAX_GARBAGE = 64 * 1024
QUIET_CUT_SECONDS = 2.0
"""A bare HL7 message held this long on a quiet line inside a segment (no CR or LF after its
last bytes) was cut there: its whole segments are read, answered AE, and the cut row dropped
(`MllpFramer.quiet`). Held for the next message instead, a sender that sent nothing more got no
answer and its readings were never read (the IPF sample ends so). Four times the 0.5 s that
ends a message after a segment, so a sender pausing inside a row is still joined whole; well
under the 10 s a sender waits for its ACK (network.md: Smile CDR), so the AE reaches it."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One complete frame's payload.

    Attributes:
        data: the payload without envelope bytes (HL7 message, one line, or ANSAR-B records).
        mllp: HL7 only: the message arrived in MLLP, so its ACK goes back in MLLP too.
        maybe_partial: lines only: the first line after opening, which may have started mid-line.
        cut: HL7 only: the message was read only in part (its last segment, cut by the next
            message's header, was dropped): never acknowledged as stored whole.
    """

    data: bytes
    mllp: bool = False
    maybe_partial: bool = False
    cut: bool = False


@dataclass(slots=True)
class Split:
    """What one pass of a framer over its buffer found.

    Attributes:
        frames: complete frames, in stream order.
        rest: bytes to keep for the next call (a frame not yet complete).
        dropped: what was discarded and why (garbage, truncated or oversize frames).
    """

    frames: list[Frame] = field(default_factory=list)
    rest: bytes = b""
    dropped: list[Dropped] = field(default_factory=list)


def _preview(data: bytes, limit: int = 40) -> str:
    """Return a short printable rendering of `data` for a Dropped detail."""
    text = data[:limit].decode("latin-1").encode("unicode_escape").decode("ascii")
    return text + ("..." if len(data) > limit else "")


def _garbage(data: bytes, why: str) -> Dropped:
    """Report skipped bytes that were not part of any frame."""
    return Dropped("garbage", f"{len(data)} bytes {why}: {_preview(data)}")


def _cut(data: bytes, after: str) -> Dropped:
    """Report the rest of a bare message taken at a quiet (`split_mllp` rest_of_message): rows
    from a segment id on, or from inside the row the quiet cut. The rows come first in the
    text: the alarm's detail shows its start only."""
    count = _segment_count(data)
    rows = f"{count} segment(s)" if _SEGMENT_ROW.match(data) else "the end of a cut row" + (
        f" and {count - 1} segment(s)" if count > 1 else "")
    return Dropped(CUT_MESSAGE, f"{rows} after {after}, not read: {_preview(data, 120)}; "
                   "they came after their message was taken")


# ---------------------------------------------------------------------------------------------
# HL7: MLLP and bare


# Where a bare (un-enveloped) HL7 message ends: the next MSH at a segment start, an MLLP start
# byte before an MSH, or an MLLP end byte (a bare tail of an enveloped frame we joined mid-way).
# A 0x0B alone is field data (a vertical tab typed in a patient name): taken for a frame start, it
# had cut its message unread and held every later one as a frame that never ends (bare HL7 sends
# no 0x1C), up to 1 MiB.
_BARE_END = re.compile(rb"[\r\n](?=MSH\|)|\x0b(?=MSH\|)|\x1c")
# Where an open MLLP frame meets the next message before its 0x1C: the sender gave that frame up
# (or its 0x0B was a stray byte in a bare stream).
_NEXT_MESSAGE = re.compile(rb"(?<=[\r\n])MSH\||\x0b(?=MSH\|)")
_BLANKS = re.compile(rb"[\r\n\t \x00]*")
_FRAME_START = re.compile(rb"\x0b|MSH\|")
# A message's MSH-1 and MSH-2 as it opens: "MSH|", the encoding characters ("^~\&"; a fifth,
# the truncation character "#", from v2.7) and the next field separator.
_HEADER = re.compile(rb"MSH\|[!-/:-@\[-`{}~]{4,5}\|")
# A segment row: a segment id (a letter, then two letters or digits) and a field separator.
_SEGMENT_ROW = re.compile(rb"[\r\n\t \x00]*[A-Z][A-Z0-9]{2}\|")
_STANDARD_HEADER = b"MSH|^~\\&|"


def split_mllp(buffer: bytes, final: bool = False, max_frame: int = MAX_HL7_FRAME, *,
               whole_at_end: bool = False, rest_of_message: str = "",
               envelope_only: bool = False) -> Split:
    """Split HL7 messages out of `buffer`, with or without MLLP envelopes.

    Args:
        buffer: bytes received so far and not yet framed.
        final: the stream ended: a bare message runs to the end, an open MLLP frame is dropped.
            A bare message's last segment without its terminator (CR or LF) was cut by the end
            of the stream (a port closed mid-message, a capture file cut short): it is dropped
            as `truncated-frame` and the message is kept without it, unless `whole_at_end`.
        max_frame: longest message kept; longer ones are dropped as `frame-too-long`.
        whole_at_end: the end of `buffer` is the end of a message (one UDP datagram), so a
            last segment without a terminator is whole.
        rest_of_message: the message before `buffer` was taken at a quiet (bare HL7), whole
            or without a row the quiet cut; says how (`MllpFramer.quiet`): the bytes at its
            start, before any message start, are that message's rest, whether they begin at a
            segment id or inside the cut row, dropped as CUT_MESSAGE (an alarm), not as garbage.
        envelope_only: every 0x0B opens a frame, whatever follows it: an interface engine's
            answer over MLLP (`console.network.mllp_sender`), which may be an MSA alone or an
            MSH with its own field separator (MSH-1 is any character), and which no line noise
            reaches. Without it a 0x0B opens a frame only before `MSH|` (`_frame_start`).

    Returns:
        The complete messages (MLLP ones marked `mllp=True`), the leftover and the drops.
    """
    out = Split()
    pos = 0
    n = len(buffer)
    while pos < n:
        start = _frame_start(buffer, pos, envelope_only)
        if start < 0:
            tail = buffer[pos:]
            if final:
                if tail.strip(b"\r\n\t \x00"):
                    out.dropped.append(
                        _cut(tail, rest_of_message) if pos == 0 and _rest(rest_of_message, tail)
                        else _garbage(tail, "without a frame start at end of stream"))
                pos = n
                break
            # Keep only what could be the beginning of "MSH|"; the rest can never start a frame.
            keep = 3
            if len(tail) > _MAX_GARBAGE:
                out.dropped.append(_garbage(tail[:-keep], "without a frame start (0x0B or MSH|)"))
                pos = n - keep
            break
        junk = buffer[pos:start]
        if junk.strip(b"\r\n\t \x00"):
            # Typically the tail of a frame the capture or connection started in the middle of;
            # right after a message taken at a quiet, it is that message's rest: after a cut
            # at the long quiet it starts inside the cut row (an RR 7 row after it had been
            # counted as garbage, no alarm).
            out.dropped.append(
                _cut(junk, rest_of_message) if pos == 0 and _rest(rest_of_message, junk) else
                _garbage(junk, "before a frame start (stream began mid-frame?)"))
        pos = start
        if buffer[pos : pos + 1] == MLLP_START:
            pos, done = _take_mllp(buffer, pos, final, max_frame, out)
        else:
            pos, done = _take_bare(buffer, pos, final, max_frame, out, whole_at_end)
        if not done:
            break
    out.rest = buffer[pos:]
    return out


def _rest(after: str, data: bytes) -> bool:
    """Whether `data`, before any message start, is the rest of a message taken at a quiet
    (`after` says how, "" when the last message was not): anything but blanks and envelope
    bytes (a stray 0x1C is no row)."""
    return bool(after) and bool(data.strip(b"\r\n\t \x00\x0b\x1c"))


def _start_tail(data: bytes) -> int:
    """How many bytes at the end of `data` may be the start of the next "MSH|" (0 to 3)."""
    return next((n for n in (3, 2, 1) if data.endswith(b"MSH|"[:n])), 0)


def _frame_start(buffer: bytes, pos: int, envelope_only: bool = False) -> int:
    """Where the next message starts at or after `pos` ("MSH|", or 0x0B before one), or -1.

    A 0x0B opens an MLLP frame only when what follows it, blanks aside, is "MSH|", or may yet be
    (the buffer ends first: it waits for the next read). Any other 0x0B is line noise, skipped
    with the garbage around it (devices.md: "resynchronise on 0x0B, and accept bare HL7 too"):
    taken for a frame start, it held the next bare message as that frame's body, never read at
    a pause, then dropped as `truncated-frame` when the next message came (a review: an SpO2 85
    lost without an alarm).
    """
    while (start := _FRAME_START.search(buffer, pos)) is not None:
        at = start.start()
        if buffer[at : at + 1] != MLLP_START or envelope_only:
            return at
        blanks = _BLANKS.match(buffer, at + 1)   # always matches (maybe nothing)
        after = blanks.end() if blanks is not None else at + 1
        if b"MSH|".startswith(buffer[after : after + 4]):
            return at
        pos = at + 1
    return -1


def _take_mllp(buffer: bytes, pos: int, final: bool, max_frame: int, out: Split) -> tuple[int, bool]:
    """Take one MLLP frame starting at `pos`; return (new position, whether to continue)."""
    body = pos + 1
    end = buffer.find(MLLP_END, body)
    # Looked for after the frame's own MSH (blanks before it are no fragment).
    blanks = _BLANKS.match(buffer, body)   # always matches (maybe nothing)
    own = blanks.end() if blanks is not None else body
    own += buffer.startswith(b"MSH|", own)
    restart = _NEXT_MESSAGE.search(buffer, own, end if end >= 0 else len(buffer))
    if restart is not None:
        # The next message before this frame's 0x1C: the sender gave up on this frame (or bytes
        # were lost, or its 0x0B was a stray byte in a bare stream). Resynchronise on the next
        # message; the fragment cannot be trusted.
        at = restart.start()
        out.dropped.append(
            Dropped("truncated-frame", f"MLLP frame without 0x1C end, {at - body} bytes: "
                    f"{_preview(buffer[body:at])}")
        )
        return at, True
    if end < 0:
        if len(buffer) - body > max_frame:
            out.dropped.append(
                Dropped("frame-too-long", f"MLLP frame over {max_frame} bytes without 0x1C end; "
                        "discarded, waiting for the next 0x0B")
            )
            return len(buffer), False
        if final:
            out.dropped.append(
                Dropped("truncated-frame", f"stream ended inside an MLLP frame, "
                        f"{len(buffer) - body} bytes: {_preview(buffer[body:])}")
            )
            return len(buffer), False
        return pos, False
    # The frame is whole at its 0x1C: taken now, not when the next bytes come. Senders that
    # omit the trailing 0x0D exist (a QA run: each message waited for the next one, its ACK and
    # its SpO2 85 alarm 15 s late); a trailer that comes in the next read is a lone CR before
    # the next frame's start, which the splitter passes over as it does any CR or LF there.
    out.frames.append(Frame(buffer[body:end], mllp=True))
    nxt = end + 1
    if buffer[nxt : nxt + 1] == MLLP_TRAILER:
        nxt += 1
    return nxt, True


def _take_bare(buffer: bytes, pos: int, final: bool, max_frame: int, out: Split,
               whole_at_end: bool = False) -> tuple[int, bool]:
    """Take one bare HL7 message starting at `pos` (at "MSH|"); return (new position, continue)."""
    m = _BARE_END.search(buffer, pos + 4)
    restart = _header_inside_segment(buffer, pos, m.start() if m is not None else len(buffer))
    if restart >= 0:
        whole = buffer[pos:restart]
        message = _without_cut_segment(whole, out, _CUT_BY_NEXT_MESSAGE, CUT_MESSAGE)
        if message:
            # Its ACK must not say AA: the monitor would never resend the row lost here.
            out.frames.append(Frame(message, cut=message != whole))
        return restart, True
    if m is None:
        if len(buffer) - pos > max_frame:
            out.dropped.append(
                Dropped("frame-too-long", f"bare HL7 message over {max_frame} bytes without a "
                        "following MSH; discarded")
            )
            return len(buffer), False
        if final:
            message = buffer[pos:]
            if not whole_at_end:
                message = _without_cut_segment(message, out, _CUT_BY_END_OF_STREAM)
            if message:
                out.frames.append(Frame(message))
            return len(buffer), False
        # The message ends only where the next one starts: wait (it is one message late).
        return pos, False
    cut = m.start()
    if buffer[cut : cut + 1] in (b"\r", b"\n"):
        cut += 1  # keep the segment terminator with the message it ends
    elif buffer[cut : cut + 1] == MLLP_START:
        # The next message, enveloped, starts here: a row it starts inside is cut, as by a
        # bare header (`_header_inside_segment`).
        whole = buffer[pos:cut]
        message = _without_cut_segment(whole, out, _CUT_BY_NEXT_MESSAGE, CUT_MESSAGE)
        if message:
            out.frames.append(Frame(message, cut=message != whole))
        return cut, True
    nxt = cut
    enveloped = buffer[nxt : nxt + 1] == MLLP_END
    # Ended by 0x1C: an MLLP frame whose 0x0B was lost (stream began on it); answer in MLLP.
    out.frames.append(Frame(buffer[pos:cut], mllp=enveloped))
    if enveloped:
        nxt += 1
        if buffer[nxt : nxt + 1] == MLLP_TRAILER:
            nxt += 1
    return nxt, True


def _header_inside_segment(buffer: bytes, pos: int, end: int) -> int:
    """Where the next message's header starts inside a segment of the bare message at `pos`
    (before `end`, where that message ends otherwise), or -1.

    A sender that starts again mid-message (a power blip, a port reopened) sends the next "MSH"
    straight after the cut bytes, without a CR: `...|80|2660MSH|^~\\&|...`. Joined, the cut row
    and the next message's MSH read as one row and the next message's rows as this one's. The
    header looked for is this message's own MSH-1 and MSH-2: in field text those characters are
    delimiters, and the escape character among them only opens an escape (`\\F\\`, `\\S\\`), so
    they never follow "MSH|" in a field. "MSH|" alone can (an OBX-5 or NTE text ending in "MSH").
    A message whose own header is itself cut short is looked through for the standard one.
    """
    own = _HEADER.match(buffer, pos)
    header = own.group() if own is not None else _STANDARD_HEADER
    return buffer.find(header, pos + (len(header) if own is not None else 4), end)


_CUT_BY_END_OF_STREAM = "the stream ends inside a segment (no CR or LF after it)"
_CUT_BY_NEXT_MESSAGE = "row cut by the next message's MSH (no CR or LF before it)"
_CUT_BY_QUIET = f"row cut by a {QUIET_CUT_SECONDS:g} s quiet on the line (no CR or LF after it)"
# How the message before a rest was taken at a quiet (`MllpFramer.quiet`), for its drop's text.
_TAKEN_WHOLE = "a 0.5 s pause inside a message"
_TAKEN_CUT = f"a {QUIET_CUT_SECONDS:g} s quiet inside a row"


def _without_cut_segment(message: bytes, out: Split, where: str,
                         reason: str = "truncated-frame") -> bytes:
    """A bare message without its last segment when that has no terminator: the end of the
    stream, the next message's header or a long quiet on the line (`where` says which) came
    inside it, so its last field may be cut (QA: a capture cut after `|80|266016^MDC_DIM_MMHG`
    gave a whole-looking diastolic row, and the mean row after it was never mentioned). Reported
    as `reason`: `truncated-frame` at the end of the stream; CUT_MESSAGE when the next message
    or the quiet cut it, a row of a message the console reads and answers, so a technical alarm
    as the rest of a paused message is (it had been a count only, a diastolic lost without a
    word). b"" when nothing whole is left."""
    body = message.rstrip(b"\t \x00")
    if not body or body[-1:] in (b"\r", b"\n"):
        return message
    cut = max(body.rfind(b"\r"), body.rfind(b"\n")) + 1
    segment = body[cut:]
    kept = f"the {_segment_count(body[:cut])} segment(s) before it kept" if cut else \
        "nothing of the message kept"
    # Its start names the row, its end shows where it was cut.
    shown = _preview(segment, 120) if len(segment) <= 120 else \
        f"{_preview(segment[:70], 70)}...{_preview(segment[-40:], 40)}"
    if reason == CUT_MESSAGE:
        # The row first: the alarm's detail shows the start of this text only.
        guess = " (the sender started again mid-message?)" if where == _CUT_BY_NEXT_MESSAGE else ""
        out.dropped.append(Dropped(reason, f"{where}, not read: {shown}; {kept}{guess}"))
    else:
        out.dropped.append(Dropped(reason, f"{where}: dropped, as its last field may be "
                                   f"cut and what followed it is lost; {kept}: {shown}"))
    return body[:cut] if cut else b""


def _segment_count(data: bytes) -> int:
    return sum(1 for s in re.split(rb"[\r\n]", data) if s.strip())


class MllpFramer:
    """Stateful HL7 framer: MLLP envelopes and bare messages, in any chunking."""

    def __init__(self, max_frame: int = MAX_HL7_FRAME, *, whole_at_end: bool = False,
                 envelope_only: bool = False) -> None:
        """Create an empty framer.

        Args:
            max_frame: longest message kept (bytes).
            whole_at_end: what `flush` has is whole even without a last terminator (one UDP
                datagram); else a bare message's unterminated last segment is dropped at the
                end of the stream (`split_mllp`).
            envelope_only: every 0x0B opens a frame (an interface engine's answers: `split_mllp`).
        """
        self._buffer = b""
        self._max = max_frame
        self._whole_at_end = whole_at_end
        self._envelope_only = envelope_only
        # How the last message was taken at a quiet ("" when it was not): the bytes after it,
        # up to the next message's start, are its rows not read (`split_mllp` rest_of_message).
        self._taken_at_quiet = ""

    @property
    def pending(self) -> bytes:
        """Bytes held for a frame not yet complete."""
        return self._buffer

    def push(self, data: bytes) -> Split:
        """Add `data` and return the frames it completed."""
        buffer = self._buffer + data
        result = split_mllp(buffer, final=False, max_frame=self._max,
                            rest_of_message=self._taken_at_quiet,
                            envelope_only=self._envelope_only)
        self._buffer = result.rest
        if _frame_start(buffer, 0, self._envelope_only) >= 0:
            self._taken_at_quiet = ""   # the next message has begun: what follows is its own
        return result

    def flush(self) -> Split:
        """End of stream: return a trailing bare message, drop a partial MLLP frame."""
        result = split_mllp(self._buffer, final=True, max_frame=self._max,
                            whole_at_end=self._whole_at_end, rest_of_message=self._taken_at_quiet,
                            envelope_only=self._envelope_only)
        self._buffer = b""
        self._taken_at_quiet = ""
        return result

    def quiet(self, seconds: float = 0.0) -> Split:
        """The line has gone quiet: a bare message whose last segment has ended is whole.

        Bare HL7 marks no end: a message was taken only when the next one began, so a sender
        that waits for its ACK got none, and a monitor sending every few minutes (NIBP alone)
        alarmed that late (a QA run: SpO2 85 raised 15 s late, with a false "no data" alarm
        meanwhile). An MLLP frame still waits. NUL, tab or space after the last terminator is
        padding (serial adapters add NULs, devices.md), not a segment begun: a message padded so
        had waited for the next one. A bare message cut inside a segment waits QUIET_CUT_SECONDS
        for the rest of its row, then is read without it, as `_cut_at_quiet` says. Bytes held
        with no message start are said at the same quiets, as `_leftover_at_quiet` says.

        Args:
            seconds: how long the line has been quiet since its last bytes.
        """
        held = self._buffer
        if _frame_start(held, 0, self._envelope_only) < 0:
            return self._leftover_at_quiet(seconds)
        if not held.lstrip(b"\r\n\t \x00").startswith(b"MSH|"):
            return Split(rest=held)   # an open MLLP frame ends at its 0x1C
        if not held.rstrip(b"\t \x00").endswith((b"\r", b"\n")):
            if seconds < QUIET_CUT_SECONDS:
                return Split(rest=held)
            return self._cut_at_quiet()
        whole = self.flush()
        self._taken_at_quiet = _TAKEN_WHOLE if whole.frames else ""
        return whole

    def _leftover_at_quiet(self, seconds: float) -> Split:
        """Held bytes with no message start, on a quiet line: dropped now, not when a next
        message comes (one may never come: rows of a message taken at a quiet had been held
        without a word, an RR 7 among them). After a message taken at a quiet they are its
        rows not read, a CUT_MESSAGE (the alarm); else noise, `garbage` as ever. Ending inside a
        row they wait QUIET_CUT_SECONDS, as a message does, so a row the sender is still
        sending is said once. A tail that may begin the next "MSH|" is kept for it. Nothing is
        answered for them: they carry no MSH-10 (their message's answer, AE or AA, went)."""
        held = self._buffer
        keep = _start_tail(held)
        junk = held[:len(held) - keep]
        if not junk.strip(b"\r\n\t \x00"):
            return Split(rest=held)
        if not junk.rstrip(b"\t \x00").endswith((b"\r", b"\n")) and seconds < QUIET_CUT_SECONDS:
            return Split(rest=held)
        self._buffer = held[len(junk):]
        after = self._taken_at_quiet
        return Split(rest=self._buffer, dropped=[
            _cut(junk, after) if _rest(after, junk) else
            _garbage(junk, "without a frame start (0x0B or MSH|), then a quiet line")])

    def _cut_at_quiet(self) -> Split:
        """The held bare message, quiet QUIET_CUT_SECONDS inside its last segment: its whole
        segments are the message, the row without its CR or LF is dropped (its last field may be
        cut). Marked `cut`, so its answer is AE, never AA, and the drop is a CUT_MESSAGE, which
        raises "Monitor message not read": a row of a message the console reads and answers.
        `push` left one bare message alone held (blanks before it aside): anything ending it
        (the next header, 0x0B MSH|, 0x1C) would have been framed there."""
        held = self._buffer
        whole = held[held.find(b"MSH|"):]
        out = Split()
        message = _without_cut_segment(whole, out, _CUT_BY_QUIET, CUT_MESSAGE)
        if message:
            out.frames.append(Frame(message, cut=message != whole))
        self._buffer = b""
        # Even when nothing of it was whole (its MSH row cut): its rows may still come.
        self._taken_at_quiet = _TAKEN_CUT
        return out


# ---------------------------------------------------------------------------------------------
# Lines


_LINE_END = re.compile(rb"\r\n|\r|\n")


def split_lines(
    buffer: bytes, final: bool = False, at_line_start: bool = False, max_line: int = MAX_LINE
) -> tuple[Split, bool]:
    """Split terminated lines out of `buffer` (CR, LF or CR LF; NULs removed; blank lines skipped).

    Args:
        buffer: bytes received so far and not yet framed.
        final: the stream ended: an unterminated last line is still returned.
        at_line_start: whether `buffer` is known to start at a line start. When False, the first
            line returned is marked `maybe_partial` (a port opened mid-line).
        max_line: longest line kept; longer ones are dropped as `line-too-long`.

    Returns:
        (split, at_line_start afterwards).
    """
    out = Split()
    # NUL bytes precede records on some serial adapters (devices.md); they are never data.
    if b"\x00" in buffer:
        buffer = buffer.replace(b"\x00", b"")
    pos = 0
    for m in _LINE_END.finditer(buffer):
        line = buffer[pos : m.start()]
        pos = m.end()
        if len(line) > max_line:
            out.dropped.append(Dropped("line-too-long", f"{len(line)} bytes, over {max_line}: "
                                       f"{_preview(line)}"))
        elif line.strip():
            out.frames.append(Frame(line, maybe_partial=not at_line_start))
        at_line_start = True
    rest = buffer[pos:]
    if final:
        if rest.strip():
            out.frames.append(Frame(rest, maybe_partial=not at_line_start))
        rest = b""
    elif len(rest) > max_line:
        out.dropped.append(Dropped("line-too-long", f"over {max_line} bytes without a line end: "
                                   f"{_preview(rest)}"))
        rest = b""
        at_line_start = False  # the next line starts wherever the discarded one ended
    out.rest = rest
    return out, at_line_start


class LineFramer:
    """Stateful line framer; the first line after opening is flagged as possibly partial."""

    def __init__(self, at_line_start: bool = False, max_line: int = MAX_LINE) -> None:
        """Create an empty framer.

        Args:
            at_line_start: the stream is known to begin at a line start (a file, not a port).
            max_line: longest line kept (bytes).
        """
        self._buffer = b""
        self._at_line_start = at_line_start
        self._max = max_line

    def push(self, data: bytes) -> Split:
        """Add `data` and return the lines it completed."""
        result, self._at_line_start = split_lines(
            self._buffer + data, False, self._at_line_start, self._max
        )
        self._buffer = result.rest
        return result

    def flush(self) -> Split:
        """End of stream: return an unterminated last line."""
        result, self._at_line_start = split_lines(self._buffer, True, self._at_line_start, self._max)
        self._buffer = b""
        return result


# ---------------------------------------------------------------------------------------------
# ANSAR-B


def split_ansar_b(
    buffer: bytes, final: bool = False, max_records: int = MAX_ANSAR_B_RECORDS
) -> Split:
    """Split ANSAR-B frames out of `buffer`; each frame's payload is its ASCII record block.

    The 400 waveform bytes are skipped by count, not scanned, because waveform samples may take
    any byte value. A new header inside a frame means bytes were lost: resynchronise on it.

    Args:
        buffer: bytes received so far and not yet framed.
        final: the stream ended: an open frame is dropped as `truncated-frame`.
        max_records: longest record block kept before the closing 0xFE.

    Returns:
        The complete frames (payload = record bytes), the leftover and the drops.
    """
    out = Split()
    pos = 0
    n = len(buffer)
    hlen = len(ANSAR_B_HEADER)
    while pos < n:
        start = buffer.find(ANSAR_B_HEADER, pos)
        if start < 0:
            tail = buffer[pos:]
            if final:
                if tail:
                    out.dropped.append(Dropped("partial-frame", f"{len(tail)} bytes without an "
                                               "ANSAR-B header at end of stream"))
                pos = n
            elif len(tail) > _MAX_GARBAGE:
                out.dropped.append(_garbage(tail[: -(hlen - 1)], "without an ANSAR-B header"))
                pos = n - (hlen - 1)
            break
        if start > pos:
            # Usually the end of a frame the capture started in (the Ivy sample opens that way).
            out.dropped.append(Dropped("partial-frame", f"{start - pos} bytes before the first "
                                       "ANSAR-B header (stream began mid-frame)"))
        records_at = start + hlen + ANSAR_B_WAVEFORM_BYTES
        again = buffer.find(ANSAR_B_HEADER, start + 1)
        end = buffer.find(ANSAR_B_END, records_at) if records_at <= n else -1
        if again >= 0 and (end < 0 or again < end):
            out.dropped.append(Dropped("truncated-frame", f"ANSAR-B frame of {again - start} bytes "
                                       "cut short by the next header"))
            pos = again
            continue
        if end < 0:
            if records_at < n and n - records_at > max_records:
                out.dropped.append(Dropped("frame-too-long", f"over {max_records} record bytes "
                                           "without the closing 0xFE"))
                pos = n
            elif final:
                out.dropped.append(Dropped("truncated-frame", f"stream ended inside an ANSAR-B "
                                           f"frame ({n - start} bytes)"))
                pos = n
            else:
                pos = start
            break
        out.frames.append(Frame(buffer[records_at:end]))
        pos = end + 1
    out.rest = buffer[pos:]
    return out


class AnsarBFramer:
    """Stateful ANSAR-B framer."""

    def __init__(self, max_records: int = MAX_ANSAR_B_RECORDS) -> None:
        """Create an empty framer.

        Args:
            max_records: longest record block kept (bytes).
        """
        self._buffer = b""
        self._max = max_records

    def push(self, data: bytes) -> Split:
        """Add `data` and return the frames it completed."""
        result = split_ansar_b(self._buffer + data, False, self._max)
        self._buffer = result.rest
        return result

    def flush(self) -> Split:
        """End of stream: drop a partial frame."""
        result = split_ansar_b(self._buffer, True, self._max)
        self._buffer = b""
        return result


class Framer(Protocol):
    def push(self, data: bytes) -> Split: ...

    def flush(self) -> Split: ...


FrameDecode = Callable[[Frame, datetime], DecodeResult]


class FramedDecoder:
    """A StreamDecoder made of a framer and a function that decodes one frame.

    Both are guarded: a framer bug drops what it held, a decoding bug drops that one frame, and
    the stream goes on either way, since a decoder must never raise (quality bar R3).
    """

    def __init__(self, framer: Framer, decode: FrameDecode) -> None:
        self._framer = framer
        self._decode = decode

    def feed(self, data: bytes, received_at: datetime) -> DecodeResult:
        """Consume `data` (any size, any split) and return what the completed frames yielded."""
        return self._run(lambda: self._framer.push(data), received_at)

    def flush(self, received_at: datetime) -> DecodeResult:
        """End of stream: decode what the framer can complete without a terminator."""
        return self._run(self._framer.flush, received_at)

    def quiet(self, received_at: datetime, seconds: float = 0.0) -> DecodeResult:
        """The line has been quiet `seconds` (`QUIET_END_SECONDS`, then QUIET_CUT_SECONDS):
        decode a frame that ends by silence (`MllpFramer.quiet`)."""
        framer = self._framer
        if not isinstance(framer, MllpFramer):
            return DecodeResult()
        return self._run(lambda: framer.quiet(seconds), received_at)

    def _run(self, step: Callable[[], Split], received_at: datetime) -> DecodeResult:
        result = DecodeResult()
        try:
            split = step()
        except Exception as exc:  # noqa: BLE001 - the stream survives a framer bug
            result.dropped.append(Dropped(DECODER_ERROR, f"framer: {type(exc).__name__}: {exc}"))
            return result
        result.dropped.extend(split.dropped)
        for frame in split.frames:
            try:
                result.extend(self._decode(frame, received_at))
            except Exception as exc:  # noqa: BLE001 - one bad frame must not stop the stream
                result.frames += 1
                result.dropped.append(Dropped(DECODER_ERROR, f"{type(exc).__name__}: {exc}"))
        return result

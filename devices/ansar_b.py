"""Ivy 450C ANSAR-B records: heart rate, respiration, SpO2 and pulse, NIBP.

Each frame (see framing.split_ansar_b) ends in CR-separated ASCII records, `LABEL=f0;f1;...;`.
Field meanings, worked out from the Ivy 450C capture in shared/device-samples and devices.md:

- `HR=1;80;ECG-II-DIAG;`        f1 heart rate (beats/min); f2 ECG lead and filter text.
- `RR=1;35;APNEA: 20 SEC;`      f1 respiratory rate (breaths/min); f2 the apnoea alarm setting.
- `SPO2=1;100;PR=80 ;`          f1 SpO2 (%); f2 `PR=<pulse rate>` (space padded).
- `NIBP=4;121;75;92;80;;`       f1 systolic, f2 diastolic, f3 mean (mmHg), f4 cuff pulse rate,
                                f5 message text.
- `ETCO2=1;;;`, `P1=3;111;73;88;;`, `P2=3;;;;NO TRANSDUCER;`, `T1=1;;;`, `T2=1;;;`: EtCO2, the
  two invasive pressure channels and two temperatures: not vitals this console shows.

f0 is a small status/mode number whose meaning no public source states (1 for most records, 4 for
NIBP, 3 for the IBP channels); it is not used. An empty field (`;;`) means no value.

The records carry no time: measured_at is None. An NIBP record without systolic, diastolic and
mean (`NIBP=4;;;;;;`, sent until the first cuff measurement) is dropped whole as `nibp-empty`;
one damaged on the line (`_damaged_nibp`) is dropped whole before the NIBP memory sees it (counted:
the monitor sends it again in its next frame); one with a value marked missing (`NIBP=4;210;;150;`)
is read without it. The NIBP record is repeated in every frame until
the next cuff measurement, with no measurement time or counter (devices.md: "NIBP is repeated in
every message ...: deduplicate ...; never present it as 'now'"). `AnsarBDecoder` therefore reports
an NIBP (and its cuff pulse) once, timed at the frame where the record's status and triple first
appear, and drops each repeat as `nibp-repeat` (counted by `decode`; stream.NOTHING_NEW): the
console shows it from when it first came. A record one field apart from the one before waits for
the next frame (`HeldNibp`): a byte changed on the line can leave a plausible cuff (121/75 read as
121/65), and when the next frame brings the record before back, the changed one is dropped as
damaged. The NIBP record of the stream's first frame is a measurement taken before
the console connected, at a time nothing tells (minutes or hours before, perhaps the previous
patient's): its readings carry the `AGE_UNKNOWN` flag, and the tile shows them stale with the time
unknown; no trend draws them. A later change of the record is a measurement the console saw come, so its receive time
is its time within a frame. Reading.channel is the record label (`SPO2`, `NIBP`), which keeps the
oximeter's pulse apart from the cuff's; the cuff's pulse also carries the `NIBP` flag
(reading.NIBP_PULSE), which tells the console it is part of the cuff measurement and not a
continuous pulse source. Reading.source is `ansar-b:<hint>`, or `ansar-b` without
a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from protocols.vitals import MMHG, PER_MIN_BEATS, PER_MIN_BREATHS, PERCENT
from devices.framing import AnsarBFramer, FramedDecoder
from devices.reading import AGE_UNKNOWN, NIBP_PULSE, Reading, is_cuff_pulse
from devices.stream import (
    IMPOSSIBLE_BP,
    NOT_MONITORED,
    DecodeResult,
    Dropped,
    NibpRows,
    UnplacedNibp,
    nibp_rows,
    outside_hard_range,
    pressures_in_order,
)

_NUMBER = re.compile(r"^\d{1,4}(?:\.\d+)?$")
# Label -> ((field index, metric, unit), ...). SPO2's pulse is parsed from its `PR=` field.
_LAYOUT: dict[str, tuple[tuple[int, str, str], ...]] = {
    "HR": ((1, "heart_rate", PER_MIN_BEATS),),
    "RR": ((1, "resp_rate", PER_MIN_BREATHS),),
    "SPO2": ((1, "spo2", PERCENT), (2, "pulse_rate", PER_MIN_BEATS)),
    "NIBP": ((1, "bp_systolic", MMHG), (2, "bp_diastolic", MMHG), (3, "bp_mean", MMHG),
             (4, "pulse_rate", PER_MIN_BEATS)),
}
_NOT_SHOWN = {"ETCO2": "EtCO2", "P1": "invasive pressure 1 (not NIBP)",
              "P2": "invasive pressure 2 (not NIBP)", "T1": "temperature 1", "T2": "temperature 2"}
# Device "no value" markers, as in HL7 (devices.md): never shown as numbers.
_NO_VALUE = frozenset({"", "-", "--", "---", "?"})
_NO_FLAGS: frozenset[str] = frozenset()
_ON_MONITOR_AT_CONNECT = frozenset({AGE_UNKNOWN})
_NOT_READ = "the record is not read (the monitor sends it again in its next frame)"


class NibpRepeats(UnplacedNibp):
    """The last NIBP record of one stream, so that each cuff measurement is reported once.

    Rule: a record whose f0 status, systolic, diastolic and mean equal the previous frame's is
    the same measurement repeated. With no time or counter in the format, it cannot tell two
    consecutive measurements with equal values (and equal status) apart: the second one is taken
    for a repeat and the first one's reading stands. A measurement equal to an earlier one but
    not to the one just before it is reported again. The cuff pulse (f4) and message (f5) are
    not in the rule: they belong to the measurement the triple names (the simulator even sends
    the current pulse there), so a change in them alone is no new measurement.

    It is the shared `UnplacedNibp` with one channel, `NIBP`: kept by the connection across
    reopens, forgotten when a frame's readings are not taken; `values_seen` is set once this
    connection's first NIBP record was seen (that one was on the monitor before it connected).
    Any `UnplacedNibp` serves. After "Restart and resume" it starts from the session's log
    (`UnplacedNibp.resume`): a record whose pressures are those of the source's newest cuff
    logged is that cuff, still shown (it had been logged again, "measured at an unknown time").
    """


@dataclass(frozen=True, slots=True)
class _Changed:
    """An NIBP record unlike the one before it, read in one frame: its `sent` (f0..f3), its
    readings (timed at that frame), its `values` for `UnplacedNibp.is_repeat`, and the record
    before it (None: none)."""

    sent: tuple[str, ...]
    record: DecodeResult
    values: tuple[str, NibpRows]
    before: object


@dataclass(slots=True)
class HeldNibp:
    """An Ivy's changed NIBP record, held one frame before it is reported (the line has no
    checksum, and a changed byte can leave a plausible cuff: 121/75/92 read as 121/65/92).

    Rules: a record that differs from the one before it in one field (status, systolic,
    diastolic or mean: `_one_field_apart`), a new cuff or that record with a byte changed on
    the line, waits for the next frame's NIBP record. If that brings the record before it back
    (A, B, A), B was A damaged: dropped (`bad-frame`, counted; the monitor sent A again) and A
    stays one measurement. Otherwise B is reported, timed at its own frame, and that record is
    judged as any. A record that differs in more fields is no single changed byte: a new cuff,
    reported at once. The stream's end (`AnsarBDecoder.flush`: the port closed) reports what
    is held, so a cuff is never lost. The first record of a connection is reported at once, of
    unknown age (nothing came before it to compare); when the next is one field apart, that one
    is of unknown age too (`first_once`: either may be the other damaged). A damaged record
    (`_damaged_nibp`) leaves what is held as it is.

    It belongs to one decoder (a stream between an open and a close): an ANSAR-B frame comes
    every second and carries no acknowledgement, so nothing waits on it but the next frame.
    """

    # The changed record waiting for the next frame's; None when none waits.
    waiting: _Changed | None = None
    # The last record was the connection's first with values, shown in one frame so far.
    first_once: bool = False

    def hold(self, changed: _Changed) -> None:
        self.waiting = changed

    def settle(self, result: DecodeResult, nibp: UnplacedNibp,
               sent: tuple[str, ...]) -> bool:
        """The next whole record (`sent`) came: report or drop what waits into `result`.
        Returns `first_once` as it was (the record before `sent` seen in one frame only)."""
        first_once, self.first_once = self.first_once, False
        waiting, self.waiting = self.waiting, None
        if waiting is None:
            return first_once
        if sent == waiting.before:
            result.dropped.append(Dropped(
                "bad-frame", f"NIBP={';'.join(waiting.sent)}: shown in one frame only, between "
                f"two of NIBP={';'.join(sent)} (a byte changed on the line); {_NOT_READ}"))
            return False
        self.report(result, nibp, waiting)
        return False

    def flush(self, result: DecodeResult, nibp: UnplacedNibp) -> None:
        """The stream ended: what waits is reported (nothing after it can say it was damaged)."""
        waiting, self.waiting = self.waiting, None
        if waiting is not None:
            self.report(result, nibp, waiting)

    @staticmethod
    def report(result: DecodeResult, nibp: UnplacedNibp, changed: _Changed) -> None:
        if nibp.is_repeat("NIBP", changed.sent, result, changed.values):
            return   # taken meanwhile (cannot happen while it waits: the memory saw it not)
        result.readings.extend(changed.record.readings)
        result.dropped.extend(changed.record.dropped)


def decode_records(block: bytes, received_at: datetime, *, source_hint: str = "",
                   nibp: UnplacedNibp | None = None, held: HeldNibp | None = None
                   ) -> DecodeResult:
    """Decode one frame's ASCII record block.

    Args:
        block: the bytes between the waveform and 0xFE (CR-separated records; LF also accepted).
        received_at: host time the frame arrived (UTC, aware).
        source_hint: the transport's device name.
        nibp: the stream's NIBP memory; a repeated NIBP record is dropped as `nibp-repeat`, the
            stream's first one is flagged `AGE_UNKNOWN`. None decodes every NIBP record as a
            first one (one frame on its own).
        held: the stream's `HeldNibp` (with `nibp`): a changed NIBP record is reported from the
            next frame, or dropped as damaged. None reports it in its own frame.

    Returns:
        Readings in record order and what was dropped (`frames` is 1).
    """
    result = DecodeResult(frames=1)
    source = f"ansar-b:{source_hint.strip()}" if source_hint.strip() else "ansar-b"
    text = block.replace(b"\x00", b"").decode("latin-1")
    for record in re.split(r"[\r\n]+", text):
        record = record.strip()
        if not record:
            continue
        label, eq, rest = record.partition("=")
        label = label.strip().upper()
        if not eq or not label.isalnum():
            result.dropped.append(Dropped("bad-frame", f"record {record[:40]!r} is not LABEL=..."))
            continue
        if label in _NOT_SHOWN:
            result.dropped.append(Dropped(NOT_MONITORED, f"{label}: {_NOT_SHOWN[label]} is not "
                                          "a vital this console shows"))
            continue
        if label not in _LAYOUT:
            result.dropped.append(Dropped("unknown-code", f"record label {label!r} is not one we "
                                          f"know ({', '.join([*_LAYOUT, *_NOT_SHOWN])})"))
            continue
        fields = rest.split(";")
        flags = _NO_FLAGS
        if label != "NIBP":
            _read_record(result, label, fields, flags, received_at, source)
            continue
        if nibp is None or not nibp.values_seen:
            flags = _ON_MONITOR_AT_CONNECT
        damaged = _damaged_nibp(fields, rest)
        if damaged is not None:
            # Judged whole before the memory sees it: a record that lost a byte on the line
            # (no checksum) had become "the last record", logged as a new cuff, and the next
            # whole frame's old cuff (of unknown age) a second one "measured now". The monitor
            # sends the record again in its next frame.
            result.dropped.append(damaged)
            continue
        sent = tuple(f.strip() for f in (fields + [""] * 4)[:4])   # f0..f3 (NibpRepeats)
        empty = all(f.strip() in _NO_VALUE for f in sent[1:4])
        near = False
        if held is not None and nibp is not None:
            first_once = held.settle(result, nibp, sent)
            near = not empty and _one_field_apart(sent, nibp.last(label))
            if first_once and near:
                # The first record with values was shown in one frame only: it may have been
                # this one changed on the line, so this one may be the cuff on the monitor at
                # connect too (its age unknown).
                flags = _ON_MONITOR_AT_CONNECT
            held.first_once = not nibp.values_seen and not empty
        record = DecodeResult()
        _read_record(record, label, fields, flags, received_at, source)
        # After "Restart and resume" the source's cuff in the session's log stands for the frame
        # before, compared by the pressures the rule names (an Ivy still showing it had it
        # logged again, "measured at an unknown time").
        pressures = nibp_rows(r for r in record.readings if not is_cuff_pulse(r))
        if held is not None and nibp is not None and nibp.values_seen and near:
            # What one byte changed on the line can make of the record before: reported once
            # the next frame does not bring that record back.
            held.hold(_Changed(sent, record, (source, pressures), nibp.last(label)))
            continue
        repeat = nibp is not None and nibp.is_repeat(label, sent, result, (source, pressures))
        if nibp is not None:
            nibp.values_seen = True
        if empty:
            # No systolic, diastolic or mean: no cuff measurement yet (the monitor sends the
            # record empty until the first). Nothing to report or repeat (QA: the sim's
            # empty records were counted as nibp-repeat).
            result.dropped.append(Dropped("nibp-empty", f"NIBP={rest[:40]}: no measurement "
                                          "yet (no systolic, diastolic or mean)"))
            continue
        if repeat:
            result.dropped.append(Dropped("nibp-repeat", f"NIBP={rest[:40]}: the measurement "
                                          "already reported, repeated by the monitor"))
            continue
        result.readings.extend(record.readings)
        result.dropped.extend(record.dropped)
    return result


def _one_field_apart(sent: tuple[str, ...], before: object) -> bool:
    """True when `sent` (f0..f3) differs from the record `before` in exactly one field: all one
    byte changed, lost or added on the line can do to a record that still reads as a cuff (a
    lost or added `;` runs two fields together or shifts them: out of range, or a field
    emptied). A record that differs in two or more is a new cuff."""
    if not isinstance(before, tuple) or len(before) != len(sent):
        return False
    return sum(1 for a, b in zip(sent, before) if a != b) == 1


def _damaged_nibp(fields: list[str], rest: str) -> Dropped | None:
    """Why an NIBP record cannot be one cuff measurement as sent (a byte lost or changed on the
    line), or None: f0 a status number, f1-f3 each a number in its hard range or the monitor's
    no-value marker (empty, `---`: it could not measure that one), and diastolic < mean <
    systolic among those present. Judged as a whole: a part of a damaged record is no
    measurement either. A value marked missing is no damage (a lost byte leaves no empty field:
    a lost `;` runs two pressures together, out of range): the values present are read, a
    systolic 210 without its diastolic a high BP as any."""
    sent = [f.strip() for f in (fields + [""] * 4)[:4]]
    where = f"NIBP={rest[:40]}"
    not_read = _NOT_READ
    if not sent[0].isdigit():
        return Dropped("bad-frame", f"{where}: status {sent[0][:10]!r} is not a number; {not_read}")
    pressures = sent[1:]
    present: dict[str, float] = {}
    for (_, metric, _), raw in zip(_LAYOUT["NIBP"], pressures):
        if raw in _NO_VALUE:
            continue   # `no-value` (all three: `nibp-empty`)
        if not _NUMBER.match(raw):
            return Dropped("bad-frame", f"{where}: {metric} {raw[:20]!r} is not a number; "
                           f"{not_read}")
        out = outside_hard_range(metric, float(raw), where, raw)
        if out is not None:
            return Dropped(out.reason, f"{out.detail}; {not_read}")
        present[metric] = float(raw)
    if not pressures_in_order(present):
        return Dropped(IMPOSSIBLE_BP, f"{where}: {_raw_bp(pressures)} is not diastolic < mean < "
                       f"systolic; {not_read}")
    return None


def _raw_bp(pressures: list[str]) -> str:
    """Systolic/diastolic (mean) as sent, for a notice."""
    return f"{pressures[0] or '-'}/{pressures[1] or '-'} ({pressures[2] or '-'})"


def _read_record(result: DecodeResult, label: str, fields: list[str], flags: frozenset[str],
                 received_at: datetime, source: str) -> None:
    """Append one record's readings to `result`, and why each value it has not was dropped."""
    for index, metric, unit in _LAYOUT[label]:
        raw = fields[index].strip() if index < len(fields) else ""
        if label == "SPO2" and index == 2:
            # `PR=80 `: the oximeter's pulse rate rides in the SpO2 record.
            key, _, raw = raw.partition("=")
            if key.strip().upper() != "PR":
                raw = ""
            raw = raw.strip()
        where = f"{label} field {index} ({metric})"
        if raw in _NO_VALUE:
            result.dropped.append(Dropped("no-value", f"{where}: empty"))
            continue
        if not _NUMBER.match(raw):
            result.dropped.append(Dropped("not-numeric", f"{where}: {raw[:20]!r} is not a number"))
            continue
        value = float(raw)
        out = outside_hard_range(metric, value, where, raw)
        if out is not None:
            result.dropped.append(out)
            continue
        # f4, the cuff's pulse, is part of the cuff measurement (reported once with it).
        cuff = label == "NIBP" and metric == "pulse_rate"
        result.readings.append(Reading(metric, value, unit, None, received_at, source, label,
                                       flags | {NIBP_PULSE} if cuff else flags))


class AnsarBDecoder(FramedDecoder):
    """StreamDecoder for Ivy ANSAR-B; `source_hint` names the device (ANSAR-B sends no identity);
    `nibp` is the connection's NIBP memory, across reopens (None: this decoder's own)."""

    def __init__(self, source_hint: str = "", nibp: UnplacedNibp | None = None) -> None:
        if nibp is None:
            nibp = NibpRepeats()
        self._nibp = nibp
        self._held = HeldNibp()
        super().__init__(AnsarBFramer(), lambda frame, received_at: decode_records(
            frame.data, received_at, source_hint=source_hint, nibp=nibp, held=self._held))

    def flush(self, received_at: datetime) -> DecodeResult:
        """End of stream: the last frames, then the changed NIBP record still held (`HeldNibp`)."""
        result = super().flush(received_at)
        self._held.flush(result, self._nibp)
        return result

"""Poll-reply observations to readings: by physiological id, never by label.

A poll reply's poll info list holds contexts, each a list of observations (an object handle and
its attributes). The attributes that carry values:

- 0x0950 NOM_ATTR_NU_VAL_OBS: physiological id, state, unit (u16 each), FLOAT value;
- 0x094B NOM_ATTR_NU_CMPD_VAL_OBS: count, length, then that many of the same (NBP: systolic
  0x4A05, diastolic 0x4A06, mean 0x4A07);
- 0x0990 NOM_ATTR_TIME_STAMP_ABS: when the observation was measured (NBP has its own).

Rules, each a Dropped reason when it removes a value:

- an id that is not one of the console's vitals (`ids.VITAL_IDS`): `not-monitored`, one Dropped
  per message listing them all (a monitor sends dozens: ST leads, PVC, perfusion, ...);
- state INVALID (0x8000): `invalid`; UNAVAILABLE (0x2000), calibration (0x1000), or a special
  FLOAT (NaN, NRes, +INF, -INF): `no-value`;
- a unit the metric does not accept (`ids.METRIC_UNITS`): `unknown-unit`;
- outside the metric's hard range: `out-of-hard-range` (devices.stream.outside_hard_range);
- QUESTIONABLE, TEST, DEMO and EARLY-indication states are kept as Reading.flags.

The label string (0x0927) only decorates Dropped details. An observation with no value
attribute (the first poll after association sends labels only) yields nothing.

Times: the monitor sends local wall-clock time without a zone, ward time (`monitor_tz`, the
station's zone: devices.local_time). `MonitorClock` learns the monitor clock's drift from its
MDS-create event (the host's receive time minus the monitor's clock read as ward time) and maps
every time stamp as ward time plus that drift, so a monitor clock that follows summer time is
read right across the change; before that event the drift is taken as none. A measured time more
than a minute after the receive time is not usable.

An NBP whose time stamp cannot be used (a clock never set sends 0xFF bytes) is still one cuff
measurement repeated in every poll reply until the next: it is reported once, by its handle, stamp
and values as sent, and each repeat dropped as `nibp-repeat` (`devices.stream.UnplacedNibp`).
An NBP without any value (NaN or unavailable: no cuff measurement yet) is `nibp-empty`, whatever
its time stamp.
The cuff's pulse rate (0xF0E5, in `NBP_IDS`) is part of the measurement and follows the same
rule; its reading carries the `NIBP` flag (reading.NIBP_PULSE). After "Restart and resume" the
source's newest cuff in the session's log is what each handle sent last, compared by its values
(`UnplacedNibp.resume`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from devices.intellivue import ids
from devices.intellivue.codec import (
    Malformed,
    Reader,
    attribute_list,
    decode_bcd_time,
    decode_float,
    label_text,
    read_attributes,
)
from devices.local_time import wall_clock_to_utc
from devices.reading import AGE_UNKNOWN, NIBP_PULSE, STATION_ZONE, Reading
from devices.stream import (
    NOT_MONITORED,
    DecodeResult,
    Dropped,
    NibpRows,
    UnplacedNibp,
    nibp_rows,
    outside_hard_range,
)

FUTURE_TOLERANCE = timedelta(seconds=60)
"""A measured time this far after the receive time is a wrong clock, not a measurement."""
NBP_PULSE_ID = 0xF0E5
"""The NBP cuff's pulse rate (ids.VITAL_IDS): its own handle, sent with the cuff's time stamp
beside the NBP compound (the LAN sample's 0x8275 "Пульс": 2025-05-23 11:45, as the NBP's)."""
NBP_IDS = frozenset({0x4A05, 0x4A06, 0x4A07, NBP_PULSE_ID})
"""The ids of one cuff measurement: systolic, diastolic, mean and the cuff's pulse rate. Each is
kept once per measurement, by the same rule (an unusable time: `UnplacedNibp`)."""


@dataclass(slots=True)
class MonitorClock:
    """Maps the monitor's zoneless wall-clock times to UTC.

    The drift, not the whole offset of the wall clock from UTC, is what is learnt: one offset
    for the association (zone and drift in one) read every stamp an hour early after the clocks
    went back, and refused every one as after its arrival after they went forward, from a monitor
    whose clock follows summer time as the ward's does. A poll reply's own absolute time is not
    used to learn again: a cuff measured before the change and delivered after it would be read
    with the new offset, an hour off, where ward time places it (nearer its arrival).

    Attributes:
        monitor_tz: the zone of the monitor's clock (None: the station's own zone).
        drift: host UTC minus the monitor's clock read in `monitor_tz`, from the MDS-create
            event (a monitor clock 3 min slow: +3 min); none before.
        offset: host UTC minus the monitor's wall clock taken as UTC, only for a monitor clock
            the zone cannot place (at the calendar's edge, year 1): zone and drift in one, as
            before; None otherwise.
    """

    monitor_tz: tzinfo | None = STATION_ZONE
    drift: timedelta = timedelta(0)
    offset: timedelta | None = None

    def learn(self, monitor_clock: bytes, received_at: datetime) -> None:
        """Take the drift from the monitor's date and time and the host's receive time."""
        naive, _ = decode_bcd_time(monitor_clock)
        if naive is None:
            return
        received = received_at.astimezone(UTC)
        try:
            self.drift = received - wall_clock_to_utc(naive, self.monitor_tz, received)
            self.offset = None
        except (ValueError, OverflowError, OSError):
            self.drift, self.offset = timedelta(0), received - naive.replace(tzinfo=UTC)

    def to_utc(self, raw: bytes, received_at: datetime) -> tuple[datetime | None, str]:
        """Return a BCD time stamp as UTC, or (None, why it is not usable)."""
        naive, problem = decode_bcd_time(raw)
        if naive is None:
            return None, problem
        try:
            if self.offset is not None:
                when = naive.replace(tzinfo=UTC) + self.offset
            else:
                # The station's zone (None) goes through the C library's local time, which
                # refuses the edges of the calendar (year 1 from a monitor with no clock set);
                # the hour clocks change is read as the instant nearer the arrival on the
                # monitor's clock.
                when = (wall_clock_to_utc(naive, self.monitor_tz, received_at - self.drift)
                        + self.drift)
        except (ValueError, OverflowError, OSError):
            return None, (f"time stamp {naive.isoformat(sep=' ')} cannot be placed on the "
                          "station's clock")
        if when > received_at + FUTURE_TOLERANCE:
            return None, (f"time stamp {naive.isoformat(sep=' ')} is after the receive time "
                          f"{received_at.isoformat(sep=' ')}; check the monitor's clock")
        return when, ""


@dataclass(frozen=True, slots=True)
class Observation:
    """One observation of a poll reply: its handle and attributes (id, value bytes)."""

    context: int
    handle: int
    attributes: list[tuple[int, bytes]]


@dataclass(slots=True)
class Numerics:
    """What the observations of one message yielded.

    Attributes:
        result: readings and drops.
        values: how many value fields (0x0950 and compound members) the message held; 0 for a
            labels-only reply.
    """

    result: DecodeResult = field(default_factory=DecodeResult)
    values: int = 0


def read_observations(poll_info: bytes) -> tuple[list[Observation], str]:
    """Read the observations of a poll info list.

    Returns:
        (observations read, "") or (those read before the error, what was wrong).
    """
    out: list[Observation] = []
    try:
        reader = Reader(poll_info, "poll info list")
        count, length = reader.u16(), reader.u16()
        contexts = reader.sub(length, "poll info list")
        for _ in range(count):
            context = contexts.u16()
            n, size = contexts.u16(), contexts.u16()
            observations = contexts.sub(size, f"context {context}")
            for _ in range(n):
                handle = observations.u16()
                out.append(Observation(context, handle,
                                       read_attributes(observations, f"handle {handle:#06x}")))
    except Malformed as exc:
        return out, str(exc)
    return out, ""


def _values(attribute_id: int, value: bytes) -> list[tuple[int, int, int, int]]:
    """The (physiological id, state, unit, FLOAT) values of a 0x0950 or 0x094B attribute."""
    reader = Reader(value, "numeric value")
    if attribute_id == ids.ATTR_NUMERIC:
        return [struct.unpack(">HHHI", reader.take(10))]
    count, length = reader.u16(), reader.u16()
    members = reader.sub(length, "compound value")
    return [struct.unpack(">HHHI", members.take(10)) for _ in range(count)]


def decode_observations(poll_info: bytes, received_at: datetime, *, source: str, where: str,
                        clock: MonitorClock, unplaced: UnplacedNibp | None = None) -> Numerics:
    """Turn one poll reply's observations into readings.

    Args:
        poll_info: the reply's poll info list.
        received_at: host time the message arrived (UTC, aware).
        source: Reading.source.
        where: names the message in Dropped details (`poll 3`).
        clock: maps the monitor's time stamps to UTC.
        unplaced: the monitor's NBP measurements without a usable time so far (the decoder's,
            across replies); None: a reply read on its own (each NBP reported).

    Returns:
        Readings in message order, the drops, and how many values there were.
    """
    out = Numerics()
    observations, problem = read_observations(poll_info)
    unused: list[str] = []
    for obs in observations:
        label = stamp = b""
        found: list[tuple[int, bytes]] = []
        for attribute_id, value in obs.attributes:
            if attribute_id == ids.ATTR_LABEL_STRING:
                label = value
            elif attribute_id == ids.ATTR_TIME_STAMP_ABS:
                stamp = value
            elif attribute_id in (ids.ATTR_NUMERIC, ids.ATTR_COMPOUND):
                found.append((attribute_id, value))
        if not found:
            continue  # labels only (the first poll after association)
        text = label_text(label) if label else ""
        at = f"{where} handle {obs.handle:#06x}" + (f" (label {text!r})" if text else "")
        measured_at: datetime | None = None
        flags: frozenset[str] = frozenset()
        # No cuff measurement yet (NaN or unavailable members), whatever the time stamp: a real
        # monitor stamps its empty NBP with the last measurement's time (the MIB capture's frame
        # 5), which had made it three `no-value` drops a poll, logged as data not used every
        # second (README, "Bedside monitors": an empty NIBP record never is).
        empty = _holds_nbp(found) and _no_value_in(found)
        if stamp:
            measured_at, why = clock.to_utc(stamp, received_at)
            if why and unplaced is not None and _holds_nbp(found):
                # After "Restart and resume" the source's cuff in the session's log stands for
                # the poll before (still polled, it had been logged again of unknown age).
                logged_as = (source, _nbp_rows(found, at, received_at, source, obs.handle))
                repeat = unplaced.is_repeat(obs.handle, (stamp, found), out.result, logged_as)
                if repeat and not empty:
                    out.values += 1   # a reply with values, not the labels-only first one
                    out.result.dropped.append(Dropped("nibp-repeat", f"{at}: the measurement "
                                                      "of an earlier poll, sent again"))
                    continue
                if not unplaced.values_seen:
                    flags = frozenset({AGE_UNKNOWN})
            if why and not empty:
                out.result.dropped.append(Dropped("bad-timestamp", f"{at}: {why}; readings "
                                                  "kept without it"))
        if empty:
            # Nothing to report or repeat, whatever came before (as ANSAR-B's empty NIBP record).
            out.values += 1
            what = ("no cuff pulse value" if _holds_nbp(found, frozenset({NBP_PULSE_ID}))
                    else "no systolic, diastolic or mean value")
            out.result.dropped.append(Dropped("nibp-empty", f"{at}: no measurement yet "
                                              f"({what})"))
            continue
        for attribute_id, value in found:
            try:
                values = _values(attribute_id, value)
            except Malformed as exc:
                out.result.dropped.append(Dropped("malformed-message", f"{at}: {exc}"))
                continue
            for physio_id, state, unit, raw in values:
                out.values += 1
                if physio_id not in ids.VITAL_IDS:
                    unused.append(f"{physio_id:#06x}" + (f" ({text})" if text else ""))
                    continue
                _one(out.result, physio_id, state, unit, raw, at, measured_at, received_at,
                     source, obs.handle, flags)
    if unused:
        out.result.dropped.append(Dropped(NOT_MONITORED, f"{where}: {len(unused)} value(s) of "
                                          f"ids this console does not show: {', '.join(unused)}"))
    if problem:
        out.result.dropped.append(Dropped("malformed-message", f"{where}: {problem}; the rest of "
                                          "the message was not read"))
    if unplaced is not None and out.values:
        unplaced.values_seen = True
    return out


def _holds_nbp(found: list[tuple[int, bytes]], wanted: frozenset[int] = NBP_IDS) -> bool:
    """True when an observation's value attributes hold an NBP value, its pressures or the cuff's
    pulse (`wanted`: those ids only; a malformed one: False, reported by `_values` where it is
    read)."""
    for attribute_id, value in found:
        try:
            if any(physio_id in wanted for physio_id, *_ in _values(attribute_id, value)):
                return True
        except Malformed:
            continue
    return False


def _nbp_rows(found: list[tuple[int, bytes]], at: str, received_at: datetime, source: str,
              handle: int) -> NibpRows:
    """An observation's NBP values (its pressures or the cuff's pulse) as the log keeps them."""
    scratch = DecodeResult()
    for attribute_id, value in found:
        try:
            values = _values(attribute_id, value)
        except Malformed:
            continue   # reported where it is read
        for physio_id, state, unit, raw in values:
            if physio_id in NBP_IDS:
                _one(scratch, physio_id, state, unit, raw, at, None, received_at, source, handle)
    return nibp_rows(scratch.readings)


def _no_value_in(found: list[tuple[int, bytes]]) -> bool:
    """True when no value of an observation's value attributes is a number in a usable state
    (an NBP compound before the first cuff measurement: NaN or unavailable members)."""
    unusable = ids.STATE_INVALID | ids.STATE_UNAVAILABLE | ids.STATE_CALIBRATING
    for attribute_id, value in found:
        try:
            values = _values(attribute_id, value)
        except Malformed:
            return False   # reported where it is read
        if any(not state & unusable and decode_float(raw)[0] is not None
               for _, state, _, raw in values):
            return False
    return True


def _one(result: DecodeResult, physio_id: int, state: int, unit: int, raw: int, at: str,
         measured_at: datetime | None, received_at: datetime, source: str, handle: int,
         known: frozenset[str] = frozenset()) -> None:
    """Check one value of a vital and append its reading or the reason it was dropped."""
    metric, name = ids.VITAL_IDS[physio_id]
    where = f"{at} {ids.describe_id(physio_id)}"
    if state & ids.STATE_INVALID:
        result.dropped.append(Dropped("invalid", f"{where}: state {state:#06x} says invalid"))
        return
    if state & ids.STATE_UNAVAILABLE:
        result.dropped.append(Dropped("no-value", f"{where}: state {state:#06x} says "
                                      "unavailable"))
        return
    if state & ids.STATE_CALIBRATING:
        result.dropped.append(Dropped("no-value", f"{where}: state {state:#06x} says "
                                      "calibration ongoing"))
        return
    number, shown = decode_float(raw)
    if number is None:
        result.dropped.append(Dropped("no-value", f"{where}: value {shown} ({raw:#010x})"))
        return
    canonical, accepted = ids.METRIC_UNITS[metric]
    spec = accepted.get(unit)
    if spec is None:
        allowed = ", ".join(f"{code:#06x} {u.name}" for code, u in accepted.items())
        result.dropped.append(Dropped("unknown-unit", f"{where}: unit {unit:#06x} is not one we "
                                      f"know for {metric}; allowed: {allowed}"))
        return
    if spec.factor != 1.0:
        number = round(number * spec.factor, 3)
    out = outside_hard_range(metric, number, where, shown)
    if out is not None:
        result.dropped.append(out)
        return
    flags = known | frozenset(flag for bit, flag in ids.STATE_FLAGS if state & bit)
    if physio_id == NBP_PULSE_ID:
        flags |= {NIBP_PULSE}   # the cuff's pulse: one measurement with the pressures
    result.readings.append(Reading(metric, number, canonical, measured_at, received_at, source,
                                   f"{name}:{handle:04X}", flags))


# --- Encoding (the simulated monitor) ------------------------------------------------------


def numeric_value(physio_id: int, state: int, unit: int, raw_float: int) -> bytes:
    """Encode one NuObsValue (physiological id, state, unit, FLOAT)."""
    return struct.pack(">HHHI", physio_id, state, unit, raw_float)


def compound_value(values: list[bytes]) -> bytes:
    """Encode the value of a 0x094B compound from encoded NuObsValues."""
    body = b"".join(values)
    return struct.pack(">HH", len(values), len(body)) + body


def label_string(text: str, width: int = 6) -> bytes:
    """Encode a fixed-width, NUL-padded UTF-16BE label (as monitors send them)."""
    units = text[:width].ljust(width)
    data = units.encode("utf-16-be") + b"\x00\x00"
    return struct.pack(">H", len(data)) + data


def observation(handle: int, attributes: list[bytes]) -> bytes:
    """Encode an ObservationPoll: handle and attribute list (see `codec.ava`)."""
    return struct.pack(">H", handle) + attribute_list(attributes)


def poll_info_list(contexts: list[tuple[int, list[bytes]]]) -> bytes:
    """Encode a poll info list from (context id, encoded observations) pairs."""
    parts = []
    for context, observations in contexts:
        body = b"".join(observations)
        parts.append(struct.pack(">HHH", context, len(observations), len(body)) + body)
    body = b"".join(parts)
    return struct.pack(">HH", len(parts), len(body)) + body


"""A device's wall-clock time (sent with no zone) placed on UTC, through the hours where summer
time makes the wall clock ambiguous.

Masimo lines and HL7 times without an offset carry the monitor's local wall clock. When the
clocks go back, one wall-clock hour happens twice (01:30 in London on the last Sunday of
October is 00:30 UTC and again 01:30 UTC); when they go forward, one hour never happens (01:30
in London on the last Sunday of March). `datetime.astimezone` alone takes the first reading
(`fold=0`, summer time in autumn): a right clock read in the second 01:00-02:00 became an hour
before it arrived, so the console called it "60 min behind" and a fresh cuff pressure stale.

The rule: both readings of the wall time (`fold=0` and `fold=1`) are worked out and the one
nearer the time the bytes arrived is kept. Outside those hours the two are the same instant. In
the hour that never happens, the two readings are the wall time on the offset before the change
and on the offset after it; the nearer the receive time is kept (a monitor whose clock has not
been put forward yet still reads as the instant it sent, no value is dropped for it). Without a
receive time the first reading is kept, as `astimezone` does.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def wall_clock_to_utc(wall: datetime, zone: tzinfo | None,
                      received_at: datetime | None) -> datetime:
    """Return the UTC instant of a device's wall-clock time.

    Args:
        wall: the device's time as sent, naive (its tzinfo, if any, is replaced by `zone`).
        zone: the zone of the device's clock; None is the station computer's own zone.
        received_at: when the bytes arrived (aware), the time that picks between the two
            readings of an ambiguous or nonexistent wall time; None keeps the first reading.

    Returns:
        The instant, UTC, aware.

    Raises:
        ValueError, OverflowError, OSError: the date cannot be placed on a clock (as
            `datetime.astimezone` raises, e.g. year 1 through the C library's local time).
    """
    first, second = (wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    if first == second or received_at is None:
        return first
    if abs(second - received_at) < abs(first - received_at):
        return second
    return first

"""An IntelliVue whose clock follows summer time, associated before the clocks change.

The monitor's clock is ward time (README: "A device time without a zone is ward time"; the
project's simulated IntelliVue sets its clock so, `at.astimezone(monitor_tz)`). One offset,
host UTC minus the monitor's wall clock, was learnt at MDS-create and kept for the whole
association: after the clocks went back every stamp read an hour early (a right clock "60 min
behind", a fresh cuff an hour old); after they went forward every stamp was an hour after its
arrival and refused ("check the monitor's clock"). Only the clock's drift is learnt now; each
stamp is read as ward time (devices.local_time) and the drift added.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from devices.intellivue.codec import encode_bcd_time
from devices.intellivue.numerics import MonitorClock

MIN = timedelta(minutes=1)


def _associated(wall: datetime, received: datetime) -> MonitorClock:
    """A clock learnt from an MDS-create event: the monitor's wall clock read `wall` when the
    event arrived at `received`."""
    clock = MonitorClock()
    clock.learn(encode_bcd_time(wall), received)
    return clock


def test_after_the_clocks_go_back_a_right_clock_is_read_at_its_time(
        station_zone: Callable[[str], None]) -> None:
    station_zone("Europe/London")
    # Associated at 01:50 BST (00:50 UTC); the clocks go back at 02:00 BST.
    clock = _associated(datetime(2026, 10, 25, 1, 50), datetime(2026, 10, 25, 0, 50, tzinfo=UTC))
    received = datetime(2026, 10, 25, 2, 20, 2, tzinfo=UTC)   # 02:20 GMT
    assert clock.to_utc(encode_bcd_time(datetime(2026, 10, 25, 2, 20)), received) == (
        datetime(2026, 10, 25, 2, 20, tzinfo=UTC), "")


def test_a_cuff_measured_before_the_clocks_go_back_and_delivered_after_keeps_its_time(
        station_zone: Callable[[str], None]) -> None:
    # Why the drift, not the offset of each poll reply's own clock: read with the offset of a
    # reply sent after the change, a cuff stamped 01:55 BST would be an hour later than it was.
    station_zone("Europe/London")
    clock = _associated(datetime(2026, 10, 25, 1, 50), datetime(2026, 10, 25, 0, 50, tzinfo=UTC))
    received = datetime(2026, 10, 25, 1, 1, 2, tzinfo=UTC)   # 01:01 GMT
    assert clock.to_utc(encode_bcd_time(datetime(2026, 10, 25, 1, 55)), received) == (
        datetime(2026, 10, 25, 0, 55, tzinfo=UTC), "")


def test_after_the_clocks_go_forward_a_right_clock_is_not_refused(
        station_zone: Callable[[str], None]) -> None:
    station_zone("Europe/London")
    # Associated at 00:50 GMT; the clocks go forward at 01:00 GMT.
    clock = _associated(datetime(2026, 3, 29, 0, 50), datetime(2026, 3, 29, 0, 50, tzinfo=UTC))
    received = datetime(2026, 3, 29, 1, 10, 2, tzinfo=UTC)   # 02:10 BST
    assert clock.to_utc(encode_bcd_time(datetime(2026, 3, 29, 2, 10)), received) == (
        datetime(2026, 3, 29, 1, 10, tzinfo=UTC), "")


def test_a_slow_clock_stays_as_slow_across_the_change(
        station_zone: Callable[[str], None]) -> None:
    # The monitor's clock 3 minutes slow: that much is its own, kept after the change.
    station_zone("Europe/London")
    clock = _associated(datetime(2026, 10, 25, 1, 47), datetime(2026, 10, 25, 0, 50, tzinfo=UTC))
    received = datetime(2026, 10, 25, 2, 20, 2, tzinfo=UTC)
    when, problem = clock.to_utc(encode_bcd_time(datetime(2026, 10, 25, 2, 17)), received)
    assert (when, problem) == (datetime(2026, 10, 25, 2, 20, tzinfo=UTC), "")
    # A stamp an hour after its arrival is still a wrong clock.
    _, problem = clock.to_utc(encode_bcd_time(datetime(2026, 10, 25, 3, 17)), received)
    assert "check the monitor's clock" in problem

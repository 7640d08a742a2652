"""The idle lock across a suspend: the monotonic clock (CLOCK_MONOTONIC on Linux) stands still
while the computer sleeps, so a station left signed in that slept for hours woke unlocked, the
idle time counted being only what ran while it was awake. The lock now also counts the wall
clock; a wall clock set back never holds it beyond the monotonic rule. No Qt, time by arithmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.clock import Moment
from console.session.lock import IdleLock

LOCK_AFTER_S = 600.0
M0 = Moment(1000.0, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def slept(now: Moment, asleep_s: float, awake_s: float = 2.0) -> Moment:
    """What the clock reads after a sleep of `asleep_s`: the wall clock has moved on by it, the
    monotonic clock only by the time awake."""
    return Moment(now.mono + awake_s, now.wall + timedelta(seconds=asleep_s))


def test_a_sleep_of_three_hours_while_open_locks_at_wake() -> None:
    lock = IdleLock.started(LOCK_AFTER_S, M0)
    # Step 1: 5 min idle, still open.
    now = M0.plus(LOCK_AFTER_S / 2)
    assert not lock.check(now)
    # Step 2: the computer sleeps 3 h and wakes: locked at the first look.
    now = slept(now, 3 * 3600)
    assert lock.idle_left(now) == 0.0
    assert lock.check(now) and lock.locked


def test_a_short_sleep_counts_towards_the_idle_time() -> None:
    lock = IdleLock.started(LOCK_AFTER_S, M0)
    now = slept(M0.plus(LOCK_AFTER_S - 120), 60)       # 8 min awake, 1 min asleep
    assert not lock.check(now) and lock.idle_left(now) == 60.0
    assert lock.check(slept(now, 60))                   # 1 min more asleep: 10 min idle


def test_activity_after_a_sleep_locks_before_the_first_tick() -> None:
    # This test had accepted the key starting the idle time again: the station woke unlocked
    # for whoever touched it first, against the README's "now wakes locked" (a review).
    lock = IdleLock.started(LOCK_AFTER_S, M0)
    now = slept(M0, 3 * 3600)
    # Step 1: a key before the first tick: locked by that key, not opened for 10 min more.
    assert lock.activity(now) and lock.locked
    # Step 2: more keys change nothing (only a sign-in opens it).
    assert not lock.activity(now.plus(1)) and lock.locked
    assert lock.idle_left(now.plus(1)) is None


def test_activity_within_the_idle_time_starts_it_again() -> None:
    lock = IdleLock.started(LOCK_AFTER_S, M0)
    now = slept(M0, LOCK_AFTER_S - 60)                  # 9 min asleep: still open
    assert not lock.activity(now)                       # a key: the idle time starts again
    assert not lock.check(now.plus(LOCK_AFTER_S - 1))
    assert lock.check(now.plus(LOCK_AFTER_S))


def test_a_wall_clock_set_back_does_not_hold_the_lock() -> None:
    lock = IdleLock.started(LOCK_AFTER_S, M0)
    # NTP sets the station's clock back an hour: the monotonic rule still locks at 10 min.
    back = Moment(M0.mono + LOCK_AFTER_S - 1, M0.wall - timedelta(hours=1))
    assert not lock.check(back)
    assert lock.check(back.plus(1))


def test_a_wall_clock_set_forward_locks_early() -> None:
    # Locking early is safe: a sign-in opens it again.
    lock = IdleLock.started(LOCK_AFTER_S, M0)
    assert lock.check(Moment(M0.mono + 5, M0.wall + timedelta(minutes=15)))


def test_a_lock_made_from_a_monotonic_time_counts_a_sleep_after_its_first_look() -> None:
    # The chair's lock is made from the session's monotonic time alone (ChairIdentity).
    lock = IdleLock(LOCK_AFTER_S, M0.mono)
    now = M0.plus(1)
    assert not lock.check(now)                          # the first tick
    assert lock.check(slept(now, 3 * 3600))


def test_a_sign_in_after_a_sleep_opens_it_for_the_whole_idle_time() -> None:
    lock = IdleLock.started(LOCK_AFTER_S, M0)
    now = slept(M0, 3 * 3600)
    assert lock.check(now)
    lock.unlock(now)
    assert not lock.check(now.plus(LOCK_AFTER_S - 1))
    assert lock.check(now.plus(LOCK_AFTER_S))

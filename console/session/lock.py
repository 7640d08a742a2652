"""The chair's idle lock (issue 13): what locks the station, what still works while it is locked,
and what unlocks it. No Qt; time is passed in (the controller's clock).

Transitional rule: identity is enforced on a log that holds at least one staff account. On a log
without accounts (the demo, a fresh install before its first administrator) there is no lock:
the console runs as before issue 13.

The machine, one per running session:

    state    fields                  what happens
    -------  ----------------------  ---------------------------------------------------------
    OPEN     last_activity (mono s)  `activity(now)` (a key, a click, an action) moves both to
             last_wall (UTC)         now, unless the idle time had run out: it locks instead.
                                     `check(now)` locks (LOCKED) when either clock has moved
                                     on by lock_after since: now.mono - last_activity or
                                     now.wall - last_wall >= lock_after.
    LOCKED   locked_at (mono s)      activity changes nothing (pressing F2 on a locked station
                                     does not unlock it); only `unlock(now)` after a sign-in
                                     of an account allowed to run a session opens it: OPEN,
                                     last_activity and last_wall = now.

- Why both clocks: the monotonic clock (CLOCK_MONOTONIC on Linux) stands still while the
  computer is suspended, so a station left signed in that slept for hours woke unlocked; the wall
  clock counts the sleep. A wall clock set forward (NTP correcting a slow clock) locks early,
  which is safe; one set back never holds the lock beyond the monotonic rule.

- While LOCKED the alarm area, the tiles and the trend stay on screen and ALWAYS_ALLOWED (F2
  acknowledge, F3 pause audio, the alarm area's buttons) keep working: IEC 60601-1-8,
  acknowledging must never wait for a login. Everything else a person does at the chair (entry,
  checklist, next phase, discharge, corrections, notes) is refused with `LOCKED_MESSAGE` until
  a sign-in.
- An alarm acknowledged while locked is recorded with `locked_actor(in_charge)`: the nurse in
  charge is named, and that nobody was signed in, so the log never claims a sign-in that did
  not happen.
- Device readings, the engine's ticks and a central station's acknowledgements are not a
  person at the chair: they are never refused and never count as activity.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import Final

from console.clock import Moment

DEFAULT_LOCK_AFTER_S: Final = 10 * 60.0
LOCKED_MESSAGE: Final = "Locked — sign in to continue"


class ChairAction(StrEnum):
    """What a person does at the chair (the controller's action methods)."""

    ACKNOWLEDGE = "acknowledge"
    PAUSE_AUDIO = "pause audio"
    ENTER = "enter a value"
    CORRECT = "correct a value"
    VOID = "take a value back"
    NOTE = "write a note"
    TICK = "tick a checklist item"
    NEXT_PHASE = "move to the next phase"
    DISCHARGE = "discharge"


# Never refused, locked or not (IEC 60601-1-8).
ALWAYS_ALLOWED: Final = frozenset({ChairAction.ACKNOWLEDGE, ChairAction.PAUSE_AUDIO})


def locked_actor(in_charge: str) -> str:
    """The actor recorded for an acknowledgement or pause given on a locked station."""
    return f"{in_charge} (station locked: not signed in)"


class LockState(Enum):
    OPEN = "open"
    LOCKED = "locked"


@dataclass(slots=True)
class IdleLock:
    """The idle lock of one session (module docstring).

    Args:
        lock_after_s: idle seconds before it locks (> 0).
        last_activity: OPEN only: monotonic seconds of the last activity.
        last_wall: OPEN only: wall time of the last activity; None for a lock made from a
            monotonic time alone (`ChairIdentity`), reckoned back from its first check.
        locked_at: LOCKED only: monotonic seconds when it locked.
    """

    lock_after_s: float
    last_activity: float
    last_wall: datetime | None = None
    state: LockState = LockState.OPEN
    locked_at: float | None = None

    def __post_init__(self) -> None:
        if not self.lock_after_s > 0:
            raise ValueError(f"the idle lock needs a time above 0 s, not {self.lock_after_s:g}")

    @classmethod
    def started(cls, lock_after_s: float, now: Moment) -> IdleLock:
        """An open lock whose idle time starts at `now`."""
        return cls(lock_after_s, now.mono, now.wall)

    @property
    def locked(self) -> bool:
        return self.state is LockState.LOCKED

    def activity(self, now: Moment) -> bool:
        """Someone used the station: the idle time starts again (OPEN only), unless it had run
        out already: then it locks, as `check`; True when this call locked it.

        A station that slept for hours woke unlocked when a key or a click came before its
        first tick (the tick's timer runs on the monotonic clock, which stood still): that
        key started the idle time again, and the next person acted in the absent nurse's name
        (a review; README, Idle lock: it "now wakes locked")."""
        if self.check(now):
            return True
        if self.state is LockState.OPEN and now.mono >= self.last_activity:
            self.last_activity, self.last_wall = now.mono, now.wall
        return False

    def check(self, now: Moment) -> bool:
        """Lock when idle for `lock_after_s` by either clock; True when this call locked it."""
        if self.state is LockState.OPEN and self._idle_s(now) >= self.lock_after_s:
            self.state, self.locked_at = LockState.LOCKED, now.mono
            return True
        return False

    def lock(self, now: Moment) -> bool:
        """Lock now (the nurse leaves the chair); True when it was open."""
        if self.state is LockState.LOCKED:
            return False
        self.state, self.locked_at = LockState.LOCKED, now.mono
        return True

    def unlock(self, now: Moment) -> None:
        """Open after a sign-in; the idle time starts now."""
        self.state, self.locked_at = LockState.OPEN, None
        self.last_activity, self.last_wall = now.mono, now.wall

    def permits(self, action: ChairAction) -> bool:
        return action in ALWAYS_ALLOWED or self.state is LockState.OPEN

    def idle_left(self, now: Moment) -> float | None:
        """Seconds until it locks (OPEN), None when locked."""
        if self.state is LockState.LOCKED:
            return None
        return max(0.0, self.lock_after_s - self._idle_s(now))

    def _idle_s(self, now: Moment) -> float:
        """Idle seconds: the more of the monotonic and the wall clock's (module docstring)."""
        mono = now.mono - self.last_activity
        if self.last_wall is None:
            # Made from a monotonic time alone: its wall time is reckoned back from the first
            # look (a tick after the session opened), from then on counted as any other.
            self.last_wall = now.wall - timedelta(seconds=mono)
        return max(mono, (now.wall - self.last_wall).total_seconds())


def idle_minutes(text: str) -> float:
    """--lock-after (the console's and the review's): minutes above 0, at most a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes, e.g. 10") from None
    if not 0 < value <= 24 * 60:
        raise argparse.ArgumentTypeError(f"{value:g} min is outside the allowed range, more than "
                                         "0 and at most 1440 min: give the idle minutes before "
                                         "the window locks, e.g. 10")
    return value

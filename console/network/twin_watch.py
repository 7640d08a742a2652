"""Another station running with this one's settings kit, seen on its own status topic. No Qt.

Two stations with one settings kit have one MQTT client id: the broker gives the connection to
each in turn, every second or so, and nothing said why (the clinic IT audit: a central showed two
patients in turn on one chair's card; two central screens each received half of the alarms).
Each run marks its status (or presence) and its Last Will with a token of its own (`instance`)
and reads its own topic, retained messages included. Another run's token there is another
station running now when it is:

- read in two of this station's connections. The two take the connection from each other at
  each reconnection, and each finds the other's retained status, or its will, at each. What the
  last run of this station left (its will after a kill, its status after a clean stop) is read
  in the first connection only: this station's own status replaces it. Within one connection it
  may come twice, queued for a persistent session and retained (a code review: every central
  restarted after a crash raised the alarm), and counts once; a connection lost before this
  station's own message came back counts for nothing (the broker may still hold, and hand
  again, what the last run left).
  A broker that crashes restores its retained messages from its last save (the clinic's
  `autosave_interval 60`), which can predate this run: it hands the last run's will again at
  one more connection (a review: "used by another console too" with no other console). So a
  token whose will or farewell (offline) came before this run's own message ever came back,
  the last run's or a station that this one's start took the connection from, counts as
  another station at three connections: two stations taking the connection from each other
  reach it a reconnection later, a broker's one restore does not.
- a status sent online after this connection relayed this station's own: the broker relays in
  order, so it was sent while this station runs (two client ids with one name).

No clock is compared: a restart with the clock behind read its last run's status as "sent since
this run started" (a code review).
"""

from __future__ import annotations

import os
from typing import Any, Final

TWIN_ALARM_S: Final = 30.0   # how long one sign of another station holds the alarm


def new_instance() -> str:
    """A run's token: random, short, never reused."""
    return os.urandom(6).hex()


class TwinWatch:
    """What one station's own topic says of another station with its settings."""

    def __init__(self, instance: str, name: str) -> None:
        self.instance = instance
        self.name = name
        self._connections: dict[str, int] = {}   # token → this station's connections it came in
        self._read_now: set[str] = set()   # the tokens this connection has relayed
        self._own_seen = False   # this connection has relayed this station's own message
        self._own_ever = False   # a connection of this run has relayed it
        # Tokens whose offline status (a will, a farewell) came before `_own_ever`: the last
        # run's, which a broker restored from an older save hands again (module docstring).
        self._offline_before_own: set[str] = set()
        self._wills = 0
        self._seen: tuple[float, str] | None = None   # (mono, what was seen)

    def connected(self) -> None:
        """This station's connection to the broker is new (its first, or after a loss)."""
        if not self._own_seen:
            # The last connection was lost before this station's own message came back: the
            # broker may still hold what the last run left, and hands it again now. Read twice
            # for that, it would be another station (a flaky first connection after a kill).
            for instance in self._read_now:
                self._connections[instance] -= 1
        self._read_now = set()
        self._own_seen = False

    def read(self, message: dict[str, Any], now_mono: float) -> None:
        """A status or presence that came on this station's own topic."""
        instance = message.get("instance")
        if not isinstance(instance, str):
            return
        if instance == self.instance:
            self._own_seen = self._own_ever = True
            return
        online = message.get("online")
        if online is False and not self._own_ever:
            self._offline_before_own.add(instance)
        if online is True and self._own_seen:
            sent = message.get("sent_at") or message.get("since")
            self._seen = (now_mono, f"a status from another station as {self.name}"
                                    + (f" at {sent}" if isinstance(sent, str) else "")
                                    + " since this one's own")
        if instance in self._read_now:
            return
        self._read_now.add(instance)
        self._wills += online is False
        count = self._connections[instance] = self._connections.get(instance, 0) + 1
        if count >= (3 if online is False and instance in self._offline_before_own else 2):
            what = "connection was lost" if online is False else "status was read"
            self._seen = (now_mono, f"another station as {self.name}: its {what} at {count} "
                                    "of this one's connections; each takes the connection "
                                    "from the other")

    def seen(self, now_mono: float) -> str | None:
        """What was seen of another station in the last `TWIN_ALARM_S`, or None."""
        if self._seen is None or now_mono - self._seen[0] > TWIN_ALARM_S:
            return None
        return self._seen[1]

    def caught_up(self) -> bool:
        """Whether this connection has relayed this station's own message: what the broker
        had for it before (retained, queued) has been read (tests wait on it)."""
        return self._own_seen

    def wills_read(self) -> int:
        """Last Wills of other runs read so far, once a connection each (tests wait on it)."""
        return self._wills

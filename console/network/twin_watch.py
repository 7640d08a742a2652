"""Another station running with this one's settings kit, seen on its own status topic. No Qt.

Two stations with one settings kit have one MQTT client id: the broker gives the connection to
each in turn, every second or so, and nothing said why (the clinic IT audit: a central showed two
patients in turn on one chair's card; two central screens each received half of the alarms).
Each run marks its status (or presence) and its Last Will with a token of its own (`instance`)
and reads its own topic, retained messages included. Another run's token there is:

- a status sent online since this run started: another station is running now;
- a Last Will, the second time for the same token: each station's connection is taken by the
  other at each reconnection, so the other's will comes again and again. The will of this
  station's own last run (killed, then restarted) comes once, and is not another station.

A status from before this run's start (the retained one of the last run) is not either.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Final

from console.clock import parse_iso

TWIN_ALARM_S: Final = 30.0   # how long one sign of another station holds the alarm


def new_instance() -> str:
    """A run's token: random, short, never reused."""
    return os.urandom(6).hex()


class TwinWatch:
    """What one station's own topic says of another station with its settings."""

    def __init__(self, instance: str, name: str) -> None:
        self.instance = instance
        self.name = name
        self.started: datetime | None = None   # set when the station starts
        self._wills: dict[str, int] = {}
        self._seen: tuple[float, str] | None = None   # (mono, what was seen)

    def read(self, message: dict[str, Any], now_mono: float) -> None:
        """A status or presence that came on this station's own topic."""
        instance = message.get("instance")
        if not isinstance(instance, str) or instance == self.instance:
            return
        online = message.get("online")
        if online is False:
            count = self._wills[instance] = self._wills.get(instance, 0) + 1
            if count >= 2:
                self._seen = (now_mono, f"the connection of another station as {self.name} "
                                        f"was lost {count} times since this one started "
                                        "(each takes it from the other)")
            return
        sent = message.get("sent_at") or message.get("since")
        if online is not True or not isinstance(sent, str) or self.started is None:
            return
        try:
            sent_at = parse_iso(sent)
        except ValueError:
            return
        if sent_at >= self.started:
            self._seen = (now_mono, f"a status from another station as {self.name} at {sent}")

    def seen(self, now_mono: float) -> str | None:
        """What was seen of another station in the last `TWIN_ALARM_S`, or None."""
        if self._seen is None or now_mono - self._seen[0] > TWIN_ALARM_S:
            return None
        return self._seen[1]

    def wills_read(self) -> int:
        """Last Wills of other runs read so far (tests wait on it)."""
        return sum(self._wills.values())

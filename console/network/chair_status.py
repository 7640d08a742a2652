"""The chair status and trend snapshot a console publishes (bus_topics.py has the JSON shapes).

Pure functions of the read-only session view: what the central station shows of a chair is what
the bedside shows, read at the same moment. No transport, no Qt, no clock of its own.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from console.clock import Moment, iso
from console.session.alarms import AlarmState, Occurrence
from console.session.engine import AUDIO_UNAVAILABLE
from console.session.tile_view import (
    BP_PARTS,
    BP_TILE,
    bp_measurement,
    tile_stale,
    value_alarm,
)
from console.session.trend_feed import (
    CUFF_PULSE,
    SPOT_SERIES,
    TrendFeed,
    breaks_lines,
    series_name,
)
from console.session.view import SessionView
from console.network.bus_topics import VITALS
from console.records import EventRecord, ObservationRecord
from devices.reading import AGE_UNKNOWN, OTHER_CHANNEL
from protocols.model import Priority

_PRIORITY_NAMES = {Priority.HIGH: "high", Priority.MEDIUM: "medium", Priority.LOW: "low"}
_STATES = {AlarmState.ACTIVE: "active", AlarmState.ACKNOWLEDGED: "acknowledged",
           AlarmState.LATCHED: "latched"}
TREND_SERIES = frozenset({*VITALS, CUFF_PULSE})
"""The series of the trend snapshot: every one the bedside's trend draws (console/session/
trend_feed.py), the cuff's pulse apart from the pulse line. Only the six vitals of a card went:
a station started late drew neither an oximeter's pulse nor the cuff's (a review)."""


def priority_name(priority: Priority) -> str | None:
    """high / medium / low, or None for prompts and info."""
    return _PRIORITY_NAMES.get(priority)


def _alarm(o: Occurrence, paused: bool) -> dict[str, Any]:
    state = _STATES[o.state]
    if paused and o.state is AlarmState.ACTIVE:
        state = "paused"
    return {"occurrence": o.id, "priority": priority_name(o.priority) or "info",
            "category": o.category, "text": o.message, "state": state,
            "raised_at": iso(o.raised_at.wall), "condition": o.condition}


def build_status(view: SessionView | None, now: Moment, *, chair: str, room: str,
                 patient_shown: str, audio: str, network: str, seq: int) -> dict[str, Any]:
    """The retained status of this chair now (`view` None: no session open)."""
    status: dict[str, Any] = {"chair": chair, "room": room, "online": True,
                              "sent_at": iso(now.wall), "seq": seq, "session": None,
                              "device": "none", "vitals": {}, "alarms": [], "highest": None,
                              "audio": audio, "network": network}
    if view is None:
        return status
    ended_at = view.ended_at if view.discharged else None
    # Discharged: its clocks stopped at the discharge and the monitor was released (the central
    # read a running clock and "device connected" for an ended session).
    clocks_at = now if ended_at is None else Moment(
        now.mono - (now.wall - ended_at).total_seconds(), ended_at)
    times = view.times(clocks_at)
    status["session"] = {
        "id": view.session_id,
        "patient": view.patient.patient_id if patient_shown == "id" else "",
        "protocol": view.protocol.id,
        "protocol_name": view.protocol.name,
        "phase": view.phase.id,
        "phase_name": view.phase.name,
        "started_at": iso(view.started.wall),
        "elapsed_s": round(times.elapsed_s),
        "phase_elapsed_s": round(times.phase_elapsed_s),
        "demo": view.demo,
        "ended": view.discharged,
    }
    status["device"] = "none" if ended_at is not None else (view.device_state or "none")
    paused = view.audio(now).paused_seconds_left is not None   # an audio pause running now
    alarms = [o for o in view.alarms() if priority_name(o.priority) is not None]
    alarms.sort(key=lambda o: (-int(o.priority), -o.raised_at.mono))
    status["alarms"] = [_alarm(o, paused) for o in alarms]
    # What the speaker does, as bus_topics documents it: a dead speaker or a pause running is
    # said as such (they read "full" to every subscriber, the bedside silent; the audio review).
    if any(o.condition == AUDIO_UNAVAILABLE for o in alarms):
        status["audio"] = "unavailable"
    elif paused:
        status["audio"] = "paused"
    status["highest"] = priority_name(alarms[0].priority) if alarms else None
    occurrences = view.alarms()
    vitals: dict[str, Any] = {}
    stale_tiles: dict[str, bool] = {}
    shown_bp = bp_measurement({n: v for n in BP_PARTS if (v := view.latest(n)) is not None})
    for name in VITALS:
        latest = shown_bp.get(name) if name in BP_PARTS else view.latest(name)
        if latest is None:
            continue
        reading = latest.reading
        measured = reading.measured_at or latest.at.wall
        # A value found on the monitor at connect has no time: null, never its receive time.
        at = None if AGE_UNKNOWN in reading.flags else iso(measured)
        # Stale exactly when the bedside greys its tile (tile_view: too old, of unknown age, or
        # from a monitor that is not connected), so the central never shows it as current.
        tile = BP_TILE if name in BP_PARTS else name
        if tile not in stale_tiles:
            stale_tiles[tile] = tile_stale(view, tile, now)
        # Marked as the bedside's tile marks it: by the alarm this very value raised, holding
        # now at its current priority; never a value within limits under a latched alarm.
        mark = value_alarm(occurrences, name, reading.value)
        vitals[name] = {"value": reading.value, "unit": reading.unit, "at": at,
                        "stale": stale_tiles[tile],
                        "alarm": priority_name(mark.current) if mark is not None else None}
    status["vitals"] = vitals
    # The engine's rule: without an ECG heart rate the pulse watches the heart, and the central
    # shows it in the heart rate's place (a pulse oximeter alone: its card read the HR of the
    # session's start beside the pulse alarm).
    status["ecg_heart_rate"] = view.ecg_heart_rate_current(now)
    return status


def offline_status(chair: str, room: str, reason: str,
                   session_open: bool | None = None) -> dict[str, Any]:
    """The Last Will (and the farewell of a clean stop, which says whether a session was open:
    a station started later can tell a chair switched off between sessions, whose card leaves,
    from one closed mid-session, which stays lost)."""
    farewell = {} if session_open is None else {"session_open": session_open}
    return {"chair": chair, "room": room, "online": False, "reason": reason, **farewell}


class TrendPoints:
    """(metric, time, value) of a session's logged observations, for the trend snapshot: each
    where the bedside's trend places it (`TrendFeed.placed_at`: a typed value and a monitor's
    NIBP at their measured time, other monitor values when received, all of a monitor's at
    their receive time once its clock is found off), a correction replacing the value it
    corrects, a value of unknown age and a vital's other channel (`OTHER_CHANNEL`, beside the
    one judged) left out. The monitor's own times drew a session over the
    wrong minutes at the central when its clock was off (a charge nurse's walk). Fed with the
    rows logged since the last call, so a two-hour session is not read again every 30 s on the
    window's thread. The session's events give the times its device lines break (`breaks`,
    `trend_feed.breaks_lines`: an unplug, a console closed or resumed, however short).
    `started_at`: the session's start, so a cuff stamped before it is judged as the bedside
    judges it (`trend_feed.DeviceClocks`: a clock off unless the monitor's HR shows it right
    within `CUFF_WAIT_S`); without it, none is (the central drew such a cuff 5 min before the
    session, no clock said, where the bedside drew it at its arrival, "Monitor clock 5 min
    behind")."""

    def __init__(self, session_id: int, started_at: datetime | None = None) -> None:
        self.session_id = session_id
        self.last_id = 0
        self.last_event_id = 0
        self._breaks: list[datetime] = []
        self._points: dict[int, tuple[ObservationRecord, float]] = {}
        self._stands_for: dict[int, int] = {}   # a correction's row -> the point it stands in
        self._clocks = TrendFeed(started_at or datetime.min.replace(tzinfo=UTC),
                                 capacity=1)   # placing only

    def add(self, rows: Iterable[tuple[int, ObservationRecord]],
            entered_in_error: Collection[int] = (),
            events: Iterable[tuple[int, EventRecord]] = (),
            now: datetime | None = None) -> list[tuple[str, datetime, float]]:
        """Take the new rows (in id order), the rows taken back as entered in error so far and
        the session's events (in id order; those taken before are skipped); return every point
        of the session so far. A value taken back leaves the trend, as at the bedside
        (trend_feed.py), also one a correction stood for when the correction is taken back:
        the central had gone on drawing it (review 45). `now`: the chair's clock, by which a cuff
        waiting for its monitor's clock is judged, as on the bedside's trend (`TrendFeed.reached`)."""
        for event_id, event in events:
            if event_id > self.last_event_id:
                self.last_event_id = event_id
                if breaks_lines(event):
                    self._breaks.append(event.at)
        for row_id, r in rows:
            self.last_id = max(self.last_id, row_id)
            if AGE_UNKNOWN in r.flags:
                continue   # no time to place it at (trend_feed.py: the same rule at the bedside)
            self._clocks.note_clock(r.source, r.measured_at, r.received_at, r.metric, r.flags)
            if OTHER_CHANNEL in r.flags:
                # A vital's other channel beside the one judged: its clock counts, its value is
                # not the trend's (trend_feed.py); sent, a central drew 97 beside an alarm at 85.
                continue
            point = self._stands_for.get(r.corrects, r.corrects) if r.corrects is not None else None
            if point is not None and point in self._points:   # a correction of a correction too
                measured, _old = self._points[point]
                self._points[point] = (measured, r.value)
                self._stands_for[row_id] = point
            elif r.corrects is None:
                self._points[row_id] = (r, r.value)
        for row_id in entered_in_error:
            self._points.pop(self._stands_for.get(row_id, row_id), None)
        if now is not None:
            self._clocks.reached(now)
        place = self._clocks.placed_at
        # The cuff's pulse under its own series name: the central draws it as the bedside does.
        return [(series_name(r), place(r), value) for r, value in self._points.values()]

    @property
    def breaks(self) -> list[datetime]:
        """When the session's device lines break (`add`'s events), in time order."""
        return sorted(self._breaks)

    @property
    def monitor_clock_off(self) -> bool:
        """A monitor's clock was found off (the bedside's rule, judged on receive times): its
        values are placed at their receive time, and the central must place them so too."""
        return bool(self._clocks.skews)


def build_trend(chair: str, session_id: int, now: datetime,
                observations: Sequence[tuple[str, datetime, float]],
                keep: Mapping[str, int] | None = None,
                monitor_clock_off: bool = False,
                breaks: Sequence[datetime] = ()) -> dict[str, Any]:
    """The trend snapshot: per series the bedside's trend draws (`TREND_SERIES`), [epoch
    seconds, value] in time order, from the session's start. A series with more than
    `keep[name]` points (1,500 by default) is thinned evenly, its first and newest points
    kept: the central's trend must show the whole session (a 2-hour observation at one reading
    a second is 7,200 points), and about 30 kB per series keep the retained message small (no
    broker limit is set for it: Mosquitto's `message_size_limit` is off by default). `breaks`
    (epoch seconds, in time order): where the device lines break (`TrendPoints.breaks`), each
    with a value drawn since the one before (a monitor plugged in and out a hundred times
    without a value between breaks its lines once); a central drew a line across a short
    unplug, values nobody measured."""
    series: dict[str, list[list[float]]] = {}
    lines: list[float] = []   # times of the values of lines (a break between spot values is none)
    for name, at, value in observations:
        if name in TREND_SERIES:
            series.setdefault(name, []).append([round(at.timestamp(), 3), value])
            if name not in SPOT_SERIES:
                lines.append(at.timestamp())
    for name, points in series.items():
        limit = max(2, (keep or {}).get(name, 1500))
        points.sort(key=lambda p: p[0])
        if len(points) > limit:
            step = (len(points) - 1) / (limit - 1)
            series[name] = [points[round(i * step)] for i in range(limit)]
    lines.sort()
    kept: list[float] = []
    last = -math.inf
    for epoch in sorted(b.timestamp() for b in breaks):
        if bisect_right(lines, epoch) > bisect_right(lines, last):
            kept.append(round(epoch, 3))
            last = epoch
    return {"chair": chair, "session": session_id, "sent_at": iso(now), "series": series,
            "monitor_clock_off": monitor_clock_off, "breaks": kept}

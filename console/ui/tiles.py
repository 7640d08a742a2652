"""Numeric tiles: one per vital, readable across the room.

A tile shows the current value, its age, its source (device or manual), the active limits and is
coloured by the alarm on its metric. A value that is stale (older than `STALE_SECONDS`, or from a
device that is no longer connected) is greyed and says so: it is never shown as current. NIBP shows
when it was measured, since monitors repeat the last cuff reading in every message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import Moment
from console.session.alarms import Occurrence
from console.session.view import SessionView
from console.ui.alarm_bar import COLOURS
from protocols.vitals import metric
from devices.reading import MANUAL
from protocols.model import Priority

TILE_METRICS = ("bp_systolic", "heart_rate", "resp_rate", "spo2", "bp_mean", "pulse_rate")
# A continuous value older than this is not "now" (monitors send once a second); a manual or NIBP
# value is current until the next check is due, so it gets the longer limit.
STALE_SECONDS = 30.0
STALE_MANUAL_SECONDS = 20 * 60.0

# Titles share their line with the unit: short enough for both in a tile at 1366x768.
TILE_TITLES = {"bp_systolic": "Blood pressure", "resp_rate": "Resp. rate"}
VALUE_POINTS_MIN, VALUE_POINTS_MAX = 28, 48
VALUE_POINTS_PER_PIXEL = 0.22   # a 130-px tile (1366x768) gets 28 pt, a 180-px one (1920x1080) 39 pt

NORMAL = ("#1e272c", "white")
STALE = ("#546e7a", "#cfd8dc")


@dataclass(frozen=True, slots=True)
class TileView:
    """What one tile shows; computed from the engine, rendered by `VitalTile`."""

    title: str
    value: str
    detail: str
    limits: str
    background: str
    foreground: str
    stale: bool


def tile_view(engine: SessionView, name: str, now: Moment) -> TileView:
    m = metric(name)
    title = TILE_TITLES.get(name, m.label)
    limits = _limits(engine, name)
    latest = engine.latest(name)
    if latest is None:
        return TileView(title, "—", "no value yet", limits, *STALE, True)
    value = m.format(latest.reading.value)
    if name == "bp_systolic":
        diastolic = engine.latest("bp_diastolic")
        if diastolic is not None:
            value = f"{value}/{metric('bp_diastolic').format(diastolic.reading.value)}"
    age = now.mono - latest.at.mono
    manual = latest.reading.source == MANUAL
    source = "manual" if manual else "device"
    measured = ""   # short: the detail must stay within two lines of a tile at 1366x768
    if latest.reading.measured_at is not None and (manual or name.startswith("bp_")):
        measured = f" {latest.reading.measured_at.astimezone().strftime('%H:%M')}"
    stale = age > (STALE_MANUAL_SECONDS if manual or name.startswith("bp_") else STALE_SECONDS) or (
        not manual and engine.device_state != "connected")
    detail = f"{source}{measured} · {_age(age)} ago"   # the unit sits beside the value
    if stale:
        return TileView(title, value, f"STALE · {detail}", limits, *STALE, True)
    occurrence = _alarm_for(engine.alarms(), name)
    # One colour per priority across the console: the alarm bar's (prompts never colour a tile).
    colours = COLOURS[occurrence.priority] if occurrence and occurrence.priority > Priority.INFO else NORMAL
    return TileView(title, value, detail, limits, *colours, False)


def _alarm_for(occurrences: list[Occurrence], name: str) -> Occurrence | None:
    names = {name, "bp_diastolic"} if name == "bp_systolic" else {name}
    hits = [o for o in occurrences if o.category == "physiological" and o.condition.rsplit("_", 1)[0] in names]
    return max(hits, key=lambda o: o.priority) if hits else None


def _limits(engine: SessionView, name: str) -> str:
    """The active limits, one line per priority, highest first: "H ≥131 ≤40\\nM >110 <50"."""
    rules = [r for r in engine.protocol.rules_for(name) if r.absent_seconds is None]
    by_priority: dict[Priority, list[str]] = {}
    for rule in sorted(rules, key=lambda r: -r.priority):
        # "≥40 above baseline" as the trend labels it ("base+40"): one line per priority fits a tile.
        text = re.sub(r"≥(\S+) above baseline", r"base+\1", rule.describe_limit())
        by_priority.setdefault(rule.priority, []).append(text)
    return "\n".join(f"{p.label[0].upper()} {' '.join(parts)}" for p, parts in by_priority.items())


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


class VitalTile(QtWidgets.QFrame):
    """One vital's tile."""

    def __init__(self, name: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.metric_name = name
        self.setObjectName(f"tile_{name}")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(0)
        self.title = QtWidgets.QLabel()
        self.value = QtWidgets.QLabel()
        self.unit_label = QtWidgets.QLabel(metric(name).unit)
        self.detail = QtWidgets.QLabel()
        self.limits = QtWidgets.QLabel()
        self.limits.setWordWrap(True)
        self.detail.setWordWrap(True)
        for label, size in ((self.title, 13), (self.value, 30), (self.unit_label, 12),
                            (self.detail, 11), (self.limits, 11)):
            label.setStyleSheet(f"font-size:{size}pt;background:transparent;")
            # Long texts wrap inside the tile; they never widen its column over its neighbour's.
            label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        # The unit on the title's line, right-aligned: one line less under the value, and a wide
        # value (204/104) never pushes it out of the tile.
        title_row = QtWidgets.QHBoxLayout()
        title_row.setSpacing(6)
        self.unit_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.unit_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Minimum, QtWidgets.QSizePolicy.Policy.Preferred)
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.unit_label)
        layout.addLayout(title_row)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addWidget(self.limits)
        self.value_points = 0
        self._set_value_points(VALUE_POINTS_MIN)
        self.unit = metric(name).unit
        self.view: TileView | None = None

    def _set_value_points(self, points: int) -> None:
        if points != self.value_points:
            self.value_points = points
            self.value.setStyleSheet(f"font-size:{points}pt;font-weight:bold;background:transparent;")

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 - Qt override
        # The value grows with the tile: across the room on a 1920x1080 screen, and still leaving
        # room for the detail and limits lines at 1366x768.
        points = int(event.size().height() * VALUE_POINTS_PER_PIXEL)
        self._set_value_points(max(VALUE_POINTS_MIN, min(VALUE_POINTS_MAX, points)))
        super().resizeEvent(event)

    def show_view(self, view: TileView) -> None:
        if view == self.view:
            return
        self.view = view
        self.title.setText(view.title)
        self.value.setText(view.value)
        self.detail.setText(view.detail)
        self.limits.setText(view.limits)
        self.setStyleSheet(
            f"VitalTile {{background:{view.background};border-radius:6px;}}"
            f"QLabel {{color:{view.foreground};}}"
        )
        self.setProperty("stale", view.stale)


class TilePanel(QtWidgets.QWidget):
    """The tiles of the vitals, in registry order."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QGridLayout(self)
        layout.setSpacing(6)
        self.tiles = {name: VitalTile(name) for name in TILE_METRICS}
        for index, tile in enumerate(self.tiles.values()):
            layout.addWidget(tile, index // 2, index % 2)
        layout.setColumnStretch(0, 1)   # equal columns, whatever each tile's text
        layout.setColumnStretch(1, 1)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Preferred)

    def update_from(self, engine: SessionView, now: Moment) -> None:
        for name, tile in self.tiles.items():
            tile.show_view(tile_view(engine, name, now))

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(420, 420)

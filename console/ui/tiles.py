"""Numeric tiles: one per vital, readable across the room.

A tile shows the current value, its age, its source (device or manual), the active limits and is
coloured by the alarm on its metric. A value that is stale (older than `STALE_SECONDS`, or from a
device that is no longer connected) is greyed and says so: it is never shown as current. NIBP shows
when it was measured, since monitors repeat the last cuff reading in every message.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

from console.clock import Moment
from console.session.alarms import Occurrence
from console.session.engine import SessionEngine
from console.ui.alarm_bar import COLOURS
from console.vitals import metric
from devices.reading import MANUAL
from protocols.model import Priority

TILE_METRICS = ("bp_systolic", "heart_rate", "resp_rate", "spo2", "bp_mean", "pulse_rate")
# A continuous value older than this is not "now" (monitors send once a second); a manual or NIBP
# value is current until the next check is due, so it gets the longer limit.
STALE_SECONDS = 30.0
STALE_MANUAL_SECONDS = 20 * 60.0

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


def tile_view(engine: SessionEngine, name: str, now: Moment) -> TileView:
    m = metric(name)
    title = "Blood pressure" if name == "bp_systolic" else m.label
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
    measured = ""
    if latest.reading.measured_at is not None and (manual or name.startswith("bp_")):
        measured = f" · measured {latest.reading.measured_at.astimezone().strftime('%H:%M')}"
    stale = age > (STALE_MANUAL_SECONDS if manual or name.startswith("bp_") else STALE_SECONDS) or (
        not manual and engine.device_state != "connected")
    detail = f"{m.unit} · {source}{measured} · {_age(age)} ago"
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


def _limits(engine: SessionEngine, name: str) -> str:
    """The active limits, highest priority first: "H ≥131, ≤40 · M >110, <50"."""
    rules = [r for r in engine.protocol.rules_for(name) if r.absent_seconds is None]
    by_priority: dict[Priority, list[str]] = {}
    for rule in sorted(rules, key=lambda r: -r.priority):
        by_priority.setdefault(rule.priority, []).append(rule.describe_limit())
    return " · ".join(f"{p.label[0].upper()} {', '.join(parts)}" for p, parts in by_priority.items())


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
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(0)
        self.title = QtWidgets.QLabel()
        self.value = QtWidgets.QLabel()
        self.detail = QtWidgets.QLabel()
        self.limits = QtWidgets.QLabel()
        self.limits.setWordWrap(True)
        self.detail.setWordWrap(True)
        for label, size in ((self.title, 13), (self.value, 30), (self.detail, 11), (self.limits, 11)):
            label.setStyleSheet(f"font-size:{size}pt;background:transparent;")
            layout.addWidget(label)
        self.value.setStyleSheet("font-size:30pt;font-weight:bold;background:transparent;")
        self.unit = metric(name).unit
        self.view: TileView | None = None

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
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Preferred)

    def update_from(self, engine: SessionEngine, now: Moment) -> None:
        for name, tile in self.tiles.items():
            tile.show_view(tile_view(engine, name, now))

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(420, 420)

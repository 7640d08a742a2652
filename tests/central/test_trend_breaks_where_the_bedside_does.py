"""A chair's trend at the central breaks its device lines where the bedside's does: at an unplug
of the monitor and at a restart of the chair's console, however short (trend_feed.py). The
central got only points (PCD-01 values, trend snapshots) and broke a line only after the feed's
2 minutes without a value: HR 80 was joined to HR 140 across 100 s unplugged, values nobody
measured. A central started after the unplug, from the chair's retained snapshot, breaks it
there too. Typed values are spot values: never broken."""

from __future__ import annotations

import numpy as np

from console.network import bus_topics
from console.network.chair_status import TrendPoints, build_trend
from console.records import EventRecord, ObservationRecord
from console.ui.central_trend import CentralTrendDialog
from tests.central.helpers import Central, MemoryLog


def lines(dialog: CentralTrendDialog, metric: str, manual: bool = False) -> list[list[float]]:
    """The values of each stretch of a series drawn as one line (NaN points break it), each
    value once."""
    out: list[list[float]] = []
    current: list[float] = []
    for value in dialog.plot.feed.series(metric, manual)[1].tolist():
        if np.isnan(value):
            out, current = out + [current] * bool(current), []
        else:
            current.append(value)
    return [sorted(set(line)) for line in out + [current] * bool(current)]


def unplugged_for_100_s(central: Central, **status: object):
    """HR 80 for 5 min, a typed HR 82; the monitor unplugged 100 s; HR 140 and a typed 138.
    Each second the chair's new values go out as PCD-01 and its status (with `status`'s
    fields) follows; returns the chair."""
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    sent = 0

    def send() -> None:
        nonlocal sent
        records = chair.observations()
        if records[sent:]:
            central.deliver(chair.pcd01(records[sent:]))
            sent = len(records)
        central.deliver(chair.status(**status))

    for second in range(1, 301):
        central.t(second)
        chair.device("heart_rate", 80)
        if second == 240:
            central.t(second + 0.5)
            chair.s.manual("heart_rate", 82, confirmed=True)
        send()
    central.t(301)
    chair.s.engine.device_state_changed("disconnected", central.now())
    send()
    for second in range(302, 400, 2):
        central.t(second)
        send()
    central.t(400)
    chair.s.engine.device_state_changed("connected", central.now())
    for second in range(401, 461):
        central.t(second)
        chair.device("heart_rate", 140)
        if second == 430:
            central.t(second + 0.5)
            chair.s.manual("heart_rate", 138, confirmed=True)
        send()
    return chair


def test_the_central_trend_breaks_a_device_line_at_a_short_unplug(qtbot):
    central = Central(MemoryLog())
    unplugged_for_100_s(central)
    dialog = CentralTrendDialog(central.board, "chair-1", central.clock)
    qtbot.addWidget(dialog)
    assert lines(dialog, "heart_rate") == [[80.0], [140.0]]
    assert lines(dialog, "heart_rate", manual=True) == [[82.0, 138.0]]


def test_a_dialog_open_during_the_unplug_breaks_its_line_as_values_come_back(qtbot):
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    dialog = None
    for second in range(1, 461):
        central.t(second)
        if second == 301:
            chair.s.engine.device_state_changed("disconnected", central.now())
        elif second == 400:
            chair.s.engine.device_state_changed("connected", central.now())
        elif second < 301 or second > 400:
            chair.device("heart_rate", 80 if second < 301 else 140)
            central.deliver(chair.pcd01(chair.observations()[-1:]))
        central.deliver(chair.status())
        if second == 350:   # the charge nurse opens the trend while the monitor is unplugged
            dialog = CentralTrendDialog(central.board, "chair-1", central.clock)
            qtbot.addWidget(dialog)
        elif dialog is not None and second % 2 == 0:   # its refresh timer
            dialog.take_new_points()
    assert dialog is not None
    dialog.take_new_points()
    assert lines(dialog, "heart_rate") == [[80.0], [140.0]]


def test_a_central_started_after_the_unplug_breaks_the_line_from_the_chairs_snapshot(qtbot):
    live = Central(MemoryLog())
    chair = unplugged_for_100_s(live)
    # The chair's retained snapshot, built by its own code from its log.
    records = list(enumerate(chair.s.recorder.records, start=1))
    points = TrendPoints(chair.s.engine.session_id)
    placed = points.add([(i, r) for i, r in records if isinstance(r, ObservationRecord)],
                        events=[(i, r) for i, r in records if isinstance(r, EventRecord)])
    snapshot = build_trend(chair.name, chair.s.engine.session_id, live.now().wall, placed,
                           breaks=points.breaks)
    # A station started now: the retained status and snapshot are all it gets.
    late = Central(MemoryLog(), live.clock)
    late.deliver(chair.status())
    late.deliver((chair.topic("trend"), bus_topics.encode(snapshot)))
    dialog = CentralTrendDialog(late.board, "chair-1", late.clock)
    qtbot.addWidget(dialog)
    # (A snapshot does not say which values were typed: they are drawn with the monitor's.)
    before, after = lines(dialog, "heart_rate")
    assert 80.0 in before and 140.0 not in before
    assert 140.0 in after and 80.0 not in after
    # The same break as the station that heard it live.
    assert late.board.trend("chair-1").breaks == live.board.trend("chair-1").breaks


def test_a_restart_of_the_chairs_console_breaks_its_lines(qtbot):
    # The console stopped and started again within 30 s: its statuses carry another run token
    # (`instance`), its monitor connected again at once.
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    for second in range(1, 331):
        central.t(second)
        if not 300 < second < 330:
            chair.device("heart_rate", 80 if second <= 300 else 140)
            central.deliver(chair.pcd01(chair.observations()[-1:]))
        if second <= 300:
            central.deliver(chair.status(instance="run-1"))
        elif second >= 329:
            central.deliver(chair.status(instance="run-2"))
    dialog = CentralTrendDialog(central.board, "chair-1", central.clock)
    qtbot.addWidget(dialog)
    assert lines(dialog, "heart_rate") == [[80.0], [140.0]]


def test_a_snapshot_break_that_is_no_time_is_counted_and_its_points_drawn(qtbot):
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(600)
    central.deliver(chair.status())
    data = central.board.trend("chair-1")
    start = data.started_at.timestamp()
    central.deliver((chair.topic("trend"), bus_topics.encode({
        "chair": "chair-1", "session": data.session, "sent_at": central.now().wall.isoformat(),
        "series": {"heart_rate": [[start + 60 * i, 70 + i] for i in range(6)]},
        "breaks": [start + 150, "soon", 1e15]})))
    assert central.board.ignored == 1 and "2 trend break(s)" in central.board.last_ignored
    dialog = CentralTrendDialog(central.board, "chair-1", central.clock)
    qtbot.addWidget(dialog)
    assert lines(dialog, "heart_rate") == [[70.0, 71.0, 72.0], [73.0, 74.0, 75.0]]

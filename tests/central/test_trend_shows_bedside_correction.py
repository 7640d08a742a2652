"""The central trend shows what the bedside shows. A typed value corrected at the bedside: the
bedside's trend (and the chair's own snapshot, chair_status.TrendPoints) shows the corrected
value at the measurement's time. The central's trend dialog (kept per chair, shown again) only
ever added points later than the last drawn, so the typo stayed drawn beside the correction for
the rest of the session. Now a change of the board's points that is not new points after those
drawn draws the trend afresh from the board; new points alone are only added."""

from __future__ import annotations

from console.network import bus_topics
from console.network.chair_status import TrendPoints, build_trend
from console.records import ObservationRecord
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for

NURSE = "nurse.ana"


def _rows(chair):
    return [(i + 1, r) for i, r in enumerate(chair.s.recorder.records)
            if isinstance(r, ObservationRecord)]


def _in_session(central: Central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(120)
    central.deliver(chair.status())
    return chair


def _snapshot(central: Central, chair, hr: list[tuple[float, float]]):
    """The chair's trend snapshot with these HR points (seconds after now, value)."""
    now = central.now().wall.timestamp()
    return chair.topic("trend"), bus_topics.encode({
        "chair": chair.name, "session": chair.s.engine.session_id,
        "sent_at": central.now().wall.isoformat(),
        "series": {"heart_rate": [[round(now + dt, 3), v] for dt, v in hr]}})


def _hr_drawn(dialog) -> list[float]:
    return list(dialog.plot.curve_data("heart_rate", False)[1])


def test_a_corrected_typed_value_is_not_left_drawn_on_the_central_trend(qtbot):
    central = Central(MemoryLog())
    window = window_for(qtbot, central)
    chair = _in_session(central)
    # The nurse types HR 150 (meant 105); its PCD-01 reaches the central.
    verdict, row = chair.s.engine.enter_manual_row("heart_rate", 150, NURSE, central.now(),
                                                   confirmed=True)
    assert row is not None, verdict
    central.deliver(chair.pcd01([chair.observations()[-1]]))
    window.refresh()
    dialog = window.open_trend("chair-1")   # the charge nurse looks at the trend
    qtbot.waitExposed(dialog)
    assert list(dialog.plot.curve_data("heart_rate", True)[1]) == [150]
    dialog.close()
    # 20 s later the bedside corrects it to 105 (a new row pointing at the typo).
    central.t(140)
    central.deliver(chair.status())
    chair.s.engine.correct(row, "heart_rate", 105, NURSE, central.now(), "typed 150, meant 105",
                           confirmed=True)
    central.deliver(chair.pcd01([chair.observations()[-1]]))
    # The chair's next trend snapshot, built by its own code: 105 at the typo's time.
    points = TrendPoints(chair.s.engine.session_id).add(_rows(chair))
    snapshot = build_trend("chair-1", chair.s.engine.session_id, central.now().wall, points)
    hr = [p[1] for p in snapshot["series"]["heart_rate"]]
    assert 105 in hr and 150 not in hr
    central.deliver((chair.topic("trend"), bus_topics.encode(snapshot)))
    central.t(150)
    central.deliver(chair.status())
    # The board itself now says 105 only.
    assert 150 not in [v for _, v, _ in central.board.trend("chair-1").series["heart_rate"]]
    # The nurse opens the trend again: it shows what the bedside shows, not the typo.
    dialog = window.open_trend("chair-1")
    dialog.timer.timeout.emit()
    typed = list(dialog.plot.curve_data("heart_rate", True)[1])
    assert 150 not in typed, typed
    assert 105 in typed + _hr_drawn(dialog), typed


def test_a_value_the_bedside_took_back_leaves_the_open_trend(qtbot):
    central = Central(MemoryLog())
    window = window_for(qtbot, central)
    chair = _in_session(central)
    central.deliver(_snapshot(central, chair, [(-20, 100), (-10, 150)]))
    dialog = window.open_trend("chair-1")
    qtbot.waitExposed(dialog)
    assert _hr_drawn(dialog) == [100, 150]
    # The next snapshot no longer has 150 (entered in error at the bedside), and a new value.
    central.t(150)
    central.deliver(chair.status())
    central.deliver(_snapshot(central, chair, [(-50, 100), (0, 102)]))
    dialog.timer.timeout.emit()   # the dialog stays open: its own timer takes the change
    assert _hr_drawn(dialog) == [100, 102]
    assert dialog.redrawn == 1


def test_new_points_alone_are_added_without_drawing_afresh(qtbot):
    central = Central(MemoryLog())
    window = window_for(qtbot, central)
    chair = _in_session(central)
    central.deliver(_snapshot(central, chair, [(-20, 100), (-10, 101)]))
    dialog = window.open_trend("chair-1")
    qtbot.waitExposed(dialog)
    central.t(150)
    central.deliver(chair.status())
    central.deliver(_snapshot(central, chair, [(-50, 100), (-40, 101), (0, 103)]))
    assert dialog.take_new_points() == 1
    dialog.plot.refresh()
    assert _hr_drawn(dialog) == [100, 101, 103]
    assert dialog.redrawn == 0

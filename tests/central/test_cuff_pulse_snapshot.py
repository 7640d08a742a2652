"""The chair's trend snapshot (chair_status.build_trend) keeps only the six VITALS: the cuff's
pulse, drawn on the bedside's trend (series `cuff_pulse`), is never in it. A central started
(or restarted) after the cuff measured draws the BP but never that pulse, which the bedside's
trend and a central that was running both draw."""
from __future__ import annotations

from console.network import bus_topics
from console.network.chair_status import TrendPoints, build_trend
from console.records import ObservationRecord
from console.session.trend_feed import CUFF_PULSE
from devices.reading import NIBP_PULSE
from tests.central.helpers import Central, MemoryLog


def test_a_station_started_later_draws_the_cuff_pulse_the_bedside_draws():
    running = Central(MemoryLog())
    chair = running.chair("chair-1", "Room 1")
    chair.start_infusion()
    running.deliver(chair.status())
    running.t(60)
    for name, value in (("bp_systolic", 128), ("bp_diastolic", 80), ("bp_mean", 96)):
        chair.device(name, value)
    chair.device("pulse_rate", 77, flags=frozenset({NIBP_PULSE}))
    records = chair.observations()
    assert any(r.metric == "pulse_rate" for r in records)
    running.deliver(chair.pcd01(records))
    running.deliver(chair.status())
    # The station that was running draws the cuff's pulse, as the bedside does.
    assert CUFF_PULSE in running.board.trend("chair-1").series

    # A station started now: the chair's retained status and trend snapshot (built by the
    # chair's own code) are what it has of the session's first minute.
    rows = [(i + 1, r) for i, r in enumerate(chair.s.recorder.records)
            if isinstance(r, ObservationRecord)]
    sid = chair.s.engine.session_id
    points = TrendPoints(sid, chair.s.engine.started.wall).add(rows)
    assert any(name == CUFF_PULSE for name, _, _ in points)   # the bedside's trend has it
    snapshot = build_trend("chair-1", sid, running.now().wall, points)
    late = Central(MemoryLog(), clock=running.clock)
    late.deliver(chair.status())
    late.deliver((chair.topic("trend"), bus_topics.encode(snapshot)))
    series = late.board.trend("chair-1").series
    assert "bp_systolic" in series
    assert CUFF_PULSE in series, f"drawn here: {sorted(series)}; the bedside draws {CUFF_PULSE}"

"""What the central station takes as a chair's clock (`Board.chair_now`, `_trend_window`).

- After a restart of the station, a newer retained status from the broker says nothing of when
  it came: read against the arrival of the last *logged* status (statuses are logged only when
  something changes), a hung chair's clock was put half an hour ahead and its trend ran into an
  empty stretch larger than the real silence (a review of f7d67db).
- A monitor whose clock is a little fast (within the bedside's SKEW_LIMIT_S) has its NIBP drawn
  at its measured time by the bedside, ahead of the chair's clock: such a point is no point
  "outside the session" (every cuff cycle was counted as an ignored message and not drawn).
"""

from __future__ import annotations

from datetime import timedelta

from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog
from console.network import bus_topics
from console.network.chair_status import TrendPoints, build_trend
from tests.central.helpers import Bus, Central, MemoryLog


def test_a_hung_chairs_clock_after_a_station_restart_is_not_put_ahead(tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    values = {"heart_rate": 72, "spo2": 98, "resp_rate": 14}
    for second in range(0, 1800, 2):   # 30 quiet minutes: the log keeps the first status only
        central.t(second)
        chair.monitor(values)
        central.deliver(chair.status())
    central.t(2100)                    # the station stopped at 30 min; the chair hangs at 35
    retained = chair.status()
    now = central.t(2400)              # the station starts again at 40 min
    board = Board("desk", log, Bus())
    since = now.wall - timedelta(seconds=RESTORE_S)
    board.restore({c: [(r.kind, r.received_at, r.payload) for r in rows]
                   for c, rows in log.last_words(since).items()}, now)
    board.set_bus(True, "Connected", now)
    board.receive(*retained, now, retained=True)
    assert board.chairs["chair-1"].status_sent_at == now.wall - timedelta(seconds=300)
    off = (board.chair_now("chair-1", now) - now.wall).total_seconds()
    assert abs(off) < 60, f"the chair's clock put {off / 60:.0f} min ahead of the real now"
    log.close()


def test_the_nibp_of_a_monitor_30_s_fast_is_drawn_not_refused():
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(600)
    central.deliver(chair.status())
    ahead = chair.clock.now().wall + timedelta(seconds=30)   # the monitor's clock, 30 s fast
    for name, value in (("bp_systolic", 118), ("bp_diastolic", 76), ("bp_mean", 90)):
        chair.device(name, value, measured_at=ahead)
    points = TrendPoints(chair.s.engine.session_id).add(enumerate(chair.observations(), start=1))
    assert any(name == "bp_systolic" and at == ahead for name, at, _ in points), points
    snapshot = build_trend("chair-1", chair.s.engine.session_id, chair.clock.now().wall, points)
    central.deliver((chair.topic("trend"), bus_topics.encode(snapshot)))
    assert central.board.ignored == 0, central.board.last_ignored
    drawn = central.board.trend("chair-1").series.get("bp_systolic", [])
    assert any(v == 118 for _, v, _ in drawn), drawn


def test_vitals_stamped_before_a_chair_clock_step_back_stay_on_the_trend():
    # NTP steps the chair's clock back 5 min: its next snapshot still holds the minutes it
    # stamped before the step, ahead of its clock now; they had left the charge nurse's trend
    # (and counted as ignored) until the chair's clock caught up.
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    sid = chair.s.engine.session_id
    points = []
    for second in range(0, 601, 2):
        now = central.t(second)
        points.append(("spo2", now.wall, 95.0 + (second // 60) % 3))
        central.deliver(chair.status())
    central.deliver((chair.topic("trend"), bus_topics.encode(
        build_trend("chair-1", sid, central.now().wall, points))))
    drawn_before = len(central.board.trend("chair-1").series["spo2"])
    step = timedelta(seconds=300)
    for second in range(602, 661, 2):
        now = central.t(second)
        points.append(("spo2", now.wall - step, 97.0))
        central.deliver(chair.status(sent_at=(now.wall - step).isoformat()))
    central.deliver((chair.topic("trend"), bus_topics.encode(
        build_trend("chair-1", sid, central.now().wall - step, points))))
    assert central.board.ignored == 0, central.board.last_ignored
    assert len(central.board.trend("chair-1").series["spo2"]) >= drawn_before

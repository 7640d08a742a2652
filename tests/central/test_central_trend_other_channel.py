"""The central station's trend of a chair whose monitor sends SpO2 on two probes (Comen OBX-4
1.3.1.150456 / 1.3.2.150456): the bedside judges 85 (high alarm, tile 85, trend 85); the
central's trend reads 85 too, from the PCD-01s as from the chair's trend snapshot, never the
other probe's 97 (it drew 97 all along beside a chair alarming at 85)."""
from __future__ import annotations

from console.network import bus_topics
from console.network.chair_status import TrendPoints, build_trend
from console.records import ObservationRecord
from devices.reading import Reading
from tests.central.helpers import Central, Chair, MemoryLog


def _two_probe_chair(central: Central, seconds: int = 10) -> Chair:
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    for s in range(60, 60 + seconds):
        now = central.t(s)
        assert chair.s is not None
        chair.s.engine.ingest_message([
            Reading("spo2", 85, "%", now.wall, now.wall, "hl7:SIM", "1.3.1.150456",
                    message=f"M{s}"),
            Reading("spo2", 97, "%", now.wall, now.wall, "hl7:SIM", "1.3.2.150456",
                    message=f"M{s}"),
        ], now)
        chair.s.engine.tick(now)
        # One commit's PCD-01, both probes as the monitor sent them (the clinic's engine gets
        # both).
        central.deliver(chair.pcd01(chair.observations()[-2:]))
        for m in chair.new_pcd04s():
            central.deliver(m)
    central.deliver(chair.status())
    return chair


def _snapshot(chair: Chair, central: Central) -> tuple[str, bytes]:
    """The chair's trend snapshot as its console builds it from its log's rows."""
    assert chair.s is not None
    rows = [(i + 1, r) for i, r in enumerate(chair.s.recorder.records)
            if isinstance(r, ObservationRecord)]
    sid = chair.s.engine.session_id
    points = TrendPoints(sid, chair.s.engine.started.wall).add(rows)
    return chair.topic("trend"), bus_topics.encode(
        build_trend("chair-1", sid, central.now().wall, points))


def test_the_bedside_judges_85_and_the_card_shows_it() -> None:
    central = Central(MemoryLog())
    chair = _two_probe_chair(central)
    assert [(o.condition, o.priority.label) for o in chair.occurrences()] == [("spo2_low", "high")]
    assert chair.s is not None
    latest = chair.s.engine.latest("spo2")
    assert latest is not None and latest.reading.value == 85
    texts = {v.label: v.text for v in central.card("chair-1").vitals}
    assert "85" in texts["SpO2"], texts


def test_the_central_trend_from_the_pcd01s_shows_the_judged_spo2_not_the_other_probe() -> None:
    central = Central(MemoryLog())
    _two_probe_chair(central)
    values = [v for _, v, _ in central.board.trend("chair-1").series["spo2"]]
    assert values and set(values) == {85.0}, (
        f"central SpO2 trend {values}: the chair alarms on SpO2 85 (its tile and trend 85)")


def test_the_chairs_trend_snapshot_holds_the_judged_spo2_only() -> None:
    central = Central(MemoryLog())
    chair = _two_probe_chair(central)
    topic, payload = _snapshot(chair, central)
    snapshot = bus_topics.decode(payload)
    assert snapshot is not None
    sent = [v for _, v in snapshot["series"]["spo2"]]
    assert len(sent) == 10 and set(sent) == {85}, f"the snapshot sent SpO2 {sent}"


def test_a_central_started_later_draws_85_only_from_the_snapshot_and_the_pcd01s_after() -> None:
    running = Central(MemoryLog())
    chair = _two_probe_chair(running)
    late = Central(MemoryLog(), clock=running.clock)
    late.deliver(chair.status())
    late.deliver(_snapshot(chair, running))
    drawn = [v for _, v, _ in late.board.trend("chair-1").series["spo2"]]
    assert len(drawn) == 10 and set(drawn) == {85.0}, (
        f"a central started later draws SpO2 {drawn}: the chair's SpO2 is 85")
    # The next seconds come as PCD-01s, both probes in each: still 85 only.
    assert chair.s is not None
    for s in range(70, 73):
        now = late.t(s)
        chair.s.engine.ingest_message([
            Reading("spo2", 97, "%", now.wall, now.wall, "hl7:SIM", "1.3.2.150456",
                    message=f"M{s}"),
            Reading("spo2", 84, "%", now.wall, now.wall, "hl7:SIM", "1.3.1.150456",
                    message=f"M{s}"),
        ], now)
        late.deliver(chair.pcd01(chair.observations()[-2:]))
    drawn = [v for _, v, _ in late.board.trend("chair-1").series["spo2"]]
    assert drawn == [85.0] * 10 + [84.0] * 3, drawn

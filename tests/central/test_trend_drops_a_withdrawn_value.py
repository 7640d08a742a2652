"""A value entered in error at the chair leaves the central's trend when its withdrawal comes: a
PCD-01 that posts it as wrong (OBX-11 W, console/network/composer.py), read as the value taken
back (pcd_read `withdrawn`). The typed systolic 250 had stayed drawn at the central, and a
trend snapshot that held it before the take-back too, until the chair's next snapshot."""

from __future__ import annotations

from console.network import bus_topics
from console.network.pcd import PatientShown, pcd01, sent_observation
from tests.central.helpers import Central, MemoryLog

NURSE = "nurse.ana"


def _systolic(central: Central) -> list[float]:
    return [v for _, v, _ in central.board.trend("chair-1").series.get("bp_systolic", [])]


def test_a_value_withdrawn_at_the_chair_leaves_the_central_trend():
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(120)
    central.deliver(chair.status())
    _, row = chair.s.engine.enter_manual_row("bp_systolic", 250, NURSE, central.now(),
                                             confirmed=True)
    assert row is not None
    typo = chair.observations()[-1]
    topic, first = chair.pcd01([typo])
    central.deliver((topic, first))
    # The chair's trend snapshot of the moment holds it too.
    at = typo.measured_at.timestamp()
    central.deliver((chair.topic("trend"), bus_topics.encode({
        "chair": chair.name, "session": chair.s.engine.session_id,
        "sent_at": central.now().wall.isoformat(),
        "series": {"bp_systolic": [[round(at - 60, 3), 120], [round(at, 3), 250]]}})))
    assert _systolic(central) == [120, 250]
    central.t(10)
    central.deliver(chair.status())
    assert chair.s.engine.void(row, "bp_systolic", NURSE, central.now(), "typed 250").done
    sent = sent_observation(typo, [first.decode()])
    assert sent is not None
    central.deliver((topic, pcd01([typo], control_id="OBS-W", sent_at=central.now().wall,
                                  station=chair.station, patient=PatientShown(chair.patient),
                                  wrong=sent).encode()))
    assert _systolic(central) == [120]
    assert central.board.ignored == 0

"""Listeners hear of a change only after its records are committed
(console/session/engine.py module docstring and `_step`: "Commit first, then the state stands,
then notify ... so no alarm is ever shown whose `raised` row is not in the log").

Telling the listeners before `_commit` as well as after passes every existing test: nothing
checks what a listener can read at the moment it is told. With that slip the window paints an
alarm (and the sounder starts its burst) while its `raised` row is not yet on disk; a kill then
leaves an alarm the nurse saw and heard that the log, the review and the restart never knew."""

from __future__ import annotations

from console.records import AlarmTransition
from devices.reading import Reading
from tests.session.helpers import Session


def test_every_alarm_a_listener_can_see_has_its_row_in_the_log_when_it_is_told():
    s = Session()
    s.to_infusion()
    unlogged: list[str] = []

    def listener() -> None:
        logged = {r.occurrence for r in s.recorder.records if isinstance(r, AlarmTransition)}
        unlogged.extend(f"{o.id} {o.message}" for o in s.engine.alarms() if o.id not in logged)

    s.engine.subscribe(listener)
    s.t(60)
    now = s.now()
    s.engine.ingest_message([Reading("spo2", 85, "%", now.wall, now.wall, "hl7:SIM")], now)
    assert s.engine.alarms(), "SpO2 85 raised no alarm"
    assert unlogged == [], f"listener told of alarms not yet in the log: {unlogged}"

"""A monitor lost live while the log refused writes is said at the restart: "Records from
before the restart are not in the log" counts its alarm changes. Leaving out a restart's own
bookkeeping (what it finds again on its own at a resume) had left out those conditions by name,
whoever wrote them: the monitor unplugged for minutes, the nurse acknowledging "Device
disconnected", all held, and the restart said nothing: no trace the patient went unmonitored,
Support never told of the file (a review)."""

from __future__ import annotations

from pathlib import Path

from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (  # noqa: F401 - fixture
    Locked, log_in, resumed, spare_folder, unsaved_alarm)


def test_a_live_monitor_loss_held_at_a_kill_is_said_at_the_restart(tmp_path: Path) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        s.to_infusion()
        s.engine.device_state_changed("connected", s.now())
        start = s.now().mono - s.origin
        s.t(start + 5); s.device("heart_rate", 80)   # logged
        s.engine.writes.recorder = Locked(log)        # the log refuses writes from here
        s.t(start + 10)
        s.engine.device_state_changed("disconnected", s.now(), "cable pulled")
        lost = [o for o in s.engine.alarms() if o.condition == "device_lost"]
        assert lost, [o.condition for o in s.engine.alarms()]
        s.t(start + 20)
        assert s.engine.acknowledge(lost[0].id, "nurse.ana", s.now()).done
        s.t(start + 300)                              # 5 minutes unmonitored, all held
        (held,) = log.path.parent.glob("unsaved-records-*.jsonl")
        assert "device_lost" in held.read_text()
        engine = resumed(s)                           # killed; restarted on a free log
        alarms = unsaved_alarm(engine)
        assert alarms, (f"{held.name} holds a live 'Device disconnected' alarm (raised, "
                        "acknowledged by nurse.ana) that is in no log, and the restart said "
                        "nothing")
        # Raised and acknowledged, and the monitor's state: the episode the record lacks.
        assert alarms == [("medium", "latched",
                           "Records from before the restart are not in the log: 3 alarm "
                           f"changes, 1 other entry in {held.name}: re-enter what matters, "
                           "tell Support")]
    finally:
        log.close()

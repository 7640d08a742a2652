"""The monitor sent a respiratory rate, so one is expected (README: "Only a vital a monitor has
sent in this session is expected"), even once that value is entered in error: the apnoea that
follows stands after a restart as it does live (R10). The restart's replay skips a value entered
in error, and with it the monitor's having sent the vital: the standing "No respiratory rate"
latched at the restart as if breathing had been counted, and no apnoea was watched after it
(found by a differential fuzzer, fuzz_late seed 326).
"""

from __future__ import annotations

import pytest

from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, alarms, log, restart  # noqa: F401


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_an_apnoea_after_the_monitors_rate_is_taken_back_stands_after_a_restart(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    start = s.now().mono - s.origin
    s.t(start + 10); s.device("resp_rate", 14)                 # the monitor's rate
    monitors = s.engine._state.rows["resp_rate"][-1][0]
    s.t(start + 20); s.manual("resp_rate", 14)                 # the nurse counts 14
    s.t(start + 25)                                            # the monitor's was an artefact
    assert s.engine.void(monitors, "resp_rate", NURSE, s.now(), "artefact").done
    s.t(start + 45)                                            # no breath counted for 25 s
    (apnoea,) = alarms(s.engine, "resp_rate_low")
    assert (apnoea.priority.label, apnoea.state.value, apnoea.message) == (
        "high", "active", "No respiratory rate for 25 s")
    if restarted:
        restart(s, 0, reads_device=True)
        s.engine.device_state_changed("connected", s.now())
    s.t(start + 50)
    assert [(o.id, o.priority.label, o.state.value, o.message)
            for o in alarms(s.engine, "resp_rate_low")] == [
        (apnoea.id, "high", "active", "No respiratory rate for 30 s")]

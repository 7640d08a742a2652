"""An acknowledged apnoea, then one breath counted, then none: the alarm ends 10 s after the
breath (back inside its limits), and the silence after it is a new apnoea that sounds. When the
console's clock ticks came late (a machine busy or suspended for 30 s), the late tick found the
apnoea again before it had ended the acknowledged one, and kept it on, acknowledged and silent;
a restart then ended it, as its log said the breath, and the nurse had no apnoea alarm at all
until the restarted console had timed the silence anew (a review)."""

from __future__ import annotations

import pytest

from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, alarms, log, restart  # noqa: F401

NURSE = "nurse.ana"


def _banners(s: LoggedSession) -> list[tuple[str, str]]:
    return [(o.state.value, o.banner()) for o in alarms(s.engine, "resp_rate_low")]


@pytest.mark.parametrize("ticks", ["every second", "30 s late"])
def test_an_apnoea_after_the_breath_that_ended_an_acknowledged_one_sounds(
        log: EventLog, ticks: str) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.engine.device_state_changed("connected", s.now())
    for second in range(1, 30, 2):                 # a monitor that counts the breathing only
        s.t(start + second); s.device("resp_rate", 14)
    for second in range(30, 52):                   # then no breath: the apnoea
        s.t(start + second)
    (apnoea,) = alarms(s.engine, "resp_rate_low")
    assert s.engine.acknowledge(apnoea.id, NURSE, s.now()).done
    s.t(start + 52); s.device("resp_rate", 14)     # one breath
    if ticks == "every second":
        for second in range(53, 83):
            s.t(start + second)
    else:
        s.t(start + 82)
    assert _banners(s) == [("active", "*** No respiratory rate for 30 s")]
    assert s.sounding() == "high"
    restart(s, 5, reads_device=True)
    s.engine.device_state_changed("connected", s.now())
    s.engine.tick(s.now())
    assert _banners(s) == [("active", "*** No respiratory rate for 35 s")]
    assert s.sounding() == "high"

"""An unseen high "Respiratory rate 7", then no rate at all from the monitor: live the same
alarm (still high) reads "No respiratory rate for 20 s". Nothing else came to the log after the
RR 7, so a restart could not tell the apnoea from a console that stopped at the RR 7: it read
"Respiratory rate 7" again, a patient breathing at 7, until the restarted engine had timed the
silence anew (a review). The change of words is logged, and read back."""

from __future__ import annotations

import pytest

from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, alarms, log, restart  # noqa: F401


def _banners(s: LoggedSession) -> list[tuple[int, str, str]]:
    return [(o.id, o.state.value, o.banner()) for o in alarms(s.engine, "resp_rate_low")]


@pytest.mark.parametrize("reads_device", [True, False], ids=["monitor-read", "no-monitor"])
def test_rr7_that_became_an_apnoea_reads_the_apnoea_after_a_restart(
        log: EventLog, reads_device: bool) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.engine.device_state_changed("connected", s.now())
    for second in range(1, 30, 2):                 # a monitor that counts the breathing only
        s.t(start + second); s.device("resp_rate", 14)
    s.t(start + 31); s.device("resp_rate", 7)      # high "Respiratory rate 7"
    for second in range(32, 52):                   # then nothing from the monitor
        s.t(start + second)
    live = _banners(s)
    assert [banner for _, _, banner in live] == ["*** No respiratory rate for 20 s"]
    # Killed, and started again 5 s later: the same apnoea, timed from the last breath counted.
    restart(s, 5, reads_device)
    assert _banners(s) == [(live[0][0], "active", "*** No respiratory rate for 25 s")]
    assert s.sounding() == "high"

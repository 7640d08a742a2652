"""A monitor's value corrected by the nurse is a typed value: its tile reads "manual …" and keeps
it current 20 min, and a sustained limit counts it so, live as after a restart (R10). A monitor's
HR 135 corrected to 125 stayed medium ">110" live however long the 125 stood (the tracker took
it for a monitor's value, current 30 s), where a restart raised the high ">120 for 5 min" 5 min
after the correction (found by a differential fuzzer, fuzz_late seed 156; README: "A sustained
limit counts readings that came one after another ... 20 min for a typed value").
"""

from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401


def _heart_rate(s: LoggedSession) -> list[tuple[str, str]]:
    """(priority, message) of the heart rate's high-side alarm on the board."""
    return [(o.priority.label, o.message) for o in s.engine.alarms()
            if o.condition == "heart_rate_high"]


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_monitor_heart_rate_corrected_to_125_is_raised_high_5_min_after_the_correction(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.engine.device_state_changed("connected", s.now())
    s.t(170); s.device("heart_rate", 135)                      # high: >=131
    row = s.engine._state.rows["heart_rate"][-1][0]
    s.t(330)                                                   # the monitor sends no HR since
    assert isinstance(s.engine.correct(row, "heart_rate", 125, NURSE, s.now(),
                                       "monitor read the pump", confirmed=True), Accepted)
    assert _heart_rate(s) == [("medium", "Heart rate 125 beats/min, limit >110")]
    if restarted:
        restart(s, 0, reads_device=True)
        s.engine.device_state_changed("connected", s.now())
    s.t(330 + 299)                                             # the typed 125 is still current
    assert [p for p, _ in _heart_rate(s)] == ["medium"]
    s.t(330 + 300)                                             # its 5 minutes: high, as typed
    assert _heart_rate(s) == [("high", "Heart rate 125 beats/min, limit >120 for 5 min")]

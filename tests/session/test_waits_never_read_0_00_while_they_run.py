"""A wait still running never reads "0:00" (`format_duration(round_up=True)`, as the rest's
countdown, `device_rest._clock`): 0.4 s before esketamine's 2 hours the discharge was refused
"… after the first dose: 0:00 min left", the Observation "must last 0:00 min more" and the item
"Discharge time logged" "waits for the discharge time: 0:00 min left" (an esketamine review)."""

from __future__ import annotations

from pathlib import Path

from console.store import EventLog
from tests.session.test_esketamine_checks_from_t0 import T0, _devices_given
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401 - the fixture
from tests.session.test_scores_since_dose import NURSE, Run

ALMOST = 0.4 / 60                      # minutes: 0.4 s before a wait ends


def _observation(tmp_path: Path) -> Run:
    """Devices at T0 and T0 + 5, Observation from T0 + 10: its 2 hours end at T0 + 120."""
    r = _devices_given(tmp_path)
    r.at(T0 + 10); r.advance()
    return r


def test_the_two_hours_read_a_second_left_not_0_00_while_they_refuse(tmp_path: Path) -> None:
    r = _observation(tmp_path)
    r.at(T0 + 120 - ALMOST)
    assert r.engine.discharge_wait_s(r.now()) is not None              # still refused
    assert ("Observation must reach 120 min after the first dose: 0:01 min left"
            in r.engine.discharge_blockers(r.now()))
    assert ("Observation (at least 2 h from the first device) must last 0:01 min more"
            in r.engine.phase_blockers(r.now()))
    r.restart()                                                         # the same after it
    assert ("Observation must reach 120 min after the first dose: 0:01 min left"
            in r.engine.discharge_blockers(r.now()))
    r.at(T0 + 120)
    assert not [b for b in r.engine.discharge_blockers(r.now()) if "first dose" in b]


def test_an_hour_and_a_bit_left_reads_the_next_minute(tmp_path: Path) -> None:
    r = _observation(tmp_path)
    r.at(T0 + 120 - 60 - 0.5)                                           # 1:00:30 left
    assert ("Observation must reach 120 min after the first dose: 1:01 h left"
            in r.engine.discharge_blockers(r.now()))


def test_discharge_time_logged_waits_a_second_not_0_00(tmp_path: Path) -> None:
    r = _observation(tmp_path)
    r.at(T0 + 60)
    assert r.engine.advance_phase(NURSE, r.now(), override_reason="test: early").done
    r.at(T0 + 120 - ALMOST)
    refused = r.engine.tick_item("discharge-time", NURSE, r.now())
    assert refused.message == ("'Discharge time logged (not before T0 + 120 min)' waits for the "
                               "discharge time: 0:01 min left.")


def test_an_infusion_phase_left_reads_a_second_not_0_00(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 40 * 60 - 0.4)
    assert "Infusion has 0:01 min of its 40 min left" in s.engine.phase_blockers(s.now())

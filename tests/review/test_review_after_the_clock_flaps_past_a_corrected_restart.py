"""The review of a session whose console restarted on a clock an hour behind the log, NTP put it
right, and later the clock fell back an hour and NTP put it right again: the restart's error is
put right once, so the review reads the infusion's length and an alarm's time to acknowledge as
the console's timers counted them. Read as a second correction of the restart, the last +1 h
step left T0 an hour early: a 40-minute infusion read "1:40 h", and an RR alarm raised before the
restart and acknowledged 22 min later read an hour and 22 min to acknowledge (an alarm an audit
flags as missed)."""

from __future__ import annotations

from pathlib import Path

from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.session.test_a_second_clock_step_after_ntp_corrected_a_restart import (
    _restart_behind_then_the_clock_flaps)
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401
from tests.session.test_wait_after_dosing_when_ntp_corrects_a_restart import HOUR


def _reviewed(log: EventLog, s: LoggedSession) -> SessionDetail:
    conn = open_readonly(Path(log.path))
    try:
        return load_session(conn, s.engine.session_id)
    finally:
        conn.close()


def test_the_infusion_reads_its_length_after_the_clock_flaps(log: EventLog) -> None:  # noqa: F811
    s = _restart_behind_then_the_clock_flaps(log, HOUR)
    s.t(s.now().mono - s.origin + 420)                         # T0 + 2400 s: its 40 min
    assert s.engine.advance_phase("nurse.ana", s.now()).done   # the infusion ends
    detail = _reviewed(log, s)
    (infusion,) = [p for p in detail.phases if p.kind == "dosing"]
    assert detail.phase_seconds(infusion) == 2400.0   # not 6000: "1:40 h"


def test_an_alarm_from_before_the_restart_reads_its_time_to_acknowledge(
        log: EventLog) -> None:  # noqa: F811
    s = _restart_behind_then_the_clock_flaps(log, HOUR, rr_at_s=600)
    (alarm,) = [o for o in s.engine.alarms() if o.condition.startswith("resp_rate")]
    assert s.engine.acknowledge(alarm.id, "nurse.ana", s.now()).done   # 1380 s after it rose
    (episode,) = [a for a in _reviewed(log, s).alarms if a.condition.startswith("resp_rate")]
    assert episode.response_seconds == 1380.0   # not 4980: "1:23 h" to acknowledge

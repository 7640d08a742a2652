"""An unseen high "No respiratory rate" that took over RR 7's alarm at its priority (no row of
its own), then RR 10 (medium, the alarm held high): live the alarm reads the apnoea; after a
restart it must too, not "Respiratory rate 7" (review 44: the replay of the absence did not
say what it held)."""

from __future__ import annotations

from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401


def _rr_alarm(s: LoggedSession) -> list[tuple[object, ...]]:
    return [(o.id, o.condition, o.priority.label, o.state.value, o.message, o.value)
            for o in s.engine.alarms() if o.condition == "resp_rate_low"]


def test_apnoea_words_after_rr7_then_rr10_survive_a_restart(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.engine.device_state_changed("connected", s.now())
    for second in range(1, 30, 2):
        s.t(start + second); s.device("spo2", 97); s.device("resp_rate", 14)
    s.t(start + 31); s.device("resp_rate", 7)                  # high RR 7: raised row
    for second in range(33, 60, 2):                             # no RR, SpO2 goes on
        s.t(start + second); s.device("spo2", 97)
    s.t(start + 60); s.device("resp_rate", 10)                  # medium now, shown high (unseen)
    s.t(start + 61)
    live = _rr_alarm(s)
    assert "No respiratory rate" in str(live[0][4]), live
    restart(s, 0, reads_device=True)
    s.engine.tick(s.now())
    assert _rr_alarm(s) == live

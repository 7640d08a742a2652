""""Heart rate >120 sustained 5 min" (high) is raised once the violating value has lasted its
5 minutes while it still counts, whether or not another value comes: a heart rate of 125 typed
at a chair with no monitor stays current 20 min, its medium ">110" was raised at once, and the
high never came, however long the 125 stood, until the nurse typed again (a review of the
alarm rules). So too a monitor's last 125 still current (30 s) when its 5 minutes end. Live and
after a restart alike (R10).
"""

from __future__ import annotations

from console.records import AlarmTransition
from console.store import EventLog
from tests.session.helpers import Session
from tests.session.test_resume_as_live import LoggedSession, alarms, log, restart  # noqa: F401

HIGH_TEXT = "Heart rate 125 beats/min, limit >120 for 5 min"


def _heart_rate(s: Session) -> list[tuple[str, str]]:
    """(priority, message) of the heart rate's high-side alarm on the board."""
    return [(o.priority.label, o.message) for o in s.engine.alarms()
            if o.condition == "heart_rate_high"]


def test_a_typed_heart_rate_of_125_standing_5_min_raises_the_high_without_another_value() -> None:
    s = Session()
    s.t(60); s.manual("heart_rate", 125)                       # typed: no monitor at this chair
    assert _heart_rate(s) == [("medium", "Heart rate 125 beats/min, limit >110")]
    s.t(60 + 299)                                              # 4 min 59 s: still medium
    assert [p for p, _ in _heart_rate(s)] == ["medium"]
    s.t(60 + 300)                                              # its 5 minutes: high, no new value
    assert _heart_rate(s) == [("high", HIGH_TEXT)]
    assert s.sounding() == "high"


def test_a_typed_heart_rate_of_118_standing_raises_no_high() -> None:
    s = Session()
    s.t(60); s.manual("heart_rate", 118)                       # above 110, not above 120
    s.t(60 + 300)
    s.t(60 + 600)
    assert [p for p, _ in _heart_rate(s)] == ["medium"]


def test_a_typed_125_followed_by_a_typed_100_raises_no_high_at_5_min() -> None:
    s = Session()
    s.t(60); s.manual("heart_rate", 125)
    s.t(60 + 180); s.manual("heart_rate", 100)                 # back inside at 3 min
    s.t(60 + 300)
    s.t(60 + 600)
    assert "high" not in [p for p, _ in _heart_rate(s)]


def test_a_typed_125_no_longer_current_after_20_min_raises_no_high_on_the_next() -> None:
    # A typed value is current 20 min (the tile greys it after): a 125 typed 25 min after the
    # last is a new run, its 5 minutes counted from it.
    s = Session()
    s.t(60); s.manual("heart_rate", 125)
    s.t(60 + 240); s.manual("heart_rate", 100)                 # the run ends before 5 min
    s.t(60 + 1500); s.manual("heart_rate", 125)
    s.t(60 + 1500 + 299)
    assert [p for p, _ in _heart_rate(s)] == ["medium"]
    s.t(60 + 1500 + 300)
    assert [p for p, _ in _heart_rate(s)] == ["high"]


def test_a_monitors_last_125_still_current_at_5_min_raises_the_high() -> None:
    s = Session()
    for second in range(60, 60 + 291):                         # HR 125 at 1 Hz, 4 min 50 s
        s.t(second); s.device("heart_rate", 125)
    s.t(60 + 300)                                              # the last came 10 s ago: current
    assert _heart_rate(s) == [("high", HIGH_TEXT)]


def test_a_monitors_last_125_no_longer_current_at_5_min_raises_no_high() -> None:
    s = Session()
    for second in range(60, 60 + 250):                         # HR 125 at 1 Hz, then nothing
        s.t(second); s.device("heart_rate", 125)
    s.t(60 + 300)                                              # the last 51 s old: not current
    s.t(60 + 360)
    assert "high" not in [p for p, _ in _heart_rate(s)]


def test_a_restart_after_the_5_min_keeps_the_same_high(log: EventLog) -> None:
    s = LoggedSession(log)
    s.t(60); s.manual("heart_rate", 125)
    s.t(60 + 300)
    (high,) = alarms(s.engine, "heart_rate_high")
    assert (high.priority.label, high.message) == ("high", HIGH_TEXT)
    s.t(60 + 330)
    restart(s, 30)                                             # killed, back at 6 min
    s.t(60 + 361)
    assert [(o.id, o.priority.label, o.message) for o in alarms(s.engine, "heart_rate_high")] == [
        (high.id, "high", HIGH_TEXT)]
    assert s.sounding() == "high"
    # The high was raised once: no row ended it at the restart nor raised it again.
    rows = [(r.transition, r.priority) for _, r in log.alarm_events(s.engine.session_id)
            if isinstance(r, AlarmTransition) and r.condition == "heart_rate_high"]
    assert rows.count(("raised", "high")) + rows.count(("escalated", "high")) == 1
    assert "cleared" not in [t for t, _ in rows]


def test_a_restart_before_the_5_min_raises_the_high_when_they_end(log: EventLog) -> None:
    s = LoggedSession(log)
    s.t(60); s.manual("heart_rate", 125)
    s.t(60 + 120)
    restart(s, 60)                                             # killed at 2 min, back at 3 min
    s.t(60 + 299)
    assert [p for p, _ in _heart_rate(s)] == ["medium"]
    s.t(60 + 300)
    assert _heart_rate(s) == [("high", HIGH_TEXT)]


def _board(s: Session) -> list[tuple[int, str, str, str]]:
    return [(o.id, o.priority.label, o.state.value, o.message)
            for o in alarms(s.engine, "heart_rate_high")]


def test_an_acknowledged_high_stays_acknowledged_after_a_restart(log: EventLog) -> None:
    s = LoggedSession(log)
    s.t(60); s.manual("heart_rate", 125)
    s.t(60 + 300)
    (high,) = alarms(s.engine, "heart_rate_high")
    assert s.engine.acknowledge(high.id, "nurse.ana", s.now()).done   # the nurse has seen it
    s.t(60 + 330)
    live = _board(s)
    assert live == [(high.id, "high", "acknowledged", HIGH_TEXT)]
    restart(s, 30)
    s.t(60 + 361)
    assert _board(s) == live
    assert s.sounding() is None


def test_an_unseen_high_ended_by_a_typed_100_stays_latched_after_a_restart(log: EventLog) -> None:
    s = LoggedSession(log)
    s.t(60); s.manual("heart_rate", 125)
    s.t(60 + 300)                                              # high, nobody at the console
    s.t(60 + 330); s.manual("heart_rate", 100)                 # back inside: latched
    s.t(60 + 331)
    live = _board(s)
    assert [(p, state) for _, p, state, _ in live] == [("high", "latched")]
    restart(s, 29)
    s.t(60 + 361)
    assert _board(s) == live

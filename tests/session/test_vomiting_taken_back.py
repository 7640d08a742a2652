"""A Vomiting noted by mistake and taken back leaves the count, live and after a restart.

A review: "Vomiting" sits beside the Nausea buttons and had no Undo; a mis-click stayed in the
count ("2× · 09:02") for good. `void_observation` logs the episode entered in error (an
`entered_in_error` event naming its event and when it was noted), and the count is the episodes
that stand, at the latest one's time, as "Restart and resume" reads it back from the log.
"""

from __future__ import annotations

from console.session.engine import OBSERVED, VOMITING
from console.session.trend_feed import TrendFeed
from console.store import EventLog
from tests.session.helpers import START
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401

UNDONE = "undone by the nurse within 10 s"


def vomited(s: LoggedSession) -> tuple[int, str] | None:
    seen = s.engine.observed(VOMITING)
    return (seen[0], f"{seen[1]:%H:%M:%S}") if seen is not None else None


def noted(s: LoggedSession) -> int:
    outcome, event_id = s.engine.note_row(VOMITING, NURSE, s.now(), kind=OBSERVED)
    assert outcome.done and event_id is not None
    return event_id


def test_a_vomiting_taken_back_leaves_the_count_live_and_after_a_restart(log: EventLog) -> None:
    s = LoggedSession(log)
    # 09:00 the patient vomits; 09:02 the nurse means "Nausea moderate" and hits Vomiting.
    noted(s)
    s.t(120.000_4)   # a clock's microseconds: the log keeps milliseconds
    mistake = noted(s)
    assert vomited(s) == (2, "09:02:00")
    # Taken back 3 s later: one episode, the real one, at its own time.
    s.t(123)
    assert s.engine.void_observation(mistake, NURSE, s.now(), UNDONE).done
    assert vomited(s) == (1, "09:00:00")
    ((_, event),) = [(i, e) for i, e in log.events(s.engine.session_id)
                     if e.kind == "entered_in_error"]
    assert (event.actor, event.detail["event"], event.detail["text"], event.detail["reason"]) == (
        NURSE, mistake, VOMITING, UNDONE)
    # Taken back again, or an id that names no episode: refused, nothing written.
    again = s.engine.void_observation(mistake, NURSE, s.now(), UNDONE)
    assert not again.done and "taken back already" in again.message
    # The same after "Restart and resume", and a new episode counts on from there.
    restart(s, 30)
    assert vomited(s) == (1, "09:00:00")
    s.t(300)
    noted(s)
    assert vomited(s) == (2, "09:05:00")


def test_the_only_vomiting_taken_back_leaves_none(log: EventLog) -> None:
    s = LoggedSession(log)
    mistake = noted(s)
    refused = s.engine.void_observation(mistake, NURSE, s.now(), "  ")
    assert not refused.done and refused.message == "Say why Vomiting is entered in error."
    assert s.engine.void_observation(mistake, NURSE, s.now(), UNDONE).done
    assert s.engine.observed(VOMITING) is None
    restart(s, 5)
    assert s.engine.observed(VOMITING) is None


def test_a_vomiting_taken_back_leaves_every_trend_point(log: EventLog) -> None:
    # The trend takes a value entered in error out by the row its event names; one naming an
    # event (no observation row) was looked up as row -1, the row of every value fed without
    # its id (`TrendFeed.add`): it took out the oximeter's 96, and every later one with it.
    s = LoggedSession(log)
    s.device("spo2", 96)
    mistake = noted(s)
    s.t(3)
    assert s.engine.void_observation(mistake, NURSE, s.now(), UNDONE).done
    s.t(4)
    s.device("spo2", 97)
    feed = TrendFeed(START)
    feed.add([r for _, r in log.observations(s.engine.session_id)]
             + [r for _, r in log.events(s.engine.session_id)])
    feed.add([r for _, r in log.observations(s.engine.session_id)][-1:])   # a later one, no id
    assert list(feed.series("spo2", False)[1]) == [96, 97, 97]

"""An alarm escalated by a value taken back, then escalated again by a real value, is marked on
the trend at the real escalation: the trend marked one escalation per priority an occurrence
ever reached, so the only high marker read "Taken back: SpO2 88" and a clinician read the one
high alarm as a mistake. Live (the journal's commit order) and from the log (the review and
the PDF report: `TrendFeed.load`) alike."""

from __future__ import annotations

from console.records import AlarmTransition, EventRecord, ObservationRecord, Record
from console.session.trend_feed import TrendFeed
from tests.session.helpers import Session

NURSE = "nurse.ana"


def typed(s: Session, metric: str, value: float) -> int:
    """Type a value; its row id."""
    verdict, row = s.engine.enter_manual_row(metric, value, NURSE, s.now())
    assert row is not None, verdict
    return row


def alarm_markers(s: Session, how: str) -> list[tuple[str, str | None]]:
    """(text, priority) of the alarm markers of the session's trend, fed as the live window
    feeds it (`live`: every record with its row id, in commit order) or as the review and the
    report load it (`log`: the observations, then the events, then the alarm steps)."""
    records: list[Record] = s.recorder.records
    feed = TrendFeed(s.engine.started.wall)
    if how == "live":
        feed.add_rows(enumerate(records, start=1))
    else:
        feed.load([(i, r) for i, r in enumerate(records, start=1)
                   if isinstance(r, ObservationRecord)],
                  [r for r in records if isinstance(r, EventRecord)],
                  [r for r in records if isinstance(r, AlarmTransition)])
    return [(m.text, m.priority) for m in feed.markers() if m.kind == "alarm"]


def test_a_real_high_after_a_taken_back_escalation_has_its_own_marker() -> None:
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 10)
    typed(s, "spo2", 92)                                   # medium
    (alarm,) = s.engine.alarms()
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    s.t(start + 30)
    typo = typed(s, "spo2", 88)                            # escalated to high
    s.t(start + 40)
    assert s.engine.void(typo, "spo2", NURSE, s.now(), "another patient's value").done
    assert s.shown() == [("spo2_low", "medium", "acknowledged")]
    s.t(start + 60)
    typed(s, "spo2", 87)                                   # a real high, sounding
    assert s.shown() == [("spo2_low", "high", "active")] and s.sounding() == "high"
    for how in ("live", "log"):
        assert alarm_markers(s, how) == [
            ("SpO2 92", "medium"), ("Taken back: SpO2 88", "high"), ("SpO2 87", "high")], how


def test_a_wavering_rate_marked_once_is_marked_at_its_real_high_when_the_first_is_taken_back(
        ) -> None:
    # RR 9, 8, 9, 8: the second 8 is the same high again, not marked (one marker per priority
    # reached). Its first 8 entered in error, the second is the high that stands: marked.
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 10)
    typed(s, "resp_rate", 9)                               # medium
    s.t(start + 20)
    typo = typed(s, "resp_rate", 8)                        # high, acknowledged
    (alarm,) = s.engine.alarms()
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    s.t(start + 30)
    typed(s, "resp_rate", 9)                               # medium again
    s.t(start + 40)
    typed(s, "resp_rate", 8)                               # high again
    s.t(start + 50)
    assert s.engine.void(typo, "resp_rate", NURSE, s.now(), "typed in the wrong row").done
    assert [(c, p) for c, p, _ in s.shown()] == [("resp_rate_low", "high")]
    for how in ("live", "log"):
        assert alarm_markers(s, how) == [
            ("RR 9", "medium"), ("Taken back: RR 8", "high"), ("RR 8", "high")], how

"""A trend's alarm marker says its priority without colour (`trend_feed.marker_label`): "***"
high, "**" medium, "*" low before its words, as the alarm rows say it (IEC 60601-1-8). Its
label was the words alone, in the priority's colour: a high SpO2 88 and a medium HR 118 were
two warm labels to a red-green colour-blind nurse (a theme review). The marker's logged words
are not changed: a value taken back still reads "Taken back: …" after the marks."""

from __future__ import annotations

from console.records import AlarmTransition, EventRecord, ObservationRecord, Record
from console.session.trend_feed import TrendFeed, TrendMarker, marker_label
from tests.session.helpers import Session

NURSE = "nurse.ana"


def labels(s: Session) -> list[str]:
    """The alarm markers' labels of the session's trend, fed as the live window feeds it."""
    records: list[Record] = s.recorder.records
    feed = TrendFeed(s.engine.started.wall)
    feed.add_rows(enumerate(records, start=1))
    return [marker_label(m) for m in feed.markers() if m.kind == "alarm"]


def test_each_alarm_step_is_labelled_with_its_priority_marks() -> None:
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 10)
    s.device("heart_rate", 118)                          # medium
    s.t(start + 20)
    s.device("spo2", 92)                                 # medium
    s.t(start + 30)
    s.device("spo2", 88)                                 # escalated to high
    assert any(isinstance(r, AlarmTransition) for r in s.recorder.records)
    assert labels(s) == ["** HR 118", "** SpO2 92", "*** SpO2 88"]


def test_other_markers_keep_their_words_and_a_low_alarm_has_one_mark() -> None:
    assert marker_label(TrendMarker(3.0, "MOAA/S 3", "observation")) == "MOAA/S 3"
    assert marker_label(TrendMarker(5.0, "T0 dose", "dose")) == "T0 dose"
    assert marker_label(TrendMarker(9.0, "RR 10", "alarm", "low")) == "* RR 10"
    assert marker_label(TrendMarker(9.0, "Taken back: SpO2 88", "alarm", "high")) == \
        "*** Taken back: SpO2 88"
    assert marker_label(TrendMarker(9.0, "Vitals due", "alarm", "info")) == "Vitals due"


def test_a_value_beyond_the_monitors_range_is_marked_as_the_limit_it_was_sent_as() -> None:
    """A Dräger sends RR `<^5`: the tile and the alarm row say "<5", and the marker said "RR 5",
    a rate the monitor never measured. Live (the journal) and loaded (the review, the PDF)."""
    from tests.session.test_device_value_beyond_range import infinity_sends

    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    assert infinity_sends(s, "OBX|1|SN|RR^^local^9279-1&1^^LOINC||<^5|/min^^ISO+|||||F", "D1")
    assert labels(s) == ["*** RR <5"]
    rows = list(enumerate(s.recorder.records, start=1))
    loaded = TrendFeed(s.engine.started.wall)
    loaded.load([(k, r) for k, r in rows if isinstance(r, ObservationRecord)],
                [r for _, r in rows if isinstance(r, EventRecord)],
                [r for _, r in rows if isinstance(r, AlarmTransition)])
    assert [marker_label(m) for m in loaded.markers() if m.kind == "alarm"] == ["*** RR <5"]

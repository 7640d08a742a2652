"""A value taken back as entered in error counts nowhere, but the review and the PDF say who took
it back and why (it left no trace there: the data-path audit), as they do for a correction; an
alarm such a value raised is marked wherever it is shown."""

from __future__ import annotations

from datetime import UTC, timedelta

from console.review import content as rc
from console.review.queries import load_course, open_readonly
from console.session.trend_feed import TrendFeed
from devices.reading import Reading
from tests.review.logged_session import LoggedSession, logged_session


def typed_then_taken_back(s: LoggedSession) -> None:
    """A systolic typed 240 for 160 (corrected), then a mis-clicked MOAA/S 1 (entered in
    error): each raised a high alarm."""
    engine, clock = s.engine, s.clock
    typo = engine.enter_manual_row("bp_systolic", 240, "nurse.bea", clock.advance(60))[1]
    assert typo is not None and engine.correct(typo, "bp_systolic", 160, "nurse.bea",
                                               clock.advance(5), "typed 240 for 160")
    moaas = engine.enter_manual_row("moaas", 1, "nurse.bea", clock.advance(60))[1]
    assert moaas is not None and engine.void(moaas, "moaas", "nurse.bea", clock.advance(5),
                                             "clicked 1 instead of 4").done


def test_a_value_entered_in_error_is_listed_with_who_and_why(tmp_path):
    s = logged_session(tmp_path, nurse="nurse.ana")
    row = s.engine.enter_manual_row("moaas", 1, "nurse.bea", s.clock.advance(60))[1]
    assert row is not None
    assert s.engine.void(row, "moaas", "nurse.bea", s.clock.advance(60),
                         "scored the wrong patient").done
    detail = s.detail()
    assert rc.note_rows(detail, UTC) == [
        ("Mon 02 Mar 2026 09:02", "Entered in error", "nurse.bea",
         "Sedation (MOAA/S) 1 taken back: scored the wrong patient")]
    assert detail.scales == ()   # and it counts nowhere


def test_an_alarm_a_value_taken_back_raised_is_marked_in_the_review_and_the_course(tmp_path):
    # A mis-clicked MOAA/S 1 (taken back) and a systolic typed 240 for 160 (corrected) each
    # raised a high alarm: the review listed both unmarked, and the course counted them as the
    # patient's, beside a heart rate nobody could compare across the course.
    s = logged_session(tmp_path, nurse="nurse.ana")
    typed_then_taken_back(s)
    now = s.clock.advance(60)
    assert s.engine.ingest_message([Reading("spo2", 86, "%", now.wall, now.wall, "hl7:MON"),
                                    Reading("heart_rate", 131, "beats/min", now.wall, now.wall,
                                            "hl7:MON")], now)
    detail = s.detail()
    marked = {row.cells[1] for row in rc.alarm_rows(detail, UTC) if row.priority == "high"}
    assert "Sedation (MOAA/S) 1 score, limit ≤1 [value entered in error]" in marked
    assert "Systolic BP 240 mmHg, limit ≥200 [value corrected to 160 mmHg]" in marked
    assert {m for m in marked if "[" not in m} == {"SpO2 86 %, limit ≤90",
                                                    "Heart rate 131 beats/min, limit ≥131"}
    conn = open_readonly(s.log.path)
    try:
        (course,) = load_course(conn, "MRN-7")
    finally:
        conn.close()
    cells = rc.course_cells(course, UTC)
    assert cells["alarms_high"] == "4 (2 values taken back)"
    assert cells["peak_heart_rate"] == "131 at 3.2 min"   # never dosed: from the start


def test_a_monitor_value_taken_back_and_an_escalation_by_a_typed_one_are_marked(tmp_path):
    # A monitor's value is stamped when the port read it, its alarm when the engine took it:
    # the exact-time match never marked a device value; an escalation by a typed value was not
    # marked either (code review).
    s = logged_session(tmp_path, nurse="nurse.ana")
    engine, clock = s.engine, s.clock
    now = clock.advance(60)
    read = now.wall - timedelta(milliseconds=40)   # read on the port's thread, then queued
    assert engine.ingest_message([Reading("spo2", 70, "%", read, read, "hl7:MON")], now)
    probe_off = engine._state.rows["spo2"][-1][0]
    assert engine.void(probe_off, "spo2", "nurse.ana", clock.advance(5), "probe off").done
    engine.enter_manual("bp_systolic", 185, "nurse.ana", clock.advance(60))   # medium
    typo = engine.enter_manual_row("bp_systolic", 250, "nurse.ana", clock.advance(30))[1]
    assert typo is not None and engine.correct(typo, "bp_systolic", 150, "nurse.ana",
                                               clock.advance(5), "typed 250 for 150")
    cells = [r.cells[1] for r in rc.alarm_rows(s.detail(), UTC)]
    assert any(c.startswith("SpO2 70 %") and c.endswith("[value entered in error]") for c in cells)
    assert any(c.startswith("Systolic BP 185") and
               c.endswith("[escalated by a value corrected to 150 mmHg]") for c in cells), cells


def test_an_alarm_names_the_value_its_measurement_ended_as(tmp_path):
    # A MOAA/S 2 corrected to 4, the 4 then entered in error, read "[value corrected to 4
    # score]": a clinician took 4 as the patient's score, which counts nowhere. A systolic
    # corrected twice named the first correction, not the value that stands.
    s = logged_session(tmp_path, nurse="nurse.ana")
    engine, clock = s.engine, s.clock
    typo = engine.enter_manual_row("moaas", 2, "nurse.ana", clock.advance(60))[1]
    assert typo is not None and engine.correct(typo, "moaas", 4, "nurse.ana", clock.advance(5),
                                               "misclick")
    fix = engine._state.rows["moaas"][-1][0]
    assert engine.void(fix, "moaas", "nurse.ana", clock.advance(5),
                       "scored the wrong patient").done
    typo = engine.enter_manual_row("bp_systolic", 250, "nurse.ana", clock.advance(60))[1]
    assert typo is not None and engine.correct(typo, "bp_systolic", 160, "nurse.ana",
                                               clock.advance(5), "typed 250 for 160")
    fix = engine._state.rows["bp_systolic"][-1][0]
    assert engine.correct(fix, "bp_systolic", 150, "nurse.ana", clock.advance(5),
                          "cuff read 150")
    cells = [r.cells[1] for r in rc.alarm_rows(s.detail(), UTC)]
    assert any(c.startswith("Sedation (MOAA/S) 2") and
               c.endswith("[value corrected to 4 score, which was entered in error]")
               for c in cells), cells
    assert any(c.startswith("Systolic BP 250") and c.endswith("[value corrected to 150 mmHg]")
               for c in cells), cells


def test_the_trend_marks_an_alarm_a_value_taken_back_raised(tmp_path):
    # The alarm table and the course marked it; the trend's marker band still read the wrong
    # value as the patient's ("Systolic 240", red; "Sedation (MOAA/S) 1 score", red).
    s = logged_session(tmp_path, nurse="nurse.ana")
    typed_then_taken_back(s)
    detail = s.detail(with_observations=True)
    feed = TrendFeed(detail.summary.started_at)
    feed.load(*rc.trend_inputs(detail))
    texts = [(m.text, m.priority) for m in feed.markers() if m.kind == "alarm"]
    assert texts == [("Taken back: Systolic 240", "high"),
                     ("Taken back: MOAA/S 1", "high")]


def test_a_monitor_alarm_stands_when_a_typed_copy_of_its_value_is_voided(tmp_path):
    # The monitor's HR 135 raised a high alarm; the nurse typed the same 135 from its screen
    # 1.5 s later and voided her copy as a duplicate. The alarm read "[value entered in error]",
    # To ack "none: its value was taken back", and the course counted it among the values taken
    # back: any same value within 2 s was taken for the one that raised it (a review audit).
    s = logged_session(tmp_path, nurse="nurse.ana")
    engine, clock = s.engine, s.clock
    now = clock.advance(60)                                                # 09:01:00 monitor
    assert engine.ingest_message([Reading("heart_rate", 135, "beats/min", now.wall, now.wall,
                                          "hl7:MON")], now)
    verdict, typed = engine.enter_manual_row("heart_rate", 135, "nurse.ana", clock.advance(1.5),
                                             confirmed=True)               # typed from the screen
    assert type(verdict).__name__ == "Accepted" and typed is not None, verdict
    assert engine.void(typed, "heart_rate", "nurse.ana", clock.advance(30),
                       "duplicate of the monitor's reading").done
    detail = s.detail()
    (row,) = [r.cells for r in rc.alarm_rows(detail, UTC) if r.cells[1].startswith("Heart rate")]
    assert (row[0], row[1], row[2]) == ("HIGH", "Heart rate 135 beats/min, limit ≥131",
                                        "09:01:00")
    assert row[4] == "not acknowledged", row   # not "none: its value was taken back"
    conn = open_readonly(s.log.path)
    try:
        (course,) = load_course(conn, "MRN-7")
    finally:
        conn.close()
    assert rc.course_cells(course, UTC)["alarms_high"] == "1"


def test_a_monitor_alarm_just_after_a_typed_value_taken_back_is_the_monitors(tmp_path):
    # The alarm is the latest row's of its value by the raise: a typed 135 taken back at once
    # raised its own alarm (marked), the monitor's 135 a second later a new one (real).
    s = logged_session(tmp_path, nurse="nurse.ana")
    engine, clock = s.engine, s.clock
    verdict, typed = engine.enter_manual_row("heart_rate", 135, "nurse.ana", clock.advance(60),
                                             confirmed=True)               # 09:01:00 typed
    assert type(verdict).__name__ == "Accepted" and typed is not None, verdict
    assert engine.void(typed, "heart_rate", "nurse.ana", clock.advance(0.5),
                       "wrong patient's chart").done                      # 09:01:00.5
    now = clock.advance(0.5)                                               # 09:01:01 monitor
    assert engine.ingest_message([Reading("heart_rate", 135, "beats/min", now.wall, now.wall,
                                          "hl7:MON")], now)
    rows = [(r.cells[1], r.cells[2]) for r in rc.alarm_rows(s.detail(), UTC)]
    assert rows == [("Heart rate 135 beats/min, limit ≥131 [value entered in error]", "09:01:00"),
                    ("Heart rate 135 beats/min, limit ≥131", "09:01:01")]


def test_the_trend_leaves_a_monitor_alarm_unmarked_when_a_typed_copy_is_voided(tmp_path):
    # The review's table left it unmarked; the trend's band still read "Taken back: HR 135"
    # beside the monitor's real alarm (any same value within 2 s was taken for its raiser).
    s = logged_session(tmp_path, nurse="nurse.ana")
    engine, clock = s.engine, s.clock
    now = clock.advance(60)
    assert engine.ingest_message([Reading("heart_rate", 135, "beats/min", now.wall, now.wall,
                                          "hl7:MON")], now)
    typed = engine.enter_manual_row("heart_rate", 135, "nurse.ana", clock.advance(1.5),
                                    confirmed=True)[1]
    assert typed is not None and engine.void(typed, "heart_rate", "nurse.ana", clock.advance(30),
                                             "duplicate of the monitor's reading").done
    detail = s.detail(with_observations=True)
    feed = TrendFeed(detail.summary.started_at)
    feed.load(*rc.trend_inputs(detail))
    assert [(m.text, m.priority) for m in feed.markers() if m.kind == "alarm"] == [
        ("HR 135", "high")]

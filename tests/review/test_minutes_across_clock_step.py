"""The minutes the review and its report print for a reading across a wall-clock step (NTP) the
console logged: counted as the console's timers ran (review 45, `clock_steps.seconds_to_time`).
NTP setting the clock an hour forward 15 minutes into an IV infusion made a reading 35 minutes
into the session "+95" in the vitals' "Min" column, and an open session's banner "T0 + 85 min"
for 25. A reading a step back leaves on either side of it (the clock read its time twice)
reads "?": no number that may be the step's size off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.clock import Moment
from console.review import content as rc
from console.review.queries import load_course, load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _iv_session(tmp_path, step_minutes: float, readings_at: tuple[float, ...],
                open_until: float | None = None):
    """IV ketamine, T0 at 09:05; 15 min into the infusion (real 09:20) the station's clock is
    set `step_minutes`; a BP and scores typed at each of `readings_at` (real minutes from the
    start). `open_until`: the monitor's HR each minute from 22 to it, the session left open."""
    path = tmp_path / "s.sqlite3"
    with EventLog.open(path, "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-MIN", 72.0, "nurse.ana", START, 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()                                    # T0 09:05
        r.at(20)
        now = r.clock.now()
        r.clock._now = Moment(now.mono, now.wall + timedelta(minutes=step_minutes))
        r.at(21)                                                # logged: clock_stepped
        for minute in range(22, int(open_until or 0) + 1):
            r.at(minute); r.device(heart_rate=72, spo2=97)
        for minute in readings_at:
            r.at(minute)
            r.manual(bp_systolic=131, bp_diastolic=83, moaas=4)
        session = r.id
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    assert [e.detail["step_s"] for e in detail.events if e.kind == "clock_stepped"] == [
        step_minutes * 60]
    return detail


def _vital_row(detail, time: str) -> tuple[str, ...]:
    (row,) = [r for r in rc.vital_rows(detail, UTC) if r[0] == time and "131/83" in r[2]]
    return row


def _scale_row(detail, time: str) -> tuple[str, ...]:
    (row,) = [r for r in rc.observation_rows(detail, UTC) if r[0] == time]
    return row


def test_a_clock_set_forward_leaves_the_vitals_minute_as_the_console_ran(tmp_path):
    # Typed at real 09:35 (T0 + 30), the clock an hour fast since 09:20: it reads 10:35.
    detail = _iv_session(tmp_path, 60, (35,))
    assert _vital_row(detail, "10:35")[1] == "+35"              # not "+95"


def test_a_clock_set_forward_leaves_the_scores_minute_as_the_console_ran(tmp_path):
    detail = _iv_session(tmp_path, 60, (35,))
    assert _scale_row(detail, "10:35")[1] == "+35"


def test_a_reading_a_step_back_leaves_unplaced_reads_a_question_mark(tmp_path):
    # The clock set back 30 min at real 09:20 (it read 08:50 then): a reading at real 09:35
    # reads 09:05, a time the clock read before the step too. One at real 10:00 reads 09:30,
    # after every time before the step: placed, its minute as the console ran.
    detail = _iv_session(tmp_path, -30, (35, 60))
    assert _vital_row(detail, "09:05")[1] == rc.UNKNOWN_MINUTE == "?"
    assert _scale_row(detail, "09:05")[1] == "?"
    assert _vital_row(detail, "09:30")[1] == "+60"              # not "+30"
    assert _scale_row(detail, "09:30")[1] == "+60"


def test_an_open_sessions_banner_counts_t0_minutes_as_the_console_ran(tmp_path):
    # Left open after the monitor's last HR at real 09:30 (T0 + 25), read 10:30.
    detail = _iv_session(tmp_path, 60, (), open_until=30)
    text = rc.not_ended_text(detail, UTC)
    assert "Its last record is at 10:30 (T0 + 25 min)" in text, text


def test_an_open_sessions_banner_after_a_step_back_says_its_minutes_are_unknown(tmp_path):
    # The clock set back 30 min at real 09:20; the last HR at real 09:30 reads 09:00, a time
    # the clock read before the step too.
    detail = _iv_session(tmp_path, -30, (), open_until=30)
    text = rc.not_ended_text(detail, UTC)
    assert "(minutes after T0 unknown: the station's clock was set back)" in text, text
    assert "T0 +" not in text and "T0 −" not in text, text


def test_an_open_sessions_dose_says_the_infusions_minutes_as_the_console_ran(tmp_path):
    # Left open at real T0 + 25 of the 40-min infusion, the clock an hour fast since T0 + 15:
    # the dose read as given whole (its wall times 85 min apart).
    detail = _iv_session(tmp_path, 60, (), open_until=30)
    (dose,) = [value for label, value in rc.header_fields(detail, UTC) if label == "Dose"]
    assert dose.endswith("(planned; session not ended, infusion at 25:00 of 40 min)"), dose


# An open session's dose when a step back leaves where its record stops unknown: the infusion's
# end was never logged, so nothing says the dose was given (it read "36 mg", the whole dose).
NOT_ENDED_UNKNOWN = "session not ended, infusion at ? of 40 min"


def test_an_open_sessions_dose_after_a_step_back_is_not_read_as_given(tmp_path):
    # Left open at real 09:30 (T0 + 25 of the 40-min infusion); the clock set back 30 min at
    # real 09:20, its last HR reads 09:00, a time the clock read before the step too.
    detail = _iv_session(tmp_path, -30, (), open_until=30)
    (dose,) = [value for label, value in rc.header_fields(detail, UTC) if label == "Dose"]
    assert dose == f"36 mg at 150 mL/h (planned; {NOT_ENDED_UNKNOWN})", dose


def test_an_open_sessions_course_dose_after_a_step_back_is_not_read_as_given(tmp_path):
    _iv_session(tmp_path, -30, (), open_until=30)
    conn = open_readonly(tmp_path / "s.sqlite3")
    try:
        (row,) = load_course(conn, "MRN-MIN")
    finally:
        conn.close()
    assert rc.course_cells(row, UTC)["dose"] == (
        "36 mg (0.5 mg/kg) planned; session not ended (infusion at ? of 40 min)")

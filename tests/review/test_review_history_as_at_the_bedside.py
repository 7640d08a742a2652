"""The review judges a late cuff ("history", the bedside's `_superseded`) as the bedside does:
a correction stands at the measurement it corrects, not at its own time (a cuff measured after a
corrected BP, delivered after the correction, was marked history and the table read "—/80" where
the chair showed 128/80), and a clock set back is no gap between arrivals (every cuff of the
next half hour was marked history). And the Protocol tab says each baseline change of the value
it ended (a review of the session's last commits)."""
from __future__ import annotations

from datetime import UTC, timedelta

from console.clock import Moment
from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.session.tile_view import tile_view
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.test_resume_as_live import NURSE, LoggedSession, log  # noqa: F401


def _detail(s: LoggedSession, log: EventLog) -> SessionDetail:  # noqa: F811
    session = s.engine.session_id
    log.close()
    conn = open_readonly(log.path)
    try:
        return load_session(conn, session)
    finally:
        conn.close()


def _device_history(detail: SessionDetail) -> dict[float, bool]:
    series = detail.vitals["bp_systolic"]
    return {v: h for v, h, m in zip(series.values, series.history or (False,) * len(series),
                                    series.manual, strict=True) if not m}


def test_a_cuff_measured_after_a_corrected_bp_is_no_history_in_the_review(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("heart_rate", 80)
    s.t(540); s.engine.device_state_changed("disconnected", s.now(), "cable unplugged")
    s.t(600); s.bp(205, 95)                      # typed at +10
    cuff_at = s.now().wall + timedelta(seconds=60)   # the cuff cycles at +11, link down
    s.t(720)                                     # +12: the typed systolic corrected
    row = next(r for r, kept in s.engine._state.rows["bp_systolic"]
               if kept.reading.source == "manual" and kept.reading.value == 205)
    v = s.engine.correct(row, "bp_systolic", 150, NURSE, s.now(), "typed 205, read 150")
    assert getattr(v, "done", True), v
    s.t(900); s.engine.device_state_changed("connected", s.now())
    s.device("bp_systolic", 128, measured_at=cuff_at)
    s.device("bp_diastolic", 80, measured_at=cuff_at)
    s.device("bp_mean", 96, measured_at=cuff_at)
    s.t(960); s.device("heart_rate", 82)
    # At the bedside the +11 cuff is newer than the +10 measurement the correction stands for.
    assert tile_view(s.engine, "bp_systolic", s.now()).value.startswith("128/80")
    detail = _detail(s, log)
    marks = _device_history(detail)
    assert marks.get(128) is False, ("review marks the standing cuff as history", marks)
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    rows = rc.vital_rows(detail, UTC, protocol)
    bps = [r[2] for r in rows if r[2] != rc.NONE]
    assert bps[-1].startswith("128/80"), rows


def test_a_cuff_after_a_clock_set_back_is_no_history(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    for second in range(60, 600, 30):
        s.t(second); s.device("heart_rate", 80)
    s.t(600)
    took = s.now().wall - timedelta(seconds=40)
    s.device("bp_systolic", 120, measured_at=took); s.device("bp_diastolic", 80, measured_at=took)
    for second in range(630, 900, 30):
        s.t(second); s.device("heart_rate", 80)
    now = s.clock.now()                       # NTP sets the station clock 30 min back
    s.clock._now = Moment(now.mono, now.wall - timedelta(minutes=30))
    for second in range(930, 1200, 30):
        s.t(second); s.device("heart_rate", 80)
    s.t(1200)
    took = s.now().wall - timedelta(seconds=40)
    s.device("bp_systolic", 150, measured_at=took); s.device("bp_diastolic", 90, measured_at=took)
    s.t(1230); s.device("heart_rate", 81)
    assert tile_view(s.engine, "bp_systolic", s.now()).value.startswith("150/90")
    detail = _detail(s, log)
    assert any(e.kind == "clock_stepped" for e in detail.events)
    marks = _device_history(detail)
    assert marks[150] is False, ("the standing cuff after the step is marked history", marks)


def test_each_reason_is_said_of_the_value_it_changed(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    e = s.engine
    s.bp(100, 60)                                  # this patient's BP
    s.t(60)
    s.to_infusion(systolic=130)                    # T0 fixes 130 (typed for chair 4)
    s.t(300); s.bp(135, 80)
    s.t(360)
    row = next(r for r, kept in e._state.rows["bp_systolic"] if kept.reading.value == 130)
    assert e.void(row, "bp_systolic", NURSE, s.now(), "typed for chair 4").done
    assert e.baseline["bp_systolic"] == 100
    s.t(420)
    row = next(r for r, kept in e._state.rows["bp_systolic"] if kept.reading.value == 100)
    v = e.correct(row, "bp_systolic", 110, NURSE, s.now(), "typed 100, read 110")
    assert getattr(v, "done", True), v
    assert e.baseline["bp_systolic"] == 110
    detail = _detail(s, log)
    words = rc.baseline_words(detail, UTC)
    assert detail.baseline["bp_systolic"] == 110
    # The 100 was this patient's true BP, only corrected; the 130 was entered in error.
    assert "(130 at T0, entered in error " in words and "; 100, corrected " in words, words

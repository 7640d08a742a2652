"""The pre-dose BP that T0 logged as the baseline, entered in error after T0: the console goes
back to the BP before it (logs `baseline_set` 100) and the trend draws the limit from 100. The
review's Protocol tab must name the baseline that stood (it read "baseline Systolic BP 130
mmHg", the other patient's value) and say when and why it changed."""
from __future__ import annotations

from datetime import UTC, timedelta

from console.review import content as rc
from console.store import EventLog
from tests.review.review_windows import open_review
from tests.session.helpers import START
from tests.session.test_resume_as_live import NURSE, LoggedSession, log  # noqa: F401


def test_the_review_names_the_baseline_that_stands(qtbot, log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    e = s.engine
    s.bp(100, 60)                                  # this patient's BP
    s.t(60)
    s.to_infusion(systolic=130)                    # T0 fixes 130 as the baseline
    s.t(300); s.bp(135, 80)
    s.t(360)
    # The 130 was typed for chair 4: entered in error, the chair goes back to 100.
    row = next(r for r, kept in e._state.rows["bp_systolic"] if kept.reading.value == 130)
    assert e.void(row, "bp_systolic", NURSE, s.now(), "typed for chair 4").done
    assert e.baseline["bp_systolic"] == 100
    session = e.session_id
    log.close()
    window = open_review(qtbot, log.path, START + timedelta(hours=2))
    window.open_session(session)
    detail = window.detail_page.detail
    assert detail.baseline["bp_systolic"] == 100
    assert rc.baseline_words(detail, UTC).startswith(
        "Systolic BP 100 mmHg (130 at T0, entered in error 09:")
    text = window.detail_page.protocol_label.text()
    assert "baseline Systolic BP 100 mmHg (130 at T0, entered in error" in text, text

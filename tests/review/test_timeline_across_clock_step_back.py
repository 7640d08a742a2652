"""The review model's merged timeline (`SessionDetail.timeline`, the "everything" view) across a
station clock set back 30 minutes (tests/review/test_order_across_clock_step_back.py): in the
order the console wrote its records, as the events CSV lists them. Sorted by wall time it began
with the step, the note typed after it and the alarms after it, above the session's start."""

from __future__ import annotations

from tests.review.test_order_across_clock_step_back import _session


def test_the_timeline_keeps_the_order_written_across_a_clock_set_back(tmp_path):
    detail, _ = _session(tmp_path)
    kinds = [entry.kind for entry in detail.timeline()]
    assert kinds[0] == "protocol_in_force", kinds
    assert kinds[kinds.index("dosing_started"):] == [
        "dosing_started", "note", "alarm_raised", "alarm_raised",
        "clock_stepped", "note", "alarm_escalated", "alarm_raised"], kinds
    # Each at its logged time: the last ones on the clock as set back.
    assert [entry.at.strftime("%H:%M") for entry in detail.timeline()][-4:] == [
        "08:51", "08:55", "08:55", "08:55"]

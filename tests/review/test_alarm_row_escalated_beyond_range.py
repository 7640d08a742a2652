"""The review's alarm row says a value beyond the monitor's range that escalated an alarm as
its limit, as the engine's banner did: "→ HIGH at 09:01:05 (<5 breaths/min)", not "(5 …)".

README ("It reads as a limit wherever the value is shown"): a Dräger sends "RR below 5" as
`<^5`, kept as 5 flagged `<`. The engine's escalation step says "Respiratory rate <5
breaths/min"; the alarm row (and the PDF's alarm table, the same cells) added "(5
breaths/min)", a rate nobody measured.
"""

from __future__ import annotations

from datetime import UTC

from console.review import content as rc
from tests.review.logged_session import logged_session
from tests.review.test_vitals_beyond_range import monitor_sends

RR = "RR^^local^9279-1&1^^LOINC"


def _rr_low_row(tmp_path, *values: str) -> rc.AlarmRow:
    """The RR-low alarm's row after the monitor sends each of `values` (OBX-2 type, OBX-5), 5 s
    apart, one minute into a connected session."""
    s = logged_session(tmp_path)
    s.engine.device_state_changed("connected", s.clock.now())
    s.clock.advance(60)
    for i, value in enumerate(values):
        if i:
            s.clock.advance(5)
        kind, text = value.split(":")
        monitor_sends(s, f"OBX|1|{kind}|{RR}||{text}|/min^^ISO+|||||F")
    detail = s.detail()
    (row,) = [r for r in rc.alarm_rows(detail, UTC) if r.episode.condition == "resp_rate_low"]
    return row


def test_alarm_row_escalated_by_a_value_below_the_monitors_range_says_its_limit(tmp_path):
    # RR 10 raises the medium RR-low alarm; then "RR below 5" escalates it to HIGH.
    row = _rr_low_row(tmp_path, "NM:10", "SN:<^5")
    assert "<5" in row.episode.steps[-1].message         # the engine's own words: the limit
    assert row.cells[1].endswith("→ HIGH at 09:01:05 (<5 breaths/min)"), row.cells[1]


def test_alarm_row_escalated_by_a_measured_value_says_the_number(tmp_path):
    # RR 10, then a measured 5: the escalation's value is a rate the monitor counted.
    row = _rr_low_row(tmp_path, "NM:10", "NM:5")
    assert row.cells[1].endswith("→ HIGH at 09:01:05 (5 breaths/min)"), row.cells[1]

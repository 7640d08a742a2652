"""A monitor's value beyond its range alarms in the words its tile uses: a Dräger "RR <5" (kept as
5, flagged "<") read "*** Respiratory rate 5 breaths/min, limit ≤8" in the alarm row, a rate
counted at 5, where the monitor counted none above its floor (a review of the alarm rules)."""

from __future__ import annotations

from console.session.alarm_area import compact_row_text, row_text
from tests.session.helpers import Session


def test_the_alarm_row_says_below_five_as_the_tile_does():
    s = Session()
    s.t(60); s.device("resp_rate", 5, flags=frozenset({"<"}))
    alarm = next(o for o in s.engine.alarms() if o.condition == "resp_rate_low")
    assert row_text(alarm) == "*** Respiratory rate <5 breaths/min, limit ≤8"
    assert compact_row_text(alarm) == "*** RR <5/min, limit ≤8"


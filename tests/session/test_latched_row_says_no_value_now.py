"""A latched alarm's row says the excursion, not a value "now" that is gone (review 47).

HR 135 unseen (high), then 112 (held high: the row says "· now 112", true), then 80: the alarm
latched, and its row still read "*** Heart rate 135 … (latched: reset to clear) · now 112" while
the tile showed 80; after a restart the same alarm said no "now". A latched alarm's condition
has ended: no value of it holds now (alarms.py `AlarmBoard._clear`).
"""

from __future__ import annotations

import pytest

from console.session.alarm_area import compact_row_text, row_text
from tests.session.helpers import Session
from tests.session.test_correction_alarms import restart


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_latched_row_says_no_value_now(restarted: bool):
    s = Session()
    s.to_infusion()
    s.t(60); s.device("heart_rate", 135)
    s.t(62); s.device("heart_rate", 112)
    (alarm,) = s.engine.alarms()
    assert row_text(alarm).endswith("· now 112")   # held high, unseen: the value now is 112
    s.t(64); s.device("heart_rate", 80)
    if restarted:
        restart(s, 5)
    (alarm,) = s.engine.alarms()
    assert alarm.state.value == "latched"
    assert row_text(alarm) == (
        "*** Heart rate 135 beats/min, limit ≥131 (latched: reset to clear)")
    assert "now" not in compact_row_text(alarm)


def test_a_latched_alarm_that_returns_lower_says_its_value_now_again():
    # Latched, then the rate back at a medium value: the excursion stands again, held high,
    # and its row says the value now (alarms.py `_raise`, "returned").
    s = Session()
    s.to_infusion()
    s.t(60); s.device("heart_rate", 135)
    s.t(62); s.device("heart_rate", 112)
    s.t(64); s.device("heart_rate", 80)
    s.t(66); s.device("heart_rate", 115)
    (alarm,) = s.engine.alarms()
    assert (alarm.priority.label, alarm.state.value) == ("high", "active")
    assert row_text(alarm).endswith("· now 115")

"""An alarm row says a value as its tile does. A Dräger "RR <5" (kept as 5, flagged "<": the
monitor counted no rate above its floor) read "*** Respiratory rate 5 breaths/min, limit ≤8", a
rate counted at 5, beside a tile saying "<5"; and the "now" of an unseen high alarm read
"· now 92.4" beside a tile showing 92 (a review of the alarm rules)."""

from __future__ import annotations

from console.session.alarm_area import compact_row_text, row_text
from console.session.conditions import ConditionTracker
from tests.session.helpers import Session, default_rules


def infusing() -> Session:
    s = Session()
    s.to_infusion(systolic=120)
    return s


def only(s: Session, condition: str):
    return next(o for o in s.engine.alarms() if o.condition == condition)


def test_the_now_of_a_held_high_alarm_is_said_as_the_tile_shows_it():
    s = infusing()
    s.t(60); s.device("spo2", 88)        # high, unseen
    s.t(61); s.device("spo2", 92.4)      # medium now; the tile shows 92
    alarm = only(s, "spo2_low")
    assert row_text(alarm) == "*** SpO2 88 %, limit ≤90 · now 92"
    assert compact_row_text(alarm).endswith(" · now 92")


def test_a_value_below_the_monitors_range_is_said_below_it():
    rules = [r for r in default_rules() if r.condition == "resp_rate_low"]
    tracker = ConditionTracker("resp_rate_low", rules)
    tracker.on_value(5, None, Session().now(), "hl7:SIM", mark="<")
    held = tracker.held()
    assert held is not None and held.message == "Respiratory rate <5 breaths/min, limit ≤8"

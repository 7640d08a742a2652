"""Esketamine, device 1 given 10 minutes after the nurse confirmed "Start Nasal devices (T0)"
(she readied the spray after confirming). The timers, the discharge gate, "BP at T+40" and the
REMS draft count from the first device (README, "Esketamine"; the engine's `_first_dose`), but
the bedside trend drew "T0 dose" at the phase's start, when no device had been given: two T0s in
one record, 10 minutes apart (an esketamine walk through the window). The dose marker now stands
at the first device when it came later; the phase's start keeps its phase marker."""

from __future__ import annotations

from console.session.trend_feed import TrendFeed
from tests.session.helpers import START, Session
from tests.session.test_esketamine_dose import MIN, give, in_devices


def _dose_marks(s: Session) -> list[tuple[float, str]]:
    feed = TrendFeed(START)
    feed.add(s.recorder.records)
    return [(m.minutes, m.text) for m in feed.markers() if m.kind == "dose"]


def test_the_trend_marks_the_dose_at_a_device_1_given_after_t0() -> None:
    s, t0 = in_devices(56)
    give(s, t0 + 10 * MIN, 1, 2)                     # device 1 at T0+10, device 2 at T0+15
    assert _dose_marks(s) == [(t0 / MIN + 10, "T0 dose")]


def test_a_device_1_given_at_t0_keeps_the_dose_mark_at_t0() -> None:
    s, t0 = in_devices(56)
    give(s, t0, 1, 2)
    assert _dose_marks(s) == [(t0 / MIN, "T0 dose")]


def test_before_any_device_the_dose_mark_stands_at_t0() -> None:
    s, t0 = in_devices(56)
    assert _dose_marks(s) == [(t0 / MIN, "T0 dose")]

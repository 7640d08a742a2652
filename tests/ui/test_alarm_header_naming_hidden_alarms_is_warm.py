"""The alarm field's header naming alarms that did not fit ("+1 more: 1 high · *** SpO2 85 %")
is drawn in the warm colour, not the grey of an empty header: the cue to look and press F2
again; the tests had read its words only (a review)."""
from __future__ import annotations

from tests.ui.test_alarm_bar import Console


def test_a_header_naming_hidden_alarms_is_in_the_warm_colour(qtbot):
    console = Console(qtbot)
    header = console.bar.patient.header
    assert "#ff8a80" not in header.styleSheet()           # nothing hidden: neutral
    console.reading("spo2", 85)
    console.s.clock.advance(10)
    console.reading("heart_rate", 135)
    console.s.clock.advance(10)
    console.reading("resp_rate", 7)
    assert console.bar.more()[0] == "+1 more: 1 high"
    assert "color:#ff8a80" in header.styleSheet(), header.styleSheet()

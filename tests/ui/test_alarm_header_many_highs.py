"""The patient field's header with six or seven high alarms (the alarm audit's deterioration:
SpO2 86, RR 5, a rate of 138, BP 212/124, MOAA/S 1): two fit the rows, and every hidden one is
read on the header by its vital and value (console/session/alarm_area.py's rule). At 1366x768 it
read "+4 more: 4 high · *** SpO2 86, RR 5, HR 138, Sy…", the systolic 212 only counted; with an
oximeter's pulse for the ECG's rate not even its first letters."""

from __future__ import annotations

import pytest

from tests.ui.conftest import shown_live_window

SIX = (("spo2", 86), ("resp_rate", 5), ("bp_systolic", 212), ("bp_diastolic", 124), ("moaas", 1))


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
@pytest.mark.parametrize("rates", [("heart_rate",), ("pulse_rate",), ("heart_rate", "pulse_rate")])
def test_every_hidden_high_alarm_is_read_on_the_header(qtbot, live, size, rates):
    controller, journal, clock, log = live
    vitals = [*SIX[:2], *((rate, 138) for rate in rates), *SIX[2:]]
    for name, value in vitals:
        clock.advance(2)
        controller.enter_manual(name, value, confirmed=True)
    controller.tick()
    window = shown_live_window(qtbot, live, size)
    field = window.alarm_bar.patient
    hidden = field.field.hidden
    assert len(hidden) == len(vitals) - 2 and "bp_systolic_high" in {o.condition for o in hidden}
    drawn = field.header.text()
    assert not drawn.endswith("…"), drawn
    assert f"+{len(hidden)} more: {len(hidden)} high · " in drawn, drawn   # the count stays
    names = {"spo2": "SpO2 86", "resp_rate": "RR 5", "heart_rate": "HR 138",
             "pulse_rate": "Pulse 138"}
    for name in ("spo2", "resp_rate", *rates):
        assert names[name] in drawn, drawn
    assert any(words in drawn for words in ("Sys 212", "Systolic 212", "BP 212/124")), drawn
    # The order is the first sign first, SpO2 the oldest.
    assert drawn.index("SpO2 86") < drawn.index("RR 5") < drawn.index("212")
    if size == (1920, 1080):   # room enough for the marks and the names as the rows say them
        assert drawn.startswith("Patient alarms     ") and "· *** SpO2 86, RR 5" in drawn, drawn
    # The limits are on hover.
    assert "Systolic 212, limit ≥200" in field.header.toolTip()


def test_nine_high_alarms_at_1366_name_every_hidden_one(qtbot, live):
    # An unseen tachycardia turned bradycardia on the ECG and on the oximeter's pulse (each rate
    # latched high at 138 and high again at 35), SpO2 86, RR 5, BP 212/124, MOAA/S 1: two fit
    # the rows. The header had been cut at "Dia 12…", the MOAA/S of 1 only counted.
    controller, journal, clock, log = live
    vitals = (("spo2", 86), ("resp_rate", 5), ("heart_rate", 138), ("pulse_rate", 138),
              ("bp_systolic", 212), ("bp_diastolic", 124), ("moaas", 1), ("heart_rate", 35),
              ("pulse_rate", 35))
    for name, value in vitals:
        clock.advance(2)
        controller.enter_manual(name, value, confirmed=True)
    controller.tick()
    window = shown_live_window(qtbot, live, (1366, 768))
    field = window.alarm_bar.patient
    assert len([o for o in field.field.hidden if o.priority.label == "high"]) == 7
    drawn = field.header.text()
    assert not drawn.endswith("…"), drawn
    assert drawn.startswith("+7 "), drawn   # the count stays, first
    for words in ("SpO2 86", "RR 5", "HR 138", "Pulse 138", "BP 212/124", "MOAA/S 1"):
        assert words in drawn, drawn

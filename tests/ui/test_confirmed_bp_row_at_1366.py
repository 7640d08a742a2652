"""A confirmed BP alarm's row at 1366x768 says its state: the longest row the shipped protocols
give ("*** Systolic 187 (+63), limit ≥180 or base +40 (confirmed)") was cut at its end, and its
state words with it: a latched systolic, the pressure back to 150, drew "*** Systolic 187 (+63),
limit ≥180 or base +40 (c…", a pressure of 187 now; an acknowledged one lost "· ack." (the review
of the alarm rows). The state is never what is cut: the row's detail and its limit's long form
give way first. At 1920x1080, where it fit, the row is as it was."""

from __future__ import annotations

import pytest

from console.session.alarm_area import compact_row_text
from tests.ui.conftest import ready_for_t0, shown_live_window

CONFIRMED_HIGH = {"bp_systolic": (186, 187), "bp_diastolic": (112, 119)}
BACK_TO_NORMAL = {"bp_systolic": 150, "bp_diastolic": 80}
AGAIN_RAISED = {"bp_systolic": 185, "bp_diastolic": 111}
NAME = {"bp_systolic": "Systolic", "bp_diastolic": "Diastolic"}


def confirmed_high(controller, clock, vital: str) -> None:
    """In infusion: a high BP, its repeat 5 minutes later confirms it: a high alarm."""
    ready_for_t0(controller)
    assert controller.advance_phase().done
    first, repeat = CONFIRMED_HIGH[vital]
    clock.advance(60); controller.enter_manual(vital, first, confirmed=True)
    clock.advance(301); controller.enter_manual(vital, repeat, confirmed=True)
    controller.tick()


def then(controller, clock, vital: str, state: str) -> str:
    """Bring the confirmed alarm to `state`; the words its row must keep."""
    if state == "latched":   # back to normal before anyone saw it
        clock.advance(2); controller.enter_manual(vital, BACK_TO_NORMAL[vital], confirmed=True)
        return "(latched)"
    if state == "now":   # latched, then raised again: held high, the value now beside it
        clock.advance(2); controller.enter_manual(vital, BACK_TO_NORMAL[vital], confirmed=True)
        clock.advance(60); controller.enter_manual(vital, AGAIN_RAISED[vital], confirmed=True)
        return f"· now {AGAIN_RAISED[vital]}"
    if state == "acknowledged":
        controller.acknowledge_all()
        return "· ack."
    if state == "paused":   # the pause is said on its button; the row is as when active
        controller.pause_audio()
    return ""


@pytest.mark.parametrize("vital", ["bp_systolic", "bp_diastolic"])
@pytest.mark.parametrize("state", ["active", "paused", "latched", "now", "acknowledged"])
def test_a_confirmed_bp_row_keeps_its_state_and_value_at_1366(qtbot, live, vital, state):
    controller, _journal, clock, _log = live
    confirmed_high(controller, clock, vital)
    words = then(controller, clock, vital, state)
    window = shown_live_window(qtbot, live, (1366, 768))
    [row] = window.alarm_bar.patient.field.shown
    [drawn] = window.alarm_bar.patient.drawn_texts()
    assert words in compact_row_text(row)   # what the row has to say
    assert drawn.endswith(words), drawn   # said whole, nothing cut after it
    value = CONFIRMED_HIGH[vital][1]
    assert drawn.startswith(f"*** {NAME[vital]} {value} ("), drawn   # the value whole
    assert "…" not in drawn, drawn
    if state in ("active", "paused"):   # room for the limit: it stays
        assert f"limit ≥{180 if vital == 'bp_systolic' else 110}" in drawn, drawn


@pytest.mark.parametrize("vital", ["bp_systolic", "bp_diastolic"])
@pytest.mark.parametrize("state", ["active", "latched", "now", "acknowledged"])
def test_a_confirmed_bp_row_is_as_it_was_at_1920(qtbot, live, vital, state):
    controller, _journal, clock, _log = live
    confirmed_high(controller, clock, vital)
    then(controller, clock, vital, state)
    window = shown_live_window(qtbot, live, (1920, 1080))
    [row] = window.alarm_bar.patient.field.shown
    assert window.alarm_bar.patient.drawn_texts() == [compact_row_text(row)]
    assert compact_row_text(row).startswith(f"*** {NAME[vital]} ")
    assert "(confirmed)" in compact_row_text(row)

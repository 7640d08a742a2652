"""At 1366x768, in the Discharge phase before the gate's time with a check overdue, the timers
line cut the end of "Next vitals": "OVERDUE Sedation and breathing 30:0…" (how late, and "ago",
lost), while "Phase left —", which says nothing where a phase has no planned time, stood whole
(a review). A phase with no time left to show leaves it out; "Discharge in" says when."""

from __future__ import annotations

import pytest

from tests.ui.conftest import live_esketamine, shown_live_window  # noqa: F401


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_next_vitals_stays_whole_beside_discharge_in(qtbot, live_esketamine, size) -> None:
    controller, journal, clock, log = live_esketamine
    assert controller.advance_phase(override_reason="test").done            # the devices: T0
    clock.advance(7 * 60)
    while controller.view.phase.kind.value != "discharge":
        assert controller.advance_phase(override_reason="test").done
    clock.advance(45 * 60)
    controller.tick()
    window = shown_live_window(qtbot, live_esketamine, size)
    whole = window.timers.full_text()
    tail = whole[whole.index("Next vitals: OVERDUE "):]
    assert tail.endswith(" ago"), tail
    assert window.timers.text().endswith(tail), window.timers.text()
    assert "Discharge in 1:08 h" in window.timers.text(), window.timers.text()
    assert "Phase left" not in whole, whole

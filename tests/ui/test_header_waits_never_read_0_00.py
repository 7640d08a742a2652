"""The header's waits still running never read "0:00" (`format_duration(round_up=True)`, as the
rest's countdown): 0.4 s before esketamine's 2 hours it said "Discharge in 0:00 min" while the
discharge was refused, and an infusion "Phase left 0:00 min" with its time not yet run (an
esketamine review). Past its time a check reads how late, to the nearest second."""

from __future__ import annotations

from tests.ui.conftest import live, live_esketamine, ready_for_t0, shown_live_window  # noqa: F401


def test_discharge_in_reads_a_second_not_0_00_while_it_is_refused(
        qtbot, live_esketamine):  # noqa: F811
    controller, journal, clock, log = live_esketamine
    assert controller.advance_phase(override_reason="test").done            # the devices: T0
    clock.advance(7 * 60)
    while controller.view.phase.kind.value != "discharge":
        assert controller.advance_phase(override_reason="test").done
    clock.advance(113 * 60 - 0.4)                                           # 0.4 s to the 2 h
    controller.tick()
    window = shown_live_window(qtbot, live_esketamine, (1920, 1080))
    assert "Discharge in 0:01 min" in window.timers.full_text(), window.timers.full_text()
    clock.advance(0.4)
    controller.tick()
    window.refresh()
    assert "Discharge in" not in window.timers.full_text()


def test_phase_left_reads_a_second_not_0_00_before_the_infusions_end(
        qtbot, live):  # noqa: F811
    controller, journal, clock, log = live
    ready_for_t0(controller)
    assert controller.advance_phase().done                                  # T0: the infusion
    clock.advance(40 * 60 - 0.4)
    controller.tick()
    window = shown_live_window(qtbot, live, (1920, 1080))
    assert "Phase left 0:01 min" in window.timers.full_text(), window.timers.full_text()
    clock.advance(0.4)
    controller.tick()
    window.refresh()
    assert "Phase left 0:00 min" in window.timers.full_text()               # run: its end




def test_next_vitals_reads_a_second_not_0_00_before_the_check_is_due(
        qtbot, live):  # noqa: F811
    controller, journal, clock, log = live
    ready_for_t0(controller)
    assert controller.advance_phase().done                                  # T0: the infusion
    clock.advance(10 * 60 - 0.4)                                            # 0.4 s to T+10
    controller.tick()
    window = shown_live_window(qtbot, live, (1920, 1080))
    assert window.timers.full_text().endswith("Next vitals: BP, HR and SpO2 0:01 min")
    clock.advance(2.4)                                                      # 2 s past it
    controller.tick()
    window.refresh()
    assert window.timers.full_text().endswith("Next vitals: DUE BP, HR and SpO2 0:02 min ago")

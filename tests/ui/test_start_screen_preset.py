"""A chair's launcher names its monitor (`infusion-console --device /dev/ttyUSB0
--device-profile X`): every start screen opens with it, the one after each discharge too, not
with "Manual entry only" for the second patient of the day (MainWindow.preset_start_monitor)."""

from __future__ import annotations

import pytest

from console.ui.start_screen import MANUAL_ENTRY, StartRequest
from tests.ui.test_app_start import options, started  # noqa: F401 - `started` is the fixture

PORT, PROFILE = "/dev/ttyUSB7", "philips-intellivue-mib"


def _shown(window) -> tuple[str, object]:
    screen = window.start_screen
    assert screen is not None and screen.isVisible()
    return screen.port_combo.currentText(), screen.format_combo.currentData()


def _discharge_and_start_again(window) -> None:
    # A manual session (no port opened by the test): the preset is the start screen's, not
    # the session's.
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", None, None))
    live, controller = window.live, window.controller
    assert live is not None and controller is not None
    for _ in range(3):
        controller.advance_phase(override_reason="test")
    assert controller.discharge(override_reason="test: transfer").done
    live.new_session_button.click()
    assert window.live is None


def test_the_start_screen_after_a_discharge_keeps_the_launchers_monitor(started, tmp_path):
    window = started(options(tmp_path, "--device", PORT, "--device-profile", PROFILE))
    window.preset_start_monitor(PORT, PROFILE)   # what app.py's _preset_monitor calls
    window.show()
    assert _shown(window) == (PORT, PROFILE)
    _discharge_and_start_again(window)
    assert _shown(window) == (PORT, PROFILE)
    assert window.start_screen.format_combo.isEnabled()


def test_a_monitor_given_alone_is_kept_and_the_device_box_stays_as_it_was(started, tmp_path):
    window = started(options(tmp_path))
    window.preset_start_monitor(None, "masimo")
    window.show()
    _discharge_and_start_again(window)
    assert _shown(window) == (MANUAL_ENTRY, "masimo")


def test_a_monitor_the_start_screen_does_not_offer_is_refused_and_not_kept(started, tmp_path):
    window = started(options(tmp_path))
    with pytest.raises(ValueError, match="no-such-monitor: the start screen does not offer"):
        window.preset_start_monitor(PORT, "no-such-monitor")
    assert window.start_monitor == (None, None)

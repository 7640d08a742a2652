"""The dose line with the cap said (review 45) is read whole on the chair's 1366x768 screen, at
the live window's own font: measured by the label (ElidedLabel.is_cut), never cut."""

from __future__ import annotations

import pytest

from console.session.dosing import dose_line
from protocols.model import PhaseKind
from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_a_capped_dose_line_is_shown_whole(qtbot, started, tmp_path, size):
    window = started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-130",
                             "--weight", "130", "--nurse", "ana"))
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.controller.tick()
    label = window.live.dosing
    assert label.full_text().startswith(
        "Dose 60 mg (capped; 0.5 mg/kg × 130 kg = 65 mg) in 100 mL")
    assert not label.is_cut(), label.text()
    # The longest capped lines: with the sum given, and with the infusion stopped early.
    protocol, details = window.controller.view.protocol, window.controller.view.details
    for longest in (dose_line(protocol, details, PhaseKind.OBSERVATION, weight_kg=130.0),
                    dose_line(protocol, details, PhaseKind.OBSERVATION, dosing_minutes=12.0,
                              weight_kg=130.0)):
        label.setText(longest)
        assert "(capped" in longest
        assert not label.is_cut(), (longest, label.fontMetrics().horizontalAdvance(longest),
                                    label.width())

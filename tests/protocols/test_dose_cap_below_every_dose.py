"""A dose cap no weight's dose stays under is refused: it caps every dose.

protocols/README.md, `[dose]`: `max_mg` is "a hard cap on the computed dose". A cap above the
heaviest patient's dose was already refused (a decimal-point slip: it caps nothing). The other
slip, 60 mg written as 0.06 (grams), loaded: `infusion-console protocols FILE` said ok, and every
session's dose became 0.06 mg whatever the weight, for 0.5 mg/kg is already 0.5 mg at the
lightest weight the console takes (1 kg). A review of the protocols.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from console.cli import main
from console.session.start_checks import WEIGHT_RANGE_KG
from protocols.loader import ProtocolError, builtin_protocols_dir, load_or_refusal, protocol_from_text


def _copy(folder: Path, old: str, new: str, shipped: str = "iv-ketamine") -> Path:
    """A clinic copy (its own id) of a shipped protocol, `old` made `new`."""
    text = (builtin_protocols_dir() / f"{shipped}.toml").read_text(encoding="utf-8")
    text = text.replace(f'id = "{shipped}"\n', 'id = "clinic-iv"\n', 1)
    assert text.count(old) == 1, old
    path = folder / "clinic-iv.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_cap_written_in_grams_is_refused_naming_the_key_the_value_and_what_is_allowed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _copy(tmp_path, "max_mg = 60\n", "max_mg = 0.06\n")
    assert main(["protocols", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: refused: dose.max_mg: 0.06 mg is below 0.5 mg, the dose of "
                          "0.5 mg/kg × 1 kg (the lightest weight the console takes): it caps "
                          "every dose; check the unit (mg, not g) and the decimal point; allowed: "
                          "0.5–200 mg"), out


def test_the_floor_is_the_dose_of_the_lightest_weight_the_start_screen_takes(
        tmp_path: Path) -> None:
    lightest = WEIGHT_RANGE_KG[0]
    at_floor = load_or_refusal(_copy(tmp_path, "max_mg = 60\n", f"max_mg = {0.5 * lightest}\n"))
    assert not isinstance(at_floor, ProtocolError), at_floor
    assert at_floor.dose.dose_mg(lightest) == 0.5 * lightest     # the lightest patient's dose stands
    below = load_or_refusal(_copy(tmp_path, "max_mg = 60\n", f"max_mg = {0.49 * lightest}\n"))
    assert isinstance(below, ProtocolError)
    assert below.key == "dose.max_mg"


def test_the_titration_protocols_lower_dose_takes_its_own_floor(tmp_path: Path) -> None:
    path = _copy(tmp_path, "max_mg = 30\n", "max_mg = 0.03\n", shipped="iv-ketamine-titration")
    outcome = load_or_refusal(path)
    assert isinstance(outcome, ProtocolError)
    assert "0.03 mg is below 0.25 mg, the dose of 0.25 mg/kg × 1 kg" in str(outcome)


def test_a_session_logged_under_such_a_cap_is_still_read(tmp_path: Path) -> None:
    # A text that already ran is resumed and reviewed as it ran (protocols/README.md, "These
    # rules are for new files"): its sessions' doses were logged under it.
    text = _copy(tmp_path, "max_mg = 60\n", "max_mg = 0.06\n").read_text(encoding="utf-8")
    ran = protocol_from_text(text, "session log", authoring=False)
    assert ran.dose.max_mg == 0.06


def test_an_esketamine_device_written_in_grams_is_refused(tmp_path: Path) -> None:
    # Devices mode has no cap; its doses are the label's, in devices of the label's 28 mg.
    path = _copy(tmp_path, "mg_per_device = 28\n", "mg_per_device = 0.028\n", shipped="esketamine")
    outcome = load_or_refusal(path)
    assert isinstance(outcome, ProtocolError)
    assert outcome.key == "dose.mg_per_device"

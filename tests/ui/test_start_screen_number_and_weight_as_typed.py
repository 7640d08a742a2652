"""The start screen when the log cannot be read for the patient typed: the session number
suggested for the patient typed before is not left ready (review 45); and a weight confirmed is
named with every digit typed."""

from __future__ import annotations

from pathlib import Path

from console.store import LogError
from tests.ui.test_start_screen import fill, make_screen, protocols  # noqa: F401 - fixtures


def locked_but_for_mrn_1(patient_id: str) -> list[str]:
    if patient_id == "MRN-1":
        return ["iv-ketamine"] * 4
    raise LogError(Path("/clinic/log.sqlite3"), "locked")


def test_a_number_suggested_for_another_patient_is_not_left_ready_to_start(qtbot, make_screen):
    screen = make_screen(locked_but_for_mrn_1)
    fill(qtbot, screen, patient="MRN-1")
    assert screen.session_spin.value() == 5 and screen.start_button.isEnabled()
    screen.patient_edit.setText("MRN-2")
    assert screen.session_message.text().startswith("Could not read earlier sessions")
    assert screen.session_message.property("role") == "error"
    assert screen.session_spin.text() == "session ?"
    assert not screen.start_button.isEnabled()
    assert "session number" in screen.missing_label.text()
    assert screen.request() is None


def test_the_number_the_nurse_sets_is_started_with(qtbot, make_screen):
    screen = make_screen(locked_but_for_mrn_1)
    fill(qtbot, screen, patient="MRN-2")
    assert not screen.start_button.isEnabled()
    screen.session_spin.setValue(1)   # the nurse's own count: session 1, the range's least
    assert screen.session_spin.text() == "session 1"
    assert screen.start_button.isEnabled()
    assert screen.request().session_number == 1


def test_a_patient_whose_sessions_are_read_gets_the_suggestion_again(qtbot, make_screen):
    screen = make_screen(locked_but_for_mrn_1)
    fill(qtbot, screen, patient="MRN-2")
    screen.patient_edit.setText("MRN-1")
    assert screen.session_spin.value() == 5 and screen.session_spin.text() == "session 5"
    assert screen.start_button.isEnabled()


def test_the_tick_box_confirms_the_weight_as_typed(qtbot, make_screen):
    screen = make_screen()
    fill(qtbot, screen, weight="29.999")
    assert screen.weight_confirm.text() == "Yes, 29.999 kg is correct"
    assert screen.weight_message.text().startswith("29.999 kg is unusual (below 30 kg)")
    assert "× 29.999 kg" in screen.summary.text()

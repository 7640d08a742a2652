"""A command-line start that resumes a session left open checks a typed --dose-mg against the
protocol and says on stderr one it does not use, as it says --weight: the nurse asked for 84 mg
and the chair ran the logged 56 mg without a word (review 45)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.records import SessionOpened
from console.store import EventLog
from console.ui.app import StartError
from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture


def left_open_esketamine(tmp_path, mg: float) -> int:
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        return log.start_session(SessionOpened(
            patient_id="MRN-94", protocol_id="esketamine", protocol_version="1.7",
            session_number=1, nurse="N", weight_kg=70.0,
            started_at=datetime.now(UTC) - timedelta(minutes=30),
            details={"dose_mg": mg, "chosen_mg": mg}))


START = ("--protocol", "esketamine", "--patient", "MRN-94", "--nurse", "N")


def test_a_dose_mg_other_than_the_logged_one_is_said_on_resume(started, tmp_path, capsys):
    recent = left_open_esketamine(tmp_path, 56.0)
    window = started(options(tmp_path, *START, "--weight", "70", "--dose-mg", "84"))
    assert window.controller.view.session_id == recent
    assert (f"session {recent} of MRN-94 resumes with its logged weight 70 kg and dose 56 mg "
            "(--dose-mg 84 not used: a session's weight and dose are fixed at its start)"
            ) in capsys.readouterr().err


def test_a_weight_and_a_dose_not_used_are_said_in_one_line(started, tmp_path, capsys):
    recent = left_open_esketamine(tmp_path, 56.0)
    started(options(tmp_path, *START, "--weight", "80", "--dose-mg", "84"))
    assert (f"session {recent} of MRN-94 resumes with its logged weight 70 kg and dose 56 mg "
            "(--weight 80 and --dose-mg 84 not used") in capsys.readouterr().err


def test_the_logged_dose_typed_again_resumes_unsaid(started, tmp_path, capsys):
    recent = left_open_esketamine(tmp_path, 56.0)
    window = started(options(tmp_path, *START, "--weight", "70", "--dose-mg", "56"))
    assert window.controller.view.session_id == recent
    assert "not used" not in capsys.readouterr().err


def test_a_resume_without_dose_mg_needs_none(started, tmp_path):
    # The dose is the logged one: --dose-mg is asked only of a new session.
    recent = left_open_esketamine(tmp_path, 56.0)
    assert started(options(tmp_path, *START, "--weight", "70")).controller.view.session_id == recent


def test_a_dose_mg_that_is_no_dose_of_the_protocol_is_refused_when_resuming(started, tmp_path):
    left_open_esketamine(tmp_path, 56.0)
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, *START, "--weight", "70", "--dose-mg", "lots"))
    assert str(refused.value) == "--dose-mg lots: esketamine's doses are 56, 84 mg"

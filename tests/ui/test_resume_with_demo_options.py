"""`--resume N` with `--demo` or `--scenario`: refused in one line naming the option, never
dropped (a review).

`--resume 1 --demo` (QA carrying on "a demo") resumed session 1 of MRN-94, a patient's real
session, on its real monitor, its record logging the resume, and nothing was said of the
--demo or the --scenario it dropped.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from console.records import SessionOpened
from console.store import EventLog
from console.ui.app import StartError, relaunch_resume_options
from tests.ui.test_app_start import left_open, options, sessions, started  # noqa: F401 - fixture


def resumes_logged(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        return conn.execute(
            "SELECT count(*) FROM events WHERE kind = 'session_resumed'").fetchone()[0]


def demo_left_open(tmp_path) -> int:
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        return log.start_session(SessionOpened(
            patient_id="DEMO-1", protocol_id="iv-ketamine", protocol_version="1.0",
            session_number=1, nurse="demo nurse", weight_kg=70.0, demo=True,
            started_at=datetime.now(UTC) - timedelta(minutes=20)))


@pytest.mark.parametrize("extra", [("--demo",), ("--demo", "--scenario", "desaturation"),
                                   ("--scenario", "desaturation", "--demo")],
                         ids=["demo", "demo-scenario", "scenario-demo"])
def test_resume_of_a_patients_session_with_demo_is_refused_naming_it(started, tmp_path, extra):
    sid = left_open(tmp_path, hours_ago=0.5)
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--resume", str(sid), *extra))
    assert str(refused.value) == (
        f"--demo: --resume {sid} carries on session {sid} as its log holds it, a demo or a "
        "patient's (a demo session resumed plays its simulated monitor again); leave --demo "
        "out, or leave --resume out to start a demo")
    assert sessions(tmp_path) == [(sid, None)]   # still open, nothing resumed
    assert resumes_logged(tmp_path) == 0


def test_resume_of_a_demo_session_with_demo_is_refused_as_well(started, tmp_path):
    sid = demo_left_open(tmp_path)
    with pytest.raises(StartError, match=r"^--demo: "):
        started(options(tmp_path, "--resume", str(sid), "--demo"))
    assert resumes_logged(tmp_path) == 0


def test_resume_of_a_patients_session_with_a_scenario_says_it_is_not_used(started, tmp_path,
                                                                         capsys):
    """Said, and the session resumed on its own monitor: never refused, since "Restart and
    resume" of a patient's session in a console launched as a demo gives the demo's --scenario
    again (a refused restart: the session's alarms nowhere)."""
    sid = left_open(tmp_path, hours_ago=0.5)
    window = started(options(tmp_path, "--resume", str(sid), "--scenario", "desaturation"))
    assert window.controller is not None and window.controller.view.session_id == sid
    assert (f"infusion-console: --scenario desaturation is not used: session {sid} of MRN-94 "
            "is no demo (a scenario plays the demo's simulated monitor); it is resumed on its "
            "own monitor\n") in capsys.readouterr().err


def test_restart_and_resume_of_a_demo_still_plays_its_scenario(started, tmp_path):
    """What "Restart and resume" runs for a demo: the scenario again, never --demo."""
    sid = demo_left_open(tmp_path)
    relaunched = relaunch_resume_options(options(tmp_path, "--demo", "--scenario",
                                                 "desaturation"))
    assert "--demo" not in relaunched
    window = started(options(tmp_path, *relaunched, "--resume", str(sid)))
    assert window.controller is not None and window.controller.view.session_id == sid
    assert resumes_logged(tmp_path) == 1

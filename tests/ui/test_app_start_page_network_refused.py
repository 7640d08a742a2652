"""A start from the launcher (the start page) whose clinic network settings are refused, with a
session left open: the console crashed while a session ran, and IT renamed the kit's CA file
meanwhile. The start was refused in one line naming the CA file: nothing said that session N was
still open, its alarms running nowhere, nor how to bring it back. The start page comes up
instead, as a resume does, without the network: it offers the session, and the session resumed
from it runs under the network alarm. With nothing left open the start is refused as before."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from console.records import SessionOpened
from console.store import EventLog
from console.ui.app import StartError
from tests.store.test_session_claim import HOLDER
from tests.ui.test_app_start import options, started  # noqa: F401
from tests.ui.test_app_start_network_refused import (
    kit_without_its_ca_file,
    left_open,
    network_alarm,
)


def test_a_start_page_refused_its_network_comes_up_offering_the_session_left_open(
        started, tmp_path, capsys):  # noqa: F811
    session = left_open(tmp_path)   # the crash a minute ago
    kit = kit_without_its_ca_file()
    window = started(options(tmp_path))   # the launcher's start: had raised StartError
    assert window.controller is None and len(window.resume_buttons) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"infusion-console: {kit}: ca_file "), err
    assert (f"; session {session} of MRN-94 is left open: the start page comes up to resume it "
            f"(or start with --resume {session}), without the clinic network: every session it "
            "opens runs under the network alarm until the settings are put right and the "
            "console restarted\n") in err
    # The nurse resumes it from its offer: its alarms are back, the network's among them.
    window.start_screen.nurse_edit.setText("Bea")
    window.resume_buttons[0].click()
    assert window.controller is not None and window.controller.view.session_id == session
    assert network_alarm(window).message == "Clinic network off: network.toml refused"


def test_a_start_page_refused_its_network_with_nothing_left_open_is_refused(
        started, tmp_path):  # noqa: F811
    with EventLog.open(tmp_path / "log.sqlite3", "test"):
        pass   # a log, no session in it
    kit = kit_without_its_ca_file()
    with pytest.raises(StartError) as refused:
        started(options(tmp_path))
    assert str(refused.value).startswith(f"{kit}: ca_file ")


def test_a_session_left_open_days_ago_does_not_bring_the_start_page_up(
        started, tmp_path):  # noqa: F811
    # Not today's: no alarm of it is running nowhere; it is resumed only to discharge it.
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        log.start_session(SessionOpened(
            patient_id="MRN-94", protocol_id="iv-ketamine", protocol_version="1.0",
            session_number=1, nurse="N", weight_kg=70.0,
            started_at=datetime.now(UTC) - timedelta(days=3)))
    kit = kit_without_its_ca_file()
    with pytest.raises(StartError) as refused:
        started(options(tmp_path))
    assert str(refused.value).startswith(f"{kit}: ca_file ")


def test_a_session_running_at_another_console_does_not_bring_the_start_page_up(
        started, tmp_path):  # noqa: F811
    session = left_open(tmp_path)
    chair1 = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "log.sqlite3"),
                               str(session)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert chair1.stdout is not None and chair1.stdout.readline() == "claimed\n"
        kit = kit_without_its_ca_file()
        with pytest.raises(StartError) as refused:   # its alarms run at chair 1
            started(options(tmp_path))
        assert str(refused.value).startswith(f"{kit}: ca_file ")
    finally:
        chair1.kill()
        chair1.wait()

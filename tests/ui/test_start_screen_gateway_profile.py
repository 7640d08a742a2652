"""`--device-profile mindray-gateway` (a gateway profile naming no bed) with no session options:
refused before the log is opened with the bed advice a command-line start gives it (it said
"start the session from the command line", which refuses it too, and left a new log behind; a
review of the change)."""

from __future__ import annotations

import pytest

from console.ui.app import StartError
from tests.ui.test_app_start import options, started  # noqa: F401 - `started` is the fixture


def test_a_gateway_profile_without_its_bed_is_refused_naming_the_bed(started, tmp_path):
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--device-profile", "mindray-gateway"))
    message = str(refused.value)
    assert "start the session from the command line" not in message, message
    assert "poll.bed" in message, message


def test_a_gateway_profile_without_its_bed_is_refused_before_the_log_is_opened(started,
                                                                              tmp_path):
    with pytest.raises(StartError):
        started(options(tmp_path, "--device-profile", "mindray-gateway"))
    assert not (tmp_path / "log.sqlite3").exists(), "refused after the log was created"

"""Options given with no session options (the start screen opens): a monitor named is checked
and put on the start screen; an option it has no place for is refused in one line, never
dropped. And the station name a chair records is its network.toml's chair, as --chair's."""

from __future__ import annotations

import socket
from pathlib import Path

import platformdirs
import pytest

from console.ui.app import StartError
from tests.ui.test_app_start import options, started  # noqa: F401 - `started` is the fixture


@pytest.mark.parametrize("extra", [
    ("--device-profile", "no-such-monitor"),
    ("--format", "no-such-format"),
    ("--device", "/dev/ttyUSB0", "--device-profile", "no-such-monitor"),
], ids=["profile", "format", "device+profile"])
def test_an_unknown_monitor_is_refused_at_the_start_screen_too(started, tmp_path, extra):
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, *extra))
    option = extra[-2]
    assert str(refused.value).startswith(f"{option}: Unknown device “{extra[-1]}”; known: ")
    assert not (tmp_path / "log.sqlite3").exists(), "refused before the log is opened"


def test_a_malformed_device_address_is_refused_at_the_start_screen(started, tmp_path):
    with pytest.raises(StartError, match="^--device: “socket://monitor” has no port"):
        started(options(tmp_path, "--device", "socket://monitor"))


def test_the_device_and_monitor_given_are_on_the_start_screen(started, tmp_path):
    window = started(options(tmp_path, "--device", "/dev/ttyUSB7",
                             "--device-profile", "philips-intellivue-mib"))
    screen = window.start_screen
    assert screen is not None
    assert (screen.port_combo.currentText(), screen.format_combo.currentData()) == (
        "/dev/ttyUSB7", "philips-intellivue-mib")
    assert screen.format_combo.isEnabled()
    # Kept for the start screen after each discharge (tests/ui/test_start_screen_preset.py).
    assert window.start_monitor == ("/dev/ttyUSB7", "philips-intellivue-mib")


def test_a_format_alone_is_the_start_screens_monitor(started, tmp_path):
    screen = started(options(tmp_path, "--format", "masimo")).start_screen
    assert screen is not None and screen.format_combo.currentData() == "masimo"


@pytest.mark.parametrize(("extra", "words"), [
    (("--dose-mg", "56"), "--dose-mg 56: only for a session started from the command line "
                          "(give --protocol, --patient, --weight and --nurse with it); without "
                          "them the start screen opens, and it asks the dose: "
                          "leave --dose-mg out"),
    (("--confirm", "weight"), "--confirm weight: only for a session started from the command "
                              "line"),
    (("--new-session",), "--new-session: only for a session started from the command line"),
], ids=["dose", "confirm", "new-session"])
def test_a_session_option_the_start_screen_has_no_place_for_is_refused(started, tmp_path,
                                                                       extra, words):
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, *extra))
    assert str(refused.value).startswith(words)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_station_name_is_the_network_toml_chair_as_it_is_the_option(started,
                                                                         tmp_path: Path):
    folder = platformdirs.user_config_path("infusion-console")   # the test's own (conftest)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "network.toml").write_text(
        f'[network]\nchair = "chair-3"\nforward = "mllp://127.0.0.1:{_free_port()}"\n',
        encoding="utf-8")
    by_file = started(options(tmp_path))
    by_option = started(options(tmp_path / "b", "--chair", "chair-3"))
    assert by_option.station == "chair-3"
    assert by_file.station == "chair-3"

"""A password file that names a folder (`password_file`, `resend_password_file`, the chair's or
the central station's `--password-file`): one line naming the setting, as for a device or a pipe
(README: "a password_file that is not a regular file ... is refused unread"), never a traceback.
os.fdopen refused the folder itself with an IsADirectoryError before the regular-file check:
exit 1 with a traceback, and a resume with such settings died with it, the session's alarms
running nowhere (README: a resume runs without the network, under the network alarm)."""

from __future__ import annotations

import errno
from datetime import datetime, timezone
from pathlib import Path

import pytest

from console import cli
from console.central.app import main as central_main
from console.cli import gui_parser
from console.network import config as network_config_module
from console.network import resend
from console.store.outbox import BUS
from console.ui.app import StartError, _network_or_refusal, network_config
from tests.network.test_setting_paths_unreadable import chair_kit, refusal


def not_regular(setting: str, folder: Path) -> str:
    return (f"{setting} {folder} is not a regular file (a device, a pipe or a folder): it must "
            "be a file holding the password as one line")


def folder_kit(tmp_path: Path, key: str = "password_file") -> tuple[Path, Path]:
    """A chair's kit whose `key` names the folder `stations` beside it."""
    folder = tmp_path / "stations"
    folder.mkdir()
    lines = {key: '"stations"'}
    if key.startswith("resend"):
        lines["resend_username"] = '"chair-3.resend"'
    return chair_kit(tmp_path, **lines), folder


def test_a_chairs_password_file_that_is_a_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    path, folder = folder_kit(tmp_path)
    assert refusal(path) == f"{path}: " + not_regular("password_file", folder)


def test_resends_password_file_that_is_a_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    path, folder = folder_kit(tmp_path, "resend_password_file")
    failed_on_the_bus = resend.GivenUp(1, "log-1", 1, "pcd04", "MSH|...", BUS,
                                       datetime.now(timezone.utc).isoformat(), "refused", 1)
    with pytest.raises(resend.CommandError) as caught:
        resend._settings(path, [failed_on_the_bus])
    assert str(caught.value) == f"{path}: " + not_regular("resend_password_file", folder)


@pytest.mark.parametrize("command", [["undelivered"], ["resend", "--all"]])
def test_the_network_tools_give_one_line_for_such_a_kit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    path, folder = folder_kit(tmp_path)
    code = cli.main(["network", *command, "--db", str(tmp_path / "log.sqlite3"),
                     "--network-config", str(path)])
    printed, err = capsys.readouterr()
    assert (code, printed) == (2, "")
    assert err.startswith(f"infusion-console network {command[0]}: ") and err.count("\n") == 1
    if command[0] == "resend":
        assert err.endswith(f"{path}: " + not_regular("password_file", folder) + "\n")


def test_a_central_stations_password_file_that_is_a_folder_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object) -> None:
    code = central_main(["--broker", "mqtt://127.0.0.1:1883", "--allow-plaintext",
                         "--password-file", str(tmp_path), "--db",
                         str(tmp_path / "central.sqlite3")])
    assert code == 2
    assert capsys.readouterr().err == (
        "infusion-console central: " + not_regular("password file", tmp_path) + "\n")


def test_a_resume_with_such_a_kit_runs_under_the_network_alarm(tmp_path: Path) -> None:
    path, folder = folder_kit(tmp_path)
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"),
                                    "--network-config", str(path)])
    config, refused = _network_or_refusal(args, may_resume=True)
    assert config is None
    assert str(refused) == f"{path}: " + not_regular("password_file", folder)
    with pytest.raises(StartError):   # a new session is refused: nobody is on the chair yet
        _network_or_refusal(args, may_resume=False)


def test_a_file_the_settings_name_that_fails_unforeseen_is_still_a_refusal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A backstop: an OSError `load` does not turn into its own words is the start's one line
    # (and a resume's refusal), not a traceback.
    path, folder = folder_kit(tmp_path)

    def failing(*_args: object) -> object:
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(folder))

    monkeypatch.setattr(network_config_module, "load", failing)
    args = gui_parser().parse_args(["--network-config", str(path)])
    with pytest.raises(StartError) as caught:
        network_config(args)
    assert str(caught.value) == (f"network settings {path}: {folder} cannot be read (is a "
                                 "directory): give files this account can read")
    assert _network_or_refusal(args, may_resume=True)[1] is not None

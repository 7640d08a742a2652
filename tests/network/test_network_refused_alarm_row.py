"""The alarm row of a session resumed under refused network settings: short and whole, naming
the settings file or the option, the whole refusal in its detail. It was built from the text up
to the first ": ", and a link to a file not there read "Clinic network off: network.toml, which
is not there (renamed, or its disk not mounted?) refused"."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from console.cli import gui_parser
from console.ui.app import StartError, _network_refused_alarm, network_config


def refused_row(tmp_path: Path, *extra: str) -> tuple[str, str, str]:
    """(the alarm row, its detail, the refusal) of a start with these options."""
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), *extra])
    with pytest.raises(StartError) as refused:
        network_config(args)
    alarm = _network_refused_alarm(refused.value)
    return alarm.message, alarm.detail, str(refused.value)


def test_a_network_toml_link_to_a_file_not_there_is_named_by_the_files_name(
        tmp_path: Path) -> None:
    folder = platformdirs.user_config_path("infusion-console")   # the test's own (conftest)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "network.toml").symlink_to(tmp_path / "mnt" / "clinic" / "network.toml")
    row, detail, said = refused_row(tmp_path)
    assert row == "Clinic network off: network.toml refused"
    assert detail.startswith(said) and "which is not there" in said


def test_a_named_settings_file_is_named_by_its_own_name(tmp_path: Path) -> None:
    named = tmp_path / "chair-3.toml"
    named.symlink_to(tmp_path / "gone.toml")
    row, _, _ = refused_row(tmp_path, "--network-config", str(named))
    assert row == "Clinic network off: chair-3.toml refused"


def test_an_empty_network_toml_is_named_by_the_files_name(tmp_path: Path) -> None:
    folder = platformdirs.user_config_path("infusion-console")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "network.toml").write_text("", encoding="utf-8")
    row, detail, said = refused_row(tmp_path)
    assert row == "Clinic network off: network.toml refused"
    assert detail.startswith(said)


def test_a_refused_option_is_named_by_the_option(tmp_path: Path) -> None:
    row, _, _ = refused_row(tmp_path, "--forward", "mllps://fd00::7:6661")
    assert row == "Clinic network off: --forward refused"

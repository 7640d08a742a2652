"""network.toml as the clinic IT person prepares it: a link to a managed copy, a file saved with
a byte order mark, a kit whose broker line was lost. None of them may leave the chair running
alone, off the clinic network, with nothing said."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.cli import gui_parser
from console.network.config import load
from console.ui.app import StartError, network_config


def _password_file(tmp_path: Path) -> Path:
    path = tmp_path / "chair-3.password"
    path.write_text("s3cret\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def test_a_network_toml_link_to_a_missing_file_is_refused_naming_its_target(tmp_path: Path) -> None:
    import platformdirs

    folder = platformdirs.user_config_path("infusion-console")   # the test's own (conftest)
    folder.mkdir(parents=True, exist_ok=True)
    target = tmp_path / "etc" / "chair-3" / "network.toml"
    (folder / "network.toml").symlink_to(target)
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3")])
    with pytest.raises(StartError, match="network.toml") as refused:
        network_config(args)
    assert f"is a link to {target}, which is not there" in str(refused.value)
    assert "run alone" in str(refused.value)


def test_a_network_config_given_as_a_dangling_link_names_its_target(tmp_path: Path) -> None:
    link = tmp_path / "network.toml"
    link.symlink_to(tmp_path / "gone.toml")
    with pytest.raises(ValueError, match=r"is a link to .*gone\.toml, which is not there"):
        load(link)


def test_a_kit_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    kit = tmp_path / "network.toml"
    kit.write_bytes('[network]\nforward = "mllp://127.0.0.1:6661"\n'.encode("utf-8-sig"))
    assert load(kit).forward == "mllp://127.0.0.1:6661"


def test_broker_account_settings_without_a_broker_are_refused_in_network_toml(
        tmp_path: Path) -> None:
    _password_file(tmp_path)
    kit = tmp_path / "network.toml"
    kit.write_text('[network]\n'
                   '# broker = "mqtts://broker.clinic.lan:8883"\n'
                   'chair = "chair-3"\n'
                   'username = "chair-3"\n'
                   'password_file = "chair-3.password"\n'
                   'topic_prefix = "clinic"\n'
                   'forward = "mllp://127.0.0.1:6661"\n', encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        load(kit)
    assert str(refused.value).startswith(
        f"{kit}: username, password_file, topic_prefix need a broker: ")
    assert "give --broker URL (broker under [network]), or leave them out" in str(refused.value)


def test_broker_account_options_without_a_broker_are_refused(tmp_path: Path) -> None:
    args = gui_parser().parse_args([
        "--forward", "mllp://127.0.0.1:6661", "--chair", "chair-3", "--username", "chair-3",
        "--password-file", str(_password_file(tmp_path))])
    with pytest.raises(StartError, match="^--username, --password-file need a broker: "):
        network_config(args)


def test_a_forward_alone_with_its_chair_and_room_still_loads(tmp_path: Path) -> None:
    config = load(None, {"forward": "mllp://127.0.0.1:6661", "chair": "chair-3"})
    assert (config.forward, config.chair, config.broker) == ("mllp://127.0.0.1:6661", "chair-3",
                                                             None)

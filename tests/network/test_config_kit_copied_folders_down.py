"""A settings kit copied into the config folder with the folders above it (`cp -r
clinic-broker/stations ~/.config/infusion-console/`): network.toml two folders down. One folder
down was refused; two folders down the chair started alone, off the clinic network, without a
word (config.misplaced_kits: one rule for `load` and the start's `network_config`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.cli import gui_parser
from console.network.config import default_config_path, load
from console.ui.app import StartError, network_config


def _kit(folder: Path, chair: str) -> Path:
    folder.mkdir(parents=True)
    path = folder / "network.toml"
    path.write_text(f'[network]\nforward = "mllp://127.0.0.1:6661"\nchair = "{chair}"\n',
                    encoding="utf-8")
    return path


def test_a_kit_copied_two_folders_down_stops_the_start_naming_it(tmp_path: Path) -> None:
    config_folder = default_config_path().parent   # the test's own (tests/conftest.py)
    deep = _kit(config_folder / "stations" / "chair-3", "chair-3")
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3")])
    with pytest.raises(StartError) as refused:
        network_config(args)   # it had returned None: the chair ran alone
    assert str(refused.value) == (
        f"{deep}: a settings kit copied 2 folders too deep: this console reads "
        f"{config_folder / 'network.toml'}, and without it would run alone, off the clinic "
        f"network. Move the kit's files up into {config_folder} "
        f"(mv {config_folder / 'stations' / 'chair-3'}/* {config_folder}/)")


def test_several_kits_copied_into_the_config_folder_are_listed_with_what_to_move(
        tmp_path: Path) -> None:
    # The whole stations/ folder: every chair's kit, and the central station's (no network.toml).
    config_folder = default_config_path().parent
    for chair in ("chair-2", "chair-1"):
        _kit(config_folder / "stations" / chair, chair)
    (config_folder / "stations" / "central").mkdir()
    (config_folder / "stations" / "central" / "central.toml").write_text("", encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        load(None, {})
    assert str(refused.value) == (
        f"{config_folder / 'network.toml'}: not there, and 2 settings kits are in folders under "
        f"{config_folder} (stations/chair-1/network.toml, stations/chair-2/network.toml): "
        "without it this console would run alone, off the clinic network. Move the files of "
        f"this chair's own kit up into {config_folder} (mv {config_folder}/stations/<this "
        f"chair>/* {config_folder}/)")
    # chair-1's files moved up as the message says: the chair is on the network.
    for file in (config_folder / "stations" / "chair-1").iterdir():
        file.rename(config_folder / file.name)
    assert load(None, {}).chair == "chair-1"

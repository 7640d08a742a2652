"""The central station's settings file (what its desktop menu entry starts with)."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

from console.central.app import StartError, apply_config, parser

DESKTOP = Path(__file__).resolve().parents[2] / "resources" / "desktop"


def _args(tmp_path: Path, *extra: str):
    return parser().parse_args(["--config", str(tmp_path / "central.toml"), *extra])


def test_the_file_fills_what_the_options_do_not_give(tmp_path: Path) -> None:
    (tmp_path / "central.toml").write_text(
        '[central]\nbroker = "mqtts://broker.clinic.lan:8883"\nname = "desk-1"\n'
        'username = "central"\npassword_file = "~/central.password"\n', encoding="utf-8")
    args = apply_config(_args(tmp_path, "--name", "desk-2"))
    assert (args.broker, args.name, args.username) == ("mqtts://broker.clinic.lan:8883",
                                                       "desk-2", "central")
    assert args.password_file == Path("~/central.password").expanduser()


@pytest.mark.parametrize(("body", "words"), [
    ("", "no clinic bus: give --broker URL"),
    ('[central]\nbrokr = "x"\n', "unknown key(s) brokr"),
    ('[centrl]\nbroker = "mqtts://b:8883"\n',
     "found outside [central]: [centrl]. This file takes only settings written under a line "
     "[central]"),
    ("[central\n", "not a readable TOML file"),
])
def test_each_problem_is_named(tmp_path: Path, body: str, words: str) -> None:
    (tmp_path / "central.toml").write_text(body, encoding="utf-8")
    with pytest.raises(StartError, match=re.escape(words)):
        apply_config(_args(tmp_path))


def test_the_menu_entries_start_the_console_and_the_central_station() -> None:
    entries = {}
    for path in sorted(DESKTOP.glob("*.desktop")):
        desktop = configparser.ConfigParser(interpolation=None)
        desktop.read(path, encoding="utf-8")
        entries[desktop["Desktop Entry"]["Name"]] = desktop["Desktop Entry"]["Exec"]
    assert entries == {"Infusion console": "infusion-console",
                       "Infusion central station": "infusion-console central"}

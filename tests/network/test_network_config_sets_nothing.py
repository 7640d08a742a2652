"""A network.toml that sets neither a broker nor a forward: a kit copied onto a full disk or a
failed USB copy leaves a 0-byte file, and an IT person comments every line out to "switch the
network off for now". The chair ran alone, off the central station, with no error, alarm or
stderr line, while a named file that is not there, a dangling link and a kit one folder too deep
are refused for that very reason. The file's presence says a network was meant: it is refused,
naming the file; removing it runs the chair alone."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from console.cli import gui_parser
from console.network.config import load
from console.ui.app import StartError, network_config

EMPTY_BODIES = {
    "0 bytes": "",
    "only its table": "[network]\n",
    "every line commented": '[network]\n# broker = "mqtts://broker.clinic.lan:8883"\n'
                            '# chair = "chair-3"\n',
    "a flag off": "[network]\nallow_plaintext = false\n",
}


def _words(path: Path) -> str:
    return (f"{path}: sets no broker and no forward: this console would run alone, off the "
            "clinic network. Give broker (the clinic bus) and/or forward (the interface "
            "engine) under [network], or remove the file to run alone")


@pytest.mark.parametrize("body", EMPTY_BODIES.values(), ids=EMPTY_BODIES.keys())
def test_an_empty_network_toml_in_the_config_folder_is_refused_naming_it(
        tmp_path: Path, body: str) -> None:
    folder = platformdirs.user_config_path("infusion-console")   # the test's own (conftest)
    folder.mkdir(parents=True, exist_ok=True)
    kit = folder / "network.toml"
    kit.write_text(body, encoding="utf-8")
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3")])
    # The start stops with one line naming the file (a resume runs under the network alarm).
    with pytest.raises(StartError) as refused:
        network_config(args)
    assert str(refused.value) == _words(kit)
    # Removed, the chair runs alone, as before.
    kit.unlink()
    assert network_config(args) is None


@pytest.mark.parametrize("body", EMPTY_BODIES.values(), ids=EMPTY_BODIES.keys())
def test_an_empty_file_named_with_network_config_is_refused_naming_it(
        tmp_path: Path, body: str) -> None:
    named = tmp_path / "chair-3.toml"
    named.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        load(named, {})
    assert str(refused.value) == _words(named)


def test_an_empty_file_with_the_broker_given_as_an_option_is_taken(tmp_path: Path) -> None:
    # The options set the network: the file adds nothing, and nothing runs alone.
    named = tmp_path / "network.toml"
    named.write_text("[network]\n", encoding="utf-8")
    config = load(named, {"forward": "mllp://127.0.0.1:6661"})
    assert config.enabled and config.forward == "mllp://127.0.0.1:6661"

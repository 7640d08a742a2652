"""The installed `infusion-console` (a chair) refuses a network setting it cannot use before
anything starts: one line on stderr naming the option or the file and key, exit status 2, never
a traceback and never a chair quietly alone. (Each of these was a traceback from NetworkLink, or
a console that ran alone, before the settings were checked with the transports' own parsers.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONSOLE = Path(sys.executable).parent / "infusion-console"
CA_FOR = "give the PEM file of the CA that signed the broker's (and the engine's) certificate"


def console(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The chair console with `args`, its config folder (XDG_CONFIG_HOME, tests/conftest.py) and
    log under this test's own folders; `timeout`: real seconds before a console that runs (did
    not refuse) is ended (subprocess.TimeoutExpired)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([str(CONSOLE), "--db", str(tmp_path / "log.sqlite3"), "--demo", *args],
                          capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)


def network_toml(body: str) -> Path:
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "infusion-console"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "network.toml"
    path.write_text(f"[network]\n{body}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("args", "words"), [
    (["--broker", "mqtt://127.0.0.1:0", "--chair", "c1"],
     "--broker 'mqtt://127.0.0.1:0' has port 0: the port is a number 1-65535"),
    (["--forward", "mllp://127.0.0.1"],
     "--forward 'mllp://127.0.0.1' has no port: a port 1-65535 is required (MLLP has no default "
     "port); write it as mllps://host:port (TLS) or mllp://host:port (plain; loopback only "
     "unless allow_plaintext = true), e.g. mllps://engine.clinic.lan:6661"),
    (["--broker", ""],
     "--broker is empty: write mqtts://host:8883 (mqtt:// to this machine only, unless "
     "allow_plaintext), or leave it out"),
    (["--chair", "c1"],
     "--chair given without a broker or a forward: this console would run alone, off the "
     "clinic network. Give --broker URL and/or --forward URL (broker / forward under [network] "
     "in network.toml), or leave it out to run alone"),
])
def test_a_bad_option_is_one_line_and_exit_status_2(tmp_path: Path, args: list[str],
                                                     words: str) -> None:
    done = console(tmp_path, *args)
    assert (done.returncode, done.stderr) == (2, f"infusion-console: {words}\n")


def test_a_ca_file_that_is_not_a_certificate_is_named_on_the_command_line(tmp_path: Path) -> None:
    ca = tmp_path / "ca.bad"
    ca.write_bytes(bytes(range(256)))
    done = console(tmp_path, "--forward", "mllps://h:6661", "--ca-file", str(ca))
    assert (done.returncode, done.stderr) == (
        2, f"infusion-console: --ca-file {ca} cannot be used (no certificate in it: a CA file is "
           f"PEM text, -----BEGIN CERTIFICATE-----): {CA_FOR}\n")


def test_a_ca_file_that_is_not_a_certificate_is_named_in_network_toml(tmp_path: Path) -> None:
    ca = tmp_path / "ca.bad"
    ca.write_bytes(bytes(range(256)))
    path = network_toml(f'broker = "mqtts://h:8883"\nchair = "c1"\nca_file = "{ca}"')
    done = console(tmp_path)
    assert (done.returncode, done.stderr) == (
        2, f"infusion-console: {path}: ca_file {ca} cannot be used (no certificate in it: a CA "
           f"file is PEM text, -----BEGIN CERTIFICATE-----): {CA_FOR}\n")


def test_a_file_in_the_home_folder_of_a_user_this_computer_lacks_is_one_line(
        tmp_path: Path) -> None:
    # `--ca-file '~it-admin/ca.pem'` (a path from the IT person's computer) ended the start in
    # pathlib's RuntimeError traceback ("Could not determine home directory.").
    done = console(tmp_path, "--forward", "mllps://h:6661", "--ca-file", "~nosuchuser-r40/ca.pem")
    assert (done.returncode, done.stderr) == (
        2, "infusion-console: --ca-file ~nosuchuser-r40/ca.pem: the user nosuchuser-r40 has no "
           "home folder on this computer (a path written on another one?); give an absolute "
           "path\n")


def test_an_address_with_a_password_in_network_toml_is_refused_unprinted(tmp_path: Path) -> None:
    path = network_toml('broker = "mqtt://user:pw@127.0.0.1:1883"\nchair = "c1"')
    done = console(tmp_path)
    assert (done.returncode, done.stderr) == (
        2, f"infusion-console: {path}: broker 'mqtt://user:***@127.0.0.1:1883' holds a user name "
           "or password: give them as username and password_file in network.toml (central.toml "
           "at a central station), never in the address\n")


def test_a_kit_copied_one_folder_too_deep_stops_the_start(tmp_path: Path) -> None:
    # The clinic IT audit: `cp -rp clinic-broker/stations/chair-3 ~/.config/infusion-console/`
    # ran the chair alone, with nothing on stderr.
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "infusion-console"
    (folder / "chair-3").mkdir(parents=True)
    deep = folder / "chair-3" / "network.toml"
    deep.write_text('[network]\nbroker = "mqtts://h:8883"\nchair = "chair-3"\n', encoding="utf-8")
    done = console(tmp_path, timeout=10)   # a refusal takes under a second; alone it runs on
    assert (done.returncode, done.stderr) == (
        2, f"infusion-console: {deep}: a settings kit copied one folder too deep: this console "
           f"reads {folder / 'network.toml'}, and without it would run alone, off the clinic "
           f"network. Move the kit's files up into {folder} (mv {folder / 'chair-3'}/* "
           f"{folder}/)\n")


def test_a_kit_with_another_chairs_account_stops_the_start(tmp_path: Path) -> None:
    # The clinic IT audit: chair-2's kit with only the chair's name changed knocked the real
    # chair-3 off the broker every second.
    path = network_toml('broker = "mqtts://h:8883"\nchair = "chair-3"\nusername = "chair-2"')
    done = console(tmp_path)
    assert (done.returncode, done.stderr) == (
        2, f"infusion-console: {path}: username = 'chair-2' and chair = 'chair-3' differ: the "
           "broker's rules let account chair-2 publish only as chair chair-2; use chair-3's own "
           "settings kit (the files of stations/chair-3/ that `network setup` wrote)\n")

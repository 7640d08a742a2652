"""The central station's settings file (what its desktop menu entry starts with)."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from console.central.app import StartError, apply_config, parser

DESKTOP = Path(__file__).resolve().parents[2] / "resources" / "desktop"


def _args(tmp_path: Path, *extra: str):
    return parser().parse_args(["--config", str(tmp_path / "central.toml"), *extra])


def test_the_file_fills_what_the_options_do_not_give(tmp_path: Path) -> None:
    (tmp_path / "central.toml").write_text(
        '[central]\nbroker = "mqtts://broker.clinic.lan:8883"\nname = "desk-1"\n'
        'username = "desk-2"\npassword_file = "~/central.password"\n', encoding="utf-8")
    args = apply_config(_args(tmp_path, "--name", "desk-2"))
    assert (args.broker, args.name, args.username) == ("mqtts://broker.clinic.lan:8883",
                                                       "desk-2", "desk-2")
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


def test_a_chairs_account_at_the_central_station_is_refused(tmp_path: Path) -> None:
    """The clinic IT audit: `central --name desk9 --username chair-1` read chair-1's topics
    alone, blind to every other chair, with no alarm; a desk's account under another desk's
    name had its presence refused. The account is the station's own name (network setup's
    rules); one of another broker's scheme is taken as given."""
    (tmp_path / "central.toml").write_text(
        '[central]\nbroker = "mqtts://broker.clinic.lan:8883"\nname = "desk"\n'
        'username = "desk"\n', encoding="utf-8")
    with pytest.raises(StartError) as caught:
        apply_config(_args(tmp_path, "--name", "desk9", "--username", "chair-1"))
    assert str(caught.value) == (
        "--username = 'chair-1' and --name = 'desk9' differ: the broker's rules let account "
        "chair-1 publish only as central station chair-1; use desk9's own settings kit (the "
        "files of stations/desk9/ that `network setup` wrote)")
    assert apply_config(_args(tmp_path)).username == "desk"
    hub = "clinic-hub.azure-devices.net/desk9/?api-version=2021-04-12"
    assert apply_config(_args(tmp_path, "--name", "desk9", "--username", hub)).username == hub


def test_a_password_without_an_account_is_the_stations_own_account(tmp_path: Path) -> None:
    """A password file with no user name was never sent (the bus client sends credentials only
    with an account): the broker refused the station "not authorised" for good, its board empty.
    As a chair's account is its chair's name, the station's is its own name."""
    (tmp_path / "central.toml").write_text(
        '[central]\nbroker = "mqtts://broker.clinic.lan:8883"\nname = "desk"\n'
        'password_file = "desk.password"\n', encoding="utf-8")
    assert apply_config(_args(tmp_path)).username == "desk"
    assert apply_config(_args(tmp_path, "--name", "desk9")).username == "desk9"
    (tmp_path / "central.toml").write_text(
        '[central]\nbroker = "mqtts://broker.clinic.lan:8883"\n', encoding="utf-8")
    args = apply_config(_args(tmp_path, "--name", "desk2", "--password-file", "pw"))
    assert (args.username, args.password_file) == ("desk2", Path("pw"))
    assert apply_config(_args(tmp_path, "--name", "desk2")).username is None   # no password


def test_the_menu_entries_start_the_console_and_the_central_station() -> None:
    entries = {}
    for path in sorted(DESKTOP.glob("*.desktop")):
        desktop = configparser.ConfigParser(interpolation=None)
        desktop.read(path, encoding="utf-8")
        entries[desktop["Desktop Entry"]["Name"]] = desktop["Desktop Entry"]["Exec"]
    assert entries == {"Infusion console": "infusion-console",
                       "Infusion central station": "infusion-console central"}


# --- central.toml is read as network.toml is: typed, each mistake named by file and key ---------


@pytest.mark.parametrize(("line", "words"), [
    ("name = 5", "{file}: name must be text in quotes, not 5"),
    ("username = 12", "{file}: username must be text in quotes, not 12"),
    ('prefix = ["a"]', "{file}: prefix must be text in quotes, not ['a']"),
    ("ca_file = true", "{file}: ca_file must be text in quotes, not True"),
    # Text is true in Python: "no" turned plain MQTT to another machine on.
    ('allow_plaintext = "no"',
     "{file}: allow_plaintext must be true or false (no quotes), not 'no'"),
    ('name = ""', "{file}: name is empty: write this station's name on the bus, 1-32 letters, "
                  "digits, '_' or '-', or leave it out"),
    ('name = "front desk"', "{file}: name 'front desk' is not allowed: use 1-32 letters, digits, "
                            "'_' or '-' (it becomes a topic level and the broker user name)"),
    ('prefix = "site/#"', "{file}: prefix 'site/#' is not allowed: levels of letters, digits, "
                          "'_' or '-' joined by '/'"),
])
def test_a_wrong_value_names_the_file_the_key_and_what_is_allowed(tmp_path: Path, line: str,
                                                                  words: str) -> None:
    path = tmp_path / "central.toml"
    path.write_text(f'[central]\nbroker = "mqtt://10.0.0.5:1883"\n{line}\n', encoding="utf-8")
    with pytest.raises(StartError) as caught:
        apply_config(_args(tmp_path))
    assert str(caught.value) == words.format(file=path)


@pytest.mark.parametrize(("line", "options", "words"), [
    ('broker = "mqtt://127.0.0.1:0"', [],
     "{file}: broker 'mqtt://127.0.0.1:0' has port 0: the port is a number 1-65535"),
    ('broker = ""', [], "{file}: broker is empty: write mqtts://host:8883 (mqtt:// to this "
                        "machine only, unless allow_plaintext), or leave it out"),
    ('broker = "mqtts://b:8883"', ["--broker", ""],
     "--broker is empty: write mqtts://host:8883 (mqtt:// to this machine only, unless "
     "allow_plaintext), or leave it out"),
    ('broker = "mqtts://b:8883"', ["--broker", "mqtts://b:8883/infusion"],
     "--broker 'mqtts://b:8883/infusion' has a path or query, which MQTT does not use: write it "
     "as mqtts://host[:8883] (TLS) or mqtt://host[:1883] (plain; loopback only unless "
     "allow_plaintext = true)"),
])
def test_a_bad_broker_address_is_named_where_it_was_written(tmp_path: Path, line: str,
                                                            options: list[str], words: str) -> None:
    path = tmp_path / "central.toml"
    path.write_text(f"[central]\n{line}\n", encoding="utf-8")
    with pytest.raises(StartError) as caught:
        apply_config(_args(tmp_path, *options))
    assert str(caught.value) == words.format(file=path)


_HOST_NAME_FORM = ("a host name is parts of 1-63 letters, digits or '-' joined by single dots "
                   "(e.g. engine.clinic.lan)")


@pytest.mark.parametrize(("line", "options", "where"), [
    ('broker = "mqtts://broker..clinic.lan:8883"', [], "{file}: broker"),
    ('broker = "mqtts://b:8883"', ["--broker", "mqtts://broker..clinic.lan:8883"], "--broker"),
])
def test_a_broker_host_name_dns_cannot_carry_is_refused_at_start_as_at_the_chair(
        tmp_path: Path, line: str, options: list[str], where: str) -> None:
    # The review: the central took it, and its bus's thread ended on the name (UnicodeError):
    # "connecting" for good, no cause, no retry. The chair's settings refuse it in these words.
    path = tmp_path / "central.toml"
    path.write_text(f"[central]\n{line}\n", encoding="utf-8")
    with pytest.raises(StartError) as caught:
        apply_config(_args(tmp_path, *options))
    assert str(caught.value) == (
        f"{where.format(file=path)} 'mqtts://broker..clinic.lan:8883': broker..clinic.lan is not "
        "a valid host name: an empty part (two dots in a row, or a dot first); "
        f"{_HOST_NAME_FORM}; give the broker's host name or address on the clinic network (e.g. "
        "mqtts://broker.clinic.lan:8883)")


def test_a_bad_ca_file_is_named_by_file_and_key(tmp_path: Path) -> None:
    ca = tmp_path / "ca.bad"
    ca.write_bytes(bytes(range(256)))
    path = tmp_path / "central.toml"
    path.write_text(f'[central]\nbroker = "mqtts://b:8883"\nca_file = "{ca}"\n', encoding="utf-8")
    with pytest.raises(StartError) as caught:
        apply_config(_args(tmp_path))
    assert str(caught.value) == (
        f"{path}: ca_file {ca} cannot be used (no certificate in it: a CA file is PEM text, "
        "-----BEGIN CERTIFICATE-----): give the PEM file of the CA that signed the broker's (and "
        "the engine's) certificate")


def test_a_home_folder_of_a_user_this_computer_lacks_is_named_by_file_and_key(
        tmp_path: Path) -> None:
    # A kit written on the IT person's computer: pathlib's RuntimeError was a traceback.
    path = tmp_path / "central.toml"
    path.write_text('[central]\nbroker = "mqtts://b:8883"\nca_file = "~nosuchuser9/ca.pem"\n',
                    encoding="utf-8")
    with pytest.raises(StartError) as caught:
        apply_config(_args(tmp_path))
    assert str(caught.value) == (
        f"{path}: ca_file ~nosuchuser9/ca.pem: the user nosuchuser9 has no home folder on this "
        "computer (a path written on another one?); give an absolute path")


def test_the_installed_command_says_it_in_one_line_with_exit_status_2(tmp_path: Path) -> None:
    path = tmp_path / "central.toml"
    path.write_text('[central]\nbroker = "mqtt://127.0.0.1:1883"\nname = 5\n', encoding="utf-8")
    command = Path(sys.executable).parent / "infusion-console"
    done = subprocess.run(
        [str(command), "central", "--config", str(path), "--db", str(tmp_path / "c.sqlite3")],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert (done.returncode, done.stderr) == (
        2, f"infusion-console central: {path}: name must be text in quotes, not 5\n")


def test_a_chairs_settings_given_to_the_central_station_are_named_as_such(
        tmp_path: Path) -> None:
    # QA: `central --config network.toml` said only "found outside [central]: [network]",
    # nothing of the file being a chair's, nor of what to run instead.
    path = tmp_path / "network.toml"
    path.write_text('[network]\nbroker = "mqtts://broker.clinic.lan:8883"\nchair = "chair-3"\n',
                    encoding="utf-8")
    command = Path(sys.executable).parent / "infusion-console"
    done = subprocess.run(
        [str(command), "central", "--config", str(path), "--db", str(tmp_path / "c.sqlite3")],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert (done.returncode, done.stderr) == (2, (
        f"infusion-console central: {path} is a chair's network settings ([network] table); the "
        "central station reads a [central] table: use the central.toml of its own settings kit "
        "(clinic-broker/stations/<its name>/central.toml, written by `infusion-console network "
        f"setup`), and start a chair with this file: infusion-console --network-config {path}\n"))
    assert not (tmp_path / "c.sqlite3").exists()

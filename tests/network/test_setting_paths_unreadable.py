"""Setting paths the account cannot look into, names too long, and password files that are no
password file: one line naming the setting and the cause, never a traceback.

The review: a ca_file (or central.toml, or `network setup --out`) in another account's folder
(mode 0700: /home/itadmin/... on Ubuntu) ended the chair's, the central station's and the
set-up's start in a PermissionError traceback, as a name longer than the system takes did
(ENAMETOOLONG); password_file = "/dev/zero" read until memory ran out. A name too long is made
here in-process; a closed folder needs a process without root's bypass (setpriv, as
tests/store's real faults do).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.central.app import StartError, apply_config, parser
from console.network import broker_setup
from console.network.config import MAX_PASSWORD_BYTES, load
from tests.store import unprivileged_prefix

BIN = Path(sys.executable).parent / "infusion-console"
# A folder name longer than any file system here takes (NAME_MAX is 255): ENAMETOOLONG.
TOO_LONG = "x" * 300


def chair_kit(folder: Path, **lines: str) -> Path:
    """A chair's network.toml with its password file; `lines` replace or add keys."""
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "password"
    secret.write_text("s3cret-password\n", encoding="utf-8")
    secret.chmod(0o600)
    keys = {"broker": '"mqtts://broker.clinic.lan:8883"', "chair": '"chair-3"',
            "password_file": '"password"', **lines}
    path = folder / "network.toml"
    path.write_text("[network]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items()),
                    encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ValueError) as caught:
        load(path, {})
    return str(caught.value)


# --- a name too long --------------------------------------------------------------------------


def test_a_ca_file_whose_name_is_too_long_is_named_by_file_and_key(tmp_path: Path) -> None:
    ca = tmp_path / TOO_LONG / "ca.crt"
    path = chair_kit(tmp_path, ca_file=f'"{ca}"')
    assert refusal(path) == (
        f"{path}: ca_file {ca} cannot be used (file name too long): give the PEM file of the CA "
        "that signed the broker's (and the engine's) certificate")


def test_a_network_config_whose_name_is_too_long_is_named(tmp_path: Path) -> None:
    path = tmp_path / TOO_LONG / "network.toml"
    assert refusal(path) == (
        f"--network-config {path} cannot be read (file name too long): give the path of a "
        "settings file this account can read")


def test_a_central_toml_whose_name_is_too_long_is_named(tmp_path: Path) -> None:
    path = tmp_path / TOO_LONG / "central.toml"
    with pytest.raises(StartError) as caught:
        apply_config(parser().parse_args(["--config", str(path)]))
    assert str(caught.value) == (
        f"--config {path} cannot be read (file name too long): give the path of a settings "
        "file this account can read")


def test_a_set_up_into_a_folder_whose_name_is_too_long_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / TOO_LONG / "clinic-broker"
    assert broker_setup.main(["setup", "--chairs", "1", "--out", str(out)]) == 2
    printed, err = capsys.readouterr()
    assert printed == ""
    assert err == (f"infusion-console network setup: --out {out} cannot be used (file name too "
                   "long): choose a folder this account can write\n")


# --- what a path holds ------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["ca_file", "password_file"])
def test_a_path_holding_a_nul_character_is_named_by_file_and_key(tmp_path: Path,
                                                                  key: str) -> None:
    # TOML writes it \u0000; os.stat refused it with "embedded null byte", naming no setting.
    path = chair_kit(tmp_path, **{key: '"ca\\u0000.crt"'})
    assert refusal(path) == (f"{path}: {key} 'ca\\x00.crt' holds a NUL character, which no "
                             "file name can: give the file's path")


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_password_file_that_is_no_regular_file_is_refused_unread(tmp_path: Path,
                                                                    device: str) -> None:
    # /dev/zero was read until memory ran out; a pipe would wait for a writer.
    path = chair_kit(tmp_path, password_file=f'"{device}"')
    assert refusal(path) == (
        f"{path}: password_file {device} is not a regular file (a device, a pipe or a folder): "
        "it must be a file holding the password as one line")


def test_a_password_file_that_is_a_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "kit" / "pipe"
    path = chair_kit(tmp_path / "kit", password_file='"pipe"')
    os.mkfifo(pipe, 0o600)
    assert refusal(path) == (
        f"{path}: password_file {pipe} is not a regular file (a device, a pipe or a folder): "
        "it must be a file holding the password as one line")


def test_a_password_file_larger_than_any_password_is_refused(tmp_path: Path) -> None:
    path = chair_kit(tmp_path)
    (tmp_path / "password").write_text("x" * (MAX_PASSWORD_BYTES + 1) + "\n", encoding="utf-8")
    assert refusal(path) == (
        f"{path}: password_file {tmp_path / 'password'} holds more than {MAX_PASSWORD_BYTES} "
        "bytes: it must hold the password as one line (MQTT takes at most 65535 bytes)")


def test_a_password_of_mqtts_largest_size_is_taken(tmp_path: Path) -> None:
    path = chair_kit(tmp_path)
    (tmp_path / "password").write_text("x" * (MAX_PASSWORD_BYTES - 1) + "\n", encoding="utf-8")
    assert load(path, {}).password == "x" * (MAX_PASSWORD_BYTES - 1)


# --- a folder closed to this account (a real EACCES) ------------------------------------------


@pytest.fixture
def closed(tmp_path: Path) -> Iterator[Path]:
    """A folder holding a copy of a set-up, closed to the account (mode 0): another account's
    home as this one meets it. Opened again at the end, so pytest can remove it."""
    out = tmp_path / "clinic-broker"
    assert broker_setup.main(["setup", "--chairs", "1", "--out", str(out)]) == 0
    folder = tmp_path / "itadmin"
    folder.mkdir()
    os.rename(out, folder / "clinic-broker")
    folder.chmod(0)
    yield folder
    folder.chmod(0o700)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(cwd / "home"))
    return subprocess.run([*unprivileged_prefix(), str(BIN), *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env=env, check=False)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.count("\n") == 1, done.stderr
    return done.stderr


def test_a_chair_whose_ca_file_is_in_a_closed_folder_gets_one_line(closed: Path) -> None:
    tmp = closed.parent
    ca = closed / "clinic-broker" / "ca.crt"
    path = chair_kit(tmp / "chair", ca_file=f'"{ca}"')
    said = one_line(run("--network-config", str(path), "--db", str(tmp / "s.sqlite3"), cwd=tmp))
    assert f"{path}: ca_file {ca} cannot be used (permission denied)" in said


def test_a_chair_whose_network_config_is_in_a_closed_folder_gets_one_line(closed: Path) -> None:
    tmp = closed.parent
    path = closed / "clinic-broker" / "stations" / "chair-1" / "network.toml"
    said = one_line(run("--network-config", str(path), "--db", str(tmp / "s.sqlite3"), cwd=tmp))
    assert f"--network-config {path} cannot be read (permission denied)" in said


def test_a_central_toml_in_a_closed_folder_gets_one_line(closed: Path) -> None:
    tmp = closed.parent
    path = closed / "clinic-broker" / "stations" / "central" / "central.toml"
    said = one_line(run("central", "--config", str(path), "--db", str(tmp / "c.sqlite3"),
                        cwd=tmp))
    assert f"--config {path} cannot be read (permission denied)" in said


def test_a_set_up_into_a_closed_folder_gets_one_line(closed: Path) -> None:
    out = closed / "new-broker"
    said = one_line(run("network", "setup", "--chairs", "1", "--out", str(out),
                        cwd=closed.parent))
    assert said == (f"infusion-console network setup: --out {out} cannot be used (permission "
                    "denied): choose a folder this account can write\n")


@pytest.mark.parametrize("command", ["undelivered", "resend"])
def test_a_log_whose_name_is_too_long_is_one_line_for_the_network_tools(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    db = tmp_path / TOO_LONG / "log.sqlite3"
    args = ["--all"] if command == "resend" else []
    assert broker_setup.main([command, *args, "--db", str(db)]) == 2
    printed, err = capsys.readouterr()
    assert printed == ""
    assert err.startswith(f"infusion-console network {command}: ")
    assert err.count("\n") == 1 and f"{db}" in err and "file name too long" in err.lower(), err

"""A config folder the account cannot look into: the clinic protocols folder in it is refused
like a protocols folder that cannot be listed, and the shipped protocols still load.

The review: ~/.config/infusion-console made by IT as root with mode 700 (`sudo install -d -m
700`, or a console once run with sudo -E) ended the console's start in a PermissionError
traceback from the clinic folder's is_dir(), exit 1. A name too long (ENAMETOOLONG, the same
kind of error) is made here in-process; a closed folder needs a process without root's bypass
(setpriv, as tests/store's real faults do).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from protocols.loader import builtin_protocols_dir, default_protocol_dirs, load_protocols
from tests.store import unprivileged_prefix

ROOT = Path(__file__).resolve().parents[2]
# A folder name longer than any file system here takes (NAME_MAX is 255): ENAMETOOLONG.
TOO_LONG = "x" * 300
SHIPPED = {"iv-ketamine", "esketamine", "iv-ketamine-titration"}


def test_a_config_folder_whose_name_is_too_long_refuses_the_clinic_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / TOO_LONG))
    clinic = tmp_path / TOO_LONG / "infusion-console" / "protocols"

    assert default_protocol_dirs() == [builtin_protocols_dir(), clinic]
    result = load_protocols(default_protocol_dirs())

    assert SHIPPED <= set(result.protocols)
    assert [str(e) for e in result.errors] == [
        f"protocols: (folder): cannot be listed: [Errno 36] File name too long: '{clinic}'"]


def test_a_config_folder_that_is_not_there_adds_no_clinic_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    assert default_protocol_dirs() == [builtin_protocols_dir()]


@pytest.fixture
def closed_config(tmp_path: Path) -> Iterator[Path]:
    """XDG_CONFIG_HOME whose infusion-console folder is closed to the account (mode 0), as
    another account's folder is; opened again at the end, so pytest can remove it."""
    folder = tmp_path / "config" / "infusion-console"
    (folder / "protocols").mkdir(parents=True)
    folder.chmod(0)
    yield folder.parent
    folder.chmod(0o700)


_LOAD_IN_CHILD = """
from protocols.loader import default_protocol_dirs, load_protocols
result = load_protocols(default_protocol_dirs())
for name in result.protocols:
    print("loaded:", name)
for error in result.errors:
    print("refused:", error)
"""


def test_a_closed_config_folder_refuses_the_clinic_folder_in_one_line(
        closed_config: Path) -> None:
    env = dict(os.environ, XDG_CONFIG_HOME=str(closed_config))
    done = subprocess.run([*unprivileged_prefix(), sys.executable, "-c", _LOAD_IN_CHILD],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr[-800:]   # was 1: a PermissionError traceback
    said = done.stdout.splitlines()
    assert {f"loaded: {name}" for name in SHIPPED} <= set(said)
    clinic = closed_config / "infusion-console" / "protocols"
    assert [line for line in said if line.startswith("refused:")] == [
        f"refused: protocols: (folder): cannot be listed: [Errno 13] Permission denied: "
        f"'{clinic}'"]

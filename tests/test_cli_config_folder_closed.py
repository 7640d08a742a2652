"""The console started with its config folder closed to the account: lines naming what cannot be
read, exit 2; never a traceback.

The review: ~/.config/infusion-console (network.toml, its password, the clinic's protocols)
made by IT as root with mode 700 (`sudo install -d -m 700`, or a console once run with sudo -E)
ended the start in a PermissionError traceback and exit 1, first from the clinic protocols
folder, then from the look for network.toml; every other unreadable piece of it was one line
and exit 2. The chair must not run alone, off the clinic network, for a network.toml it could
not see. Root ignores file modes, so the console runs without that bypass (setpriv, as
tests/store's real faults do).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store import unprivileged_prefix

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def closed_config(tmp_path: Path) -> Iterator[Path]:
    """A home whose ~/.config/infusion-console is closed to the account (mode 0); opened again
    at the end, so pytest can remove it."""
    folder = tmp_path / "config" / "infusion-console"
    (folder / "protocols").mkdir(parents=True)
    folder.chmod(0)
    yield folder
    folder.chmod(0o700)


def _run(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_RUNTIME_DIR=str(tmp_path),
               QT_QPA_PLATFORM="offscreen")
    return subprocess.run([*unprivileged_prefix(), sys.executable, "-m", "console.cli", *argv],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_a_closed_config_folder_is_named_in_lines_not_a_traceback(tmp_path: Path,
                                                                  closed_config: Path) -> None:
    done = _run(tmp_path, "--demo", "--db", str(tmp_path / "session.sqlite3"))
    assert "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.returncode == 2, (done.returncode, done.stderr)   # was 1
    assert done.stderr.splitlines() == [
        "infusion-console: a protocol file was refused (the others are offered): protocols: "
        "(folder): cannot be listed: [Errno 13] Permission denied: "
        f"'{closed_config / 'protocols'}'",
        f"infusion-console: {closed_config / 'network.toml'} cannot be read (permission "
        "denied): give the path of a settings file this account can read",
    ]


def test_the_device_listing_names_the_clinic_folders_it_cannot_list(tmp_path: Path,
                                                                    closed_config: Path) -> None:
    # The clinic's profiles and code maps are in the same closed folder.
    done = _run(tmp_path, "devices")
    assert "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.returncode == 1, (done.returncode, done.stderr)   # refused files listed
    for folder in ("profiles", "dialects"):
        path = closed_config / "devices" / folder
        assert (f"{path}: (folder): cannot be listed: [Errno 13] Permission denied: "
                f"'{path}'") in done.stdout

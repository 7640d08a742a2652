"""The console on a machine with no screen (an ssh session, a station whose X server is not up, a
unit started before the desktop): one line saying so and what to do, exit 2; not Qt's abort
(SIGABRT, a core dump) blaming an installed libxcb-cursor0 and saying "Reinstalling the
application may fix this problem" (review of the set-up)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.ui.display_check import missing_display

ROOT = Path(__file__).resolve().parents[1]


def _run(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    return subprocess.run([sys.executable, "-m", "console.cli", *argv], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland are Linux's")
@pytest.mark.parametrize("argv", [["--demo"], ["review"], ["central"]])
def test_no_display_is_one_line_and_exit_2_not_an_abort(tmp_path, argv):
    done = _run(tmp_path, *argv)
    assert done.returncode == 2, (done.returncode, done.stderr)   # was -6: SIGABRT
    assert done.stderr.count("\n") == 1, done.stderr
    assert "no display" in done.stderr
    assert "QT_QPA_PLATFORM=offscreen" in done.stderr
    assert "Reinstalling the application" not in done.stderr


@pytest.mark.parametrize("environ, platform, missing", [
    ({}, "linux", True),
    # A display named must also answer: tests/test_cli_display_not_there.py, with real sockets.
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),   # chosen: a test, a PDF render
    ({"DISPLAY": ""}, "linux", True),                       # set but empty names nothing
    ({}, "darwin", False),                                  # macOS and Windows need no variable
    ({}, "win32", False),
])
def test_missing_display(environ, platform, missing):
    said = missing_display(environ, platform)
    assert (said is not None) == missing
    if missing:
        assert said is not None and "station's desktop" in said

"""A station where `./run.sh` started anyway without root, some of the packages it named
missing (README, set-up step 1): the console says which in one line, exit 2, not Qt's abort.

- libxcb-cursor0 missing: libxcb connected, the check said yes, and Qt's xcb plugin aborted
  (SIGABRT, "xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin …
  Reinstalling the application may fix this problem"). The loader is monkeypatched here (the
  reviewer hid the library in a mount namespace as root: /tmp/s49/rev_late).
- libxcb1 missing: importing PySide6 raised ImportError, a traceback and exit 1, before the
  check ran. A fake PySide6 on PYTHONPATH raises what Python says for a library not found.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from console.ui import display_check
from console.ui.display_check import missing_display

ROOT = Path(__file__).resolve().parents[1]
CURSOR = "libxcb-cursor.so.0"


@pytest.fixture
def x_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """An X server that takes the connection, and every library there but libxcb-cursor."""
    monkeypatch.setattr(display_check, "_x11", lambda environ: None)
    monkeypatch.setattr(display_check, "_library_loads", lambda name: name != CURSOR,
                        raising=False)


def test_x_without_libxcb_cursor_is_refused_naming_the_package(x_answers: None) -> None:
    for environ in ({"DISPLAY": ":0"}, {"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"},
                    {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}):
        said = missing_display(environ, "linux")
        assert said is not None, environ
        assert "libxcb-cursor0" in said and "apt-get install" in said
        assert "\n" not in said


def test_a_platform_other_than_xcb_needs_no_xcb_library(x_answers: None,
                                                         tmp_path: Path) -> None:
    assert missing_display({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    # Qt takes Wayland in a Wayland session, and the next platform listed when xcb fails.
    wayland = tmp_path / "wayland-0"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(wayland))
        server.listen()
        environ = {"DISPLAY": ":0", "WAYLAND_DISPLAY": str(wayland)}
        assert missing_display({**environ, "XDG_SESSION_TYPE": "wayland"}, "linux") is None
        assert missing_display({**environ, "QT_QPA_PLATFORM": "xcb;wayland"}, "linux") is None


def test_x_with_every_library_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display_check, "_x11", lambda environ: None)
    monkeypatch.setattr(display_check, "_library_loads", lambda name: True, raising=False)
    assert missing_display({"DISPLAY": ":0"}, "linux") is None


def test_the_libraries_asked_for_load_here() -> None:
    # The real loader: on this machine (the packages installed) every library checked loads.
    if not all(display_check._library_loads(name) for name, _ in display_check.XCB_LIBRARIES):
        pytest.skip("the xcb libraries are not all installed here")
    assert display_check._library_loads("libnot-a-library.so.9") is False


def test_qt_unloadable_words() -> None:
    from console.ui.display_check import qt_unloadable

    said = qt_unloadable(ImportError(
        "libxcb.so.1: cannot open shared object file: No such file or directory"))
    assert said is not None and "libxcb.so.1" in said and "libxcb1" in said
    assert qt_unloadable(ImportError("cannot import name 'X' from 'console.y'")) is None


def _run_without_libxcb(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "fake" / "PySide6"
    fake.mkdir(parents=True)
    # What CPython raises when an extension's shared library cannot be found.
    (fake / "__init__.py").write_text(
        'raise ImportError("libxcb.so.1: cannot open shared object file: '
        'No such file or directory", name="PySide6.QtGui")\n')
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=f"{tmp_path / 'fake'}{os.pathsep}{ROOT}")
    return subprocess.run([sys.executable, "-m", "console.cli", *argv,
                           "--db", str(tmp_path / "log.sqlite3")],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("argv", [[], ["review"]])
def test_qt_that_cannot_load_libxcb_is_one_line_and_exit_2(tmp_path: Path,
                                                           argv: list[str]) -> None:
    done = _run_without_libxcb(tmp_path, *argv)
    assert done.returncode == 2, (done.returncode, done.stderr[-800:])   # was 1: a traceback
    assert done.stderr.count("\n") == 1, done.stderr
    assert "libxcb.so.1" in done.stderr and "libxcb1" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland are Linux's")
def test_no_display_is_said_before_qt_is_imported(tmp_path: Path) -> None:
    """With libxcb not loadable the socket's answer decides: no display is the line."""
    fake = tmp_path / "fake" / "PySide6"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("libxcb.so.1: cannot open shared '
                                      'object file: No such file or directory")\n')
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"),
               PYTHONPATH=f"{tmp_path / 'fake'}{os.pathsep}{ROOT}")
    done = subprocess.run([sys.executable, "-m", "console.cli", "--demo"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, (done.returncode, done.stderr[-800:])
    assert done.stderr.count("\n") == 1, done.stderr
    assert "no display" in done.stderr

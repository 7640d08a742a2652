"""A display named but not there: one line naming it and why, exit 2; not Qt's abort.

The review of the set-up: a unit started before the desktop with DISPLAY=:0 set, an ssh session
with a stale DISPLAY, or QT_QPA_PLATFORM=xcb set system-wide and used over ssh, ended in SIGABRT
and a core dump ("could not connect to display :87 ... Reinstalling the application may fix
this problem"): the check trusted the variables. The displays here are real sockets: an X
server's abstract socket or TCP port, a Wayland socket under tmp_path, that accept or refuse.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.ui.display_check import missing_display
from tests.review.scenarios import build

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="X11 and Wayland sockets are Linux's")


def _answers(address: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(address)
        except OSError:
            return False
    return True


def _x_number_with_no_server() -> int:
    """A display number no X server answers on here (not on the real desktop's :0)."""
    for number in range(800, 900):
        path = f"/tmp/.X11-unix/X{number}"
        if not os.path.exists(path) and not _answers("\0" + path):
            return number
    raise AssertionError("every display number from :800 to :899 is taken")


@pytest.fixture
def x_server() -> Iterator[int]:
    """An X server's socket as libxcb finds it for `:n` (the abstract one: no file is written
    into the real /tmp/.X11-unix): it accepts connections, and says nothing (what a real X
    server says: tests/test_cli_display_refuses_the_connection.py, with Xvfb)."""
    number = _x_number_with_no_server()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(f"\0/tmp/.X11-unix/X{number}")
        server.listen(16)
        yield number


def _tcp_display(listening: bool) -> Iterator[int]:
    """A display number n whose TCP port (6000 + n on 127.0.0.1) accepts or refuses."""
    for number in range(100, 200):
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            server.bind(("127.0.0.1", 6000 + number))
        except OSError:
            server.close()
            continue
        with server:
            if listening:
                server.listen(16)
            yield number   # bound, not listening: a connection is refused
        return
    raise AssertionError("every port from 6100 to 6199 is taken")


@pytest.fixture
def tcp_x_server() -> Iterator[int]:
    yield from _tcp_display(listening=True)


@pytest.fixture
def tcp_nothing() -> Iterator[int]:
    yield from _tcp_display(listening=False)


def _wayland_socket(folder: Path, *, listening: bool) -> Iterator[Path]:
    path = folder / "wayland-test"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        if listening:
            server.listen(16)
        yield path   # not listening: the file of a compositor gone (a crash leaves it)


@pytest.fixture
def compositor(tmp_path: Path) -> Iterator[Path]:
    yield from _wayland_socket(tmp_path, listening=True)


@pytest.fixture
def compositor_gone(tmp_path: Path) -> Iterator[Path]:
    yield from _wayland_socket(tmp_path, listening=False)


# --- X11 ----------------------------------------------------------------------------------------


def test_a_display_named_with_no_x_server_there_is_refused_naming_it() -> None:
    number = _x_number_with_no_server()
    said = missing_display({"DISPLAY": f":{number}"}, "linux")
    assert said == (f"no display: DISPLAY=:{number}: no X server answers at "
                    f"/tmp/.X11-unix/X{number} (no such file or directory): run it on the "
                    "station's desktop, or set QT_QPA_PLATFORM=offscreen for a test")


@pytest.fixture
def no_libxcb(monkeypatch: pytest.MonkeyPatch) -> None:
    """libxcb not loadable: the check asks the socket alone, as these sockets can answer."""
    from console.ui import display_check

    monkeypatch.setattr(display_check, "_libxcb", lambda: None)


@pytest.mark.usefixtures("no_libxcb")
def test_a_display_with_its_x_server_up_opens_the_window(x_server: int) -> None:
    assert missing_display({"DISPLAY": f":{x_server}"}, "linux") is None
    assert missing_display({"DISPLAY": f":{x_server}.0"}, "linux") is None
    # The X walks: Xvfb on DISPLAY=:N with xcb chosen.
    assert missing_display({"DISPLAY": f":{x_server}", "QT_QPA_PLATFORM": "xcb"}, "linux") is None


@pytest.mark.usefixtures("no_libxcb")
def test_a_remote_display_whose_port_answers_opens_the_window(tcp_x_server: int) -> None:
    # An ssh forward (localhost:10) is a TCP port like this one.
    assert missing_display({"DISPLAY": f"127.0.0.1:{tcp_x_server}"}, "linux") is None


def test_a_remote_display_whose_port_refuses_is_refused_naming_it(tcp_nothing: int) -> None:
    said = missing_display({"DISPLAY": f"127.0.0.1:{tcp_nothing}.0"}, "linux")
    assert said == (f"no display: DISPLAY=127.0.0.1:{tcp_nothing}.0: no X server answers at "
                    f"127.0.0.1 port {6000 + tcp_nothing} (connection refused): run it on the "
                    "station's desktop, or set QT_QPA_PLATFORM=offscreen for a test")


def test_a_display_variable_that_names_no_display_is_refused() -> None:
    said = missing_display({"DISPLAY": "station-3"}, "linux")
    assert said is not None
    assert "DISPLAY=station-3 is not a display name (':0', 'host:10')" in said


# --- a platform chosen --------------------------------------------------------------------------


def test_xcb_chosen_with_no_display_named_is_refused_saying_so() -> None:
    assert missing_display({"QT_QPA_PLATFORM": "xcb"}, "linux") == (
        "no display: QT_QPA_PLATFORM=xcb needs an X display and DISPLAY names none: run it on "
        "the station's desktop, or set QT_QPA_PLATFORM=offscreen for a test")


def test_xcb_chosen_with_a_display_not_there_is_refused_naming_it() -> None:
    number = _x_number_with_no_server()
    said = missing_display({"QT_QPA_PLATFORM": "xcb", "DISPLAY": f":{number}"}, "linux")
    assert said is not None and f"DISPLAY=:{number}: no X server answers" in said


@pytest.mark.parametrize("chosen", ["offscreen", "minimal", "vnc", "xcb;offscreen"])
def test_a_platform_that_needs_no_display_opens_without_one(chosen: str) -> None:
    # The tests and CI (offscreen), and a list whose fallback needs none.
    assert missing_display({"QT_QPA_PLATFORM": chosen, "DISPLAY": ":1"}, "linux") is None
    assert missing_display({"QT_QPA_PLATFORM": chosen}, "linux") is None


def test_a_platform_qt_has_no_plugin_for_is_refused_naming_it() -> None:
    # A typo: Qt aborted with its "Reinstalling the application" advice.
    assert missing_display({"QT_QPA_PLATFORM": "xcbb", "DISPLAY": ":1"}, "linux") == (
        "no display: QT_QPA_PLATFORM=xcbb is not a Qt platform (xcb or wayland for a screen, "
        "offscreen for none): run it on the station's desktop, or set "
        "QT_QPA_PLATFORM=offscreen for a test")


# --- Wayland ------------------------------------------------------------------------------------


def test_a_wayland_compositor_answering_opens_the_window(compositor: Path) -> None:
    environ = {"WAYLAND_DISPLAY": compositor.name, "XDG_RUNTIME_DIR": str(compositor.parent)}
    assert missing_display(environ, "linux") is None
    assert missing_display({**environ, "QT_QPA_PLATFORM": "wayland"}, "linux") is None


def test_a_wayland_socket_left_by_a_compositor_gone_is_refused_naming_it(
        compositor_gone: Path) -> None:
    environ = {"WAYLAND_DISPLAY": compositor_gone.name,
               "XDG_RUNTIME_DIR": str(compositor_gone.parent)}
    assert missing_display(environ, "linux") == (
        f"no display: WAYLAND_DISPLAY=wayland-test: no compositor answers at {compositor_gone} "
        "(connection refused): run it on the station's desktop, or set "
        "QT_QPA_PLATFORM=offscreen for a test")


def test_a_dead_x_display_beside_a_live_wayland_one_opens_the_window(compositor: Path) -> None:
    # Qt falls back from one to the other: XWayland not started yet on a Wayland desktop.
    environ = {"DISPLAY": f":{_x_number_with_no_server()}", "WAYLAND_DISPLAY": compositor.name,
               "XDG_RUNTIME_DIR": str(compositor.parent)}
    assert missing_display(environ, "linux") is None


# --- the console --------------------------------------------------------------------------------


def _run(tmp_path: Path, argv: list[str], **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_RUNTIME_DIR=str(tmp_path),
               **environ)
    return subprocess.run([sys.executable, "-m", "console.cli", *argv], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("argv", [["--demo"], ["review"], ["central"]])
def test_a_console_started_before_the_desktop_says_so_in_one_line(tmp_path: Path,
                                                                   argv: list[str]) -> None:
    number = _x_number_with_no_server()
    done = _run(tmp_path, argv, DISPLAY=f":{number}")
    assert done.returncode == 2, (done.returncode, done.stderr[-600:])   # was -6: SIGABRT
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("infusion-console")
    assert f": no display: DISPLAY=:{number}: no X server answers" in done.stderr
    assert "Reinstalling the application" not in done.stderr


def test_a_console_with_xcb_chosen_over_ssh_says_so_in_one_line(tmp_path: Path) -> None:
    done = _run(tmp_path, ["--demo"], QT_QPA_PLATFORM="xcb")
    assert done.returncode == 2, (done.returncode, done.stderr[-600:])
    assert done.stderr == ("infusion-console: no display: QT_QPA_PLATFORM=xcb needs an X "
                           "display and DISPLAY names none: run it on the station's desktop, "
                           "or set QT_QPA_PLATFORM=offscreen for a test\n")


def test_a_pdf_report_with_a_display_not_there_is_written_without_one(tmp_path: Path) -> None:
    # A report needs no screen: with no display named it was drawn offscreen, with one named
    # that is not up Qt aborted the export.
    db = tmp_path / "sessions.sqlite3"
    session = build(db).ids["esketamine"]
    report = tmp_path / "report.pdf"
    done = _run(tmp_path, ["export", str(session), "--pdf", str(report), "--db", str(db)],
                DISPLAY=f":{_x_number_with_no_server()}")
    assert done.returncode == 0, (done.returncode, done.stderr[-600:])   # was -6: SIGABRT
    assert f"session {session}: wrote a 3-page PDF report to {report}" in done.stdout
    assert report.read_bytes().startswith(b"%PDF")

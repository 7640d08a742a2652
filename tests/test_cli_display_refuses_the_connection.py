"""An X server that is there but refuses this process: one line naming the display, exit 2; not
Qt's abort.

A unit running as another user than the desktop's, or without the desktop's XAUTHORITY, meets an
X server that answers on its socket and then refuses the connection ("Authorization required").
The check asked only whether the socket took a connection: it said fine, and Qt aborted the
process (SIGABRT, a core dump, "Reinstalling the application may fix this problem"). The X
server here is a real Xvfb that takes only clients with its cookie, as a desktop's does; the
display numbers are :8xx, not the X walks'.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.ui import display_check
from console.ui.display_check import NEXT_STEP, missing_display

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 sockets are Linux's"),
    pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xauth") is None,
                       reason="needs Xvfb and xauth"),
]


def _free(number: int) -> bool:
    """Whether no X server holds display `number` here: no socket (file or abstract), no lock."""
    path = f"/tmp/.X11-unix/X{number}"
    if os.path.exists(path) or os.path.exists(f"/tmp/.X{number}-lock"):
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        return probe.connect_ex("\0" + path) != 0


@contextlib.contextmanager
def _xvfb(cookie: Path, tcp: bool = False) -> Iterator[int]:
    """Xvfb on a free :8xx taking only clients with the `cookie` file's cookie, with no client
    yet (as a kiosk's X server when the console starts), on TCP port 6000+n too if `tcp`;
    stopped on leaving."""
    number = next((n for n in range(860, 900) if _free(n)), None)
    assert number is not None, "every display number from :860 to :899 is taken"
    subprocess.run(["xauth", "-f", str(cookie), "add", f":{number}", ".", os.urandom(16).hex()],
                   check=True, capture_output=True)
    ready_read, ready_write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-auth", str(cookie), "-listen" if tcp else "-nolisten", "tcp",
         "-screen", "0", "640x480x24", "-displayfd", str(ready_write)],
        pass_fds=(ready_write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(ready_write)
    try:
        with os.fdopen(ready_read) as ready:   # Xvfb writes its number once it takes clients
            assert ready.readline().strip() == str(number), "Xvfb did not start"
        yield number
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def desktop_x_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A desktop's X server: its number and its cookie's file (the desktop user's XAUTHORITY)."""
    cookie = tmp_path / "Xauthority"
    with _xvfb(cookie) as number:
        yield number, cookie


def test_an_x_server_that_refuses_this_process_is_refused_naming_it(
        desktop_x_server: tuple[int, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    number, _cookie = desktop_x_server
    monkeypatch.setenv("XAUTHORITY", str(tmp_path / "not-the-desktops"))   # no cookie for it
    said = missing_display({"DISPLAY": f":{number}"}, "linux")
    assert said == (f"no display: DISPLAY=:{number}: the X server at /tmp/.X11-unix/X{number} "
                    "refused the connection (authorization? the desktop's user, or its "
                    "XAUTHORITY, is needed; it said “Authorization required, but no "
                    f"authorization protocol specified”): {NEXT_STEP}")
    # The X walks' way: xcb chosen.
    assert missing_display({"DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}, "linux") == said


def test_the_same_x_server_with_its_cookie_opens_the_window(
        desktop_x_server: tuple[int, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    number, cookie = desktop_x_server
    monkeypatch.setenv("XAUTHORITY", str(cookie))
    assert missing_display({"DISPLAY": f":{number}"}, "linux") is None
    assert missing_display({"DISPLAY": f":{number}.0", "QT_QPA_PLATFORM": "xcb"}, "linux") is None


def test_a_remote_display_is_connected_to_as_well(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # An ssh forward (localhost:10) is a TCP port like this one.
    cookie = tmp_path / "Xauthority"
    with _xvfb(cookie, tcp=True) as number:
        display = f"127.0.0.1:{number}"
        monkeypatch.setenv("XAUTHORITY", str(cookie))
        assert missing_display({"DISPLAY": display}, "linux") is None
        monkeypatch.setenv("XAUTHORITY", str(tmp_path / "not-the-desktops"))
        said = missing_display({"DISPLAY": display}, "linux")
    assert said is not None and said.startswith(
        f"no display: DISPLAY={display}: the X server at 127.0.0.1 port {6000 + number} refused "
        "the connection (authorization? ")


def test_the_console_on_a_display_that_refuses_it_says_one_line_not_a_qt_abort(
        desktop_x_server: tuple[int, Path], tmp_path: Path) -> None:
    number, _cookie = desktop_x_server
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XAUTHORITY")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_RUNTIME_DIR=str(tmp_path),
               DISPLAY=f":{number}")   # the unit's: no XAUTHORITY handed down
    done = subprocess.run([sys.executable, "-m", "console.cli", "--db",
                           str(tmp_path / "log.sqlite3")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, (done.returncode, done.stderr[-600:])   # was -6: SIGABRT
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"infusion-console: no display: DISPLAY=:{number}: ")
    assert "refused the connection (authorization?" in done.stderr
    assert not (tmp_path / "log.sqlite3").exists()


def test_an_x_server_with_no_other_client_takes_qts_connection_after_the_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The check's own connection let go (or a socket opened and closed), such a server resets
    # and drops the connection made meanwhile: Qt's, about one start in four. Ten fresh ones.
    cookie = tmp_path / "Xauthority"
    monkeypatch.setenv("XAUTHORITY", str(cookie))
    xcb = ctypes.CDLL("libxcb.so.1")
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    dropped = []
    for start in range(10):
        with _xvfb(cookie) as number:
            assert missing_display({"DISPLAY": f":{number}"}, "linux") is None
            qt = xcb.xcb_connect(f":{number}".encode(), None)   # as Qt's xcb platform connects
            if xcb.xcb_connection_has_error(qt):
                dropped.append(start)
            xcb.xcb_disconnect(qt)
    assert dropped == []


# --- a server that takes the connection and never answers ----------------------------------------


@pytest.fixture
def silent_x_socket() -> Iterator[int]:
    """A display's abstract socket that takes connections and never answers (a hung X server:
    libxcb waits for its reply for ever)."""
    number = next((n for n in range(860, 900) if _free(n)), None)
    assert number is not None, "every display number from :860 to :899 is taken"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(f"\0/tmp/.X11-unix/X{number}")
        server.listen(16)
        yield number


def test_an_x_server_that_never_answers_is_refused_not_waited_for(
        silent_x_socket: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display_check, "XCB_TIMEOUT_S", 0.2)
    said = missing_display({"DISPLAY": f":{silent_x_socket}"}, "linux")
    assert said == (f"no display: DISPLAY=:{silent_x_socket}: the X server at "
                    f"/tmp/.X11-unix/X{silent_x_socket} took the connection but does not "
                    f"answer (timed out): {NEXT_STEP}")


def test_without_libxcb_the_socket_alone_is_asked(silent_x_socket: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # libxcb not loadable by name here: the socket's answer decides, as before.
    monkeypatch.setattr(display_check, "_libxcb", lambda: None)
    assert missing_display({"DISPLAY": f":{silent_x_socket}"}, "linux") is None

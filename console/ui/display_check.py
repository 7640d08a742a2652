"""Whether a window can open here, asked before Qt is: on Linux with no display Qt aborts the
process (SIGABRT, a core dump) after blaming an installed libxcb-cursor0 and saying "Reinstalling
the application may fix this problem" (an ssh session, a unit started before the desktop: the
set-up review). The bedside, review and central windows refuse with one line instead.

A display named is not enough: a unit with DISPLAY=:0 started before the desktop, or
QT_QPA_PLATFORM=xcb set system-wide and used over ssh, aborted the same way. So the display's
socket is asked whether anything answers there (X11: /tmp/.X11-unix/X<n> for `:n`, TCP port
6000+n for `host:n`; Wayland: $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY), as libxcb and libwayland would
connect; only a platform that draws without a display (offscreen in the tests, minimal, vnc)
skips the question.

An X server that answers is not enough either: one that refuses this process (a unit running as
another user than the desktop's, or without its XAUTHORITY: "Authorization required") aborted
Qt the same way. So X is asked through libxcb itself, connecting as Qt does (the cookie read
from this process's XAUTHORITY or ~/.Xauthority), and the connection is kept: the last client
of an X server gone, it resets and drops the connection Qt makes meanwhile. libxcb waits for
ever for a server that takes the connection and never answers, so it is waited for a few
seconds and no longer. Only when it does not connect is the socket asked, to say whether a
server is there at all; where libxcb cannot be loaded the socket's answer decides (console/cli.py
asks before Qt is imported: Qt without libxcb1 does not import, `qt_unloadable` words that).

An X server that takes the connection is not enough either when Qt's xcb plugin cannot load a
library it needs (a station where ./run.sh started without root, libxcb-cursor0 missing): Qt
aborted the same way. When xcb is the platform Qt will take, those libraries are loaded here
first, and one missing is one line naming its Debian package.

Qt-free, so the PDF export's choice of the offscreen platform (console/export/pdf.py) reads the
same variables.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
import socket
import sys
import threading
from collections.abc import Iterator, Mapping
from typing import Final

NEXT_STEP: Final = "run it on the station's desktop, or set QT_QPA_PLATFORM=offscreen for a test"
NO_DISPLAY: Final = f"no display: {NEXT_STEP}"

NO_DISPLAY_PLATFORMS: Final = frozenset(
    {"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"})
"""Qt platforms that open no connection to a display server: they draw into memory, a VNC
server of their own or the frame buffer."""

X11_SOCKETS: Final = "/tmp/.X11-unix"
X11_TCP_PORT: Final = 6000
PROBE_TIMEOUT_S: Final = 2.0
"""A display server answers a connection within milliseconds (a remote X server `host:n` and an
ssh forward `localhost:10` too); a host that drops the packets, or a server that has stopped
taking connections (its queue full: a blocking connect waits for ever), must not hold the
start."""
XCB_TIMEOUT_S: Final = 5.0
"""How long the X connection's set-up through libxcb is waited for: longer than a socket's
connect, since a Wayland desktop may start Xwayland only at its first X client, and the wait
ends as soon as the server answers."""

LIBXCB: Final = "libxcb.so.1"
XCB_LIBRARIES: Final = (
    ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"), ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"), ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"))
"""What Qt's xcb plugin loads beyond libxcb, each with its Debian package: the packages
./run.sh asks for a real screen (scripts/bootstrap.sh; libQt6XcbQpa's NEEDED, with the ones
these bring along). Without one the plugin does not load and Qt aborts ("xcb-cursor0 or
libxcb-cursor0 is needed …"), after the check found the X server answering."""
LIBRARY_PACKAGES: Final = {LIBXCB: "libxcb1", **dict(XCB_LIBRARIES)}
INSTALL: Final = "as root: apt-get install"
AUTHORIZATION: Final = "authorization? the desktop's user, or its XAUTHORITY, is needed"

# [protocol/]host:display[.screen], as libxcb reads DISPLAY (xcb_parse_display).
_X_DISPLAY = re.compile(r"(?:(?P<protocol>[a-z]+)/)?(?P<host>[^:]*):(?P<number>\d+)(?:\.\d+)?")


def display_named(environ: Mapping[str, str]) -> bool:
    """Whether X11 (`DISPLAY`) or Wayland (`WAYLAND_DISPLAY`) names a display."""
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def missing_display(environ: Mapping[str, str] = os.environ,
                    platform: str = sys.platform) -> str | None:
    """The line to print instead of opening a window, or None when one may open.

    On Linux a window needs a display that answers, or a Qt platform chosen that needs none
    (`QT_QPA_PLATFORM=offscreen` in the tests); macOS and Windows always have their own. The
    line names the display and why it cannot be used.
    """
    if not platform.startswith("linux"):
        return None
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return _chosen_platform_refusal(chosen, environ)
    refusals = []
    for variable, refusal in (("DISPLAY", _x11), ("WAYLAND_DISPLAY", _wayland)):
        if environ.get(variable):
            if (why := refusal(environ)) is None:
                if variable == "DISPLAY" and not _wayland_session(environ):
                    return _xcb_libraries_missing()   # Qt's default platform is xcb
                return None   # Qt falls back to the display that answers
            refusals.append(why)
    if not refusals:
        return NO_DISPLAY
    return f"no display: {'; '.join(refusals)}: {NEXT_STEP}"


def _wayland_session(environ: Mapping[str, str]) -> bool:
    """Whether Qt takes Wayland rather than xcb, with no platform chosen: it does in a Wayland
    session (XDG_SESSION_TYPE) when the compositor answers."""
    return (environ.get("XDG_SESSION_TYPE") == "wayland" and bool(environ.get("WAYLAND_DISPLAY"))
            and _wayland(environ) is None)


def _xcb_libraries_missing() -> str | None:
    """The line naming what to install when a library Qt's xcb plugin needs cannot be loaded,
    else None."""
    missing = [(name, package) for name, package in XCB_LIBRARIES if not _library_loads(name)]
    if not missing:
        return None
    names = ", ".join(name for name, _ in missing)
    packages = " ".join(package for _, package in missing)
    return (f"Qt's X11 platform (xcb) cannot load {names}: install {packages} "
            f"({INSTALL} {packages}), or set QT_QPA_PLATFORM=offscreen for a test")


def _library_loads(name: str) -> bool:
    """Whether the shared library `name` loads here, as Qt's plugin will load it."""
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


# What CPython's ImportError says when a library an extension needs is not found.
_NOT_FOUND = re.compile(r"(?P<name>[^\s:]+\.so[.\d]*): cannot open shared object file")


def qt_unloadable(error: ImportError) -> str | None:
    """For Qt's import refused for a shared library not found (libxcb1 not installed: PySide6's
    QtGui needs libxcb through libGL): the words naming it and what to install; None for any
    other ImportError (a bug, raised as it is)."""
    found = _NOT_FOUND.search(str(error))
    if found is None:
        return None
    name = found["name"]
    package = LIBRARY_PACKAGES.get(name)
    install = (f"install {package} ({INSTALL} {package})" if package else
               "install the package that provides it (./run.sh, as root, installs what the "
               "console needs)")
    return f"Qt cannot be loaded: {name} is not installed: {install}"


def _chosen_platform_refusal(chosen: str, environ: Mapping[str, str]) -> str | None:
    """For `QT_QPA_PLATFORM`: a list Qt tries in turn (`wayland;xcb`), each name with options
    after a colon (`xcb:nograb`). None when one of them can open a window."""
    refusals = []
    libraries = None
    for entry in chosen.split(";"):
        name = entry.split(":", 1)[0].strip()
        if name in NO_DISPLAY_PLATFORMS:
            return None
        if name == "xcb":
            why = (_x11(environ) if environ.get("DISPLAY") else
                   "QT_QPA_PLATFORM=xcb needs an X display and DISPLAY names none")
            if why is None and (lacking := _xcb_libraries_missing()) is not None:
                libraries = libraries or lacking   # said alone: the display is there
                continue   # Qt tries the next platform listed when the plugin does not load
        elif name.startswith("wayland"):   # wayland, wayland-egl, wayland-brcm
            why = _wayland(environ)
        else:
            # Qt aborts for a name it has no plugin for, with the same "Reinstalling" advice.
            why = (f"QT_QPA_PLATFORM={name} is not a Qt platform (xcb or wayland for a screen, "
                   "offscreen for none)")
        if why is None:
            return None
        refusals.append(why)
    if libraries is not None:
        return libraries
    return f"no display: {'; '.join(refusals)}: {NEXT_STEP}"


def _x11(environ: Mapping[str, str]) -> str | None:
    """None when the X server `DISPLAY` names takes this process's connection, else why it
    cannot be used."""
    name = environ.get("DISPLAY", "")
    parsed = _X_DISPLAY.fullmatch(name)
    if parsed is None:
        return f"DISPLAY={name} is not a display name (':0', 'host:10')"
    host, number = parsed["host"], int(parsed["number"])
    local = parsed["protocol"] in (None, "unix") and host in ("", "unix")
    where = f"{X11_SOCKETS}/X{number}" if local else f"{host} port {X11_TCP_PORT + number}"
    lib = _libxcb()
    refused = None if lib is None else _xcb_refusal(lib, name)
    if lib is not None and refused is None:
        return None
    # Whether an X server is there at all, asked after libxcb and never before it: a connection
    # closed unused is a last client gone, an X server with no other (a fresh Xvfb, a kiosk's
    # Xorg) resets, and the connection made meanwhile was dropped (7 in 30 on Xvfb).
    if local:
        # libxcb tries the abstract socket first (Linux): an X server in another mount
        # namespace (a container sharing the host's network) answers only there.
        why = _unix_answers("\0" + where)
        if why is not None:
            why = _unix_answers(where)
    else:
        why = _tcp_answers(host, X11_TCP_PORT + number)
    if why is not None:
        return f"DISPLAY={name}: no X server answers at {where} ({why})"
    return None if refused is None else f"DISPLAY={name}: the X server at {where} {refused}"


@functools.cache
def _libxcb() -> ctypes.CDLL | None:
    """libxcb with the three functions the check calls typed, or None where it cannot be loaded
    (the socket's answer then decides, as before the check connected)."""
    try:
        lib = ctypes.CDLL(LIBXCB)
    except OSError:
        return None
    lib.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
    lib.xcb_connect.restype = ctypes.c_void_p
    lib.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    lib.xcb_connection_has_error.restype = ctypes.c_int
    lib.xcb_disconnect.argtypes = [ctypes.c_void_p]
    lib.xcb_disconnect.restype = None
    return lib


_held: list[int] = []
"""The connections the check made, kept open for the process's life: the last client of an X
server gone, it resets, and the next connection (Qt's) made then was dropped, 8 times in 30 on
a fresh Xvfb: Qt's abort after the check said yes."""


def _xcb_refusal(lib: ctypes.CDLL, name: str) -> str | None:
    """None when libxcb connects to the X server `name` names, else why not, after "the X
    server at …"."""
    errors: list[int] = []

    def connect() -> None:
        # The cookie is looked up as Qt's own connection will (XAUTHORITY, else ~/.Xauthority).
        connection = lib.xcb_connect(name.encode(), None)
        error = lib.xcb_connection_has_error(connection)
        if error == 0:
            _held.append(connection)
        else:
            lib.xcb_disconnect(connection)   # the error's static connection: xcb allows it
        errors.append(error)

    # A daemon: a server that never answers keeps the thread waiting, not the start.
    attempt = threading.Thread(target=connect, name="display-check", daemon=True)
    with _stderr_kept() as said:   # libxcb writes the server's refusal on fd 2 itself
        attempt.start()
        attempt.join(XCB_TIMEOUT_S)
    if not errors:
        return "took the connection but does not answer (timed out)"
    if errors[0] == 0:
        return None
    if errors[0] != 1:   # XCB_CONN_ERROR: the server refused the set-up, or hung up on it
        return f"refused the connection (xcb error {errors[0]})"
    reason = " ".join(said.decode(errors="replace").split())[:200]
    return (f"refused the connection ({AUTHORIZATION}; it said “{reason}”)" if reason
            else f"refused the connection ({AUTHORIZATION})")


@contextlib.contextmanager
def _stderr_kept() -> Iterator[bytearray]:
    """What is written on fd 2 meanwhile, kept from it: the one line the start prints would
    otherwise follow libxcb's "Authorization required, …" written on its own line. A writer
    still at it after (a connection not yet answered) writes on stderr again."""
    kept = bytearray()
    read, write = os.pipe()
    saved = os.dup(2)
    os.dup2(write, 2)
    os.close(write)
    try:
        yield kept
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.set_blocking(read, False)
        with contextlib.suppress(BlockingIOError):
            kept += os.read(read, 4096)   # the server's reason: at most 255 bytes
        os.close(read)


def _wayland(environ: Mapping[str, str]) -> str | None:
    """None when the Wayland compositor `WAYLAND_DISPLAY` names answers (libwayland's default
    name is wayland-0), else why it cannot be used."""
    if environ.get("WAYLAND_SOCKET"):
        return None   # a socket handed down by the compositor itself
    name = environ.get("WAYLAND_DISPLAY") or "wayland-0"
    if name.startswith("/"):
        path = name
    elif runtime := environ.get("XDG_RUNTIME_DIR"):
        path = f"{runtime}/{name}"
    else:
        return (f"WAYLAND_DISPLAY={name}: XDG_RUNTIME_DIR is not set, so its socket "
                "cannot be found")
    why = _unix_answers(path)
    return (None if why is None else
            f"WAYLAND_DISPLAY={name}: no compositor answers at {path} ({why})")


def _unix_answers(path: str) -> str | None:
    """None when a server accepts a connection on the Unix socket `path`, else why not."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(PROBE_TIMEOUT_S)
        try:
            probe.connect(path)
        except OSError as exc:
            return _words(exc)
    return None


def _tcp_answers(host: str, port: int) -> str | None:
    """None when a server accepts a TCP connection at host:port, else why not."""
    try:
        socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S).close()
    except OSError as exc:
        return _words(exc)
    return None


def _words(exc: OSError) -> str:
    """'no such file or directory', 'connection refused', 'timed out'."""
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]

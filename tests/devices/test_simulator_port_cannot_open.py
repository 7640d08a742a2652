"""`infusion-sim` on a machine where its port cannot be made (no /dev/pts in a container, out of
pseudo-terminals, no loopback): one line naming what could not be opened and why, exit 1, as
documented. A device that must be asked (`--format intellivue`, `philips-efficia`, the TCP and
UDP ones) ended in a FileNotFoundError traceback instead (the review)."""

from __future__ import annotations

import errno
import pty
import socket
import tempfile
from pathlib import Path

import pytest

from devices.simulator import cli


def _no_pty() -> tuple[int, int]:
    raise OSError(errno.ENOENT, "No such file or directory")


def _no_socket(*args: object, **kwargs: object) -> socket.socket:
    raise OSError(errno.EAFNOSUPPORT, "Address family not supported by protocol")


@pytest.mark.parametrize("fmt", ["hl7", "masimo", "intellivue", "philips-efficia"])
def test_no_pseudo_terminal_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))   # the pty's folder, made first
    monkeypatch.setattr(pty, "openpty", _no_pty)
    assert cli.main(["--scenario", "normal", "--format", fmt]) == cli.EXIT_RUNTIME
    assert capsys.readouterr() == ("", "infusion-sim: error: cannot open a pseudo-terminal: "
                                       "[Errno 2] No such file or directory\n")


@pytest.mark.parametrize(("fmt", "port"), [("mindray-bedside", "a loopback TCP port"),
                                           ("mindray-gateway", "a loopback TCP port"),
                                           ("intellivue-lan", "a loopback UDP port")])
def test_no_loopback_port_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fmt: str, port: str
) -> None:
    monkeypatch.setattr(socket, "socket", _no_socket)
    assert cli.main(["--scenario", "normal", "--format", fmt]) == cli.EXIT_RUNTIME
    assert capsys.readouterr() == ("", f"infusion-sim: error: cannot open {port}: [Errno 97] "
                                       "Address family not supported by protocol\n")

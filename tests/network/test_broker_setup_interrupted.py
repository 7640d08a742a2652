"""`network setup` interrupted (Ctrl+C) half-way: what it wrote is taken back, as for any other
failure (broker_setup.write: half a set-up is no use and would block the next run), so no passwd
with every password in clear is left behind, and the same command runs again (review 42)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console import cli
from console.network import broker_setup

SETUP = ["network", "setup", "--chairs", "3", "--host", "broker.clinic.lan"]


def _ctrl_c_at(monkeypatch: pytest.MonkeyPatch, program: str) -> None:
    real_run = broker_setup._run

    def run(command: list[str], what: str) -> None:
        if command[0] == program:
            raise KeyboardInterrupt   # the operator pressed Ctrl+C while it ran
        real_run(command, what)

    monkeypatch.setattr(broker_setup, "_run", run)


@pytest.mark.parametrize("folder_exists", [False, True])
def test_ctrl_c_while_hashing_leaves_no_half_setup_and_the_rerun_works(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        folder_exists: bool) -> None:
    out = tmp_path / "clinic-broker"
    if folder_exists:
        out.mkdir()
    _ctrl_c_at(monkeypatch, "mosquitto_passwd")
    code = cli.main([*SETUP, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == cli.INTERRUPTED_STATUS
    assert err.strip() == "infusion-console network: interrupted: nothing more was done"
    # Nothing half-made is left: the passwd with every password in clear, a CA key, ...
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert left == [], f"left behind after Ctrl+C: {left}"
    assert out.exists() is folder_exists   # a folder the operator made is kept, empty
    monkeypatch.undo()
    code = cli.main([*SETUP, "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert (out / "passwd").read_text(encoding="utf-8").count(":$") == 7   # hashed: 3, central, 3 resend


def test_ctrl_c_while_making_the_certificates_leaves_no_ca_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "clinic-broker"
    _ctrl_c_at(monkeypatch, "openssl")
    assert cli.main([*SETUP, "--out", str(out)]) == cli.INTERRUPTED_STATUS
    assert not out.exists()

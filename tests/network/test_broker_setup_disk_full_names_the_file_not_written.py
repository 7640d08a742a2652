"""`network setup --out` on a disk that fills in the middle of a step names the file the step
could not write, not one it wrote before the disk filled: openssl wrote the test CA's key, then
failed writing its request; "cannot write .../ca.key" sent clinic IT to a file that is there.

The disk's free space is the edge faked here (statvfs says none left where the set-up writes);
openssl is replaced by a stand-in that writes the key and fails at the request."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from console.network import broker_setup

SETUP = ["setup", "--chairs", "2", "--host", "broker.clinic.lan"]


def test_a_step_cut_short_by_a_full_disk_names_the_file_it_did_not_write(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "clinic-broker"
    real_run, real_statvfs = broker_setup._run, os.statvfs

    def run(command: list[str], what: str) -> None:
        if command[:2] == ["openssl", "req"] and what == "making the test CA":
            key = Path(command[command.index("-keyout") + 1])
            key.write_text("-----BEGIN PRIVATE KEY-----\n")   # the key fits; the request not
            raise broker_setup.SetupError(f"{what}: openssl failed with exit code 1: "
                                          "No space left on device")
        real_run(command, what)

    def statvfs(path: str | os.PathLike[str]) -> object:
        # The output and the set-up's working folder (the system's temporary one) on one disk,
        # full now.
        if Path(path).is_relative_to(out) or Path(path).name.startswith("clinic-broker-ca-"):
            return SimpleNamespace(f_bavail=0)
        return real_statvfs(path)

    monkeypatch.setattr(broker_setup, "_run", run)
    monkeypatch.setattr(os, "statvfs", statvfs)
    code = broker_setup.main([*SETUP, "--out", str(out)])
    printed, err = capsys.readouterr()
    assert (code, printed) == (2, "")
    assert err.startswith("infusion-console network setup: cannot write "), err
    assert err.endswith("ca.csr: the disk is full\n"), err
    assert not out.exists()   # nothing half-made is left

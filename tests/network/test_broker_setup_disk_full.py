"""`network setup --out` on a full disk says the disk is full, naming the file it could not
write. openssl writes an empty CA key there and exits 0; the set-up went on and reported
"making the test CA: openssl failed ... Could not read CA private key", sending clinic IT after a
key problem (a review). What was written is taken back, as for any failure.

The full disk is real: a small tmpfs, filled (root and mount(8), as the store's own fault
tests; skipped otherwise)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.network import broker_setup
from tests.store import tmpfs

SETUP = ["setup", "--chairs", "2", "--host", "broker.clinic.lan"]


def _fill(disk: Path) -> None:
    try:
        with open(disk / "filler", "wb") as f:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
    except OSError:   # ENOSPC: full
        pass


def test_a_set_up_on_a_full_disk_says_the_disk_is_full(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with tmpfs(tmp_path / "disk", "64k") as disk:
        _fill(disk)
        out = disk / "clinic-broker"
        code = broker_setup.main([*SETUP, "--out", str(out)])
        printed, err = capsys.readouterr()
        assert (code, printed) == (2, "")
        assert err == (f"infusion-console network setup: cannot write {out / 'ca.key'}: the disk "
                       "is full\n")
        assert [p.name for p in disk.iterdir()] == ["filler"]   # nothing half-made is left


def test_a_step_that_writes_nothing_on_a_disk_with_room_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """openssl exiting 0 with its key empty for another reason: said at that step, not at the
    next one that reads the key."""
    real_run = broker_setup._run

    def run(command: list[str], what: str) -> None:
        if command[:2] != ["openssl", "req"]:
            real_run(command, what)

    monkeypatch.setattr(broker_setup, "_run", run)
    out = tmp_path / "clinic-broker"
    code = broker_setup.main([*SETUP, "--out", str(out)])
    printed, err = capsys.readouterr()
    assert (code, printed) == (2, "")
    assert err == (f"infusion-console network setup: making the test CA: openssl wrote nothing "
                   f"to {out / 'ca.key'}\n")
    assert not out.exists()

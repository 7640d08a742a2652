"""The clinic's protocol folder is there but is no folder: it is refused, naming what is there.

The review: a link to a share not mounted, or a FILE of that name (`cp clinic-iv.toml
~/.config/infusion-console/protocols` before the folder existed), was passed over as a folder
that does not exist: the clinic's protocols were gone from the start screen, and
`infusion-console protocols` listed the shipped ones, exit 0, saying nothing (a closed folder,
by contrast, was refused in one line: test_clinic_folder_closed.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols import list_tool
from protocols.loader import builtin_protocols_dir, default_protocol_dirs, load_protocols

SHIPPED = {"iv-ketamine", "esketamine", "iv-ketamine-titration"}


def clinic_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the clinic folder goes, its config folder made and nothing at it yet."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    config = tmp_path / "config" / "infusion-console"
    config.mkdir(parents=True)
    return config / "protocols"


def test_a_clinic_folder_linked_to_a_share_not_mounted_is_refused_naming_the_link(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clinic = clinic_path(tmp_path, monkeypatch)
    share = tmp_path / "mnt" / "clinic-share" / "protocols"   # not mounted
    clinic.symlink_to(share)

    assert default_protocol_dirs() == [builtin_protocols_dir(), clinic]
    result = load_protocols(default_protocol_dirs())

    assert set(result.protocols) == SHIPPED
    assert [str(e) for e in result.errors] == [
        f"{clinic}: (folder): not read: a link to {share}, which is not there (a share not"
        " mounted?): mount it, or make the link point at the folder of the clinic's protocols"]


def test_a_file_where_the_clinic_folder_should_be_is_refused_and_listed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic = clinic_path(tmp_path, monkeypatch)
    clinic.write_bytes((builtin_protocols_dir() / "iv-ketamine.toml").read_bytes())

    status = list_tool.main([])

    out = capsys.readouterr().out
    assert status == 1
    assert out.endswith(
        "Refused protocol files (not offered until fixed):\n"
        f"  {clinic}: (folder): not read: a file, not a folder (a protocol file copied in"
        " before the folder was made?): rename it, make a folder of this name and move the file"
        " into it\n")

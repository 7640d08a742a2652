"""`infusion-console protocols new.toml` is not refused for files the console never reads.

A clinic keeps its old copies in a dated subfolder (2026/clinic-iv-old.toml), or an editor saved
one as clinic-iv.toml.txt or clinic-new.TOML. The folder loader never reads them (the listing
names each "not read ... move it up" / "rename it"), and clinic-iv 1.6 runs. The check of the
clinic's version 1.7 had counted them as files giving clinic-iv and refused it, "give this file
an id of its own" (a review): wrong advice, a new id breaks every launcher's `--protocol
clinic-iv` and the patient's course.
"""

from __future__ import annotations

import pytest

from console.cli import main
from protocols.loader import default_protocol_dirs, load_protocols
from tests.protocols.test_list_tool import clinic_folder, own_copy

NEW_VERSION = ('version = "1.6"', 'version = "1.7"')


@pytest.mark.parametrize("unread", ["2026/clinic-iv-old.toml", "clinic-iv.toml.txt",
                                    "clinic-new.TOML"])
def test_a_new_version_is_ok_beside_a_copy_never_read(capsys, tmp_path, unread: str) -> None:
    folder = clinic_folder()
    installed = own_copy(folder, "clinic-iv.toml", "clinic-iv")
    (folder / unread).parent.mkdir(parents=True, exist_ok=True)
    own_copy(folder, unread, "clinic-iv", ('version = "1.6"', 'version = "1.5"'))
    assert load_protocols(default_protocol_dirs()).protocols["clinic-iv"].version == "1.6"
    edited = own_copy(tmp_path, "clinic-iv.toml", "clinic-iv", NEW_VERSION)

    assert main(["protocols", str(edited)]) == 0   # was 1: "give this file an id of its own"

    assert capsys.readouterr().out == (
        f"{edited}: ok: clinic-iv (version 1.7) · IV racemic ketamine 0.5 mg/kg over 40 min · "
        f"4 phases, 23 alarm rules; would replace {installed} (version 1.6 → 1.7)\n")


def test_a_file_read_that_gives_the_id_still_refuses(capsys, tmp_path) -> None:
    folder = clinic_folder()
    own_copy(folder, "clinic-iv.toml", "clinic-iv")
    other = own_copy(folder, "clinic-iv-old.toml", "clinic-iv",
                     ('version = "1.6"', 'version = "1.5"'))
    edited = own_copy(tmp_path, "clinic-iv.toml", "clinic-iv", NEW_VERSION)

    assert main(["protocols", str(edited)]) == 1
    out = capsys.readouterr().out
    assert f"refused: id: protocol id 'clinic-iv' is already given by {other}" in out

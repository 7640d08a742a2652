"""`infusion-console protocols`: what a lead nurse runs to see the protocols a session can run,
and to check a new file before copying it into the clinic's folder (the start screen was the only
place a refusal showed)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from console.cli import main
from protocols.loader import builtin_protocols_dir


def clinic_folder() -> Path:
    folder = Path(os.environ["XDG_CONFIG_HOME"], "infusion-console", "protocols")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def own_copy(folder: Path, name: str, new_id: str, replace: tuple[str, str] | None = None) -> Path:
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    text = text.replace('id = "iv-ketamine"', f'id = "{new_id}"', 1)
    if replace:
        assert replace[0] in text
        text = text.replace(*replace, 1)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_listing_names_every_protocol_and_each_refused_file_with_its_reason(capsys):
    folder = clinic_folder()
    own_copy(folder, "slow.toml", "slow-iv")
    own_copy(folder, "broken.toml", "broken-iv", ('priority = "high"', 'priority = "urgent"'))
    assert main(["protocols"]) == 1
    out = capsys.readouterr().out
    for protocol_id in ("iv-ketamine", "esketamine", "iv-ketamine-titration", "slow-iv"):
        assert f"  {protocol_id} (version " in out
    assert f"from {folder / 'slow.toml'}" in out
    refused = out.split("Refused protocol files (not offered until fixed):\n", 1)[1]
    assert refused.startswith("  broken.toml: alarms[") and "urgent" in refused
    assert "broken-iv (version" not in out


def test_a_clean_listing_exits_0():
    assert main(["protocols"]) == 0


def test_a_file_is_checked_before_it_is_copied_in(capsys, tmp_path):
    good = own_copy(tmp_path, "new.toml", "clinic-iv")
    bad = own_copy(tmp_path, "bad.toml", "clinic-iv-2", ("infusion_minutes = 40", "infusion_minutes = 1"))
    twin = shutil.copy(builtin_protocols_dir() / "esketamine.toml", tmp_path / "esk.toml")
    assert main(["protocols", str(good)]) == 0
    assert capsys.readouterr().out.startswith(f"{good}: ok: clinic-iv (version ")
    assert main(["protocols", str(good), str(bad), str(twin)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{good}: ok: ")
    assert lines[1].startswith(f"{bad}: refused: ") and "20 min" in lines[1]
    assert lines[2] == (f"{twin}: refused: id: protocol id 'esketamine' is already given by "
                        f"{builtin_protocols_dir() / 'esketamine.toml'}: give this file an id "
                        "of its own")


def test_a_file_in_the_clinic_folder_is_not_refused_for_its_own_id(capsys):
    path = own_copy(clinic_folder(), "mine.toml", "mine-iv")
    assert main(["protocols", str(path)]) == 0
    assert "ok: mine-iv" in capsys.readouterr().out


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["protocols", "--nonsense"])
    assert stopped.value.code == 2
    # One line, as every failure a user can cause (review 36: argparse's usage block first).
    assert capsys.readouterr().err == ("infusion-console protocols: error: unrecognized "
                                       "arguments: --nonsense (see infusion-console protocols "
                                       "--help)\n")


@pytest.mark.parametrize(("name", "rename"), [
    ("clinic-iv.TOML", "clinic-iv.toml"),       # refused by the clinic folder
    ("clinic-iv.toml.txt", "clinic-iv.toml"),   # refused there (an editor on Windows)
    ("clinic-iv.txt", "clinic-iv.toml"),        # passed over there without a word
])
def test_a_file_the_clinic_folder_would_not_load_by_its_name_is_refused_with_the_rename(
        capsys, tmp_path, name, rename):
    # Review 36: the check said `ok` for a file the folder would never load.
    path = own_copy(tmp_path, name, "clinic-iv")
    assert main(["protocols", str(path)]) == 1
    assert capsys.readouterr().out == (f"{path}: refused: (file): not read: a protocol file's "
                                       f"name ends in .toml, in lower case; rename it {rename}\n")

"""`infusion-console protocols FILE ...` checks files "as the console would load them, ids already
taken included" (README), and so against each other, and against the installed file a copy
would replace.

Before: two files sharing an id were each said `ok` (exit 0), and copied in as told the clinic
folder refused both (protocols/README.md: files of one folder sharing an id are all refused), so
no session could start with that id. And a new version of an installed clinic protocol (same
id, same file name, as the README's `version` row asks) was refused for the id the file it
replaces gives, with the advice to give it an id of its own: the chairs' launchers start
`--protocol clinic-iv`, and an update could never be checked before it was copied in.
"""

from __future__ import annotations

from pathlib import Path

from console.cli import main
from protocols.loader import default_protocol_dirs, load_protocols
from tests.protocols.test_list_tool import clinic_folder, own_copy

IV_VERSION = ('version = "1.6"', 'version = "1.7"')   # the shipped file's, made the next one


def copied_in(*paths: Path) -> Path:
    """Copy the checked files into the clinic folder, as the check's `ok` told the nurse."""
    folder = clinic_folder()
    for path in paths:
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_two_files_checked_together_that_share_an_id_are_both_refused_naming_the_other(
        capsys, tmp_path):
    first = own_copy(tmp_path, "clinic-a.toml", "clinic-iv")
    second = own_copy(tmp_path, "clinic-b.toml", "clinic-iv")
    assert main(["protocols", str(first), str(second)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}: refused: id: protocol id 'clinic-iv' is also given by {other}, checked "
        "together: the clinic folder refuses every file of an id two files give; give one of "
        "them an id of its own, or copy in only one"
        for path, other in ((first, second), (second, first))]
    # What the folder does with them, as the check now says.
    copied_in(first, second)
    assert "clinic-iv" not in load_protocols(default_protocol_dirs()).protocols


def test_a_file_refused_for_another_problem_still_takes_its_id_as_in_the_folder(
        capsys, tmp_path):
    good = own_copy(tmp_path, "clinic-a.toml", "clinic-iv")
    broken = own_copy(tmp_path, "clinic-b.toml", "clinic-iv",
                      ('priority = "high"', 'priority = "urgent"'))
    assert main(["protocols", str(good), str(broken)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{good}: refused: id: protocol id 'clinic-iv' is also given by "
                               f"{broken}, checked together")
    assert lines[1].startswith(f"{broken}: refused: alarms[")


def test_three_files_of_one_id_each_name_the_two_others(capsys, tmp_path):
    paths = [own_copy(tmp_path, f"clinic-{n}.toml", "clinic-iv") for n in "abc"]
    assert main(["protocols", *map(str, paths)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (f"{paths[1]}: refused: id: protocol id 'clinic-iv' is also given by "
                        f"{paths[0]} and {paths[2]}, checked together: the clinic folder refuses "
                        "every file of an id two files give; give all but one an id of its own, "
                        "or copy in only one")


def test_one_file_named_twice_is_one_file(capsys, tmp_path):
    path = own_copy(tmp_path, "clinic-a.toml", "clinic-iv")
    assert main(["protocols", str(path), str(tmp_path / "." / "clinic-a.toml")]) == 0
    assert all(": ok: clinic-iv (version " in line
               for line in capsys.readouterr().out.splitlines())


def test_a_new_version_of_a_clinic_file_is_checked_as_the_file_it_would_replace(
        capsys, tmp_path):
    installed = own_copy(clinic_folder(), "clinic-iv.toml", "clinic-iv")
    edited = own_copy(tmp_path, "clinic-iv.toml", "clinic-iv", IV_VERSION)
    assert main(["protocols", str(edited)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{edited}: ok: clinic-iv (version 1.7) · ")
    assert out.endswith(f"; would replace {installed} (version 1.6 → 1.7)\n")
    # Copied in as told, it is what sessions started with --protocol clinic-iv run.
    copied_in(edited)
    assert load_protocols(default_protocol_dirs()).protocols["clinic-iv"].version == "1.7"


def test_a_changed_file_of_the_installed_version_is_refused_saying_to_change_it(
        capsys, tmp_path):
    # protocols/README.md: `version` is recorded with every session, "change it when you
    # change the file": sessions under the two texts would say the same version.
    installed = own_copy(clinic_folder(), "clinic-iv.toml", "clinic-iv")
    edited = own_copy(tmp_path, "clinic-iv.toml", "clinic-iv",
                      ("at_or_above = 180", "at_or_above = 170"))
    assert main(["protocols", str(edited)]) == 1
    assert capsys.readouterr().out == (
        f"{edited}: refused: version: version '1.6' is the version of {installed}, which this "
        "file would replace with other text: change `version` when you change the file (every "
        "session records it: sessions under the two texts would say the same version)\n")


def test_the_installed_text_again_is_ok_and_changes_nothing(capsys, tmp_path):
    installed = own_copy(clinic_folder(), "clinic-iv.toml", "clinic-iv")
    same = own_copy(tmp_path, "clinic-iv.toml", "clinic-iv")
    assert main(["protocols", str(same)]) == 0
    assert capsys.readouterr().out.endswith(f"; the same text as {installed}: nothing would "
                                            "change\n")


def test_a_new_version_beside_an_old_copy_of_the_same_id_is_still_refused_for_the_copy(
        capsys, tmp_path):
    folder = clinic_folder()
    own_copy(folder, "clinic-iv.toml", "clinic-iv")
    old = own_copy(folder, "clinic-iv-old.toml", "clinic-iv")   # both refused there now
    edited = own_copy(tmp_path, "clinic-iv.toml", "clinic-iv", IV_VERSION)
    assert main(["protocols", str(edited)]) == 1
    assert capsys.readouterr().out == (
        f"{edited}: refused: id: protocol id 'clinic-iv' is already given by {old}: give this "
        "file an id of its own\n")


def test_a_file_named_as_a_shipped_one_is_no_update_of_it(capsys, tmp_path):
    edited = own_copy(tmp_path, "iv-ketamine.toml", "iv-ketamine", IV_VERSION)
    assert main(["protocols", str(edited)]) == 1
    assert "is already given by" in capsys.readouterr().out

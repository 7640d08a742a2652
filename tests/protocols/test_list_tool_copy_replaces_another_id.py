"""`infusion-console protocols FILE` says what copying the file in would overwrite when the
clinic-folder file of its name gives another protocol.

The review: a new protocol saved as a second "clinic.toml" (id clinic-b) beside the installed
clinic.toml (id clinic-a) was said `ok`, exit 0, with nothing about the file it replaces: copied
in as told, clinic-a was gone from the start screen and every launcher's `--protocol clinic-a`
was an unknown protocol. It is refused now, naming the protocol that would go and the name to
give the file instead (a check is run before copying; the nurse copies by the file's name).
"""

from __future__ import annotations

from pathlib import Path

from console.cli import main
from protocols.loader import default_protocol_dirs, load_protocols
from tests.protocols.test_list_tool import clinic_folder, own_copy
from tests.protocols.test_list_tool_ids_of_the_run import copied_in


def test_a_file_whose_copy_would_overwrite_another_protocol_is_refused_naming_it(
        capsys, tmp_path):
    installed = own_copy(clinic_folder(), "clinic.toml", "clinic-a")
    checked = own_copy(tmp_path, "clinic.toml", "clinic-b")

    assert main(["protocols", str(checked)]) == 1   # was 0, "ok"

    assert capsys.readouterr().out == (
        f"{checked}: refused: (file): copied in, it replaces {installed}, protocol clinic-a"
        " (version 1.6), which would no longer be offered (nor start with --protocol"
        " clinic-a); name this file clinic-b.toml, or remove clinic.toml from the clinic's"
        " folder first if clinic-a is to go\n")


def test_the_file_named_as_told_is_ok_and_both_protocols_are_offered(capsys, tmp_path):
    own_copy(clinic_folder(), "clinic.toml", "clinic-a")
    renamed = own_copy(tmp_path, "clinic-b.toml", "clinic-b")

    assert main(["protocols", str(renamed)]) == 0
    assert capsys.readouterr().out.startswith(f"{renamed}: ok: clinic-b (version 1.6)")
    copied_in(renamed)
    assert {"clinic-a", "clinic-b"} <= set(load_protocols(default_protocol_dirs()).protocols)


def test_a_file_whose_copy_would_overwrite_a_refused_file_says_so(capsys, tmp_path):
    broken = own_copy(clinic_folder(), "clinic.toml", "clinic-a",
                      ('priority = "high"', 'priority = "urgent"'))
    checked = own_copy(tmp_path, "clinic.toml", "clinic-b")

    assert main(["protocols", str(checked)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{checked}: ok: clinic-b (version 1.6)")
    assert out.endswith(f"; would replace {broken} (refused there now)\n")

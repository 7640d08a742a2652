"""A start that chose a clinic protocol whose file was refused for its name or its place hears
the file's problem, not "Unknown protocol".

README ("Running the console"): a clinic protocol refused at loading is named with its file's
problem (file, key, reason), not as unknown. A copy saved by Notepad as `clinic-iv.toml.txt`,
one named `Clinic-IV.TOML`, or one kept in a dated subfolder under another name than its id
(`2026/iv-first-course.toml`) is refused by the loader, and `--protocol clinic-iv` (a
launcher's command line) was answered "Unknown protocol “clinic-iv”": those refusals carried
no protocol id, and the file-name match missed the upper case and the `.toml.txt`.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.session.start_checks import check_protocol
from protocols.loader import builtin_protocols_dir, load_protocols
from tests.protocols.test_loader import valid, write

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_IDS = "esketamine, iv-ketamine, iv-ketamine-titration"
TEXT = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8").replace(
    'id = "iv-ketamine"', 'id = "clinic-iv"', 1)
LOWER_CASE = "not read: a protocol file's name ends in .toml, in lower case; rename it"


def refused(folder: Path, name: str, text: str = TEXT) -> str:
    """What a start choosing "clinic-iv" is told, with `text` filed as `name` in `folder`."""
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    loaded = load_protocols([builtin_protocols_dir(), folder])
    problem, protocol = check_protocol("clinic-iv", loaded.protocols, loaded.errors)
    assert protocol is None and problem is not None
    return problem.message


@pytest.mark.parametrize(("name", "reason"), [
    ("clinic-iv.toml.txt", f"{LOWER_CASE} clinic-iv.toml"),
    ("Clinic-IV.TOML", f"{LOWER_CASE} Clinic-IV.toml"),
    ("2026/iv-first-course.toml",
     "not read: protocol files are read only from {folder} itself; move it up"),
], ids=["notepad", "upper case", "subfolder"])
def test_a_start_choosing_a_protocol_filed_under_a_wrong_name_hears_why(
    tmp_path: Path, name: str, reason: str
) -> None:
    assert refused(tmp_path, name) == (
        f"The protocol “clinic-iv” was refused: {tmp_path / name}: (file):"
        f" {reason.format(folder=tmp_path)}. Fix the file and start again, or choose one of:"
        f" {SHIPPED_IDS}.")


def test_a_misnamed_file_whose_id_cannot_be_read_is_found_by_its_name(tmp_path: Path) -> None:
    # No `id` line to read: the file's name, whatever its case and with .toml.txt, still says it.
    assert refused(tmp_path, "Clinic-IV.toml.txt", "not a protocol yet\n") == (
        f"The protocol “clinic-iv” was refused: {tmp_path / 'Clinic-IV.toml.txt'}: (file):"
        f" {LOWER_CASE} Clinic-IV.toml. Fix the file and start again, or choose one of:"
        f" {SHIPPED_IDS}.")


def test_the_file_read_is_named_before_an_old_copy_in_a_subfolder(tmp_path: Path) -> None:
    # clinic-iv.toml itself is refused for a limit; an old copy of the id waits in 2026/: the
    # start names the file to fix, not the copy ("move it up" would make two of one id).
    document = copy.deepcopy(valid())
    document["id"] = "clinic-iv"
    document["alarms"][1]["above"] = 300
    write(tmp_path, document, "clinic-iv.toml")
    message = refused(tmp_path, "2026/clinic-iv-old.toml")
    assert message.startswith(
        f"The protocol “clinic-iv” was refused: {tmp_path / 'clinic-iv.toml'}: alarms[1].above:")


def test_the_command_line_names_the_notepad_copy(tmp_path: Path) -> None:
    # The launcher's `--protocol clinic-iv`, the clinic's copy saved as clinic-iv.toml.txt.
    folder = tmp_path / "config" / "infusion-console" / "protocols"
    folder.mkdir(parents=True)
    (folder / "clinic-iv.toml.txt").write_text(TEXT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_RUNTIME_DIR=str(tmp_path),
               QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "console.cli", "--db", str(tmp_path / "log.sqlite3"),
         "--protocol", "clinic-iv", "--patient", "MRN-1", "--weight", "72", "--nurse", "A"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    reason = f"(file): {LOWER_CASE} clinic-iv.toml"
    assert done.stderr.splitlines() == [
        "infusion-console: a protocol file was refused (the others are offered):"
        f" clinic-iv.toml.txt: {reason}",
        f"infusion-console: --protocol: The protocol “clinic-iv” was refused:"
        f" {folder / 'clinic-iv.toml.txt'}: {reason}. Fix the file and start again, or choose"
        f" one of: {SHIPPED_IDS}.",
    ]
    assert not (tmp_path / "log.sqlite3").exists()   # refused before a log was made

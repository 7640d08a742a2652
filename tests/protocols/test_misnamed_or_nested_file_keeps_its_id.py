"""A protocol file refused for its name (`clinic-iv.toml.txt`, `Clinic-IV.TOML`) or its place (a
subfolder) is refused under the id it gives, as a file refused for its content is.

Those refusals carried no protocol id (`ProtocolError.protocol_id`), so a start that chose the
protocol by its id called it unknown (console/session/start_checks.py `check_protocol`).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from protocols.loader import builtin_protocols_dir, load_protocols
from tests.protocols.test_loader import to_toml, valid, write

pytestmark = pytest.mark.faults


def clinic_iv() -> str:
    document = copy.deepcopy(valid())
    document["id"] = "clinic-iv"
    return to_toml(document)


@pytest.mark.parametrize("name", ["clinic-iv.toml.txt", "Clinic-IV.TOML",
                                  "2026/iv-first-course.toml", "old/2024/Clinic.toml.txt"])
def test_a_file_refused_for_its_name_or_place_carries_the_id_it_gives(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(clinic_iv(), encoding="utf-8")
    loaded = load_protocols([tmp_path])
    assert [(e.path, e.key, e.protocol_id) for e in loaded.errors] == [
        (tmp_path / name, "(file)", "clinic-iv")]


def test_a_file_whose_id_cannot_be_read_carries_none(tmp_path: Path) -> None:
    (tmp_path / "clinic.toml.txt").write_bytes(b"\xff\xfe not a protocol")
    (tmp_path / "Old.TOML").mkdir()   # a folder of that name: nothing to read
    loaded = load_protocols([tmp_path])
    assert [(e.path.name, e.protocol_id) for e in loaded.errors] == [
        ("Old.TOML", None), ("clinic.toml.txt", None)]


def test_the_folders_own_files_are_listed_before_those_not_read(tmp_path: Path) -> None:
    # A start matching the id takes the first refusal: the file read, with the problem to fix.
    document = copy.deepcopy(valid())
    document["id"] = "clinic-iv"
    document["alarms"][1]["above"] = 300
    write(tmp_path, document, "clinic-iv.toml")
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "clinic-iv-old.toml").write_text(clinic_iv(), encoding="utf-8")
    (tmp_path / "Clinic-IV.TOML").write_text(clinic_iv(), encoding="utf-8")
    loaded = load_protocols([builtin_protocols_dir(), tmp_path])
    assert [(e.path.relative_to(tmp_path), e.protocol_id) for e in loaded.errors] == [
        (Path("clinic-iv.toml"), "clinic-iv"), (Path("Clinic-IV.TOML"), "clinic-iv"),
        (Path("2026/clinic-iv-old.toml"), "clinic-iv")]

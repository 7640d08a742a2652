"""`export 1 --fhir nodir/x.json` (and --pdf, --rems) into a folder that does not exist said
"cannot write nodir/x.json: No such file or directory; choose another place to write to", read
as the file missing, which an export is to make (a review of the exports). It says
now that the folder is not there, and what to do, before the file is built; its access-log row
is followed by one saying it was not written, as for every refusal after the sign-in. `--csv`
still makes a folder that is missing: it names the folder to write its two files into."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.export.test_export_cli import access_rows, one_line_error, run
from tests.review.scenarios import ScenarioLog


@pytest.mark.parametrize("option, session", [
    ("--fhir", "surge"), ("--pdf", "surge"), ("--rems", "esketamine")])
def test_an_export_into_a_missing_folder_says_the_folder_is_not_there(
        capsys: pytest.CaptureFixture[str], scenario_log: ScenarioLog, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, option: str, session: str) -> None:
    sid = scenario_log.facts.ids[session]
    monkeypatch.chdir(tmp_path)
    message = one_line_error(*run(capsys, sid, option, "nodir/x.json", "--db",
                                  scenario_log.path))
    cause = ("the folder nodir does not exist (create it first, or give a file in a folder "
             "that exists)")
    assert message == f"infusion-console export: cannot write nodir/x.json: {cause}"
    assert os.listdir(tmp_path) == []
    assert access_rows(capsys, scenario_log.path, sid)[-1].endswith(
        f"NOT WRITTEN: {tmp_path / 'nodir' / 'x.json'}: {cause}")


def test_a_file_in_the_way_of_the_folder_is_still_named(
        capsys: pytest.CaptureFixture[str], scenario_log: ScenarioLog, tmp_path: Path) -> None:
    # Not a missing folder: a file stands where the path needs one (the writer's words).
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    sid = scenario_log.facts.ids["surge"]
    message = one_line_error(*run(capsys, sid, "--fhir", blocker / "deeper" / "x.json", "--db",
                                  scenario_log.path))
    assert "does not exist" not in message, message
    assert message.endswith("Not a directory; choose another place to write to"), message


def test_a_csv_export_still_makes_its_missing_folder(
        capsys: pytest.CaptureFixture[str], scenario_log: ScenarioLog, tmp_path: Path) -> None:
    sid = scenario_log.facts.ids["surge"]
    code, _, err = run(capsys, sid, "--csv", tmp_path / "new" / "csv", "--db", scenario_log.path)
    assert (code, err) == (0, "")
    assert len(list((tmp_path / "new" / "csv").iterdir())) == 2


def test_a_folder_removed_while_the_file_is_built_is_said_alike(
        capsys: pytest.CaptureFixture[str], scenario_log: ScenarioLog, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from console.export import fhir

    folder = tmp_path / "exports"
    folder.mkdir()
    built = fhir.build_bundle

    def build_then_remove(*args: Any, **kwargs: Any) -> dict[str, Any]:
        bundle = built(*args, **kwargs)
        folder.rmdir()   # an exports folder cleaned up, a USB stick taken out
        return bundle

    monkeypatch.setattr(fhir, "build_bundle", build_then_remove)
    sid = scenario_log.facts.ids["surge"]
    message = one_line_error(*run(capsys, sid, "--fhir", folder / "x.json", "--db",
                                  scenario_log.path))
    assert message == (f"infusion-console export: cannot write {folder / 'x.json'}: the folder "
                       f"{folder} does not exist (create it first, or give a file in a folder "
                       "that exists)")

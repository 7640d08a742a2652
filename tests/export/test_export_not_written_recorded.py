"""An export whose file is not written says so in the access log, whatever stopped it.

The export's row ("export ... to FILE") is written before the file (console/identity/access.py's
rule), and "an export whose file is then not written adds a second row saying so, and why"
(console/export/cli.py). A full disk and a refused name had that row; Ctrl+C during the write
(exit 130, console/cli.py) and a PDF writer that cannot be imported had none: the audit trail
claimed a file that was not there. And the name was checked only before the file was built, then
the file renamed over whatever had appeared there meanwhile (a PDF of a long session takes
seconds): a second export to that name, or a colleague's file, was destroyed without a word.
"""

from __future__ import annotations

import builtins
import errno
import os
from pathlib import Path

import pytest

from console.cli import INTERRUPTED_STATUS, main
from console.export import files
from tests.identity.accounts import sign_in_args
from tests.review.scenarios import ScenarioLog


def _export(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main(["export", *map(str, argv), *sign_in_args()])
    out, err = capsys.readouterr()
    return code, out, err


def _last_rows(capsys: pytest.CaptureFixture[str], db: Path, sid: int, count: int) -> list[str]:
    """The last `count` rows of `infusion-console access-log --session`, as an auditor reads it."""
    assert main(["access-log", "--session", str(sid), "--db", str(db)]) == 0
    return capsys.readouterr().out.splitlines()[-count:]


def _interrupted(*_args: object, **_kwargs: object) -> None:
    raise KeyboardInterrupt   # the user pressed Ctrl+C while the file was being written


def test_ctrl_c_during_the_write_leaves_a_not_written_row(capsys, scenario_log: ScenarioLog,
                                                          tmp_path, monkeypatch):
    sid = scenario_log.facts.ids["surge"]
    target = tmp_path / "bundle.json"
    monkeypatch.setattr(files, "_temporary", _interrupted)
    code, out, err = _export(capsys, sid, "--fhir", target, "--db", scenario_log.path)
    assert (code, out) == (INTERRUPTED_STATUS, "")
    assert err == "infusion-console export: interrupted: nothing more was done\n"
    assert not target.exists()
    made, not_written = _last_rows(capsys, scenario_log.path, sid, 2)
    assert made.endswith(f"to {target}")
    assert not_written.endswith(f"NOT WRITTEN: {target}: interrupted")


def test_a_pdf_writer_that_cannot_be_imported_is_recorded_as_not_written(
        capsys, scenario_log: ScenarioLog, tmp_path, monkeypatch):
    sid = scenario_log.facts.ids["surge"]
    target = tmp_path / "report.pdf"
    real_import = builtins.__import__

    def no_pdf_writer(name: str, *args, **kwargs):   # an installation without the Qt PDF writer
        if name == "console.export.pdf":
            raise ImportError("No module named 'PySide6.QtPrintSupport'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pdf_writer)
    code, out, err = _export(capsys, sid, "--pdf", target, "--db", scenario_log.path)
    monkeypatch.undo()
    said = ("PDF export is not available in this installation (No module named "
            "'PySide6.QtPrintSupport')")
    assert (code, out, err) == (2, "", f"infusion-console export: {said}\n")
    assert _last_rows(capsys, scenario_log.path, sid, 1)[0].endswith(
        f"NOT WRITTEN: {target}: {said}")


def _appears_meanwhile(monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    """Make a file at `name` once the export's temporary file is written (as a second export
    finishing first would); returns its text."""
    text = "the other export, not to be lost\n"
    build = files._temporary

    def then_another_file(path: Path, data: bytes) -> str:
        tmp = build(path, data)
        if path.name == name:
            path.write_text(text, encoding="utf-8")
        return tmp

    monkeypatch.setattr(files, "_temporary", then_another_file)
    return text


def test_a_file_made_at_the_name_during_the_export_is_kept(capsys, scenario_log: ScenarioLog,
                                                         tmp_path, monkeypatch):
    sid = scenario_log.facts.ids["surge"]
    target = tmp_path / "bundle.json"
    theirs = _appears_meanwhile(monkeypatch, target.name)
    code, out, err = _export(capsys, sid, "--fhir", target, "--db", scenario_log.path)
    refused = (f"{target} exists already: an export never replaces a file (remove it first, or "
               "give another file name)")
    assert (code, out, err) == (2, "", f"infusion-console export: {refused}\n")
    assert target.read_text(encoding="utf-8") == theirs
    assert [p.name for p in tmp_path.iterdir()] == [target.name]   # no temporary left
    assert _last_rows(capsys, scenario_log.path, sid, 1)[0].endswith(
        f"NOT WRITTEN: {target}: {refused}")


def test_csv_files_go_in_both_or_neither_when_the_second_name_is_taken_meanwhile(
        capsys, scenario_log: ScenarioLog, tmp_path, monkeypatch):
    sid = scenario_log.facts.ids["surge"]
    folder = tmp_path / "csv"
    events = f"session-{sid}-events.csv"
    theirs = _appears_meanwhile(monkeypatch, events)
    code, _, err = _export(capsys, sid, "--csv", folder, "--db", scenario_log.path)
    assert code == 2 and f"{folder / events} exists already" in err, err
    assert {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()} == {events: theirs}


@pytest.mark.parametrize("no_links", [errno.EPERM, errno.ENOTSUP])
def test_a_disk_without_hard_links_still_never_replaces(tmp_path, monkeypatch, no_links):
    # FAT and exFAT (a USB stick) refuse link(2) with EPERM: the name is claimed by an empty
    # file made with O_EXCL, then the rename replaces only that placeholder.
    def no_hard_links(*_args: object, **_kwargs: object) -> None:
        raise OSError(no_links, os.strerror(no_links))

    monkeypatch.setattr(os, "link", no_hard_links)
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    theirs.write_bytes(b"theirs")
    with files.never_replacing():
        files.write_files({mine: b"mine"})
        with pytest.raises(files.ExistsAlready) as refused:
            files.write_files({theirs: b"mine"})
    assert refused.value.filename == str(theirs)
    assert (mine.read_bytes(), theirs.read_bytes()) == (b"mine", b"theirs")
    assert oct(mine.stat().st_mode & 0o777) == oct(0o600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json", "theirs.json"]


def test_the_review_windows_export_still_replaces_the_file_it_was_told_to(tmp_path):
    # Its file chooser asks before it names an existing file: there the rename replaces it.
    target = tmp_path / "report.pdf"
    target.write_bytes(b"last week's")
    files.write_files({target: b"this week's"})
    assert target.read_bytes() == b"this week's"

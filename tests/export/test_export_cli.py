"""`infusion-console export`: each format written from the real log, and every user error as one
line on stderr with exit status 2 (no traceback). Every export signs in (issue 13): as the
scenario log's QA Administrator, its PIN on a pipe (tests/identity/accounts.py); the refusals of
the sign-in itself are tested in tests/identity/test_export_sign_in.py."""

from __future__ import annotations

import csv
import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from tests.identity.accounts import child_sign_in, close_fds, sign_in_args

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main(["export", *map(str, argv), *sign_in_args()])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, out, err):
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("infusion-console export: ")
    assert "Traceback" not in err
    return err.strip()


def test_csv_export(capsys, scenario_log, tmp_path):
    sid = scenario_log.facts.ids["surge"]
    code, out, err = run(capsys, sid, "--csv", tmp_path / "csv", "--db", scenario_log.path)
    assert (code, err) == (0, "")
    observations = tmp_path / "csv" / f"session-{sid}-observations.csv"
    assert out.startswith(f"session {sid}: wrote {observations}")
    with observations.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["metric"] for r in rows} >= {"bp_systolic", "heart_rate", "spo2", "moaas"}


def test_fhir_export_deidentified(capsys, scenario_log, tmp_path):
    sid = scenario_log.facts.ids["esketamine"]
    target = tmp_path / "bundle.json"
    code, out, _ = run(capsys, sid, "--fhir", target, "--deidentify", "--db", scenario_log.path)
    assert code == 0 and "FHIR R4 Bundle" in out
    text = target.read_text(encoding="utf-8")
    for identifier in ("MRN-5820", "nurse.ben", "2026-03-06", "ACDE48234567ABCD"):
        assert identifier not in text
    bundle = json.loads(text)
    assert bundle["meta"]["security"][0]["code"] == "PSEUDED"
    fhir_bundle = pytest.importorskip("fhir.resources.bundle")
    fhir_bundle.Bundle.parse_obj(bundle)


def test_rems_export(capsys, scenario_log, tmp_path):
    sid = scenario_log.facts.ids["esketamine"]
    target = tmp_path / "rems.txt"
    code, out, _ = run(capsys, sid, "--rems", target, "--db", scenario_log.path)
    assert code == 0 and out.strip() == (f"session {sid}: wrote the REMS form values to {target} "
                                         "(missing: hallucinations (no score after the "
                                         "dose))")   # 84 mg, two devices given, the dose CHECK
    lines = target.read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("Dose (mg): 84 planned; 2 devices (56 mg) recorded given: CHECK")
               for line in lines)
    assert "Total monitoring time (minutes): 121" in lines


def test_unknown_session(capsys, scenario_log, tmp_path):
    message = one_line_error(*run(capsys, 999, "--csv", tmp_path, "--db", scenario_log.path))
    assert message == (f"infusion-console export: session 999 is not in the session log "
                       f"{scenario_log.path}; the review list shows the ids")
    assert list(tmp_path.iterdir()) == []


def test_missing_log(capsys, tmp_path):
    absent = tmp_path / "nothing.sqlite3"
    message = one_line_error(*run(capsys, 1, "--fhir", tmp_path / "b.json", "--db", absent))
    assert f"no session log at {absent}" in message
    assert not absent.exists()                      # review never creates a log


def test_a_file_that_is_not_a_log(capsys, tmp_path):
    other = tmp_path / "notes.sqlite3"
    other.write_text("shopping list\n" * 20)
    message = one_line_error(*run(capsys, 1, "--csv", tmp_path / "out", "--db", other))
    assert message.startswith(f"infusion-console export: Cannot use {other} as the session log: "
                              "it is not a session log of this console")


def test_unwritable_output(capsys, scenario_log, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    sid = scenario_log.facts.ids["surge"]
    for option, target in (("--fhir", blocker / "bundle.json"), ("--csv", blocker / "dir"),
                           ("--rems", blocker / "rems.txt")):
        if option == "--rems":
            sid = scenario_log.facts.ids["esketamine"]
        message = one_line_error(*run(capsys, sid, option, target, "--db", scenario_log.path))
        assert message.startswith(f"infusion-console export: cannot write {blocker}")
        assert message.endswith("choose another place to write to")


def test_rems_for_an_iv_session(capsys, scenario_log, tmp_path):
    sid = scenario_log.facts.ids["surge"]
    message = one_line_error(*run(capsys, sid, "--rems", tmp_path / "r.txt", "--db",
                                  scenario_log.path))
    assert message.endswith("the REMS Patient Monitoring Form is for esketamine sessions only")
    assert not (tmp_path / "r.txt").exists()


@pytest.mark.parametrize("argv, expected", [
    (["abc", "--csv", "x"], "argument SESSION_ID: invalid int value: 'abc'"),
    (["1"], "one of the arguments --pdf --csv --fhir --rems is required"),
    (["1", "--csv", "x", "--fhir", "y"], "argument --fhir: not allowed with argument --csv"),
    (["1", "--pdf", "x", "--page-size", "A3"], "argument --page-size: invalid choice: 'A3'"),
])
def test_usage_errors_are_one_line(capsys, argv, expected):
    with pytest.raises(SystemExit) as excinfo:
        main(["export", *argv])
    _, err = capsys.readouterr()
    assert excinfo.value.code == 2
    assert err.count("\n") == 1 and expected in err and "usage:" not in err


def _console(*argv, cwd):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    signed, fds = child_sign_in()
    try:
        return subprocess.run([sys.executable, "-m", "console.cli", *map(str, argv), *signed],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                              pass_fds=fds)
    finally:
        close_fds(fds)


def test_pdf_through_the_installed_entry_point(scenario_log, tmp_path):
    sid = scenario_log.facts.ids["surge"]
    target = tmp_path / "report.pdf"
    done = _console("export", sid, "--pdf", target, "--page-size", "Letter", "--deidentify",
                    "--db", scenario_log.path, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # Nothing on stderr: Qt's offscreen platform noise read as a fault on a clinician's terminal.
    assert done.stderr == ""
    assert target.read_bytes().startswith(b"%PDF")
    assert "-page PDF report to" in done.stdout


def test_errors_from_a_real_process_have_no_traceback(tmp_path):
    done = _console("export", "3", "--csv", tmp_path, "--db", tmp_path / "none.sqlite3",
                    cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("infusion-console export: no session log at")
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_every_export_is_readable_by_its_owner_only(capsys, scenario_log, tmp_path):
    # Patient data like the log (R8): 0600 whatever the umask (the PDF was written 0644).
    import stat

    sid = scenario_log.facts.ids["esketamine"]
    old = os.umask(0o022)
    try:
        targets = {"--pdf": tmp_path / "report.pdf", "--fhir": tmp_path / "bundle.json",
                   "--rems": tmp_path / "rems.txt"}
        for option, target in targets.items():
            code, _, err = run(capsys, sid, option, target, "--db", scenario_log.path)
            assert code == 0, err
        code, _, err = run(capsys, sid, "--csv", tmp_path / "csv", "--db", scenario_log.path)
        assert code == 0, err
    finally:
        os.umask(old)
    written = [*targets.values(), *(tmp_path / "csv").glob("*.csv")]
    assert len(written) == 5
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in written} == {p.name: 0o600 for p in written}


def access_rows(capsys, db, sid):
    """The `infusion-console access-log --session` table, as the auditor reads it."""
    assert main(["access-log", "--session", str(sid), "--db", str(db)]) == 0
    return capsys.readouterr().out.splitlines()


def test_the_access_log_names_the_exported_file_by_its_absolute_path(capsys, scenario_log,
                                                                     tmp_path, monkeypatch):
    # A path typed relative to where the command ran (QA: "to out1/s1.pdf") cannot be found later.
    sid = scenario_log.facts.ids["esketamine"]
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, sid, "--rems", "out.txt", "--db", scenario_log.path)
    assert code == 0, err
    assert access_rows(capsys, scenario_log.path, sid)[-1].endswith(f"to {tmp_path / 'out.txt'}")


@pytest.fixture
def full_disk(tmp_path):
    """A real 64 KiB tmpfs (unmounted after the test); `fill_up` uses its last byte."""
    disk = tmp_path / "small"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def fill_up(disk):
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with pytest.raises(OSError) as full:
            while True:
                os.write(fd, b"\0" * 4096)
        assert full.value.errno == errno.ENOSPC
    finally:
        os.close(fd)


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("option, name, earlier", [
    ("--pdf", "report.pdf", ["report-last-week.pdf"]),
    ("--fhir", "bundle.json", ["bundle-last-week.json"]),
    ("--rems", "rems.txt", ["rems-last-week.txt"]),
    ("--csv", "csv", ["csv/session-1-observations.csv", "csv/session-1-events.csv"]),
])
def test_an_export_to_a_full_disk_says_so_and_leaves_the_earlier_files(
        capsys, scenario_log, full_disk, option, name, earlier):
    # QA: the PDF was truncated at 65536 bytes and reported written; FHIR left a partial file.
    sid = scenario_log.facts.ids["esketamine"]
    for kept in earlier:
        path = full_disk / kept.format(sid=sid)
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"the export of last week: {kept}\n")
    fill_up(full_disk)
    before = snapshot(full_disk)
    message = one_line_error(*run(capsys, sid, option, full_disk / name, "--db", scenario_log.path))
    assert message.startswith(f"infusion-console export: cannot write {full_disk / name}")
    assert message.endswith(": the disk is full; choose another place to write to")
    assert snapshot(full_disk) == before            # untouched, and no temporary left behind
    # The row written before the file is followed by one saying it was not written.
    rows = access_rows(capsys, scenario_log.path, sid)
    assert rows[-2].endswith(f"to {full_disk / name}")
    assert rows[-1].endswith(f"NOT WRITTEN: {full_disk / name}: the disk is full")


def test_a_device_as_the_target_is_refused_and_left_alone(capsys, scenario_log, tmp_path):
    # QA: `--pdf /dev/full` reported a written report. This is a node of the same device (1, 7),
    # so a test that goes wrong cannot replace the real /dev/full.
    device = tmp_path / "full"
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 7))
    except PermissionError as exc:
        pytest.skip(f"cannot make a device node here (needs root): {exc}")
    sid = scenario_log.facts.ids["esketamine"]
    message = one_line_error(*run(capsys, sid, "--pdf", device, "--db", scenario_log.path))
    assert message == (f"infusion-console export: cannot write {device}: it is not a regular "
                       "file (a folder or a device); choose another place to write to")
    assert stat.S_ISCHR(device.stat().st_mode) and os.listdir(tmp_path) == ["full"]


@pytest.mark.parametrize("option, name, taken", [
    ("--pdf", "report.pdf", "report.pdf"),
    ("--csv", "csv", "csv/session-{sid}-events.csv"),
])
def test_an_export_never_replaces_a_file(capsys, scenario_log, tmp_path, option, name, taken):
    # QA: a second export to the same name replaced the first without a word, a de-identified
    # CSV the identified one (or the reverse: patient data over a file meant for a registry).
    sid = scenario_log.facts.ids["esketamine"]
    path = tmp_path / taken.format(sid=sid)
    path.parent.mkdir(exist_ok=True)
    path.write_text("the export of last week\n")
    before = snapshot(tmp_path)
    message = one_line_error(*run(capsys, sid, option, tmp_path / name, "--db", scenario_log.path))
    thing = "folder" if option == "--csv" else "file name"
    assert message == (f"infusion-console export: {path} exists already: an export never "
                       f"replaces a file (remove it first, or give another {thing})")
    assert snapshot(tmp_path) == before
    assert access_rows(capsys, scenario_log.path, sid)[-1].endswith(
        f"NOT WRITTEN: {tmp_path / name}: {path} exists already: an export never replaces a file "
        f"(remove it first, or give another {thing})")


def test_identified_and_deidentified_csv_files_stand_side_by_side(capsys, scenario_log, tmp_path):
    sid = scenario_log.facts.ids["esketamine"]
    assert run(capsys, sid, "--csv", tmp_path, "--db", scenario_log.path)[0] == 0
    code, out, err = run(capsys, sid, "--csv", tmp_path, "--deidentify", "--db", scenario_log.path)
    assert (code, err) == (0, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"session-{sid}-deidentified-events.csv", f"session-{sid}-deidentified-observations.csv",
        f"session-{sid}-events.csv", f"session-{sid}-observations.csv"]
    assert "MRN-5820" in (tmp_path / f"session-{sid}-events.csv").read_text(
        encoding="utf-8-sig")
    assert "MRN-5820" not in (tmp_path / f"session-{sid}-deidentified-events.csv").read_text(
        encoding="utf-8-sig")
    # Both with the byte-order mark Excel needs to read them as UTF-8.
    assert all(p.read_bytes().startswith("\ufeff".encode()) for p in tmp_path.iterdir())


def test_no_rems_form_is_written_from_a_deidentified_session(capsys, scenario_log, tmp_path):
    sid = scenario_log.facts.ids["esketamine"]
    message = one_line_error(*run(capsys, sid, "--rems", tmp_path / "rems.txt", "--deidentify",
                                  "--db", scenario_log.path))
    assert "a de-identified form (a pseudonym, a moved date) would be a wrong form" in message
    assert list(tmp_path.iterdir()) == []


def test_a_file_given_as_the_csv_folder_is_named_as_such(capsys, scenario_log, tmp_path):
    sid = scenario_log.facts.ids["esketamine"]
    report = tmp_path / "s2.pdf"
    report.write_bytes(b"%PDF last week")
    message = one_line_error(*run(capsys, sid, "--csv", report, "--db", scenario_log.path))
    assert message == (f"infusion-console export: --csv takes a folder, and {report} is a file: "
                       "give the folder to write the two CSV files into")
    assert report.read_bytes() == b"%PDF last week"

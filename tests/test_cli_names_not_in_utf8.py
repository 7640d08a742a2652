"""A `--patient` or `--nurse` whose bytes are not UTF-8: a chair's launcher or a script saved in
Latin-1 ("Zoë", "José" with one byte for the accented letter), a legacy terminal. Python hands
such an argument on with a surrogate escape for each such byte, which no record can hold: the
log's hash raised UnicodeEncodeError. README: "Every failure a user can cause ends in one line
that says what is wrong and what to do, with a non-zero exit; never a traceback." The start check
refused a control character in --patient but let a surrogate through, and took any --nurse that
was not empty; a session left open, resumed with such a --nurse, never came back on screen."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from console.records import ENGINE
from console.session.start_checks import StartEntry, check_start, command_line_text
from console.ui.app import StartError
from protocols.loader import builtin_protocols_dir, load_protocols
from tests.ui.test_app_start import left_open, options, started  # noqa: F401 - fixture

BIN = Path(sys.executable).parent
ZOE, JOSE = b"Zo\xeb", b"Jos\xe9"   # in Latin-1
NOT_UTF8 = "is not readable text (its bytes are not UTF-8): type it again in a UTF-8 terminal."


def _rows(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        return (conn.execute("SELECT count(*) FROM sessions").fetchone()[0],
                conn.execute("SELECT count(*) FROM events").fetchone()[0])


@pytest.mark.parametrize(("option", "said"), [
    (b"--patient", f"--patient: The identifier {NOT_UTF8}"),
    (b"--nurse", f"--nurse: The name {NOT_UTF8}")], ids=["patient", "nurse"])
def test_a_name_not_in_utf8_is_refused_in_one_line_not_a_traceback(tmp_path, option, said):
    given = {b"--patient": b"MRN-5", b"--nurse": b"Ana"}
    given[option] = ZOE
    db = tmp_path / "log.sqlite3"
    result = subprocess.run(
        [BIN / "infusion-console", "--db", str(db), "--protocol", "iv-ketamine", "--weight", "70",
         b"--patient", given[b"--patient"], b"--nurse", given[b"--nurse"]],
        capture_output=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "LC_ALL": "C.UTF-8"})
    err = result.stderr.decode("utf-8", "backslashreplace")
    assert (result.returncode, err) == (2, f"infusion-console: {said}\n")
    assert not db.exists()   # a refused start makes no log
    assert not list(tmp_path.glob("crash-*.txt"))


def test_the_start_check_says_so_of_the_patient_and_the_nurse():
    """The start screen's words and the command line's are one check's (start_checks.py)."""
    loaded = load_protocols([builtin_protocols_dir()])
    check = check_start(StartEntry(os.fsdecode(ZOE), "70", "iv-ketamine", os.fsdecode(JOSE)),
                        loaded.protocols)
    assert command_line_text(check.problems) == (f"--patient: The identifier {NOT_UTF8} "
                                                 f"--nurse: The name {NOT_UTF8}")


def test_the_launchers_start_meeting_the_session_left_open_is_refused_in_one_line(
        started, tmp_path):
    """The same launcher line after a crash meets the session left open (README: "Started
    again with the same --protocol and --patient ... the console resumes that session itself"):
    refused as a start with a bad --weight is, nothing written; typed again, it resumes it."""
    sid = left_open(tmp_path, hours_ago=0.3)
    before = _rows(tmp_path / "log.sqlite3")
    start = ("--protocol", "iv-ketamine", "--patient", "MRN-94", "--weight", "70", "--nurse")
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, *start, os.fsdecode(JOSE)))
    assert str(refused.value) == f"--nurse: The name {NOT_UTF8}"
    assert _rows(tmp_path / "log.sqlite3") == before
    window = started(options(tmp_path, *start, "José"))
    assert window.controller is not None and window.controller.view.session_id == sid


def test_resume_with_such_a_nurse_brings_the_session_back_by_the_console(started, tmp_path,
                                                                          capsys):
    """`--resume N` is refused only when there is nothing to resume: the session comes back
    with its alarms, resumed by the console and not handed over (as on a log with accounts),
    and stderr says why the name is not recorded."""
    sid = left_open(tmp_path, hours_ago=0.3)
    window = started(options(tmp_path, "--resume", str(sid), "--nurse", os.fsdecode(JOSE)))
    assert window.controller is not None and window.controller.view.session_id == sid
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT kind, actor FROM events WHERE kind IN "
                            "('session_resumed', 'handed_over')").fetchall() == [
            ("session_resumed", ENGINE)]
    assert capsys.readouterr().err == (
        f"infusion-console: --nurse: The name {NOT_UTF8} It is not recorded: the session is "
        "resumed by the console, and its nurse runs it still\n")


def test_the_demo_with_such_a_nurse_is_refused_in_one_line(started, tmp_path):
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--demo", "--nurse", os.fsdecode(JOSE)))
    assert str(refused.value) == f"--nurse: The name {NOT_UTF8}"
    assert not (tmp_path / "log.sqlite3").exists()


def test_a_nurse_typed_with_spaces_around_is_logged_without_them(started, tmp_path):
    """As the start screen takes her name (`StartRequest.nurse`, trimmed)."""
    window = started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-1",
                             "--weight", "70", "--nurse", "  Ana "))
    assert window.controller is not None
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT nurse FROM sessions").fetchall() == [("Ana",)]

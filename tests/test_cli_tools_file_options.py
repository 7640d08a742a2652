"""The file options of the device and protocol tools as a launcher or a script gives them.

README: "every file option of the other commands may start with `~` even where no shell
expands it"; `decode FILE`, `protocols FILE` and `infusion-sim --scenario-file/--replay` read a
file named `~/...` in the current folder instead (devices/usage.py `home_path`). And
`infusion-sim --list | head -3` ended in a BrokenPipeError traceback, where every other command
ends quietly with the shell's 141; `export --csv ""` (a variable left unset) wrote the CSV files
into the current folder without a word.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from console.cli import main
from devices.simulator.cli import main as sim_main
from tests.test_cli import SIM

HEX = b"c0 11 01 00 22 33 44 55 66 77 88 c1\n"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own, and a current folder elsewhere."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "started here"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


def test_decode_reads_a_capture_in_the_home_folder(home, capsys):
    (home / "capture.txt").write_bytes(HEX)
    assert main(["decode", "--format", "intellivue", "~/capture.txt"]) == 0
    assert capsys.readouterr().err.startswith(f"{home / 'capture.txt'} (intellivue): ")


def test_decode_names_a_user_without_a_home_in_one_line(home, capsys):
    assert main(["decode", "--format", "intellivue", "~no-such-user-x/c.bin"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("infusion-console decode: error: argument FILE: ~no-such-user-x/c.bin: "
                          "the user no-such-user-x has no home folder on this computer")
    assert err.count("\n") == 1


def test_protocols_checks_a_file_in_the_home_folder(home, capsys):
    (home / "mine.toml").write_text("not = [a protocol\n", encoding="utf-8")
    assert main(["protocols", "~/mine.toml"]) == 1
    assert capsys.readouterr().out.startswith(f"{home / 'mine.toml'}: refused: ")


def test_the_simulator_replays_and_plays_files_in_the_home_folder(home, capsys, monkeypatch):
    (home / "scenario.toml").write_text("not = [a scenario\n", encoding="utf-8")
    assert sim_main(["--scenario-file", "~/scenario.toml"]) == 2
    assert str(home / "scenario.toml") in capsys.readouterr().err
    assert sim_main(["--replay", "~/none.bin"]) == 2
    assert capsys.readouterr().err == (f"infusion-sim: error: --replay: cannot read "
                                       f"{home / 'none.bin'}: No such file or directory\n")


def test_the_simulators_list_into_a_closed_pipe_ends_quietly():
    assert SIM, "infusion-sim is not installed in this environment"
    read_end, write_end = os.pipe()
    os.close(read_end)   # `infusion-sim --list | head -0`: the reader is gone before a line
    try:
        done = subprocess.run([SIM, "--list"], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


@pytest.mark.parametrize("option", ["--csv", "--pdf", "--fhir", "--rems"])
def test_an_empty_export_path_is_refused_naming_the_option(home, capsys, option):
    with pytest.raises(SystemExit) as stopped:
        main(["export", "1", option, "", "--db", str(home / "none.sqlite3")])
    assert stopped.value.code == 2
    assert capsys.readouterr() == ("", f"infusion-console export: argument {option}: an empty "
                                       "path: give the file or folder to write to (see --help)\n")
    assert list(Path.cwd().iterdir()) == []

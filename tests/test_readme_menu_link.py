"""The README's line that puts `infusion-console` on the desktop's PATH works as pasted on a
station with two venvs (CI's run on Python 3.12+ and `PYTHON=python3.13 ./test.sh` leave a second
one), and again on a station where it was done before: `ln -s .venv-3.*` got two targets of one
name and said "File exists", exit 1."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_line() -> str:
    lines = [line for line in README.read_text(encoding="utf-8").splitlines()
             if line.startswith("ln -s") and "infusion-console" in line and "~/.local/bin/" in line]
    assert len(lines) == 1, lines
    return re.sub(r"\s+#[^']*$", "", lines[0])   # the command, without its comment


def test_the_menu_link_line_links_run_sh_s_venv_with_two_venvs_and_twice(tmp_path: Path) -> None:
    project = tmp_path / "infusion-console"
    ours = "%d.%d" % sys.version_info[:2]
    for version in sorted({"3.11", "3.13", ours}):   # as bootstrap.sh names them
        script = project / f".venv-{version}" / "bin" / "infusion-console"
        script.parent.mkdir(parents=True)
        script.write_text(f"#!/bin/sh\necho {version}\n")
        script.chmod(0o755)
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)   # the README's mkdir -p line before it
    bin_dir = Path(sys.executable).parent   # a python3 of this version first, as run.sh's
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "python3").symlink_to(sys.executable)
    env = {"HOME": str(home), "PATH": f"{tmp_path / 'py'}:{bin_dir}:/usr/bin:/bin"}
    for _ in range(2):
        done = subprocess.run(["bash", "-c", _readme_line()], cwd=project, capture_output=True,
                              text=True, env=env)
        assert (done.returncode, done.stderr) == (0, "")
    linked = home / ".local" / "bin" / "infusion-console"
    assert subprocess.run([str(linked)], capture_output=True, text=True).stdout.strip() == ours

"""A start from the command line that its checks refuse (a weight out of range, no --nurse, an
unknown protocol) leaves nothing behind: the log had been created first, so a --db path where
there was none held a new, empty log after the one-line refusal."""

from __future__ import annotations

import pytest

from console.cli import main

START = ["--device", "/dev/null", "--patient", "MRN-9", "--protocol", "iv-ketamine"]


@pytest.mark.parametrize("refused, said", [
    (["--weight", "9999", "--nurse", "ana"], "--weight: 9999 kg is outside"),
    (["--weight", "70"], "--nurse: Required"),
    (["--weight", "70", "--nurse", "ana", "--protocol", "nope"], "--protocol: Unknown protocol"),
])
def test_a_refused_start_creates_no_log(tmp_path, capsys, refused, said):
    db = tmp_path / "new.sqlite3"
    assert main(["--db", str(db), *START, *refused]) == 2
    assert capsys.readouterr().err.startswith(f"infusion-console: {said}")
    assert list(tmp_path.iterdir()) == []

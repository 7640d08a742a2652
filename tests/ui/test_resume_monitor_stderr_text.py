"""Which monitor a resumed session reads (review 44): the stderr line for a mistyped monitor at
--resume had read "...intellivue.; the session is resumed"."""
from __future__ import annotations

from console.ui.app import _say_monitor_problems


def test_mistyped_monitor_line_reads_cleanly(capsys) -> None:
    _say_monitor_problems("masimmo", "--device-profile", "loop://")
    err = capsys.readouterr().err
    assert "masimmo" in err
    assert ".;" not in err, err

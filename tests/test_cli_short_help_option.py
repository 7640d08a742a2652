"""`infusion-console -h` prints the window's help, as `--help` does: a short option is an
option, not a command mistyped ("unknown command '-h'" would send the nurse looking for a
command that was never meant)."""

from __future__ import annotations

import pytest

from console.cli import main


def test_short_help_prints_the_usage_and_names_no_unknown_command(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["-h"])
    assert done.value.code == 0
    captured = capsys.readouterr()
    assert "unknown command" not in captured.err
    assert captured.out.startswith("usage:"), captured.out

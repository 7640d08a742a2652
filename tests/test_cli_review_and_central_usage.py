"""A wrong option of `infusion-console review` or `central` is one line with exit 2, as every
other command's (console/cli.py, `devices.usage.OneLineParser`): both printed argparse's usage
block (2-6 lines) before the error."""

from __future__ import annotations

import pytest

from console.cli import main


@pytest.mark.parametrize("argv, said", [
    (["review", "--theme", "pink"], "argument --theme: invalid choice: 'pink'"),
    (["review", "--lock-after", "0"], "argument --lock-after: "),
    (["central", "--bogus"], "unrecognized arguments: --bogus"),
    (["central", "--theme", "pink"], "argument --theme: invalid choice: 'pink'"),
])
def test_a_wrong_option_is_one_line(capsys, argv, said):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    out, err = capsys.readouterr()
    prog = f"infusion-console {argv[0]}"
    assert out == ""
    assert err.startswith(f"{prog}: error: {said}") and err.count("\n") == 1, err
    assert err.endswith(f"(see {prog} --help)\n")

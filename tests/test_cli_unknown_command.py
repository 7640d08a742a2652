"""A first word that is neither an option nor a command: "unknown command", with the commands
there are, as `network bogus` says it (a review: `infusion-console verfy` said "unrecognized
arguments: verfy", which reads as an option's mistake, and named no command)."""

from __future__ import annotations

import pytest

from console.cli import main

UNKNOWN = ("infusion-console: unknown command {word!r}; the commands are: decode, devices, "
           "protocols, verify, backup, export, review, central, network, staff, access-log "
           "(infusion-console --help)\n")


@pytest.mark.parametrize("argv", [["verfy"], ["verfy", "--db", "x.sqlite3"], ["Verify"],
                                  ["setup", "--chairs", "2"]])
def test_a_mistyped_command_is_named_with_the_commands_there_are(capsys, argv):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", UNKNOWN.format(word=argv[0]))


def test_a_mistyped_option_is_still_argparses_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--dmeo"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("infusion-console: error: unrecognized arguments: --dmeo"), err


def test_the_window_takes_no_word_but_its_options():
    """What makes a first word that is no option a command mistyped."""
    from console.cli import gui_parser

    assert [a.dest for a in gui_parser()._actions if not a.option_strings] == []

"""The command-line tools' argument parser (a usage error is one line, never argparse's usage
block), and their end when the reader of their output goes away.

`infusion-console` promises that every failure a user can cause ends in one line that says what
is wrong and what to do (console/cli.py): argparse's own error() prints the whole usage block
first (14 lines for `--theme pink`). Here for console/ and devices/ (devices never imports
console); protocols/ imports neither and keeps the same error() of its own.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Final, NoReturn

USAGE_EXIT: Final = 2
"""Exit status of a usage error, as argparse's."""
CLOSED_PIPE_STATUS: Final = 141
"""What a shell reports for a program stopped by SIGPIPE (128 + 13): no command's own status."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr with exit status 2:
    `PROG: error: MESSAGE (see PROG --help)`; --help is unchanged."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_EXIT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def stdout_closed() -> int:
    """After a BrokenPipeError on stdout (`... | head`: the reader went away): point stdout at
    nothing, so the flush at exit fails no more (Python's own advice), and return the status
    to exit with, quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return CLOSED_PIPE_STATUS


def home_path(value: str) -> str:
    """An option's file name with a leading `~` or `~user` made that home folder, where no shell
    expanded it (a desktop launcher, a systemd unit, a quoted "~/x"): the argparse type of
    devices' file options, as console.paths.user_path is of console's (devices never imports
    console). "-" (standard input) and every other name stay as given.

    Raises:
        argparse.ArgumentTypeError: a `~user` this computer does not have (one line, exit 2).
    """
    if not value.startswith("~"):
        return value
    try:
        return str(Path(value).expanduser())
    except RuntimeError:   # pathlib: "Could not determine home directory."
        user = Path(value).parts[0][1:]
        who = f"the user {user}" if user else "the user running it"
        raise argparse.ArgumentTypeError(
            f"{value}: {who} has no home folder on this computer (a path written on another "
            "one?); give an absolute path") from None

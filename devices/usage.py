"""The command-line tools' argument parser: a usage error is one line, never argparse's usage block.

`infusion-console` promises that every failure a user can cause ends in one line that says what
is wrong and what to do (console/cli.py): argparse's own error() prints the whole usage block
first (14 lines for `--theme pink`). Here for console/ and devices/ (devices never imports
console); protocols/ imports neither and keeps the same error() of its own.
"""

from __future__ import annotations

import argparse
from typing import Final, NoReturn

USAGE_EXIT: Final = 2
"""Exit status of a usage error, as argparse's."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr with exit status 2:
    `PROG: error: MESSAGE (see PROG --help)`; --help is unchanged."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_EXIT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

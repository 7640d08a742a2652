"""The Session page's advice to run `verify` keeps a log path with a space whole when it is
pasted into a terminal (shlex.quote, as the command line's own advice does)."""

from __future__ import annotations

import shlex

from console.review.content import chain_banner
from console.review.model import ChainCheck


def test_the_verify_advice_quotes_a_log_path_with_a_space() -> None:
    log = "/srv/Clinic Logs/sessions.sqlite3"
    check = ChainCheck(rows_checked=12, first_bad=("observations", 7),
                       message="observations row 7 was edited", bad_rows=1)
    banner = chain_banner(check, None, log)
    command = banner.split("Check the whole log with: ", 1)[1].split(";", 1)[0]
    assert command == f"infusion-console verify --db '{log}'"
    assert shlex.split(command)[-1] == log

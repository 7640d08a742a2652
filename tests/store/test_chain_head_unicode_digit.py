"""A chain head in meta garbled so that its id is a character str.isdigit() takes for a digit
but int() refuses (a superscript two): `verify` ended in a traceback, and every write of the
console raised ValueError (a console fault) instead of holding its records as for any other
garbled head. Both now name the row and what it holds, as for any unreadable head."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.cli import main
from console.store import EventLog, LogError

from . import VERSION, event, filled_log

def garble(db: Path, digits: str = "²") -> str:
    """Replace the id of the events table's chain head with `digits`; return the new value."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("UPDATE meta SET value = ? || ' ' || substr(value, instr(value, ' ') + 1) "
                 "WHERE key = 'chain_head.events'", [digits])
    (value,) = conn.execute("SELECT value FROM meta WHERE key = 'chain_head.events'").fetchone()
    conn.close()
    return str(value)


def said(value: str) -> str:
    return ("events: the log's record of where the table ends (meta row chain_head.events) "
            f"holds {value[:40]!r}, not \"<id> <hash>\": it was edited outside the console or "
            "is damaged, so rows missing from its end cannot be told")


@pytest.mark.parametrize("digits", ["²", "٢"], ids=["superscript", "arabic-indic"])
def test_verify_names_a_chain_head_garbled_into_another_scripts_digit(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, digits: str) -> None:
    db, _ = filled_log(tmp_path)
    value = garble(db, digits)
    code = main(["verify", "--db", str(db)])
    out, _ = capsys.readouterr()
    assert (code, out) == (1, f"{db}: {said(value)}\n")


def test_a_write_after_it_holds_its_records_as_for_any_garbled_head(tmp_path: Path) -> None:
    db, sid = filled_log(tmp_path)
    value = garble(db)
    with EventLog.open(db, VERSION) as log, pytest.raises(LogError) as refused:
        log.write([event(sid, 20)])
    assert refused.value.cause == "corrupt"
    assert said(value) in str(refused.value)

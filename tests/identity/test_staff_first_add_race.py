"""A refused first `staff add` removes the log it created even when a console opened that same
new log while the command waited for the PIN: the console's session is then written to a file no
longer on disk, and lost at its next start."""

from __future__ import annotations

from pathlib import Path

import pytest

import console.identity.cli as identity_cli
from console.cli import main
from console.store import EventLog
from console.version import VERSION
from tests.identity.accounts import QA_ADMIN, secret_fd
from tests.store import opened


def _first_add_while_a_console_opens_the_log(db: Path, pin: str,
                                              monkeypatch: pytest.MonkeyPatch) -> tuple[int, EventLog]:
    """`staff add` of the first administrator with `pin`, the chair's console started on the
    same new log while the IT person types it: (exit status, the console's log)."""
    real = identity_cli.read_new_secret
    consoles: list[EventLog] = []

    def slow_typist(*args, **kwargs):
        consoles.append(EventLog.open(db, VERSION))
        return real(*args, **kwargs)

    monkeypatch.setattr(identity_cli, "read_new_secret", slow_typist)
    code = main(["staff", "add", "--db", str(db), "--name", QA_ADMIN, "--roles",
                 "administrator", "--secret-fd", str(secret_fd(pin))])
    return code, consoles[0]


def test_a_refused_first_add_never_removes_a_log_a_console_opened_meanwhile(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "sessions.sqlite3"
    code, console = _first_add_while_a_console_opens_the_log(db, "12a4", monkeypatch)   # weak
    capsys.readouterr()
    assert code == 2
    sid = console.start_session(opened())   # the nurse starts the patient's session
    console.close()
    assert db.exists(), "the session log the console is writing was deleted from the disk"
    with EventLog.open(db, VERSION) as again:
        assert again.conn.execute("SELECT COUNT(*) FROM sessions WHERE id = ?",
                                  (sid,)).fetchone()[0] == 1


def test_a_first_add_never_writes_over_a_log_a_console_opened_meanwhile(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The PIN is good this time: the account is built beside the path and put in place only if
    # nothing is there; the console's log is left as it is, and the command says so.
    db = tmp_path / "sessions.sqlite3"
    code, console = _first_add_while_a_console_opens_the_log(db, "739164", monkeypatch)
    err = capsys.readouterr().err
    assert code == 2 and "a file appeared at" in err and "run the command again" in err
    console.close()
    with EventLog.open(db, VERSION) as again:
        assert again.conn.execute("SELECT COUNT(*) FROM staff").fetchone()[0] == 0
    assert [p.name for p in tmp_path.iterdir() if ".new-" in p.name] == []

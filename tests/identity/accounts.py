"""Accounts for tests and QA scripts: how a command-line session names an account (issue 13).

Every `infusion-console export` (and every `staff` command once a log has an administrator) needs
a sign-in whose secret comes from the terminal or a file descriptor, never an argument. The test
suite therefore:

1. creates the account in the test's own log with `ensure_account(db, ...)`: the real `Staff`
   API with the production Argon2id hasher. The first call on a log also creates its first
   administrator, `QA Administrator` with `QA_ADMIN_PIN` (an administrator may export
   identified records, so most export tests sign in as it: `EXPORTER`);
2. passes the PIN on a pipe: `secret_fd(pin)` returns the read end of a pipe holding the PIN and a
   newline, for `--secret-fd N` (in-process), and `child_sign_in(name, pin)` returns the
   arguments and the `pass_fds` for a child process.

The PINs here are test constants, not secrets: no environment variable, no file.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from console.identity import Account, SecretKind, Staff
from console.store import EventLog

QA_ADMIN = "QA Administrator"
QA_ADMIN_PIN = "70914263"
EXPORTER, EXPORTER_PIN = QA_ADMIN, QA_ADMIN_PIN
CREATED_AT = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)


def ensure_account(db: Path, name: str = QA_ADMIN, roles: str = "administrator",
                   pin: str = QA_ADMIN_PIN, badge: str | None = None) -> Account:
    """The active account `name` in the log at `db`, created (with its PIN) when absent; the
    log's first administrator `QA Administrator` is created first when the log has none."""
    with EventLog.open(db, "test") as log:
        staff = Staff(log)
        if not staff.has_any_administrator():
            staff.add(QA_ADMIN, "administrator", QA_ADMIN_PIN, SecretKind.PIN, None, CREATED_AT)
        found = staff.find(name)
        if found is not None and found.active:
            return found
        admin = staff.find(QA_ADMIN)
        assert admin is not None
        return staff.add(name, roles, pin, SecretKind.PIN, admin, CREATED_AT, badge=badge)


def secret_fd(secret: str) -> int:
    """The read end of a pipe holding `secret` and a newline (for `--secret-fd`); whoever reads
    it closes it."""
    read, write = os.pipe()
    os.write(write, (secret + "\n").encode())
    os.close(write)
    return read


def sign_in_args(name: str = EXPORTER, pin: str = EXPORTER_PIN) -> list[str]:
    """`--account NAME --secret-fd N` for an in-process `console.cli.main([...])`."""
    return ["--account", name, "--secret-fd", str(secret_fd(pin))]


def child_sign_in(name: str = EXPORTER, pin: str = EXPORTER_PIN) -> tuple[list[str], tuple[int]]:
    """(`--account NAME --secret-fd N`, pass_fds) for a child process; the caller closes the fd
    after starting the child (`close_fds`)."""
    fd = secret_fd(pin)
    return ["--account", name, "--secret-fd", str(fd)], (fd,)


def close_fds(fds: tuple[int, ...]) -> None:
    """Close our copies of descriptors handed to a child."""
    for fd in fds:
        os.close(fd)

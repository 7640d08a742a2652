"""`staff reset` of a disabled account: refused before the new PIN is asked for, naming the way
forward (`staff enable`, which gives it a new PIN with a reason)."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from .accounts import secret_fd
from .test_cli import PIN, as_admin, one_line_error, rows, staff, with_admin

__all__ = ["with_admin"]   # the fixture, shared with test_cli.py


def test_reset_of_a_disabled_account_is_refused_before_the_new_pin_is_typed(
        with_admin: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert staff(capsys, "add", "--name", "Ana Nurse", "--roles", "nurse", "--secret-fd",
                 secret_fd(PIN), "--db", with_admin, *as_admin())[0] == 0
    assert staff(capsys, "disable", "Ana Nurse", "--reason", "left", "--db", with_admin,
                 *as_admin())[0] == 0
    prompts: list[str] = []

    def typed(prompt: str = "", stream: object = None) -> str:
        prompts.append(prompt)
        return "30571946"

    monkeypatch.setattr(getpass, "getpass", typed)
    error = one_line_error(*staff(capsys, "reset", "Ana Nurse", "--db", with_admin, *as_admin()),
                           "infusion-console staff reset: ")
    assert prompts == [], f"asked {prompts} before refusing: {error}"
    assert error.endswith(
        "Ana Nurse (account 2) is disabled: a disabled account keeps no secret to reset; "
        "enable it with a new PIN or password: infusion-console staff enable 'Ana Nurse' "
        "--reason TEXT")
    assert rows(with_admin, "SELECT count(*) FROM staff WHERE account = 2") == [(2,)]

"""The first account's `add` when an administrator was created meanwhile (a review):
the refusal says so, names the administrator and that nothing was created; it had
said only "managing staff needs an administrator's sign-in"."""

from __future__ import annotations

import pytest

from console.identity import Account, NotPermittedError, SecretKind, Staff
from tests.identity.conftest import ADMIN, t


def test_a_first_add_after_an_administrator_appeared_says_one_exists(staff: Staff,
                                                                     admin: Account) -> None:
    # `admin` was added with nobody signed in (the command line's first `add`); a second first
    # add (the console's first-administrator dialog, or another terminal) comes after it.
    with pytest.raises(NotPermittedError) as refused:
        staff.add("Bo Admin", "administrator", "61829305", SecretKind.PIN, None, t(5))
    assert str(refused.value) == (
        f"an administrator exists now ({ADMIN}, account {admin.id}): nothing was created; "
        "adding an account needs an administrator's sign-in")
    assert [a.name for a in staff.list()] == [ADMIN]

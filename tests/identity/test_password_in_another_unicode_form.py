"""A password set with its accents as separate marks (NFD: a file written on a Mac, a password
manager, given to `staff add --secret-fd`) signs in when typed at the chair, where Qt gives the
composed form (NFC). NIST SP 800-63B 5.1.1.2: the verifier normalizes Unicode before hashing.
Before, every try was "do not match an account" and counted towards the lock-out."""
from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher, Type

from console.identity import Argon2Hasher, SecretKind, Staff
from console.identity.roles import Action
from console.store import EventLog

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TYPED = "Café-Zürich-7"                       # as typed in the lock bar (NFC)
SET_AS = unicodedata.normalize("NFD", TYPED)  # as read from an NFD file by --secret-fd


def _hasher() -> Argon2Hasher:
    return Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)


def test_a_password_set_decomposed_signs_in_as_typed(tmp_path):
    assert SET_AS != TYPED
    with EventLog.open(tmp_path / "s.db", "test") as log:
        staff = Staff(log, _hasher())
        admin = staff.add("Ada Admin", "administrator", "58203914", SecretKind.PIN, None, T0)
        staff.add("Ana Nurse", "nurse", SET_AS, SecretKind.PASSWORD, admin, T0)
        typed = staff.sign_in("Ana Nurse", TYPED, T0 + timedelta(seconds=5), "chair 1",
                              may=Action.RUN_SESSION)
        assert typed.ok, typed.message
        wrong = staff.sign_in("Ana Nurse", "Cafe-Zurich-7", T0 + timedelta(seconds=9), "chair 1",
                              may=Action.RUN_SESSION)
        assert not wrong.ok   # the accents still count: only the form is the same


def test_a_hash_made_before_normalizing_still_signs_in():
    # An account whose password was hashed as given (decomposed) keeps signing in with it.
    raw = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=32, salt_len=16,
                         type=Type.ID)
    stored = raw.hash(SET_AS)
    assert _hasher().verify(stored, SET_AS)
    assert _hasher().verify(stored, TYPED)   # typed at the chair, composed
    assert not _hasher().verify(stored, "Cafe-Zurich-7")

"""Secrets: the production Argon2id parameters (asserted, not timed: the measured time of one
check is in console/identity/secrets.py and SCHEMA.md), what a PIN or password must be, and
checking one."""

from __future__ import annotations

import pytest

from console.identity.secrets import (
    MEMORY_COST_KIB,
    PARALLELISM,
    TIME_COST,
    Argon2Hasher,
    SecretError,
    SecretKind,
    check_secret,
)


def test_the_production_parameters_are_the_ones_measured_and_written_down() -> None:
    # 3 passes over 64 MiB in one lane: >= 124 ms per check on the build machine (secrets.py).
    assert (TIME_COST, MEMORY_COST_KIB, PARALLELISM) == (3, 65536, 1)
    hasher = Argon2Hasher()
    assert hasher.parameters == {"type": "argon2id", "time_cost": 3, "memory_cost_kib": 65536,
                                 "parallelism": 1, "hash_len": 32, "salt_len": 16}
    stored = hasher.hash("58203914")
    # The PHC string carries the algorithm and the parameters; the salt makes each hash unique.
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert "58203914" not in stored
    assert hasher.hash("58203914") != stored
    assert hasher.verify(stored, "58203914")
    assert not hasher.verify(stored, "58203915")
    assert not hasher.needs_rehash(stored)


def test_a_hash_made_with_other_parameters_still_verifies_and_asks_for_a_rehash() -> None:
    old = Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1).hash("4711")
    current = Argon2Hasher()
    assert current.verify(old, "4711")
    assert current.needs_rehash(old)


@pytest.mark.parametrize("damaged", ["", "4711", "$argon2id$v=19$m=8,t=1,p=1$xx$yy",
                                     "$2b$12$abcdefghijklmnopqrstuv"])
def test_a_damaged_hash_lets_nobody_in(damaged: str) -> None:
    hasher = Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
    assert not hasher.verify(damaged, "4711")
    assert hasher.needs_rehash(damaged)


@pytest.mark.parametrize("pin", ["4711", "1235", "0012", "582039147716"])
def test_pins_of_4_to_12_digits_are_accepted(pin: str) -> None:
    check_secret(pin, SecretKind.PIN)


@pytest.mark.parametrize(("pin", "message"), [
    ("", "the PIN is empty: a PIN is 4 to 12 digits (0-9)"),
    ("471", "a PIN needs at least 4 digits; this one has 3"),
    ("47a1", "a PIN may hold only digits 0-9 (4 to 12 of them); this one holds other "
             "characters: choose digits only, or make it a password"),
    ("4 711", "a PIN may hold only digits 0-9"),
    ("٤٧١١٢", "a PIN may hold only digits 0-9"),          # Arabic-Indic digits are not 0-9
    ("1234567890123", "a PIN has at most 12 digits; this one has 13: make it a password instead"),
    ("0000", "a PIN of one digit repeated, or of digits counting up or down one by one, is "
             "the first a stranger tries: choose another"),
    ("1234", "a PIN of one digit repeated"),
    ("987654", "a PIN of one digit repeated"),
    ("123456789", "a PIN of one digit repeated"),
])
def test_a_bad_pin_is_refused_saying_what_is_allowed(pin: str, message: str) -> None:
    with pytest.raises(SecretError) as refused:
        check_secret(pin, SecretKind.PIN)
    assert str(refused.value).startswith(message)
    if pin.strip():
        assert pin not in str(refused.value)          # the message never quotes the secret


@pytest.mark.parametrize(("password", "message"), [
    ("short1!", "a password needs at least 8 characters; this one has 7"),
    (" " * 9, "a password may not be only spaces"),
    ("x" * 257, "a password has at most 256 characters; this one has 257"),
    ("aaaaaaaa", "a password of one character repeated, of characters counting"),
    ("12345678", "a password of one character repeated, of characters counting"),
    ("HGFEDCBA", "a password of one character repeated, of characters counting"),
    ("Password1", "a password of one character repeated, of characters counting up or down "
                  "one by one, or among the commonest passwords is the first a stranger tries: "
                  "choose another"),
])
def test_a_bad_password_is_refused_saying_what_is_allowed(password: str, message: str) -> None:
    with pytest.raises(SecretError, match="^" + message.replace("(", r"\(")):
        check_secret(password, SecretKind.PASSWORD)


def test_passwords_of_8_characters_or_more_are_accepted() -> None:
    check_secret("correct horse", SecretKind.PASSWORD)
    check_secret("Ünïcødé!", SecretKind.PASSWORD)

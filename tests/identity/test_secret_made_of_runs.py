"""A PIN or password made only of runs of repeated or counting characters is refused.

console/identity/secrets.py quotes NIST SP 800-63B 5.1.1.2: a new memorized secret is refused
when it is of "repetitive or sequential characters (e.g. 'aaaaaa', '1234abcd')". Only a secret
of one run was refused (1234, abcdefgh), so NIST's own example, "1234abcd", was taken as an
account's password, and "00001111" as a PIN. Runs of 4 or more each are refused; a secret that
merely holds one (a word after "1234") is not. A review of the identity layer.
"""

from __future__ import annotations

import pytest

from console.identity.secrets import SecretError, SecretKind, check_secret

RUNS = ("a password made only of runs of 4 or more characters, each one character repeated or "
        "counting up or down one by one (as 1111, abcd or 4321), is the first a stranger tries: "
        "choose another")


@pytest.mark.parametrize("password", [
    "1234abcd",          # NIST SP 800-63B's own example
    "ABCD1234", "abcd4321", "zyxw9876", "aaaa1111", "1111aaaa", "12345555", "qqqqrrrrssss",
    "abcdabcd", "9876zyxw",
])
def test_a_password_of_runs_is_refused_saying_why(password: str) -> None:
    with pytest.raises(SecretError) as refused:
        check_secret(password, SecretKind.PASSWORD)
    assert str(refused.value) == RUNS
    assert password not in str(refused.value)


@pytest.mark.parametrize("pin", ["00001111", "12349876", "11112222", "98761234"])
def test_a_pin_of_runs_is_refused_saying_why(pin: str) -> None:
    with pytest.raises(SecretError) as refused:
        check_secret(pin, SecretKind.PIN)
    assert str(refused.value) == (
        "a PIN made only of runs of 4 or more digits, each one digit repeated or counting up or "
        "down one by one (as 0000, 1234 or 9876), is the first a stranger tries: choose another")
    assert pin not in str(refused.value)


@pytest.mark.parametrize(("secret", "kind"), [
    ("1234abce", SecretKind.PASSWORD),          # the last run is three long: "abc" then "e"
    ("1234 harbour", SecretKind.PASSWORD),      # a run with a word
    ("abc12345x", SecretKind.PASSWORD),
    ("aaabbbcccddd", SecretKind.PASSWORD),      # runs of three
    ("12347", SecretKind.PIN),
    ("00011122", SecretKind.PIN),
    ("271828", SecretKind.PIN),
])
def test_a_secret_only_holding_a_run_is_accepted(secret: str, kind: SecretKind) -> None:
    check_secret(secret, kind)


def test_one_run_keeps_its_own_message() -> None:
    with pytest.raises(SecretError, match="^a password of one character repeated, of characters "
                                          "counting up or down one by one, or among"):
        check_secret("abcdefgh", SecretKind.PASSWORD)

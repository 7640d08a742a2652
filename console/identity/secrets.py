"""Staff secrets: what a PIN or a password must look like, and how it is kept (Argon2id only).

A secret is never stored, logged or shown: the log keeps its Argon2id hash as a PHC string
(`$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>`, argon2-cffi's `PasswordHasher`), which carries
its own salt and parameters, so a hash made with older parameters still verifies and is re-hashed
at the next good sign-in (console/identity/staff.py).

Parameters (`TIME_COST`, `MEMORY_COST_KIB`, `PARALLELISM`) are chosen so that one check takes at
least 50 ms on the clinic's station (issue 13): trying all 10,000 four-digit PINs against a hash
from a stolen log file then costs about 20 minutes of a core per account instead of a second,
while a sign-in at the chair still feels immediate. Measured on the 2-core AMD EPYC build machine
(argon2-cffi 25.1, 15 checks after one warm-up, `time.perf_counter`): one check takes at least
124 ms (the fastest of 15, right or wrong secret, Python 3.11 and 3.13 alike), 129 ms median for
the right secret with the machine quiet, and up to 190-260 ms while other work ran beside it.
Candidates measured there (medians):

    time_cost  memory      parallelism  one check (median)
    2          19 MiB      1            16 ms   (OWASP's minimum: below the 50 ms bar here)
    2          64 MiB      1            99 ms
    3          46 MiB      1            94 ms
    3          64 MiB      1            138 ms  <- chosen
    3          64 MiB      4            239 ms  (RFC 9106's low-memory profile: 4 lanes on 2
                                                  cores cost more than they save)

Lanes (parallelism) only pay on a machine with cores to spare; the station also runs the session
engine and the UI, so one lane. 64 MiB is held only for the duration of a check. A station three
times faster than this machine would take about 43 ms, under the bar: measure on the clinic's
hardware and raise TIME_COST there if needed (stored hashes follow at their owners' next good
sign-in).
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Final, Protocol

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from console.identity.errors import IdentityError

TIME_COST: Final = 3
MEMORY_COST_KIB: Final = 64 * 1024
PARALLELISM: Final = 1
HASH_LEN: Final = 32
SALT_LEN: Final = 16

PIN_MIN_DIGITS: Final = 4
PIN_MAX_DIGITS: Final = 12
PASSWORD_MIN_CHARACTERS: Final = 8
PASSWORD_MAX_CHARACTERS: Final = 256   # Argon2 takes any length; a bound keeps a check bounded


class SecretKind(StrEnum):
    """How an account signs in: a PIN (quick, at the chair) or a password."""

    PIN = "pin"
    PASSWORD = "password"

    @property
    def label(self) -> str:
        """"PIN" or "password", as the messages and prompts say it."""
        return "PIN" if self is SecretKind.PIN else "password"


class SecretError(IdentityError):
    """A new PIN or password that does not meet the rules; the message says which and what is
    allowed, never the secret itself."""


# Secrets a stranger tries first. NIST SP 800-63B, 5.1.1.2: a new memorized secret is compared
# against "commonly-used, expected, or compromised" values, "repetitive or sequential characters
# (e.g. 'aaaaaa', '1234abcd')" among them, and refused. The rules below take the repetitive and
# sequential ones by their shape; this short list the commonest passwords of 8 characters or
# more that no shape catches (case ignored).
COMMON_PASSWORDS: Final = frozenset({
    "password", "password1", "password123", "passw0rd", "qwertyui", "qwertyuiop", "qwerty123",
    "iloveyou", "letmein1", "welcome1", "welcome123", "admin123", "abc12345", "1q2w3e4r",
    "1qaz2wsx", "changeme", "trustno1", "sunshine", "football", "baseball", "princess",
})


RUN_MIN: Final = 4
"""The shortest run a secret made of runs is refused for ("1234abcd", NIST's example): shorter
ones ("aaabbbccc") would refuse secrets no stranger tries first."""


def guessable(secret: str) -> bool:
    """One character repeated ("0000", "aaaaaaaa"), a straight run up or down ("1234",
    "987654", "abcdefgh"), a secret made only of such runs of `RUN_MIN` or more ("1234abcd",
    "00001111"), or a common password: what a stranger at the chair tries first."""
    lowered = secret.lower()
    return _run(lowered) or lowered in COMMON_PASSWORDS or _made_of_runs(lowered)


def _made_of_runs(secret: str) -> bool:
    """Whether `secret` splits into runs (`_run`) of at least `RUN_MIN` characters each.
    Any split counts, not only the longest runs first: "12345555" is 1234 then 5555."""
    # ends[i]: the first i characters split so. From each such end, every run that starts
    # there is followed as far as its step (0, +1 or -1) holds.
    ends = [True] + [False] * len(secret)
    for start in range(len(secret)):
        if not ends[start]:
            continue
        step: int | None = None
        for end in range(start + 1, len(secret)):
            gap = ord(secret[end]) - ord(secret[end - 1])
            if gap != (step if step is not None else gap) or gap not in (0, 1, -1):
                break
            step = gap
            if end + 1 - start >= RUN_MIN:
                ends[end + 1] = True
    return ends[len(secret)]


def _run(piece: str) -> bool:
    """One character repeated, or counting up or down one by one (a piece of one character is
    one)."""
    steps = {ord(b) - ord(a) for a, b in zip(piece, piece[1:])}
    return steps <= {0} or steps in ({1}, {-1})


def check_secret(secret: str, kind: SecretKind) -> None:
    """Refuse a new secret that breaks the rules for its kind.

    PIN: digits 0-9 only, 4 to 12 of them. Password: 8 to 256 characters, any characters, not
    only spaces. Neither may be `guessable`.

    Raises:
        SecretError: what is wrong and what is allowed (the secret is not quoted).
    """
    if kind is SecretKind.PIN:
        if not secret:
            raise SecretError(f"the PIN is empty: a PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} "
                              "digits (0-9)")
        if not all("0" <= ch <= "9" for ch in secret):
            raise SecretError(f"a PIN may hold only digits 0-9 ({PIN_MIN_DIGITS} to "
                              f"{PIN_MAX_DIGITS} of them); this one holds other characters: "
                              "choose digits only, or make it a password")
        if len(secret) < PIN_MIN_DIGITS:
            raise SecretError(f"a PIN needs at least {PIN_MIN_DIGITS} digits; this one has "
                              f"{len(secret)}")
        if len(secret) > PIN_MAX_DIGITS:
            raise SecretError(f"a PIN has at most {PIN_MAX_DIGITS} digits; this one has "
                              f"{len(secret)}: make it a password instead")
        if guessable(secret):
            raise SecretError(_of_runs("PIN", "digits", "digit", "0000, 1234 or 9876")
                              if _of_runs_only(secret)
                              else "a PIN of one digit repeated, or of digits counting up or "
                              "down one by one, is the first a stranger tries: choose another")
        return
    if len(secret) < PASSWORD_MIN_CHARACTERS:
        raise SecretError(f"a password needs at least {PASSWORD_MIN_CHARACTERS} characters; "
                          f"this one has {len(secret)}")
    if len(secret) > PASSWORD_MAX_CHARACTERS:
        raise SecretError(f"a password has at most {PASSWORD_MAX_CHARACTERS} characters; this "
                          f"one has {len(secret)}")
    if not secret.strip():
        raise SecretError("a password may not be only spaces")
    if guessable(secret):
        raise SecretError(_of_runs("password", "characters", "character", "1111, abcd or 4321")
                          if _of_runs_only(secret)
                          else "a password of one character repeated, of characters counting up "
                          "or down one by one, or among the commonest passwords is the first a "
                          "stranger tries: choose another")


def _of_runs_only(secret: str) -> bool:
    """Guessable only as made of several runs: its refusal says so, not "one repeated"."""
    lowered = secret.lower()
    return not _run(lowered) and lowered not in COMMON_PASSWORDS and _made_of_runs(lowered)


def _of_runs(kind: str, plural: str, one: str, example: str) -> str:
    # Its example is pieces of 4, never a whole secret: a refusal never quotes the secret.
    return (f"a {kind} made only of runs of {RUN_MIN} or more {plural}, each one {one} repeated "
            f"or counting up or down one by one (as {example}), is the first a stranger tries: "
            "choose another")


class SecretHasher(Protocol):
    """The port the staff store hashes and checks secrets through (Argon2id in the console)."""

    def hash(self, secret: str) -> str:
        """A new salted hash of `secret`, as stored (PHC string)."""
        ...

    def verify(self, stored: str, secret: str) -> bool:
        """True when `secret` is the one `stored` was made from (false for a damaged hash)."""
        ...

    def needs_rehash(self, stored: str) -> bool:
        """True when `stored` was made with other parameters than this hasher's."""
        ...

    def dummy_verify(self, secret: str) -> None:
        """Spend the time of one check without an account (an unknown name at sign-in), so
        the answer does not come back faster than for a known one."""
        ...


class Argon2Hasher:
    """Argon2id through argon2-cffi, with the parameters above unless told otherwise."""

    def __init__(self, time_cost: int = TIME_COST, memory_cost_kib: int = MEMORY_COST_KIB,
                 parallelism: int = PARALLELISM) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib,
                                      parallelism=parallelism, hash_len=HASH_LEN,
                                      salt_len=SALT_LEN, type=Type.ID)

    @property
    def parameters(self) -> dict[str, object]:
        """The Argon2 parameters in use (what the tests and SCHEMA.md state)."""
        h = self._hasher
        return {"type": "argon2id", "time_cost": h.time_cost, "memory_cost_kib": h.memory_cost,
                "parallelism": h.parallelism, "hash_len": h.hash_len, "salt_len": h.salt_len}

    def hash(self, secret: str) -> str:
        return self._hasher.hash(_as_compared(secret))

    def verify(self, stored: str, secret: str) -> bool:
        return any(self._matches(stored, form) for form in _forms(secret))

    def _matches(self, stored: str, secret: str) -> bool:
        try:
            return self._hasher.verify(stored, secret)
        except VerifyMismatchError:
            return False
        except (VerificationError, InvalidHashError):
            return False   # a damaged hash never lets anyone in

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored)
        except (InvalidHashError, ValueError):
            return True

    def dummy_verify(self, secret: str) -> None:
        # One Argon2id run with this hasher's parameters, as a wrong secret's `verify` is (the
        # hash is thrown away). A dummy hash made on the first unknown name and verified
        # against cost that first attempt two runs, and `staff`, `export` and every review
        # sign-in build a new hasher per attempt: each unknown name took twice as long as a
        # wrong PIN, telling a stranger which names are accounts (review 45). One run per form
        # `verify` would try, as a wrong secret costs there.
        for form in _forms(secret):
            self._hasher.hash(form)


def _as_compared(secret: str) -> str:
    """The secret in one Unicode form (NFKC) before it is hashed or checked.

    NIST SP 800-63B, 5.1.1.2: a verifier normalizes Unicode in a memorized secret before hashing
    it. A password set from a file that keeps accents as separate marks (NFD: written on a Mac,
    a password manager) never matched the same password typed at the chair, where Qt gives the
    composed form, and each try counted towards the lock-out."""
    return unicodedata.normalize("NFKC", secret)


def _forms(secret: str) -> list[str]:
    """The forms `verify` checks a secret in: NFKC (`_as_compared`: every hash made since), then
    those a hash made before normalizing may hold: as given, and with its accents as separate
    marks (NFD: set from a file written on a Mac, never matched by the composed form typed at the
    chair). An ASCII secret has one form and costs one check, as before."""
    forms: list[str] = []
    for form in (_as_compared(secret), secret, unicodedata.normalize("NFD", secret)):
        if form not in forms:
            forms.append(form)
    return forms

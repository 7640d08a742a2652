"""Reading a PIN or password on the command line: from the terminal, or from a file descriptor.

Never from an argument (it would be in the shell history and in `ps` for every user) nor from an
environment variable (readable in /proc by the same user's processes and inherited by children).
The prompt reads /dev/tty without echo (getpass); when there is no terminal, it refuses instead of
falling back to reading stdin with echo. `--secret-fd N` reads one line from an open file
descriptor (a pipe from a password manager, a test's `os.pipe()`), then closes it; commands
read it before they open any file (`preread`).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import warnings

from console.identity.secrets import SecretKind, check_secret


class InputError(Exception):
    """The secret could not be read; the message says why and what to do."""


def preread(fd: int | None, option: str = "--secret-fd") -> str | None:
    """The secret on file descriptor `fd` (one line), or None when no descriptor was given.

    Call it first, before the command opens any file: a descriptor number that was not open when
    the program started could otherwise name a file the program opened itself (the log).

    Raises:
        InputError: the descriptor cannot be read or gives nothing.
    """
    return None if fd is None else _from_fd(fd, option)


def read_secret(given: str | None, prompt: str, option: str = "--secret-fd") -> str:
    """`given` (read earlier with `preread`) or, when None, the secret typed at the terminal.

    Raises:
        InputError: there is no terminal, the prompt was cancelled, or what was typed is not
            UTF-8 text.
    """
    return given if given is not None else _ask(prompt, option)


def read_new_secret(given: str | None, kind: SecretKind, whose: str,
                    option: str = "--secret-fd") -> str:
    """A new secret for `whose`: `given` (read with `preread`), or typed twice at the terminal;
    checked against the rules for its kind.

    Raises:
        InputError: as `read_secret`, or the two entries differ.
        SecretError: the secret breaks the rules (the message says which).
    """
    if given is not None:
        secret = given
    else:
        secret = _ask(f"New {kind.label} for {whose}: ", option)
        check_secret(secret, kind)   # say what is wrong before asking again
        if _ask(f"The same {kind.label} again: ", option) != secret:
            raise InputError(f"the two {kind.label}s typed differ: nothing was changed; run the "
                             "command again")
    check_secret(secret, kind)
    return secret


def _from_fd(fd: int, option: str) -> str:
    if fd < 0:
        raise InputError(f"{option} {fd}: a file descriptor is a number from 0 up")
    try:
        os.fstat(fd)
    except (OSError, OverflowError):
        # A number beyond a C int cannot be open, and os.fdopen takes it for a path (TypeError):
        # every number that names no open descriptor gets the same answer.
        raise InputError(f"{option} {fd}: cannot read it (no file descriptor {fd} is open): "
                         "pass a file descriptor open for reading, e.g. a pipe, or "
                         f"{option} 3 with 3<FILE in the shell") from None
    try:
        with os.fdopen(fd, "r", encoding="utf-8", closefd=True) as stream:
            line = stream.readline()
    except OSError as exc:
        raise InputError(f"{option} {fd}: cannot read it ({exc.strerror or exc}): pass a file "
                         "descriptor open for reading") from None
    except UnicodeDecodeError:
        raise InputError(f"{option} {fd}: what it gave is not UTF-8 text") from None
    secret = line[:-1] if line.endswith("\n") else line
    secret = secret[:-1] if secret.endswith("\r") else secret
    if not secret:
        raise InputError(f"{option} {fd} gave no PIN or password: write it there, then a newline")
    return secret


def _ask(prompt: str, option: str) -> str:
    with warnings.catch_warnings():
        # getpass falls back to reading stdin WITH echo when there is no terminal, and warns;
        # as an error, the warning stops it before anything is read.
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            return getpass.getpass(prompt)
        except getpass.GetPassWarning:
            raise InputError("there is no terminal to type the PIN or password at: pass it on a "
                             f"file descriptor with {option} N") from None
        except (EOFError, KeyboardInterrupt):
            raise InputError("cancelled: nothing was done") from None
        except UnicodeDecodeError:
            # A terminal set to Latin-1 (an 'é' typed in a password): a traceback before. The
            # line was typed without echo, Enter included: the message starts on a line of its
            # own, not after the prompt.
            _new_line_on_terminal()
            raise InputError("what was typed at the terminal is not UTF-8 text: nothing was "
                             "done; set the terminal to UTF-8, or pass the PIN or password on "
                             f"a file descriptor with {option} N") from None


def _new_line_on_terminal() -> None:
    with contextlib.suppress(OSError), open("/dev/tty", "w", encoding="utf-8") as tty:
        tty.write("\n")

"""Signals held while Qt is imported or draws (`signals_held`).

A Ctrl+C raised inside shiboken's import aborts the process ("Fatal Python error:
libshiboken/signature", a core file), and one raised in a Python method Qt calls while drawing
becomes an AttributeError or a crash: not the one line and exit status 130 a Ctrl+C ends a
command with (README). Held, the signal is delivered on leaving, in plain Python. No Qt here.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Final

__all__ = ["signals_held"]

# The signals that end a command from outside it: Ctrl+C, the terminal closed, a stop (`timeout`,
# a service manager, a cron job's end).
_ENDING: Final = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl+C, SIGTERM and SIGHUP within, and deliver one that came meanwhile on leaving.
    Threads Qt starts within it keep the signals blocked, so they come to this thread."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _ENDING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)   # a held signal is raised here

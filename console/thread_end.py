"""Waiting for a worker thread to end, the one way every `stop()` here does it."""

from __future__ import annotations

import threading


def join_or_raise(thread: threading.Thread | None, timeout: float, what: str) -> None:
    """Wait up to `timeout` real seconds for `thread` to end; nothing to wait for when it is
    None or the calling thread itself (a stop from inside the thread).

    Raises:
        RuntimeError: "<what> did not end within <timeout> s".
    """
    if thread is None or thread is threading.current_thread():
        return
    thread.join(timeout)
    if thread.is_alive():
        raise RuntimeError(f"{what} did not end within {timeout} s")

"""An entry of the clinic folder named *.toml that is no regular file (a FIFO, left by a sync tool
or an editor's pipe) hung the console's start for ever: the loader opened it, and open() waited
for a writer that never came, so no protocol at all was offered (a review of the protocols). It is
refused unread, in the loader's words for a file it does not read, and every other protocol loads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from protocols.loader import (
    LoadResult,
    ProtocolError,
    builtin_protocols_dir,
    load_protocol,
    load_protocols,
)

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")

HANG_GUARD_S = 10.0
"""How long the loading may block before the test calls it hung (it takes well under 1 s)."""


def _loaded_or_hung(fifo: Path, load: Callable[[], object]) -> list[object]:
    """What `load()` returned, run on a thread; fails the test when it is still blocked after
    HANG_GUARD_S (then a writer is opened to release it, so the thread ends)."""
    result: list[object] = []

    def run() -> None:
        try:
            result.append(load())
        except ProtocolError as exc:
            result.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=HANG_GUARD_S)
    hung = worker.is_alive()
    if hung:
        with open(fifo, "wb"):
            pass
        worker.join(timeout=HANG_GUARD_S)
    assert not hung, f"still blocked after {HANG_GUARD_S:g} s on a FIFO named {fifo.name}"
    return result


def test_a_fifo_named_toml_in_the_clinic_folder_is_refused_and_the_others_load(
        tmp_path: Path) -> None:
    clinic = tmp_path / "protocols"
    clinic.mkdir()
    fifo = clinic / "clinic.toml"
    os.mkfifo(fifo)
    (found,) = _loaded_or_hung(fifo, lambda: load_protocols([builtin_protocols_dir(), clinic]))
    assert isinstance(found, LoadResult)
    assert {"iv-ketamine", "iv-ketamine-titration", "esketamine"} <= set(found.protocols)
    assert [str(e) for e in found.errors] == [
        "clinic.toml: (file): not read: not a regular file (a named pipe, FIFO): a protocol file"
        " is a plain file of a few KB; remove it, or save the protocol in its place"]


def test_a_fifo_checked_alone_is_refused(tmp_path: Path) -> None:
    # `infusion-console protocols clinic.toml` checks a file as the console would load it.
    fifo = tmp_path / "clinic.toml"
    os.mkfifo(fifo)
    (refused,) = _loaded_or_hung(fifo, lambda: load_protocol(fifo))
    assert isinstance(refused, ProtocolError)
    assert refused.key == "(file)"
    assert refused.reason.startswith("not read: not a regular file (a named pipe, FIFO)")

"""Cycles are collected on the GUI thread only while Qt's loop runs (console/ui/gui_collector.py):
a collection on a thread of our own could free a Qt object there and freeze the window (the
review's tests hung so: the course trend's reader collecting a window of an earlier test)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from PySide6 import QtCore

from console.ui.gui_collector import GuiCollector


@pytest.fixture
def collections() -> Iterator[list[str]]:
    """The thread of every collection that starts, by name."""
    seen: list[str] = []

    def record(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(threading.current_thread().name)

    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)


def make_cycles(count: int) -> None:
    for _ in range(count):
        a: list[object] = []
        a.append(a)


def test_a_thread_that_makes_cycles_collects_none_and_the_gui_thread_frees_them(
        qtbot, collections: list[str]) -> None:
    gc.enable()   # as in the console before its loop (tests/conftest.py holds it in Qt tests)
    collector = GuiCollector()
    collector.start()
    try:
        # A Qt object in a cycle, let go: only a collection frees it.
        holder = QtCore.QObject()
        holder.loop = holder   # type: ignore[attr-defined]
        freed = threading.Event()
        holder.destroyed.connect(lambda *_: freed.set())
        del holder
        worker = threading.Thread(target=make_cycles, args=(100_000,), name="reader")
        worker.start()
        worker.join(30)
        assert "reader" not in collections   # 100,000 cycles: 140 collections, had it been on
        qtbot.waitUntil(freed.is_set, timeout=5_000)   # the timer's collection
        assert collections and set(collections) == {threading.main_thread().name}
    finally:
        collector.stop()


def test_stop_gives_collection_back_as_it_was() -> None:
    assert gc.isenabled()
    collector = GuiCollector()
    collector.start()
    assert not gc.isenabled()
    collector.stop()
    assert gc.isenabled()

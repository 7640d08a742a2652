"""Every test runs with a config and data folder of its own session: nothing a test does (a theme
remembered, a network.toml looked up, a default log) touches or reads the user's real folders.

And no TCP relay of a test (tests/tcp_relay.py: the cuttable proxy, the holding relay) outlives
it: one left open is closed here and fails the test, as does a relay thread still running.

In a test with Qt (qtbot, qapp), cycles are collected on the main thread only, at its end, as
the console collects them on its GUI thread (console/ui/gui_collector.py): a collection started
by a thread of the code under test (a course trend's reader) had freed the windows of an earlier
test on that thread and frozen the test run."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tcp_relay import close_left_open, relay_threads


@pytest.fixture(autouse=True)
def _own_user_folders(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    root = tmp_path_factory.mktemp("user-folders")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
    yield


@pytest.fixture(autouse=True)
def _no_relay_left_running() -> Iterator[None]:
    # Autouse and in the outermost conftest: torn down after the test's own fixtures, which
    # close the relays they made. Only this test's threads: an earlier test failed for its own.
    before = set(relay_threads())
    yield
    left = close_left_open()
    running = [t.name for t in relay_threads() if t not in before]
    assert not left, f"the test left TCP relays open (closed now): {left}"
    assert not running, f"TCP relay threads still running after the test: {running}"


@pytest.fixture(autouse=True)
def _cycles_freed_on_the_main_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    if not {"qtbot", "qapp"} & set(request.fixturenames):
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()   # torn down after the test's own fixtures: its windows are closed
        if enabled:
            gc.enable()


@pytest.fixture(params=["folder changed just now", "folder settled long ago"])
def folder_age(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways the session log is looked at before a commit (console/store/in_place.py): its
    three files themselves (a folder changed in the last seconds, as in every test's new folder)
    and its folder's stat alone (a data folder long made, as at a clinic). A test of the files
    at the log's path changed under a running console uses it, so each way is held to it."""
    from console.store import in_place
    if request.param == "folder settled long ago":
        monkeypatch.setattr(in_place, "SETTLED_NS", -10**18)   # trusted after one passing look
    return str(request.param)

"""A central station stopped by the system (SIGTERM at a shutdown, SIGINT) logs why it went
silent, as the bedside does ("Console stopped by the system (SIGTERM)"): a `closed` action by
`system` naming the signal and the chairs it watched. Its log had no trace of it, only of a
nurse's asked close (a review). Qt's own loop is stood in for: run in a test, its exec() left
the offscreen platform's later windows unmaximized."""

from __future__ import annotations

import os
import signal

import pytest

from console.central import app as central_app
from console.central.app import build, run_until_stopped
from console.ui.audio import RecordingAudioOut
from tests.central.test_app import args_for, stations  # noqa: F401 - a fixture
from tests.ui.conftest import Answers


NO_BROKER = "mqtt://127.0.0.1:9"   # nothing listens: the station runs, not connected


class _Loop:
    """Qt's application as `_exec_until_signal` uses it: its loop gets `signum` and returns."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def exec(self) -> int:
        os.kill(os.getpid(), self.signum)   # the handler runs at the next bytecode
        return 0

    def quit(self) -> None:
        pass


class _Window:
    def showMaximized(self) -> None:  # noqa: N802 - Qt's name
        pass


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_is_named_and_its_handler_put_back(qapp, signum):
    before = signal.getsignal(signum)
    stopped: list[str] = []
    assert central_app._exec_until_signal(_Loop(signum), _Window(), stopped) == 0
    assert stopped == [signal.Signals(signum).name]
    assert signal.getsignal(signum) is before


def test_a_sigterm_is_logged_as_the_systems_close(qapp, qtbot, tmp_path, monkeypatch,
                                                  stations):  # noqa: F811
    station = build(args_for(tmp_path, "--broker", NO_BROKER, "--name", "desk"),
                    audio_out=RecordingAudioOut(), asker=Answers())
    stations.append(station)
    qtbot.addWidget(station.window)

    def stopped_by_sigterm(app: object, window: object, stopped: list[str]) -> int:
        stopped.append("SIGTERM")
        return 0

    monkeypatch.setattr(central_app, "_exec_until_signal", stopped_by_sigterm)
    assert run_until_stopped(qapp, station) == 0
    closed = [a for a in station.log.actions() if a.kind == "closed"]
    assert [(a.nurse, a.detail.get("signal"), a.detail.get("station")) for a in closed] == [
        ("system", "SIGTERM", "desk")]


def test_a_window_closed_as_asked_logs_no_signal(qapp, qtbot, tmp_path, monkeypatch,
                                                 stations):  # noqa: F811
    station = build(args_for(tmp_path, "--broker", NO_BROKER, "--name", "desk"),
                    audio_out=RecordingAudioOut(), asker=Answers())
    stations.append(station)
    qtbot.addWidget(station.window)
    monkeypatch.setattr(central_app, "_exec_until_signal", lambda app, window, stopped: 0)
    assert run_until_stopped(qapp, station) == 0
    assert [a for a in station.log.actions() if a.kind == "closed"] == []

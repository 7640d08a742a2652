"""After the station clock was set back, "Restart and resume" still starts the monitor's NIBP memory
from the newest cuff logged (console/ui/main_window.py `open_session`: the log's order).

`UnplacedNibp.resume` takes each source's last measurement in the order given; the window gave it
the resumed session's history in time order (wall-clock arrival). With the clock set back 10
minutes, the monitor's newest cuff sorted before the older one: the cuff it still repeated after
the restart was read as a new one (logged again), where live it is that cuff sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from console.clock import Moment
from console.store import EventLog
from console.ui import controller
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from devices.formats import FORMATS
from devices.stream import UnplacedNibp
from protocols.loader import LoadResult
from tests.devices.test_nibp_memory import MONITOR, deliver
from tests.session.helpers import iv_protocol
from tests.session.test_monitor_cuff_repeated_after_a_restart import (
    MIN,
    MonitorLink,
    comen,
    monitor_bp,
    no_cuff_yet,
    reader,
)
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401
from tests.ui.conftest import Answers


def test_the_cuff_still_repeated_after_a_clock_step_back_and_a_restart_is_no_new_bp(
        log: EventLog, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    decoder = reader(log, s)
    n = 0
    assert deliver(s, decoder, MONITOR, no_cuff_yet(s, n))[0]   # connected, no cuff yet
    # T+5: the Comen's cuff 150/92, repeated.
    for seconds in (5 * MIN, 5 * MIN + 2):
        s.t(seconds); n += 1
        assert deliver(s, decoder, MONITOR, comen(s, n))[0]
    # T+6: NTP sets the station clock back 10 minutes (the monotonic clock goes on).
    s.t(6 * MIN)
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall - timedelta(minutes=10))
    # T+7: a new cuff, 140/88 (logged with an arrival before the 150/92's), repeated.
    for seconds in (7 * MIN, 7 * MIN + 2):
        s.t(seconds); n += 1
        assert deliver(s, decoder, MONITOR, comen(s, n, (140, 88)))[0]
    assert [bp for bp, *_ in monitor_bp(log, s)] == [150, 140]
    # Live, the next message's 140/88 is that cuff sent again.
    s.t(7 * MIN + 4)
    live = decoder.feed(comen(s, n + 1, (140, 88)), s.now().wall)
    assert [d.reason for d in live.dropped] == ["nibp-repeat"]
    # Killed at T+7:05; "Restart and resume" at T+8, the monitor read again.
    s.t(8 * MIN)
    MonitorLink.made = []
    monkeypatch.setattr(controller, "DeviceConnection", MonitorLink)
    cleanups: list[Callable[[], None]] = []
    window = MainWindow(log, LoadResult({"test-iv": iv_protocol()}), s.clock,
                        RecordingAudioOut(), cleanups, Answers(), Answers())
    qtbot.addWidget(window)
    try:
        window.resume(log.open_sessions()[0], device=(MONITOR, "hl7"))
        (link,) = MonitorLink.made
        assert isinstance(link.nibp, UnplacedNibp)
        decoder = FORMATS[link.fmt].new_decoder(link.url, link.nibp)
        result = decoder.feed(comen(s, n + 2, (140, 88)), s.now().wall)
        # As live: the cuff 140/88 sent again, no new BP; the message's SpO2 read.
        assert [r.metric for r in result.readings] == ["spo2"], \
            [(r.metric, r.value) for r in result.readings]
        assert [d.reason for d in result.dropped] == ["nibp-repeat"]
    finally:
        while cleanups:
            cleanups.pop()()

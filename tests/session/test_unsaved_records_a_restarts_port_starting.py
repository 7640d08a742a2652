"""A restart on a still-locked log whose monitor's port reports as the real transport does
(devices/transport.py: CONNECTING when the port opens, CONNECTED at the first good frame, a
second later) writes two `device_state` lines of its own: both are the restart's own
(`_a_restarts_own`, holding.py). The second had been counted as "1 other entry" to re-enter, the
restart's own file named as "1 more file" beside the one that really lost an alarm, or alone as
a false latched alarm (a review)."""

from __future__ import annotations

from pathlib import Path

from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (  # noqa: F401 - fixture
    log_in, resumed, spare_folder, unsaved_alarm)
from tests.session.test_unsaved_records_not_the_restarts_own import (
    hr_high_held_at_a_kill, resumed_locked)


def restarted_while_locked_real_port(s: LoggedSession) -> Path:
    """As `restarted_while_locked`, its port reporting as the real transport does."""
    def port_starts() -> None:
        s.clock.advance(1)   # the window shown, the transport started: the port opens
        s.engine.device_state_changed("connecting", s.now())   # the port opened
        s.clock.advance(1)
        s.engine.device_state_changed("connected", s.now())    # its first good frame
        s.engine.audio_status(True, s.now())
        s.t(s.now().mono - s.origin + 3)
    return resumed_locked(s, port_starts)


def test_a_restarts_port_connecting_then_connected_is_not_counted(tmp_path: Path) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        lost = hr_high_held_at_a_kill(s)
        own = restarted_while_locked_real_port(s)
        engine = resumed(s)
        [(_, _, message)] = unsaved_alarm(engine)
        assert message == (
            f"Records from before the restart are not in the log: 1 alarm change in {lost.name}: "
            "re-enter what matters, tell Support; 1 monitor reading answered 'not stored' (AE): "
            "the monitor sends it again"), (
            f"{own.name} holds only the restart's own lines (its port connecting, then "
            f"connected), and the restart says: {message!r}")
    finally:
        log.close()


def test_a_file_of_only_a_restarts_own_port_reports_raises_nothing(tmp_path: Path) -> None:
    # Nothing lost at all: the log locked only across a restart (its port connecting, then
    # connected), then free again. A medium latched alarm telling the nurse to re-enter
    # "1 other entry" is a false alarm.
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        s.to_infusion()
        s.engine.device_state_changed("connected", s.now())
        own = restarted_while_locked_real_port(s)
        assert own.exists()
        engine = resumed(s)
        said = [m for _, _, m in unsaved_alarm(engine)]
        assert said == [], f"{own.name} holds only the restart's own lines: {said!r}"
    finally:
        log.close()

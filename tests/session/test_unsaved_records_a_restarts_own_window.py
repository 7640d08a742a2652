"""What "Records from before the restart are not in the log" leaves out as a restart's own
(holding `_a_restarts_own`): the conditions a resume ends at its instant and its first reports
of the port and the speaker, never a raise or an acknowledgement after it, nor anything timed
before it (a clock set back). Each case a review found: a monitor lost after NTP set the clock
back, one pulled 10 s after a restart, and a console fault a restart ended counted as lost."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from console.clock import Moment
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (  # noqa: F401 - fixture
    log_in, resumed, spare_folder, unsaved_alarm)
from tests.session.test_unsaved_records_not_the_restarts_own import resumed_locked


def restart_locked(s: LoggedSession) -> Path:
    """Killed and started again 60 s later with the log still locked, its monitor connected at
    once; returns its held file."""
    return resumed_locked(s, lambda: s.engine.device_state_changed("connected", s.now()))


def test_a_live_monitor_loss_after_a_clock_step_back_is_said_at_the_restart(tmp_path):
    # Restarted while the log is locked; 2 minutes on, NTP sets the station clock back 10 min;
    # 5 minutes later the cable is pulled, "Device disconnected" raised and acknowledged, the
    # patient unmonitored for 5 min; all held; killed. Its lines are timed before the file's
    # `session_resumed` line: they had all been taken for "the restart's own".
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        s.to_infusion()
        own = restart_locked(s)
        s.clock.advance(120)
        now = s.clock.now()
        s.clock._now = Moment(now.mono, now.wall - timedelta(minutes=10))   # NTP step back
        s.clock.advance(300)
        s.engine.device_state_changed("disconnected", s.now(), "cable pulled")
        lost = [o for o in s.engine.alarms() if o.condition == "device_lost"]
        assert lost
        s.clock.advance(10)
        assert s.engine.acknowledge(lost[0].id, "nurse.ana", s.now()).done
        s.clock.advance(300)
        assert "device_lost" in own.read_text()
        engine = resumed(s)
        said = " ".join(m for _, _, m in unsaved_alarm(engine))
        assert own.name in said and "alarm change" in said, (
            f"{own.name} holds a live 'Device disconnected' raised and acknowledged 7 minutes "
            f"after the restart (clock set back 10 min), and the restart says: {said!r}")
    finally:
        log.close()


def test_a_live_monitor_loss_20s_after_a_locked_restart_is_said(tmp_path):
    # The cable pulled 10 s after a restart on a locked log, acknowledged at 20 s, back at
    # 28 s: a real loss of monitoring and a nurse's acknowledgement, all held, then killed.
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        s.to_infusion()
        own = restart_locked(s)
        s.clock.advance(10)
        s.engine.device_state_changed("disconnected", s.now(), "cable pulled")
        lost = [o for o in s.engine.alarms() if o.condition == "device_lost"]
        assert lost
        s.clock.advance(10)
        assert s.engine.acknowledge(lost[0].id, "nurse.ana", s.now()).done
        s.clock.advance(8)
        s.engine.device_state_changed("connected", s.now())
        s.clock.advance(300)
        assert "device_lost" in own.read_text()
        engine = resumed(s)
        said = " ".join(m for _, _, m in unsaved_alarm(engine))
        assert own.name in said, (
            f"{own.name} holds a live 'Device disconnected' raised and acknowledged by a nurse, "
            f"and the restart says: {said!r}")
    finally:
        log.close()


def test_a_console_fault_a_locked_restart_ends_is_not_counted(tmp_path):
    # README: not counted is the console fault a restart ends. The restart writes that CLEARED
    # line just before its `session_resumed` line, at its time: counted, the nurse had been told
    # to re-enter an alarm change nobody lost.
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        s.to_infusion()
        s.engine.console_fault("KeyError in trend", s.now())   # logged
        own = restart_locked(s)      # ends the fault, held; killed
        s.clock.advance(5)
        text = own.read_text()
        assert "console_fault" in text
        engine = resumed(s)          # the log takes writes again
        said = [m for _, _, m in unsaved_alarm(engine)]
        assert said == [], (f"{own.name} holds only what the restart wrote on its own, and the "
                            f"restart says: {said!r}")
    finally:
        log.close()

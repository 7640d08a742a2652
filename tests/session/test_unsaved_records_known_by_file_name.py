"""A restart knows an unsaved-records file the log already took by its name, in the `log_restored`
event written in the same transaction as its records (engine `_retry_log`,
`_written_by_its_run`).

It had compared wall times: after NTP set the clock back an hour, an earlier episode's
`log_restored` counted as "after" a later file's records, and the restart said nothing of a held
SpO2 alarm and a typed BP that no log had. And the held batch and its `log_restored` were two
transactions: a console killed between them left a log with the records and a file its restart
called missing ("re-enter what matters": entered twice)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from console.clock import Moment
from console.records import ENGINE, EventRecord
from console.session.holding import HeldFile
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (  # noqa: F401 - fixture
    Locked, held_at_a_kill, log_in, resumed, spare_folder, unsaved_alarm)

HOUR = 3600.0


class Killed(BaseException):
    """SIGKILL: nothing after this point of the process runs."""


def step_wall_clock(s: LoggedSession, seconds: float) -> None:
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall + timedelta(seconds=seconds))   # the wall clock only


def restored_events(log: EventLog, session_id: int) -> list[dict[str, object]]:
    return [e.detail for _, e in log.events(session_id) if e.kind == "log_restored"]


@pytest.mark.parametrize("step_s", [0.0, -HOUR], ids=["clock-unchanged", "clock-set-back-1h"])
def test_a_file_held_after_the_clock_was_set_back_is_said_at_the_restart(
        tmp_path: Path, step_s: float) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        s.to_infusion()
        start = s.now().mono - s.origin
        # A first episode: the log locked for a moment, a typed HR held, then written.
        s.engine.writes.recorder = Locked(log)
        s.t(start + 10); s.manual("heart_rate", 72)
        [first] = log.path.parent.glob("unsaved-records-*.jsonl")
        s.engine.writes.recorder = log
        s.t(start + 20)
        assert s.engine.unsaved == 0 and not first.exists()
        assert len(restored_events(log, s.engine.session_id)) == 1
        # NTP sets the station clock back an hour (the engine logs the step; timers run on).
        s.t(start + 60)
        step_wall_clock(s, step_s)
        s.t(start + 61)
        # A second episode: the log locks again; SpO2 85 (a high alarm) and BP 192 typed, held.
        s.engine.writes.recorder = Locked(log)
        s.t(start + 90); s.manual("spo2", 85)
        s.t(start + 100); s.manual("bp_systolic", 192)
        [held] = log.path.parent.glob("unsaved-records-*.jsonl")
        # Killed; the other program lets go; the console is started again.
        engine = resumed(s)
        values = [o.value for _, o in log.observations(engine.session_id)]
        assert 192 not in values and 85 not in values   # not in the log...
        # ...and the restart says so, naming the file.
        [(priority, state, message)] = unsaved_alarm(engine)
        assert (priority, state) == ("medium", "latched")
        assert message.startswith("Records from before the restart are not in the log: ")
        assert held.name in message
    finally:
        log.close()


def test_an_older_consoles_log_restored_naming_no_file_still_stands_for_its_run(
        tmp_path: Path) -> None:
    # An older console wrote the held records and a `log_restored` naming no file, and was
    # killed before it removed the file: its log is read as before (the note came after the
    # file's records, with no restart between).
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = held_at_a_kill(s)
        log.write([*s.engine.writes.held,
                   EventRecord(s.engine.session_id, s.now().wall, "log_restored", ENGINE,
                               {"records_written": s.engine.unsaved, "held_seconds": 10.0})])
        engine = resumed(s)
        assert held.exists()
        assert unsaved_alarm(engine) == []
    finally:
        log.close()


def test_held_records_written_then_a_kill_are_not_called_missing_at_the_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = held_at_a_kill(s)   # SpO2 85 (high alarm, acknowledged), BP 192 typed: held
        s.engine.writes.recorder = log   # the other program lets go

        def killed_here(self: HeldFile) -> None:   # the held records' commit has returned
            raise Killed

        with monkeypatch.context() as patched, pytest.raises(Killed):
            patched.setattr(HeldFile, "written_to_log", killed_here)
            s.t(s.now().mono - s.origin + 5)   # the tick writes what is held
        values = [o.value for _, o in log.observations(s.engine.session_id)]
        assert 192 in values and 85 in values   # the held records ARE in the log...
        [restored] = restored_events(log, s.engine.session_id)   # ...with their note
        assert restored.get("file") == str(held)
        assert held.exists()
        engine = resumed(s)
        # Nothing is missing from the log: nothing to re-enter.
        assert unsaved_alarm(engine) == []
    finally:
        log.close()


def test_a_retry_the_log_refuses_keeps_the_records_held_and_the_alarm(tmp_path: Path) -> None:
    # Records and note are one transaction: refused, neither is written, the log alarm stands
    # and the file stays; the next attempt writes both.
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = held_at_a_kill(s)
        count = s.engine.unsaved
        s.t(s.now().mono - s.origin + 5)   # still locked
        assert s.engine.unsaved == count and held.exists()
        assert [o.condition for o in s.engine.alarms() if o.condition == "log_unavailable"]
        assert restored_events(log, s.engine.session_id) == []
        s.engine.writes.recorder = log
        s.t(s.now().mono - s.origin + 5)
        assert s.engine.unsaved == 0 and not held.exists()
        assert not [o for o in s.engine.alarms() if o.condition == "log_unavailable"]
        [restored] = restored_events(log, s.engine.session_id)
        assert restored["records_written"] == count
    finally:
        log.close()

"""Each hold's unsaved-records file has a name no other hold had (`HeldFile`): a restart knows a
file the log took by the name its `log_restored` note gives (engine `_written_by_its_run`).

Named by the wall second and the process id only, a second hold of the same console that began
in the same wall second as an earlier, written one (NTP set the clock back a few seconds in
between; or a later console given the same process id) took the earlier file's name: killed
then, the restart read the earlier note as naming it, and a held SpO2 85 alarm and a typed BP
192, in no log, were never said (a review of 3e47d24)."""

from __future__ import annotations

from pathlib import Path

from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (  # noqa: F401 - fixture
    Locked, log_in, resumed, spare_folder, unsaved_alarm)
from tests.session.test_unsaved_records_known_by_file_name import (
    restored_events, step_wall_clock)


def test_a_second_hold_in_the_same_wall_second_after_a_clock_step_back_is_said_at_the_restart(
        tmp_path: Path) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        s.to_infusion()
        start = s.now().mono - s.origin
        # A first hold: the log locked a moment, a typed HR held, then written; its note
        # names its file, which goes.
        s.engine.writes.recorder = Locked(log)
        s.t(start + 10); s.manual("heart_rate", 72)
        [first] = log.path.parent.glob("unsaved-records-*.jsonl")
        s.engine.writes.recorder = log
        s.t(start + 20)
        assert s.engine.unsaved == 0 and not first.exists()
        [note] = restored_events(log, s.engine.session_id)
        assert Path(str(note["file"])).name == first.name
        # NTP steps the station clock back 10 s (a routine correction).
        step_wall_clock(s, -10.0)
        # A second hold, in the wall second the first one began in: SpO2 85 and BP 192 typed.
        s.engine.writes.recorder = Locked(log)
        s.t(start + 20.2); s.manual("spo2", 85)
        s.t(start + 20.5); s.manual("bp_systolic", 192)
        [held] = log.path.parent.glob("unsaved-records-*.jsonl")
        # Killed; the other program lets go; the console is started again.
        engine = resumed(s)
        values = [o.value for _, o in log.observations(engine.session_id)]
        assert 192 not in values and 85 not in values   # in no log...
        # ...and the restart says so, naming the second hold's file, a name of its own.
        alarm = unsaved_alarm(engine)
        assert alarm, f"{held.name} (SpO2 85, BP 192, in no log) not said at the restart"
        [(priority, state, message)] = alarm
        assert (priority, state) == ("medium", "latched")
        assert message.startswith("Records from before the restart are not in the log: ")
        assert held.name in message and held.name != first.name
    finally:
        log.close()

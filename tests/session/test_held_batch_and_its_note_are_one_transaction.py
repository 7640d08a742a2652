"""The held records and the `log_restored` note that says they are written are one transaction
(`HeldWrites.flushing`, engine `_retry_log`): a console killed between two commits (the held
batch's, then the note's) left a log with the records and a file its restart called missing,
"re-enter what matters", and they were entered twice. Nothing failed when the flush was split
in two (a review of 3e47d24): this kills the console right after the first commit of the flush."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from console.records import Record
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (  # noqa: F401 - fixture
    held_at_a_kill, log_in, resumed, spare_folder, unsaved_alarm)


class Killed(BaseException):
    """SIGKILL: nothing after this point of the process runs."""


class KilledAfterOneCommit:
    """The log, until the console is killed right after its first commit."""

    def __init__(self, log: EventLog) -> None:
        self.log, self.commits = log, 0

    def write(self, records: Sequence[Record]) -> list[int]:
        if self.commits:
            raise Killed
        self.commits += 1
        return self.log.write(records)


def test_a_kill_inside_the_flush_leaves_no_record_both_in_the_log_and_called_missing(
        tmp_path: Path) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held_at_a_kill(s)   # SpO2 85 (high alarm, acknowledged), BP 192 typed: held
        # The other program lets go; the tick writes what is held, and the console is killed
        # right after the first commit.
        s.engine.writes.recorder = KilledAfterOneCommit(log)
        try:
            s.t(s.now().mono - s.origin + 5)
        except Killed:
            pass
        values = [o.value for _, o in log.observations(s.engine.session_id)]
        # Started again.
        engine = resumed(s)
        alarm = unsaved_alarm(engine)
        # Either the BP 192 is in the log and nothing asks to re-enter it, or it is not in the
        # log and the restart says so: never both, never neither.
        assert (192 in values) != bool(alarm), (values, alarm)
    finally:
        log.close()

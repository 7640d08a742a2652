"""A discharge the log could not take, then a kill: the session comes back open from the log (what
the log has is the truth), and the restart's alarm said "Records from before the restart are not
in the log: 2 alarm changes, 4 other entries in unsaved-records-….jsonl": the discharge was one of
the "other entries", and nothing told the nurse that the patient on screen had been discharged
(README: "the discharge among them: discharge it again"). The alarm leads with it now: when, by
whom, and to discharge again."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.session.alarms import UNSAVED_RECORDS
from console.session.holding import left_held
from console.store import EventLog
from tests.session.test_discharge_held_by_the_log import discharged_while_locked
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import held_at_a_kill, resumed

NURSE = "nurse.ana"


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def spare_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spare))
    return spare


def test_a_discharge_held_at_a_kill_leads_the_restarts_alarm_with_when_and_who(
        log: EventLog) -> None:
    s = LoggedSession(log)
    discharged_while_locked(s, log)
    at = s.now().wall   # the discharge, as the nurse's clock read it
    (held,) = log.path.parent.glob("unsaved-records-*.jsonl")
    engine = resumed(s)   # killed before the log took it: back open
    assert not engine.discharged
    [alarm] = [o for o in engine.alarms() if o.condition == UNSAVED_RECORDS]
    assert (alarm.priority.label, alarm.state.value) == ("medium", "latched")
    assert alarm.message == (
        f"Discharge at {at.astimezone():%H:%M} by {NURSE} was not saved: discharge again; "
        f"records from before the restart are not in the log: 1 alarm change, 4 other entries "
        f"in {held.name}: re-enter what matters, tell Support")
    assert f"Discharge at {at.astimezone():%H:%M} by {NURSE} not saved" in alarm.detail


def test_the_held_discharge_is_read_from_the_file_with_its_time_and_nurse(
        log: EventLog) -> None:
    s = LoggedSession(log)
    discharged_while_locked(s, log)
    at = s.now().wall
    [left] = left_held([log.path.parent], log.path, s.engine.session_id)
    assert left.discharged == (at, NURSE)
    assert left.words() == "2 alarm changes, 4 other entries"


def test_records_held_without_a_discharge_say_none(log: EventLog) -> None:
    s = LoggedSession(log)
    held_at_a_kill(s)
    [left] = left_held([log.path.parent], log.path, s.engine.session_id)
    assert left.discharged is None
    [alarm] = [o for o in resumed(s).alarms() if o.condition == UNSAVED_RECORDS]
    assert alarm.message.startswith("Records from before the restart are not in the log: ")

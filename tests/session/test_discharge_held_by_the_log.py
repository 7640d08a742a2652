"""A discharge the log could not take (locked, disk full) is held in memory under the medium
"Session log unavailable" alarm; it reaches the log as soon as the log takes writes again.

The ended session's tick returned at once, so nothing retried: the log kept the session open
(another console offered it as left open, the central showed it running) and the medium alarm
sounded on, refused by F2 and F3 ("The session has ended"), until New session closed the
window. Now the tick of an ended session writes what is held, and only that (the held records
are the discharge: writing them completes it); F2 and F3 act on the log alarm in memory, as on
the console's own fault after a discharge, writing nothing to the closed record.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.records import AlarmTransition, EventRecord
from console.session.alarms import UNSAVED_RECORDS
from console.session.engine import ENDED, LOG_UNAVAILABLE
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_t0_after_held_readings import Locked
from tests.session.test_unsaved_records_at_restart import resumed

NURSE = "nurse.ana"
MIN = 60


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def spare_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder (`HeldFile`'s spare, where a restart looks too) is the
    test's own."""
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spare))
    return spare


def discharged_while_locked(s: LoggedSession, log: EventLog) -> Locked:
    """SpO2 85 in the infusion; the log locks; the nurse discharges (transfer to ED): the
    session ends on screen, its records held."""
    s.to_infusion()
    s.t(3 * MIN); s.device("spo2", 85)
    assert s.shown() == [("spo2_low", "high", "active")]
    lock = Locked(s, log.path)
    lock.locked = True
    assert s.engine.discharge(NURSE, s.now(), override_reason="transfer to ED").done
    assert s.engine.discharged and s.engine.unsaved > 0
    return lock


def logged_after_the_end(log: EventLog, session_id: int) -> list[str]:
    """The events the log holds after the session's `session_ended` row, then the rows of the
    log alarm (raised by the discharge's own step: all after the end)."""
    events = [e.kind for _, e in log.events(session_id)]
    ended = len(events) - events[::-1].index("session_ended")
    return [*(f"event {kind}" for kind in events[ended:]),
            *(f"alarm {t.transition}" for _, t in log.alarm_events(session_id)
              if t.condition == LOG_UNAVAILABLE)]


def rows_in(log: EventLog, session_id: int) -> tuple[int, int, int]:
    return (len(log.events(session_id)), len(log.alarm_events(session_id)),
            len(log.observations(session_id)))


def test_a_discharge_held_while_the_log_was_locked_is_written_once_the_log_is_back(
        log: EventLog) -> None:
    s = LoggedSession(log)
    lock = discharged_while_locked(s, log)
    # Ended on screen, not in the log: the medium log alarm sounds.
    assert s.shown() == [(LOG_UNAVAILABLE, "medium", "active")]
    assert s.sounding() == "medium"
    s.t(4 * MIN)                           # still locked: still held
    assert log.session(s.engine.session_id).ended_at is None
    assert s.engine.unsaved > 0
    lock.locked = False                    # the other program lets go
    s.t(4 * MIN + 3)                       # the next tick writes the discharge
    assert log.session(s.engine.session_id).ended_at is not None
    assert s.engine.unsaved == 0
    assert s.shown() == [] and s.sounding() is None
    assert [e.kind for _, e in log.events(s.engine.session_id)][-4:] == [
        "override", "discharged", "session_ended", "log_restored"]
    # Nothing else after the end: the note that the log took the held records back and the log
    # alarm's own rows; time passing writes nothing more.
    assert logged_after_the_end(log, s.engine.session_id) == [
        "event log_restored", "alarm raised", "alarm cleared"]
    rows = rows_in(log, s.engine.session_id)
    s.t(60 * MIN)
    assert rows_in(log, s.engine.session_id) == rows


def test_the_held_discharges_log_alarm_is_acknowledged_and_paused_without_a_write(
        log: EventLog) -> None:
    s = LoggedSession(log)
    lock = discharged_while_locked(s, log)
    (alarm,) = s.engine.alarms()
    # F2: silent and steady, like any acknowledged alarm.
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    assert s.shown() == [(LOG_UNAVAILABLE, "medium", "acknowledged")]
    assert s.sounding() is None
    # Still held: reminded after the board's reminder time.
    reminder = s.engine.board.reminder_seconds
    assert reminder is not None
    s.t(3 * MIN + reminder + 1)
    assert s.shown() == [(LOG_UNAVAILABLE, "medium", "active")] and s.sounding() == "medium"
    # F3: paused with its countdown, sounding again when the pause ends.
    assert s.engine.pause_audio(NURSE, s.now()).done
    assert s.sounding() is None and s.engine.audio(s.now()).paused_seconds_left
    s.t(3 * MIN + reminder + 1 + s.engine.pause_seconds + 1)
    assert s.sounding() == "medium"
    # F2 with nothing selected (the alarms shown), then the log back: all written, none of the
    # acknowledgements or pauses (the closed record takes only the discharge).
    assert s.engine.acknowledge_shown([alarm.id], NURSE, s.now()).done
    assert s.sounding() is None
    # Everything else on the ended session is still refused.
    assert s.engine.note("after", NURSE, s.now()).message == ENDED
    lock.locked = False
    s.t(10 * MIN)
    assert log.session(s.engine.session_id).ended_at is not None
    assert s.shown() == []
    assert logged_after_the_end(log, s.engine.session_id) == [
        "event log_restored", "alarm raised", "alarm cleared"]


def test_a_kill_before_the_held_discharge_was_written_resumes_the_session_open_saying_so(
        log: EventLog) -> None:
    # What the log has is the truth: killed while the discharge was held, the session comes
    # back open (the discharge is in the unsaved-records file only), with the alarm that says
    # records are missing and where; the nurse discharges it again.
    s = LoggedSession(log)
    discharged_while_locked(s, log)
    at = s.now().wall
    (held,) = log.path.parent.glob("unsaved-records-*.jsonl")
    engine = resumed(s)
    assert not engine.discharged
    [said] = [o for o in engine.alarms() if o.condition == UNSAVED_RECORDS]
    assert said.message == (f"Discharge at {at.astimezone():%H:%M} by {NURSE} was not saved: "
                            "discharge again; records from before the restart are not in the "
                            f"log: 1 alarm change, 4 other entries in {held.name}: re-enter "
                            "what matters, tell Support")
    assert ("spo2_low", "high", "active") in [
        (o.condition, o.priority.label, o.state.value) for o in engine.alarms()]
    assert engine.discharge(NURSE, s.now(), override_reason="transfer to ED").done
    assert log.session(engine.session_id).ended_at is not None
    kinds = [r.kind if isinstance(r, EventRecord) else "" for _, r in log.events(engine.session_id)]
    assert kinds.count("discharged") == 1
    assert not [t for _, t in log.alarm_events(engine.session_id)
                if isinstance(t, AlarmTransition) and t.condition == LOG_UNAVAILABLE]

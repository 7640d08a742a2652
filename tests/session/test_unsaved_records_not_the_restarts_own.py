"""A restart while the log still refuses writes, then one after it takes them again: the second
restart's "Records ... are not in the log" alarm counts what the nurse lost, not what the first
restart wrote on its own and held at its stop (engine `_unsaved_left`, holding `left_held`).

It had counted the first restart's own bookkeeping as records to re-enter: its
`session_resumed`, `unsaved_records_found`, the raise and latch of its own unsaved-records
alarm, the speaker's and the monitor's state ("4 alarm changes, 4 other entries ... and 1 more
file") where one HR-high alarm change was all that was lost; the noise grew with every restart
while the log stayed unwritable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from console.records import SessionOpened
from console.session.engine import SessionEngine
from console.store import EventLog
from tests.session.helpers import iv_protocol
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (  # noqa: F401 - fixture
    Locked, found_events, log_in, resumed, spare_folder, unsaved_alarm)


def hr_high_held_at_a_kill(s: LoggedSession) -> Path:
    """The speaker is out (logged); the log locks; the monitor sends HR 135, a high alarm, held
    (answered AE); then the console is killed."""
    log: EventLog = s.recorder   # type: ignore[assignment]
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    s.engine.audio_status(False, s.now(), "no output device")
    start = s.now().mono - s.origin
    s.t(start + 5); s.device("heart_rate", 80)    # logged
    s.engine.writes.recorder = Locked(log)
    s.t(start + 10); s.device("heart_rate", 135)  # held: the alarm too
    assert [o.condition for o in s.engine.alarms()].count("heart_rate_high") == 1
    (held,) = log.path.parent.glob("unsaved-records-*.jsonl")
    return held


def resumed_locked(s: LoggedSession, then: Callable[[], None]) -> Path:
    """Started again 60 s later with the log still locked, reading its monitor and reporting its
    speaker as the window does; `then`: what happens before it is killed again. Everything it
    writes is held: returns the unsaved-records file its run made."""
    log: EventLog = s.recorder   # type: ignore[assignment]
    before = set(log.path.parent.glob("unsaved-records-*.jsonl"))
    row = log.session(s.engine.session_id)
    logged = log.observations(row.id)
    now = s.clock.advance(60)
    s.engine = SessionEngine.resume(
        iv_protocol(), Locked(log), row.id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [r for _, r in logged], [r for _, r in log.events(row.id)],
        [r for _, r in log.alarm_events(row.id)], now, actor="nurse.ana",
        observation_ids=[i for i, _ in logged], reads_device=True, reports_audio=True,
        log_path=log.path)
    then()
    (own,) = set(log.path.parent.glob("unsaved-records-*.jsonl")) - before
    return own


def restarted_while_locked(s: LoggedSession) -> Path:
    """Started again with the log still locked: the resume, the monitor's link and the speaker
    working again are held, and the console is killed again. Returns that restart's file."""
    def link_and_speaker_back() -> None:
        s.engine.device_state_changed("connected", s.now())
        s.engine.audio_status(True, s.now())
        s.t(s.now().mono - s.origin + 3)   # a few ticks held
        assert s.engine.unsaved > 0
    return resumed_locked(s, link_and_speaker_back)


def test_a_restart_on_a_locked_log_then_one_on_a_free_log_counts_only_what_was_lost(
        tmp_path: Path) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        lost = hr_high_held_at_a_kill(s)
        own = restarted_while_locked(s)
        engine = resumed(s)   # the log takes writes again
        [(_, _, message)] = unsaved_alarm(engine)
        assert message == (
            f"Records from before the restart are not in the log: 1 alarm change in {lost.name}: "
            "re-enter what matters, tell Support; 1 monitor reading answered 'not stored' (AE): "
            "the monitor sends it again")
        assert [e["file"] for e in found_events(log, engine.session_id)] == [str(lost)]
        assert own.exists()   # left for Support, as every such file
    finally:
        log.close()


def test_a_file_with_a_nurses_entry_among_a_restarts_own_records_is_still_named(
        tmp_path: Path) -> None:
    # The restart's own records do not hide what a nurse entered while it held them.
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        lost = hr_high_held_at_a_kill(s)
        own = restarted_while_locked(s)
        s.manual("resp_rate", 14)   # typed, held (the resumed console still holds)
        engine = resumed(s)
        [(_, _, message)] = unsaved_alarm(engine)
        first, second = sorted([lost, own], key=lambda p: p.name)
        assert message.startswith(
            "Records from before the restart are not in the log: 1 typed value, 1 alarm change in "
            f"{first.name} and 1 more file: "), message
        assert {e["file"] for e in found_events(log, engine.session_id)} == {str(lost), str(own)}
    finally:
        log.close()

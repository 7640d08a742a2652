"""Commit first, then the state stands, then notify: a failed commit leaves the engine as it was.

Also: one device message is one transaction with its drops, an ended session takes no writes,
and a console fault is a high technical alarm that only a restart ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from console.records import AlarmTransition, EventRecord, ObservationRecord, Record
from console.session.engine import CONSOLE_FAULT, ENDED
from console.store.errors import LogError
from devices.reading import Reading
from tests.session.helpers import HIGH, Session


class Faulty:
    """Wraps the test recorder; `fail_with` makes the next write raise it (nothing written)."""

    def __init__(self, s: Session) -> None:
        self.inner = s.recorder
        self.fail_with: BaseException | None = None
        s.engine.recorder = s.engine.writes.recorder = self   # type: ignore[assignment]

    def start_session(self, opened: object) -> int:
        raise AssertionError("not used")

    def write(self, records: Sequence[Record]) -> list[int]:
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        return self.inner.write(records)


def spo2(s: Session, value: float) -> Reading:
    now = s.now()
    return Reading("spo2", value, "%", now.wall, now.wall, "hl7:SIM")


def test_a_bug_in_the_commit_leaves_no_alarm_on_screen_that_the_log_lacks():
    s = Session()
    s.to_infusion()
    faulty = Faulty(s)
    s.t(60)
    faulty.fail_with = RuntimeError("recorder bug")
    with pytest.raises(RuntimeError):
        s.engine.ingest_message([spo2(s, 85)], s.now())
    # Nothing shown, nothing sounding, the latest value is the one before.
    assert s.engine.alarms() == []
    assert s.engine.audio(s.now()).priority is None
    assert s.engine.latest("spo2") is None
    assert not any(isinstance(r, AlarmTransition) for r in s.recorder.records)
    # The next reading raises the alarm as a first occurrence, with its row in the log.
    s.engine.ingest_message([spo2(s, 85)], s.now())
    assert s.shown() == [("spo2_low", "high", "active")]
    raised = [r for r in s.recorder.records if isinstance(r, AlarmTransition)]
    assert [(r.occurrence, r.transition) for r in raised] == [(s.engine.alarms()[0].id, "raised")]


def test_a_failed_acknowledgement_leaves_the_alarm_sounding():
    s = Session()
    s.to_infusion()
    s.t(60); s.device("spo2", 85)
    faulty = Faulty(s)
    faulty.fail_with = ValueError("a value the log refuses")
    with pytest.raises(ValueError):
        s.engine.acknowledge_all("nurse.ana", s.now())
    assert s.shown() == [("spo2_low", "high", "active")]
    assert s.sounding() == "high"


def test_listeners_hear_of_a_change_only_after_it_is_committed():
    s = Session()
    seen: list[int] = []
    s.engine.subscribe(lambda: seen.append(len(s.recorder.records)))
    before = len(s.recorder.records)
    s.manual("heart_rate", 72)
    assert seen and seen[-1] > before   # the row was already in the log when told
    told = len(seen)
    assert not s.engine.note("  ", "nurse.ana", s.now()).done   # a refusal writes nothing...
    assert len(seen) == told                                      # ...and tells nobody


def test_one_device_message_is_one_transaction_with_its_drops():
    s = Session()
    s.to_infusion()
    writes = len(s.recorder.writes)
    assert s.engine.ingest_message([spo2(s, 97)], s.now(), {"unknown-code": 2}, "OBX|3|NM|999",
                                   "hl7:SIM")
    assert len(s.recorder.writes) == writes + 1
    kinds = [type(r).__name__ for r in s.recorder.writes[-1]]
    assert kinds == ["ObservationRecord", "EventRecord"]
    dropped = s.recorder.events("device_dropped")[-1]
    assert dropped.detail == {"device": "hl7:SIM", "counts": {"unknown-code": 2},
                              "example": "OBX|3|NM|999"}


def test_a_message_the_log_cannot_take_is_held_and_reported_as_not_saved():
    s = Session()
    s.to_infusion()
    faulty = Faulty(s)
    faulty.fail_with = LogError(Path("/x/sessions.sqlite3"), "disk-full", "full")
    assert s.engine.ingest_message([spo2(s, 97)], s.now()) is False
    assert s.engine.unsaved >= 1
    # Once the log takes writes again, the next message is saved (after the held ones).
    s.t(s.now().mono - s.origin + 3)
    assert s.engine.ingest_message([spo2(s, 96)], s.now()) is True


def test_an_ended_session_refuses_every_write():
    """A discharged session's record is closed (README): nothing the console is asked afterwards,
    not even a hand-over to another nurse, lands after `session_ended` or changes who the record
    names as its nurse."""
    s = Session()
    s.to_infusion()
    s.engine.discharge("nurse.ana", s.now(), override_reason="test: end early")
    rows = len(s.recorder.records)
    handed = s.engine.hand_over("nurse.bo", s.now())
    assert not handed.done and handed.message == ENDED
    assert s.engine.nurse == "nurse.ana"
    verdict = s.manual("bp_systolic", 150)
    assert getattr(verdict, "message", "") == ENDED
    assert s.engine.note("after", "nurse.ana", s.now()).message == ENDED
    assert not s.engine.tick_item("escort", "nurse.ana", s.now()).done
    assert not s.engine.advance_phase("nurse.ana", s.now(), override_reason="x").done
    assert not s.engine.discharge("nurse.ana", s.now()).done
    assert s.engine.ingest_message([spo2(s, 85)], s.now()) is False
    s.t(s.now().mono - s.origin + 3600)   # time passing writes nothing either
    assert len(s.recorder.records) == rows
    assert s.engine.alarms() == []


def test_discharge_by_override_ends_what_is_still_on_the_board():
    s = Session()
    s.to_infusion()
    s.t(60); s.device("spo2", 85)
    occurrence = s.engine.alarms()[0].id
    assert s.engine.discharge("nurse.ana", s.now(), override_reason="transfer to ED").done
    rows = [r for r in s.recorder.records if isinstance(r, AlarmTransition)
            and r.occurrence == occurrence]
    assert rows[-1].transition == "cleared" and rows[-1].message.endswith("(session ended)")
    assert s.engine.alarms() == []


def test_console_fault_sounds_high_and_only_a_restart_ends_it():
    s = Session()
    s.to_infusion()
    s.engine.console_fault("ZeroDivisionError in tick", s.now(), "/x/crash.txt")
    fault = s.engine.board.occurrence_for(CONSOLE_FAULT)
    assert fault is not None and fault.priority is HIGH and fault.category == "technical"
    assert s.sounding() == "high"
    assert s.recorder.events("console_fault")[-1].detail == {
        "summary": "ZeroDivisionError in tick", "crash_file": "/x/crash.txt"}
    # Acknowledging silences it; it stays on screen and nothing in time clears it.
    s.engine.acknowledge_all("nurse.ana", s.now())
    assert s.sounding() is None
    s.t(s.now().mono - s.origin + 60)
    assert [o.condition for o in s.engine.alarms()] == [CONSOLE_FAULT]
    # A second fault adds its event, and still one Console fault row (test_console_fault_new_bug).
    s.engine.console_fault("again", s.now())
    assert [o.condition for o in s.engine.alarms()] == [CONSOLE_FAULT]
    assert len(s.recorder.events("console_fault")) == 2


def test_the_monitor_is_told_aa_only_for_what_is_committed():
    from console.session import feed
    from devices.transport import DeviceEvent, EventKind, ReplyTicket

    s = Session()
    s.to_infusion()
    faulty = Faulty(s)

    def event() -> tuple[DeviceEvent, ReplyTicket]:
        now, ticket = s.now(), ReplyTicket()
        return DeviceEvent(EventKind.DATA, "/dev/pts/3", now.wall, now.mono, frames=1,
                           readings=(spo2(s, 97),), ticket=ticket), ticket

    committed, ticket = event()
    assert feed.apply(s.engine, committed, s.now()) is True and ticket.verdict is True     # AA
    faulty.fail_with = LogError(Path("/x/sessions.sqlite3"), "locked", "locked")
    held, ticket = event()
    assert feed.apply(s.engine, held, s.now()) is False and ticket.verdict is False        # AE
    s.t(s.now().mono - s.origin + 3)   # the log takes writes again
    broken, ticket = event()
    faulty.fail_with = RuntimeError("bug")
    with pytest.raises(RuntimeError):
        feed.apply(s.engine, broken, s.now())
    assert ticket.verdict is False                                                         # AE


def test_a_technical_condition_of_the_station_never_blocks_discharge_a_patient_alarm_does():
    s = Session()
    s.to_infusion()
    s.engine.audio_status(False, s.now(), "paplay: connection refused")
    s.engine.device_state_changed("disconnected", s.now(), "port lost: EIO")
    blockers = s.engine.discharge_blockers(s.now())
    assert not any(b.startswith("Alarm not resolved") for b in blockers)
    s.device("spo2", 85)
    assert any(b.startswith("Alarm not resolved: SpO2 85") for b in s.engine.discharge_blockers(s.now()))


def test_a_value_entered_in_error_counts_nowhere_even_after_a_restart():
    from tests.session.test_resume import resume

    s = Session()
    s.to_infusion()
    first = s.engine.enter_manual_row("spo2", 96, "nurse.ana", s.now())[1]
    s.t(s.now().mono - s.origin + 30)
    wrong = s.engine.enter_manual_row("spo2", 85, "nurse.ana", s.now())[1]   # raises high
    assert s.shown()[0][:2] == ("spo2_low", "high")
    assert s.engine.void(wrong, "spo2", "nurse.ana", s.now(), "typed 85 for 95").done
    assert s.engine.latest("spo2").reading.value == 96   # the one before stands again
    # The alarm the wrong value raised ends: no excursion happened, and the nurse who took the
    # value back has seen it (it latched, and a mis-click taken back at once left a high alarm
    # to reset: a walk on X). Its end says why.
    assert s.shown() == []
    assert [t[1] for t in s.recorder.transitions("spo2_low")] == ["raised", "cleared"]
    (ended,) = [r for r in s.recorder.records
                if isinstance(r, AlarmTransition) and r.transition == "cleared"]
    assert ended.message.endswith("(its value was entered in error, by nurse.ana)")
    event = s.recorder.events("entered_in_error")[-1]
    assert event.detail == {"observation": wrong, "metric": "spo2", "value": 85,
                            "reason": "typed 85 for 95"}
    # A value that is not among the recent ones cannot be taken back this way.
    assert not s.engine.void(9999, "spo2", "nurse.ana", s.now(), "x").done
    # After a restart the voided row is skipped.
    ids = [i + 1 for i, r in enumerate(s.recorder.records) if isinstance(r, ObservationRecord)]
    now = s.clock.advance(10)
    records = s.recorder.records
    from console.session.engine import SessionEngine
    from tests.session.helpers import iv_protocol
    engine = SessionEngine.resume(
        iv_protocol(), s.recorder, 1, s.recorder.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], now,
        observation_ids=ids)
    assert engine.latest("spo2").reading.value == 96
    assert first in ids


def test_a_device_flag_with_a_space_is_kept_as_words_and_its_reading_alarms(tmp_path):
    """An HL7 OBX-8 sent as "L L": the log keeps flags as words and refused the whole message,
    its SpO2 85 with it, so no alarm was raised (found by the alarm-path audit)."""
    from datetime import UTC, datetime

    from console.clock import ManualClock
    from console.session.engine import Patient, SessionEngine
    from console.store import EventLog
    from tests.session.helpers import iv_protocol

    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    engine = SessionEngine.open(iv_protocol(), log, Patient("P-1", 70.0), "ana", clock.now())
    now = clock.advance(60)
    reading = Reading("spo2", 85, "%", now.wall, now.wall, "hl7:MON", flags=frozenset({"L L", "Q"}))
    assert reading.flags == {"L", "Q"}
    engine.ingest_message([reading], now)
    assert [(o.condition, o.priority) for o in engine.alarms()] == [("spo2_low", HIGH)]
    assert [(r.value, r.flags) for _, r in log.observations(engine.session_id)] == \
        [(85, frozenset({"L", "Q"}))]
    log.close()


class RefusesAfterHolding(Faulty):
    """The log is locked (records held); once free it refuses a held record: a bug."""

    def write(self, records: Sequence[Record]) -> list[int]:
        if self.fail_with is not None:
            raise self.fail_with
        return self.inner.write(records)


def test_a_held_record_the_log_refuses_stops_no_alarm_of_the_clock_and_is_saved_at_close(tmp_path):
    """Once the log took writes again, a held record it refused made every tick fail before its
    time-driven part: no apnoea alarm, no end of a pause; and close lost every held record."""
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("resp_rate", 14)
    assert s.engine.pause_audio("nurse.ana", s.now()).done
    faulty = RefusesAfterHolding(s)
    faulty.fail_with = LogError(tmp_path / "sessions.sqlite3", "locked", "locked")
    s.t(61); s.device("heart_rate", 70)   # held
    assert s.engine.unsaved >= 1
    faulty.fail_with = ValueError("a value the log refuses")
    failures = 0
    for second in range(62, 62 + 30):
        s.clock.advance(1)
        try:
            s.engine.tick(s.now())
        except ValueError:
            failures += 1
    assert failures > 0   # the bug is reported (the console fault), tick after tick
    assert ("resp_rate_low", "high", "active") in s.shown()   # no RR for 20 s: apnoea, high
    with pytest.raises(ValueError) as stopped:
        s.engine.close(s.now(), [tmp_path])
    saved = list(tmp_path.glob("unsaved-records-*.jsonl"))
    assert len(saved) == 1 and "heart_rate" in saved[0].read_text()
    assert f"saved to {saved[0]}" in "".join(stopped.value.__notes__)


def test_records_held_while_the_log_is_locked_are_on_disk_before_any_kill(tmp_path):
    """Held records lived in memory only: a SIGKILL or a power cut while the log was locked
    lost a typed reading and the alarms the nurse saw (the restart audit). They are copied to a
    file as they are held; once the log takes them the copy goes."""
    import json

    s = Session()
    s.to_infusion()
    locked = RefusesAfterHolding(s)
    locked.fail_with = LogError(tmp_path / "sessions.sqlite3", "locked", "database is locked")
    s.t(60); s.device("spo2", 85)                 # high alarm, held
    s.t(61); s.manual("bp_systolic", 190)          # a typed value, held
    [copy] = tmp_path.glob("unsaved-records-*.jsonl")
    rows = [json.loads(line) for line in copy.read_text().splitlines()]
    assert [(r["type"], r.get("metric"), r.get("value")) for r in rows
            if r["type"] == "ObservationRecord"] == [
        ("ObservationRecord", "spo2", 85), ("ObservationRecord", "bp_systolic", 190)]
    assert ("spo2_low", "raised") in {(r.get("condition"), r.get("transition")) for r in rows}
    assert len(rows) == s.engine.unsaved            # each held record once, in order
    assert copy.stat().st_mode & 0o777 == 0o600     # patient data
    locked.fail_with = None                        # the other program lets go
    s.t(63)
    assert s.engine.unsaved == 0
    assert not copy.exists()
    assert [o.value for o in s.recorder.observations() if o.metric == "spo2"] == [85]

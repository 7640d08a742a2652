"""Values entered in error one after another, the older first, leave the checks as a restart has
them (README: "A value entered in error counts nowhere, live as after a restart"; the check a
value met is owed again, as a restart's replay, which skips the value, has it).

Taking back a value gives the values after it to the check it had met again; one that meets the
check now had been left noted with what it counted for when it came (nothing, or a later slot),
so taking it back in turn put back the wrong check (differential fuzzers):
- Titration infusion: MOAA/S and RR 22 met "RR and sedation" late at T+11, then RR 17 came. RR
  22 taken back, RR 17 met the check in its place; RR 17 taken back too, the check had stayed
  met live, the next slot at T+21 asking for both, where a restart had the T+10 slot owed and RR
  asked at once.
- IV Observation: a systolic 205 and then the diastolic of the next BP taken back, "Vitals and
  sedation" was due 10 s sooner live than after a restart (seed 103: 8 s).
"""

from __future__ import annotations

from console.clock import ManualClock
from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import Patient, SessionEngine
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Protocol
from tests.session.helpers import START, MemoryRecorder, Session

IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
TITRATION = load_protocol(builtin_protocols_dir() / "iv-ketamine-titration.toml")
NURSE = "nurse.ana"
MIN = 60

Due = tuple[str, float, tuple[str, ...], bool]


class DosedSession(Session):
    """A `Session` of `protocol`, timed in minutes from T0 once dosing starts."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.clock = ManualClock(START)
        self.recorder = MemoryRecorder()
        self.engine = SessionEngine.open(protocol, self.recorder, Patient("P-001", 70.0), NURSE,
                                         self.clock.now())
        self.origin = self.clock.now().mono
        self.t0 = 0.0

    def dose(self) -> None:
        """T0 now, the pre-session checks ticked on paper."""
        assert self.engine.advance_phase(NURSE, self.now(), override_reason="ticked on paper").done
        self.t0 = self.now().mono - self.origin

    def at(self, minutes: float) -> None:
        """Move the clock to T+`minutes` and tick the engine."""
        self.t(self.t0 + minutes * MIN)

    def void(self, name: str, value: float) -> None:
        row = next(row for row, kept in self.engine._state.rows[name]
                   if kept.reading.value == value)
        assert self.engine.void(row, name, NURSE, self.now(), reason="the next chair's").done

    def restarted(self) -> SessionEngine:
        """The session as "Restart and resume" rebuilds it at this very moment, from a copy of
        its log: the live engine and its log carry on as they are."""
        log = MemoryRecorder()
        log.opened, log.records = list(self.recorder.opened), list(self.recorder.records)
        return SessionEngine.resume(
            self.protocol, log, 1, log.opened[0],
            [r for r in log.records if isinstance(r, ObservationRecord)],
            [r for r in log.records if isinstance(r, EventRecord)],
            [r for r in log.records if isinstance(r, AlarmTransition)], self.now(),
            observation_ids=[i + 1 for i, r in enumerate(log.records)
                             if isinstance(r, ObservationRecord)])

    def due(self, engine: SessionEngine | None = None) -> list[Due]:
        """(check, due at in minutes after T0, what it asks for, overdue) of every check."""
        return sorted((d.name, round((d.due_at.mono - self.origin - self.t0) / MIN, 2),
                       d.missing, d.overdue) for d in (engine or self.engine).due(self.now()))

    def as_after_a_restart(self) -> list[Due]:
        """The due checks live, checked equal to a restart's at this moment."""
        live = self.due()
        assert self.due(self.restarted()) == live, f"restart at {self.now().mono - self.origin}"
        return live


def test_two_rr_values_entered_in_error_one_after_the_other_ask_for_rr_again() -> None:
    s = DosedSession(TITRATION)
    s.dose()
    # T+10:30 and T+11: MOAA/S and RR meet "RR and sedation" (T+10) late: next at T+20:30.
    s.at(10.5)
    s.manual("moaas", 4)
    s.at(11)
    s.manual("resp_rate", 22)
    s.at(11.5)
    s.manual("resp_rate", 17)
    # T+12: RR 22 was the next chair's: RR 17 meets the T+10 slot in its place.
    s.at(12)
    s.void("resp_rate", 22)
    assert ("RR and sedation", 20.5, ("resp_rate", "moaas"), False) in s.as_after_a_restart()
    # T+12:30: RR 17 was too. No RR stands: the T+10 slot is owed its RR, asked at once.
    s.at(12.5)
    s.void("resp_rate", 17)
    due = s.as_after_a_restart()
    assert ("RR and sedation", 10.0, ("resp_rate",), False) in due


def test_older_bp_halves_entered_in_error_in_observation_keep_the_next_check_as_a_restart() -> None:
    # The IV infusion stopped at T+6 for nausea; Observation's first "Vitals and sedation" is
    # met at T+6:18 by the values since T+5:30, next one interval after the first (MOAA/S).
    s = DosedSession(IV)
    s.dose()
    s.at(5.5)
    s.manual("moaas", 4)
    s.at(5.67)
    s.manual("heart_rate", 88)
    s.at(6)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="nausea: stopped").done
    s.at(6.1)
    s.manual("resp_rate", 16)
    s.at(6.2)
    s.manual("spo2", 97)
    s.at(6.3)
    s.bp(205, 112)
    s.at(6.4)
    s.manual("moaas", 4)
    s.at(20.1)
    s.bp(150, 112)
    s.at(20.2)
    s.bp(110, 95)
    # T+20:18: the systolic 205 was the next chair's: the check is met by the BP of T+20:06
    # instead, its next slot one interval after the vital taken first then (HR at T+5:40).
    s.at(20.3)
    s.void("bp_systolic", 205)
    assert [d for d in s.as_after_a_restart() if d[0] == "Vitals and sedation"] == [
        ("Vitals and sedation", 20.67, ("heart_rate", "pulse_rate", "spo2", "resp_rate", "moaas"),
         False)]
    # T+20:24: so was the diastolic 112 of T+20:06; the 95 after it stands for the check. Live,
    # the slot had gone back to T+20:30, as if the systolic 205 still met the check.
    s.at(20.4)
    row = s.engine._state.rows["bp_diastolic"][-2][0]
    assert s.engine.void(row, "bp_diastolic", NURSE, s.now(), reason="the next chair's").done
    assert [d for d in s.as_after_a_restart() if d[0] == "Vitals and sedation"] == [
        ("Vitals and sedation", 20.67, ("heart_rate", "pulse_rate", "spo2", "resp_rate", "moaas"),
         False)]

"""A vital entered in error after the phase it was taken in has ended counts for no check, live as
after a restart (README: "A value entered in error counts nowhere, live as after a restart"): the
check it met is owed again, as the restart's replay (which skips the value) has it, and the nurse
is asked for the vital again.

It had been counted still for the check it met live (`SessionEngine._uncount` gave back only the
checks of the phase running), while a restart carried that check over the phase change unmet:
nothing was asked live, and after a restart a medium "Vitals overdue" stood for it and held the
discharge (a review of the engine). Each test compares the due checks and the prompts live with
those a restart at the same moment rebuilds from a copy of the log.
"""

from __future__ import annotations

from console.clock import ManualClock
from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import Patient, SessionEngine
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Protocol
from tests.session.helpers import START, MemoryRecorder, Session

IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
ESKETAMINE = load_protocol(builtin_protocols_dir() / "esketamine.toml")
NURSE = "nurse.ana"
MIN = 60

Due = tuple[str, float, tuple[str, ...], bool]


class DosedSession(Session):
    """A `Session` of `protocol` opened with `chosen_mg`, as the start screen opens it."""

    def __init__(self, protocol: Protocol, chosen_mg: float | None = None) -> None:
        self.protocol = protocol
        self.clock = ManualClock(START)
        self.recorder = MemoryRecorder()
        self.engine = SessionEngine.open(protocol, self.recorder, Patient("P-001", 70.0), NURSE,
                                         self.clock.now(), chosen_mg=chosen_mg)
        self.origin = self.clock.now().mono
        self.t0 = 0.0   # clock seconds, once dosing starts

    def at(self, minutes: float) -> None:
        """Move the clock to T+`minutes` and tick the engine."""
        self.t(self.t0 + minutes * MIN)

    def void_last(self, name: str) -> None:
        row = self.engine._state.rows[name][-1][0]
        assert self.engine.void(row, name, NURSE, self.now(), reason="typed for the next chair").done

    def restarted(self) -> SessionEngine:
        """The session as "Restart and resume" rebuilds it at this very moment, from a copy of
        its log: the live engine and its log carry on as they are."""
        log = MemoryRecorder()
        log.opened, log.records = list(self.recorder.opened), list(self.recorder.records)
        records = log.records
        return SessionEngine.resume(
            self.protocol, log, 1, log.opened[0],
            [r for r in records if isinstance(r, ObservationRecord)],
            [r for r in records if isinstance(r, EventRecord)],
            [r for r in records if isinstance(r, AlarmTransition)], self.now(),
            observation_ids=[i + 1 for i, r in enumerate(records)
                             if isinstance(r, ObservationRecord)])

    def due(self, engine: SessionEngine | None = None) -> list[Due]:
        """(check, due at in minutes after T0, what it asks for, overdue) of every check."""
        return sorted((d.name, round((d.due_at.mono - self.origin - self.t0) / MIN, 2),
                       d.missing, d.overdue) for d in (engine or self.engine).due(self.now()))

    def prompts(self, engine: SessionEngine | None = None) -> list[tuple[str, str, str]]:
        """(condition, priority, message) of the vitals prompts on the board."""
        return sorted((o.condition, o.priority.label, o.message)
                      for o in (engine or self.engine).alarms()
                      if o.condition.startswith("vitals_due:"))

    def as_after_a_restart(self) -> tuple[list[Due], list[tuple[str, str, str]]]:
        """The due checks and prompts live, checked equal to a restart's at this moment."""
        live = (self.due(), self.prompts())
        back = self.restarted()
        assert (self.due(back), self.prompts(back)) == live, f"restart at T+{self.minutes()}"
        return live

    def minutes(self) -> float:
        return round((self.now().mono - self.origin - self.t0) / MIN, 2)


def iv_infusion_to_its_end() -> DosedSession:
    """The shipped IV protocol run to plan, the T+40 BP, HR and SpO2 typed as the infusion ends
    and Observation started at T+40:30."""
    s = DosedSession(IV)
    s.t(1 * MIN)
    s.bp(124, 78)
    for name, value in (("heart_rate", 70), ("spo2", 98), ("resp_rate", 14), ("moaas", 5),
                        ("dissociation", 0)):
        s.manual(name, value)
    for item in s.engine.phase.checklist:
        assert s.engine.tick_item(item.id, NURSE, s.now()).done, item.id
    s.t(2 * MIN)
    assert s.engine.advance_phase(NURSE, s.now()).done   # T0
    s.t0 = s.now().mono - s.origin
    for item_id in ("pump-programmed", "pump-site-check"):
        assert s.engine.tick_item(item_id, NURSE, s.now()).done
    for minute in (10, 15, 20, 30, 40):
        s.at(minute)
        if minute % 10 == 0:
            s.bp(126, 80); s.manual("heart_rate", 72); s.manual("spo2", 97)
        if minute % 15 == 0:
            s.manual("resp_rate", 14); s.manual("moaas", 5)
    s.at(40.5)
    assert s.engine.advance_phase(NURSE, s.now()).done   # the 40-min infusion has run
    assert s.engine.phase.id == "observation"
    return s


def test_a_t40_spo2_entered_in_error_after_the_infusion_ended_is_asked_again_at_once() -> None:
    s = iv_infusion_to_its_end()
    # T+41: the SpO2 of T+40 was the next chair's; entered in error.
    s.at(41)
    s.void_last("spo2")
    # The infusion's T+40 check is owed its SpO2 again, at its own time; the observation's
    # first check (T+45) asks it too, beside RR and sedation.
    due, prompts = s.as_after_a_restart()
    assert ("BP, HR and SpO2", 40.0, ("spo2",), False) in due
    assert ("Vitals and sedation", 45.0, ("spo2", "resp_rate", "moaas"), False) in due
    assert prompts == [("vitals_due:BP, HR and SpO2", "info",
                        "Vitals due: BP, HR and SpO2 (SpO2)")]
    # T+47: overdue by more than 5 min, a medium alarm, live as after a restart.
    s.at(47)
    _, prompts = s.as_after_a_restart()
    assert ("vitals_due:BP, HR and SpO2", "medium",
            "Vitals overdue by 7 min: BP, HR and SpO2 (SpO2)") in prompts
    # Her SpO2 taken: the owed check is met, live as after a restart.
    s.at(47.5)
    s.manual("spo2", 96)
    due, prompts = s.as_after_a_restart()
    assert not any(name == "BP, HR and SpO2" for name, *_ in due)
    assert ("Vitals and sedation", 45.0, ("resp_rate", "moaas"), False) in due


def esketamine_observed() -> DosedSession:
    """An esketamine session of 56 mg, devices 1 and 2 at T+1 and T+6, Observation from T+7."""
    s = DosedSession(ESKETAMINE, chosen_mg=56)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="ticked on paper").done   # T0
    s.t0 = s.now().mono - s.origin
    for k, device in enumerate((1, 2)):
        s.at(1 + 5 * k)
        assert s.engine.tick_item(f"device-{device}", NURSE, s.now(), note="LOT-1").done
    s.at(7)
    assert s.engine.advance_phase(NURSE, s.now()).done
    assert s.engine.phase.id == "observation"
    return s


def test_an_spo2_entered_in_error_after_the_move_to_discharge_is_asked_again() -> None:
    # Discharge keeps the observation's checks running (`Schedule.start_phase`): the check the
    # SpO2 met is the very one still running, yet live it had stayed met till its next slot.
    s = esketamine_observed()
    s.at(22)   # the first "Sedation and breathing" (every 15 min from the phase start)
    s.manual("moaas", 5); s.manual("resp_rate", 14); s.manual("spo2", 97)
    s.at(23)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="paperwork early").done
    assert s.engine.phase.id == "discharge"
    s.at(24)
    s.void_last("spo2")
    due, prompts = s.as_after_a_restart()
    assert ("Sedation and breathing", 22.0, ("spo2",), False) in due
    assert prompts == [("vitals_due:Sedation and breathing", "info",
                        "Vitals due: Sedation and breathing (SpO2)")]
    s.at(29)   # 7 min after the slot
    _, prompts = s.as_after_a_restart()
    assert prompts == [("vitals_due:Sedation and breathing", "medium",
                        "Vitals overdue by 7 min: Sedation and breathing (SpO2)")]
    s.manual("spo2", 98)
    due, prompts = s.as_after_a_restart()
    assert prompts == []
    # Met late: the next slot one interval after the vital taken first (MOAA/S at T+22).
    assert ("Sedation and breathing", 37.0, ("moaas", "resp_rate", "spo2"), False) in due


def test_the_bp_at_t40_entered_in_error_after_the_move_to_discharge_asks_it_again() -> None:
    # A check at a fixed time after the dose ("BP at T+40", on the REMS form) met in
    # Observation, its systolic then entered in error in Discharge: asked again, as after a
    # restart (it had stayed done live, the REMS item that needs it tickable).
    s = esketamine_observed()
    s.at(41)   # 40 min after device 1
    s.bp(128, 80); s.manual("heart_rate", 72)
    assert not any(name == "BP at T+40" for name, *_ in s.due())
    s.at(42)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="paperwork early").done
    s.at(43)
    s.void_last("bp_systolic")
    due, prompts = s.as_after_a_restart()
    assert ("BP at T+40", 41.0, ("bp_systolic",), False) in due
    assert ("vitals_due:BP at T+40", "info", "Vitals due: BP at T+40 (Systolic BP)") in prompts
    s.at(43.5)
    s.bp(126, 80)
    due, _ = s.as_after_a_restart()
    assert not any(name == "BP at T+40" for name, *_ in due)


def test_a_second_value_entered_in_error_after_the_first_keeps_the_bp_that_stands() -> None:
    # The infusion stopped at T+12:30; its SpO2 of then, then an RR typed in Observation, both
    # the next chair's. Taken back, the RR had put back the observation's check as it was
    # before the SpO2 was: the T+10 BP and HR no longer counted, and the nurse was asked for
    # them again live, not after a restart (a differential fuzzer, seed 38).
    s = DosedSession(IV)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="ticked on paper").done   # T0
    s.t0 = s.now().mono - s.origin
    s.at(10)
    s.manual("heart_rate", 72); s.bp(126, 80)
    s.at(12.5)
    s.manual("spo2", 97)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="nausea: stopped").done
    s.at(13)
    s.manual("resp_rate", 17)
    s.at(14)
    s.void_last("spo2")
    s.as_after_a_restart()
    s.at(15)
    s.void_last("resp_rate")
    due, _ = s.as_after_a_restart()
    assert ("BP, HR and SpO2", 10.0, ("spo2",), True) in due   # 5 min past: overdue
    assert any(name == "Vitals and sedation" and missing == ("spo2", "resp_rate", "moaas")
               for name, _, missing, _ in due), due

"""A vitals check overdue (a medium "Vitals overdue" alarm) refuses discharge (a review).

The gate refused only for the patient's physiological alarms: IV ketamine run to plan, every check
answered until T+70, the nurse moved to Discharge and ticked its list, and with the observation's
"Vitals and sedation" (due T+85) 9 min overdue and sounding, the patient went home without a word
or an override, the last BP 25 min old, the alarm ended "session ended". `refuse_while_alarm`
(protocols/README.md): "any active or unacknowledged alarm refuses discharge"; an overdue check is
a medium alarm (clinical-defaults.md alarm behaviour 8). A "Vitals due" information prompt, before
it escalates, is no alarm and does not refuse; an override with a reason passes it, as any alarm.
"""

from __future__ import annotations

from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import BASELINE, Session

MIN = 60
N = "nurse.ana"
IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
PROMPT = "vitals_due:Vitals and sedation"
OWED = ("Vitals and sedation (Systolic BP, Diastolic BP, Heart rate or pulse rate, SpO2, "
        "Respiratory rate, Sedation: MOAA/S)")


def _tick_phase(s: Session) -> None:
    """Tick every item of the current phase, typing first what it attests (as a nurse does)."""
    phase = s.engine.phase
    for item in phase.checklist:
        if item.id in s.engine.ticks(phase.id):
            continue
        for names in [(n,) for n, _ in item.gate] + list(item.needs):
            if all(s.engine.latest(n) is None for n in names):
                s.manual(names[0], BASELINE[names[0]])
        note = ("yes" if item.if_no else "x") if item.asks else ""
        assert s.engine.tick_item(item.id, N, s.now(), note=note, gate_decision="Dr: ok").done


def _answer_due(s: Session) -> None:
    """Type whatever a due check asks for (a chair without a monitor)."""
    for d in s.engine.due(s.now()):
        if d.due_in_s <= 0:
            for m in d.missing:
                if m != "pulse_rate":
                    s.manual(m, BASELINE.get(m, 0))


def _at_the_gate(until_min: float) -> tuple[Session, float]:
    """IV ketamine to plan, every check answered until T+70, Discharge at T+71 with its list
    ticked; then nothing typed until `until_min` after T0. (session, T0 in seconds)."""
    s = Session(IV)
    _tick_phase(s)
    assert s.engine.advance_phase(N, s.now()).done                       # T0
    t0 = s.now().mono - s.origin
    for sec in range(0, int(until_min * MIN) + 1, 30):
        s.t(t0 + sec)
        if sec <= 70 * MIN:
            _answer_due(s)
        if sec == 40 * MIN:
            _tick_phase(s)
            assert s.engine.advance_phase(N, s.now()).done                # Observation
        if sec == 71 * MIN:
            _tick_phase(s)
            assert s.engine.advance_phase(N, s.now()).done                # Discharge
            s.manual("aldrete", 10); s.manual("dissociation", 0); s.manual("moaas", 5)
            _tick_phase(s)
    return s, t0


def test_discharge_is_refused_while_a_vitals_check_is_overdue_and_sounding() -> None:
    # T+94: the T+85 "Vitals and sedation" is 9 min overdue, a medium alarm, sounding.
    s, _ = _at_the_gate(94)
    assert s.shown() == [(PROMPT, "medium", "active")]
    assert s.sounding() == "medium"
    # The gate names it as it names any alarm; the discharge is refused, and logged so.
    reason = f"Alarm not resolved: Vitals overdue by 9 min: {OWED}"
    assert s.engine.discharge_blockers(s.now()) == [reason]
    refused = s.engine.discharge(N, s.now())
    assert not refused.done and refused.reasons == (reason,)
    assert s.recorder.events("discharge_refused")[-1].detail["reasons"] == [reason]
    # The session goes on, the alarm still sounding.
    assert not s.engine.discharged
    assert s.shown() == [(PROMPT, "medium", "active")] and s.sounding() == "medium"


def test_an_acknowledged_overdue_check_still_refuses_discharge() -> None:
    s, _ = _at_the_gate(94)
    [alarm] = s.engine.alarms()
    assert s.engine.acknowledge(alarm.id, N, s.now()).done
    assert s.sounding() is None
    assert s.engine.discharge_blockers(s.now()) == [
        f"Alarm not resolved: Vitals overdue by 9 min: {OWED}"]


def test_a_vitals_due_information_prompt_does_not_refuse_discharge() -> None:
    # T+87: the check is due, not yet overdue: an information prompt, silent.
    s, _ = _at_the_gate(87)
    assert s.shown() == [(PROMPT, "info", "active")] and s.sounding() is None
    assert s.engine.discharge_blockers(s.now()) == []
    assert s.engine.discharge(N, s.now()).done


def test_the_vitals_it_asks_for_let_the_patient_go() -> None:
    s, t0 = _at_the_gate(94)
    _answer_due(s)                                                        # every vital typed
    s.t(t0 + 94 * MIN + 30)
    assert s.shown() == [] and s.sounding() is None
    assert s.engine.discharge_blockers(s.now()) == []
    assert s.engine.discharge(N, s.now()).done


def test_discharge_against_an_overdue_check_with_a_reason_ends_it() -> None:
    s, t0 = _at_the_gate(94)
    # The prescriber signs for it; a minute on, its words read "10 min": the same alarm.
    signed = s.engine.discharge_override_blockers(s.now())
    assert [b.text for b in signed] == [f"Alarm not resolved: Vitals overdue by 9 min: {OWED}"]
    s.t(t0 + 95 * MIN)
    outcome = s.engine.discharge(N, s.now(), "transfer to ward", signed_for=signed)
    assert outcome.done and s.engine.discharged
    # The override names what it passed, as it read then; the alarm ends with the session.
    assert s.recorder.events("override")[-1].detail["blockers"] == [
        f"Alarm not resolved: Vitals overdue by 10 min: {OWED}"]
    assert s.recorder.transitions(PROMPT)[-1][:2] == (PROMPT, "cleared")
    assert s.shown() == []


def test_a_check_overdue_again_after_the_signature_refuses_the_override() -> None:
    s, t0 = _at_the_gate(94)
    signed = s.engine.discharge_override_blockers(s.now())
    # While the nurse comes to sign: the vitals come, the alarm ends; the next check then
    # runs overdue: another alarm than the one signed for.
    _answer_due(s)
    s.t(t0 + 94 * MIN + 30)
    assert s.shown() == []
    s.t(t0 + 115 * MIN)
    [(condition, priority, _)] = s.shown()
    assert (condition, priority) == (PROMPT, "medium")
    outcome = s.engine.discharge(N, s.now(), "transfer to ward", signed_for=signed)
    [reason] = outcome.reasons
    assert not outcome.done and reason.startswith(
        "New since the signatures: Alarm not resolved: Vitals overdue by ")
    assert "min: Vitals and sedation (Systolic BP" in reason
    assert not s.engine.discharged

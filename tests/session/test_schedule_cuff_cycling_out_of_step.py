"""A monitor's cuff cycling at the check's interval, out of step with its slots, is no overdue
alarm every cycle (a review).

IV ketamine on a monitor: ECG HR, SpO2 and RR continuous, the NIBP cuff on its automatic 10-min
cycle, started after the baseline BP so that it measures at T+7, T+17, T+27, T+37: a BP every 10
minutes, the protocol's cadence ("BP/HR every 10 min during infusion"). The "BP, HR and SpO2"
slots stayed on a fixed grid from T0 (T+10, T+20, ...; each met only from 2 min before it): the
T+7 cuff was early, the T+17 cuff met the T+10 slot late, and the T+20 slot, 3 min after a BP,
was missed in turn: a sounding medium "Vitals overdue" at T+25, T+35, every cycle, though no BP
came more than 10 min after the one before. A slot met late now moves the next to one interval
after the vital that met it first, as a sooner slot does (`Schedule._advance`); met on time, the
grid stands. A restart, replaying the same readings, gives the same times."""

from __future__ import annotations

from console.session.engine import SessionEngine
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import BASELINE, Session
from tests.session.test_resume import resume

MIN = 60
N = "nurse.ana"
IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
CHECK = "BP, HR and SpO2"


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


def _due(s: Session, t0: float, engine: SessionEngine | None = None) -> float:
    """When "BP, HR and SpO2" is due, in minutes after T0 (`engine`: a restarted one)."""
    [check] = [d for d in (engine or s.engine).due(s.now()) if d.name == CHECK]
    return round((check.due_at.mono - s.origin - t0) / MIN, 2)


def _monitored_to(s: Session, t0: float, start_s: int, end_s: int) -> list[tuple[float, str]]:
    """The monitor every 5 s from `start_s` to `end_s` after T0 (HR, SpO2, RR; the cuff at T+7,
    17, 27, 37), MOAA/S typed when its check is due; returns (minute, priority) of every
    "BP, HR and SpO2" prompt shown."""
    shown = []
    for sec in range(start_s, end_s, 5):
        s.t(t0 + sec)
        s.device("heart_rate", 72); s.device("spo2", 98); s.device("resp_rate", 14)
        if sec >= 7 * MIN and (sec - 7 * MIN) % (10 * MIN) == 0:
            s.device("bp_systolic", 125); s.device("bp_diastolic", 80)
        for d in s.engine.due(s.now()):
            if d.due_in_s <= 0 and "moaas" in d.missing:
                s.manual("moaas", 5)
        shown += [(round(sec / MIN, 2), p) for c, p, _ in s.shown() if c == f"vitals_due:{CHECK}"]
    return shown


def _infusion_started() -> tuple[Session, float]:
    s = Session(IV)
    _tick_phase(s)
    assert s.engine.advance_phase(N, s.now()).done                       # T0
    return s, s.now().mono - s.origin


def test_a_cuff_cycling_every_10_min_is_not_an_overdue_alarm_every_10_min() -> None:
    s, t0 = _infusion_started()
    # T+10: due, the T+7 cuff before its window; an information prompt until the T+17 cuff.
    shown = _monitored_to(s, t0, 0, 17 * MIN + 5)
    assert (10.0, "info") in shown and (15.0, "medium") in shown        # late, once
    # Met by the T+17 cuff: the next slot one interval after it, which the T+27 cuff meets.
    assert _due(s, t0) == 27
    assert _monitored_to(s, t0, 17 * MIN + 5, 40 * MIN) == []          # no prompt again
    assert _due(s, t0) == 47
    assert s.sounding() is None


def test_a_restart_keeps_the_slot_after_the_late_cuff() -> None:
    s, t0 = _infusion_started()
    _monitored_to(s, t0, 0, 18 * MIN)
    engine = resume(s, 30, protocol=IV)
    assert _due(s, t0, engine) == _due(s, t0) == 27


def test_a_slot_met_on_time_keeps_the_grid() -> None:
    # Vitals typed 1 min before the T+10 slot: the next is T+20, not one interval after them.
    s, t0 = _infusion_started()
    s.t(t0 + 9 * MIN)
    for name in ("bp_systolic", "bp_diastolic", "heart_rate", "spo2"):
        s.manual(name, BASELINE[name])
    assert _due(s, t0) == 20

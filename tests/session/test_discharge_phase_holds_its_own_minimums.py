"""A discharge phase's own `min_minutes_from_t0`, `min_minutes`, `exit_bp_within_baseline_mmhg`
and `exit_min_moaas` (protocols/README.md, [[phases]]: "observation / discharge only") loaded,
and nothing read them: the discharge phase is the last, never ended by a move on, and the
discharge gate read only [discharge] and the observation phases' band. A discharge went through
at T0 + 70 under a Discharge phase saying 90 (a review of the protocols). They now hold the
discharge in the words they hold a phase's end with, as the live timers already counted them."""

from __future__ import annotations

from pathlib import Path

from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Protocol
from tests.session.helpers import Session
from tests.session.test_iv_discharge_after_infusion import (
    checks_answered_to,
    to_discharge_two_minutes_after_the_infusion,
)
from tests.session.test_resume import resume

MIN = 60


def clinic_iv(tmp_path: Path, keys: str, min_moaas: int = 5, item: str = "") -> Protocol:
    """The shipped IV protocol with `keys` on its Discharge phase (and the discharge gate's
    `min_moaas`, the shipped 5 unless given; `item`, a checklist item's lines, first in the
    phase's checklist), as a clinic file."""
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    text = text.replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1)
    phase = 'id = "discharge"\nname = "Discharge"\nkind = "discharge"\n'
    first = '[[phases.checklist]]\nid = "alert"\n'
    assert phase in text and first in text and "\nmin_moaas = 5\n" in text
    text = text.replace(phase, phase + keys, 1).replace(
        "\nmin_moaas = 5\n", f"\nmin_moaas = {min_moaas}\n", 1)
    if item:
        text = text.replace(first, f"[[phases.checklist]]\n{item}\n{first}", 1)
    path = tmp_path / "clinic-iv.toml"
    path.write_text(text, encoding="utf-8")
    return load_protocol(path)


def test_discharge_at_t0_plus_70_is_refused_under_a_discharge_phase_of_90_min_from_t0(
        tmp_path: Path) -> None:
    protocol = clinic_iv(tmp_path, "min_minutes_from_t0 = 90\n")
    s = Session(protocol)
    t0 = to_discharge_two_minutes_after_the_infusion(s)     # Discharge entered at T0 + 41
    # T0 + 42: the gate's 70 min from T0 and the phase's 90 hold; one line says the longer.
    assert s.engine.discharge_blockers(s.now()) == ["Discharge must last 48:00 min more"]
    checks_answered_to(s, t0, 70)
    # The timers' "Phase left" and the gate say the same time; the header's "Discharge in" too.
    assert s.engine.times(s.now()).phase_remaining_s == 20 * MIN
    assert s.engine.discharge_wait_s(s.now()) == 20 * MIN
    assert s.engine.discharge_blockers(s.now()) == ["Discharge must last 20:00 min more"]
    refused = s.engine.discharge("nurse.ana", s.now())
    assert refused.reasons == ("Discharge must last 20:00 min more",)
    # A restart counts it from the logged times: the same refusal.
    engine = resume(s, 5 * MIN, protocol=protocol)
    assert engine.discharge_blockers(s.now()) == ["Discharge must last 15:00 min more"]
    s.t(t0 + 90 * MIN)
    assert engine.discharge_blockers(s.now()) == []
    assert engine.discharge("nurse.ana", s.now()).done


def test_discharge_29_min_into_a_discharge_phase_of_30_min_is_refused(tmp_path: Path) -> None:
    protocol = clinic_iv(tmp_path, "min_minutes = 30\n")
    s = Session(protocol)
    t0 = to_discharge_two_minutes_after_the_infusion(s)     # Discharge entered at T0 + 41
    checks_answered_to(s, t0, 70)
    assert s.engine.discharge_blockers(s.now()) == ["Discharge must last 1:00 min more"]
    s.t(t0 + 71 * MIN)
    assert s.engine.discharge_blockers(s.now()) == []


def test_discharge_with_systolic_outside_the_discharge_phases_band_is_refused(
        tmp_path: Path) -> None:
    protocol = clinic_iv(tmp_path, "exit_bp_within_baseline_mmhg = 10\n")
    s = Session(protocol)
    t0 = to_discharge_two_minutes_after_the_infusion(s)     # baseline systolic 120
    checks_answered_to(s, t0, 69); s.bp(138, 80)
    s.t(t0 + 70 * MIN); s.bp(138, 80)                        # 18 above baseline, not rising
    assert s.engine.discharge_blockers(s.now()) == [
        "Systolic BP 138 is more than 10 mmHg from baseline 120"]
    # Rising as well: said once, though the phase's band and the gate both refuse it.
    s.t(t0 + 71 * MIN); s.bp(128, 80)
    s.t(t0 + 72 * MIN); s.bp(135, 80)
    assert s.engine.discharge_blockers(s.now()) == [
        "Systolic BP still rising: 128 → 135 mmHg at the last two readings",
        "Systolic BP 135 is more than 10 mmHg from baseline 120"]
    s.t(t0 + 73 * MIN); s.bp(126, 80)
    assert s.engine.discharge_blockers(s.now()) == []


def test_discharge_below_the_discharge_phases_moaas_is_refused_in_one_line(
        tmp_path: Path) -> None:
    protocol = clinic_iv(tmp_path, "exit_min_moaas = 5\n", min_moaas=3)
    s = Session(protocol)
    t0 = to_discharge_two_minutes_after_the_infusion(s)
    checks_answered_to(s, t0, 70)
    s.manual("moaas", 4)                          # the gate's 3 is met, the phase's 5 is not
    assert s.engine.discharge_blockers(s.now()) == ["MOAA/S 4 (needs 5)"]
    s.manual("moaas", 2)                          # both refuse: the higher is said
    assert s.engine.discharge_blockers(s.now()) == [
        "Alarm not resolved: Sedation (MOAA/S) 2 score, limit ≤3", "MOAA/S 2 (needs 5)"]
    s.manual("moaas", 5)
    assert s.engine.discharge_blockers(s.now()) == []


def test_the_discharge_time_item_waits_for_the_discharge_phases_own_time(tmp_path: Path) -> None:
    # An item that says the discharge's time has come is refused while the phase holds it.
    protocol = clinic_iv(tmp_path, "min_minutes = 30\n", item=(
        'id = "discharge-time-reached"\ntext = "Discharge time reached"\nrequired = false\n'
        "after_discharge_time = true"))
    s = Session(protocol)
    s.bp(120, 80); s.manual("heart_rate", 70); s.manual("spo2", 98); s.manual("resp_rate", 14)
    s.manual("moaas", 5); s.manual("dissociation", 0)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="on paper").done
    t0 = s.now().mono - s.origin
    s.t(t0 + 40 * MIN)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="on paper").done
    s.t(t0 + 41 * MIN)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="paperwork").done
    s.t(t0 + 70 * MIN)                         # the gate's 70 min have run, 29 of the phase's 30
    refused = s.engine.tick_item("discharge-time-reached", "nurse.ana", s.now())
    assert refused.reasons == (
        "'Discharge time reached' waits for the discharge time: 1:00 min left.",)
    s.t(t0 + 71 * MIN)
    assert s.engine.tick_item("discharge-time-reached", "nurse.ana", s.now()).done

"""Esketamine's BP checks on an SpO2 + NIBP monitor (no ECG, a supported set-up: the pulse
oximeter's pulse rate is the baseline HR the protocol accepts). "BP at T+40" listed the heart
rate alone: with both BPs taken by the cuff and the pulse on screen it stood "Vitals overdue by
10 min: BP at T+40 (Heart rate)", and the REMS form's item was refused (an esketamine review).
A check's vital may be given as alternatives, as an item's `needs`: the heart rate or the pulse
rate."""

from __future__ import annotations

from pathlib import Path

from devices.reading import NIBP_PULSE, Reading
from protocols.vitals import metric
from tests.session.test_scores_since_dose import NURSE, Run

T0 = 10   # minutes: the devices' phase starts
BP_T40 = "vitals_due:BP at T+40"


def _on_an_oximeter_and_cuff(tmp_path: Path) -> tuple[Run, object]:
    r = Run(tmp_path, "esketamine", chosen_mg=56)

    def device(name: str, value: float, flags: frozenset[str] = frozenset()) -> None:
        now = r.now()
        r.engine.ingest(Reading(name, value, metric(name).unit, now.wall, now.wall, "hl7:MON",
                                flags=flags), now)

    def cuff(systolic: float, diastolic: float, pulse: float) -> None:
        device("bp_systolic", systolic); device("bp_diastolic", diastolic)
        device("pulse_rate", pulse, frozenset({NIBP_PULSE}))

    r.at(1)
    device("spo2", 98); device("pulse_rate", 72); device("resp_rate", 14); cuff(132, 84, 72)
    r.manual(moaas=5, dissociation=0)
    r.tick_required()                      # "baseline HR (or pulse rate)": the oximeter's
    r.at(T0); r.advance()
    assert r.engine.tick_item("device-1", NURSE, r.now(), note="lot A").done
    r.at(T0 + 5); assert r.engine.tick_item("device-2", NURSE, r.now(), note="lot A").done
    return r, (device, cuff)


def _board(r: Run) -> dict[str, tuple[str, str]]:
    return {o.condition: (o.priority.label, o.message) for o in r.engine.alarms()}


def test_bp_at_t40_is_met_by_a_cuff_bp_beside_an_oximeters_pulse(tmp_path: Path) -> None:
    r, (device, cuff) = _on_an_oximeter_and_cuff(tmp_path)
    for minute in range(T0 + 6, T0 + 51):
        r.at(minute); device("spo2", 98); device("pulse_rate", 72); device("resp_rate", 14)
        if minute == T0 + 11:
            r.advance()                    # Observation
        if minute == T0 + 39:
            cuff(130, 80, 72)              # the BP at T+40, taken by the monitor's cuff
    assert BP_T40 not in _board(r)
    assert r.engine.schedule.done("BP at T+40")
    assert r.restart().schedule.done("BP at T+40")   # as the log replays it


def test_bp_at_t40_asks_for_the_heart_rate_or_the_pulse_rate(tmp_path: Path) -> None:
    r, _ = _on_an_oximeter_and_cuff(tmp_path)
    r.at(T0 + 40)                          # 40 min after device 1, no BP since
    assert _board(r)[BP_T40] == (
        "info", "Vitals due: BP at T+40 (Systolic BP, Diastolic BP, Heart rate or pulse rate)")
    r.manual(bp_systolic=130, bp_diastolic=80)
    assert _board(r)[BP_T40][1] == "Vitals due: BP at T+40 (Heart rate or pulse rate)"
    r.manual(heart_rate=70)                # a typed heart rate meets it too
    r.at(T0 + 40.5)
    assert BP_T40 not in _board(r)

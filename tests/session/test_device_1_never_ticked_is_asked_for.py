"""Esketamine: device 1 given at T0 ("Give the first device as you confirm") and its tick
forgotten is asked for, as any device of the dose still open is: "Device 1 due" once the label's
rest after it has run (T0 + 5 min), medium 5 min later, live and after a restart. The checks
after the dose wait for device 1's tick, and the devices' phase has none of its own: the board
had stayed empty for hours, "Next vitals: BP at T+40 40:00 min" standing still (an esketamine
review)."""

from __future__ import annotations

from pathlib import Path

from tests.session.test_esketamine_checks_from_t0 import MOVE_ON, T0
from tests.session.test_scores_since_dose import NURSE, Run

DEVICE_1_DUE = "Device 1 due: tick it when given, or move on with the reason"


def _at_t0(tmp_path: Path) -> Run:
    """Baseline, pre-checks, T0 at 10 min (56 mg); no device ticked."""
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(T0); r.advance()                              # T0: "Give the first device as you confirm"
    return r


def _board(r: Run) -> dict[str, tuple[str, str]]:
    return {o.condition: (o.priority.label, o.message) for o in r.engine.alarms()}


def test_device_1_not_ticked_is_asked_for_once_its_rest_has_run_after_t0(
        tmp_path: Path) -> None:
    r = _at_t0(tmp_path)
    r.at(T0 + 4.9)                                     # the rest after device 1 still runs
    assert MOVE_ON not in _board(r)
    r.at(T0 + 5)
    assert _board(r)[MOVE_ON] == ("info", DEVICE_1_DUE)
    r.at(T0 + 9.9)
    assert _board(r)[MOVE_ON][0] == "info"
    r.at(T0 + 30)                                      # it had been silent here, and for hours
    assert _board(r)[MOVE_ON] == (
        "medium", f"{DEVICE_1_DUE} (the next phase's vitals checks have not started)")


def test_device_1_not_ticked_is_asked_for_the_same_after_a_restart(tmp_path: Path) -> None:
    r = _at_t0(tmp_path)
    r.at(T0 + 7)
    live = _board(r)
    r.restart()
    assert _board(r) == live == {MOVE_ON: ("info", DEVICE_1_DUE)}
    r.at(T0 + 30)
    live = _board(r)
    r.restart()
    assert _board(r) == live
    assert live[MOVE_ON][0] == "medium"


def test_device_1_ticked_late_ends_its_question_and_times_the_checks(tmp_path: Path) -> None:
    r = _at_t0(tmp_path)
    r.at(T0 + 30)
    assert MOVE_ON in _board(r)
    assert r.engine.tick_item("device-1", NURSE, r.now(), note="lot A").done
    r.at(T0 + 31)
    assert MOVE_ON not in _board(r)                    # device 2's rest runs, from device 1
    assert ("BP at T+40", 39 * 60) in [(d.name, round(d.due_in_s)) for d in r.engine.due(r.now())]
    r.at(T0 + 35)
    assert _board(r)[MOVE_ON][1].startswith("Device 2 due")


def test_devices_left_with_a_reason_before_any_end_the_question(tmp_path: Path) -> None:
    r = _at_t0(tmp_path)
    r.at(T0 + 12)
    assert _board(r)[MOVE_ON][0] == "medium"
    assert r.engine.advance_phase(NURSE, r.now(), override_reason="patient declined").done
    assert MOVE_ON not in _board(r)

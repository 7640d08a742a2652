"""Esketamine: the checks at fixed times after T0 ("BP at T+40", the pre-discharge BP) are due
from the first dose whatever phase the nurse is in, once; with the dose's devices given and
rested, the nurse is asked to move on to Observation (medium when ignored). A nurse who gave
the devices and stayed on their screen was asked nothing at all (review 42)."""

from __future__ import annotations

from pathlib import Path

from tests.session.test_scores_since_dose import NURSE, Run

T0 = 10                                  # minutes: the devices' phase starts (T0)
BP_T40 = "BP at T+40"
MOVE_ON = "phase_complete:dosing"
BP_PROMPT = "vitals_due:" + BP_T40


def _devices_given(tmp_path: Path, mg: float = 56, first: float = T0) -> Run:
    """Baseline, pre-checks, T0 at 10 min; device 1 at `first`, device 2 five minutes on."""
    r = Run(tmp_path, "esketamine", chosen_mg=mg)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(T0); r.advance()
    r.at(first); assert r.engine.tick_item("device-1", NURSE, r.now(), note="lot A").done
    r.at(first + 5); assert r.engine.tick_item("device-2", NURSE, r.now(), note="lot A").done
    return r


def _board(r: Run) -> dict[str, tuple[str, str]]:
    return {o.condition: (o.priority.label, o.message) for o in r.engine.alarms()}


def _due(r: Run) -> list[tuple[str, int]]:
    return [(d.name, round(d.due_in_s)) for d in r.engine.due(r.now())]


def test_bp_at_t40_is_asked_even_if_the_phase_was_not_moved_on(tmp_path: Path) -> None:
    r = _devices_given(tmp_path)
    r.at(T0 + 50)                        # still on the devices' screen
    assert r.engine.phase.id == "dosing"
    assert (BP_T40, -10 * 60) in _due(r)
    board = _board(r)
    assert board[BP_PROMPT] == (
        "medium", "Vitals overdue by 10 min: BP at T+40 (Systolic BP, Diastolic BP, Heart rate or "
                  "pulse rate)")
    assert board[MOVE_ON][0] == "medium"


def test_devices_given_and_rested_ask_to_move_on_then_escalate(tmp_path: Path) -> None:
    r = _devices_given(tmp_path)         # device 2 at 15: its 5-min rest runs to 20
    r.at(19.9)
    assert MOVE_ON not in _board(r)
    r.at(20)
    assert _board(r)[MOVE_ON] == (
        "info", "Nasal devices: all 2 devices given and rested; move to the next phase")
    r.at(24.9)
    assert _board(r)[MOVE_ON][0] == "info"
    r.at(25)
    assert _board(r)[MOVE_ON] == (
        "medium", "Nasal devices: all 2 devices given; move to the next phase (its vitals "
                  "checks have not started)")
    r.advance()
    assert MOVE_ON not in _board(r)


DEVICE_3_DUE = "Device 3 due: tick it when given, or move on with the reason"


def test_a_device_of_the_dose_still_open_after_the_rest_is_asked_for(tmp_path: Path) -> None:
    # 84 mg, devices 1 and 2 given, device 3 not ticked: 25 min after its rest ended the board
    # was empty, no device asked, no move on, the observation's checks never started while the
    # nurse stayed on the devices' screen (an esketamine review).
    r = _devices_given(tmp_path, mg=84)  # 3 devices; device 2 at 15, its rest runs to 20
    r.at(19.9)
    assert MOVE_ON not in _board(r)
    r.at(20)
    assert _board(r)[MOVE_ON] == ("info", DEVICE_3_DUE)
    r.at(24.9)
    assert _board(r)[MOVE_ON][0] == "info"
    r.at(T0 + 35)
    assert _board(r)[MOVE_ON] == (
        "medium", f"{DEVICE_3_DUE} (the next phase's vitals checks have not started)")
    live = _board(r)
    r.restart()
    assert _board(r) == live                           # from the ticks, after a restart too
    assert r.engine.tick_item("device-3", NURSE, r.now(), note="lot A").done
    r.at(T0 + 36)
    assert MOVE_ON not in _board(r)                    # device 3's own rest runs
    r.at(T0 + 40)
    assert _board(r)[MOVE_ON][1].startswith("Nasal devices: all 3 devices given")


def test_a_device_of_the_dose_not_given_ends_its_question_with_the_move_on(
        tmp_path: Path) -> None:
    r = _devices_given(tmp_path, mg=84)
    r.at(T0 + 12)
    assert _board(r)[MOVE_ON] == ("info", DEVICE_3_DUE)
    assert not r.engine.advance_phase(NURSE, r.now()).done   # device 3 is required
    assert r.engine.advance_phase(NURSE, r.now(),
                                  override_reason="patient declined the third device").done
    assert MOVE_ON not in _board(r)


def test_bp_at_t40_is_asked_once_when_observation_starts(tmp_path: Path) -> None:
    r = _devices_given(tmp_path)
    r.at(T0 + 20); r.advance()           # Observation, the T+40 BP still to come
    names = [name for name, _ in _due(r)]
    assert names.count(BP_T40) == 1
    assert (BP_T40, 20 * 60) in _due(r)
    assert names.count("Pre-discharge BP at T+115") == 1


def test_bp_at_t40_taken_on_the_devices_screen_is_not_asked_again(tmp_path: Path) -> None:
    r = _devices_given(tmp_path)
    r.at(T0 + 40); r.manual(bp_systolic=138, bp_diastolic=84, heart_rate=72)
    assert r.engine.schedule.done(BP_T40)
    r.at(T0 + 41); r.advance()
    assert BP_T40 not in [name for name, _ in _due(r)]
    r.at(T0 + 60)
    assert BP_PROMPT not in _board(r)


def test_bp_at_t40_counts_from_a_late_first_device_once_observation_starts(
        tmp_path: Path) -> None:
    # Device 1 ticked 10 min into the phase: 40 min after device 1 (the label's "about 40 min
    # after the dose") from its tick on, on the devices' screen and in Observation alike (on the
    # devices' screen it had counted from the phase start, and a BP 30 min after the dose met
    # it: review 45).
    r = _devices_given(tmp_path, first=T0 + 10)
    r.at(T0 + 16)
    assert (BP_T40, 34 * 60) in _due(r)
    r.advance()
    assert (BP_T40, 34 * 60) in _due(r)


def test_a_restart_on_the_devices_screen_asks_the_same(tmp_path: Path) -> None:
    r = _devices_given(tmp_path)
    r.at(T0 + 38); r.manual(bp_systolic=136)          # part of the T+40 BP, early window
    r.at(T0 + 50)
    live = (_due(r), _board(r))
    r.restart()
    assert (_due(r), _board(r)) == live
    assert BP_PROMPT in live[1] and MOVE_ON in live[1]
    r.at(T0 + 51); r.advance()                         # Observation after the restart
    assert [name for name, _ in _due(r)].count(BP_T40) == 1

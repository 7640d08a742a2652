"""Esketamine: a check at a fixed time after T0 ("BP at T+40") already asked when the nurse moves
on stays asked, at its time, with the vitals it has: a prompt ends when what it asks for is
measured, not at a phase change. With device 1 ticked late, moving to Observation pushed an overdue
BP at T+40 to 40 min after the device: the prompt vanished with no BP taken ("due in 4 min") and
came back minutes later as a new prompt (review 42). Device 1's tick times it from the dose
already (review 45); one not yet asked there still counts from the dose."""

from __future__ import annotations

from pathlib import Path

from tests.session.test_esketamine_checks_from_t0 import (BP_PROMPT, BP_T40, T0, _board, _due,
                                                          _devices_given)


def test_an_overdue_bp_at_t40_stays_asked_when_the_nurse_moves_to_observation(
        tmp_path: Path) -> None:
    r = _devices_given(tmp_path, first=T0 + 10)      # device 1 at T0+10, device 2 at T0+15
    r.at(T0 + 56)                                    # still on the devices screen
    assert BP_PROMPT in _board(r)                    # asked: overdue 6 min (device 1 + 40)
    assert dict(_due(r))[BP_T40] == -6 * 60
    r.advance()                                      # Observation, no BP taken yet
    assert _board(r)[BP_PROMPT] == (
        "medium", "Vitals overdue by 6 min: BP at T+40 (Systolic BP, Diastolic BP, Heart rate or "
                  "pulse rate)")
    assert dict(_due(r))[BP_T40] == -6 * 60
    assert [name for name, _ in _due(r)].count(BP_T40) == 1


def test_the_bp_taken_after_the_move_ends_the_prompt_and_is_not_asked_again(
        tmp_path: Path) -> None:
    r = _devices_given(tmp_path, first=T0 + 10)
    r.at(T0 + 56); r.advance()
    r.at(T0 + 57); r.manual(bp_systolic=138, bp_diastolic=84, heart_rate=72)
    assert r.engine.schedule.done(BP_T40)
    assert BP_PROMPT not in _board(r)
    r.at(T0 + 70)                                    # later on: not asked again
    assert BP_PROMPT not in _board(r)
    assert BP_T40 not in [name for name, _ in _due(r)]


def test_a_part_taken_before_the_move_still_counts(tmp_path: Path) -> None:
    # The systolic of T0+49 is in the window of the asked check (due at T0+50, 40 min after
    # device 1): the check stays at its time, so it keeps it and asks only the rest.
    r = _devices_given(tmp_path, first=T0 + 10)
    r.at(T0 + 49); r.manual(bp_systolic=136)
    r.at(T0 + 51); r.advance()
    assert _board(r)[BP_PROMPT] == (
        "info", "Vitals due: BP at T+40 (Diastolic BP, Heart rate or pulse rate)")
    assert dict(_due(r))[BP_T40] == -1 * 60


def test_a_restart_after_the_move_asks_the_same(tmp_path: Path) -> None:
    r = _devices_given(tmp_path, first=T0 + 10)
    r.at(T0 + 49); r.manual(bp_systolic=136)
    r.at(T0 + 56); r.advance()
    r.at(T0 + 58)
    live = (_due(r), _board(r))
    assert BP_PROMPT in live[1]
    r.restart()
    assert (_due(r), _board(r)) == live


def test_a_restart_before_the_move_asks_the_same_after_it(tmp_path: Path) -> None:
    r = _devices_given(tmp_path, first=T0 + 10)
    r.at(T0 + 56)
    r.restart()
    r.advance()
    assert dict(_due(r))[BP_T40] == -6 * 60
    assert _board(r)[BP_PROMPT][0] == "medium"


def test_a_check_not_yet_asked_still_moves_to_the_first_device(tmp_path: Path) -> None:
    r = _devices_given(tmp_path, first=T0 + 10)
    r.at(T0 + 39.9); r.advance()                     # due at T0+40 on the devices screen: not yet
    assert dict(_due(r))[BP_T40] == round(10.1 * 60)   # 40 min after device 1 (T0+50)
    assert BP_PROMPT not in _board(r)

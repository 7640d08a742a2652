"""A lock-out and a station clock set back (NTP correcting a fast clock): the lock lasts its
5 minutes, not the size of the step, at the chair and in `staff list`."""

from __future__ import annotations

from datetime import timedelta

from console.identity import LOCK_AFTER, LOCK_FOR, Account, Lock, Outcome, Staff

from .conftest import NURSE, NURSE_PIN, t

WRONG = "00000000"
STEP = timedelta(hours=1)


def lock_out(staff: Staff) -> None:
    """Five wrong secrets in a row at 100-104 s: locked until 104 s + 5 min."""
    for i in range(LOCK_AFTER):
        assert staff.sign_in(NURSE, WRONG, t(100 + i), "chair 1").outcome is Outcome.WRONG


def test_a_lock_out_lasts_five_minutes_not_the_clock_step(staff: Staff, nurse: Account) -> None:
    lock_out(staff)
    # 10 s after the fifth wrong PIN NTP sets the fast clock back an hour; 6 minutes later (real
    # time) the nurse types her right PIN. She was told "try again in 59:00 min".
    back = t(104) - STEP
    assert staff.lock_state(nurse, back + timedelta(seconds=10)).state is Lock.OPEN
    result = staff.sign_in(NURSE, NURSE_PIN, back + timedelta(minutes=6), "chair 1")
    assert result.outcome is Outcome.OK, result.message


def test_a_lock_out_is_never_said_to_last_longer_than_five_minutes(staff: Staff,
                                                                    nurse: Account) -> None:
    lock_out(staff)
    back = t(104) - STEP
    result = staff.sign_in(NURSE, NURSE_PIN, back + timedelta(seconds=10), "chair 1")
    assert result.outcome is not Outcome.LOCKED and "59:" not in result.message
    # The clock as it runs: the lock holds its 5 minutes, to the second.
    lock_out_again = [staff.sign_in(NURSE, WRONG, back + timedelta(seconds=20 + i), "chair 1")
                      for i in range(LOCK_AFTER)]
    until = lock_out_again[-1].locked_until
    assert until == back + timedelta(seconds=24) + LOCK_FOR
    assert staff.sign_in(NURSE, NURSE_PIN, until - timedelta(seconds=1)).outcome is Outcome.LOCKED
    assert staff.sign_in(NURSE, NURSE_PIN, until).ok


def test_the_lock_out_that_is_running_is_untouched(staff: Staff, nurse: Account) -> None:
    lock_out(staff)
    state = staff.lock_state(nurse, t(104 + 1))
    assert (state.state, state.until) == (Lock.LOCKED, t(104) + LOCK_FOR)
    assert staff.lock_state(nurse, t(104) + LOCK_FOR).state is Lock.OPEN

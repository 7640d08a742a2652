"""The idle locks across a suspend (lid closed, power saving): the chair, the staff
administration and the review all woke unlocked hours later, their idle time counted on the
monotonic clock, which stands still while the computer sleeps (CLOCK_MONOTONIC on Linux). A
clock moved by hand: the wall time by the sleep, the monotonic time by the seconds awake."""

from __future__ import annotations

import time
from datetime import timedelta

from console.clock import ManualClock, Moment
from console.session.lock import DEFAULT_LOCK_AFTER_S, LOCKED_MESSAGE
from tests.ui.test_lock_screen import ADMIN, ANA, ANA_PIN, LOCK_AFTER_S, Chair, sign_in
from tests.ui.test_review_identity import (  # noqa: F401 - fixtures
    PRESCRIBER,
    PRESCRIBER_PIN,
    built,
    db,
    open_window,
    protocols,
    signed_in,
)


def sleep_hours(clock: ManualClock, hours: float, awake_s: float = 2.0) -> None:
    """What the clock reads after the computer slept `hours` and woke `awake_s` ago."""
    now = clock.now()
    clock._now = Moment(now.mono + awake_s, now.wall + timedelta(hours=hours))


def test_the_clock_behind_the_idle_lock_stands_still_during_a_suspend() -> None:
    # Why the wall clock is counted too (Linux: CLOCK_BOOTTIME would count the sleep).
    assert "CLOCK_MONOTONIC" in time.get_clock_info("monotonic").implementation


def test_a_chair_that_slept_three_hours_wakes_locked(tmp_path, qtbot) -> None:
    chair = Chair(tmp_path, qtbot)
    try:
        # Step 1: Ana at the chair, 5 min idle: open.
        chair.t(LOCK_AFTER_S / 2)
        assert not chair.controller.locked
        # Step 2: the computer sleeps 3 h and wakes: locked at the first tick.
        sleep_hours(chair.clock, 3)
        chair.controller.tick()
        assert chair.controller.locked
        assert chair.window.lock_bar.isVisible()
        assert chair.window.lock_bar.title.text() == LOCKED_MESSAGE
        # Step 3: Ana signs in: open for the whole idle time again.
        assert sign_in(chair, ANA, ANA_PIN) == f"Signed in as {ANA}."
        chair.t(LOCK_AFTER_S - 1)
        assert not chair.controller.locked
    finally:
        chair.close()


def test_the_staff_administration_closes_after_a_sleep(tmp_path, qtbot) -> None:
    from console.ui.staff_dialogs import StaffAdminDialog

    chair = Chair(tmp_path, qtbot)
    try:
        dialog = StaffAdminDialog(chair.staff, chair.clock, chair.staff.find(ADMIN),
                                  lock_after_s=LOCK_AFTER_S)
        qtbot.addWidget(dialog)
        dialog.show()
        sleep_hours(chair.clock, 3)
        dialog.check_idle()
        # Left open, anyone at the station could add an administrator in Ada's name.
        assert not dialog.isVisible()
    finally:
        chair.close()


def test_a_review_that_slept_wakes_with_its_records_hidden(db, protocols, qtbot, tmp_path):
    window, _ = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                            tmp_path)
    window.show()
    qtbot.waitExposed(window)
    window.clock.advance(DEFAULT_LOCK_AFTER_S / 2)
    window.lock.check()
    assert not window.lock.locked
    sleep_hours(window.clock, 3)
    window.lock.check()
    assert window.lock.locked and not window.tabs.isVisible()

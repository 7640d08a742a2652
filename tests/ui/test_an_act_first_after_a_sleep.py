"""The first act after a sleep, before the first tick, reaching the controller before any key
event does (README, Idle lock: a station left signed in that slept for hours "now wakes locked").

Qt hands a key to its shortcut (F2, F3) before the key event is sent anywhere, so the F2 that
wakes a station acts before the activity filter sees its key; an action called directly has no
key at all. The controller's refusal weighed the act first and noted it as activity after: the
act was done in the absent nurse's name (an F2 named her as signed in), and the idle time
started again; with `IdleLock.activity` locking an idle time run out, the station locked
without telling its windows (no lock bar to sign in at, every later act refused with "Locked
— sign in to continue"). It now notes the activity first, as a key: the lock bar shows, the
acknowledgement is recorded with nobody signed in, and an act that is not F2 or F3 is refused.
Real engine, real SQLite log, real Argon2id at its smallest cost; the clock moved by hand.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.clock import ManualClock, Moment
from console.session.entry import Rejected
from console.session.lock import LOCKED_MESSAGE, locked_actor
from tests.ui.test_lock_screen import ANA, ANA_PIN, PAT, PAT_PIN, Chair
from tests.ui.test_signatures_at_chair import SignedChair, to_discharge_phase


def wake_after(clock: ManualClock, asleep_s: float) -> None:
    """The computer slept `asleep_s` and has just woken: the wall clock has moved on by it, the
    monotonic clock (and so every QTimer) by a tenth of a second."""
    now = clock.now()
    clock._now = Moment(now.mono + 0.1, now.wall + timedelta(seconds=asleep_s))


@pytest.fixture
def chair(tmp_path, qtbot):
    c = Chair(tmp_path, qtbot)
    yield c
    c.close()


def test_f2_first_after_a_sleep_locks_and_acknowledges_with_nobody_signed_in(chair, qtbot):
    window = chair.window
    # Step 1: a high alarm while Ana is at the chair; she walks away, the station sleeps 3 h.
    chair.controller.enter_manual("heart_rate", 140)
    chair.t(5)
    wake_after(chair.clock, 3 * 3600)
    # Step 2: F2 before the first tick (its shortcut acts before its key event): the station
    # locks and shows it, and the acknowledgement names nobody signed in.
    with qtbot.waitSignal(chair.controller.lock_changed) as blocker:
        window.alarm_bar.ack_shortcut.activated.emit()
    assert blocker.args == [True] and chair.controller.locked
    assert window.lock_bar.isVisible() and window.lock_bar.title.text() == LOCKED_MESSAGE
    acks = chair.rows("SELECT actor FROM alarm_events WHERE transition = 'acknowledged'")
    assert acks and all(actor == locked_actor(ANA) for (actor,) in acks)


def test_an_entry_first_after_a_sleep_is_refused_and_the_lock_shown(chair, qtbot):
    chair.t(5)
    wake_after(chair.clock, 3 * 3600)
    with qtbot.waitSignal(chair.controller.lock_changed) as blocker:
        verdict = chair.controller.enter_manual("heart_rate", 80)
    assert isinstance(verdict, Rejected) and verdict.message == LOCKED_MESSAGE
    assert blocker.args == [True] and chair.window.lock_bar.isVisible()
    assert chair.rows("SELECT count(*) FROM observations") == [(0,)]


def test_a_key_and_f3_after_a_sleep_never_lock_the_ended_record(tmp_path, qtbot):
    # The ended record takes nothing more and has no Lock (README): its tick never locks it,
    # and neither do a key or an F3 on it after a sleep.
    chair = SignedChair(tmp_path, qtbot, with_window=True)
    try:
        to_discharge_phase(chair)
        chair.signer.answers = [(PAT, PAT_PIN), (ANA, ANA_PIN)]
        assert chair.controller.discharge(override_reason="prescriber reviewed at the chair").done
        wake_after(chair.clock, 3 * 3600)
        chair.controller.note_activity()   # a key
        chair.controller.pause_audio()     # F3
        assert not chair.controller.locked
    finally:
        chair.close()
